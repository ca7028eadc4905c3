//! Running migrations against a database: the Plan (what an apply will do given the ledger),
//! its execution (lock, transactions, retries, steps, progress in the ledger), rollbacks, and
//! the backup taken before an apply.
//!
//! - `plan`: the Plan: what an apply will do given the ledger, target and environment.
//! - `run`: running a Plan: lock, ledger, preflight, each migration in turn, the Report.
//! - `outcome`: what an apply tells its caller: Progress, Report, MigrationFailed.
//! - `phases`: one migration's phases (by how they commit) and its transaction phase.
//! - `one_message`: a transaction phase sent as one message, where nothing needs looking at
//!   between statements.
//! - `outside`: the file of a no-transaction migration, statement by statement.
//! - `runner`: what every phase shares: retries, ledger records, prerequisites, failures.
//! - `steps`: one file per kind of step (sql, batch, assert, command, handler; the Handler
//!   trait and registry are `steps::handler`, re-exported here as `handler`).
//! - `failure`: where a migration failed, and the message, help and label that say so.
//! - `record`: what the ledger records of a migration's progress, and the check of its writes.
//! - `rollback`: rolling back a migration and its dependents, or the last batch.
//! - `rollback_message`: rollbacks next to each other sent several to a message.
//! - `replica_wait`: plan.yaml `wait_for_replicas`: after each migration, until every
//!   standby replayed it (bounded), and the error when one did not.
//! - `backup`: the verified backup before an apply, made ready and recorded in the history.
//! - `trace`: what a run sends, step by step, for `plan -v` (`Trace`, `Tracing`, `Tracer`).
//! - `target`: the `db::Target` of a project on one database (its tracking table there).

pub(crate) mod backup;
pub(crate) mod failure;
pub(crate) mod lint_gate;
pub(crate) mod one_message;
pub(crate) mod outcome;
pub(crate) mod outside;
pub(crate) mod phases;
pub(crate) mod plan;
pub(crate) mod prerequisites;
pub(crate) mod record;
pub(crate) mod replica_wait;
pub(crate) mod rollback;
mod rollback_message;
pub(crate) mod run;
pub(crate) mod runner;
pub(crate) mod safeguards;
pub(crate) mod steps;
pub(crate) mod target;
pub(crate) mod trace;

/// The Handler trait and registry, where they were before the steps had a folder.
pub(crate) use steps::handler;

pub(crate) use backup::{prepare_backup, record_backup};
pub(crate) use outcome::Progress;
pub(crate) use plan::{Action, Allow, Plan, PlanError};
pub(crate) use rollback::{RollbackTarget, rollback};
pub(crate) use run::{
    ApplyError, ApplyOptions, Execution, apply_opened, apply_while, apply_with_handlers,
};
pub(crate) use steps::handler::Handlers;
pub(crate) use target::{ledger_target, schema_target, target};
pub(crate) use trace::{Trace, Tracing};
