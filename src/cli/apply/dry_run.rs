//! What `plan apply --dry-run` prints: every migration that would run, in order, with the SQL
//! it would run (from the statement a resumed migration goes on at) and its steps; skipped ones
//! with the environments they run in. In text the listing comes as the plan is known (the
//! progress printer calls [`write_dry_run`]); in JSON [`dry_run_report`] runs the dry run itself
//! and returns the same as the report object.

use std::io::Write;
use std::time::Instant;

use super::summary::{ShownApply, ShownMigration, ShownStep, WouldRun};
use crate::cli::Failure;
use crate::db::ConnectionSettings;
use crate::engine::safeguards::OpenedSession;
use crate::engine::{self, Action, ApplyOptions, Plan, Progress};
use crate::load::Loaded;
use crate::project::{Migration, SqlSource, StepKind, TransactionMode};
use crate::sql::script::Script;

/// Runs the dry run `options` asks for (its mode is a dry run) and returns the report object
/// of `plan apply --dry-run --format json`: each migration with what would run. On `opened`,
/// the connection that read the ledger for the environment guard, when given.
pub(super) fn dry_run_report(
    loaded: &Loaded,
    (settings, opened): (&ConnectionSettings, Option<OpenedSession>),
    options: &ApplyOptions,
    handlers: &engine::Handlers,
) -> Result<ShownApply, Failure> {
    let started = Instant::now();
    let mut planned = (Vec::new(), None);
    engine::apply_opened(
        loaded,
        settings,
        opened,
        options,
        handlers,
        &mut |progress| {
            if let Progress::Planned { plan, batch } = progress {
                planned = (shown_plan(loaded, plan), Some(batch));
            }
        },
    )
    .map_err(Failure::from)?;
    let (migrations, batch) = planned;
    Ok(ShownApply::new(settings, options).with_migrations(migrations, batch, started))
}

/// Each migration of `plan`, in order, as the JSON dry run shows it.
fn shown_plan(loaded: &Loaded, plan: &Plan<'_>) -> Vec<ShownMigration> {
    plan.steps()
        .iter()
        .map(|step| {
            let migration = step.migration;
            let (outcome, from) = match &step.action {
                Action::Skip { only } => {
                    return ShownMigration {
                        id: migration.id().to_string(),
                        outcome: "skipped".to_string(),
                        duration_ms: None,
                        runs_only_in: Some(only.clone()),
                        would_run: None,
                    };
                }
                Action::Apply => ("would_apply", 0),
                Action::Resume { at, .. } => ("would_resume", at.next_statement),
            };
            let script = loaded.script(migration);
            ShownMigration {
                id: migration.id().to_string(),
                outcome: outcome.to_string(),
                duration_ms: None,
                runs_only_in: None,
                would_run: Some(WouldRun {
                    file: migration.file().name().to_string(),
                    transaction: match script.transaction {
                        TransactionMode::Wrapped => "wrapped",
                        TransactionMode::Outside => "outside",
                    }
                    .to_string(),
                    from_statement: from + 1,
                    sql: script
                        .statements
                        .iter()
                        .skip(from)
                        .map(|statement| statement.text.clone())
                        .collect(),
                    steps: migration
                        .steps()
                        .iter()
                        .map(|step| ShownStep {
                            kind: step.kind.name().to_string(),
                            text: step_text(&step.kind),
                        })
                        .collect(),
                }),
            }
        })
        .collect()
}

/// What a step runs: its SQL, its query, its command line or its handler's name.
fn step_text(kind: &StepKind) -> String {
    match kind {
        StepKind::Sql { source } => source.text().trim_end().to_string(),
        StepKind::Batch { sql, .. } => sql.trim_end().to_string(),
        StepKind::Assert { query, .. } => query.trim_end().to_string(),
        StepKind::Command { argv, .. } => argv.join(" "),
        StepKind::Handler { name } => name.clone(),
    }
}

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
