//! One migration file read into a [`Migration`] (its sections and header), and the rollback
//! files attached to their migrations, with a comment-only rollback set aside. Applying the
//! header's declarations is `declared`'s job.

use super::problems::{header_problem, section_problem};
use crate::diagnostic::to_source_span;
use crate::project::files::{self, FileRole, MigrationFile};
use crate::project::header;
use crate::project::layout::Evidence;
use crate::project::migration::{Migration, MigrationKind, Rollback, TransactionMode};
use crate::project::model::{Project, Resolution};
use crate::project::problem::Problem;
use crate::project::sections;

/// One migration file read: the migration, its header, and what shows which tool's layout it
/// follows (its name, then its markers).
pub(super) fn read_migration(
    file: MigrationFile,
    problems: &mut Vec<Problem>,
) -> (Migration, header::Header, Vec<Evidence>) {
    let text = file.source.text();
    let sections = match sections::split(text) {
        Ok(sections) => sections,
        Err(problem) => {
            problems.push(section_problem(problem, &file.source));
            sections::Sections {
                up: 0..text.len(),
                down: None,
                no_transaction: None,
                tool: None,
            }
        }
    };
    let mut header = header::parse(text);
    // A tool's own no-transaction line (dbmate's `transaction:false`, goose's `NO TRANSACTION`,
    // sqlx's, morph's) says what `-- plan: no-transaction` says.
    if let Some(line) = &sections.no_transaction {
        header.transaction = Some(TransactionMode::Outside);
        header.transaction_declared_at.get_or_insert(line.clone());
    }
    // An options file beside it (Flyway's `.sql.conf`, Diesel's `metadata.toml`) says so too;
    // it has no line in the migration to point at.
    if file.outside_transaction.is_some() {
        header.transaction = Some(TransactionMode::Outside);
    }
    let mut evidence = Vec::new();
    if let Some(tool) = file.tool {
        evidence.push(Evidence {
            tool,
            file: file.source.clone(),
            span: 0..0,
        });
    }
    if let Some((tool, line)) = sections.tool.clone() {
        evidence.push(Evidence {
            tool,
            file: file.source.clone(),
            span: line,
        });
    }
    for problem in &header.problems {
        problems.push(header_problem(problem, &file.source));
    }
    let rollback = sections.down.map(|span| Rollback::Section { span });
    let migration = Migration {
        version: match file.kind {
            MigrationKind::Versioned => file.version,
            MigrationKind::Repeatable => None,
        },
        kind: file.kind,
        rank: file.rank,
        conflicts: Vec::new(),
        id: file.id,
        file: file.source,
        path: file.path,
        file_checksum: file.checksum,
        definition_checksum: None,
        up: sections.up,
        rollback,
        empty_rollback: None,
        dependencies: None,
        requires: Vec::new(),
        environments: None,
        transaction: header.transaction.unwrap_or(TransactionMode::Wrapped),
        steps: Vec::new(),
        // Taken, not copied: nothing reads the header's metadata after this. Held by every
        // migration until the end: without the room it grew into.
        metadata: {
            let mut metadata = std::mem::take(&mut header.metadata);
            metadata.shrink_to_fit();
            metadata
        },
    };
    (migration, header, evidence)
}

pub(super) fn attach_rollbacks(
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
                    format!("the down section of {}", migration.file.name())
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
pub(super) fn set_aside_empty_rollbacks(project: &mut Project) {
    for migration in project.migrations.values_mut() {
        if migration
            .rollback_sql()
            .is_some_and(sections::only_comments)
        {
            migration.empty_rollback = migration.rollback.take();
        }
    }
}
