//! [`ObjectKey`]: a database object as check-schema, baseline and the apply preflight name it,
//! and the two relations between keys they need: which object a drop takes along
//! ([`ObjectKey::covers`]) and which catalog snapshot entry a key stands for
//! ([`ObjectKey::names`]).
//!
//! The catalog snapshot (db/catalog.rs) keys every object as text, `kind name`
//! (`table public.users`, `column public.users.email`, `function public.f(integer)`), built by
//! the server; db/ cannot see this type, so the text form is the contract between the two:
//! [`ObjectKey::catalog_key`] renders it. Reading what a statement creates or drops is left to
//! `effects.rs`, and what a prerequisite is met by to the engine.

use std::fmt;

/// A database object, by kind and name. Names are as PostgreSQL stores them (unquoted parts
/// folded to lowercase), with the schema always filled in (`public` when a statement named
/// none).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ObjectKey {
    /// A schema.
    Schema(String),
    /// An extension: database-wide, so its key names no schema.
    Extension(String),
    /// A table, view, materialized view, foreign table, sequence, index or type.
    InSchema {
        /// Which of them.
        kind: SchemaObjectKind,
        /// The schema it lives in.
        schema: String,
        /// Its own name.
        name: String,
    },
    /// Every routine (function or procedure) of this name, whatever its arguments: statements
    /// are not read that far, so a key stands for all overloads.
    Function {
        /// The schema it lives in.
        schema: String,
        /// Its own name, without arguments.
        name: String,
    },
    /// A column, constraint or trigger of a table.
    OfTable {
        /// Which of them.
        kind: TableObjectKind,
        /// The table's schema.
        schema: String,
        /// The table it belongs to.
        table: String,
        /// Its own name.
        name: String,
    },
}

/// The kinds of [`ObjectKey::InSchema`], each spelled as the catalog snapshot spells it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SchemaObjectKind {
    /// `table`, partitioned or not, any persistence.
    Table,
    /// `view`.
    View,
    /// `materialized view`.
    MaterializedView,
    /// `foreign table`.
    ForeignTable,
    /// `sequence`.
    Sequence,
    /// `index`.
    Index,
    /// `type`: the snapshot lists enums, domains, ranges and multiranges.
    Type,
}

/// The kinds of [`ObjectKey::OfTable`], each spelled as the catalog snapshot spells it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TableObjectKind {
    /// `column`.
    Column,
    /// `constraint`.
    Constraint,
    /// `trigger`.
    Trigger,
}

impl SchemaObjectKind {
    /// The word the catalog snapshot and messages use.
    pub fn as_str(self) -> &'static str {
        match self {
            SchemaObjectKind::Table => "table",
            SchemaObjectKind::View => "view",
            SchemaObjectKind::MaterializedView => "materialized view",
            SchemaObjectKind::ForeignTable => "foreign table",
            SchemaObjectKind::Sequence => "sequence",
            SchemaObjectKind::Index => "index",
            SchemaObjectKind::Type => "type",
        }
    }
}

impl TableObjectKind {
    /// The word the catalog snapshot and messages use.
    pub fn as_str(self) -> &'static str {
        match self {
            TableObjectKind::Column => "column",
            TableObjectKind::Constraint => "constraint",
            TableObjectKind::Trigger => "trigger",
        }
    }
}

impl ObjectKey {
    /// `kind schema.name`.
    pub fn in_schema(kind: SchemaObjectKind, schema: &str, name: &str) -> ObjectKey {
        ObjectKey::InSchema {
            kind,
            schema: schema.to_string(),
            name: name.to_string(),
        }
    }

    /// `kind schema.table.name`.
    pub fn of_table(kind: TableObjectKind, schema: &str, table: &str, name: &str) -> ObjectKey {
        ObjectKey::OfTable {
            kind,
            schema: schema.to_string(),
            table: table.to_string(),
            name: name.to_string(),
        }
    }

    /// Every routine `schema.name`, whatever its arguments.
    pub fn function(schema: &str, name: &str) -> ObjectKey {
        ObjectKey::Function {
            schema: schema.to_string(),
            name: name.to_string(),
        }
    }

