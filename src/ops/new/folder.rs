//! [`CreatedFolder`]: the migrations folder `plan new` creates in a project that has none yet
//! (migrations/, or plan.yaml's `migrations_dir`), and removes again when the new migration is
//! not created after all. Where the folder is comes from reading the project (`project`); what
//! goes into it is `scaffold`'s and `write`'s.

use std::path::{Component, Path, PathBuf};

use super::request::ScaffoldError;

/// A migrations folder this run created: removed again by [`CreatedFolder::remove`] if the
/// migration is not created, so a failed `plan new` leaves nothing behind.
#[derive(Debug)]
pub(crate) struct CreatedFolder {
    /// The migrations folder.
    path: PathBuf,
    /// The folders created, the migrations folder last (more than one for a nested
    /// `migrations_dir` such as `db/migrations`).
    created: Vec<PathBuf>,
}

impl CreatedFolder {
    /// Creates the migrations folder of the project in `project_dir` when the project folder
    /// exists and its migrations folder does not; `None` when there is nothing to create: the
    /// folder exists, the project folder does not (a mistyped `--dir` is not a new project), or
    /// `migrations_dir` points outside the project.
    pub(crate) fn create_if_missing(
        project_dir: &Path,
    ) -> Result<Option<CreatedFolder>, ScaffoldError> {
        if !project_dir.is_dir() {
            return Ok(None);
        }
        let reading = crate::project::read(project_dir);
        let path = reading.project.migrations_dir().to_path_buf();
        let inside = path.strip_prefix(project_dir).is_ok_and(|relative| {
            relative
                .components()
                .all(|component| matches!(component, Component::Normal(_)))
        });
        if !inside || path.exists() {
            return Ok(None);
        }
        let mut created: Vec<PathBuf> = path
            .ancestors()
            .take_while(|ancestor| *ancestor != project_dir && !ancestor.exists())
            .map(Path::to_path_buf)
            .collect();
        created.reverse();
        std::fs::create_dir_all(&path).map_err(|error| ScaffoldError::Write {
            path: path.display().to_string(),
            reason: error.to_string(),
        })?;
        Ok(Some(CreatedFolder { path, created }))
    }

    /// The migrations folder.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Removes the folders created, if they are still empty.
    pub(crate) fn remove(&self) {
        for folder in self.created.iter().rev() {
            let _ = std::fs::remove_dir(folder);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// In a project of `files`, which folders `create_if_missing` creates (relative, `/`
    /// separated), or `none`; then removes them and checks they are gone.
    fn check(files: &[(&str, &str)], expect: &str) {
        let dir = crate::testing::project_dir(files);
        let created = CreatedFolder::create_if_missing(dir.path()).expect("creates");
        let shown = match &created {
            None => "none".to_string(),
            Some(folder) => {
                assert!(folder.path().is_dir());
                folder
                    .created
                    .iter()
                    .map(|path| {
                        path.strip_prefix(dir.path())
                            .expect("inside")
                            .to_string_lossy()
                            .replace('\\', "/")
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        };
        assert_eq!(shown, expect);
        if let Some(folder) = created {
            folder.remove();
            assert!(!folder.path().exists());
        }
    }

    #[test]
    fn issue_13_a_missing_migrations_folder_is_created() {
        check(&[], "migrations");
        check(
            &[("plan.yaml", "migrations_dir: db/migrations\n")],
            "db, db/migrations",
        );
    }

    #[test]
    fn issue_13_an_existing_or_outside_folder_is_left_alone() {
        check(&[("migrations/001_a.sql", "SELECT 1;\n")], "none");
        check(&[("plan.yaml", "migrations_dir: ../elsewhere\n")], "none");
    }
}
