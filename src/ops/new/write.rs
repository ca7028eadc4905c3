//! [`write()`]: creating a scaffold's files (never replacing one) and reading the project
//! again, removing them if it no longer loads, so that a file `plan new` leaves behind is one
//! the project accepts. What the files hold is `scaffold`'s.

use std::path::Path;

use super::request::{Scaffold, ScaffoldError};

/// Creates the files of `scaffold` (never replacing one), then reads the project in
/// `project_dir` again; if it no longer loads, removes them and fails with its problems.
pub(crate) fn write(scaffold: &Scaffold, project_dir: &Path) -> Result<(), ScaffoldError> {
    let mut written: Vec<&Path> = Vec::new();
    for file in &scaffold.files {
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
            remove(&written);
            return Err(ScaffoldError::Write {
                path: file.path.display().to_string(),
                reason: error.to_string(),
            });
        }
        written.push(&file.path);
    }
    if let Err(problems) = crate::load::load_project(project_dir) {
        remove(&written);
        return Err(ScaffoldError::Rejected {
            problems: vec![problems],
        });
    }
    Ok(())
}

fn remove(paths: &[&Path]) {
    for path in paths {
        let _ = std::fs::remove_file(path);
    }
}
