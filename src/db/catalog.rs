//! What the database holds, as `plan` compares it: a [`Catalog`] snapshot (every schema object
//! outside the system schemas and the ledger, each with a hash of its definition), and
//! prerequisite checks through information_schema.
//!
//! The snapshot reads pg_catalog, not information_schema: information_schema has no index or
//! trigger definitions, shows only objects the current user has privileges on, and its views
//! are several times slower on a database of 10,000 tables. The server hashes each definition
//! and aggregates everything into one JSON value, so a snapshot is one query and one row,
//! whatever the size of the schema.
//!
//! Objects are keyed by [`ObjectKey`]. The server answers each object's kind and name parts
//! apart, so a fresh catalog never splits a name (quoted names may hold spaces and dots). A
//! snapshot's JSON form, stored beside the ledger and read back by later versions, keys
//! objects by their text (`table public.users`), as it always has: [`Catalog::to_json`]
//! renders the keys, [`Catalog::from_json`] reads them back (a key it cannot read stays as
//! its text, [`ObjectKey::Unparsed`]).
//!
//! Prerequisites (`requires`) are checked through information_schema as our users already do
//! by hand (seed 001), one query per kind of object with all names passed as arrays: a constant
//! number of queries however many prerequisites there are.

use std::collections::BTreeMap;

use super::error::DbError;
use super::session::{Session, SqlError, Transaction};
use crate::object::ObjectKey;

/// Every schema object of a database (`table public.users`, `column public.users.email`,
/// `index public.users_pkey`, `function public.f(integer)`, …), with an MD5 of its definition.
/// Keys are in text order, as they always were (see [`ObjectKey`]'s order).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Catalog {
    objects: BTreeMap<ObjectKey, String>,
}

/// How two snapshots differ, each list in key order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CatalogDiff {
    /// Objects in the newer snapshot only.
    pub added: Vec<ObjectKey>,
    /// Objects in the older snapshot only.
    pub dropped: Vec<ObjectKey>,
    /// Objects in both whose definitions differ.
    pub altered: Vec<ObjectKey>,
}

impl CatalogDiff {
    /// Whether the snapshots are the same.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.dropped.is_empty() && self.altered.is_empty()
    }
}

/// A schema object a prerequisite names, as `plan` checks it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum CatalogObject {
    /// A schema.
    Schema(String),
    /// A table or view: schema, name.
    Table(String, String),
    /// A column: schema, table, column.
    Column(String, String, String),
    /// An installed extension.
    Extension(String),
}

impl Catalog {
    /// A catalog from `(key, hash)` pairs.
    pub fn from_objects(objects: impl IntoIterator<Item = (ObjectKey, String)>) -> Catalog {
        Catalog {
            objects: objects.into_iter().collect(),
        }
    }

    /// Reads the whole catalog in one query, leaving out system schemas, objects that belong
    /// to extensions (the extension itself is listed), and the ledger's own objects (those in
    /// `ledger_schema` whose names start with `ledger_table`).
    pub fn read(
        session: &mut Session,
        ledger_schema: &str,
        ledger_table: &str,
    ) -> Result<Catalog, DbError> {
        let rows = session
            .query_texts(
                &snapshot_sql(CatalogScope::Database),
                &[ledger_schema, ledger_table],
            )
            .map_err(|error| session.error("read the catalog", &error))?;
        let json = rows
            .into_iter()
            .next()
            .and_then(|row| row.into_iter().next().flatten())
            .unwrap_or_else(|| "[]".to_string());
        Catalog::from_listing(&json).ok_or_else(|| DbError::Query {
            action: "read the catalog".to_string(),
            target: session.target().to_string(),
            detail: "the server returned a snapshot that is not a JSON list of objects".to_string(),
            server_code: None,
        })
    }

