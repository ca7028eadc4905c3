//! What a migration's SQL does ([`effects_of`]): per statement, the objects it creates,
//! alters, renames, drops (and whether with `CASCADE`) and uses, as [`ObjectKey`]s with their
//! schema resolved through the `search_path` the migration sets, each with the span it came
//! from ([`StatementEffects`]); and, summed over the migration, what it leaves created and
//! dropped ([`Effects`]), with which objects a drop takes along ([`removes`], [`RemovedWith`]).
//!
//! Read by the parser (`parser/`), never guessed: what it cannot place is reported opaque.
//! Schemas are resolved as an approximation of PostgreSQL's: a name the statement qualifies is
//! in that schema; an unqualified one is in the first schema of the `search_path` the
//! migration set so far (`SET search_path`, `set_config('search_path', …)`; `$user` and
//! `pg_temp` skipped; `public` when none was set). PostgreSQL would look an unqualified name
//! up along the whole path (`pg_catalog` first), so a use of a built-in (`now()`, `text`)
//! comes out in that first schema, where nothing creates it. What the effects are compared
//! with (the catalog, a plan's prerequisites) is left to the engine and to `plan check-schema`
//! and `plan baseline`.

use std::ops::Range;

use indexmap::IndexMap;

use super::facts::{ObjectName, QualifiedName, StatementFacts};
use super::parser::parse;
use crate::object::ObjectKey;
use crate::project::{Migration, StepKind};

/// What a migration's SQL creates and drops, and what each of its statements does. A
/// function's key stands for every overload (its arguments are not read).
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Effects {
    /// Objects created and still there at the end of the migration, named ones the catalog
    /// snapshot lists only (an index PostgreSQL named itself cannot be looked up; a composite
    /// type is not listed), under their last name (a `RENAME` in the migration followed).
    pub created: Vec<ObjectKey>,
    /// Objects dropped (a dropped table or schema also covers what was in it).
    pub dropped: Vec<ObjectKey>,
    /// What else removes each named index and constraint created (see [`RemovedWith`]).
    pub removed_with: RemovedWith,
    /// Every statement's effects, in order: the forward SQL's, then each `sql` step's.
    pub statements: Vec<CatalogStatement>,
}

/// One statement's effects, with what the catalog snapshot lists of what it creates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CatalogStatement {
    /// What it does.
    pub effects: StatementEffects,
    /// The objects of `effects.creates` the catalog snapshot lists, each with what removes it
    /// (what `plan check-schema` expects: see `expected.rs`).
    pub created: Vec<CreatedObject>,
}

/// Which SQL text of a migration a statement is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SqlText {
    /// The migration's forward SQL.
    Up,
    /// Its `sql` step number `n` (from 0, among all its steps).
    Step(usize),
}

/// What one statement does, its names resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct StatementEffects {
    /// The text the statement is in.
    pub text: SqlText,
    /// Its byte range in that text (its `;` included).
    pub span: Range<usize>,
    /// Objects it creates (temporary ones left out), composite types and triggers included.
    pub creates: Vec<ObjectKey>,
    /// The objects of `creates` written `CREATE OR REPLACE`: when one is there already (an
    /// earlier migration made it), the statement changes it rather than making it.
    pub replaces: Vec<ObjectKey>,
    /// Objects it changes in place (`ALTER TABLE t …` alters `table s.t`).
    pub alters: Vec<ObjectKey>,
    /// Objects it renames.
    pub renames: Vec<Renamed>,
    /// Objects it drops.
    pub drops: Vec<ObjectKey>,
    /// Whether the drops said `CASCADE`: what depends on them goes too, whatever it is.
    pub cascade: bool,
    /// Objects it reads or refers to. A relation named where any kind fits (`FROM t`) is
    /// `relation s.t` ([`SchemaObjectKind::Relation`](crate::object::SchemaObjectKind)).
    pub uses: Vec<ObjectKey>,
    /// Why part of what it does cannot be read (dynamic SQL, a parse error), if so: then its
    /// other fields say only what could be read.
    pub opaque: Option<String>,
}

