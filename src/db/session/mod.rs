//! [`Session`]: one connection to the target database, optionally holding the advisory lock,
//! through which `apply` runs migrations. [`Transaction`] is a transaction on it. Keeps `postgres`
//! types inside `db`: callers see SQL text in, [`SqlError`] or counts out.
//!
//! A session sets `client_connection_check_interval` (PostgreSQL 14+) so that, if the `plan`
//! process is killed mid-statement, the server notices the dead client within a second and
//! rolls the migration back, instead of finishing a long statement and holding the lock.
//!
//! - `connection`: [`Session`], connected plain or locked.
//! - `transaction`: [`Transaction`] and the guarded messages that prove it is still plan's.
//! - `message`: a migration's whole transaction as one message, its guards made by the server.
//! - `reset`: what a migration may leave on the session, and undoing it.
//! - `results`: [`SqlError`], and rows as texts.

pub(crate) mod connection;
pub(crate) mod message;
mod prepared;
mod reset;
pub(crate) mod results;
pub(crate) mod transaction;

pub(crate) use connection::Session;
pub(crate) use message::{LEDGER_GUARD, MessageFailure, OneMessage};
pub(crate) use results::SqlError;
pub(crate) use transaction::{Transaction, TransactionId, TransactionState};
