//! Running migrations against a database: the Plan (what an apply will do given the ledger),
//! its execution (lock, transactions, retries, steps, progress in the ledger), rollbacks, and
//! the backup taken before an apply.
//!
//! - `plan`: the Plan: what an apply will do given the ledger, target and environment.
//! - `run`: running a Plan: lock, ledger, transactions, retries, the Report.
//! - `outcome`: what an apply tells its caller: Progress, Report, MigrationFailed.
//! - `execute`: running one migration's phases (file, steps) and recording its progress.
//! - `record`: what the ledger records of a migration's progress, and the check of its writes.
//! - `handler`: the Handler trait and registry for steps written in Rust.
//! - `rollback`: rolling back a migration and its dependents, or the last batch.
//! - `backup`: the verified backup before an apply, made ready and recorded in the history.

pub mod backup;
pub(crate) mod execute;
pub mod handler;
pub mod outcome;
pub mod plan;
pub(crate) mod record;
pub mod rollback;
pub mod run;

pub use backup::{backup_label, prepare_backup, record_backup};
pub use handler::{Handler, HandlerContext, HandlerError, Handlers};
pub use outcome::{MigrationFailed, Progress, Report};
pub use plan::{Action, Allow, Plan, PlanError, PlanStep};
pub use rollback::{RollbackError, RollbackReport, RollbackTarget, rollback};
pub use run::{ApplyError, ApplyOptions, RunMode, apply, apply_with_handlers};
