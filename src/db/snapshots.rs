//! Catalog snapshots recorded beside the ledger (`<tracking table>_catalog`): the baseline
//! taken before the plan's first apply, and one after every apply and rollback run, so that
//! `check-schema` can tell drift (changes made outside the plan since the last run) from the
//! plan's own work and from a base schema that some other system owns.

use super::catalog::{Catalog, OBJECTS};
use super::error::DbError;
use super::quote::quote_identifier;
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

/// The catalog now against the latest snapshot, and expected objects that are missing.
#[derive(Clone, Debug, Default)]
pub struct Comparison {
    /// When the latest snapshot was recorded; `None` when there is none.
    pub since: Option<String>,
    /// Expected objects the catalog does not have.
    pub missing: Vec<String>,
    /// Objects added, dropped or altered since the latest snapshot.
    pub changes: Vec<Change>,
}

/// One object that changed since the latest snapshot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// Added, dropped or altered.
    pub kind: ChangeKind,
    /// The object, `kind name`.
    pub key: String,
    /// Whether the object was already there before the plan's first apply.
    pub in_baseline: bool,
}

/// How an object changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangeKind {
    /// Not in the snapshot.
    Added,
    /// Only in the snapshot.
    Dropped,
    /// Its definition differs.
    Altered,
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
        format!(
            "{}.{}",
            quote_identifier(&self.schema),
            quote_identifier(&self.table)
        )
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

    /// Records the catalog as it is now, computed and stored by the server in one statement
    /// (nothing is sent back: a 10,000-table catalog is megabytes of JSON).
    pub fn record_current(
        &self,
        session: &mut Session,
        reason: SnapshotReason,
        batch: Option<i32>,
        ledger_table: &str,
    ) -> Result<(), DbError> {
        let sql = format!(
            "{OBJECTS},
             aggregated AS (
                 SELECT coalesce(jsonb_object_agg(key, md5(definition)), '{{}}'::jsonb) AS objects FROM object)
             INSERT INTO {table} (reason, batch, fingerprint, objects)
             SELECT $3, $4::text::int, md5(objects::text), objects FROM aggregated",
            table = self.table_sql()
        );
        let batch = batch.map(|batch| batch.to_string());
        let result = session.begin().and_then(|mut work| {
            work.execute(
                &sql,
                &[
                    Some(&self.schema),
                    Some(ledger_table),
                    Some(reason.as_str()),
                    batch.as_deref(),
                ],
            )?;
            work.commit()
        });
        result.map_err(|error| session.error("record a catalog snapshot", &error))
    }

    /// Compares the catalog as it is now with the latest recorded snapshot, and looks for
    /// `expected` objects (snapshot keys; a key ending in `(` is a function name prefix), all in
    /// one query whose answer holds only the differences.
    pub fn compare(
        &self,
        session: &mut Session,
        ledger_table: &str,
        expected: &[String],
    ) -> Result<Comparison, DbError> {
        let exists = self.exists(session)?;
        let snapshots = if exists {
            self.table_sql()
        } else {
            // No snapshot table yet: compare against nothing.
            "(SELECT NULL::bigint AS snapshot, NULL::text AS reason, NULL::timestamptz AS recorded_at, NULL::jsonb AS objects WHERE false) AS none".to_string()
        };
        let sql = format!(
            "{OBJECTS},
             current AS (SELECT key, md5(definition) AS hash FROM object),
             latest AS (SELECT objects, recorded_at FROM {snapshots} ORDER BY snapshot DESC LIMIT 1),
             baseline AS (SELECT objects FROM {snapshots} WHERE reason = 'baseline' ORDER BY snapshot LIMIT 1),
             recorded AS (SELECT entry.key, entry.value AS hash FROM latest, jsonb_each_text(latest.objects) AS entry),
             expected AS (SELECT DISTINCT unnest(string_to_array($3, chr(31))) AS key)
             SELECT 'missing', e.key, NULL FROM expected e LEFT JOIN current c ON c.key = e.key
                 WHERE c.key IS NULL AND right(e.key, 1) <> '('
             UNION ALL
             SELECT 'missing', e.key, NULL FROM expected e
                 WHERE right(e.key, 1) = '(' AND NOT EXISTS (SELECT 1 FROM current c WHERE starts_with(c.key, e.key))
             UNION ALL
             SELECT CASE WHEN r.key IS NULL THEN 'added' WHEN c.key IS NULL THEN 'dropped' ELSE 'altered' END,
                    coalesce(c.key, r.key),
                    coalesce((SELECT b.objects ? coalesce(c.key, r.key) FROM baseline b), false)::text
                 FROM current c FULL JOIN recorded r ON r.key = c.key
                 WHERE c.hash IS DISTINCT FROM r.hash AND EXISTS (SELECT 1 FROM latest)
             UNION ALL
             SELECT 'since', to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS \"UTC\"'), NULL FROM latest"
        );
        let expected = expected.join("\u{1f}");
        let rows = session
            .query_texts(&sql, &[&self.schema, ledger_table, &expected])
            .map_err(|error| session.error("compare the catalog with the last snapshot", &error))?;
        let mut comparison = Comparison::default();
        for row in rows {
            let mut columns = row.into_iter();
            let kind = columns.next().flatten().unwrap_or_default();
            let key = columns.next().flatten().unwrap_or_default();
            let in_baseline = columns.next().flatten().as_deref() == Some("true");
            match kind.as_str() {
                "missing" => comparison.missing.push(key),
                "since" => comparison.since = Some(key),
                change => comparison.changes.push(Change {
                    kind: match change {
                        "added" => ChangeKind::Added,
                        "dropped" => ChangeKind::Dropped,
                        _ => ChangeKind::Altered,
                    },
                    key,
                    in_baseline,
                }),
            }
        }
        comparison
            .changes
            .sort_by(|left, right| left.key.cmp(&right.key));
        comparison.missing.sort();
        Ok(comparison)
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
