//! Catalog snapshots recorded beside the ledger (`<tracking table>_catalog`): the baseline
//! taken before the plan's first apply, and one after every apply and rollback run, so that
//! `check-schema` can tell drift (changes made outside the plan since the last run) from the
//! plan's own work and from a base schema that some other system owns.
//!
//! Snapshots are stored as JSON keyed by each object's text (`table public.users`), the form
//! every version of plan has written and reads back; the comparison runs on the server in that
//! text, and its answer comes back as [`ObjectKey`]s: an object the database holds by its
//! parts, an expected one as it was asked for, and one only the snapshot holds read back from
//! its text ([`ObjectKey::from_catalog_key`]).

use super::catalog::{CatalogScope, objects_sql};
use super::error::DbError;
use super::quote::quote_identifier;
use super::session::Session;
use crate::object::ObjectKey;

/// Makes the server plan the snapshot query once per session (`plan_cache_mode` is read when a
/// prepared statement is bound), for the transaction that records it.
const GENERIC_PLAN: &str = "SET LOCAL plan_cache_mode = force_generic_plan";

/// Why a snapshot was taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SnapshotReason {
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

/// The catalog now against the latest snapshot, and expected objects that are missing.
#[derive(Clone, Debug, Default)]
pub(crate) struct Comparison {
    /// When the latest snapshot was recorded; `None` when there is none.
    pub since: Option<String>,
    /// Expected objects the catalog does not have, in key order.
    pub missing: Vec<ObjectKey>,
    /// Objects added, dropped or altered since the latest snapshot, in key order.
    pub changes: Vec<Change>,
}

/// One object that changed since the latest snapshot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Change {
    /// Added, dropped or altered.
    pub kind: ChangeKind,
    /// The object.
    pub key: ObjectKey,
    /// Whether the object was already there before the plan's first apply.
    pub in_baseline: bool,
}

/// How an object changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ChangeKind {
    /// Not in the snapshot.
    Added,
    /// Only in the snapshot.
    Dropped,
    /// Its definition differs.
    Altered,
}

/// The snapshot table of a ledger.
#[derive(Clone, Debug)]
pub(crate) struct Snapshots {
    schema: String,
    /// Which objects a snapshot covers.
    scope: CatalogScope,
    table: String,
}

impl Snapshots {
    /// The snapshots kept beside the tracking table `schema.table`.
    pub(crate) fn new(schema: &str, ledger_table: &str, scope: CatalogScope) -> Snapshots {
        Snapshots {
            schema: schema.to_string(),
            scope,
            table: format!("{ledger_table}_catalog"),
        }
    }

    /// Which objects a snapshot covers.
    pub(crate) fn scope(&self) -> CatalogScope {
        self.scope
    }

    fn table_sql(&self) -> String {
        format!(
            "{}.{}",
            quote_identifier(&self.schema),
            quote_identifier(&self.table)
        )
    }

    /// Creates the table when missing (the ledger's schema must exist). Call with the lock held.
    pub(crate) fn ensure(&self, session: &mut Session) -> Result<(), DbError> {
        let sql = self.create_sql();
        session
            .run(&sql)
            .map_err(|error| session.error("create the catalog snapshot table", &error))
    }