/// An object a statement creates that the catalog snapshot lists, with the other objects
/// whose drop removes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CreatedObject {
    /// The object.
    pub key: ObjectKey,
    /// Objects whose drop removes it, `CASCADE` or not (an index's table and columns, a
    /// constraint's columns).
    pub removed_with: Vec<ObjectKey>,
    /// Objects whose drop removes it only with `CASCADE` (a view's relations, a foreign
    /// key's referenced table, a trigger's function, a column's type).
    pub depends_on: Vec<ObjectKey>,
    /// Whether PostgreSQL chose its name (an unnamed constraint).
    pub chosen_name: bool,
}

/// `from` is now called `to`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Renamed {
    /// The old key.
    pub from: ObjectKey,
    /// The new key.
    pub to: ObjectKey,
}

impl Renamed {
    /// The key `key` has after this rename: a renamed table's columns, constraints and
    /// triggers follow it, a renamed schema's objects too. `None` when the rename does not
    /// touch `key`.
    pub(crate) fn apply(&self, key: &ObjectKey) -> Option<ObjectKey> {
        if *key == self.from {
            return Some(self.to.clone());
        }
        match (&self.from, &self.to, key) {
            (ObjectKey::Schema(from), ObjectKey::Schema(to), key)
                if key.schema() == Some(from.as_str()) =>
            {
                Some(with_schema(key, to))
            }
            (
                ObjectKey::InSchema {
                    kind: crate::object::SchemaObjectKind::Table,
                    schema,
                    name,
                },
                ObjectKey::InSchema {
                    schema: new_schema,
                    name: new_name,
                    ..
                },
                ObjectKey::OfTable {
                    kind,
                    schema: key_schema,
                    table,
                    name: key_name,
                },
            ) if schema == key_schema && name == table => {
                Some(ObjectKey::of_table(*kind, new_schema, new_name, key_name))
            }
            _ => None,
        }
    }
}

/// `key` moved to schema `schema`.
fn with_schema(key: &ObjectKey, schema: &str) -> ObjectKey {
    match key {
        ObjectKey::InSchema { kind, name, .. } => ObjectKey::in_schema(*kind, schema, name),
        ObjectKey::Function { name, .. } => ObjectKey::function(schema, name),
        ObjectKey::Overload {
            name, arguments, ..
        } => ObjectKey::Overload {
            schema: schema.to_string(),
            name: name.clone(),
            arguments: arguments.clone(),
        },
        ObjectKey::OfTable {
            kind, table, name, ..
        } => ObjectKey::of_table(*kind, schema, table, name),
        other => other.clone(),
    }
}

/// The effects of a migration's forward SQL and its `sql` steps.
pub(crate) fn effects_of(migration: &Migration) -> Effects {
    effects_of_texts(migration_texts(migration), Vec::new())
}

/// The same for a migration run with its `search_path` set to `schema` beforehand (a fleet's
/// schema target): an unqualified name is in `schema` until the migration sets its own.
pub(crate) fn effects_in_schema(migration: &Migration, schema: &str) -> Effects {
    effects_of_texts(migration_texts(migration), vec![schema.to_string()])
}

/// A migration's SQL texts, in the order they run in one session: its forward SQL, then its
/// `sql` steps.
pub(crate) fn migration_texts(migration: &Migration) -> Vec<(SqlText, &str)> {
    let mut texts: Vec<(SqlText, &str)> = vec![(SqlText::Up, migration.up_sql())];
    for (index, step) in migration.steps().iter().enumerate() {
        if let StepKind::Sql { source } = &step.kind {
            texts.push((SqlText::Step(index), source.text()));
        }
    }
    texts
}

/// The effects of `sql`, a migration's whole forward SQL.
#[cfg(test)]
pub(crate) fn effects_of_sql(sql: &str) -> Effects {
    effects_of_texts(vec![(SqlText::Up, sql)], Vec::new())
}

/// The effects of a migration's SQL texts, run in order in one session that starts with
/// `search_path` (empty: the server's default, `public`).
fn effects_of_texts(texts: Vec<(SqlText, &str)>, search_path: Vec<String>) -> Effects {
    let mut effects = Effects::default();
    each_statement(texts, search_path, |facts, statement, search_path| {
        apply(&mut effects, facts, &statement, search_path);
        let created = catalog_created(facts, search_path);
        effects.statements.push(CatalogStatement {
            effects: statement,
            created,
        });
    });
    effects
}

