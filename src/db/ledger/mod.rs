//! The [`Ledger`]: the tracking table (one row per applied or partially applied migration) and
//! its append-only history (one row per apply, rollback or accepted checksum, failed or not,
//! and one per verified backup taken before an apply).
//!
//! Both live in the schema named by plan.yaml's `tracking_table` (`plan.migrations` by default,
//! with `plan.migrations_history` beside it), away from the `schema_migrations` tables that
//! home-made runners keep. The history refuses UPDATE and DELETE through a trigger, so it stays
//! an audit trail. Writes that belong to a migration go through its
//! [`Transaction`](crate::db::session::Transaction), so the migration and its row commit
//! together.
//!
//! - `tables`: the [`Ledger`] handle, its two tables' names, creating them.
//! - `upgrade`: bringing a ledger created by an earlier version up to this one's shape.
//! - `rows`: the tracking table's rows ([`LedgerRow`], [`LedgerState`], [`ResumePoint`]), read.
//! - `history`: the history's rows ([`Event`], `HistoryRow`), appended and read; the next batch.
//! - `progress`: an apply's compare-and-set writes ([`Expected`], [`Recorded`]), partial progress.
//! - `writes`: the other writes: rollback, accept, migrations [`Adopted`] from elsewhere.

mod history;
pub(crate) mod progress;
mod rows;
pub(crate) mod tables;
mod upgrade;
mod writes;

pub(crate) use history::{Event, HistoryAction, HistoryOutcome};
pub(crate) use progress::{Expected, GUARD_SLOT, LedgerWrite, PartialProgress, Recorded};
pub(crate) use rows::{LedgerRow, LedgerState, ResumePoint, ledger_columns, ledger_row};
pub(crate) use tables::Ledger;
pub(crate) use writes::Adopted;
