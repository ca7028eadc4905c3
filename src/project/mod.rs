//! Reads a project folder into a [`Project`]: its migration files (every layout our users have
//! today), their header comments and the optional plan.yaml. No database, no ordering: the graph
//! is built from a Project by `graph`.
//!
//! - `read`: the reader, from files to a [`Project`] and its problems ([`Reading`]); `load`
//!   and `load_files` fail with every problem found.
//! - `model`: [`Project`] itself, and resolving a reference to a migration ([`Resolution`]).
//! - `files`: which `.sql` files are migrations and which are rollbacks.
//! - `header`: a file's leading comment block. `sections`: `-- UP` / `-- DOWN`. `lines`: both
//!   read text line by line.
//! - `manifest`: plan.yaml. `migration`: one migration. `problem`: what can be wrong.
//! - `source`: where the files come from: a folder on disk, or [`ProjectFiles`] in memory
//!   (a project embedded into a binary). Nothing else here touches the file system.
//! - `recording`: [`ProjectFiles::from_folder`], a folder read once and kept in memory.
//! - `stamps`: what a read of a folder looked at, to tell later whether it would read the same.

mod files;
mod header;
pub(crate) mod layout;
mod lines;
mod manifest;
pub(crate) mod migration;
pub(crate) mod model;
mod problem;
mod read;
mod recording;
mod sections;
pub(crate) mod source;
mod sqitch;
pub(crate) mod stamps;

pub(crate) use header::header_end;
pub(crate) use layout::Layout;
pub(crate) use manifest::{
    BackupPolicy, DEFAULT_MAX_BATCHES, Environment, LintOnApply, LockSetting, OrderSetting,
    TrackingTable,
};
pub(crate) use manifest::{Fleet, OnError, WaitForReplicas};
pub(crate) use migration::sha256_hex;
pub(crate) use migration::{
    BatchCommit, Migration, MigrationId, MigrationKind, Requirement, Rollback, SqlSource, Step,
    StepKind, TransactionMode,
};
pub(crate) use model::{Project, Resolution};
pub(crate) use problem::boxed;
pub(crate) use read::{Reading, in_memory_name, read, read_files};
#[cfg(test)]
pub(crate) use read::{load, load_files};
pub(crate) use source::ProjectFiles;

#[cfg(test)]
mod tests;
