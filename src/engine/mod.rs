//! Running migrations against a database: the Plan (what an apply will do given the ledger),
//! its execution (lock, transactions, retries, steps, progress in the ledger), rollbacks, and
//! the backup taken before an apply.
//!
//! - `plan`: the Plan: what an apply will do given the ledger, target and environment.
//! - `run`: running a Plan: lock, ledger, transactions, retries, the Report.
//! - `execute`: running one migration's phases (file, steps) and recording its progress.
//! - `handler`: the Handler trait and registry for steps written in Rust.
//! - `rollback`: rolling back a migration and its dependents, or the last batch.
//! - `backup`: the verified backup before an apply, made ready and recorded in the history.

pub mod backup;
pub(crate) mod execute;
pub mod handler;
pub mod plan;
pub mod prerequisites;
pub mod rollback;
pub mod run;
pub mod safeguards;

pub use backup::{backup_label, prepare_backup, record_backup};
pub use handler::{Handler, HandlerContext, HandlerError, Handlers};
pub use plan::{Action, Allow, Plan, PlanError, PlanStep};
pub use rollback::{RollbackError, RollbackReport, RollbackTarget, rollback};
pub use run::{
    ApplyError, ApplyOptions, MigrationFailed, Progress, Report, RunMode, apply,
    apply_with_handlers,
};
