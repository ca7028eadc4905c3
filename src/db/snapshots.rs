//! Catalog snapshots recorded beside the ledger (`<tracking table>_catalog`): the baseline
//! taken before the plan's first apply, and one after every apply and rollback run, so that
//! `check-schema` can tell drift (changes made outside the plan since the last run) from the
//! plan's own work and from a base schema that some other system owns.

use super::catalog::Catalog;
use super::error::DbError;
use super::session::Session;

/// Why a snapshot was taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SnapshotReason {
    /// Before the plan's first apply: what was there already.
    Baseline,
    /// After an apply run.
    Apply,
    /// After a rollback run.
    Rollback,
}

impl SnapshotReason {
    fn as_str(self) -> &'static str {
        match self {
            SnapshotReason::Baseline => "baseline",
            SnapshotReason::Apply => "apply",
            SnapshotReason::Rollback => "rollback",
        }
    }
}

/// A recorded snapshot.
#[derive(Clone, Debug)]
pub struct RecordedSnapshot {
    /// When, as `YYYY-MM-DD HH:MM:SS UTC`.
    pub recorded_at: String,
    /// The catalog.
    pub catalog: Catalog,
}

/// The snapshot table of a ledger.
#[derive(Clone, Debug)]
pub struct Snapshots {
    schema: String,
    table: String,
}

impl Snapshots {
    /// The snapshots kept beside the tracking table `schema.table`.
    pub fn new(schema: &str, ledger_table: &str) -> Snapshots {
        Snapshots {
            schema: schema.to_string(),
            table: format!("{ledger_table}_catalog"),
        }
    }

    fn table_sql(&self) -> String {
        format!("{}.{}", quote(&self.schema), quote(&self.table))
    }

    /// Creates the table when missing (the ledger's schema must exist). Call with the lock held.
    pub fn ensure(&self, session: &mut Session) -> Result<(), DbError> {
        let sql = format!(
            "CREATE TABLE IF NOT EXISTS {} (
                 snapshot bigserial PRIMARY KEY,
                 reason text NOT NULL CHECK (reason IN ('baseline', 'apply', 'rollback')),
                 batch integer,
                 recorded_at timestamptz NOT NULL DEFAULT now(),
                 fingerprint text NOT NULL,
                 objects jsonb NOT NULL
             )",
            self.table_sql()
        );
        session
            .run(&sql)
            .map_err(|error| session.error("create the catalog snapshot table", &error))
    }

    /// Records `catalog`.
    pub fn record(
        &self,
        session: &mut Session,
        reason: SnapshotReason,
        batch: Option<i32>,
        catalog: &Catalog,
    ) -> Result<(), DbError> {
        let sql = format!(
            "INSERT INTO {} (reason, batch, fingerprint, objects) VALUES ($1, $2::text::int, $3, $4::text::jsonb)",
            self.table_sql()
        );
        let batch = batch.map(|batch| batch.to_string());
        let fingerprint = catalog.fingerprint();
        let json = catalog.to_json();
        let result = session.begin().and_then(|mut work| {
            work.execute(
                &sql,
                &[
                    Some(reason.as_str()),
                    batch.as_deref(),
                    Some(&fingerprint),
                    Some(&json),
                ],
            )?;
            work.commit()
        });
        result.map_err(|error| session.error("record a catalog snapshot", &error))
    }

    /// Whether any snapshot exists (the baseline is taken only once).
    pub fn has_any(&self, session: &mut Session) -> Result<bool, DbError> {
        if !self.exists(session)? {
            return Ok(false);
        }
        session
            .query_bool(&format!(
                "SELECT EXISTS (SELECT 1 FROM {})",
                self.table_sql()
            ))
            .map_err(|error| session.error("look for catalog snapshots", &error))
    }

    /// The baseline and the latest snapshot, when recorded.
    pub fn baseline_and_latest(
        &self,
        session: &mut Session,
    ) -> Result<(Option<RecordedSnapshot>, Option<RecordedSnapshot>), DbError> {
        if !self.exists(session)? {
            return Ok((None, None));
        }
        let read = |session: &mut Session,
                    order: &str,
                    filter: &str|
         -> Result<Option<RecordedSnapshot>, DbError> {
            let sql = format!(
                "SELECT to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS \"UTC\"'), objects::text
                 FROM {} {filter} ORDER BY snapshot {order} LIMIT 1",
                self.table_sql()
            );
            let rows = session
                .query_texts(&sql, &[])
                .map_err(|error| session.error("read catalog snapshots", &error))?;
            Ok(rows.into_iter().next().and_then(|row| {
                let mut columns = row.into_iter();
                let recorded_at = columns.next().flatten()?;
                let catalog = Catalog::from_json(&columns.next().flatten()?)?;
                Some(RecordedSnapshot {
                    recorded_at,
                    catalog,
                })
            }))
        };
        let baseline = read(session, "ASC", "WHERE reason = 'baseline'")?;
        let latest = read(session, "DESC", "")?;
        Ok((baseline, latest))
    }

    fn exists(&self, session: &mut Session) -> Result<bool, DbError> {
        let sql = format!(
            "SELECT to_regclass('{}') IS NOT NULL",
            self.table_sql().replace('\'', "''")
        );
        session
            .query_bool(&sql)
            .map_err(|error| session.error("look for the catalog snapshot table", &error))
    }
}

fn quote(identifier: &str) -> String {
    format!("\"{}\"", identifier.replace('"', "\"\""))
}
