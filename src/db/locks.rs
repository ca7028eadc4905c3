//! Table-level locks as PostgreSQL names and orders them, and what a session holds: the eight
//! [`LockMode`]s with their conflict table (PostgreSQL docs, "Table-Level Lock Modes"), the
//! ordinary traffic a set of them [`Blocks`], and two reads for `plan trace`: the relation locks
//! held by the session asking ([`held_locks`]) and each user relation's `relfilenode`
//! ([`relfilenodes`]), whose change means the relation was rewritten.
//!
//! Both reads go through the session that ran the statement, on purpose: the locks a backend
//! holds are visible to itself in `pg_locks`, and a rewrite not yet committed is visible only
//! to the transaction that made it. System catalogs, TOAST tables and the ledger's own tables
//! are left out: plan's reads and writes of them are not the migration's.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::session::{Session, SqlError, Transaction};

/// One of PostgreSQL's eight table-level lock modes, weakest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum LockMode {
    /// `SELECT`.
    AccessShare,
    /// `SELECT … FOR UPDATE` / `FOR SHARE`.
    RowShare,
    /// `INSERT`, `UPDATE`, `DELETE`, `MERGE`.
    RowExclusive,
    /// `VACUUM`, `ANALYZE`, `CREATE INDEX CONCURRENTLY`, `VALIDATE CONSTRAINT`, some `ALTER TABLE`.
    ShareUpdateExclusive,
    /// `CREATE INDEX` (without `CONCURRENTLY`).
    Share,
    /// `CREATE TRIGGER`, `ADD FOREIGN KEY` (both tables).
    ShareRowExclusive,
    /// `REFRESH MATERIALIZED VIEW CONCURRENTLY`.
    Exclusive,
    /// `DROP`, `TRUNCATE`, most `ALTER TABLE`, `VACUUM FULL`, `CLUSTER`.
    AccessExclusive,
}

/// The ordinary traffic a statement's locks hold up while its transaction lasts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Blocks {
    /// Neither `SELECT` nor `INSERT`/`UPDATE`/`DELETE` waits.
    None,
    /// `INSERT`, `UPDATE` and `DELETE` wait; `SELECT` goes on.
    Writes,
    /// Everything on the table waits, `SELECT` included.
    ReadsAndWrites,
}

/// A relation lock held by a session.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct HeldLock {
    /// The relation's OID, to tell relations apart across renames.
    pub oid: u32,
    /// `schema.name`.
    pub relation: String,
    /// The mode.
    pub mode: LockMode,
}

/// A user relation's storage, read from `pg_class`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RelationFile {
    /// The relation's OID.
    pub oid: u32,
    /// `schema.name`.
    pub relation: String,
    /// Its `relfilenode`: a new one means a new file, the relation rewritten.
    pub filenode: u32,
}

impl LockMode {
    /// Every mode, weakest first.
    pub(crate) const ALL: [LockMode; 8] = [
        LockMode::AccessShare,
        LockMode::RowShare,
        LockMode::RowExclusive,
        LockMode::ShareUpdateExclusive,
        LockMode::Share,
        LockMode::ShareRowExclusive,
        LockMode::Exclusive,
        LockMode::AccessExclusive,
    ];

    /// The mode as `pg_locks.mode` spells it (`AccessExclusiveLock`).
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            LockMode::AccessShare => "AccessShareLock",
            LockMode::RowShare => "RowShareLock",
            LockMode::RowExclusive => "RowExclusiveLock",
            LockMode::ShareUpdateExclusive => "ShareUpdateExclusiveLock",
            LockMode::Share => "ShareLock",
            LockMode::ShareRowExclusive => "ShareRowExclusiveLock",
            LockMode::Exclusive => "ExclusiveLock",
            LockMode::AccessExclusive => "AccessExclusiveLock",
        }
    }

    /// The mode `pg_locks.mode` names; `None` for what is no table lock mode
    /// (`SIReadLock`, a serializable transaction's predicate lock).
    pub(crate) fn parse(text: &str) -> Option<LockMode> {
        LockMode::ALL.into_iter().find(|mode| mode.as_str() == text)
    }

    /// Whether a lock of this mode and one of `other`, held by two transactions, cannot be
    /// held at once on the same table (the table is symmetric).
    pub(crate) fn conflicts_with(self, other: LockMode) -> bool {
        use LockMode::*;
        // The modes each one conflicts with, as the documentation's table lists them.
        let conflicts: &[LockMode] = match self {
            AccessShare => &[AccessExclusive],
            RowShare => &[Exclusive, AccessExclusive],
            RowExclusive => &[Share, ShareRowExclusive, Exclusive, AccessExclusive],
            ShareUpdateExclusive => &[
                ShareUpdateExclusive,
                Share,
                ShareRowExclusive,
                Exclusive,
                AccessExclusive,
            ],
            Share => &[
                RowExclusive,
                ShareUpdateExclusive,
                ShareRowExclusive,
                Exclusive,
                AccessExclusive,
            ],
            ShareRowExclusive => &[
                RowExclusive,
                ShareUpdateExclusive,
                Share,
                ShareRowExclusive,
                Exclusive,
                AccessExclusive,
            ],
            Exclusive => &[
                RowShare,
                RowExclusive,
                ShareUpdateExclusive,
                Share,
                ShareRowExclusive,
                Exclusive,
                AccessExclusive,
            ],
            AccessExclusive => &LockMode::ALL,
        };
        conflicts.contains(&other)
    }
}

