//! `pgplan`: the library behind the `plan` command, a dependency-graph migration
//! planner for PostgreSQL.
//!
//! Codemap, in dependency order (each layer only uses the ones below it):
//! - [`embed`]: the build-script step that bakes a project into a service's binary, checked
//!   (a bad project fails the build with the diagnostic `cli` renders).
//! - [`cli`]: clap types, one file per subcommand, rendering, exit codes. The only code that prints.
//! - [`startup`]: `Migrator`, what a service calls at start-up: wait for the database, apply or verify.
//! - [`apply`]: a Plan (graph + ledger + target → steps) and its execution against a Session.
//! - [`graph`]: the dependency graph in petgraph, its deterministic order, cycles, `--to` closure. Pure.
//! - [`db`]: the only code that speaks to PostgreSQL: connections, throwaway clusters, advisory lock.
//! - [`project`]: reads a folder (or its files held in memory) into a Project: files, header comments, plan.yaml. No database.
//! - [`sql`]: a PostgreSQL lexer: statement splitting and classification. Pure.
//! - [`diagnostic`]: shared miette plumbing: source files, spans, line lookup.

pub mod cli;
pub mod db;
pub mod diagnostic;
pub mod embed;
pub mod engine;
pub mod graph;
pub mod load;
pub mod ops;
pub mod project;
pub mod sql;
pub mod startup;

pub use startup::Migrator;

#[cfg(test)]
mod testing;
