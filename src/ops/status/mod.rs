//! The state of each migration against a database's ledger: what `plan status` shows. Pure
//! once the ledger rows are read.
//!
//! Which environment a database was migrated in, and the safeguards that follow from it, are
//! `engine::safeguards`' (`EnvironmentGuard`).

mod digest;

pub(crate) use digest::{CACHE_KIND, ProjectDigest};

use indexmap::IndexMap;

use crate::db::{LedgerRow, LedgerState, ResumePoint};
use crate::engine::plan::{PlanError, check_resumable, short};
use crate::load::Loaded;
use crate::project::{Migration, MigrationId};
use crate::sql::script::Script;

/// One migration's state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum State {
    /// In the ledger, file unchanged.
    Applied {
        /// When, `YYYY-MM-DD HH:MM:SS UTC`.
        at: String,
        /// How long it took.
        duration_ms: i64,
        /// The apply run.
        batch: i32,
    },
    /// Not applied yet; apply would run it.
    Pending,
    /// A repeatable migration applied, whose file changed since: apply runs it again.
    Changed {
        /// Checksum in the ledger (shortened).
        recorded: String,
        /// Checksum of the file now (shortened).
        current: String,
        /// When it was last applied.
        at: String,
        /// The apply run that last applied it.
        batch: i32,
    },
    /// Applied, but the file changed since.
    Modified {
        /// Checksum in the ledger (shortened).
        recorded: String,
        /// Checksum of the file now (shortened).
        current: String,
    },
    /// In the ledger, but no file has its ID.
    FileMissing {
        /// When it was applied.
        at: String,
    },
    /// Not applied, and cannot be: a dependency will not run in this environment.
    Blocked {
        /// The dependency in the way.
        by: MigrationId,
    },
    /// Ran partially (outside a transaction); the next run resumes.
    Partial {
        /// The next statement to run (1-based, for people).
        next_statement: usize,
        /// How many statements it has.
        statements: usize,
    },
    /// Its file is applied and some of its steps; the next run resumes at the next step.
    PartialSteps {
        /// The next step to run (1-based, for people).
        next_step: usize,
        /// How many steps it has.
        steps: usize,
    },
    /// Limited to other environments.
    Skipped {
        /// Where it runs.
        only: Vec<String>,
    },
    /// Its SQL ended plan's transaction in an earlier run: apply refuses it until `plan
    /// accept --resume-at` says how to go on.
    Interrupted {
        /// What happened, as the ledger records it.
        detail: String,
    },
    /// Its rollback ran outside a transaction and stopped part-way: the next rollback resumes,
    /// apply refuses it.
    RollingBack {
        /// The rollback statement the next rollback starts at (1-based, for people).
        next_statement: usize,
        /// How many statements the rollback has.
        statements: usize,
    },
}

impl State {
    /// The state's name in JSON and text: applied, pending, changed, modified, file_missing,
    /// blocked, partial, skipped, interrupted, partially_rolled_back.
    pub fn name(&self) -> &'static str {
        match self {
            State::Applied { .. } => "applied",
            State::Pending => "pending",
            State::Changed { .. } => "changed",
            State::Modified { .. } => "modified",
            State::FileMissing { .. } => "file_missing",
            State::Blocked { .. } => "blocked",
            State::Partial { .. } | State::PartialSteps { .. } => "partial",
            State::Skipped { .. } => "skipped",
            State::Interrupted { .. } => "interrupted",
            State::RollingBack { .. } => "partially_rolled_back",
        }
    }

    /// Whether the migration needs nothing more in this environment: it is applied as its
    /// file says, or it is limited to other environments. Anything else (pending, changed,
    /// modified, partial, interrupted, blocked, file missing, partially rolled back) is what
    /// `plan status --exit-code` exits 1 for.
    pub fn is_settled(&self) -> bool {
        matches!(self, State::Applied { .. } | State::Skipped { .. })
    }
}

/// A migration (or ledger row without a file) and its state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct MigrationStatus {
    /// The migration's ID.
    pub id: String,
    /// Whether it is a repeatable migration (`false` for a ledger row without a file).
    pub repeatable: bool,
    /// Its state.
    pub state: State,
}