impl std::fmt::Display for LockMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Blocks {
    /// What holding all of `modes` blocks: reads and writes when one conflicts with `SELECT`'s
    /// `AccessShareLock`, writes when one conflicts with `INSERT`'s `RowExclusiveLock`, else
    /// nothing.
    pub(crate) fn of(modes: impl IntoIterator<Item = LockMode>) -> Blocks {
        modes
            .into_iter()
            .map(|mode| {
                if mode.conflicts_with(LockMode::AccessShare) {
                    Blocks::ReadsAndWrites
                } else if mode.conflicts_with(LockMode::RowExclusive) {
                    Blocks::Writes
                } else {
                    Blocks::None
                }
            })
            .max()
            .unwrap_or(Blocks::None)
    }

    /// `none`, `writes` or `reads_and_writes`, as the JSON output says it.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Blocks::None => "none",
            Blocks::Writes => "writes",
            Blocks::ReadsAndWrites => "reads_and_writes",
        }
    }
}

/// Where plan keeps its ledger, whose tables the reads leave out: the tracking table
/// `schema.table` and the tables named after it (`table_history`, `table_catalog`), with their
/// indexes.
#[derive(Clone, Copy, Debug)]
pub(crate) struct LedgerTables<'a> {
    /// The tracking table's schema.
    pub schema: &'a str,
    /// The tracking table's name.
    pub table: &'a str,
}

/// Which relations the reads look at: user relations outside the system schemas and the
/// ledger's. `$1` is the ledger's schema, `$2` its table's name, `$3` the LIKE pattern of the
/// tables named after it.
const USER_RELATION: &str = "n.nspname NOT IN ('pg_catalog', 'information_schema') \
     AND n.nspname NOT LIKE 'pg\\_toast%' \
     AND NOT (n.nspname = $1 AND (c.relname = $2 OR c.relname LIKE $3))";

/// The relation locks granted to the session that runs this, on user relations: every one it
/// holds, in its transaction or (outside one) none. Must run in the session being traced.
pub(crate) fn held_locks(
    transaction: &mut Transaction<'_>,
    ledger: LedgerTables<'_>,
) -> Result<Vec<HeldLock>, SqlError> {
    let sql = format!(
        "SELECT c.oid::text, n.nspname || '.' || c.relname, l.mode \
         FROM pg_catalog.pg_locks l \
         JOIN pg_catalog.pg_class c ON c.oid = l.relation \
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         WHERE l.pid = pg_catalog.pg_backend_pid() AND l.locktype = 'relation' AND l.granted \
         AND l.database = (SELECT oid FROM pg_catalog.pg_database \
                           WHERE datname = pg_catalog.current_database()) \
         AND {USER_RELATION}"
    );
    let (schema, table, pattern) = ledger.parameters();
    let rows = transaction.query_texts(&sql, &[Some(schema), Some(table), Some(&pattern)])?;
    Ok(locks_of(rows))
}

/// `(oid, relation, mode)` rows as locks, sorted, without repeats or modes that are no table
/// lock mode.
fn locks_of(rows: Vec<Vec<Option<String>>>) -> Vec<HeldLock> {
    let mut locks: Vec<HeldLock> = rows
        .into_iter()
        .filter_map(|row| {
            let mut row = row.into_iter();
            let oid = row.next()??.parse().ok()?;
            let relation = row.next()??;
            let mode = LockMode::parse(&row.next()??)?;
            Some(HeldLock {
                oid,
                relation,
                mode,
            })
        })
        .collect();
    locks.sort();
    locks.dedup();
    locks
}

