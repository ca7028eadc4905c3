//! What headers and plan.yaml declare about each migration, applied to it: prerequisites,
//! environments, transaction mode, steps (step files read), and the definition checksum; the
//! dependencies are kept as written ([`Unresolved`]) for `resolve`. A header and a plan.yaml
//! entry that set the transaction mode or the environments differently are a problem, not a
//! silent override.

use std::ops::Range;
use std::path::Path;

use indexmap::IndexMap;

use crate::diagnostic::{Origin, SourceFile, line_of, to_source_span};
use crate::project::header::{self, Written};
use crate::project::manifest::{Entry, StepSpecKind};
use crate::project::migration::{
    self, Migration, MigrationId, MigrationKind, Prerequisite, SqlSource, Step, StepKind,
    TransactionMode,
};
use crate::project::model::{Project, Resolution};
use crate::project::problem::Problem;
use crate::project::source::Source;

/// A dependency still written as the user wrote it, with the file it is written in.
pub(super) struct Unresolved {
    pub(super) written: Written,
    pub(super) file: SourceFile,
}

/// Per migration: declared references, `None` when nothing is declared.
pub(super) type UnresolvedDependencies = IndexMap<MigrationId, Option<Vec<Unresolved>>>;

/// What the headers declared, for plan.yaml's entries to be applied on top of.
pub(super) struct FromHeaders {
    /// Per migration: declared references, `None` when nothing is declared.
    pub(super) dependencies: UnresolvedDependencies,
    /// Per migration: the header lines a plan.yaml entry could contradict.
    settings: IndexMap<MigrationId, HeaderSettings>,
}

impl FromHeaders {
    /// Room for `migrations` headers.
    pub(super) fn with_capacity(migrations: usize) -> FromHeaders {
        FromHeaders {
            dependencies: IndexMap::with_capacity(migrations),
            settings: IndexMap::with_capacity(migrations),
        }
    }

    /// Adds what one migration's header declared ([`apply_header`]), in file order.
    pub(super) fn insert(&mut self, id: &MigrationId, declared: Declared) {
        self.settings.insert(id.clone(), declared.settings);
        self.dependencies.insert(id.clone(), declared.dependencies);
    }
}

/// The header lines of one migration that set what plan.yaml may also set.
struct HeaderSettings {
    /// The `-- plan: no-transaction` line.
    no_transaction: Option<Range<usize>>,
    /// The environments named, and the first environment line.
    environments: Option<(Vec<String>, Range<usize>)>,
}

/// What one migration's header declared beyond what [`apply_header`] sets on the migration:
/// the lines plan.yaml could contradict and the dependencies as written, kept for the steps
/// that need the whole project ([`apply_manifest`], `resolve`).
pub(super) struct Declared {
    settings: HeaderSettings,
    dependencies: Option<Vec<Unresolved>>,
}

/// Applies one migration's header to it (prerequisites, environments): it needs nothing but
/// the migration, so it runs in the pass that reads each file, on every core.
pub(super) fn apply_header(migration: &mut Migration, header: header::Header) -> Declared {
    let file = migration.file.clone();
    migration.requires = header
        .requires
        .into_iter()
        .map(|(requirement, span)| Prerequisite {
            requirement,
            origin: Origin::new(file.clone(), span),
        })
        .collect();
    migration.environments = header
        .environments
        .map(|names| names.into_iter().map(|name| name.text).collect());
    let settings = HeaderSettings {
        no_transaction: header.transaction_declared_at,
        environments: migration
            .environments
            .clone()
            .zip(header.environments_declared_at),
    };
    let dependencies = header.dependencies.map(|list| {
        list.into_iter()
            .map(|written| Unresolved {
                written,
                file: file.clone(),
            })
            .collect()
    });
    Declared {
        settings,
        dependencies,
    }
}