/// The state of a partial migration: where it resumes.
fn partial_state(migration: &Migration, script: &Script, at: ResumePoint) -> State {
    let next_statement = at.next_statement;
    match at.next_step {
        Some(done) => State::PartialSteps {
            next_step: done + 1,
            steps: migration.steps().len(),
        },
        None => State::Partial {
            next_statement: next_statement + 1,
            statements: script.statements.len(),
        },
    }
}

/// The state of every migration, in plan order, followed by ledger rows whose file is gone.
pub(crate) fn status(
    loaded: &Loaded,
    rows: &[LedgerRow],
    environment: Option<&str>,
) -> Vec<MigrationStatus> {
    // Never `None`: every row is judged, with the migration's SQL at hand.
    states(&ProjectDigest::of(loaded), rows, environment, |id, row| {
        Some(resumed_state(loaded, id, row))
    })
    .unwrap_or_default()
}

/// [`status`] from a project's digest alone; `None` when a ledger row needs a migration's SQL
/// to be judged (a partial migration, a rollback stopped part-way): then only the loaded
/// project will do.
pub(crate) fn status_of_digest(
    digest: &ProjectDigest,
    rows: &[LedgerRow],
    environment: Option<&str>,
) -> Option<Vec<MigrationStatus>> {
    states(digest, rows, environment, |_, _| None)
}

/// Whether a ledger row is judged by what of its migration's SQL ran, or is left to run.
fn needs_sql(row: &LedgerRow) -> bool {
    matches!(
        row.state,
        LedgerState::Partial(_) | LedgerState::RollingBack { .. }
    )
}

/// The state of a migration whose ledger row [`needs_sql`]: judged as apply judges it, by what
/// of it ran.
fn resumed_state(loaded: &Loaded, id: &MigrationId, row: &LedgerRow) -> State {
    let Some(migration) = loaded.project().migration(id) else {
        return State::FileMissing {
            at: row.applied_at.clone(),
        };
    };
    match row.state {
        LedgerState::Partial(at) if !row.completed.is_empty() => {
            match check_resumable(migration, loaded.script(migration), row) {
                Err(PlanError::Interrupted { detail, .. }) => State::Interrupted { detail },
                Err(_) => State::Modified {
                    recorded: short(&row.checksum),
                    current: short(migration.checksum()),
                },
                Ok(()) => partial_state(migration, loaded.script(migration), at),
            }
        }
        // A changed file is the first thing to know about, partial or not: apply refuses
        // both the same way.
        _ if row.checksum != migration.checksum() => State::Modified {
            recorded: short(&row.checksum),
            current: short(migration.checksum()),
        },
        LedgerState::Partial(at) => partial_state(migration, loaded.script(migration), at),
        LedgerState::RollingBack { next_statement } => State::RollingBack {
            next_statement: next_statement + 1,
            statements: loaded
                .rollback_script(migration)
                .map_or(0, |script| script.statements.len()),
        },
        LedgerState::Applied => State::Applied {
            at: row.applied_at.clone(),
            duration_ms: row.duration_ms,
            batch: row.batch,
        },
    }
}

