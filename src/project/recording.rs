//! A project folder copied into memory ([`ProjectFiles::from_folder`]): the folder is read as
//! `project::load` reads it, through a [`Source`] that keeps a copy of every file the reader
//! asks for, so the copy holds exactly the files that make the project and reads the same.
//!
//! Leaves to others: the reader (`read.rs`), the files in memory and on disk (`source.rs`).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use super::problem::{Problem, boxed};
use super::read::read_from;
use super::source::{Folder, ProjectFiles, Source, normal};
use crate::diagnostic::InvalidInput;

impl ProjectFiles {
    /// Reads the project in `dir` as `plan` does, and keeps a copy of every
    /// file it read: plan.yaml, the migration and rollback files, and the files of `sql:` steps.
    /// Fails with every problem of the project, as `load` does, or when a file lies outside
    /// `dir` (a `migrations_dir` of `..`), which a project in memory could not reach.
    pub fn from_folder(dir: &Path) -> Result<ProjectFiles, InvalidInput> {
        let recording = Recording {
            inner: Folder::new(dir),
            read: Mutex::new(BTreeMap::new()),
        };
        let reading = read_from(&recording);
        let mut problems = reading.problems;
        let mut project_files = ProjectFiles::new();
        for (path, bytes) in recording
            .read
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner)
        {
            match path.strip_prefix(dir).ok().and_then(normal) {
                Some(relative) => {
                    project_files.files.insert(relative, Cow::Owned(bytes));
                }
                None => problems.push(Problem::Unreadable {
                    path,
                    reason: "the file is outside the project folder, so it cannot be embedded: \
                             keep migrations_dir and step files inside the folder"
                        .to_string(),
                }),
            }
        }
        if problems.is_empty() {
            Ok(project_files)
        } else {
            Err(InvalidInput::new(
                &dir.display().to_string(),
                problems.into_iter().map(boxed).collect(),
            ))
        }
    }
}

/// A source that keeps a copy of every file read through it (from several threads: the
/// reader reads files in parallel).
struct Recording<'a> {
    inner: Folder<'a>,
    read: Mutex<BTreeMap<PathBuf, Vec<u8>>>,
}

impl Source for Recording<'_> {
    fn root(&self) -> &Path {
        self.inner.root()
    }

    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        let bytes = self.inner.read(path)?;
        self.read
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(path.to_path_buf(), bytes.clone());
        Ok(bytes)
    }

    fn list(&self, folder: &Path) -> io::Result<Vec<PathBuf>> {
        self.inner.list(folder)
    }

    fn link_outside(&self, path: &Path, folder: &Path) -> Option<PathBuf> {
        self.inner.link_outside(path, folder)
    }

    fn is_link(&self, path: &Path) -> bool {
        self.inner.is_link(path)
    }

    fn is_folder(&self, path: &Path) -> bool {
        self.inner.is_folder(path)
    }
}