/// Calls `each` with what each statement of a migration's forward SQL and `sql` steps does, in
/// order, without what [`effects_of`] adds for the catalog (the objects it lists, what the
/// migration leaves created and dropped): what inferring dependencies needs, at about two
/// thirds of the cost. Handed over one by one, so that a caller that keeps only part of each
/// never holds them all.
pub(crate) fn statement_effects(migration: &Migration, mut each: impl FnMut(StatementEffects)) {
    each_statement(migration_texts(migration), Vec::new(), |_, statement, _| {
        each(statement);
    });
}

/// Calls `each` with every statement of `texts` (run in order in one session whose
/// `search_path` starts as given): its facts, its effects, and the `search_path` its names
/// were resolved through.
fn each_statement(
    texts: Vec<(SqlText, &str)>,
    mut search_path: Vec<String>,
    mut each: impl FnMut(&StatementFacts, StatementEffects, &[String]),
) {
    // A migration's SQL runs in one session, its steps after its forward SQL.
    let mut temporaries: Vec<String> = Vec::new();
    for (text, sql) in texts {
        for mut facts in parse(sql) {
            in_pg_temp(&mut facts, &temporaries);
            temporaries.extend(facts.temporaries.iter().cloned());
            let statement = resolve(text, &facts, &search_path);
            each(&facts, statement, &search_path);
            if let Some(path) = facts.search_path {
                search_path = path;
            }
        }
    }
}

/// Puts the unqualified names of relations `temporaries` lists (the session's temporary
/// ones, created earlier) in `pg_temp`, which PostgreSQL searches first for relations: a
/// temporary table is not the `public` table another migration creates under that name.
fn in_pg_temp(facts: &mut StatementFacts, temporaries: &[String]) {
    use crate::object::SchemaObjectKind as Kind;
    if temporaries.is_empty() {
        return;
    }
    let shadow = |name: &mut QualifiedName| {
        if name.schema.is_none() && temporaries.contains(&name.name) {
            name.schema = Some("pg_temp".to_string());
        }
    };
    let mut each = |object: &mut ObjectName| match object {
        ObjectName::InSchema(
            Kind::Relation
            | Kind::Table
            | Kind::View
            | Kind::MaterializedView
            | Kind::Sequence
            | Kind::ForeignTable,
            name,
        ) => shadow(name),
        ObjectName::OfTable { table, .. } => shadow(table),
        _ => {}
    };
    for created in &mut facts.creates {
        each(&mut created.object);
        created.removed_with.iter_mut().for_each(&mut each);
        created.depends_on.iter_mut().for_each(&mut each);
    }
    // What hangs on a temporary table is temporary too: an index (named after its table's
    // schema, which the reader took as unqualified), a column, a constraint, a trigger. None
    // of them is the plan's to create.
    let temporary = |name: &ObjectName| match name {
        ObjectName::InSchema(_, name) | ObjectName::OfTable { table: name, .. } => {
            name.schema.as_deref() == Some("pg_temp")
        }
        _ => false,
    };
    facts.creates.retain(|created| {
        let on_temporary_table = matches!(created.object, ObjectName::InSchema(Kind::Index, _))
            && created.removed_with.first().is_some_and(temporary);
        !temporary(&created.object) && !on_temporary_table
    });
    for rename in &mut facts.renames {
        each(&mut rename.from);
        each(&mut rename.to);
    }
    facts
        .alters
        .iter_mut()
        .chain(&mut facts.drops)
        .chain(&mut facts.uses)
        .for_each(each);
}

/// Adds one statement to what the migration leaves created and dropped.
fn apply(
    effects: &mut Effects,
    facts: &StatementFacts,
    statement: &StatementEffects,
    search_path: &[String],
) {
    // Statement order matters: a scratch table created and dropped by the same migration is
    // not one of its effects (callers apply `dropped` before `created`, so a drop must also
    // cancel this migration's own earlier creates). Without this, check-schema reported such
    // tables missing right after a clean apply.
    for key in &statement.drops {
        effects
            .created
            .retain(|created| !removes(key, created, &effects.removed_with));
    }
    effects.dropped.extend(statement.drops.iter().cloned());
    for rename in &statement.renames {
        for created in &mut effects.created {
            if let Some(renamed) = rename.apply(created) {
                *created = renamed;
            }
        }
        effects
            .removed_with
            .rename(|key| rename.apply(&key).unwrap_or(key));
    }
    for created in &facts.creates {
        if !created.listed {
            continue;
        }
        let key = resolve_name(&created.object, search_path);
        for container in &created.removed_with {
            effects
                .removed_with
                .insert(key.clone(), resolve_name(container, search_path));
        }
        effects.created.push(key);
    }
}

