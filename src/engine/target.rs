//! The project's [`Target`] on one database: plan.yaml's `tracking_table` turned into the
//! ledger, snapshots and lock key that `db::Target` derives. Every command, the engine and
//! `startup` build it here, so that they all agree on where plan keeps its state.
//!
//! A file of its own (rather than a function in `engine/mod.rs`) so that the engine's own
//! files can call it without importing the module that re-exports them.

use crate::db::{ConnectionSettings, RunLock, Target};
use crate::project::{LockSetting, Project, TrackingTable};

/// The database `settings` points at, with `project`'s ledger, snapshots and lock there
/// (plan.yaml's `tracking_table` and `lock`).
pub(crate) fn target(project: &Project, settings: &ConnectionSettings) -> Target {
    let tracking = project.manifest().tracking_table();
    target_at(project, settings, &tracking.schema, &tracking.table)
}

/// The ledger `tracking` at `settings`, to be read and nothing more (`plan status` from a
/// project's digest, without the project): no run lock is ever taken through it.
pub(crate) fn ledger_target(settings: &ConnectionSettings, tracking: &TrackingTable) -> Target {
    Target::new(settings.clone(), &tracking.schema, &tracking.table)
}

/// The same with the ledger at `schema.table` instead (a fleet's schema target keeps its own
/// in its schema), with plan.yaml's `lock` all the same.
fn target_at(
    project: &Project,
    settings: &ConnectionSettings,
    schema: &str,
    table: &str,
) -> Target {
    let lock = match project.manifest().lock() {
        LockSetting::Advisory => RunLock::Advisory,
        LockSetting::Table { expire_after } => RunLock::Table { expire_after },
    };
    Target::new(settings.clone(), schema, table).with_lock(lock)
}

/// A tenant schema of a fleet (`schemas:`): the ledger at `schema.table`, and the catalog
/// snapshots confined to that schema, since the other tenants' objects are theirs.
pub(crate) fn schema_target(
    project: &Project,
    settings: &ConnectionSettings,
    schema: &str,
    table: &str,
) -> Target {
    target_at(project, settings, schema, table).confined_to_ledger_schema()
}
