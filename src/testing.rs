//! Test fixtures shared by the unit tests of several layers: a project folder written into a
//! temporary directory from a list of files.

use std::path::Path;

use tempfile::TempDir;

/// Writes `files` (path relative to the project folder, text) into a new temporary folder.
pub(crate) fn project_dir(files: &[(&str, &str)]) -> TempDir {
    let dir = tempfile::tempdir().expect("a temporary directory");
    for (path, text) in files {
        write(dir.path(), path, text.as_bytes());
    }
    dir
}

/// Writes one file, creating its folder.
pub(crate) fn write(root: &Path, path: &str, bytes: &[u8]) {
    let full = root.join(path);
    if let Some(parent) = full.parent() {
        std::fs::create_dir_all(parent).expect("create the fixture folder");
    }
    std::fs::write(full, bytes).expect("write the fixture file");
}