    /// The `CREATE TABLE IF NOT EXISTS` of the snapshot table.
    fn create_sql(&self) -> String {
        format!(
            "CREATE TABLE IF NOT EXISTS {} (
                 snapshot bigserial PRIMARY KEY,
                 reason text NOT NULL CHECK (reason IN ('baseline', 'apply', 'rollback')),
                 batch integer,
                 recorded_at timestamptz NOT NULL DEFAULT now(),
                 fingerprint text NOT NULL,
                 objects jsonb NOT NULL
             )",
            self.table_sql()
        )
    }

    /// [`Snapshots::ensure`], then whether the table holds any snapshot (the baseline is
    /// taken only once), in one round trip instead of three. Call with the lock held.
    pub(crate) fn ensure_holding_any(&self, session: &mut Session) -> Result<bool, DbError> {
        let sql = format!(
            "{create};\nSELECT EXISTS (SELECT 1 FROM {table})::text",
            create = self.create_sql(),
            table = self.table_sql()
        );
        let row = session
            .run_then_last_row(&sql)
            .map_err(|error| session.error("create the catalog snapshot table", &error))?;
        Ok(row.first().cloned().flatten().as_deref() == Some("true"))
    }

    /// Records the catalog as it is now, computed and stored by the server in one statement
    /// (nothing is sent back: a 10,000-table catalog is megabytes of JSON).
    pub(crate) fn record_current(
        &self,
        session: &mut Session,
        reason: SnapshotReason,
        batch: Option<i32>,
        ledger_table: &str,
    ) -> Result<(), DbError> {
        let sql = format!(
            "{objects},
             aggregated AS (
                 SELECT coalesce(jsonb_object_agg(key, md5(definition)), '{{}}'::jsonb) AS objects FROM object)
             INSERT INTO {table} (reason, batch, fingerprint, objects)
             SELECT $3, $4::text::int, md5(objects::text), objects FROM aggregated",
            objects = objects_sql(self.scope),
            table = self.table_sql()
        );
        let batch = batch.map(|batch| batch.to_string());
        let result = session.begin().and_then(|mut work| {
            // The statement is kept on the session (`Transaction::execute`) and a first apply
            // runs it twice, baseline and after: with a generic plan the second one skips
            // planning, which was a quarter of its time (8 ms of 35 ms at 1,000 tables; the
            // plan's execution time is the same). Only for this transaction.
            work.run(GENERIC_PLAN)?;
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
    /// `expected` objects (an [`ObjectKey::Function`] is found by any of its overloads), all in
    /// one query whose answer holds only the differences.
    pub(crate) fn compare(
        &self,
        session: &mut Session,
        ledger_table: &str,
        expected: &[ObjectKey],
    ) -> Result<Comparison, DbError> {
        let exists = self.exists(session)?;
        let snapshots = if exists {
            self.table_sql()
        } else {
            // No snapshot table yet: compare against nothing.
            "(SELECT NULL::bigint AS snapshot, NULL::text AS reason, NULL::timestamptz AS recorded_at, NULL::jsonb AS objects WHERE false) AS none".to_string()
        };
        // Expected keys go as text (a function's as its prefix, `function s.f(`), and come
        // back by position. A change comes back with the parts of the object the database
        // holds, or else with the position of the expected key that names it, so that only a
        // key neither side knows is read back from its text.
        let sql = format!(
            "{objects},
             current AS (SELECT key, md5(definition) AS hash, kind, schema_name, table_name, object_name, arguments FROM object),
             latest AS (SELECT objects, recorded_at FROM {snapshots} ORDER BY snapshot DESC LIMIT 1),
             baseline AS (SELECT objects FROM {snapshots} WHERE reason = 'baseline' ORDER BY snapshot LIMIT 1),
             recorded AS (SELECT entry.key, entry.value AS hash FROM latest, jsonb_each_text(latest.objects) AS entry),
             expected AS (SELECT listed.key, listed.position - 1 AS position
                          FROM unnest(string_to_array($3, chr(31))) WITH ORDINALITY AS listed(key, position))
             SELECT 'missing', NULL, NULL, e.position::text, NULL, NULL, NULL, NULL, NULL
                 FROM expected e LEFT JOIN current c ON c.key = e.key
                 WHERE c.key IS NULL AND right(e.key, 1) <> '('
             UNION ALL
             SELECT 'missing', NULL, NULL, e.position::text, NULL, NULL, NULL, NULL, NULL FROM expected e
                 WHERE right(e.key, 1) = '(' AND NOT EXISTS (SELECT 1 FROM current c WHERE starts_with(c.key, e.key))
             UNION ALL
             SELECT CASE WHEN r.key IS NULL THEN 'added' WHEN c.key IS NULL THEN 'dropped' ELSE 'altered' END,
                    coalesce(c.key, r.key),
                    coalesce((SELECT b.objects ? coalesce(c.key, r.key) FROM baseline b), false)::text,
                    (SELECT min(e.position) FROM expected e
                         WHERE c.key IS NULL
                           AND (e.key = r.key OR (right(e.key, 1) = '(' AND starts_with(r.key, e.key))))::text,
                    c.kind, c.schema_name, c.table_name, c.object_name, c.arguments
                 FROM current c FULL JOIN recorded r ON r.key = c.key
                 WHERE c.hash IS DISTINCT FROM r.hash AND EXISTS (SELECT 1 FROM latest)
             UNION ALL
             SELECT 'since', to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS \"UTC\"'),
                    NULL, NULL, NULL, NULL, NULL, NULL, NULL FROM latest",
            objects = objects_sql(self.scope),
        );
        let texts: Vec<String> = expected.iter().map(ObjectKey::catalog_key).collect();
        let texts = texts.join("\u{1f}");
        let rows = session
            .query_texts(&sql, &[&self.schema, ledger_table, &texts])
            .map_err(|error| session.error("compare the catalog with the last snapshot", &error))?;
        let mut comparison = Comparison::default();
        for row in rows {
            let mut columns = row.into_iter().map(Option::unwrap_or_default);
            let mut next = || columns.next().unwrap_or_default();
            let (kind, text, in_baseline, position) = (next(), next(), next(), next());
            let position = position.parse::<usize>().ok();
            let parts = [next(), next(), next(), next(), next()];
            match kind.as_str() {
                "missing" => {
                    if let Some(key) = position.and_then(|position| expected.get(position)) {
                        comparison.missing.push(key.clone());
                    }
                }
                "since" => comparison.since = Some(text),
                change => comparison.changes.push(Change {
                    kind: match change {
                        "added" => ChangeKind::Added,
                        "dropped" => ChangeKind::Dropped,
                        _ => ChangeKind::Altered,
                    },
                    key: changed_key(&text, parts, position.and_then(|p| expected.get(p))),
                    in_baseline: in_baseline == "true",
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
    pub(crate) fn has_any(&self, session: &mut Session) -> Result<bool, DbError> {
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

/// The key of a changed object, from what the comparison answered: `parts` (kind, schema,
/// table, name, arguments; all empty when the database no longer holds it), or else the
/// expected key that names its `text`, or else `text` read back.
fn changed_key(text: &str, parts: [String; 5], expected: Option<&ObjectKey>) -> ObjectKey {
    let [kind, schema, table, name, arguments] = parts;
    fn given(part: &str) -> Option<&str> {
        (!part.is_empty()).then_some(part)
    }
    if !kind.is_empty() {
        // A routine without arguments has them empty, not NULL: only a function has them.
        let arguments = (kind == "function").then_some(arguments.as_str());
        return ObjectKey::from_parts(&kind, given(&schema), given(&table), &name, arguments);
    }
    match expected {
        // An overload of an expected function: its arguments follow the function's prefix.
        Some(ObjectKey::Function { schema, name }) => text
            .strip_prefix(&ObjectKey::function(schema, name).catalog_key())
            .and_then(|arguments| arguments.strip_suffix(')'))
            .map(|arguments| ObjectKey::Overload {
                schema: schema.clone(),
                name: name.clone(),
                arguments: arguments.to_string(),
            })
            .unwrap_or_else(|| ObjectKey::from_catalog_key(text)),
        Some(key) => key.clone(),
        None => ObjectKey::from_catalog_key(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The key `changed_key` gives, which always renders back to `text`.
    fn check(text: &str, parts: [&str; 5], expected: Option<ObjectKey>, expect: &str) {
        let key = changed_key(text, parts.map(str::to_string), expected.as_ref());
        assert_eq!(key.catalog_key(), text);
        assert_eq!(format!("{key:?}"), expect);
    }

    #[test]
    fn a_changed_object_is_keyed_by_its_parts_then_by_what_was_expected_then_by_its_text() {
        check(
            "table a.b.my table",
            ["table", "a.b", "", "my table", ""],
            None,
            r#"InSchema { kind: Table, schema: "a.b", name: "my table" }"#,
        );
        check(
            "function s.f()",
            ["function", "s", "", "f", ""],
            None,
            r#"Overload { schema: "s", name: "f", arguments: "" }"#,
        );
        // Dropped: the database has no parts left.
        check(
            "table a.b.c",
            Default::default(),
            Some(ObjectKey::from_parts("table", Some("a.b"), None, "c", None)),
            r#"InSchema { kind: Table, schema: "a.b", name: "c" }"#,
        );
        check(
            "function a.b.f(integer)",
            Default::default(),
            Some(ObjectKey::function("a", "b.f")),
            r#"Overload { schema: "a", name: "b.f", arguments: "integer" }"#,
        );
        check(
            "table a.b.c",
            Default::default(),
            None,
            r#"Unparsed("table a.b.c")"#,
        );
        check(
            "table s.t",
            Default::default(),
            None,
            r#"InSchema { kind: Table, schema: "s", name: "t" }"#,
        );
    }

    /// A first apply records two snapshots on one session, baseline and after: the second
    /// reuses the plan the first made (the server counts the times each plan was chosen).
    #[test]
    fn a_session_plans_its_snapshot_query_once() {
        use std::time::Duration;

        use crate::db::cluster::{ClusterOptions, ScratchCluster};
        use crate::db::lock::{LockKey, LockWait};
        use crate::db::run_lock::RunLock;
        use crate::db::table_lock::LockTable;

        let cluster = ScratchCluster::start(&ClusterOptions::socket_only())
            .unwrap_or_else(|error| panic!("could not start a scratch cluster: {error}"));
        let settings = cluster
            .create_database("snapshot_plan")
            .unwrap_or_else(|error| panic!("{error}"));
        let mut on_wait = |_: &crate::db::lock::LockWaiting<'_>| {};
        let mut wait = LockWait {
            timeout: Some(Duration::from_secs(30)),
            poll_interval: Duration::from_millis(50),
            on_wait: &mut on_wait,
            keep_waiting: &|| true,
        };
        // Locked, as an apply's session is: only such a session keeps its statements.
        let mut session = Session::connect(&settings)
            .and_then(|session| {
                session.lock(
                    &settings,
                    &LockKey::from_name("plan.migrations"),
                    RunLock::Advisory,
                    &LockTable::for_ledger("plan", "migrations"),
                    &mut wait,
                )
            })
            .unwrap_or_else(|error| panic!("{error}"));
        session
            .run("CREATE SCHEMA plan; CREATE TABLE public.t (id int PRIMARY KEY)")
            .unwrap_or_else(|error| panic!("{error}"));
        let snapshots = Snapshots::new("plan", "migrations", CatalogScope::Database);
        snapshots
            .ensure(&mut session)
            .unwrap_or_else(|error| panic!("{error}"));
        for (reason, batch) in [
            (SnapshotReason::Baseline, None),
            (SnapshotReason::Apply, Some(1)),
        ] {
            snapshots
                .record_current(&mut session, reason, batch, "migrations")
                .unwrap_or_else(|error| panic!("{error}"));
        }
        let plans = session
            .query_texts(
                "SELECT generic_plans::text || ' generic, ' || custom_plans::text || ' custom' \
                   FROM pg_catalog.pg_prepared_statements \
                  WHERE statement LIKE '%INSERT INTO \"plan\".\"migrations_catalog\"%'",
                &[],
            )
            .unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(plans, [[Some("2 generic, 0 custom".to_string())]]);
    }
}
