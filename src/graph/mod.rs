//! The dependency graph of a [`Project`], in petgraph: its ordering mode (sequence or graph), its
//! deterministic order, cycles, and the `--to` closure. Pure: no I/O, and petgraph's types do not
//! leave this module.
//!
//! - `dag.rs`: [`Graph`], built and ordered (a deterministic Kahn's algorithm), its [`OrderMode`],
//!   and the walks over it (dependencies, dependents, closures, edges).
//! - `cycle.rs`: when the graph has a cycle, each one found and explained (`CycleProblem`).
//! - `environments.rs`: dependencies limited to fewer environments than their dependents
//!   (`EnvironmentMismatch`).
//!
//! [`Project`]: crate::project::Project

mod cycle;
mod dag;
mod environments;

pub(crate) use dag::{EdgeKind, Graph, OrderMode, OrderModeReason};
pub(crate) use environments::environment_mismatches;

#[cfg(test)]
mod tests;
