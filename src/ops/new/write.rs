//! [`write()`]: creating a scaffold's files (never replacing one), and the migration's own
//! folder in layouts that keep one per migration (Prisma, Diesel), and reading the project
//! again, removing them if it no longer loads, so that a file `plan new` leaves behind is one
//! the project accepts. What the files hold is `scaffold`'s.

use std::path::Path;

use super::request::{Scaffold, ScaffoldError};

/// Creates the files of `scaffold` (never replacing one), then reads the project in
/// `project_dir` again; if it no longer loads, removes them and fails with its problems.
pub(crate) fn write(scaffold: &Scaffold, project_dir: &Path) -> Result<(), ScaffoldError> {
    let mut written: Vec<&Path> = Vec::new();
    let mut folders: Vec<&Path> = Vec::new();
    for file in &scaffold.files {
        if let Some(parent) = file.path.parent()
            && !parent.exists()
        {
            // A migration's own folder (`<ts>_name/` of Prisma and Diesel): ours to remove.
            if let Err(error) = std::fs::create_dir(parent) {
                remove(&written, &folders);
                return Err(ScaffoldError::Write {
                    path: parent.display().to_string(),
                    reason: error.to_string(),
                });
            }
            folders.push(parent);
        }
        let created = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&file.path)
            .and_then(|mut handle| std::io::Write::write_all(&mut handle, file.text.as_bytes()));
        if let Err(error) = created {
            // A file that already existed is not ours to remove.
            if error.kind() != std::io::ErrorKind::AlreadyExists {
                let _ = std::fs::remove_file(&file.path);
            }
            remove(&written, &folders);
            return Err(ScaffoldError::Write {
                path: file.path.display().to_string(),
                reason: error.to_string(),
            });
        }
        written.push(&file.path);
    }
    if let Err(problems) = crate::load::load_project(project_dir) {
        remove(&written, &folders);
        return Err(ScaffoldError::Rejected {
            problems: vec![problems],
        });
    }
    Ok(())
}

/// Removes the files written, then the folders created for them (if empty).
fn remove(paths: &[&Path], folders: &[&Path]) {
    for path in paths {
        let _ = std::fs::remove_file(path);
    }
    for folder in folders {
        let _ = std::fs::remove_dir(folder);
    }
}
