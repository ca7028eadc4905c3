//! Reading a project: from a [`Source`] (a folder, or files in memory) to a [`Project`] and
//! every [`Problem`] found on the way, so that a user sees all of them in one run. Lists the
//! migration files, splits and parses each one, attaches rollbacks, applies headers and
//! plan.yaml, then resolves dependencies and checks environments.
//!
//! Leaves to others: which files are migrations (`files.rs`), a file's header (`header.rs`) and
//! sections (`sections.rs`), plan.yaml's syntax (`manifest.rs`), the problems' wording
//! (`problem.rs`), where the bytes come from (`source.rs`).

use std::path::{Path, PathBuf};

use indexmap::IndexMap;

use super::files::{self, FileRole, MigrationFile};
use super::header::{self, Written};
use super::lines;
use super::manifest::{self, Entry, MANIFEST_FILE, Manifest, ManifestProblem, StepSpecKind};
use super::migration::{
    self, Dependency, Migration, MigrationId, Prerequisite, Rollback, SqlSource, Step, StepKind,
    TransactionMode, Version,
};
use super::model::{Project, Resolution};
use super::problem::{self, Problem};
use super::sections;
use super::source::{self, Folder, ProjectFiles, Source};
use crate::diagnostic::{InvalidInput, Origin, SourceFile, to_source_span};

/// What reading a project found: the project as far as it could be read, and its problems.
/// Callers that go on to build the graph can then report every problem of a run together.
#[derive(Debug)]
pub struct Reading {
    /// The project; migrations with unresolvable references keep only the ones that resolved.
    pub project: Project,
    /// Every problem found, in file order.
    pub problems: Vec<Problem>,
}

/// Reads the project in `dir` and fails with every problem found.
pub fn load(dir: &Path) -> Result<Project, InvalidInput> {
    loaded(read(dir), &dir.display().to_string())
}

/// Reads a project held in memory (see [`ProjectFiles`]) and fails with every problem found,
/// the same problems [`load`] finds in a folder holding the same files.
pub fn load_files(files: &ProjectFiles) -> Result<Project, InvalidInput> {
    loaded(read_files(files), source::IN_MEMORY)
}

/// The name of a project held in memory in messages (`3 problems in the embedded project`).
pub fn in_memory_name() -> &'static str {
    source::IN_MEMORY
}

fn loaded(reading: Reading, what: &str) -> Result<Project, InvalidInput> {
    if reading.problems.is_empty() {
        Ok(reading.project)
    } else {
        Err(InvalidInput::new(
            what,
            reading.problems.into_iter().map(problem::boxed).collect(),
        ))
    }
}

/// Reads the project in `dir`, keeping going after problems so that all of them are found.
pub fn read(dir: &Path) -> Reading {
    read_from(&Folder::new(dir))
}

/// Reads a project held in memory, as [`read`] reads a folder.
pub fn read_files(files: &ProjectFiles) -> Reading {
    read_from(files)
}