    /// Parses the server's listing ([`snapshot_sql`]): a JSON array of `[kind, schema, table,
    /// name, arguments, hash]`, the name parts apart so that none is ever split.
    fn from_listing(json: &str) -> Option<Catalog> {
        type Listed = (
            String,
            Option<String>,
            Option<String>,
            String,
            Option<String>,
            String,
        );
        let listed: Vec<Listed> = serde_json::from_str(json).ok()?;
        Some(Catalog {
            objects: listed
                .into_iter()
                .map(|(kind, schema, table, name, arguments, hash)| {
                    let key = ObjectKey::from_parts(
                        &kind,
                        schema.as_deref(),
                        table.as_deref(),
                        &name,
                        arguments.as_deref(),
                    );
                    (key, hash)
                })
                .collect(),
        })
    }

    /// Parses the stored JSON form (`{"table public.t": "hash", …}`), each key read back by
    /// [`ObjectKey::from_catalog_key`] (one it cannot read is kept as its text). A `null` hash,
    /// which snapshots recorded by earlier versions hold for procedures, reads as an empty
    /// hash: it differs from every real one, as the server-side comparison also finds.
    pub fn from_json(json: &str) -> Option<Catalog> {
        let objects: BTreeMap<String, Option<String>> = serde_json::from_str(json).ok()?;
        Some(Catalog {
            objects: objects
                .into_iter()
                .map(|(key, hash)| (ObjectKey::from_catalog_key(&key), hash.unwrap_or_default()))
                .collect(),
        })
    }

    /// The stored JSON form, keys as text and sorted: the form snapshots have always been
    /// stored in, which later versions read back.
    pub fn to_json(&self) -> String {
        serde_json::to_string(&self.texts()).unwrap_or_else(|_| "{}".to_string())
    }

    /// Each object's text key with its hash, sorted by text. Two keys whose texts coincide
    /// (see [`ObjectKey`]) give one entry, the later one's, as a text-keyed map always did.
    fn texts(&self) -> BTreeMap<String, &str> {
        self.objects
            .iter()
            .map(|(key, hash)| (key.catalog_key(), hash.as_str()))
            .collect()
    }

    /// A hash of the whole snapshot: equal catalogs have equal fingerprints.
    pub fn fingerprint(&self) -> String {
        use sha2::{Digest, Sha256};
        let mut hasher = Sha256::new();
        for (key, hash) in self.texts() {
            hasher.update(key.as_bytes());
            hasher.update([0]);
            hasher.update(hash.as_bytes());
            hasher.update([0]);
        }
        hasher
            .finalize()
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect()
    }

    /// Whether an object is present (`table public.users`). A function is listed by its
    /// overloads: see [`Catalog::names`].
    pub fn contains(&self, key: &ObjectKey) -> bool {
        self.objects.contains_key(key)
    }

    /// Whether the catalog holds what `key` names: the object itself, or for
    /// [`ObjectKey::Function`] any of its overloads.
    pub fn names(&self, key: &ObjectKey) -> bool {
        match key {
            ObjectKey::Function { .. } => self.objects.keys().any(|listed| key.names(listed)),
            _ => self.contains(key),
        }
    }

    /// The definition hash of an object.
    pub fn hash_of(&self, key: &ObjectKey) -> Option<&str> {
        self.objects.get(key).map(String::as_str)
    }

    /// Every object key, sorted.
    pub fn keys(&self) -> impl Iterator<Item = &ObjectKey> {
        self.objects.keys()
    }

    /// How many objects it holds.
    pub fn len(&self) -> usize {
        self.objects.len()
    }

    /// Whether it holds nothing.
    pub fn is_empty(&self) -> bool {
        self.objects.is_empty()
    }

    /// What changed from `self` (older) to `newer`.
    pub fn diff(&self, newer: &Catalog) -> CatalogDiff {
        let mut diff = CatalogDiff::default();
        for (key, hash) in &newer.objects {
            match self.objects.get(key) {
                None => diff.added.push(key.clone()),
                Some(old) if old != hash => diff.altered.push(key.clone()),
                Some(_) => {}
            }
        }
        for key in self.objects.keys() {
            if !newer.objects.contains_key(key) {
                diff.dropped.push(key.clone());
            }
        }
        diff
    }
}

