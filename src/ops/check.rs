//! `plan check`: every problem of a project that needs no database, beyond those loading
//! already refuses: the dependencies its SQL implies and its headers do not declare
//! (`plan::graph::missing_dependency`), and uses before creation
//! (`plan::graph::used_before_created`). `--fix` writes the missing declarations
//! ([`fix`]); an order that is wrong it cannot fix.

use std::path::PathBuf;

use indexmap::IndexMap;

use crate::diagnostic::{Classified, ErrorClass};
use crate::infer::{DependencyProblem, Edit, Standing, declaration};
use crate::load::Loaded;
use crate::project::MigrationId;

/// What `--fix` added to one migration's declarations.
#[derive(Debug)]
pub(crate) struct Fixed {
    /// The migration.
    pub migration: MigrationId,
    /// The file written (`migrations/007_x.sql`, `plan.yaml`).
    pub file: String,
    /// The text added, as a person reads it.
    pub added: String,
}

/// Why `--fix` could not write a file.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub(crate) enum FixError {
    /// Reading or writing failed.
    #[error("could not write the missing dependencies into {path}: {source}")]
    #[diagnostic(
        code(plan::check::fix_failed),
        help(
            "nothing else was changed; fix the file's permissions and run `plan check --fix` again"
        )
    )]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not the text the project was loaded from.
    #[error("{path} changed while plan check was reading the project")]
    #[diagnostic(
        code(plan::check::fix_failed),
        help("nothing was written to it; run `plan check --fix` again")
    )]
    Changed {
        /// The file.
        path: String,
    },
}

/// Writing failed: the operation failed, the input may be fine.
impl Classified for FixError {
    fn class(&self) -> ErrorClass {
        ErrorClass::Failed
    }
}

/// The problems of `loaded`, in plan order: each inferred edge the declared graph does not
/// imply.
pub(crate) fn check(loaded: &Loaded) -> Vec<DependencyProblem> {
    loaded
        .inference()
        .problems()
        .filter_map(|edge| DependencyProblem::of(edge, loaded.project()))
        .collect()
}

/// Writes every missing dependency of `loaded` into the migrations' headers (or plan.yaml, where
/// the migration declares its dependencies there), in the project's own style, and nothing
/// else. Uses before creation are left: a dependency cannot fix them.
pub(crate) fn fix(loaded: &Loaded) -> Result<Vec<Fixed>, FixError> {
    let project = loaded.project();
    let mut missing: IndexMap<&MigrationId, Vec<&MigrationId>> = IndexMap::new();
    for edge in loaded.inference().problems() {
        if edge.standing == Standing::Missing {
            missing.entry(&edge.user).or_default().push(&edge.creator);
        }
    }
    let mut fixed = Vec::new();
    let mut edits: IndexMap<PathBuf, (String, Vec<Edit>)> = IndexMap::new();
    for (user, creators) in missing {
        let Some(migration) = project.migration(user) else {
            continue;
        };
        let declared = declaration(project, migration, &creators);
        fixed.push(Fixed {
            migration: user.clone(),
            file: declared.file_name.clone(),
            added: declared.shown(),
        });
        let text = if declared.file_name == migration.file().name() {
            migration.file().text().to_string()
        } else {
            // plan.yaml: the text its dependency origins point into.
            migration
                .dependencies()
                .and_then(|list| list.last())
                .map(|dependency| dependency.origin.file.text().to_string())
                .unwrap_or_default()
        };
        edits
            .entry(declared.edit.path.clone())
            .or_insert_with(|| (text, Vec::new()))
            .1
            .push(declared.edit);
    }
    for (path, (loaded_text, mut file_edits)) in edits {
        write_edits(&path, &loaded_text, &mut file_edits)?;
    }
    Ok(fixed)
}

/// Applies `edits` (offsets into `loaded_text`) to the file at `path`, which must still hold
/// that text (after a byte-order mark, which the reader skips).
fn write_edits(path: &PathBuf, loaded_text: &str, edits: &mut [Edit]) -> Result<(), FixError> {
    let shown = path.display().to_string();
    let io = |source| FixError::Io {
        path: shown.clone(),
        source,
    };
    let on_disk = std::fs::read_to_string(path).map_err(io)?;
    let (bom, body) = match on_disk.strip_prefix('\u{feff}') {
        Some(body) => ("\u{feff}", body),
        None => ("", on_disk.as_str()),
    };
    if body != loaded_text {
        return Err(FixError::Changed { path: shown });
    }
    let mut text = body.to_string();
    // From the end, so that earlier offsets stay true.
    edits.sort_by_key(|edit| std::cmp::Reverse(edit.range.start));
    for edit in edits.iter() {
        if text.get(edit.range.clone()).is_none() {
            return Err(FixError::Changed { path: shown });
        }
        text.replace_range(edit.range.clone(), &edit.text);
    }
    std::fs::write(path, format!("{bom}{text}")).map_err(io)
}