pub(super) fn apply_manifest(
    source: &dyn Source,
    project: &mut Project,
    headers: FromHeaders,
    problems: &mut Vec<Problem>,
) -> UnresolvedDependencies {
    let FromHeaders {
        dependencies: mut unresolved,
        settings,
    } = headers;
    let Some(manifest_file) = project.manifest.file.clone() else {
        return unresolved;
    };
    let entries: Vec<Entry> = project.manifest.entries.clone();
    let mut seen: IndexMap<MigrationId, Range<usize>> = IndexMap::new();
    for entry in entries {
        let id = match project.resolve(&entry.reference.text) {
            Resolution::Found(id) => id.clone(),
            Resolution::Ambiguous(ids) => {
                let candidates: Vec<String> = ids.iter().map(ToString::to_string).collect();
                problems.push(Problem::AmbiguousReference {
                    written: entry.reference.text.clone(),
                    example: candidates.first().cloned().unwrap_or_default(),
                    candidates: candidates.join(", "),
                    file: manifest_file.clone(),
                    span: to_source_span(&entry.reference.span),
                });
                continue;
            }
            Resolution::Missing(closest) => {
                problems.push(Problem::EntryWithoutFile {
                    help: match closest {
                        Some(close) => format!(
                            "did you mean `{close}`? Entries are keyed by migration ID, file name or unique version"
                        ),
                        None => format!(
                            "create {}/{}.sql, or remove the entry",
                            project.manifest.migrations_dir.display(),
                            entry.reference.text
                        ),
                    },
                    written: entry.reference.text.clone(),
                    file: manifest_file.clone(),
                    span: to_source_span(&entry.reference.span),
                });
                continue;
            }
        };
        if let Some(first) = seen.get(&id) {
            problems.push(Problem::DuplicateEntry {
                id: id.to_string(),
                file: manifest_file.clone(),
                first: to_source_span(first),
                second: to_source_span(&entry.reference.span),
            });
            continue;
        }
        seen.insert(id.clone(), entry.reference.span.clone());
        let migrations_dir = project.migrations_dir.clone();
        let Some(migration) = project.migrations.get_mut(&id) else {
            continue;
        };
        if let Some(depends_on) = entry.depends_on {
            let declared = unresolved
                .entry(id.clone())
                .or_insert(None)
                .get_or_insert_with(Vec::new);
            declared.extend(depends_on.into_iter().map(|written| Unresolved {
                written,
                file: manifest_file.clone(),
            }));
        }
        // What plan.yaml says about how this migration runs, for its checksum (below).
        let mut definition: Vec<String> = entry
            .requires
            .iter()
            .map(|(requirement, _)| format!("requires {requirement}"))
            .collect();
        if let Some(environments) = &entry.environments {
            let names: Vec<&str> = environments.iter().map(|name| name.text.as_str()).collect();
            definition.push(format!("environments {}", names.join(",")));
        }
        if let Some(transaction) = entry.transaction {
            definition.push(format!("transaction {transaction:?}"));
        }
        if let Some(repeatable) = entry.repeatable {
            // `repeatable: false` on an `R__` file makes it versioned; either way the kind is
            // part of what the migration is.
            definition.push(format!("repeatable {repeatable}"));
            migration.kind = if repeatable {
                MigrationKind::Repeatable
            } else {
                MigrationKind::Versioned
            };
            if repeatable {
                migration.version = None;
            }
        }
        let steps_before = migration.steps.len();
        migration
            .requires
            .extend(
                entry
                    .requires
                    .into_iter()
                    .map(|(requirement, span)| Prerequisite {
                        requirement,
                        origin: Origin::new(manifest_file.clone(), span),
                    }),
            );
        // A header and an entry that both set something must agree: a silent winner would run
        // the migration in a way one of the two files says it must not run.
        let contradiction = |yaml_says: String, key: &Range<usize>, header_at: &Range<usize>| {
            let help = if yaml_says.starts_with("transaction") {
                "a migration marked `-- plan: no-transaction` holds statements that cannot run in a transaction block; remove `transaction: true` from plan.yaml, or remove the header line if the file can run in one".to_string()
            } else {
                "name the environments in one place: remove the entry's `environments` from plan.yaml or the header line, or make the two lists the same".to_string()
            };
            Problem::HeaderContradiction {
                id: id.to_string(),
                line: line_of(manifest_file.text(), key.start),
                yaml_says,
                header_file: migration.file.name().to_string(),
                header_line: line_of(migration.file.text(), header_at.start),
                header_says: migration.file.text()[header_at.clone()].trim().to_string(),
                help,
                file: manifest_file.clone(),
                span: to_source_span(key),
            }
        };
        let header = settings.get(&id);
        // plan.yaml's list replaces the header's when the header names none.
        if let Some(environments) = entry.environments {
            let names: Vec<String> = environments.into_iter().map(|name| name.text).collect();
            match header.and_then(|header| header.environments.as_ref()) {
                Some((written, at)) if !same_names(written, &names) => {
                    problems.push(contradiction(
                        format!("environments: [{}]", names.join(", ")),
                        &entry.environments_key,
                        at,
                    ));
                }
                _ => migration.environments = Some(names),
            }
        }
        if let Some(transaction) = entry.transaction {
            match header.and_then(|header| header.no_transaction.as_ref()) {
                Some(at) if transaction == TransactionMode::Wrapped => {
                    problems.push(contradiction(
                        "transaction: true".to_string(),
                        &entry.transaction_key,
                        at,
                    ));
                }
                _ => migration.transaction = transaction,
            }
        }
        for step in entry.steps {
            let origin = Origin::new(manifest_file.clone(), step.span.clone());
            let kind = match step.kind {
                StepSpecKind::SqlFile(path) => {
                    match read_text(source, &migrations_dir.join(&path)) {
                        Ok(text) => StepKind::Sql {
                            source: SqlSource::File { path, text },
                        },
                        Err(error) => {
                            problems.push(Problem::MissingStepFile {
                                path: path.display().to_string(),
                                reason: error.to_string(),
                                file: manifest_file.clone(),
                                span: to_source_span(&step.span),
                            });
                            continue;
                        }
                    }
                }
                StepSpecKind::SqlInline(sql) => StepKind::Sql {
                    source: SqlSource::Inline(sql),
                },
                StepSpecKind::Batch {
                    sql,
                    commit,
                    pause,
                    max_batches,
                } => StepKind::Batch {
                    sql,
                    commit,
                    pause,
                    max_batches,
                },
                StepSpecKind::Assert { query, message } => StepKind::Assert { query, message },
                StepSpecKind::Command { argv, timeout } => StepKind::Command { argv, timeout },
                StepSpecKind::Handler { name } => StepKind::Handler { name },
            };
            migration.steps.push(Step { kind, origin });
        }
        definition.extend(
            migration.steps[steps_before..]
                .iter()
                .map(|step| format!("step {}", step.fingerprint())),
        );
        if !definition.is_empty() {
            migration.definition_checksum =
                Some(definition_checksum(&migration.file_checksum, &definition));
        }
    }
    unresolved
}

/// Whether two environment lists name the same environments, in any order.
fn same_names(left: &[String], right: &[String]) -> bool {
    let set = |names: &[String]| -> Vec<String> {
        let mut names = names.to_vec();
        names.sort();
        names.dedup();
        names
    };
    set(left) == set(right)
}

/// The checksum of a migration that plan.yaml says something about: its file's checksum and
/// each part of its plan.yaml entry that decides what runs (prerequisites, environments,
/// transaction mode, steps with their SQL), length-prefixed so no two definitions collide.
/// Editing a step of an applied or partly applied migration therefore shows as a change, as
/// editing its file does.
fn definition_checksum(file_checksum: &str, definition: &[String]) -> String {
    let mut text = format!("plan migration definition 1\nfile {file_checksum}\n");
    for part in definition {
        text.push_str(&format!("{}:{part}\n", part.len()));
    }
    migration::sha256_hex(text.as_bytes())
}

/// The text of a step file, failing as `std::fs::read_to_string` does on bytes that are not UTF-8.
fn read_text(source: &dyn Source, path: &Path) -> std::io::Result<String> {
    String::from_utf8(source.read(path)?).map_err(|_| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "stream did not contain valid UTF-8",
        )
    })
}