/// Which of `objects` are missing, checked through information_schema in at most four queries
/// (one per kind present), however many objects there are.
pub(crate) fn missing_objects(
    work: &mut Transaction<'_>,
    objects: &[CatalogObject],
) -> Result<Vec<CatalogObject>, SqlError> {
    let mut present: std::collections::BTreeSet<CatalogObject> = std::collections::BTreeSet::new();
    let schemas: Vec<&str> = objects
        .iter()
        .filter_map(|object| match object {
            CatalogObject::Schema(schema) => Some(schema.as_str()),
            _ => None,
        })
        .collect();
    if !schemas.is_empty() {
        let rows = work.query_texts(
            "SELECT schema_name::text FROM information_schema.schemata
             WHERE schema_name = ANY(string_to_array($1, chr(31)))",
            &[Some(&schemas.join("\u{1f}"))],
        )?;
        present.extend(
            rows.into_iter()
                .filter_map(|row| row.into_iter().next().flatten().map(CatalogObject::Schema)),
        );
    }
    let tables: Vec<(&str, &str)> = objects
        .iter()
        .filter_map(|object| match object {
            CatalogObject::Table(schema, table) => Some((schema.as_str(), table.as_str())),
            _ => None,
        })
        .collect();
    if !tables.is_empty() {
        let rows = work.query_texts(
            "SELECT table_schema::text, table_name::text FROM information_schema.tables
             WHERE (table_schema, table_name) IN (
                 SELECT * FROM unnest(string_to_array($1, chr(31)), string_to_array($2, chr(31))))",
            &[
                Some(
                    &tables
                        .iter()
                        .map(|(schema, _)| *schema)
                        .collect::<Vec<_>>()
                        .join("\u{1f}"),
                ),
                Some(
                    &tables
                        .iter()
                        .map(|(_, table)| *table)
                        .collect::<Vec<_>>()
                        .join("\u{1f}"),
                ),
            ],
        )?;
        present.extend(rows.into_iter().filter_map(|row| {
            let mut columns = row.into_iter().flatten();
            Some(CatalogObject::Table(columns.next()?, columns.next()?))
        }));
    }
    let columns: Vec<(&str, &str, &str)> = objects
        .iter()
        .filter_map(|object| match object {
            CatalogObject::Column(schema, table, column) => {
                Some((schema.as_str(), table.as_str(), column.as_str()))
            }
            _ => None,
        })
        .collect();
    if !columns.is_empty() {
        let join = |part: usize| {
            columns
                .iter()
                .map(|column| match part {
                    0 => column.0,
                    1 => column.1,
                    _ => column.2,
                })
                .collect::<Vec<_>>()
                .join("\u{1f}")
        };
        let rows = work.query_texts(
            "SELECT table_schema::text, table_name::text, column_name::text FROM information_schema.columns
             WHERE (table_schema, table_name, column_name) IN (
                 SELECT * FROM unnest(string_to_array($1, chr(31)), string_to_array($2, chr(31)),
                                      string_to_array($3, chr(31))))",
            &[
                Some(&join(0)),
                Some(&join(1)),
                Some(&join(2)),
            ],
        )?;
        present.extend(rows.into_iter().filter_map(|row| {
            let mut columns = row.into_iter().flatten();
            Some(CatalogObject::Column(
                columns.next()?,
                columns.next()?,
                columns.next()?,
            ))
        }));
    }
    let extensions: Vec<&str> = objects
        .iter()
        .filter_map(|object| match object {
            CatalogObject::Extension(name) => Some(name.as_str()),
            _ => None,
        })
        .collect();
    if !extensions.is_empty() {
        // Extensions are not in information_schema; pg_extension is the only place.
        let rows = work.query_texts(
            "SELECT extname::text FROM pg_extension WHERE extname = ANY(string_to_array($1, chr(31)))",
            &[Some(&extensions.join("\u{1f}"))],
        )?;
        present.extend(rows.into_iter().filter_map(|row| {
            row.into_iter()
                .next()
                .flatten()
                .map(CatalogObject::Extension)
        }));
    }
    Ok(objects
        .iter()
        .filter(|object| !present.contains(object))
        .cloned()
        .collect())
}