/// Reads a project from `source`: what [`read`] and [`read_files`] share, and what
/// `ProjectFiles::from_folder` (`recording.rs`) reads through.
pub(super) fn read_from(source: &dyn Source) -> Reading {
    let dir = source.root();
    let mut problems = Vec::new();
    let manifest = read_manifest(source, &mut problems);
    let migrations_dir = dir.join(&manifest.migrations_dir);
    let step_files: Vec<PathBuf> = manifest
        .entries
        .iter()
        .flat_map(|entry| &entry.steps)
        .filter_map(|step| match &step.kind {
            StepSpecKind::SqlFile(path) => Some(path.clone()),
            _ => None,
        })
        .collect();
    let listing = files::list(source, &migrations_dir, &step_files, &mut problems);

    let mut migrations: IndexMap<MigrationId, Migration> = IndexMap::new();
    let mut pending_headers = Vec::new();
    for file in listing.migrations {
        if let Some(existing) = migrations.get(&file.id) {
            problems.push(Problem::DuplicateId {
                id: file.id.to_string(),
                first: existing.file.name().to_string(),
                second: file.source.name().to_string(),
                span: to_source_span(&(0..0)),
                file: file.source.clone(),
            });
            continue;
        }
        let (migration, header) = read_migration(file, &mut problems);
        pending_headers.push((migration.id.clone(), header));
        migrations.insert(migration.id.clone(), migration);
    }
    migrations.sort_by(|left_id, left, right_id, right| {
        sort_key(left_id, left).cmp(&sort_key(right_id, right))
    });

    let mut project = Project {
        root: dir.to_path_buf(),
        migrations_dir,
        manifest,
        migrations,
        environments: Vec::new(),
    };
    attach_rollbacks(&mut project, listing.rollbacks, &mut problems);
    set_aside_empty_rollbacks(&mut project);
    let unresolved = apply_headers(&mut project, pending_headers, &mut problems);
    let unresolved = apply_manifest(source, &mut project, unresolved, &mut problems);
    resolve_dependencies(&mut project, unresolved, &mut problems);
    check_environments(&mut project, &mut problems);
    for migration in project.migrations.values() {
        if !sections::has_sql(migration.up_sql()) && migration.steps.is_empty() {
            problems.push(Problem::EmptyMigration {
                id: migration.id.to_string(),
                span: to_source_span(&(migration.up.start..migration.up.start)),
                file: migration.file.clone(),
            });
        }
    }
    Reading { project, problems }
}

fn sort_key<'a>(
    id: &'a MigrationId,
    migration: &'a Migration,
) -> (bool, Option<&'a Version>, &'a str) {
    // Migrations without a version come after all versioned ones.
    (
        migration.version.is_none(),
        migration.version.as_ref(),
        id.as_str(),
    )
}

fn read_manifest(source: &dyn Source, problems: &mut Vec<Problem>) -> Manifest {
    let path = source.root().join(MANIFEST_FILE);
    let bytes = match source.read(&path) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return Manifest::default_settings();
        }
        Err(error) => {
            problems.push(Problem::Unreadable {
                path,
                reason: error.to_string(),
            });
            return Manifest::default_settings();
        }
    };
    let Some(source) = files::decode(MANIFEST_FILE, bytes, problems) else {
        return Manifest::default_settings();
    };
    match Manifest::parse(source.clone()) {
        Ok(manifest) => manifest,
        Err(manifest_problems) => {
            problems.extend(
                manifest_problems
                    .into_iter()
                    .map(|problem| manifest_problem(problem, &source)),
            );
            Manifest::fallback(source.text())
        }
    }
}

fn manifest_problem(problem: ManifestProblem, file: &SourceFile) -> Problem {
    let file = file.clone();
    match problem {
        ManifestProblem::Syntax { message, span } => Problem::YamlSyntax {
            message,
            file,
            span: to_source_span(&span),
        },
        ManifestProblem::UnknownKey {
            key,
            expected,
            span,
        } => {
            let names: Vec<&str> = expected.iter().map(String::as_str).collect();
            Problem::UnknownKey {
                help: problem::suggestion(&key, &names, "keys allowed here"),
                key,
                file,
                span: to_source_span(&span),
            }
        }
        ManifestProblem::WrongType {
            message,
            span,
            expected,
        } => Problem::WrongType {
            help: if expected.is_empty() {
                "see docs/plan-file.md for the type of each key".to_string()
            } else {
                format!("write one of: {}", expected.join(", "))
            },
            message,
            file,
            span: to_source_span(&span),
        },
        ManifestProblem::UnknownStepKind { kind, span } => Problem::UnknownStepKind {
            help: problem::suggestion(&kind, &manifest::STEP_KINDS, "step kinds"),
            kind,
            file,
            span: to_source_span(&span),
        },
        ManifestProblem::Invalid {
            message,
            help,
            span,
        } => Problem::InvalidValue {
            message,
            help,
            file,
            span: to_source_span(&span),
        },
    }
}

