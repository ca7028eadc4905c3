//! `batch` steps: a statement run again and again until it affects no rows, at most
//! `max_batches` times, reporting progress after each batch. With the default `commit:
//! transaction` all batches run in the migration's transaction ([`run_in_transaction`]); with
//! `commit: each` every batch commits on its own, a phase of its own that `phases` runs,
//! counting with [`Batches`] as this file does.

use std::time::Instant;

use crate::db::Transaction;
use crate::engine::failure::FailureKind;
use crate::engine::outcome::Progress;
use crate::project::MigrationId;

/// The batches of one `batch` step so far: what its progress reports and its limit checks.
pub(crate) struct Batches {
    started: Instant,
    rows: u64,
    batches: u64,
    max_batches: u64,
}

impl Batches {
    /// A step about to run its first batch, allowed `max_batches`.
    pub(crate) fn new(max_batches: u64) -> Batches {
        Batches {
            started: Instant::now(),
            rows: 0,
            batches: 0,
            max_batches,
        }
    }

    /// Counts a batch that affected `affected` rows and reports the step's progress for
    /// migration `id`. `Ok(true)` when the step is done (the batch affected no rows); a step
    /// still affecting rows after its `max_batches` is a runaway, which never reaches zero.
    pub(crate) fn count(
        &mut self,
        affected: u64,
        id: &MigrationId,
        observe: &mut dyn FnMut(Progress<'_>),
    ) -> Result<bool, FailureKind> {
        self.batches += 1;
        self.rows += affected;
        observe(Progress::Batch {
            id,
            rows: self.rows,
            batches: self.batches,
            elapsed: self.started.elapsed(),
        });
        if affected == 0 {
            return Ok(true);
        }
        if self.batches >= self.max_batches {
            return Err(FailureKind::RunawayBatch {
                max_batches: self.max_batches,
                rows: self.rows,
            });
        }
        Ok(false)
    }
}

/// Runs a `batch` step with `commit: transaction`: every batch of `sql` inside `work`.
pub(crate) fn run_in_transaction(
    work: &mut Transaction<'_>,
    sql: &str,
    max_batches: u64,
    id: &MigrationId,
    observe: &mut dyn FnMut(Progress<'_>),
) -> Result<(), FailureKind> {
    let mut batches = Batches::new(max_batches);
    loop {
        let affected = work.run_counting(sql).map_err(FailureKind::Sql)?;
        if batches.count(affected, id, observe)? {
            return Ok(());
        }
    }
}