/// The `WITH` clause listing every object as `object(key, definition, kind, schema_name,
/// table_name, object_name, arguments)`: its text key (`table public.users`, what snapshots
/// store and compare) and the same key in parts, from which [`Catalog::read`] builds an
/// [`ObjectKey`] (the kind word; the schema, NULL for a schema or an extension; the table, for
/// a column, constraint or trigger; its own name; a routine's identity arguments). `$1` is the
/// ledger's schema, `$2` its table name; objects in that schema whose names start with the
/// table name are the ledger's own and left out, and so is the ledger schema itself.
///
/// Neither `key` nor `definition` is ever NULL. Every catalog function that can answer NULL
/// for some object (`pg_get_function_result` for a procedure; `pg_get_viewdef`,
/// `pg_get_triggerdef`, `pg_get_expr`, `pg_get_function_identity_arguments` and
/// `pg_get_functiondef` for an object dropped while the snapshot is read) is wrapped where it
/// is called, so that what it stands for still reaches the hash; `concat_ws` skips NULL fields
/// by itself. The `rendered` step writes the text key from the parts (as
/// `ObjectKey::catalog_key` does), and the final `object` step leaves out a row whose key is
/// still NULL (a routine dropped while it was read, whose arguments are NULL) and gives a NULL
/// definition a fixed text, because one NULL would make the whole snapshot something other
/// than a JSON object of strings (`jsonb_object_agg` refuses a NULL key, and a NULL hash reads
/// back as JSON null and never differs from the next one).
const OBJECTS: &str = r#"
WITH
covered_namespace AS (
    SELECT oid FROM pg_namespace
    WHERE /*covered*/
),
relation AS (
    SELECT c.oid, c.relname, c.relkind, c.relpersistence, c.relam, n.nspname
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relnamespace IN (SELECT oid FROM covered_namespace)
      AND NOT EXISTS (SELECT 1 FROM pg_depend x WHERE x.classid = 'pg_class'::regclass
                      AND x.objid = c.oid AND x.deptype = 'e')
      AND NOT (n.nspname = $1 AND c.relname LIKE replace($2, '_', '\_') || '%')
),
listed(kind, schema_name, table_name, object_name, arguments, definition) AS (
    -- The first branch sets the column types of the whole UNION: pg_get_userbyid answers a
    -- `name`, which would cut every definition below to 63 bytes, so it is cast to text, and
    -- so are the names.
    SELECT 'schema'::text, NULL::text, NULL::text, n.nspname::text, NULL::text,
           pg_get_userbyid(n.nspowner)::text
    FROM pg_namespace n
    WHERE n.oid IN (SELECT oid FROM covered_namespace)
      AND NOT EXISTS (SELECT 1 FROM pg_depend x WHERE x.classid = 'pg_namespace'::regclass
                      AND x.objid = n.oid AND x.deptype = 'e')
      AND n.nspname <> $1
  UNION ALL
    SELECT CASE r.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view'
                          WHEN 'S' THEN 'sequence' WHEN 'f' THEN 'foreign table'
                          ELSE 'table' END, r.nspname::text, NULL, r.relname::text, NULL,
           r.relkind::text || r.relpersistence::text ||
           CASE WHEN r.relkind IN ('v', 'm') THEN coalesce(pg_get_viewdef(r.oid), '') ELSE '' END
    FROM relation r WHERE r.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
  UNION ALL
    SELECT 'column', r.nspname::text, r.relname::text, a.attname::text, NULL,
           -- Type oid and modifier rather than format_type(): the hash only needs to change
           -- when the type does, and 40,000 format_type() calls cost tens of milliseconds.
           -- Built-in types (OIDs below 16384) keep their OIDs everywhere; a user type is named,
           -- since a restore renumbers it.
           CASE WHEN a.atttypid < 16384 THEN a.atttypid::text
                ELSE coalesce(format_type(a.atttypid, NULL), a.atttypid::text) END
           || ':' || a.atttypmod::text || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
           || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '')
           || coalesce(' generated ' || nullif(a.attgenerated::text, ''), '')
    FROM relation r
    JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE r.relkind IN ('r', 'p', 'v', 'm', 'f')
  UNION ALL
    -- Raw pg_index fields rather than pg_get_indexdef: deparsing 20,000 index definitions
    -- takes over half a second, and a hash only needs to change when the index does.
    SELECT 'index', r.nspname::text, NULL, r.relname::text, NULL,
           concat_ws(' ', t.relname, am.amname, i.indisunique, i.indkey, i.indclass, i.indoption,
                     i.indexprs::text, i.indpred::text)
    FROM relation r
    JOIN pg_index i ON i.indexrelid = r.oid
    JOIN pg_class t ON t.oid = i.indrelid
    LEFT JOIN pg_am am ON am.oid = r.relam
    WHERE r.relkind IN ('i', 'I')
  UNION ALL
    -- Raw fields for the same reason as indexes.
    SELECT 'constraint', r.nspname::text, r.relname::text, con.conname::text, NULL,
           -- The referenced table by name, not OID: a restore or a dropped and recreated table
           -- gives new OIDs to the same schema.
           concat_ws(' ', con.contype, con.conkey, con.confrelid::regclass::text, con.confkey, con.confupdtype,
                     con.confdeltype, con.condeferrable, con.condeferred, con.convalidated,
                     con.conbin::text)
    FROM pg_constraint con JOIN relation r ON r.oid = con.conrelid
  UNION ALL
    SELECT 'trigger', r.nspname::text, r.relname::text, t.tgname::text, NULL,
           coalesce(pg_get_triggerdef(t.oid), t.tgname)
    FROM pg_trigger t JOIN relation r ON r.oid = t.tgrelid
    WHERE NOT t.tgisinternal
  UNION ALL
    -- Every routine: function, procedure (prokind p), aggregate (a) and window function (w).
    -- The first part is kind, result, language and source. A procedure has no result
    -- (pg_get_function_result answers NULL), and two kinds keep their definition elsewhere
    -- than in prosrc, so it is added for them alone (every other routine keeps the hash it
    -- always had): an aggregate's prosrc is a placeholder, its definition is its pg_aggregate
    -- row (support functions by signature, types by name, so a restore keeps the hash); a
    -- SQL-standard body (BEGIN ATOMIC, RETURN) leaves prosrc empty, and its deparsed text
    -- names what it uses where the stored tree would hold OIDs. pg_get_functiondef refuses
    -- aggregates, which the CASE keeps away from it.
    SELECT 'function', n.nspname::text, NULL, p.proname::text, pg_get_function_identity_arguments(p.oid),
           p.prokind::text || coalesce(pg_get_function_result(p.oid), '') || ' ' || l.lanname || ' '
           || md5(coalesce(p.prosrc, ''))
           || CASE WHEN p.prokind = 'a' THEN
                   coalesce((SELECT ' aggregate ' || concat_ws(' ', g.aggkind, g.aggnumdirectargs,
                                g.aggtransfn::regprocedure::text, g.aggfinalfn::regprocedure::text,
                                g.aggcombinefn::regprocedure::text, g.aggserialfn::regprocedure::text,
                                g.aggdeserialfn::regprocedure::text, g.aggmtransfn::regprocedure::text,
                                g.aggminvtransfn::regprocedure::text, g.aggmfinalfn::regprocedure::text,
                                g.aggfinalextra, g.aggmfinalextra, g.aggfinalmodify, g.aggmfinalmodify,
                                g.aggsortop::regoperator::text, format_type(g.aggtranstype, NULL),
                                g.aggtransspace, format_type(g.aggmtranstype, NULL), g.aggmtransspace,
                                'init', quote_nullable(g.agginitval), quote_nullable(g.aggminitval))
                             FROM pg_aggregate g WHERE g.aggfnoid = p.oid), ' aggregate')
                   WHEN coalesce(p.prosrc, '') = '' THEN
                   ' body ' || md5(coalesce(pg_get_functiondef(p.oid), ''))
                   ELSE '' END
    FROM pg_proc p
    JOIN pg_namespace n ON n.oid = p.pronamespace
    JOIN pg_language l ON l.oid = p.prolang
    WHERE p.pronamespace IN (SELECT oid FROM covered_namespace)
      AND NOT EXISTS (SELECT 1 FROM pg_depend x WHERE x.classid = 'pg_proc'::regclass
                      AND x.objid = p.oid AND x.deptype = 'e')
      AND NOT (n.nspname = $1 AND p.proname LIKE replace($2, '_', '\_') || '%')
  UNION ALL
    SELECT 'type', n.nspname::text, NULL, t.typname::text, NULL,
           t.typtype::text || coalesce((SELECT string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder)
                                  FROM pg_enum e WHERE e.enumtypid = t.oid), '')
    FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
    WHERE t.typnamespace IN (SELECT oid FROM covered_namespace)
      AND NOT EXISTS (SELECT 1 FROM pg_depend x WHERE x.classid = 'pg_type'::regclass
                      AND x.objid = t.oid AND x.deptype = 'e')
      AND t.typtype IN ('e', 'd', 'r', 'm')
      AND n.nspname <> $1
  UNION ALL
    SELECT 'extension', NULL, NULL, e.extname::text, NULL, e.extversion || ' ' || n.nspname
    FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
    WHERE e.extname <> 'plpgsql' AND /*database_wide*/
),
rendered AS (
    -- The text key, as ObjectKey::catalog_key writes it.
    SELECT kind || ' ' || CASE WHEN table_name IS NOT NULL
                                   THEN schema_name || '.' || table_name || '.' || object_name
                               WHEN schema_name IS NOT NULL THEN schema_name || '.' || object_name
                               ELSE object_name END
                || CASE WHEN kind = 'function' THEN '(' || arguments || ')' ELSE '' END AS key,
           coalesce(definition, 'unreadable') AS definition,
           kind, schema_name, table_name, object_name, arguments
    FROM listed
),
object(key, definition, kind, schema_name, table_name, object_name, arguments) AS (
    SELECT * FROM rendered WHERE key IS NOT NULL
)
"#;

