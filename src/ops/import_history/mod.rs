//! `plan import-history`: reads the tracking table of another runner (the public tools' and
//! the five shapes our users' runners keep, [`TABLE_SHAPES`](shapes::TABLE_SHAPES)) and records
//! the migrations it lists as applied, keeping their times, durations, users and checksums
//! (and seed 003's batches) where the runner kept them, without running anything.
//!
//! It holds the advisory lock, writes the ledger in one transaction (history action `import`)
//! and then records a catalog snapshot so that `check-schema` has a reference, as `baseline`
//! does (`adopt.rs`); a refused run changes nothing. The few catalog queries that find and read
//! another runner's table live here, beside the only code that needs them; everything else goes
//! through db/.
//!
//! - `shapes`: the table shapes known (name, columns, how each row is read), and which one a
//!   table fits.
//! - `checksum`: the tools' checksums of a file (Flyway's CRC32, SHA-384, SHA-256).
//! - `foreign`: finding the other runner's table and reading its rows.
//! - `matching`: which migration file a row names, and which row decides a migration's state.
//! - `flyway`: Flyway's `BASELINE` row as the versioned migrations it covers.
//! - `sqitch`: Sqitch's rows as the instances of reworked changes (Sqitch's change IDs).
//! - `import`: the options and report, the command's flow, and the plan of what is recorded.

mod checksum;
mod flyway;
mod foreign;
mod import;
mod matching;
mod shapes;
mod sqitch;

pub(crate) use import::{ImportOptions, ImportReport, import_history};