fn read_migration(file: MigrationFile, problems: &mut Vec<Problem>) -> (Migration, header::Header) {
    let text = file.source.text();
    let name = file.source.name().to_string();
    let sections = match sections::split(text) {
        Ok(sections) => sections,
        Err(problem) => {
            problems.push(section_problem(problem, &file.source));
            sections::Sections {
                up: 0..text.len(),
                down: None,
            }
        }
    };
    let header = header::parse(text);
    for problem in &header.problems {
        problems.push(header_problem(problem, &file.source));
    }
    let rollback = sections.down.map(|span| Rollback::Section { span });
    let migration = Migration {
        version: Version::of(file.id.as_str()),
        id: file.id,
        file: file.source,
        path: file.path,
        file_checksum: file.checksum.clone(),
        checksum: file.checksum,
        up: sections.up,
        rollback,
        empty_rollback: None,
        dependencies: None,
        requires: Vec::new(),
        environments: None,
        transaction: header.transaction.unwrap_or(TransactionMode::Wrapped),
        steps: Vec::new(),
        metadata: header.metadata.clone(),
    };
    let _ = name;
    (migration, header)
}

fn section_problem(problem: sections::SectionProblem, file: &SourceFile) -> Problem {
    let name = file.name().to_string();
    match problem {
        sections::SectionProblem::DownBeforeUp { down, up } => Problem::DownBeforeUp {
            name,
            file: file.clone(),
            down: to_source_span(&down),
            up: to_source_span(&up),
        },
        sections::SectionProblem::Repeated {
            marker,
            first,
            again,
        } => Problem::RepeatedMarker {
            marker: match marker {
                sections::Marker::Up => "-- UP",
                sections::Marker::Down => "-- DOWN",
            },
            name,
            file: file.clone(),
            first: to_source_span(&first),
            again: to_source_span(&again),
        },
        sections::SectionProblem::SqlBeforeUp { sql } => Problem::SqlBeforeUp {
            name,
            file: file.clone(),
            span: to_source_span(&sql),
        },
        sections::SectionProblem::DownWithoutUp { down } => Problem::DownWithoutUp {
            marker: file.text()[down.clone()].trim().to_string(),
            name,
            file: file.clone(),
            span: to_source_span(&down),
        },
        sections::SectionProblem::Foreign { marker, line } => Problem::ForeignMarker {
            tool: marker.tool,
            help: marker.help,
            name,
            file: file.clone(),
            span: to_source_span(&line),
        },
    }
}

fn header_problem(problem: &header::HeaderProblem, file: &SourceFile) -> Problem {
    match problem {
        header::HeaderProblem::MalformedRequirement { written, span } => {
            Problem::MalformedRequirement {
                written: written.clone(),
                help: "write `-- requires: table schema.table` or `-- requires: column schema.table.column` (also `schema S`, `extension E`)".to_string(),
                file: file.clone(),
                span: to_source_span(span),
            }
        }
        header::HeaderProblem::UnknownDirective { written, span } => Problem::UnknownDirective {
            written: written.clone(),
            file: file.clone(),
            span: to_source_span(span),
        },
        header::HeaderProblem::MalformedEnvironment { written, span } => {
            Problem::UnknownEnvironment {
                name: written.clone(),
                help: "environment names are single words, separated by commas".to_string(),
                file: file.clone(),
                span: to_source_span(span),
            }
        }
    }
}

