//! What `plan apply --dry-run` prints: every migration that would run, in order, with the SQL
//! it would run (from the statement a resumed migration goes on at) and its steps; skipped ones
//! with the environments they run in.

use std::io::Write;

use crate::engine::{Action, Plan};
use crate::load::Loaded;
use crate::project::{Migration, SqlSource, StepKind};
use crate::sql::script::Script;

/// The dry run: every migration that would run, in order, with its SQL.
pub(super) fn write_dry_run(
    out: &mut dyn Write,
    loaded: &Loaded,
    plan: &Plan<'_>,
    batch: i32,
    target: &str,
) {
    let mut text = format!("dry run against {target}: batch {batch} would run\n");
    if !plan.has_work() {
        text.push_str("nothing: the database is up to date\n");
    }
    for step in plan.steps() {
        let migration = step.migration;
        match &step.action {
            Action::Skip { only } => {
                text.push_str(&format!(
                    "\n-- {}: skipped, runs only in {}\n",
                    migration.id(),
                    only.join(", ")
                ));
            }
            Action::Apply => write_migration_sql(&mut text, migration, loaded.script(migration), 0),
            Action::Resume { at, .. } => write_migration_sql(
                &mut text,
                migration,
                loaded.script(migration),
                at.next_statement,
            ),
        }
    }
    let _ = out.write_all(text.as_bytes());
}

fn write_migration_sql(text: &mut String, migration: &Migration, script: &Script, from: usize) {
    let how = match script.transaction {
        crate::project::TransactionMode::Wrapped => {
            "in one transaction with its ledger row".to_string()
        }
        crate::project::TransactionMode::Outside if from > 0 => format!(
            "outside a transaction, resuming at statement {} of {}",
            from + 1,
            script.statements.len()
        ),
        crate::project::TransactionMode::Outside => {
            "outside a transaction, statement by statement".to_string()
        }
    };
    text.push_str(&format!(
        "\n-- {} ({}), {how}\n",
        migration.id(),
        migration.file().name()
    ));
    for statement in script.statements.iter().skip(from) {
        text.push_str(&statement.text);
        text.push('\n');
    }
    for (index, step) in migration.steps().iter().enumerate() {
        text.push_str(&format!("-- step {}: {}\n", index + 1, step.kind.name()));
        match &step.kind {
            StepKind::Sql { source } => {
                if let SqlSource::File { path, .. } = source {
                    text.push_str(&format!("-- from {}\n", path.display()));
                }
                text.push_str(source.text().trim_end());
                text.push('\n');
            }
            StepKind::Batch { sql, .. } => {
                text.push_str("-- repeated until it affects no rows:\n");
                text.push_str(sql.trim_end());
                text.push('\n');
            }
            StepKind::Assert { query, message } => {
                if let Some(message) = message {
                    text.push_str(&format!("-- must return true: {message}\n"));
                }
                text.push_str(query.trim_end());
                text.push('\n');
            }
            StepKind::Command { argv, .. } => {
                text.push_str(&format!("-- runs: {}\n", argv.join(" ")));
            }
            StepKind::Handler { name } => {
                text.push_str(&format!("-- runs handler {name}\n"));
            }
        }
    }
}