/// The state of every migration of `digest` against `rows`; `resumed` judges a row that
/// [`needs_sql`], and `None` from it is `None` here.
fn states(
    digest: &ProjectDigest,
    rows: &[LedgerRow],
    environment: Option<&str>,
    resumed: impl Fn(&MigrationId, &LedgerRow) -> Option<State>,
) -> Option<Vec<MigrationStatus>> {
    let recorded: IndexMap<&str, &LedgerRow> =
        rows.iter().map(|row| (row.id.as_str(), row)).collect();
    let mut states: Vec<State> = Vec::with_capacity(digest.migrations.len());
    for migration in &digest.migrations {
        let state = match recorded.get(migration.id.as_str()) {
            // A repeatable migration that changed runs again, where it runs.
            Some(row)
                if migration.repeatable
                    && row.state == LedgerState::Applied
                    && row.checksum != migration.checksum =>
            {
                if migration.runs_in(environment) {
                    State::Changed {
                        recorded: short(&row.checksum),
                        current: short(&migration.checksum),
                        at: row.applied_at.clone(),
                        batch: row.batch,
                    }
                } else {
                    State::Skipped {
                        only: migration.environments.clone().unwrap_or_default(),
                    }
                }
            }
            Some(row) if needs_sql(row) => resumed(&migration.id, row)?,
            Some(row) if row.checksum != migration.checksum => State::Modified {
                recorded: short(&row.checksum),
                current: short(&migration.checksum),
            },
            Some(row) => State::Applied {
                at: row.applied_at.clone(),
                duration_ms: row.duration_ms,
                batch: row.batch,
            },
            None if !migration.runs_in(environment) => State::Skipped {
                only: migration.environments.clone().unwrap_or_default(),
            },
            None => {
                let blocker = migration.dependencies.iter().find_map(|&dependency| {
                    match states.get(dependency) {
                        Some(State::Skipped { .. }) => digest
                            .migrations
                            .get(dependency)
                            .map(|dependency| dependency.id.clone()),
                        Some(State::Blocked { by }) => Some(by.clone()),
                        _ => None,
                    }
                });
                match blocker {
                    Some(by) => State::Blocked { by },
                    None => State::Pending,
                }
            }
        };
        states.push(state);
    }
    let mut lines: Vec<MigrationStatus> = digest
        .migrations
        .iter()
        .zip(states)
        .map(|(migration, state)| MigrationStatus {
            id: migration.id.to_string(),
            repeatable: migration.repeatable,
            state,
        })
        .collect();
    let known: rustc_hash::FxHashSet<&str> = digest
        .migrations
        .iter()
        .map(|migration| migration.id.as_str())
        .collect();
    for row in rows {
        if !known.contains(row.id.as_str()) {
            lines.push(MigrationStatus {
                id: row.id.clone(),
                repeatable: false,
                state: State::FileMissing {
                    at: row.applied_at.clone(),
                },
            });
        }
    }
    Some(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The project every test reads, in sequence: 001, 002 (with its rollback), 003; 004 run
    /// statement by statement; 005 only in production; 006 after it.
    const MIGRATIONS: &[(&str, &str)] = &[
        ("migrations/001_a.sql", "CREATE TABLE a (id int);\n"),
        (
            "migrations/002_b.sql",
            "-- UP\nCREATE TABLE b (id int);\n-- DOWN\nDROP TABLE b;\n",
        ),
        ("migrations/003_c.sql", "CREATE TABLE c (id int);\n"),
        (
            "migrations/004_statements.sql",
            "-- plan: no-transaction\nCREATE TABLE s (id int);\nCREATE TABLE t (id int);\nCREATE TABLE u (id int);\n",
        ),
        (
            "migrations/005_prod.sql",
            "-- environment: production\nCREATE TABLE p (id int);\n",
        ),
        ("migrations/006_after.sql", "CREATE TABLE q (id int);\n"),
    ];

    /// The status of [`MIGRATIONS`] under `--env environment` against a ledger whose rows are
    /// `(id, how)`: `applied`, `changed` (applied from another file), `partial N` (stopped
    /// before statement N, 0-based), `interrupted`, `rolling back N`. One line per migration.
    fn check(rows: &[(&str, &str)], environment: Option<&str>, expect: &str) {
        let dir = crate::testing::project_dir(MIGRATIONS);
        let loaded = crate::load::load_project(dir.path()).expect("the project loads");
        let rows = ledger_rows(&loaded, rows);
        let full = status(&loaded, &rows, environment);
        // The project's digest alone says the same, unless a row needs a migration's SQL.
        match status_of_digest(&ProjectDigest::of(&loaded), &rows, environment) {
            Some(from_digest) => assert_eq!(from_digest, full),
            None => assert!(rows.iter().any(needs_sql)),
        }
        let lines: Vec<String> = full
            .iter()
            .map(|line| {
                let detail = match &line.state {
                    State::Applied { batch, .. } => format!(" in batch {batch}"),
                    State::Blocked { by } => format!(" by {by}"),
                    State::Partial {
                        next_statement,
                        statements,
                    }
                    | State::RollingBack {
                        next_statement,
                        statements,
                    } => format!(" at statement {next_statement} of {statements}"),
                    State::PartialSteps { next_step, steps } => {
                        format!(" at step {next_step} of {steps}")
                    }
                    State::Skipped { only } => format!(": runs only in {}", only.join(", ")),
                    State::Interrupted { detail } => format!(": {detail}"),
                    State::Changed { recorded, .. } => format!(" since {recorded}"),
                    State::Pending | State::Modified { .. } | State::FileMissing { .. } => {
                        String::new()
                    }
                };
                format!("{} {}{detail}", line.id, line.state.name())
            })
            .collect();
        assert_eq!(lines.join("\n"), expect);
    }

    /// The ledger rows `(id, how)` describe, as [`check`] reads them.
    fn ledger_rows(loaded: &Loaded, rows: &[(&str, &str)]) -> Vec<LedgerRow> {
        rows.iter()
            .map(|(id, how)| {
                let checksum = loaded
                    .project()
                    .migration(&MigrationId::new(id.to_string()))
                    .map_or("f".repeat(64), |migration| migration.checksum().to_string());
                let number = |prefix: &str| {
                    how.strip_prefix(prefix)
                        .and_then(|rest| rest.trim().parse::<usize>().ok())
                };
                let (state, checksum, completed) = match *how {
                    "applied" => (LedgerState::Applied, checksum, Vec::new()),
                    "changed" => (LedgerState::Applied, "0".repeat(64), Vec::new()),
                    "interrupted" => (
                        LedgerState::Partial(ResumePoint::at_statement(1)),
                        checksum,
                        vec!["interrupted: its COMMIT ended plan's transaction".to_string()],
                    ),
                    _ => match (number("partial"), number("rolling back")) {
                        (Some(next_statement), _) => (
                            LedgerState::Partial(ResumePoint::at_statement(next_statement)),
                            checksum,
                            Vec::new(),
                        ),
                        (None, Some(next_statement)) => (
                            LedgerState::RollingBack { next_statement },
                            checksum,
                            Vec::new(),
                        ),
                        (None, None) => panic!("unknown ledger state {how:?}"),
                    },
                };
                LedgerRow {
                    id: id.to_string(),
                    checksum,
                    batch: 1,
                    state,
                    applied_at: "2024-01-20 10:00:00 UTC".to_string(),
                    duration_ms: 5,
                    applied_by: "plan".to_string(),
                    environment: None,
                    completed,
                }
            })
            .collect()
    }

    /// Which of the states of `rows` (as [`check`] reads them) under `environment` are not
    /// settled, comma-separated: what `plan status --exit-code` exits 1 for.
    fn check_unsettled(rows: &[(&str, &str)], environment: Option<&str>, expect: &str) {
        let dir = crate::testing::project_dir(MIGRATIONS);
        let loaded = crate::load::load_project(dir.path()).expect("the project loads");
        let rows = ledger_rows(&loaded, rows);
        let unsettled: Vec<String> = status(&loaded, &rows, environment)
            .iter()
            .filter(|line| !line.state.is_settled())
            .map(|line| format!("{} {}", line.id, line.state.name()))
            .collect();
        assert_eq!(unsettled.join(", "), expect);
    }

    const ALL_BUT_PRODUCTION: &[(&str, &str)] = &[
        ("001_a", "applied"),
        ("002_b", "applied"),
        ("003_c", "applied"),
        ("004_statements", "applied"),
    ];

    #[test]
    fn issue_13_applied_and_skipped_are_settled_but_blocked_is_not() {
        // Without --env, 005 is skipped and 006 blocked by it: 006 still needs something.
        check_unsettled(ALL_BUT_PRODUCTION, None, "006_after blocked");
        check_unsettled(
            ALL_BUT_PRODUCTION,
            Some("production"),
            "005_prod pending, 006_after pending",
        );
        let mut everything = ALL_BUT_PRODUCTION.to_vec();
        everything.extend([("005_prod", "applied"), ("006_after", "applied")]);
        check_unsettled(&everything, Some("production"), "");
        // A production-only migration applied is settled in any environment.
        check_unsettled(&everything, None, "");
    }

    #[test]
    fn issue_13_every_other_state_is_unsettled() {
        check_unsettled(
            &[
                ("001_a", "applied"),
                ("002_b", "changed"),
                ("003_c", "rolling back 0"),
                ("004_statements", "partial 1"),
                ("005_prod", "applied"),
                ("000_gone", "applied"),
            ],
            None,
            "002_b modified, 003_c partially_rolled_back, 004_statements partial, 006_after pending, 000_gone file_missing",
        );
        check_unsettled(
            &[
                ("001_a", "applied"),
                ("002_b", "applied"),
                ("003_c", "applied"),
                ("004_statements", "interrupted"),
            ],
            Some("production"),
            "004_statements interrupted, 005_prod pending, 006_after pending",
        );
    }

    #[test]
    fn an_empty_ledger_leaves_everything_pending_or_skipped() {
        check(
            &[],
            None,
            "001_a pending\n\
             002_b pending\n\
             003_c pending\n\
             004_statements pending\n\
             005_prod skipped: runs only in production\n\
             006_after blocked by 005_prod",
        );
    }

    #[test]
    fn in_its_environment_a_limited_migration_and_its_dependents_are_pending() {
        check(
            &[("001_a", "applied")],
            Some("production"),
            "001_a applied in batch 1\n\
             002_b pending\n\
             003_c pending\n\
             004_statements pending\n\
             005_prod pending\n\
             006_after pending",
        );
    }

    #[test]
    fn a_changed_file_is_modified_and_a_row_without_a_file_comes_last() {
        check(
            &[
                ("001_a", "applied"),
                ("002_b", "changed"),
                ("000_gone", "applied"),
            ],
            None,
            "001_a applied in batch 1\n\
             002_b modified\n\
             003_c pending\n\
             004_statements pending\n\
             005_prod skipped: runs only in production\n\
             006_after blocked by 005_prod\n\
             000_gone file_missing",
        );
    }

    #[test]
    fn a_migration_stopped_part_way_says_where_it_resumes() {
        check(
            &[
                ("001_a", "applied"),
                ("002_b", "applied"),
                ("003_c", "applied"),
                ("004_statements", "partial 1"),
            ],
            None,
            "001_a applied in batch 1\n\
             002_b applied in batch 1\n\
             003_c applied in batch 1\n\
             004_statements partial at statement 2 of 3\n\
             005_prod skipped: runs only in production\n\
             006_after blocked by 005_prod",
        );
    }

    #[test]
    fn an_interrupted_migration_and_a_rollback_stopped_part_way_are_told_apart() {
        check(
            &[
                ("001_a", "applied"),
                ("002_b", "rolling back 0"),
                ("003_c", "applied"),
                ("004_statements", "interrupted"),
            ],
            None,
            "001_a applied in batch 1\n\
             002_b partially_rolled_back at statement 1 of 1\n\
             003_c applied in batch 1\n\
             004_statements interrupted: its COMMIT ended plan's transaction\n\
             005_prod skipped: runs only in production\n\
             006_after blocked by 005_prod",
        );
    }

    /// [`MIGRATIONS`] with two repeatable migrations, one limited to production.
    fn with_repeatables() -> Vec<(&'static str, &'static str)> {
        let mut files = MIGRATIONS.to_vec();
        files.extend([
            (
                "migrations/R__views.sql",
                "CREATE OR REPLACE VIEW v AS SELECT 1;\n",
            ),
            (
                "migrations/R__prod.sql",
                "-- environment: production\nCREATE OR REPLACE VIEW w AS SELECT 1;\n",
            ),
        ]);
        files
    }

    #[test]
    fn a_repeatable_is_applied_changed_or_pending_and_comes_last() {
        let dir = crate::testing::project_dir(&with_repeatables());
        let loaded = crate::load::load_project(dir.path()).expect("the project loads");
        let said = |rows: &[(&str, &str)], environment: Option<&str>| -> String {
            let rows = ledger_rows(&loaded, rows);
            status(&loaded, &rows, environment)
                .iter()
                .filter(|line| line.repeatable)
                .map(|line| format!("{} {}", line.id, line.state.name()))
                .collect::<Vec<_>>()
                .join(", ")
        };
        assert_eq!(said(&[], None), "R__prod skipped, R__views pending");
        assert_eq!(
            said(&[("R__views", "applied"), ("R__prod", "changed")], None),
            "R__prod skipped, R__views applied"
        );
        assert_eq!(
            said(
                &[("R__views", "changed"), ("R__prod", "changed")],
                Some("production")
            ),
            "R__prod changed, R__views changed"
        );
        let rows = ledger_rows(&loaded, &[("R__views", "changed")]);
        let last = status(&loaded, &rows, None)
            .last()
            .map(|line| (line.id.clone(), line.state.is_settled()));
        assert_eq!(last, Some(("R__views".to_string(), false)));
    }
}