    /// The key as the catalog snapshot writes it. A function's is a prefix, `function s.f(`:
    /// the snapshot's own key goes on with the arguments.
    pub fn catalog_key(&self) -> String {
        match self {
            ObjectKey::Function { schema, name } => format!("function {schema}.{name}("),
            other => other.to_string(),
        }
    }

    /// Whether `catalog_key`, a key of the catalog snapshot, is this object (for a function,
    /// one of its overloads).
    pub fn names(&self, catalog_key: &str) -> bool {
        match self {
            ObjectKey::Function { .. } => catalog_key.starts_with(&self.catalog_key()),
            other => catalog_key == other.to_string(),
        }
    }

    /// Whether dropping `self` removes `other`: the object itself, or something inside it
    /// (everything in a schema; a table's columns, constraints and triggers). A table's indexes
    /// are not found by name (an index key does not name its table): see `RemovedWith`.
    pub fn covers(&self, other: &ObjectKey) -> bool {
        if self == other {
            return true;
        }
        match (self, other) {
            (ObjectKey::Schema(schema), other) => other.schema() == Some(schema.as_str()),
            (
                ObjectKey::InSchema {
                    kind: SchemaObjectKind::Table,
                    schema,
                    name,
                },
                ObjectKey::OfTable {
                    schema: other_schema,
                    table,
                    ..
                },
            ) => schema == other_schema && name == table,
            _ => false,
        }
    }

    /// The schema the object lives in; `None` for a schema or an extension.
    pub fn schema(&self) -> Option<&str> {
        match self {
            ObjectKey::Schema(_) | ObjectKey::Extension(_) => None,
            ObjectKey::InSchema { schema, .. }
            | ObjectKey::Function { schema, .. }
            | ObjectKey::OfTable { schema, .. } => Some(schema),
        }
    }
}

/// `kind name` as users read it: `table s.t`, `column s.t.c`, `function s.f` (no arguments:
/// the key stands for every overload).
impl fmt::Display for ObjectKey {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ObjectKey::Schema(name) => write!(formatter, "schema {name}"),
            ObjectKey::Extension(name) => write!(formatter, "extension {name}"),
            ObjectKey::InSchema { kind, schema, name } => {
                write!(formatter, "{} {schema}.{name}", kind.as_str())
            }
            ObjectKey::Function { schema, name } => write!(formatter, "function {schema}.{name}"),
            ObjectKey::OfTable {
                kind,
                schema,
                table,
                name,
            } => write!(formatter, "{} {schema}.{table}.{name}", kind.as_str()),
        }
    }
}

