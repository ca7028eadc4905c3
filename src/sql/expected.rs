//! The catalog a run of migrations should leave ([`ExpectedCatalog`]): their effects applied
//! statement by statement, in order, as PostgreSQL would apply them, as far as the SQL shows.
//! `plan check-schema` compares it with the database, `plan baseline` checks it before
//! recording, and apply's preflight asks it whether a prerequisite will exist: one model, so
//! that the three agree.
//!
//! What it follows: renames (a table's columns, constraints and triggers follow it; renaming
//! the index behind a primary key or unique constraint renames the constraint, and the
//! reverse); drops with what hangs on the dropped object (a table's or materialized view's
//! indexes, constraints and triggers; a column's indexes and constraints), and with
//! `CASCADE` what depends on it as far as the migrations show (views reading a relation,
//! foreign keys referencing a table, triggers executing a function, columns and functions
//! using a type, indexes calling a function), transitively. An unnamed constraint whose
//! chosen name is already taken in its schema is not expected (PostgreSQL appends a number).
//! An object that a statement the parser cannot read (dynamic SQL, a parse error) ran after
//! is still expected, but marked [`Unverifiable`]: that code may have dropped or renamed it.

use indexmap::IndexMap;

use super::effects::{CreatedObject, Effects, Renamed, StatementEffects};
use crate::object::{ObjectKey, SchemaObjectKind, TableObjectKind};

/// What a run of migrations leaves, each object with `V`, the migration that created it.
#[derive(Clone, Debug)]
pub(crate) struct ExpectedCatalog<V> {
    objects: IndexMap<ObjectKey, Expected<V>>,
    /// Objects whose drop removes the key, `CASCADE` or not.
    removed_with: IndexMap<ObjectKey, Vec<ObjectKey>>,
    /// Objects whose drop removes the key under `CASCADE`.
    depends_on: IndexMap<ObjectKey, Vec<ObjectKey>>,
}

/// One expected object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Expected<V> {
    /// The migration that created it (the last one, if several did).
    pub created_by: V,
    /// Code the parser cannot read that ran after it was created, if any (the last).
    pub unverifiable: Option<Unverifiable<V>>,
}

/// Opaque code that may have dropped or renamed an object: its absence proves nothing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Unverifiable<V> {
    /// The migration the code is in.
    pub migration: V,
    /// Why the parser cannot read it ("dynamic SQL (EXECUTE) in a DO block").
    pub reason: String,
}

/// The objects one migration's drops removed (those named and those taken along).
#[derive(Clone, Debug, Default)]
pub(crate) struct Removed {
    keys: Vec<ObjectKey>,
}

impl Removed {
    /// Whether `key` was removed: named, inside something removed, or taken along.
    pub(crate) fn covers(&self, key: &ObjectKey) -> bool {
        self.keys.iter().any(|gone| drop_covers(gone, key))
    }
}

impl<V> Default for ExpectedCatalog<V> {
    fn default() -> Self {
        ExpectedCatalog {
            objects: IndexMap::new(),
            removed_with: IndexMap::new(),
            depends_on: IndexMap::new(),
        }
    }
}

impl<V: Clone> ExpectedCatalog<V> {
    /// Nothing expected yet.
    pub(crate) fn new() -> ExpectedCatalog<V> {
        ExpectedCatalog::default()
    }

    /// Applies one migration's effects, statement by statement; returns what its drops
    /// removed.
    pub(crate) fn apply(&mut self, effects: &Effects, migration: &V) -> Removed {
        let mut removed = Removed::default();
        for statement in &effects.statements {
            self.statement(
                &statement.effects,
                &statement.created,
                migration,
                &mut removed,
            );
        }
        removed
    }

    /// Whether `key` is expected.
    pub(crate) fn contains(&self, key: &ObjectKey) -> bool {
        self.objects.contains_key(key)
    }

    /// The expected object `key`.
    pub(crate) fn get(&self, key: &ObjectKey) -> Option<&Expected<V>> {
        self.objects.get(key)
    }