/// What [`run_watched`] saw of a statement run outside a transaction.
#[derive(Debug)]
pub(crate) struct Watched {
    /// The statement's own outcome.
    pub outcome: Result<(), SqlError>,
    /// The relation locks it held or waited for when it was seen waiting; `None` when it ran
    /// to its end without waiting, so its locks could not be seen.
    pub locks: Option<Vec<HeldLock>>,
    /// How long it ran, less the time it was held up on purpose.
    pub took: Duration,
}

/// Runs `sql` on `session` outside any transaction, while `observer` (a second session on the
/// same database) holds `ROW EXCLUSIVE` on every user table. A statement that waits for the
/// tables' writers to finish (`CREATE INDEX CONCURRENTLY`, `REINDEX CONCURRENTLY`, `DROP
/// INDEX CONCURRENTLY`) or needs a lock that conflicts with writes is then seen waiting, from
/// the observer, with the locks it holds at that moment; the observer lets go and the
/// statement goes on. One that needs neither runs to its end unseen. Waits on observable state
/// only (the statement waiting, or finished), never on a timer.
pub(crate) fn run_watched(
    session: &mut Session,
    observer: &mut Session,
    sql: &str,
    ledger: LedgerTables<'_>,
) -> Result<Watched, SqlError> {
    let (schema, table, pattern) = ledger.parameters();
    let pid = session.backend_pid().to_string();
    let mut hold = observer.begin()?;
    let tables = hold.query_texts(
        &format!(
            "SELECT pg_catalog.string_agg(pg_catalog.format('%I.%I', n.nspname, c.relname), ', ') \
             FROM pg_catalog.pg_class c \
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
             WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND {USER_RELATION}"
        ),
        &[Some(schema), Some(table), Some(&pattern)],
    )?;
    if let Some(tables) = tables
        .into_iter()
        .next()
        .and_then(|row| row.into_iter().next().flatten())
    {
        hold.run(&format!("LOCK TABLE {tables} IN ROW EXCLUSIVE MODE"))?;
    }
    let watch = format!(
        "SELECT CASE WHEN {USER_RELATION} THEN c.oid::text END, \
                n.nspname || '.' || c.relname, l.mode, \
                CASE WHEN pg_catalog.bool_or(NOT l.granted) OVER () THEN 'waiting' END \
         FROM pg_catalog.pg_locks l \
         LEFT JOIN pg_catalog.pg_class c ON c.oid = l.relation AND l.locktype = 'relation' \
         LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         WHERE l.pid::text = $4"
    );
    let done = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let running = scope.spawn(|| {
            let started = Instant::now();
            let outcome = session.run(sql);
            done.store(true, Ordering::SeqCst);
            (outcome, started.elapsed())
        });
        let mut seen = None;
        let mut held_up = Duration::ZERO;
        let mut polled: Result<(), SqlError> = Ok(());
        while !done.load(Ordering::SeqCst) {
            let rows = match hold.query_texts(
                &watch,
                &[Some(schema), Some(table), Some(&pattern), Some(&pid)],
            ) {
                Ok(rows) => rows,
                Err(error) => {
                    polled = Err(error);
                    break;
                }
            };
            let waiting = rows
                .first()
                .and_then(|row| row.get(3).cloned().flatten())
                .is_some_and(|waits| waits == "waiting");
            if waiting {
                let user: Vec<Vec<Option<String>>> = rows
                    .into_iter()
                    .filter(|row| row.first().is_some_and(Option::is_some))
                    .map(|row| row.into_iter().take(3).collect())
                    .collect();
                seen = Some((locks_of(user), Instant::now()));
                break;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        // Letting go (also after a failed poll), so that the statement can finish.
        hold.rollback();
        if let Some((_, since)) = &seen {
            held_up = since.elapsed();
        }
        let (outcome, took) = running.join().unwrap_or_else(|_| {
            (
                Err(SqlError::plan("the traced statement's thread panicked")),
                Duration::ZERO,
            )
        });
        polled?;
        Ok(Watched {
            outcome,
            locks: seen.map(|(locks, _)| locks),
            took: took.saturating_sub(held_up),
        })
    })
}

