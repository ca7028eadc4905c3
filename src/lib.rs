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
//! - `ops`: one module per command that is not apply: status, check_schema, verify, accept, import_history, new.
//! - `engine`: a Plan (graph + ledger + target → steps) and its execution against a Session; rollbacks.
//! - `load`: a project read and checked with its SQL and graph, every problem at once; the project cache of what a command derived from an unchanged folder.
//! - `infer`: dependencies the SQL implies (an object used that another migration creates), checked against the declared graph.
//! - `db`: the only code that speaks to PostgreSQL: connections, throwaway clusters, advisory lock.
//! - `graph`: the dependency graph in petgraph, its deterministic order, cycles, `--to` closure. Pure.
//! - `sql`: a PostgreSQL lexer: statement splitting and classification. Pure.
//! - `object`: `ObjectKey`, what plan calls a database object: shared by `sql` (what statements create and drop), `db` (the catalog) and the commands.
//! - `project`: reads a folder (or its files held in memory) into a Project: files, header comments, plan.yaml. No database.
//! - `diagnostic`: shared miette plumbing: source files, spans, line lookup, error classes, rendering.
//! - `parallel`: a function over a slice on every core. `codec`: the project cache's binary form. `calendar`: seconds as a civil time in UTC.
//!
//! The public API is what a service or a team's own `plan` binary needs, nothing more:
//! [`Migrator`] and the rest of [`startup`] (migrating at start-up, with the types it returns
//! and fails with: `Report`, `ApplyError`, `MigrationFailed`, `State`, …), [`embed`] (a build
//! script baking the project into the binary), `cli::run_from_env` (and `run_from_env_telling`,
//! which tells the binary the subcommand first) and `cli::run_with_handlers` (feature `cli`), the handler API ([`Handler`], [`HandlerContext`], [`HandlerError`],
//! [`Handlers`], and [`SqlError`] behind a handler's failure), the settings of a connection
//! ([`ConnectionSettings`], [`Host`], [`SslMode`], where `PG*` variables come from: [`Machine`],
//! [`LocalMachine`]) and its errors ([`DbError`], [`LockHolder`]), a throwaway server for a
//! service's own tests ([`ScratchCluster`], [`ClusterOptions`], [`TcpListening`],
//! [`ServerTls`]), the read-only project a `Migrator` holds ([`Project`], [`Migration`],
//! [`MigrationId`], [`Version`], [`ProjectFiles`]), and what input problems and failures point
//! at ([`InvalidInput`], [`SourceFile`]).

// Without the command line, the commands' code is unused; without `internals`, so is what
// only the integration tests reach. The lints run in full on the build that has both features
// (`cargo clippy --all-targets`, in CI).
#![forbid(unsafe_code)]
#![cfg_attr(
    not(all(feature = "cli", feature = "internals")),
    allow(unreachable_pub, dead_code, unused_imports)
)]

pub(crate) mod calendar;
#[cfg(feature = "cli")]
pub mod cli;
pub(crate) mod codec;
pub(crate) mod db;
pub(crate) mod diagnostic;
pub mod embed;
pub(crate) mod engine;
pub(crate) mod graph;
pub(crate) mod infer;
pub(crate) mod lint;
pub(crate) mod load;
pub(crate) mod object;
pub(crate) mod ops;
pub(crate) mod parallel;
pub(crate) mod project;
pub(crate) mod sql;
pub mod startup;

// The public API names each item where it is defined, not through the crate-internal
// re-exports of its folder, which stay `pub(crate)`.
pub use db::cluster::options::{ClusterOptions, ServerTls, TcpListening};
pub use db::cluster::scratch::ScratchCluster;
pub use db::connect::machine::{LocalMachine, Machine};
pub use db::connect::sslmode::SslMode;
pub use db::connect::{ConnectionSettings, Host};
pub use db::error::DbError;
pub use db::holder::{Lease, LockHolder};
pub use db::session::results::SqlError;
pub use diagnostic::{InvalidInput, SourceFile};
pub use engine::steps::handler::{Handler, HandlerContext, HandlerError, Handlers};
pub use project::migration::{Migration, MigrationId, MigrationKind, Version};
pub use project::model::Project;
pub use project::source::ProjectFiles;
pub use startup::Migrator;

/// Not API: the crate's inner types, for this package's own integration tests, which drive
/// sessions, the ledger, the lock and the engine directly. Compiled only with the `internals`
/// feature; nothing here is covered by any compatibility promise.
#[cfg(feature = "internals")]
#[doc(hidden)]
pub mod internals {
    pub use crate::db::catalog::Catalog;
    pub use crate::db::holder::{Lease, LockHolder};
    pub use crate::db::ledger::progress::LedgerWrite;
    pub use crate::db::ledger::tables::Ledger;
    pub use crate::db::lock::{AdvisoryLock, LockKey, LockWait, LockWaiting};
    pub use crate::db::session::connection::Session;
    pub use crate::db::session::message::{
        LEDGER_GUARD, MessageFailure, MessageOutcome, OneMessage,
    };
    pub use crate::db::session::transaction::TransactionState;
    pub use crate::engine::outcome::Progress;
    pub use crate::engine::plan::Allow;
    pub use crate::engine::run::{ApplyError, ApplyOptions, Execution, apply_with_handlers};
    pub use crate::engine::trace::Tracing;
    pub use crate::load::load_project;
    pub use crate::object::{ObjectKey, SchemaObjectKind, TableObjectKind};

    /// A plain `postgres` connection with `settings` (the tests' own queries), through plan's
    /// connect: its timeout, TLS and error messages.
    pub fn connect(
        settings: &crate::ConnectionSettings,
    ) -> Result<postgres::Client, crate::DbError> {
        settings.connect()
    }

    /// Runs the parser over `migration` as `check-schema` and `plan check` read it
    /// (`sql::effects_of`: its forward SQL and `sql` steps, names resolved) and returns how
    /// many statements, objects and opaque statements it found: a number, so that fuzz/ and
    /// bench/ can drive the parser without naming the crate's SQL types, and the work cannot
    /// be optimised away.
    pub fn parse_migration(migration: &crate::Migration) -> usize {
        let effects = crate::sql::effects_of(migration);
        effects.created.len()
            + effects.dropped.len()
            + effects
                .statements
                .iter()
                .map(|statement| &statement.effects)
                .map(|statement| {
                    1 + statement.creates.len()
                        + statement.alters.len()
                        + statement.renames.len()
                        + statement.drops.len()
                        + statement.uses.len()
                        + usize::from(statement.opaque.is_some())
                })
                .sum::<usize>()
    }

    /// A diagnostic as `plan` prints it when stderr is not a terminal: no colour, no wrapping,
    /// problems top-down and grouped (`diagnostic::render_styled`).
    pub fn render_unstyled(diagnostic: &dyn miette::Diagnostic) -> String {
        let style = crate::diagnostic::RenderStyle {
            colour: false,
            wrap: false,
        };
        crate::diagnostic::render_styled(diagnostic, style)
    }
}

#[cfg(test)]
mod testing;
