//! One file per command that is not `apply`, named as the CLI names it. Each starts from a
//! loaded project and uses the engine and the database layer below it.
//!
//! - `status`: each migration's state against the ledger.
//! - `check_schema`: unmet prerequisites, missing objects, drift against the catalog.
//! - `verify`: every rollback checked on a scratch database against the catalog before its migration.
//! - `accept`: accepting a changed migration file, a partly applied one, a rename.
//! - `import_history`: taking over a database built by another runner by importing its history.
//! - `baseline`: taking over a database built by hand: record migrations whose objects are there.
//! - `adopt`: what those two share: their error, the locked session, the ledger write.
//! - `new`: `plan new`: the next migration file, in the project's own layout.

pub mod accept;
pub mod adopt;
pub mod baseline;
pub mod check_schema;
pub mod import_history;
pub mod new;
pub mod status;
pub mod verify;

pub use accept::{AcceptError, Acceptance, ResumeAt, accept};
pub use adopt::AdoptError;
pub use baseline::{BaselineOptions, BaselineReport, baseline};
pub use check_schema::{Drift, MissingObject, SchemaReport, check_schema};
pub use import_history::{ImportOptions, ImportReport, import_history};
pub use status::{MigrationStatus, State, status};
pub use verify::{
    AppliedAgain, MigrationCheck, RollbackCheck, SchemaDifference, Scratch, VerifyError,
    VerifyOptions, VerifyProgress, VerifyReport, verify,
};