    /// Every expected object, in the order first created.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&ObjectKey, &Expected<V>)> {
        self.objects.iter()
    }

    /// Every expected key.
    pub(crate) fn keys(&self) -> impl Iterator<Item = &ObjectKey> {
        self.objects.keys()
    }

    /// One statement: its renames, then its drops, then its creates (a `DO` block's
    /// statements come summed, in that order).
    fn statement(
        &mut self,
        statement: &StatementEffects,
        created: &[CreatedObject],
        migration: &V,
        removed: &mut Removed,
    ) {
        for rename in &statement.renames {
            self.rename(rename);
        }
        // Names taken before the drops: a `DO` block that renames a table, creates its
        // replacement and drops the old one created the replacement's constraints while the
        // old names were still taken.
        let taken: Vec<ObjectKey> = created
            .iter()
            .filter(|created| created.chosen_name && self.name_taken(&created.key))
            .map(|created| created.key.clone())
            .collect();
        self.drop(&statement.drops, statement.cascade, removed);
        if let Some(reason) = &statement.opaque {
            for expected in self.objects.values_mut() {
                expected.unverifiable = Some(Unverifiable {
                    migration: migration.clone(),
                    reason: reason.clone(),
                });
            }
        }
        for created in created {
            if taken.contains(&created.key) {
                continue;
            }
            self.objects.insert(
                created.key.clone(),
                Expected {
                    created_by: migration.clone(),
                    unverifiable: None,
                },
            );
            self.removed_with
                .insert(created.key.clone(), created.removed_with.clone());
            self.depends_on
                .insert(created.key.clone(), created.depends_on.clone());
        }
    }

    /// Whether the name PostgreSQL would choose for `key`, an unnamed constraint, is taken by
    /// an expected relation or constraint of its schema (then it appends a number).
    fn name_taken(&self, key: &ObjectKey) -> bool {
        let ObjectKey::OfTable {
            kind: TableObjectKind::Constraint,
            schema,
            name,
            ..
        } = key
        else {
            return false;
        };
        self.objects.keys().any(|other| match other {
            ObjectKey::InSchema {
                kind,
                schema: other_schema,
                name: other_name,
            } => *kind != SchemaObjectKind::Type && other_schema == schema && other_name == name,
            ObjectKey::OfTable {
                kind: TableObjectKind::Constraint,
                schema: other_schema,
                name: other_name,
                ..
            } => other_schema == schema && other_name == name,
            _ => false,
        })
    }

    /// Follows a rename in every key, and in what removes each.
    fn rename(&mut self, rename: &Renamed) {
        let follow = |key: ObjectKey| renamed(rename, &key).unwrap_or(key);
        self.objects = std::mem::take(&mut self.objects)
            .into_iter()
            .map(|(key, expected)| (follow(key), expected))
            .collect();
        for map in [&mut self.removed_with, &mut self.depends_on] {
            *map = std::mem::take(map)
                .into_iter()
                .map(|(key, on)| (follow(key), on.into_iter().map(follow).collect()))
                .collect();
        }
    }

    /// Removes `drops` and everything they take along, transitively.
    fn drop(&mut self, drops: &[ObjectKey], cascade: bool, removed: &mut Removed) {
        if drops.is_empty() {
            return;
        }
        let mut gone: Vec<ObjectKey> = drops.to_vec();
        loop {
            let taken: Vec<ObjectKey> = self
                .objects
                .keys()
                .filter(|key| !gone.contains(key) && self.taken_along(key, &gone, cascade))
                .cloned()
                .collect();
            if taken.is_empty() {
                break;
            }
            gone.extend(taken);
        }
        self.objects
            .retain(|key, _| !gone.iter().any(|dropped| drop_covers(dropped, key)));
        removed.keys.extend(gone);
    }

    /// Whether dropping `gone` removes `key`.
    fn taken_along(&self, key: &ObjectKey, gone: &[ObjectKey], cascade: bool) -> bool {
        let hit = |on: &ObjectKey| {
            gone.iter()
                .any(|dropped| drop_covers(dropped, on) || on.names(dropped))
        };
        gone.iter().any(|dropped| drop_covers(dropped, key))
            || self
                .removed_with
                .get(key)
                .is_some_and(|on| on.iter().any(hit))
            || (cascade
                && self
                    .depends_on
                    .get(key)
                    .is_some_and(|on| on.iter().any(hit)))
    }
}