/// The `relfilenode` of every user table, materialized view and index, as `transaction` sees
/// them (its own uncommitted rewrites included), in OID order.
pub(crate) fn relfilenodes(
    transaction: &mut Transaction<'_>,
    ledger: LedgerTables<'_>,
) -> Result<Vec<RelationFile>, SqlError> {
    let sql = format!(
        "SELECT c.oid::text, n.nspname || '.' || c.relname, c.relfilenode::text \
         FROM pg_catalog.pg_class c \
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         WHERE c.relkind IN ('r', 'm', 'i') AND {USER_RELATION} \
         ORDER BY c.oid"
    );
    let (schema, table, pattern) = ledger.parameters();
    let rows = transaction.query_texts(&sql, &[Some(schema), Some(table), Some(&pattern)])?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            let mut row = row.into_iter();
            Some(RelationFile {
                oid: row.next()??.parse().ok()?,
                relation: row.next()??,
                filenode: row.next()??.parse().ok()?,
            })
        })
        .collect())
}

impl LedgerTables<'_> {
    /// `$1`, `$2` and `$3` of [`USER_RELATION`]: the schema, the table, and the LIKE pattern
    /// of the tables named after it.
    fn parameters(&self) -> (&str, &str, String) {
        let escaped = self
            .table
            .replace('\\', "\\\\")
            .replace('_', "\\_")
            .replace('%', "\\%");
        (self.schema, self.table, format!("{escaped}\\_%"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The documentation's table, one row per requested mode, `X` where it conflicts with the
    /// held mode of that column (same order as [`LockMode::ALL`]).
    const DOCUMENTED: [&str; 8] = [
        ".......X", // ACCESS SHARE
        "......XX", // ROW SHARE
        "....XXXX", // ROW EXCLUSIVE
        "...XXXXX", // SHARE UPDATE EXCLUSIVE
        "..XX.XXX", // SHARE
        "..XXXXXX", // SHARE ROW EXCLUSIVE
        ".XXXXXXX", // EXCLUSIVE
        "XXXXXXXX", // ACCESS EXCLUSIVE
    ];

    /// Checks the conflicts of `mode` against its row of the documented table.
    fn check(mode: LockMode, row: &str) {
        let got: String = LockMode::ALL
            .into_iter()
            .map(|other| if mode.conflicts_with(other) { 'X' } else { '.' })
            .collect();
        assert_eq!(got, row, "{mode}");
    }

    #[test]
    fn conflicts_are_the_documented_table() {
        for (mode, row) in LockMode::ALL.into_iter().zip(DOCUMENTED) {
            check(mode, row);
        }
    }

    #[test]
    fn conflicts_are_symmetric() {
        for a in LockMode::ALL {
            for b in LockMode::ALL {
                assert_eq!(a.conflicts_with(b), b.conflicts_with(a), "{a} / {b}");
            }
        }
    }

    #[test]
    fn modes_parse_as_pg_locks_spells_them() {
        for mode in LockMode::ALL {
            assert_eq!(LockMode::parse(mode.as_str()), Some(mode));
        }
        assert_eq!(LockMode::parse("SIReadLock"), None);
        assert_eq!(LockMode::parse("accessexclusivelock"), None);
    }

    /// What `modes` (as pg_locks spells them) block.
    fn blocks(modes: &[&str]) -> &'static str {
        Blocks::of(modes.iter().filter_map(|mode| LockMode::parse(mode))).as_str()
    }

    #[test]
    fn what_ordinary_traffic_each_mode_blocks() {
        assert_eq!(blocks(&[]), "none");
        assert_eq!(blocks(&["AccessShareLock"]), "none");
        assert_eq!(blocks(&["RowShareLock"]), "none");
        assert_eq!(blocks(&["RowExclusiveLock"]), "none");
        assert_eq!(blocks(&["ShareUpdateExclusiveLock"]), "none");
        assert_eq!(blocks(&["ShareLock"]), "writes");
        assert_eq!(blocks(&["ShareRowExclusiveLock"]), "writes");
        assert_eq!(blocks(&["ExclusiveLock"]), "writes");
        assert_eq!(blocks(&["AccessExclusiveLock"]), "reads_and_writes");
    }

    #[test]
    fn the_strongest_lock_decides() {
        assert_eq!(
            blocks(&["AccessShareLock", "ShareLock", "RowExclusiveLock"]),
            "writes"
        );
        assert_eq!(
            blocks(&["ShareLock", "AccessExclusiveLock"]),
            "reads_and_writes"
        );
    }

    #[test]
    fn ledger_names_are_escaped_for_like() {
        let ledger = LedgerTables {
            schema: "plan",
            table: "my_migrations",
        };
        assert_eq!(
            ledger.parameters(),
            ("plan", "my_migrations", "my\\_migrations\\_%".to_string())
        );
    }
}
