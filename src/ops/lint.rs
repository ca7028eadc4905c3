//! `plan lint` with a database: what apply would run there (every migration with `--all`),
//! judged with the database's table sizes and `pg_proc`'s volatility (`crate::lint::Live`).
//! Without a database, `crate::lint::lint` judges the whole plan on its own.

use crate::db::{ConnectionSettings, DbError, Target};
use crate::engine;
use crate::lint::{Finding, Live};
use crate::load::Loaded;
use crate::project::{Migration, MigrationId};

use super::status::{State, status};

/// Which migrations to judge against a database.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Selection {
    /// What apply would run: pending, partly applied or interrupted ones.
    Pending,
    /// Every migration of the plan (or of `--to`'s closure).
    All,
}

/// The findings about `migrations` (in plan order) at the database `settings` reach, and how
/// many of them were judged.
pub(crate) fn lint_against(
    loaded: &Loaded,
    settings: &ConnectionSettings,
    migrations: &[&Migration],
    environment: Option<&str>,
    selection: Selection,
) -> Result<(Vec<Finding>, usize), DbError> {
    let database = engine::target(loaded.project(), settings);
    lint_at(loaded, &database, migrations, environment, selection)
}

/// The same at `database`, whose ledger says what is pending; at a fleet's schema target
/// (`Target::home_schema`, which keeps its ledger there and runs its migrations with
/// `search_path` set to it), unqualified names are that schema's tables.
pub(crate) fn lint_at(
    loaded: &Loaded,
    database: &Target,
    migrations: &[&Migration],
    environment: Option<&str>,
    selection: Selection,
) -> Result<(Vec<Finding>, usize), DbError> {
    let mut session = database.connect()?;
    let rows = database.ledger().read(&mut session)?;
    let waiting: Vec<MigrationId> = status(loaded, &rows, environment)
        .into_iter()
        .filter(|line| {
            matches!(
                line.state,
                State::Pending
                    | State::Changed { .. }
                    | State::Partial { .. }
                    | State::PartialSteps { .. }
                    | State::Interrupted { .. }
            )
        })
        .map(|line| MigrationId::new(line.id))
        .collect();
    let judged: Vec<&Migration> = migrations
        .iter()
        .copied()
        .filter(|migration| selection == Selection::All || waiting.contains(migration.id()))
        .collect();
    let read = crate::lint::read(&judged);
    let mut live = Live::read(
        &mut session,
        &read.table_names(),
        loaded.project().manifest().lint.small_table_rows,
    )?;
    live.home = database.home_schema().map(str::to_string);
    let _ = session.close();
    Ok((read.judge(loaded, Some(&live)), judged.len()))
}