/// The objects a statement creates that the catalog snapshot lists, resolved through
/// `search_path`, each with what removes it.
fn catalog_created(facts: &StatementFacts, search_path: &[String]) -> Vec<CreatedObject> {
    let keys = |names: &[ObjectName]| -> Vec<ObjectKey> {
        names
            .iter()
            .map(|name| resolve_name(name, search_path))
            .collect()
    };
    facts
        .creates
        .iter()
        .filter(|created| created.listed)
        .map(|created| CreatedObject {
            key: resolve_name(&created.object, search_path),
            removed_with: keys(&created.removed_with),
            depends_on: keys(&created.depends_on),
            chosen_name: created.chosen_name,
        })
        .collect()
}

/// One statement's facts with their names resolved through `search_path`.
fn resolve(text: SqlText, facts: &StatementFacts, search_path: &[String]) -> StatementEffects {
    let keys = |names: &[ObjectName]| -> Vec<ObjectKey> {
        names
            .iter()
            .map(|name| resolve_name(name, search_path))
            .collect()
    };
    StatementEffects {
        text,
        span: facts.span.clone(),
        creates: facts
            .creates
            .iter()
            .map(|created| resolve_name(&created.object, search_path))
            .collect(),
        replaces: facts
            .creates
            .iter()
            .filter(|created| created.or_replace)
            .map(|created| resolve_name(&created.object, search_path))
            .collect(),
        alters: keys(&facts.alters),
        renames: facts
            .renames
            .iter()
            .map(|rename| Renamed {
                from: resolve_name(&rename.from, search_path),
                to: resolve_name(&rename.to, search_path),
            })
            .collect(),
        drops: keys(&facts.drops),
        cascade: facts.cascade,
        uses: keys(&facts.uses),
        opaque: facts.opaque.as_ref().map(|opaque| opaque.reason.clone()),
    }
}

/// The key of a name, its schema resolved: the one the statement gave, else the first of
/// `search_path`, else `public`.
fn resolve_name(name: &ObjectName, search_path: &[String]) -> ObjectKey {
    let schema_of = |name: &QualifiedName| -> String {
        name.schema
            .clone()
            .or_else(|| search_path.first().cloned())
            .unwrap_or_else(|| "public".to_string())
    };
    match name {
        ObjectName::Schema(name) => ObjectKey::Schema(name.clone()),
        ObjectName::Extension(name) => ObjectKey::Extension(name.clone()),
        ObjectName::InSchema(kind, name) => {
            ObjectKey::in_schema(*kind, &schema_of(name), &name.name)
        }
        ObjectName::Function(name) => ObjectKey::function(&schema_of(name), &name.name),
        ObjectName::OfTable { kind, table, name } => {
            ObjectKey::of_table(*kind, &schema_of(table), &table.name, name)
        }
    }
}

/// For each index and constraint the plan creates, the other objects whose drop takes it along:
/// an index's table (`index s.i` → `table s.t`: an index's key does not name
/// its table), a constraint's columns (`constraint s.t.c` → `column s.t.a`: PostgreSQL drops a
/// constraint with any column it involves). Without this, an index of a table or a constraint
/// of a column that a later migration dropped was reported missing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct RemovedWith {
    removed_with: IndexMap<ObjectKey, Vec<ObjectKey>>,
}

impl RemovedWith {
    /// Records that dropping `container` also drops `object`.
    pub(crate) fn insert(&mut self, object: ObjectKey, container: ObjectKey) {
        self.removed_with.entry(object).or_default().push(container);
    }

    /// Renames every object and container by `rename`.
    pub(crate) fn rename(&mut self, rename: impl Fn(ObjectKey) -> ObjectKey) {
        self.removed_with = std::mem::take(&mut self.removed_with)
            .into_iter()
            .map(|(object, containers)| {
                (
                    rename(object),
                    containers.into_iter().map(&rename).collect(),
                )
            })
            .collect();
    }

    fn containers(&self, object: &ObjectKey) -> &[ObjectKey] {
        self.removed_with.get(object).map_or(&[], Vec::as_slice)
    }
}

