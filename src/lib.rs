//! `pgplan`: the library behind the `plan` command, a dependency-graph migration
//! planner for PostgreSQL.
//!
//! Codemap, in dependency order (each layer only uses the ones below it; a test,
//! tests/integration/architecture.rs, checks it):
//! - `cli` (the default `cli` feature): clap types, one file per subcommand, rendering, exit
//!   codes. The only code that prints. A service builds without it (`default-features = false`).
//! - [`embed`]: the build-script step that bakes a project into a service's binary, checked
//!   (a bad project fails the build with the diagnostic `plan` renders).
//! - [`startup`]: `Migrator`, what a service calls at start-up: wait for the database, apply or verify.
//! - [`ops`]: one module per command that is not apply: status, check_schema, verify, accept, import_history, new.
//! - [`engine`]: a Plan (graph + ledger + target → steps) and its execution against a Session; rollbacks.
//! - [`load`]: a project read and checked with its SQL and graph, every problem at once.
//! - [`db`]: the only code that speaks to PostgreSQL: connections, throwaway clusters, advisory lock.
//! - [`graph`]: the dependency graph in petgraph, its deterministic order, cycles, `--to` closure. Pure.
//! - [`sql`]: a PostgreSQL lexer: statement splitting and classification. Pure.
//! - [`object`]: `ObjectKey`, what plan calls a database object: shared by `sql` (what statements create and drop), `db` (the catalog) and the commands.
//! - [`project`]: reads a folder (or its files held in memory) into a Project: files, header comments, plan.yaml. No database.
//! - [`diagnostic`]: shared miette plumbing: source files, spans, line lookup, error classes, rendering.

#[cfg(feature = "cli")]
pub mod cli;
pub(crate) mod db;
pub(crate) mod diagnostic;
pub mod embed;
pub(crate) mod engine;
pub(crate) mod graph;
pub(crate) mod load;
pub(crate) mod object;
pub(crate) mod ops;
pub(crate) mod project;
pub(crate) mod sql;
pub mod startup;

pub use db::{
    ClusterOptions, ConnectionSettings, DbError, LocalMachine, Machine, ScratchCluster, ServerTls,
    SslMode, TcpListening,
};
pub use diagnostic::InvalidInput;
pub use engine::{Handler, HandlerContext, HandlerError, Handlers};
pub use project::{Migration, MigrationId, Project, ProjectFiles};
pub use startup::Migrator;

/// Not API: the crate's inner types, for this package's own integration tests, which drive
/// sessions, the ledger, the lock and the engine directly. Compiled only with the `internals`
/// feature; nothing here is covered by any compatibility promise.
#[cfg(feature = "internals")]
#[doc(hidden)]
pub mod internals {
    pub use crate::db::{
        AdvisoryLock, Catalog, Ledger, LockHolder, LockKey, LockWait, LockWaiting, Session,
        TransactionState,
    };
    pub use crate::engine::{
        Allow, ApplyError, ApplyOptions, Execution, Progress, apply_with_handlers,
    };
    pub use crate::load::load_project;
}

#[cfg(test)]
mod testing;