fn attach_rollbacks(
    project: &mut Project,
    rollbacks: Vec<files::RollbackFile>,
    problems: &mut Vec<Problem>,
) {
    for rollback in rollbacks {
        let target = match &rollback.role {
            FileRole::RollbackOf(reference) => project.resolve(reference),
        };
        let expected = match &rollback.role {
            FileRole::RollbackOf(reference) => reference.clone(),
        };
        let id = match target {
            Resolution::Found(id) => id.clone(),
            Resolution::Ambiguous(ids) => {
                let candidates: Vec<String> = ids.iter().map(ToString::to_string).collect();
                problems.push(Problem::AmbiguousReference {
                    example: candidates.first().cloned().unwrap_or_default(),
                    candidates: candidates.join(", "),
                    written: expected,
                    span: to_source_span(&(0..0)),
                    file: rollback.source,
                });
                continue;
            }
            Resolution::Missing(closest) => {
                let help = match closest {
                    Some(close) => format!(
                        "did you mean a rollback of {close}? Rename the file to match its migration, or remove it"
                    ),
                    None => "rename the file to match its migration, or remove it".to_string(),
                };
                problems.push(Problem::OrphanRollback {
                    name: rollback.source.name().to_string(),
                    help,
                    span: to_source_span(&(0..0)),
                    expected,
                    file: rollback.source,
                });
                continue;
            }
        };
        let Some(migration) = project.migrations.get_mut(&id) else {
            continue;
        };
        if let Some(existing) = &migration.rollback {
            let first = match existing {
                Rollback::File(file) => file.name().to_string(),
                Rollback::Section { .. } => {
                    format!("the -- DOWN section of {}", migration.file.name())
                }
            };
            problems.push(Problem::TwoRollbacks {
                id: id.to_string(),
                first,
                second: rollback.source.name().to_string(),
                span: to_source_span(&(0..0)),
                file: rollback.source,
            });
            continue;
        }
        migration.rollback = Some(Rollback::File(rollback.source));
    }
}

/// A rollback that holds only comments (Sourcegraph's squashed migrations roll back with
/// `-- Nothing`) would "roll back" by running nothing and deleting the ledger row, leaving the
/// schema in place: such a migration has no rollback, and keeps the empty one to say why.
fn set_aside_empty_rollbacks(project: &mut Project) {
    for migration in project.migrations.values_mut() {
        if migration
            .rollback_sql()
            .is_some_and(sections::only_comments)
        {
            migration.empty_rollback = migration.rollback.take();
        }
    }
}

/// A dependency still written as the user wrote it, with the file it is written in.
struct Unresolved {
    written: Written,
    file: SourceFile,
}

/// Per migration: declared references, `None` when nothing is declared.
type UnresolvedDependencies = IndexMap<MigrationId, Option<Vec<Unresolved>>>;

fn apply_headers(
    project: &mut Project,
    headers: Vec<(MigrationId, header::Header)>,
    problems: &mut Vec<Problem>,
) -> UnresolvedDependencies {
    let mut unresolved = UnresolvedDependencies::new();
    for (id, header) in headers {
        let Some(migration) = project.migrations.get_mut(&id) else {
            continue;
        };
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
        let declared = header.dependencies.map(|list| {
            list.into_iter()
                .map(|written| Unresolved {
                    written,
                    file: file.clone(),
                })
                .collect()
        });
        unresolved.insert(id, declared);
    }
    let _ = problems;
    unresolved
}

fn apply_manifest(
    source: &dyn Source,
    project: &mut Project,
    mut unresolved: UnresolvedDependencies,
    problems: &mut Vec<Problem>,
) -> UnresolvedDependencies {
    let Some(manifest_file) = project.manifest.file.clone() else {
        return unresolved;
    };
    let entries: Vec<Entry> = project.manifest.entries.clone();
    let mut seen: IndexMap<MigrationId, std::ops::Range<usize>> = IndexMap::new();
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
        // plan.yaml's list replaces the header's: one place decides, and plan.yaml is the one
        // an operator edits per deployment.
        if let Some(environments) = entry.environments {
            migration.environments = Some(environments.into_iter().map(|name| name.text).collect());
        }
        if let Some(transaction) = entry.transaction {
            migration.transaction = transaction;
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
            migration.checksum = definition_checksum(&migration.file_checksum, &definition);
        }
    }
    unresolved
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

