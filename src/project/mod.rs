//! Reads a project folder into a [`Project`]: its migration files (every layout our users have
//! today), their header comments and the optional plan.yaml. No database, no ordering: the graph
//! is built from a Project by `graph`.
//!
//! - `read`: the reader, from files to a [`Project`] and its problems ([`Reading`]); [`load`]
//!   and [`load_files`] fail with every problem found.
//! - `model`: [`Project`] itself, and resolving a reference to a migration ([`Resolution`]).
//! - `files`: which `.sql` files are migrations and which are rollbacks.
//! - `header`: a file's leading comment block. `sections`: `-- UP` / `-- DOWN`. `lines`: both
//!   read text line by line.
//! - `manifest`: plan.yaml. `migration`: one migration. `problem`: what can be wrong.
//! - `source`: where the files come from: a folder on disk, or [`ProjectFiles`] in memory
//!   (a project embedded into a binary). Nothing else here touches the file system.
//! - `recording`: [`ProjectFiles::from_folder`], a folder read once and kept in memory.

mod files;
mod header;
mod lines;
mod manifest;
mod migration;
mod model;
mod problem;
mod read;
mod recording;
mod sections;
mod source;

pub use manifest::{
    BackupPolicy, DEFAULT_MAX_BATCHES, DEFAULT_TRACKING_TABLE, Environment, MANIFEST_FILE,
    Manifest, OrderSetting, TrackingTable,
};
pub(crate) use migration::sha256_hex;
pub use migration::{
    BatchCommit, Dependency, Migration, MigrationId, Prerequisite, Requirement, Rollback,
    SqlSource, Step, StepKind, TransactionMode, Version,
};
pub use model::{Project, Resolution};
pub use problem::{Problem, boxed};
pub use read::{Reading, in_memory_name, load, load_files, read, read_files};
pub use source::ProjectFiles;

#[cfg(test)]
mod tests;
