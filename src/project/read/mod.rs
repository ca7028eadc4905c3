//! Reading a project: from a [`Source`] (a folder, or files in memory) to a [`Project`] and
//! every [`Problem`] found on the way, so that a user sees all of them in one run. Lists the
//! migration files, splits and parses each one, attaches rollbacks, applies headers and
//! plan.yaml, then resolves dependencies and checks environments.
//!
//! Leaves to others: which files are migrations (`files.rs`), a file's header (`header.rs`) and
//! sections (`sections.rs`), plan.yaml's syntax (`manifest/`), the problems' wording
//! (`problem.rs`), where the bytes come from (`source.rs`).
//!
//! - `pipeline`: the steps in order; [`Reading`], `load`, [`read`] and their in-memory twins.
//! - `migrations`: each migration file, and rollbacks attached.
//! - `declared`: headers and plan.yaml entries applied to their migrations.
//! - `resolve`: dependencies resolved, environments checked.
//! - `folders`: where the migrations folder is, and whether it keeps a folder per migration.
//! - `flyway`: what a Flyway folder refuses.
//! - `sqitch`: a Sqitch project's plan and scripts, in place of a listed folder.
//! - `problems`: each reader's problem as a [`Problem`].
//!
//! [`Source`]: crate::project::source::Source
//! [`Project`]: crate::project::model::Project
//! [`Problem`]: crate::project::problem::Problem

mod declared;
mod flyway;
mod folders;
mod migrations;
mod pipeline;
mod problems;
mod resolve;
mod sqitch;

pub(super) use pipeline::read_from;
pub(crate) use pipeline::{Reading, in_memory_name, read, read_files};
#[cfg(test)]
pub(crate) use pipeline::{load, load_files};