fn resolve_dependencies(
    project: &mut Project,
    unresolved: UnresolvedDependencies,
    problems: &mut Vec<Problem>,
) {
    let folder = project.manifest.migrations_dir.display().to_string();
    let mut resolved: Vec<(MigrationId, Option<Vec<Dependency>>)> = Vec::new();
    for (id, declared) in unresolved {
        let Some(declared) = declared else {
            resolved.push((id, None));
            continue;
        };
        let mut dependencies: Vec<Dependency> = Vec::new();
        for Unresolved { written, file } in declared {
            let span = to_source_span(&written.span);
            match project.resolve(&written.text) {
                Resolution::Found(target) if *target == id => {
                    problems.push(Problem::SelfDependency {
                        id: id.to_string(),
                        file,
                        span,
                    });
                }
                Resolution::Found(target) => {
                    // The same dependency declared twice (header and plan.yaml) counts once.
                    if !dependencies
                        .iter()
                        .any(|existing| existing.target == *target)
                    {
                        dependencies.push(Dependency {
                            target: target.clone(),
                            written: written.text.clone(),
                            origin: Origin::new(file, written.span),
                        });
                    }
                }
                Resolution::Ambiguous(ids) => {
                    let candidates: Vec<String> = ids.iter().map(ToString::to_string).collect();
                    problems.push(Problem::AmbiguousReference {
                        written: written.text.clone(),
                        example: candidates.first().cloned().unwrap_or_default(),
                        candidates: candidates.join(", "),
                        file,
                        span,
                    });
                }
                Resolution::Missing(closest) => {
                    problems.push(Problem::UnknownDependency {
                        id: id.to_string(),
                        written: written.text.clone(),
                        folder: folder.clone(),
                        help: match closest {
                            Some(close) => format!("did you mean `{close}`?"),
                            None => "check the name, or add the missing migration".to_string(),
                        },
                        file,
                        span,
                    });
                }
            }
        }
        resolved.push((id, Some(dependencies)));
    }
    for (id, dependencies) in resolved {
        if let Some(migration) = project.migrations.get_mut(&id) {
            migration.dependencies = dependencies;
        }
    }
}

fn check_environments(project: &mut Project, problems: &mut Vec<Problem>) {
    let declared: Vec<String> = project.manifest.environments.keys().cloned().collect();
    if declared.is_empty() {
        let mut used: Vec<String> = project
            .migrations
            .values()
            .flat_map(|migration| migration.environments.iter().flatten().cloned())
            .collect();
        used.sort();
        used.dedup();
        project.environments = used;
        return;
    }
    let names: Vec<&str> = declared.iter().map(String::as_str).collect();
    let manifest_file = project.manifest.file.clone();
    for migration in project.migrations.values() {
        for name in migration.environments.iter().flatten() {
            if declared.contains(name) {
                continue;
            }
            // Point at the header line when the header names it, else at plan.yaml.
            let (file, span) = match find_word(migration.file.text(), name) {
                Some(span) => (migration.file.clone(), span),
                None => match &manifest_file {
                    Some(file) => {
                        let span = manifest::locate_value(
                            file.text(),
                            &["migrations", migration.id.as_str(), "environments"],
                            name,
                        );
                        (file.clone(), span)
                    }
                    None => (migration.file.clone(), 0..0),
                },
            };
            problems.push(Problem::UnknownEnvironment {
                name: name.clone(),
                help: problem::suggestion(name, &names, "environments declared in plan.yaml"),
                file,
                span: to_source_span(&span),
            });
        }
    }
    project.environments = declared;
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

/// The span of `word` in an `environment` header line of `text`.
fn find_word(text: &str, word: &str) -> Option<std::ops::Range<usize>> {
    lines::lines(text)
        .take_while(|line| {
            line.content.trim().is_empty() || line.content.trim_start().starts_with("--")
        })
        .filter(|line| line.content.to_lowercase().contains("env"))
        .find_map(|line| {
            line.content
                .find(word)
                .map(|offset| line.start + offset..line.start + offset + word.len())
        })
}
