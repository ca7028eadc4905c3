//! Baking a project into a service's binary at compile time, so that a container needs no
//! migration files beside it. The service's build script calls [`build_script`] (or
//! [`write_embedded_project`]), which reads the project as `plan` reads it — a bad project
//! fails the build, printing the diagnostic `plan` would print — and writes a Rust file listing
//! the project's files with `include_bytes!`. The service brings that list in with `include!`
//! and hands it to `startup::Migrator::embedded`:
//!
//! ```text
//! // build.rs                                 // [build-dependencies] pgplan = "…"
//! fn main() -> std::process::ExitCode {
//!     pgplan::embed::build_script("project", "project.rs")
//! }
//!
//! // src/main.rs
//! static PROJECT: pgplan::embed::EmbeddedFiles =
//!     include!(concat!(env!("OUT_DIR"), "/project.rs"));
//! let migrator = pgplan::startup::Migrator::embedded(PROJECT)?;
//! ```
//!
//! Only the files the reader reads are embedded: plan.yaml, the migration and rollback files,
//! and the files of `sql:` steps. Like `cli`, this is a front end (for cargo rather than for
//! people): [`build_script`] is the one function outside `cli` that writes to stdout and stderr.

use std::ffi::OsString;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use miette::Diagnostic;

use crate::diagnostic::InvalidInput;
use crate::project::ProjectFiles;

/// The list [`write_embedded_project`] writes: each file's path relative to the project folder,
/// and its bytes. `static PROJECT: EmbeddedFiles = include!(…);`
pub type EmbeddedFiles = &'static [(&'static str, &'static [u8])];

/// Why a project could not be embedded.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[non_exhaustive]
pub enum EmbedError {
    /// The project has problems: the same diagnostic `plan show` prints.
    #[error(transparent)]
    #[diagnostic(transparent)]
    InvalidProject(#[from] InvalidInput),

    /// The project has no migrations: embedding it is surely a mistake (a wrong folder).
    #[error("{dir} has no migrations to embed")]
    #[diagnostic(
        code(plan::embed::no_migrations),
        help(
            "point the build script at the project folder: the one holding plan.yaml and migrations/ (relative paths start at the package root)"
        )
    )]
    NoMigrations {
        /// The project folder as given.
        dir: String,
    },

    /// A path cannot be written into Rust source: it is not UTF-8.
    #[error("{} cannot be embedded: its path is not valid UTF-8", path.display())]
    #[diagnostic(
        code(plan::embed::path),
        help("rename the file or folder with a UTF-8 name")
    )]
    Path {
        /// The path.
        path: PathBuf,
    },

    /// The generated file could not be written.
    #[error("could not write the embedded project to {}: {source}", path.display())]
    #[diagnostic(
        code(plan::embed::write),
        help("check that the build script writes under OUT_DIR")
    )]
    Write {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        source: io::Error,
    },

    /// Not run by cargo as a build script.
    #[error("OUT_DIR is not set: pgplan::embed::build_script runs in a build script (build.rs)")]
    #[diagnostic(
        code(plan::embed::out_dir),
        help("call it from build.rs, or call write_embedded_project with the file to write")
    )]
    NoOutDir,
}

/// A bad project (or one that cannot be written as Rust) is invalid input; a failed write or a
/// build script run without `OUT_DIR` is a failure.
impl crate::diagnostic::Classified for EmbedError {
    fn class(&self) -> crate::diagnostic::ErrorClass {
        use crate::diagnostic::ErrorClass::{Failed, InvalidInput};
        match self {
            EmbedError::InvalidProject(_)
            | EmbedError::NoMigrations { .. }
            | EmbedError::Path { .. } => InvalidInput,
            EmbedError::Write { .. } | EmbedError::NoOutDir => Failed,
        }
    }
}

/// The whole `main` of a build script: writes the project in `project_dir` (relative to the
/// package root) to `$OUT_DIR/<file_name>`, tells cargo to run again when anything in the
/// folder changes, and fails the build with `plan`'s diagnostic when the project is invalid.
///
/// ```no_run
/// // build.rs of a service; its main.rs then has
/// // static PROJECT: pgplan::embed::EmbeddedFiles = include!(concat!(env!("OUT_DIR"), "/project.rs"));
/// fn main() -> std::process::ExitCode {
///     pgplan::embed::build_script("project", "project.rs")
/// }
/// ```
pub fn build_script(project_dir: &str, file_name: &str) -> ExitCode {
    let stdout = io::stdout();
    let stderr = io::stderr();
    run_build_script(
        project_dir,
        file_name,
        std::env::var_os("OUT_DIR"),
        &mut stdout.lock(),
        &mut stderr.lock(),
    )
}

/// Reads the project in `project_dir` as `plan` does and, if it is valid, writes to `out_file`
/// a Rust expression of type [`EmbeddedFiles`] listing its files with `include_bytes!`. Returns
/// the files embedded.
///
/// A relative `project_dir` is relative to the current directory, which cargo sets to the
/// package root for build scripts; the file written names it from `env!("CARGO_MANIFEST_DIR")`,
/// so it compiles wherever the package is built. `out_file` is rewritten only if it changes.
pub fn write_embedded_project(
    project_dir: impl AsRef<Path>,
    out_file: impl AsRef<Path>,
) -> Result<ProjectFiles, EmbedError> {
    let (source, files) = embedded_project_source(project_dir.as_ref())?;
    let out_file = out_file.as_ref();
    if std::fs::read_to_string(out_file).ok().as_deref() != Some(source.as_str()) {
        std::fs::write(out_file, source).map_err(|source| EmbedError::Write {
            path: out_file.to_path_buf(),
            source,
        })?;
    }
    Ok(files)
}