/// Whether dropping `dropped` removes `key`, indexes of a dropped table and constraints of a
/// dropped column included.
pub(crate) fn removes(dropped: &ObjectKey, key: &ObjectKey, removed_with: &RemovedWith) -> bool {
    dropped.covers(key)
        || removed_with
            .containers(key)
            .iter()
            .any(|container| dropped.covers(container))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::object::SchemaObjectKind;

    fn key(text: &str) -> ObjectKey {
        ObjectKey::parse_shown(text)
    }

    /// What each statement of `sql` does, one line per fact: `create`, `alter`, `rename`,
    /// `drop` (`drop cascade`), `use`, `opaque`; the search path followed across statements.
    fn check(sql: &str, expect: &[&str]) {
        let mut search_path: Vec<String> = Vec::new();
        let mut lines = Vec::new();
        for facts in parse(sql) {
            let statement = resolve(SqlText::Up, &facts, &search_path);
            if let Some(path) = &facts.search_path {
                search_path = path.clone();
            }
            let drop = if statement.cascade {
                "drop cascade"
            } else {
                "drop"
            };
            lines.extend(statement.creates.iter().map(|key| format!("create {key}")));
            lines.extend(statement.alters.iter().map(|key| format!("alter {key}")));
            lines.extend(
                statement
                    .renames
                    .iter()
                    .map(|rename| format!("rename {} -> {}", rename.from, rename.to)),
            );
            lines.extend(statement.drops.iter().map(|key| format!("{drop} {key}")));
            lines.extend(statement.uses.iter().map(|key| format!("use {key}")));
            lines.extend(
                statement
                    .opaque
                    .iter()
                    .map(|reason| format!("opaque: {reason}")),
            );
        }
        assert_eq!(lines, expect, "effects of {sql:?}");
    }

    /// What `sql`, a whole migration, leaves created and dropped (catalog keys).
    fn check_summed(sql: &str) -> (Vec<String>, Vec<String>, Effects) {
        let effects = effects_of_sql(sql);
        let created = effects.created.iter().map(ObjectKey::catalog_key).collect();
        let dropped = effects.dropped.iter().map(ObjectKey::catalog_key).collect();
        (created, dropped, effects)
    }

    #[test]
    fn a_schema_targets_unqualified_names_are_in_its_schema_until_the_sql_sets_its_own() {
        let in_tenant = |sql: &str| -> Vec<String> {
            effects_of_texts(vec![(SqlText::Up, sql)], vec!["tenant_a".to_string()])
                .created
                .iter()
                .map(ObjectKey::to_string)
                .collect()
        };
        assert_eq!(
            in_tenant("CREATE TABLE orders (id int); CREATE TABLE public.shared (id int)"),
            [
                "table tenant_a.orders",
                "column tenant_a.orders.id",
                "table public.shared",
                "column public.shared.id"
            ]
        );
        assert_eq!(
            in_tenant("SET search_path TO audit; CREATE TABLE log (id int)"),
            ["table audit.log", "column audit.log.id"]
        );
    }

    #[test]
    fn creates_and_drops_are_read_as_snapshot_keys() {
        let (created, dropped, _) = check_summed(
            "CREATE TABLE platform.users (id int, email text);
             ALTER TABLE users ADD COLUMN avatar text;
             CREATE INDEX idx_users_email ON platform.users (email);
             DROP TABLE IF EXISTS old, platform.older CASCADE;
             ALTER TABLE platform.users DROP COLUMN IF EXISTS legacy, DROP CONSTRAINT c, ALTER COLUMN x DROP NOT NULL;
             DROP FUNCTION IF EXISTS platform.touch(), f2(int);
             DROP INDEX CONCURRENTLY idx_x;",
        );
        assert_eq!(
            created,
            [
                "table platform.users",
                "column platform.users.id",
                "column platform.users.email",
                "column public.users.avatar",
                "index platform.idx_users_email",
            ]
        );
        assert_eq!(
            dropped,
            [
                "table public.old",
                "table platform.older",
                "column platform.users.legacy",
                "constraint platform.users.c",
                "function platform.touch(",
                "function public.f2(",
                "index public.idx_x",
            ]
        );
    }

    #[test]
    fn constraints_are_read_as_snapshot_keys() {
        let (created, dropped, _) = check_summed(
            "CREATE TABLE platform.organizations (id uuid PRIMARY KEY, slug text UNIQUE);
             CREATE TABLE projects (ref text CHECK (length(ref) = 16),
                 organization_id uuid REFERENCES platform.organizations (id));
             ALTER TABLE projects ADD CONSTRAINT projects_ref_format CHECK (ref <> '');
             ALTER TABLE IF EXISTS ONLY platform.organizations
                 DROP CONSTRAINT IF EXISTS organizations_slug_key,
                 DROP CONSTRAINT \"Named\" CASCADE;",
        );
        let constraints: Vec<&String> = created
            .iter()
            .filter(|key| key.starts_with("constraint"))
            .collect();
        assert_eq!(
            constraints,
            [
                "constraint platform.organizations.organizations_pkey",
                "constraint public.projects.projects_ref_check",
                "constraint public.projects.projects_organization_id_fkey",
                "constraint public.projects.projects_ref_format",
            ]
        );
        assert_eq!(
            dropped,
            [
                "constraint platform.organizations.organizations_slug_key",
                "constraint platform.organizations.Named",
            ]
        );
    }

    #[test]
    fn dropping_a_column_or_table_removes_its_constraints() {
        let (created, _, effects) = check_summed(
            "CREATE TABLE s.t (a int UNIQUE, b int, CONSTRAINT ab CHECK (a > b));
             ALTER TABLE s.t DROP COLUMN b;",
        );
        assert_eq!(
            created,
            ["table s.t", "column s.t.a", "constraint s.t.t_a_key"]
        );
        let removes = |dropped: &str, object: &str| {
            removes(&key(dropped), &key(object), &effects.removed_with)
        };
        assert!(removes("table s.t", "constraint s.t.t_a_key"));
        assert!(removes("column s.t.b", "constraint s.t.ab"));
        assert!(removes("schema s", "constraint s.t.ab"));
        assert!(!removes("table s.u", "constraint s.t.t_a_key"));
    }

    #[test]
    fn dropping_a_table_removes_its_indexes() {
        let (_, _, effects) = check_summed("CREATE INDEX t_i ON s.t (a)");
        let removes = |dropped: &str, object: &str| {
            removes(&key(dropped), &key(object), &effects.removed_with)
        };
        assert!(removes("table s.t", "index s.t_i"));
        assert!(removes("schema s", "index s.t_i"));
        assert!(!removes("table s.u", "index s.t_i"));
        assert!(!removes("table s.t", "index s.other"));
    }

    #[test]
    fn a_temporary_relation_shadows_its_name_for_the_rest_of_the_migration() {
        let effects = effects_of_sql(
            "INSERT INTO scratch VALUES (0);
             CREATE TEMP TABLE scratch (id int);
             INSERT INTO scratch SELECT id FROM public.scratch;
             ALTER TABLE scratch ADD COLUMN n int;
             CREATE INDEX scratch_n ON scratch (n);
             DROP TABLE scratch;",
        );
        let shown: Vec<Vec<String>> = effects
            .statements
            .iter()
            .map(|statement| &statement.effects)
            .map(|statement| {
                let keys = statement.uses.iter().chain(&statement.alters);
                let keys = keys.chain(&statement.creates).chain(&statement.drops);
                keys.map(ToString::to_string).collect()
            })
            .collect();
        assert_eq!(
            shown,
            [
                vec!["relation public.scratch"],
                vec![],
                vec![
                    "relation pg_temp.scratch",
                    "schema public",
                    "relation public.scratch",
                ],
                // What hangs on the temporary table is not created: its column, its index.
                vec!["table pg_temp.scratch"],
                vec!["table pg_temp.scratch"],
                vec!["table pg_temp.scratch"],
            ]
        );
    }

    #[test]
    fn temporary_objects_are_not_created() {
        check("CREATE TEMP TABLE t (a int)", &[]);
        check("CREATE GLOBAL TEMPORARY TABLE t (a int)", &[]);
        check("CREATE OR REPLACE TEMP VIEW v AS SELECT 1", &[]);
        check(
            "CREATE TABLE temp (a int)",
            &["create table public.temp", "create column public.temp.a"],
        );
        check(
            "CREATE UNLOGGED TABLE t (a int)",
            &["create table public.t", "create column public.t.a"],
        );
    }

    #[test]
    fn only_enum_and_range_types_are_expected() {
        let created = |sql: &str| check_summed(sql).0;
        assert_eq!(
            created("CREATE TYPE mood AS ENUM ('ok', 'sad')"),
            ["type public.mood"]
        );
        assert_eq!(
            created("CREATE TYPE span AS RANGE (subtype = int4)"),
            ["type public.span"]
        );
        assert!(created("CREATE TYPE address AS (street text, city text)").is_empty());
        assert!(created("CREATE TYPE shell").is_empty());
        assert_eq!(
            created("CREATE DOMAIN posint AS int CHECK (VALUE > 0)"),
            ["type public.posint"]
        );
    }

    #[test]
    fn drops_cover_what_is_inside_them() {
        let mut removed_with = RemovedWith::default();
        removed_with.insert(key("index s.t_i"), key("table s.t"));
        let removes =
            |dropped: &str, object: &str| removes(&key(dropped), &key(object), &removed_with);
        assert!(removes("table s.t", "column s.t.c"));
        assert!(removes("table s.t", "index s.t_i"));
        assert!(removes("schema s", "table s.t"));
        assert!(!removes("table s.t", "column s.tt.c"));
        assert!(removes("function s.f", "function s.f"));
    }

    #[test]
    fn renames_are_followed() {
        check(
            "ALTER TABLE s.t RENAME TO u",
            &[
                "alter table s.t",
                "rename table s.t -> table s.u",
                "use schema s",
            ],
        );
        check(
            "ALTER TABLE t RENAME COLUMN a TO b",
            &[
                "alter table public.t",
                "rename column public.t.a -> column public.t.b",
            ],
        );
        check(
            "ALTER INDEX s.i RENAME TO j",
            &[
                "alter index s.i",
                "rename index s.i -> index s.j",
                "use schema s",
            ],
        );
        check(
            "ALTER TABLE t SET SCHEMA archive",
            &[
                "alter table public.t",
                "rename table public.t -> table archive.t",
                "use schema archive",
            ],
        );
        let (created, _, effects) = check_summed(
            "CREATE TABLE t (a int UNIQUE);
             ALTER TABLE t RENAME TO u;
             ALTER TABLE u RENAME COLUMN a TO b;",
        );
        assert_eq!(
            created,
            [
                "table public.u",
                "column public.u.b",
                "constraint public.u.t_a_key"
            ]
        );
        assert!(removes(
            &key("column public.u.b"),
            &key("constraint public.u.t_a_key"),
            &effects.removed_with
        ));
        // An earlier migration's objects follow through `ExpectedCatalog` (expected.rs).
    }

    #[test]
    fn drop_cascade_is_noted() {
        check(
            "DROP TABLE a, s.b CASCADE",
            &[
                "drop cascade table public.a",
                "drop cascade table s.b",
                "use schema s",
            ],
        );
        check("DROP VIEW v", &["drop view public.v"]);
        check(
            "DROP MATERIALIZED VIEW m",
            &["drop materialized view public.m"],
        );
        check("DROP TYPE x CASCADE", &["drop cascade type public.x"]);
        check("DROP SCHEMA a, b", &["drop schema a", "drop schema b"]);
        check(
            "DROP TRIGGER tr ON s.t",
            &["drop trigger s.t.tr", "use schema s"],
        );
        check(
            "ALTER TABLE t DROP COLUMN c CASCADE",
            &["alter table public.t", "drop cascade column public.t.c"],
        );
    }

    #[test]
    fn uses_via_from_join_and_references() {
        check(
            "INSERT INTO log SELECT * FROM app.users u JOIN orders o ON o.user_id = u.id",
            &[
                "use relation public.log",
                "use schema app",
                "use relation app.users",
                "use relation public.orders",
            ],
        );
        check(
            "CREATE TABLE t (a int REFERENCES s.u (id), b int, FOREIGN KEY (b) REFERENCES v)",
            &[
                "create table public.t",
                "create column public.t.a",
                "create column public.t.b",
                "create constraint public.t.t_a_fkey",
                "create constraint public.t.t_b_fkey",
                "use schema s",
                "use table s.u",
                "use table public.v",
            ],
        );
        check(
            "WITH recent AS (SELECT 1) SELECT * FROM recent, events",
            &["use relation public.events"],
        );
    }

    #[test]
    fn uses_via_views_functions_types_and_sequences() {
        check(
            "CREATE VIEW v AS SELECT api.total(a)::money_t, nextval('s.seq') FROM t",
            &[
                "create view public.v",
                "use schema api",
                "use function api.total",
                "use type public.money_t",
                "use schema s",
                "use sequence s.seq",
                "use function public.nextval",
                "use relation public.t",
            ],
        );
        check(
            "CREATE TABLE t (m mood, n int DEFAULT nextval('t_n_seq'::regclass))",
            &[
                "create table public.t",
                "create column public.t.m",
                "create column public.t.n",
                "use type public.mood",
                "use sequence public.t_n_seq",
                "use function public.nextval",
                "use type public.regclass",
            ],
        );
        check(
            "CREATE INDEX i ON s.t (lower(email))",
            &[
                "create index s.i",
                "use schema s",
                "use table s.t",
                "use function public.lower",
            ],
        );
        check(
            "CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION touch()",
            &[
                "create trigger public.t.tr",
                "use relation public.t",
                "use function public.touch",
            ],
        );
        check(
            "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT count(*) FROM items $$",
            &[
                "create function public.f",
                "use function public.count",
                "use relation public.items",
            ],
        );
    }

    #[test]
    fn search_path_resolves_unqualified_names() {
        check(
            "SET search_path TO app, public;
             CREATE TABLE t (a int);
             SELECT set_config('search_path', '\"$user\", Billing', false);
             CREATE TABLE u (a int) ;
             RESET search_path;
             CREATE TABLE v (a int);",
            &[
                "create table app.t",
                "create column app.t.a",
                "use function app.set_config",
                "create table billing.u",
                "create column billing.u.a",
                "create table public.v",
                "create column public.v.a",
            ],
        );
    }

    #[test]
    fn string_literals_are_read_in_every_form() {
        // A plain '…' is read from the tree; the other forms by squawk's typed tree.
        check(
            "SELECT nextval('app.plain'), nextval(E'app.esc\\x41pe'), nextval($q$app.dollar$q$),
                    nextval(U&'app.uni\\0063ode'), nextval('app.' \n 'continued')",
            &[
                "use schema app",
                "use sequence app.plain",
                "use function public.nextval",
                "use sequence app.escape",
                "use sequence app.dollar",
                "use sequence app.unicode",
                "use sequence app.continued",
            ],
        );
        check(
            "SET search_path = E'billing'; CREATE TABLE t (a int);",
            &["create table billing.t", "create column billing.t.a"],
        );
    }

    #[test]
    fn sql_bodies_are_read_whatever_the_case_of_their_language() {
        check(
            "CREATE FUNCTION f() RETURNS int LANGUAGE SQL AS 'SELECT count(*) FROM items'",
            &[
                "create function public.f",
                "use function public.count",
                "use relation public.items",
            ],
        );
        check(
            "CREATE FUNCTION g() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN (SELECT 1 FROM items); END $$",
            &["create function public.g"],
        );
    }

    #[test]
    fn do_blocks_are_read_unless_dynamic() {
        check(
            "DO $$ BEGIN
               IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'mood') THEN
                 CREATE TYPE mood AS ENUM ('ok');
               END IF;
             END $$;",
            &["create type public.mood", "use relation public.pg_type"],
        );
        check(
            "DO $$ BEGIN EXECUTE format('CREATE TABLE %I (a int)', 'x'); END $$",
            &[
                "use function public.format",
                "opaque: dynamic SQL (EXECUTE) in a DO block",
            ],
        );
        check(
            "DO LANGUAGE plperl $$ 1 $$",
            &["opaque: a DO block in a language other than PL/pgSQL"],
        );
    }

    #[test]
    fn unreadable_statements_are_opaque() {
        let effects = parse("CREATE TABLE (;\nCREATE TABLE ok (a int);");
        assert_eq!(effects.len(), 2, "{effects:?}");
        assert!(effects[0].opaque.is_some());
        assert!(effects[1].opaque.is_none());
        assert_eq!(effects[1].creates.len(), 2);
    }

    #[test]
    fn relation_uses_name_tables_and_views() {
        let used = ObjectKey::in_schema(SchemaObjectKind::Relation, "s", "t");
        assert!(used.names(&key("table s.t")));
        assert!(used.names(&key("view s.t")));
        assert!(!used.names(&key("index s.t")));
        assert!(!used.names(&key("table s.u")));
    }
}
