//! What a migration's SQL creates and drops ([`effects_of`]), read from its statements by the
//! lexer, and which objects a drop takes along with it ([`removes`], [`RemovedWith`]).
//!
//! A recogniser like `objects.rs`: a statement it does not understand has no effects. What the
//! effects are compared with (the catalog, a plan's prerequisites) is left to the engine and
//! to `plan check-schema` and `plan baseline`.

use indexmap::IndexMap;

use super::objects::{CreatedObject, QualifiedName, created_objects};
use super::statement::{Statement, split_statements};
use crate::object::{ObjectKey, SchemaObjectKind, TableObjectKind};
use crate::project::{Migration, StepKind};

/// What a migration's SQL creates and drops. A function's key stands for every overload (its
/// arguments are not read).
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Effects {
    /// Objects created, named ones only: an index PostgreSQL named itself cannot be looked up.
    pub created: Vec<ObjectKey>,
    /// Objects dropped (a dropped table or schema also covers what was in it).
    pub dropped: Vec<ObjectKey>,
    /// What else removes each named index and constraint created (see [`RemovedWith`]).
    pub removed_with: RemovedWith,
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
    /// No objects.
    pub(crate) fn new() -> RemovedWith {
        RemovedWith::default()
    }

    /// Records that dropping `container` also drops `object`.
    pub(crate) fn insert(&mut self, object: ObjectKey, container: ObjectKey) {
        self.removed_with.entry(object).or_default().push(container);
    }

    /// Adds everything `other` records.
    pub(crate) fn extend(&mut self, other: RemovedWith) {
        for (object, containers) in other.removed_with {
            self.removed_with
                .entry(object)
                .or_default()
                .extend(containers);
        }
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

/// The effects of a migration's forward SQL and its `sql` steps.
pub(crate) fn effects_of(migration: &Migration) -> Effects {
    let mut texts: Vec<&str> = vec![migration.up_sql()];
    for step in migration.steps() {
        if let StepKind::Sql { source } = &step.kind {
            texts.push(source.text());
        }
    }
    let mut effects = Effects::default();
    for text in texts {
        let Ok(statements) = split_statements(text) else {
            continue;
        };
        for statement in &statements {
            // Statement order matters: a scratch table created and dropped by the same
            // migration is not one of its effects (callers apply `dropped` before `created`,
            // so a drop must also cancel this migration's own earlier creates). Without this,
            // check-schema reported such tables missing right after a clean apply.
            let dropped = dropped_keys(statement);
            for key in &dropped {
                effects
                    .created
                    .retain(|created| !removes(key, created, &effects.removed_with));
            }
            effects.dropped.extend(dropped);
            // Temporary objects live in the session's pg_temp schema and end with it; the
            // recogniser reads `CREATE TEMP TABLE t` as `public.t`, which check-schema then
            // reported missing after every apply.
            if is_temporary(statement) {
                continue;
            }
            for object in created_objects(statement) {
                // The snapshot lists enum and range types only (a composite type's pg_type row
                // looks like every table's row type), so a composite or base type was
                // reported missing after every apply.
                if matches!(object, CreatedObject::Type(_)) && !is_enum_or_range(statement) {
                    continue;
                }
                let Some(key) = created_key(&object) else {
                    continue;
                };
                for container in containers(&object) {
                    effects.removed_with.insert(key.clone(), container);
                }
                effects.created.push(key);
            }
        }
    }
    effects
}

/// Whether a `CREATE TYPE` statement makes an enum or a range (`AS ENUM`, `AS RANGE`).
fn is_enum_or_range(statement: &Statement) -> bool {
    statement.tokens().windows(2).any(|pair| {
        pair[0].is_keyword("AS") && (pair[1].is_keyword("ENUM") || pair[1].is_keyword("RANGE"))
    })
}

/// Whether `statement` is `CREATE [OR REPLACE] [GLOBAL | LOCAL] TEMP[ORARY] …`.
fn is_temporary(statement: &Statement) -> bool {
    let mut tokens = statement.tokens().iter();
    if !tokens
        .next()
        .is_some_and(|token| token.is_keyword("CREATE"))
    {
        return false;
    }
    tokens
        .take_while(|token| {
            ["OR", "REPLACE", "GLOBAL", "LOCAL", "TEMP", "TEMPORARY"]
                .iter()
                .any(|word| token.is_keyword(word))
        })
        .any(|token| token.is_keyword("TEMP") || token.is_keyword("TEMPORARY"))
}

fn schema_of(name: &QualifiedName) -> &str {
    name.schema.as_deref().unwrap_or("public")
}

/// The key of a created object; `None` for an index PostgreSQL names itself (its name is not
/// known until it exists).
fn created_key(object: &CreatedObject) -> Option<ObjectKey> {
    let in_schema =
        |kind, name: &QualifiedName| ObjectKey::in_schema(kind, schema_of(name), &name.name);
    let key = match object {
        CreatedObject::Schema(schema) => ObjectKey::Schema(schema.clone()),
        CreatedObject::Table(name) => in_schema(SchemaObjectKind::Table, name),
        CreatedObject::Column { table, column } => ObjectKey::of_table(
            TableObjectKind::Column,
            schema_of(table),
            &table.name,
            column,
        ),
        CreatedObject::Constraint { table, name, .. } => ObjectKey::of_table(
            TableObjectKind::Constraint,
            schema_of(table),
            &table.name,
            name,
        ),
        CreatedObject::Index { name, table } => {
            ObjectKey::in_schema(SchemaObjectKind::Index, schema_of(table), name.as_ref()?)
        }
        CreatedObject::Extension(name) => ObjectKey::Extension(name.clone()),
        CreatedObject::Function(name) => ObjectKey::function(schema_of(name), &name.name),
        CreatedObject::View(name) => in_schema(SchemaObjectKind::View, name),
        CreatedObject::MaterializedView(name) => {
            in_schema(SchemaObjectKind::MaterializedView, name)
        }
        CreatedObject::Type(name) => in_schema(SchemaObjectKind::Type, name),
        CreatedObject::Sequence(name) => in_schema(SchemaObjectKind::Sequence, name),
    };
    Some(key)
}

/// The objects whose drop also drops `object`, beyond what [`ObjectKey::covers`] finds: a
/// named index's table, a constraint's columns.
fn containers(object: &CreatedObject) -> Vec<ObjectKey> {
    match object {
        CreatedObject::Index {
            name: Some(_),
            table,
        } => vec![ObjectKey::in_schema(
            SchemaObjectKind::Table,
            schema_of(table),
            &table.name,
        )],
        CreatedObject::Constraint { table, columns, .. } => columns
            .iter()
            .map(|column| {
                ObjectKey::of_table(
                    TableObjectKind::Column,
                    schema_of(table),
                    &table.name,
                    column,
                )
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// What kind of object a `DROP …` statement names.
#[derive(Clone, Copy, PartialEq, Eq)]
enum DropKind {
    Schema,
    Extension,
    Function,
    InSchema(SchemaObjectKind),
}

/// What a `DROP …` or `ALTER TABLE … DROP [COLUMN | CONSTRAINT] …` statement removes.
fn dropped_keys(statement: &Statement) -> Vec<ObjectKey> {
    let tokens = statement.tokens();
    let mut index = 0;
    let keyword = |index: usize, word: &str| {
        tokens
            .get(index)
            .is_some_and(|token| token.is_keyword(word))
    };
    let qualified = |index: &mut usize| -> Option<(String, String)> {
        let first = tokens.get(*index)?.name()?;
        *index += 1;
        if tokens.get(*index).is_some_and(|token| token.is_symbol(".")) {
            let second = tokens.get(*index + 1)?.name()?;
            *index += 2;
            Some((first, second))
        } else {
            Some(("public".to_string(), first))
        }
    };
    if keyword(0, "DROP") {
        index += 1;
        let kind = if keyword(index, "MATERIALIZED") && keyword(index + 1, "VIEW") {
            index += 2;
            DropKind::InSchema(SchemaObjectKind::MaterializedView)
        } else {
            let kind = match tokens.get(index).map(|token| token.normalized()) {
                Some("TABLE") => DropKind::InSchema(SchemaObjectKind::Table),
                Some("INDEX") => DropKind::InSchema(SchemaObjectKind::Index),
                Some("VIEW") => DropKind::InSchema(SchemaObjectKind::View),
                Some("SEQUENCE") => DropKind::InSchema(SchemaObjectKind::Sequence),
                Some("TYPE") => DropKind::InSchema(SchemaObjectKind::Type),
                // The catalog snapshot keys procedures as functions too.
                Some("FUNCTION") | Some("PROCEDURE") => DropKind::Function,
                Some("SCHEMA") => DropKind::Schema,
                Some("EXTENSION") => DropKind::Extension,
                _ => return Vec::new(),
            };
            index += 1;
            kind
        };
        if keyword(index, "CONCURRENTLY") {
            index += 1;
        }
        if keyword(index, "IF") && keyword(index + 1, "EXISTS") {
            index += 2;
        }
        let mut keys = Vec::new();
        loop {
            let key = match kind {
                DropKind::Schema | DropKind::Extension => {
                    let Some(name) = tokens.get(index).and_then(|token| token.name()) else {
                        break;
                    };
                    index += 1;
                    if kind == DropKind::Schema {
                        ObjectKey::Schema(name)
                    } else {
                        ObjectKey::Extension(name)
                    }
                }
                DropKind::Function | DropKind::InSchema(_) => {
                    let Some((schema, name)) = qualified(&mut index) else {
                        break;
                    };
                    match kind {
                        DropKind::InSchema(kind) => ObjectKey::in_schema(kind, &schema, &name),
                        _ => ObjectKey::function(&schema, &name),
                    }
                }
            };
            keys.push(key);
            // Skip an argument list, then go on after a comma.
            if tokens.get(index).is_some_and(|token| token.is_symbol("(")) {
                let mut depth = 0;
                while let Some(token) = tokens.get(index) {
                    if token.is_symbol("(") {
                        depth += 1;
                    } else if token.is_symbol(")") {
                        depth -= 1;
                        if depth == 0 {
                            index += 1;
                            break;
                        }
                    }
                    index += 1;
                }
            }
            if tokens.get(index).is_some_and(|token| token.is_symbol(",")) {
                index += 1;
            } else {
                break;
            }
        }
        return keys;
    }
    if keyword(0, "ALTER") && keyword(1, "TABLE") {
        index = 2;
        if keyword(index, "IF") && keyword(index + 1, "EXISTS") {
            index += 2;
        }
        if keyword(index, "ONLY") {
            index += 1;
        }
        let Some((schema, table)) = qualified(&mut index) else {
            return Vec::new();
        };
        let mut keys = Vec::new();
        while index < tokens.len() {
            if keyword(index, "DROP") && keyword(index + 1, "CONSTRAINT") {
                let mut at = index + 2;
                if keyword(at, "IF") && keyword(at + 1, "EXISTS") {
                    at += 2;
                }
                if let Some(name) = tokens.get(at).and_then(|token| token.name()) {
                    keys.push(ObjectKey::of_table(
                        TableObjectKind::Constraint,
                        &schema,
                        &table,
                        &name,
                    ));
                }
                index = at;
            } else if keyword(index, "DROP")
                && !keyword(index + 1, "DEFAULT")
                && !keyword(index + 1, "NOT")
                && !keyword(index + 1, "EXPRESSION")
                && !keyword(index + 1, "IDENTITY")
            {
                let mut at = index + 1;
                if keyword(at, "COLUMN") {
                    at += 1;
                }
                if keyword(at, "IF") && keyword(at + 1, "EXISTS") {
                    at += 2;
                }
                if let Some(column) = tokens.get(at).and_then(|token| token.name()) {
                    keys.push(ObjectKey::of_table(
                        TableObjectKind::Column,
                        &schema,
                        &table,
                        &column,
                    ));
                }
                index = at;
            }
            index += 1;
        }
        return keys;
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(text: &str) -> ObjectKey {
        ObjectKey::parse_shown(text)
    }

    /// What `sql` creates and drops, as catalog snapshot keys.
    fn check(sql: &str) -> (Vec<String>, Vec<String>) {
        let statements = split_statements(sql).expect("valid SQL");
        let mut created = Vec::new();
        let mut dropped = Vec::new();
        for statement in &statements {
            created.extend(
                created_objects(statement)
                    .iter()
                    .filter_map(created_key)
                    .map(|key| key.catalog_key()),
            );
            dropped.extend(dropped_keys(statement).iter().map(ObjectKey::catalog_key));
        }
        (created, dropped)
    }

    #[test]
    fn creates_and_drops_are_read_as_snapshot_keys() {
        let (created, dropped) = check(
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
        let (created, dropped) = check(
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
                "constraint platform.organizations.organizations_slug_key",
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
        let sql = "CREATE TABLE s.t (a int UNIQUE, b int, CONSTRAINT ab CHECK (a > b));
                   ALTER TABLE s.t DROP COLUMN b;";
        let statements = split_statements(sql).expect("valid SQL");
        let mut removed_with = RemovedWith::new();
        let mut created = Vec::new();
        for object in created_objects(&statements[0]) {
            let Some(key) = created_key(&object) else {
                continue;
            };
            for container in containers(&object) {
                removed_with.insert(key.clone(), container);
            }
            created.push(key);
        }
        let dropped = dropped_keys(&statements[1]);
        created.retain(|key| !dropped.iter().any(|drop| removes(drop, key, &removed_with)));
        let created: Vec<String> = created.iter().map(ObjectKey::to_string).collect();
        assert_eq!(
            created,
            ["table s.t", "column s.t.a", "constraint s.t.t_a_key"]
        );
        let removes =
            |dropped: &str, object: &str| removes(&key(dropped), &key(object), &removed_with);
        assert!(removes("table s.t", "constraint s.t.t_a_key"));
        assert!(removes("schema s", "constraint s.t.ab"));
        assert!(!removes("table s.u", "constraint s.t.t_a_key"));
    }

    #[test]
    fn dropping_a_table_removes_its_indexes() {
        let mut removed_with = RemovedWith::new();
        removed_with.insert(key("index s.t_i"), key("table s.t"));
        let removes =
            |dropped: &str, object: &str| removes(&key(dropped), &key(object), &removed_with);
        assert!(removes("table s.t", "index s.t_i"));
        assert!(removes("schema s", "index s.t_i"));
        assert!(!removes("table s.u", "index s.t_i"));
        assert!(!removes("table s.t", "index s.other"));
    }

    #[test]
    fn temporary_objects_are_told_apart() {
        let temporary = |sql: &str| {
            let statements = split_statements(sql).expect("valid SQL");
            is_temporary(&statements[0])
        };
        assert!(temporary("CREATE TEMP TABLE t (a int)"));
        assert!(temporary("CREATE GLOBAL TEMPORARY TABLE t (a int)"));
        assert!(temporary("CREATE OR REPLACE TEMP VIEW v AS SELECT 1"));
        assert!(!temporary("CREATE TABLE temp (a int)"));
        assert!(!temporary("CREATE UNLOGGED TABLE t (a int)"));
        assert!(!temporary("DROP TABLE t"));
    }

    #[test]
    fn only_enum_and_range_types_are_expected() {
        let listed = |sql: &str| {
            let statements = split_statements(sql).expect("valid SQL");
            is_enum_or_range(&statements[0])
        };
        assert!(listed("CREATE TYPE mood AS ENUM ('ok', 'sad')"));
        assert!(listed("CREATE TYPE span AS RANGE (subtype = int4)"));
        assert!(!listed("CREATE TYPE address AS (street text, city text)"));
        assert!(!listed("CREATE TYPE shell"));
    }

    #[test]
    fn drops_cover_what_is_inside_them() {
        let key = ObjectKey::parse_shown;
        let mut removed_with = RemovedWith::new();
        removed_with.insert(key("index s.t_i"), key("table s.t"));
        let removes =
            |dropped: &str, object: &str| removes(&key(dropped), &key(object), &removed_with);
        assert!(removes("table s.t", "column s.t.c"));
        assert!(removes("table s.t", "index s.t_i"));
        assert!(removes("schema s", "table s.t"));
        assert!(!removes("table s.t", "column s.tt.c"));
        assert!(removes("function s.f", "function s.f"));
    }
}