/// Whether a kind is one of `pg_class`'s (one namespace of names per schema).
fn is_relation(kind: SchemaObjectKind) -> bool {
    !matches!(kind, SchemaObjectKind::Type)
}

/// Schema and name of a relation key.
fn relation(key: &ObjectKey) -> Option<(&str, &str)> {
    match key {
        ObjectKey::InSchema { kind, schema, name } if is_relation(*kind) => Some((schema, name)),
        _ => None,
    }
}

/// Whether dropping `dropped` removes `key`: the object itself (a relation whatever kind a
/// statement called it), what it contains (a schema's objects; a table's, view's or
/// materialized view's columns, constraints and triggers).
fn drop_covers(dropped: &ObjectKey, key: &ObjectKey) -> bool {
    if dropped.covers(key) {
        return true;
    }
    let Some((schema, name)) = relation(dropped) else {
        return false;
    };
    match key {
        ObjectKey::OfTable {
            schema: key_schema,
            table,
            ..
        } => key_schema == schema && table == name,
        key => relation(key) == Some((schema, name)),
    }
}

/// The key `key` has after `rename`, `None` when the rename does not touch it: a relation
/// whatever kind the statement called it, what it contains, and the index behind a
/// constraint (PostgreSQL renames a primary key's or unique constraint's index with it, and
/// the constraint with its index).
fn renamed(rename: &Renamed, key: &ObjectKey) -> Option<ObjectKey> {
    if let Some(renamed) = rename.apply(key) {
        return Some(renamed);
    }
    match (&rename.from, &rename.to) {
        (from, to) if relation(from).is_some() => {
            let (schema, name) = relation(from)?;
            let (new_schema, new_name) = relation(to)?;
            match key {
                ObjectKey::InSchema { kind, .. } if relation(key) == Some((schema, name)) => {
                    Some(ObjectKey::in_schema(*kind, new_schema, new_name))
                }
                ObjectKey::OfTable {
                    kind,
                    schema: key_schema,
                    table,
                    name: key_name,
                } if key_schema == schema && table == name => {
                    Some(ObjectKey::of_table(*kind, new_schema, new_name, key_name))
                }
                // `ALTER INDEX i RENAME TO j` on a constraint's index renames the constraint.
                ObjectKey::OfTable {
                    kind: TableObjectKind::Constraint,
                    schema: key_schema,
                    table,
                    name: key_name,
                } if matches!(
                    rename.from,
                    ObjectKey::InSchema {
                        kind: SchemaObjectKind::Index,
                        ..
                    }
                ) && key_schema == schema
                    && key_name == name =>
                {
                    Some(ObjectKey::of_table(
                        TableObjectKind::Constraint,
                        schema,
                        table,
                        new_name,
                    ))
                }
                _ => None,
            }
        }
        // `ALTER TABLE t RENAME CONSTRAINT c TO d` renames its index too.
        (
            ObjectKey::OfTable {
                kind: TableObjectKind::Constraint,
                schema,
                name,
                ..
            },
            ObjectKey::OfTable { name: new_name, .. },
        ) => match key {
            ObjectKey::InSchema {
                kind: SchemaObjectKind::Index,
                schema: key_schema,
                name: key_name,
            } if key_schema == schema && key_name == name => Some(ObjectKey::in_schema(
                SchemaObjectKind::Index,
                schema,
                new_name,
            )),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::effects::effects_of_sql;

    /// What `migrations` (SQL texts, applied in order) leave expected, as shown keys, with
    /// `?` after those opaque code may have touched.
    fn check(migrations: &[&str], expect: &[&str]) {
        let mut expected: ExpectedCatalog<usize> = ExpectedCatalog::new();
        for (index, sql) in migrations.iter().enumerate() {
            expected.apply(&effects_of_sql(sql), &index);
        }
        let shown: Vec<String> = expected
            .iter()
            .map(|(key, object)| {
                let mark = if object.unverifiable.is_some() {
                    "?"
                } else {
                    ""
                };
                format!("{key}{mark}")
            })
            .collect();
        assert_eq!(shown, expect, "expected after {migrations:?}");
    }

    #[test]
    fn drops_and_renames_count_in_statement_order() {
        // Harbor 0004: the trigger is dropped under the table's old name, then it is renamed.
        check(
            &[
                "CREATE TABLE rt (id int); CREATE TRIGGER tr BEFORE UPDATE ON rt FOR EACH ROW EXECUTE FUNCTION f();",
                "DROP TRIGGER tr ON rt; ALTER TABLE rt RENAME TO registry;",
            ],
            &["table public.registry", "column public.registry.id"],
        );
    }

    #[test]
    fn renaming_a_constraint_index_renames_the_constraint() {
        check(
            &[
                "CREATE TABLE user_ (id int PRIMARY KEY, a int); ALTER TABLE user_ ADD CONSTRAINT idx_a UNIQUE (a);",
                "ALTER TABLE user_ RENAME TO person; ALTER INDEX user__pkey RENAME TO person__pkey; ALTER INDEX idx_a RENAME TO idx_person_a;",
            ],
            &[
                "table public.person",
                "column public.person.id",
                "column public.person.a",
                "constraint public.person.person__pkey",
                "constraint public.person.idx_person_a",
            ],
        );
        check(
            &[
                "CREATE INDEX i ON t (a); ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0)",
                "ALTER TABLE t RENAME CONSTRAINT c TO d; ALTER INDEX i RENAME TO j",
            ],
            &["index public.j", "constraint public.t.d"],
        );
    }

    #[test]
    fn indexes_go_with_their_relation_and_columns() {
        check(
            &[
                "CREATE MATERIALIZED VIEW m AS SELECT 1 AS id; CREATE UNIQUE INDEX m_id ON m (id);
                 CREATE TABLE t (a int, b text, c int); CREATE INDEX t_b ON t (lower(b)); CREATE INDEX t_c ON t (a) WHERE c > 0;
                 CREATE INDEX t_a ON t (a);",
                "DROP MATERIALIZED VIEW m; ALTER TABLE t DROP COLUMN b, DROP COLUMN c;",
            ],
            &["table public.t", "column public.t.a", "index public.t_a"],
        );
    }

    #[test]
    fn cascade_takes_dependents_along() {
        let setup = "CREATE TYPE mood AS ENUM ('ok'); CREATE TABLE t (id int PRIMARY KEY, m mood);
             CREATE TABLE u (t_id int REFERENCES t (id)); CREATE VIEW v AS SELECT * FROM t;
             CREATE VIEW w AS SELECT * FROM v; CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
             CREATE TRIGGER tr BEFORE INSERT ON u FOR EACH ROW EXECUTE FUNCTION f();
             CREATE FUNCTION g(x mood) RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;";
        check(
            &[setup, "DROP TABLE t CASCADE; DROP FUNCTION f CASCADE"],
            &[
                "type public.mood",
                "table public.u",
                "column public.u.t_id",
                "function public.g",
            ],
        );
        check(
            &[setup, "DROP TYPE mood CASCADE"],
            &[
                "table public.t",
                "column public.t.id",
                "constraint public.t.t_pkey",
                "table public.u",
                "column public.u.t_id",
                "constraint public.u.u_t_id_fkey",
                "view public.v",
                "view public.w",
                "function public.f",
                "trigger public.u.tr",
            ],
        );
    }

    #[test]
    fn a_chosen_name_already_taken_is_not_expected() {
        // River 005: the old table keeps `river_migration_pkey` while the new one is created.
        check(
            &[
                "CREATE TABLE river_migration (id int PRIMARY KEY);",
                "DO $$ BEGIN
                   ALTER TABLE river_migration RENAME TO river_migration_old;
                   CREATE TABLE river_migration (line text, version int, PRIMARY KEY (line, version));
                   DROP TABLE river_migration_old;
                 END $$;",
            ],
            &[
                "table public.river_migration",
                "column public.river_migration.line",
                "column public.river_migration.version",
            ],
        );
    }

    #[test]
    fn opaque_code_makes_earlier_objects_unverifiable() {
        check(
            &[
                "CREATE TABLE t (a int);",
                "DO $$ BEGIN EXECUTE 'DROP TABLE t'; END $$; CREATE TABLE u (b int);",
            ],
            &[
                "table public.t?",
                "column public.t.a?",
                "table public.u",
                "column public.u.b",
            ],
        );
    }
}