#[cfg(test)]
impl ObjectKey {
    /// A key from its display form (`table s.t`), for tests: names contain no dots.
    pub(crate) fn parse_shown(text: &str) -> ObjectKey {
        let (kind, name) = [
            "materialized view",
            "foreign table",
            "schema",
            "extension",
            "table",
            "view",
            "sequence",
            "index",
            "type",
            "function",
            "column",
            "constraint",
            "trigger",
        ]
        .iter()
        .find_map(|kind| {
            let name = text.strip_prefix(kind)?.strip_prefix(' ')?;
            Some((*kind, name))
        })
        .expect("a known kind");
        let parts: Vec<&str> = name.split('.').collect();
        let schema_kind = |kind| ObjectKey::in_schema(kind, parts[0], parts[1]);
        let table_kind = |kind| ObjectKey::of_table(kind, parts[0], parts[1], parts[2]);
        match kind {
            "schema" => ObjectKey::Schema(name.to_string()),
            "extension" => ObjectKey::Extension(name.to_string()),
            "function" => ObjectKey::function(parts[0], parts[1]),
            "table" => schema_kind(SchemaObjectKind::Table),
            "view" => schema_kind(SchemaObjectKind::View),
            "materialized view" => schema_kind(SchemaObjectKind::MaterializedView),
            "foreign table" => schema_kind(SchemaObjectKind::ForeignTable),
            "sequence" => schema_kind(SchemaObjectKind::Sequence),
            "index" => schema_kind(SchemaObjectKind::Index),
            "type" => schema_kind(SchemaObjectKind::Type),
            "column" => table_kind(TableObjectKind::Column),
            "constraint" => table_kind(TableObjectKind::Constraint),
            _ => table_kind(TableObjectKind::Trigger),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(text: &str) -> ObjectKey {
        ObjectKey::parse_shown(text)
    }

    /// Each key as shown, then as the catalog snapshot writes it when that differs.
    fn check_display(keys: &[&str], expect: &str) {
        let shown: Vec<String> = keys
            .iter()
            .map(|text| {
                let key = key(text);
                let (shown, catalog) = (key.to_string(), key.catalog_key());
                if shown == catalog {
                    shown
                } else {
                    format!("{shown} (catalog: {catalog})")
                }
            })
            .collect();
        assert_eq!(shown.join("\n"), expect);
    }

    /// Which of `keys` dropping `dropped` removes.
    fn check_covers(dropped: &str, keys: &[&str], expect: &[&str]) {
        let dropped = key(dropped);
        let covered: Vec<&str> = keys
            .iter()
            .copied()
            .filter(|text| dropped.covers(&key(text)))
            .collect();
        assert_eq!(covered, expect);
    }

    #[test]
    fn keys_read_as_the_catalog_snapshot_writes_them() {
        check_display(
            &[
                "schema s",
                "extension pgcrypto",
                "table s.t",
                "materialized view s.m",
                "foreign table s.f",
                "column s.t.c",
                "constraint s.t.t_pkey",
                "trigger s.t.touch",
                "function s.f",
            ],
            "schema s\n\
             extension pgcrypto\n\
             table s.t\n\
             materialized view s.m\n\
             foreign table s.f\n\
             column s.t.c\n\
             constraint s.t.t_pkey\n\
             trigger s.t.touch\n\
             function s.f (catalog: function s.f()",
        );
    }

    #[test]
    fn a_function_key_names_every_overload_and_nothing_else() {
        let function = key("function s.f");
        assert!(function.names("function s.f()"));
        assert!(function.names("function s.f(integer, text)"));
        assert!(!function.names("function s.fo()"));
        assert!(!function.names("function s.f"));
        let table = key("table s.t");
        assert!(table.names("table s.t"));
        assert!(!table.names("table s.tt"));
    }

    #[test]
    fn a_schema_covers_everything_in_it() {
        check_covers(
            "schema s",
            &[
                "schema s",
                "schema ss",
                "table s.t",
                "index s.i",
                "function s.f",
                "column s.t.c",
                "constraint s.t.ab",
                "table ss.t",
                "extension s",
            ],
            &[
                "schema s",
                "table s.t",
                "index s.i",
                "function s.f",
                "column s.t.c",
                "constraint s.t.ab",
            ],
        );
    }

    #[test]
    fn a_table_covers_its_columns_constraints_and_triggers_but_not_by_name_its_indexes() {
        check_covers(
            "table s.t",
            &[
                "table s.t",
                "column s.t.c",
                "constraint s.t.t_pkey",
                "trigger s.t.touch",
                "index s.t_pkey",
                "column s.tt.c",
                "constraint s.tt.tt_pkey",
                "column u.t.c",
                "view s.t",
            ],
            &[
                "table s.t",
                "column s.t.c",
                "constraint s.t.t_pkey",
                "trigger s.t.touch",
            ],
        );
    }

    #[test]
    fn other_kinds_cover_only_themselves() {
        check_covers(
            "function s.f",
            &["function s.f", "function s.fo", "function t.f"],
            &["function s.f"],
        );
        check_covers("index s.i", &["index s.i", "column s.i.c"], &["index s.i"]);
        check_covers(
            "view s.v",
            &["view s.v", "column s.v.c", "table s.v"],
            &["view s.v"],
        );
        check_covers(
            "constraint s.t.c",
            &["constraint s.t.c", "column s.t.c"],
            &["constraint s.t.c"],
        );
    }
}