/// The text [`write_embedded_project`] writes for `project_dir`, and the files it lists.
pub fn embedded_project_source(project_dir: &Path) -> Result<(String, ProjectFiles), EmbedError> {
    // Read from disk first, so that problems name the files as `plan show` does; then from the
    // copy in memory, exactly as the service will at start-up.
    let loaded = crate::load::load_project(project_dir)?;
    if loaded.project().migrations().len() == 0 {
        return Err(EmbedError::NoMigrations {
            dir: project_dir.display().to_string(),
        });
    }
    let files = ProjectFiles::from_folder(project_dir)?;
    crate::load::load_project_files(&files)?;

    let dir_text = project_dir.to_str().ok_or_else(|| EmbedError::Path {
        path: project_dir.to_path_buf(),
    })?;
    let dir_text = dir_text.trim_end_matches('/');
    let mut source = format!(
        "// The project in {dir_text}, embedded by pgplan::embed. Generated: do not edit.\n\
         // It was read and checked as `plan` reads it when this file was written.\n&[\n"
    );
    for path in files.paths() {
        let relative = path.to_str().ok_or_else(|| EmbedError::Path {
            path: project_dir.join(path),
        })?;
        let include = if project_dir.is_absolute() {
            format!("include_bytes!({:?})", format!("{dir_text}/{relative}"))
        } else {
            format!(
                "include_bytes!(concat!(env!(\"CARGO_MANIFEST_DIR\"), {:?}))",
                format!("/{dir_text}/{relative}")
            )
        };
        source.push_str(&format!("    ({relative:?}, {include} as &[u8]),\n"));
    }
    source.push_str("]\n");
    Ok((source, files))
}

/// [`build_script`] with its inputs and outputs given, for tests.
fn run_build_script(
    project_dir: &str,
    file_name: &str,
    out_dir: Option<OsString>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> ExitCode {
    let _ = writeln!(out, "cargo:rerun-if-changed={project_dir}");
    let result = match out_dir {
        Some(out_dir) => {
            write_embedded_project(project_dir, PathBuf::from(out_dir).join(file_name))
        }
        None => Err(EmbedError::NoOutDir),
    };
    match result {
        Ok(_) => ExitCode::SUCCESS,
        Err(error) => {
            // Rendered by the code that renders `plan`'s own failures, so the build prints
            // what `plan show` would.
            let _ = write!(err, "{}", crate::diagnostic::render(&error));
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs the build script on `project_dir` with a fresh OUT_DIR: its stdout, its stderr, and
    /// the file written if any.
    fn check_build_script(project_dir: &str) -> (String, String, Option<String>) {
        let out_dir = tempfile::tempdir().expect("OUT_DIR");
        let mut out = Vec::new();
        let mut err = Vec::new();
        let code = run_build_script(
            project_dir,
            "project.rs",
            Some(out_dir.path().as_os_str().to_owned()),
            &mut out,
            &mut err,
        );
        let written = std::fs::read_to_string(out_dir.path().join("project.rs")).ok();
        assert_eq!(
            code == ExitCode::SUCCESS,
            written.is_some(),
            "success writes the file, failure does not"
        );
        (
            String::from_utf8_lossy(&out).into_owned(),
            String::from_utf8_lossy(&err).into_owned(),
            written,
        )
    }

    #[test]
    fn a_valid_project_is_listed_with_include_bytes_from_the_package_root() {
        let dir = "tests/fixtures/seed000_rollback_suffix";
        let (out, err, written) = check_build_script(dir);
        assert_eq!(out, format!("cargo:rerun-if-changed={dir}\n"));
        assert_eq!(err, "");
        let written = written.expect("the list");
        assert!(written.starts_with("// The project in tests/fixtures/seed000_rollback_suffix"));
        let entries: Vec<&str> = written
            .lines()
            .filter(|line| line.starts_with("    ("))
            .collect();
        assert!(!entries.is_empty());
        for entry in entries {
            assert!(
                entry.contains(
                    "include_bytes!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/tests/fixtures/seed000_rollback_suffix/"
                ) && entry.ends_with(" as &[u8]),"),
                "{entry}"
            );
        }
    }

    #[test]
    fn a_project_with_a_cycle_fails_the_build_with_the_cycle_diagnostic() {
        let (_, err, written) = check_build_script("tests/fixtures/cycle");
        assert!(written.is_none());
        assert!(err.contains("plan::graph::cycle"), "{err}");
        assert!(err.contains("1 problem in tests/fixtures/cycle"), "{err}");
    }

    #[test]
    fn outside_a_build_script_there_is_no_out_dir() {
        let mut out = Vec::new();
        let mut err = Vec::new();
        let code = run_build_script("project", "project.rs", None, &mut out, &mut err);
        assert_eq!(code, ExitCode::FAILURE);
        assert!(String::from_utf8_lossy(&err).contains("plan::embed::out_dir"));
    }

    #[test]
    fn a_folder_without_migrations_is_not_embedded() {
        let dir = crate::testing::project_dir(&[("migrations/README.md", "nothing yet")]);
        let error = embedded_project_source(dir.path()).expect_err("no migrations");
        assert!(
            matches!(error, EmbedError::NoMigrations { .. }),
            "{error:?}"
        );
    }
}