/// Which objects a catalog snapshot covers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum CatalogScope {
    /// Every schema of the database but the system's, and its extensions: a database whose
    /// ledger is its own.
    #[default]
    Database,
    /// The ledger's schema alone: a tenant schema with its own ledger (a fleet's `schemas:`),
    /// whose snapshot is not about the other tenants' objects, the database's schemas or its
    /// extensions. It also keeps each tenant's snapshot as small as the tenant, however many
    /// tenants share the catalog.
    LedgerSchema,
}

/// [`OBJECTS`] for `scope`: the objects of the covered schemas (parameters: `$1` the ledger's
/// schema, `$2` the ledger's table, whose objects are left out).
pub(crate) fn objects_sql(scope: CatalogScope) -> String {
    let (covered, database_wide) = match scope {
        CatalogScope::Database => (
            "nspname NOT IN ('pg_catalog', 'information_schema') \
             AND nspname NOT LIKE 'pg\\_toast%' AND nspname NOT LIKE 'pg\\_temp\\_%'",
            "true",
        ),
        CatalogScope::LedgerSchema => ("nspname = $1", "false"),
    };
    OBJECTS
        .replace("/*covered*/", covered)
        .replace("/*database_wide*/", database_wide)
}

/// The snapshot as one JSON value, a list of `[kind, schema, table, name, arguments, hash]`,
/// with the same parameters as [`OBJECTS`].
fn snapshot_sql(scope: CatalogScope) -> String {
    format!(
        "{} SELECT coalesce(json_agg(json_build_array(kind, schema_name, table_name, \
         object_name, arguments, md5(definition))), '[]'::json)::text FROM object",
        objects_sql(scope)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog(objects: &[(&str, &str)]) -> Catalog {
        Catalog::from_objects(
            objects
                .iter()
                .map(|(key, hash)| (ObjectKey::from_catalog_key(key), hash.to_string())),
        )
    }

    /// Keys as text, for assertions.
    fn texts(keys: &[ObjectKey]) -> Vec<String> {
        keys.iter().map(ObjectKey::catalog_key).collect()
    }

    #[test]
    fn diff_lists_added_dropped_and_altered_objects() {
        let before = catalog(&[
            ("table public.a", "1"),
            ("table public.b", "2"),
            ("column public.a.x", "3"),
        ]);
        let after = catalog(&[
            ("table public.a", "1"),
            ("column public.a.x", "4"),
            ("table public.c", "5"),
        ]);
        let diff = before.diff(&after);
        assert_eq!(texts(&diff.added), ["table public.c"]);
        assert_eq!(texts(&diff.dropped), ["table public.b"]);
        assert_eq!(texts(&diff.altered), ["column public.a.x"]);
        assert!(before.diff(&before).is_empty());
    }

    #[test]
    fn json_round_trips_and_fingerprints_follow_content() {
        let original = catalog(&[("table public.a", "1"), ("index public.a_pkey", "2")]);
        let again = Catalog::from_json(&original.to_json()).expect("valid JSON");
        assert_eq!(original, again);
        assert_eq!(original.fingerprint(), again.fingerprint());
        assert_ne!(
            original.fingerprint(),
            catalog(&[("table public.a", "1")]).fingerprint()
        );
        assert_eq!(Catalog::from_json("[1]"), None);
        assert_eq!(Catalog::from_json(r#"{"table public.a": 1}"#), None);
    }

    #[test]
    fn the_stored_form_keeps_its_text_keys_whatever_they_hold() {
        // As recorded: sorted text keys, among them names with spaces, dots and quotes, a kind
        // a later version might add, and an ambiguous dotted name.
        let stored = r#"{"column a.b.my table.x":"1","function a.b.f(integer)":"2","function public.f(integer, text)":"3","materialized view s.m v":"4","policy s.t.p":"5","table a.b.my table":"6","table public.\"q\" t":"7"}"#;
        let catalog = Catalog::from_json(stored).expect("a JSON object of strings");
        assert_eq!(catalog.to_json(), stored);
        assert!(catalog.contains(&ObjectKey::from_catalog_key("materialized view s.m v")));
        assert!(catalog.names(&ObjectKey::function("public", "f")));
        assert!(catalog.contains(&ObjectKey::Unparsed("policy s.t.p".to_string())));
        // The fingerprint is over the text form, as it always was.
        let same_text = Catalog::from_objects([(
            ObjectKey::from_parts("table", Some("a.b"), None, "my table", None),
            "6".to_string(),
        )]);
        let unparsed = Catalog::from_json(r#"{"table a.b.my table":"6"}"#).expect("valid");
        assert_eq!(same_text.fingerprint(), unparsed.fingerprint());
    }

    #[test]
    fn the_listing_keeps_name_parts_apart() {
        let listing = r#"[["table","a.b",null,"my table",null,"1"],["materialized view","s",null,"m.v",null,"2"],["column","a.b","my table","e.mail",null,"3"],["function","a.b","t","f","integer","4"],["function","a.b",null,"f","integer","5"],["schema",null,null,"a.b","a.b","6"]]"#;
        let catalog = Catalog::from_listing(listing).expect("a listing");
        let keys: Vec<String> = catalog.keys().map(|key| format!("{key:?}")).collect();
        assert_eq!(
            keys.join("\n"),
            "OfTable { kind: Column, schema: \"a.b\", table: \"my table\", name: \"e.mail\" }\n\
             Overload { schema: \"a.b\", name: \"f\", arguments: \"integer\" }\n\
             Unparsed(\"function a.b.t.f(integer)\")\n\
             InSchema { kind: MaterializedView, schema: \"s\", name: \"m.v\" }\n\
             Unparsed(\"schema a.b(a.b)\")\n\
             InSchema { kind: Table, schema: \"a.b\", name: \"my table\" }"
        );
        assert_eq!(Catalog::from_listing("{}"), None);
        assert_eq!(Catalog::from_listing("[]"), Some(Catalog::default()));
    }

    #[test]
    fn a_null_hash_from_an_older_snapshot_reads_as_one_that_differs_from_any_other() {
        let stored = Catalog::from_json(r#"{"function public.p()": null, "table public.a": "1"}"#)
            .expect("a null hash is accepted");
        let procedure = ObjectKey::from_catalog_key("function public.p()");
        assert_eq!(stored.hash_of(&procedure), Some(""));
        let now = catalog(&[("function public.p()", "2"), ("table public.a", "1")]);
        assert_eq!(texts(&stored.diff(&now).altered), ["function public.p()"]);
    }
}
