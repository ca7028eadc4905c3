//! `pgplan`: the library behind the `plan` command, a dependency-graph migration
//! planner for PostgreSQL.
//!
//! Codemap, in dependency order (each layer only uses the ones below it):
//! - [`cli`]: clap types, one file per subcommand, rendering, exit codes. The only code that prints.
//! - [`apply`]: a Plan (graph + ledger + target → steps) and its execution against a Session.
//! - [`graph`]: the dependency graph in petgraph, its deterministic order, cycles, `--to` closure. Pure.
//! - [`db`]: the only code that speaks to PostgreSQL: connections, throwaway clusters, advisory lock.
//! - [`project`]: reads a folder into a Project: files, header comments, plan.yaml. No database.
//! - [`sql`]: a PostgreSQL lexer: statement splitting and classification. Pure.
//! - [`diagnostic`]: shared miette plumbing: source files, spans, line lookup.

pub mod apply;
pub mod cli;
pub mod db;
pub mod diagnostic;
pub mod graph;
pub mod project;
pub mod sql;

#[cfg(test)]
mod testing;
