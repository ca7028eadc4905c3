//! One file per command that is not `apply`, named as the CLI names it. Each starts from a
//! loaded project and uses the engine and the database layer below it.
//!
//! - `status`: each migration's state against the ledger.
//! - `check`: the problems needing no database: dependencies the SQL implies and no header
//!   declares, uses before creation; `--fix` writes the missing declarations.
//! - `check_schema`: unmet prerequisites, missing objects, drift against the catalog.
//! - `fleet`: one plan over many databases: `apply --fleet`, `status --fleet`.
//! - `verify`: every rollback checked on a scratch database against the catalog before its migration.
//! - `trace`: each migration apply would run, run on a scratch copy: the locks each statement
//!   takes, the relations it rewrites, how long it runs.
//! - `accept`: accepting a changed migration file, a partly applied one, a rename.
//! - `import_history`: taking over a database built by another runner by importing its history.
//! - `baseline`: taking over a database built by hand: record migrations whose objects are there.
//! - `adopt`: what those two share: their error, the locked session, the ledger write.
//! - `new`: `plan new`: the next migration file, in the project's own layout.

pub(crate) mod accept;
pub(crate) mod adopt;
pub(crate) mod baseline;
pub(crate) mod check;
pub(crate) mod check_schema;
pub(crate) mod fleet;
pub(crate) mod import_history;
pub(crate) mod lint;
pub(crate) mod new;
pub(crate) mod status;
pub(crate) mod trace;
pub(crate) mod verify;

pub(crate) use accept::{Acceptance, ResumeAt, accept};
pub(crate) use baseline::{BaselineOptions, baseline};
pub(crate) use check_schema::{SchemaReport, check_schema};
pub(crate) use import_history::{ImportOptions, ImportReport, import_history};
pub(crate) use status::{MigrationStatus, State, status};
pub(crate) use trace::{TraceOptions, TraceProgress, TraceReport, trace};
pub(crate) use verify::{
    AppliedAgain, RollbackCheck, SchemaDifference, Scratch, ScratchKind, VerifyOptions,
    VerifyProgress, VerifyReport, verify,
};
