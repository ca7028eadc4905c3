//! Migrating at start-up: what a Rust service calls in `main`, before it accepts requests, to
//! bring its database up to date (or to check that it is) — with the project read from a folder
//! at run time or embedded into the binary at compile time (`crate::embed`).
//!
//! A [`Migrator`] holds a checked project and its graph; [`Migrator::run`] waits for the
//! database to come up ([`Retry`]), then applies through the engine's `apply_with_handlers`
//! — the same ordering, advisory lock, ledger, history, checksums, prerequisites and handlers as
//! `plan apply`, nothing implemented twice — or, in [`Goal::VerifyOnly`], reads the ledger and
//! refuses to start when a migration is missing. Replicas starting together serialise on the
//! lock: one applies, the others wait, find nothing left to do, and start.
//!
//! An apply owes the production safeguards `plan apply` owes (`engine::safeguards`): the
//! environment the ledger records, a verified backup where `backup: required`
//! ([`Migrator::backup_to`]), and `confirm: true` stated in code ([`Migrator::confirmed`]).
//!
//! - `migrator`: [`Migrator`], its [`Goal`] and what it did ([`Started`]).
//! - `retry`: [`Retry`] and the loop that waits for the server.
//! - `guard`: the safeguards the service states, and the refusals before the first statement.
//! - `error`: [`StartupError`], the one error a service logs and exits on.
//! - `trace`: progress as `tracing` events. Nothing here prints.

mod error;
mod guard;
mod migrator;
mod retry;
mod trace;

pub use error::{OutOfDate, StartupError};
pub use migrator::{Goal, Migrator, Started};
pub use retry::{Retry, is_not_up_yet};
// What `Migrator::run` returns and fails with, nameable by the service that matches on it.
pub use crate::engine::outcome::{AppliedBefore, MigrationFailed, Report};
pub use crate::engine::plan::PlanError;
pub use crate::engine::run::{ApplyError, PreflightFailed, UnmetPrerequisite};
pub use crate::ops::status::State;
