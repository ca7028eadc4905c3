//! [`ObjectKey`]: what `plan` calls a database object, the vocabulary shared by `sql/` (what a
//! statement creates and drops), `db/` (what the catalog holds, and what a snapshot recorded)
//! and the commands that compare the two (check-schema, baseline, verify, the apply
//! preflight). Also the relations between keys they need: which object a drop takes along
//! ([`ObjectKey::covers`]) and which catalog entry a key stands for ([`ObjectKey::names`]).
//!
//! A key has one text form, `kind name` (`table public.users`, `column public.users.email`,
//! `function public.f(integer)`): the one catalog snapshots have always been stored in, beside
//! the ledger, and read back by later versions of plan. [`ObjectKey::catalog_key`] renders it
//! and [`ObjectKey::from_catalog_key`] reads it back. A fresh catalog is not read from that text:
//! the server answers each object's kind and name parts apart ([`ObjectKey::from_parts`]),
//! because names may hold spaces and dots (`"my table"` in schema `"a.b"` is `table a.b.my
//! table`, which no split can tell from table `"b.my table"` in schema `a`).
//!
//! Keys sort as their text does, so that everything listed in key order (check-schema's drift,
//! verify's differences, a snapshot's JSON and fingerprint) comes out as it did when keys were
//! text. Which objects a statement creates or drops is left to `sql/effects.rs`, what a
//! prerequisite is met by to the engine, and reading the catalog to `db/catalog.rs`.

use std::cmp::Ordering;
use std::fmt;

/// A database object, by kind and name. Names are as PostgreSQL stores them (unquoted parts
/// folded to lowercase), with the schema always filled in (`public` when a statement named
/// none).
///
/// Equality is by kind and parts; order is by the text form first (see the module
/// documentation), then by parts, so that two objects whose texts coincide (`table a.b.c` is
/// table `c` of schema `a.b` and table `b.c` of schema `a`) are still two keys.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
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
    /// are not read that far, so a key stands for all overloads. The catalog lists each
    /// overload apart ([`ObjectKey::Overload`]), and this key [names](ObjectKey::names) them
    /// all.
    Function {
        /// The schema it lives in.
        schema: String,
        /// Its own name, without arguments.
        name: String,
    },
    /// One routine (function, procedure, aggregate or window function) with its identity
    /// arguments, as the catalog lists it: `function s.f(integer, text)`.
    Overload {
        /// The schema it lives in.
        schema: String,
        /// Its own name.
        name: String,
        /// Its identity arguments as the server writes them (`integer, text`; empty for none).
        arguments: String,
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
    /// A key of a stored snapshot that [`ObjectKey::from_catalog_key`] cannot read into parts:
    /// a kind this version does not know (a snapshot recorded by a later one), or a name whose
    /// dots leave its parts ambiguous. It is kept as its text, which it renders and sorts by,
    /// so that the snapshot still compares and round-trips instead of failing to read; it
    /// names and covers only itself.
    Unparsed(String),
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
    /// `relation`: a table, view, materialized view, foreign table or sequence, when a
    /// statement uses one without saying which (a `FROM` item, a trigger's `ON`). Only in what
    /// statements use (`sql::Effects::uses`), never in the catalog; it
    /// [names](ObjectKey::names) each of those kinds.
    Relation,
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
    /// Every kind.
    const ALL: [SchemaObjectKind; 8] = [
        SchemaObjectKind::Table,
        SchemaObjectKind::View,
        SchemaObjectKind::MaterializedView,
        SchemaObjectKind::ForeignTable,
        SchemaObjectKind::Sequence,
        SchemaObjectKind::Index,
        SchemaObjectKind::Type,
        SchemaObjectKind::Relation,
    ];

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
            SchemaObjectKind::Relation => "relation",
        }
    }
}

impl TableObjectKind {
    /// Every kind.
    const ALL: [TableObjectKind; 3] = [
        TableObjectKind::Column,
        TableObjectKind::Constraint,
        TableObjectKind::Trigger,
    ];

    /// The word the catalog snapshot and messages use.
    pub fn as_str(self) -> &'static str {
        match self {
            TableObjectKind::Column => "column",
            TableObjectKind::Constraint => "constraint",
            TableObjectKind::Trigger => "trigger",
        }
    }
}

/// A kind word of the text form, with the parts that follow it.
#[derive(Clone, Copy)]
enum KindWord {
    Schema,
    Extension,
    Function,
    InSchema(SchemaObjectKind),
    OfTable(TableObjectKind),
}

impl KindWord {
    /// Every kind word, longest first, so that `materialized view` and `foreign table` are
    /// tried before `view` and `table` (no word is a prefix of another today; the order keeps
    /// it safe if one ever is).
    fn all_longest_first() -> Vec<(&'static str, KindWord)> {
        let mut words: Vec<(&'static str, KindWord)> = vec![
            ("schema", KindWord::Schema),
            ("extension", KindWord::Extension),
            ("function", KindWord::Function),
        ];
        words.extend(
            SchemaObjectKind::ALL
                .iter()
                .map(|kind| (kind.as_str(), KindWord::InSchema(*kind))),
        );
        words.extend(
            TableObjectKind::ALL
                .iter()
                .map(|kind| (kind.as_str(), KindWord::OfTable(*kind))),
        );
        words.sort_by_key(|(word, _)| std::cmp::Reverse(word.len()));
        words
    }

    fn of(word: &str) -> Option<KindWord> {
        KindWord::all_longest_first()
            .into_iter()
            .find(|(known, _)| *known == word)
            .map(|(_, kind)| kind)
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

    /// The key of an object the server lists by parts: its kind word (`table`, `materialized
    /// view`, `function`, …), its schema (none for a schema or an extension), its table (for a
    /// column, constraint or trigger), its own name, and a routine's identity arguments. Total:
    /// parts that fit no kind (a kind word this version does not know, a part missing) give an
    /// [`ObjectKey::Unparsed`] of their text form, so that nothing the server lists is lost.
    pub fn from_parts(
        kind: &str,
        schema: Option<&str>,
        table: Option<&str>,
        name: &str,
        arguments: Option<&str>,
    ) -> ObjectKey {
        let key = match (KindWord::of(kind), schema, table, arguments) {
            (Some(KindWord::Schema), None, None, None) => Some(ObjectKey::Schema(name.to_string())),
            (Some(KindWord::Extension), None, None, None) => {
                Some(ObjectKey::Extension(name.to_string()))
            }
            (Some(KindWord::InSchema(kind)), Some(schema), None, None) => {
                Some(ObjectKey::in_schema(kind, schema, name))
            }
            (Some(KindWord::OfTable(kind)), Some(schema), Some(table), None) => {
                Some(ObjectKey::of_table(kind, schema, table, name))
            }
            (Some(KindWord::Function), Some(schema), None, Some(arguments)) => {
                Some(ObjectKey::Overload {
                    schema: schema.to_string(),
                    name: name.to_string(),
                    arguments: arguments.to_string(),
                })
            }
            _ => None,
        };
        key.unwrap_or_else(|| {
            let qualified: Vec<&str> = [schema, table, Some(name)].into_iter().flatten().collect();
            let arguments = arguments.map(|arguments| format!("({arguments})"));
            ObjectKey::Unparsed(format!(
                "{kind} {}{}",
                qualified.join("."),
                arguments.unwrap_or_default()
            ))
        })
    }

    /// Reads a key back from its text form, as stored snapshots hold it: the kind word
    /// (longest first: `materialized view` before `view`), a space, then the name parts split
    /// on dots. Total: a kind this version does not know, or a name whose dots do not match
    /// its kind's parts exactly (a quoted name holding a dot), gives an
    /// [`ObjectKey::Unparsed`] of the text, which renders and sorts as it did. A function's
    /// text splits at its first `(`: `function s.f(integer)` is an overload, and `function
    /// s.f(`, the text of [`ObjectKey::Function`], is every overload.
    ///
    /// For every key, `from_catalog_key(&key.catalog_key())` renders back to the same text.
    pub fn from_catalog_key(text: &str) -> ObjectKey {
        ObjectKey::parse_catalog_key(text).unwrap_or_else(|| ObjectKey::Unparsed(text.to_string()))
    }

    fn parse_catalog_key(text: &str) -> Option<ObjectKey> {
        let (word, rest) = KindWord::all_longest_first()
            .into_iter()
            .find_map(|(word, kind)| Some((kind, text.strip_prefix(word)?.strip_prefix(' ')?)))?;
        // Exactly `count` non-empty parts: more dots than that would be a guess.
        let parts = |text: &str, count: usize| -> Option<Vec<String>> {
            let parts: Vec<String> = text.split('.').map(str::to_string).collect();
            (parts.len() == count && parts.iter().all(|part| !part.is_empty())).then_some(parts)
        };
        let key = match word {
            KindWord::Schema => ObjectKey::Schema(rest.to_string()),
            KindWord::Extension => ObjectKey::Extension(rest.to_string()),
            KindWord::InSchema(kind) => {
                let [schema, name] = <[String; 2]>::try_from(parts(rest, 2)?).ok()?;
                ObjectKey::InSchema { kind, schema, name }
            }
            KindWord::OfTable(kind) => {
                let [schema, table, name] = <[String; 3]>::try_from(parts(rest, 3)?).ok()?;
                ObjectKey::OfTable {
                    kind,
                    schema,
                    table,
                    name,
                }
            }
            KindWord::Function => {
                let (qualified, arguments) = rest.split_once('(')?;
                let [schema, name] = <[String; 2]>::try_from(parts(qualified, 2)?).ok()?;
                if arguments.is_empty() {
                    ObjectKey::Function { schema, name }
                } else {
                    ObjectKey::Overload {
                        schema,
                        name,
                        arguments: arguments.strip_suffix(')')?.to_string(),
                    }
                }
            }
        };
        (!rest.is_empty()).then_some(key)
    }

    /// The key as the catalog snapshot writes it. A function's is a prefix, `function s.f(`:
    /// the key of each of its overloads goes on with the arguments.
    pub fn catalog_key(&self) -> String {
        self.text_parts().concat()
    }

    /// The text form in pieces, without allocating: [`Ord`] compares keys by it. Eight pieces
    /// fit every kind; the unused ones are empty. Every kind has a space as its second piece
    /// and [`ObjectKey::Unparsed`] an empty one, so equal pieces mean equal keys.
    fn text_parts(&self) -> [&str; 8] {
        match self {
            ObjectKey::Schema(name) => ["schema", " ", name, "", "", "", "", ""],
            ObjectKey::Extension(name) => ["extension", " ", name, "", "", "", "", ""],
            ObjectKey::InSchema { kind, schema, name } => {
                [kind.as_str(), " ", schema, ".", name, "", "", ""]
            }
            ObjectKey::Function { schema, name } => {
                ["function", " ", schema, ".", name, "(", "", ""]
            }
            ObjectKey::Overload {
                schema,
                name,
                arguments,
            } => ["function", " ", schema, ".", name, "(", arguments, ")"],
            ObjectKey::OfTable {
                kind,
                schema,
                table,
                name,
            } => [kind.as_str(), " ", schema, ".", table, ".", name, ""],
            ObjectKey::Unparsed(text) => [text, "", "", "", "", "", "", ""],
        }
    }

    /// Whether `other`, a key the catalog lists, is this object: the same key, for a
    /// [`ObjectKey::Function`] any of its overloads, and for a relation used without its kind
    /// ([`SchemaObjectKind::Relation`]) a table, view, materialized view, foreign table or
    /// sequence of that name.
    pub fn names(&self, other: &ObjectKey) -> bool {
        match (self, other) {
            (
                ObjectKey::InSchema {
                    kind: SchemaObjectKind::Relation,
                    schema,
                    name,
                },
                ObjectKey::InSchema {
                    kind,
                    schema: other_schema,
                    name: other_name,
                },
            ) => {
                schema == other_schema
                    && name == other_name
                    && !matches!(kind, SchemaObjectKind::Index | SchemaObjectKind::Type)
            }
            (
                ObjectKey::Function { schema, name },
                ObjectKey::Overload {
                    schema: other_schema,
                    name: other_name,
                    ..
                },
            ) => schema == other_schema && name == other_name,
            _ => self == other,
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

    /// The schema the object lives in; `None` for a schema, an extension or an unparsed key.
    pub fn schema(&self) -> Option<&str> {
        match self {
            ObjectKey::Schema(_) | ObjectKey::Extension(_) | ObjectKey::Unparsed(_) => None,
            ObjectKey::InSchema { schema, .. }
            | ObjectKey::Function { schema, .. }
            | ObjectKey::Overload { schema, .. }
            | ObjectKey::OfTable { schema, .. } => Some(schema),
        }
    }
}

/// By the text form first, byte by byte as the text keys were compared, then piece by piece,
/// which tells apart keys whose texts coincide and agrees with `==`.
impl Ord for ObjectKey {
    fn cmp(&self, other: &ObjectKey) -> Ordering {
        let (mine, theirs) = (self.text_parts(), other.text_parts());
        mine.iter()
            .flat_map(|part| part.bytes())
            .cmp(theirs.iter().flat_map(|part| part.bytes()))
            .then_with(|| mine.cmp(&theirs))
    }
}

impl PartialOrd for ObjectKey {
    fn partial_cmp(&self, other: &ObjectKey) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// `kind name` as users read it: `table s.t`, `column s.t.c`, `function s.f(integer)`, and
/// `function s.f` (no arguments: the key stands for every overload). Everything but
/// [`ObjectKey::Function`] shows its text form.
impl fmt::Display for ObjectKey {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ObjectKey::Function { schema, name } => write!(formatter, "function {schema}.{name}"),
            other => other
                .text_parts()
                .iter()
                .try_for_each(|part| formatter.write_str(part)),
        }
    }
}

#[cfg(test)]
impl ObjectKey {
    /// A key from its display form (`table s.t`, `function s.f` for every overload), for
    /// tests; the key must be readable.
    pub(crate) fn parse_shown(text: &str) -> ObjectKey {
        let text = match text.strip_prefix("function ") {
            Some(name) if !name.contains('(') => format!("{text}("),
            _ => text.to_string(),
        };
        let key = ObjectKey::from_catalog_key(&text);
        assert!(!matches!(key, ObjectKey::Unparsed(_)), "{text} is readable");
        key
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
        assert!(function.names(&key("function s.f()")));
        assert!(function.names(&key("function s.f(integer, text)")));
        assert!(!function.names(&key("function s.fo()")));
        assert!(!function.names(&key("function t.f()")));
        assert!(!function.names(&key("table s.f")));
        let table = key("table s.t");
        assert!(table.names(&key("table s.t")));
        assert!(!table.names(&key("table s.tt")));
        assert!(!table.names(&key("view s.t")));
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

    /// The text of each key read back: `parts` when it reads into parts, `unparsed`
    /// otherwise; and it always renders back to the same text.
    fn check_stored(texts: &[&str], expect: &str) {
        let read: Vec<String> = texts
            .iter()
            .map(|text| {
                let key = ObjectKey::from_catalog_key(text);
                assert_eq!(key.catalog_key(), *text, "{key:?} renders back");
                match key {
                    ObjectKey::Unparsed(_) => format!("{text} -> unparsed"),
                    key => format!("{text} -> {key:?}"),
                }
            })
            .collect();
        assert_eq!(read.join("\n"), expect);
    }

    #[test]
    fn every_kind_round_trips_through_its_text() {
        let keys = [
            ObjectKey::Schema("s".to_string()),
            ObjectKey::Extension("pgcrypto".to_string()),
            ObjectKey::function("s", "f"),
            ObjectKey::Overload {
                schema: "s".to_string(),
                name: "f".to_string(),
                arguments: String::new(),
            },
            ObjectKey::Overload {
                schema: "s".to_string(),
                name: "f".to_string(),
                arguments: "integer, other.money".to_string(),
            },
        ]
        .into_iter()
        .chain(
            SchemaObjectKind::ALL
                .iter()
                .map(|kind| ObjectKey::in_schema(*kind, "s", "t")),
        )
        .chain(
            TableObjectKind::ALL
                .iter()
                .map(|kind| ObjectKey::of_table(*kind, "s", "t", "c")),
        );
        for key in keys {
            assert_eq!(ObjectKey::from_catalog_key(&key.catalog_key()), key);
        }
    }

    #[test]
    fn stored_keys_read_kind_words_longest_first() {
        check_stored(
            &[
                "materialized view s.m",
                "foreign table s.f",
                "view s.v",
                "table s.t",
            ],
            "materialized view s.m -> InSchema { kind: MaterializedView, schema: \"s\", name: \"m\" }\n\
             foreign table s.f -> InSchema { kind: ForeignTable, schema: \"s\", name: \"f\" }\n\
             view s.v -> InSchema { kind: View, schema: \"s\", name: \"v\" }\n\
             table s.t -> InSchema { kind: Table, schema: \"s\", name: \"t\" }",
        );
    }

    #[test]
    fn stored_keys_with_spaces_quotes_and_dots_read_when_unambiguous() {
        check_stored(
            &[
                "table public.my table",
                "column public.my table.\"quoted\" col",
                "schema a.b",
                "function s.f(character varying, numeric)",
                "function s.my f(\"a.b\".money)",
            ],
            "table public.my table -> InSchema { kind: Table, schema: \"public\", name: \"my table\" }\n\
             column public.my table.\"quoted\" col -> OfTable { kind: Column, schema: \"public\", table: \"my table\", name: \"\\\"quoted\\\" col\" }\n\
             schema a.b -> Schema(\"a.b\")\n\
             function s.f(character varying, numeric) -> Overload { schema: \"s\", name: \"f\", arguments: \"character varying, numeric\" }\n\
             function s.my f(\"a.b\".money) -> Overload { schema: \"s\", name: \"my f\", arguments: \"\\\"a.b\\\".money\" }",
        );
    }

    #[test]
    fn stored_keys_that_cannot_be_read_stay_as_their_text() {
        check_stored(
            &[
                "table a.b.my table",
                "column s.t",
                "index s..i",
                "policy s.t.p",
                "tablex s.t",
                "function s.f",
                "function a.b.f(integer)",
                "function s.f(integer",
                "table ",
            ],
            "table a.b.my table -> unparsed\n\
             column s.t -> unparsed\n\
             index s..i -> unparsed\n\
             policy s.t.p -> unparsed\n\
             tablex s.t -> unparsed\n\
             function s.f -> unparsed\n\
             function a.b.f(integer) -> unparsed\n\
             function s.f(integer -> unparsed\n\
             table  -> unparsed",
        );
        // An unparsed key is only itself.
        let unparsed = ObjectKey::from_catalog_key("table a.b.c");
        assert_ne!(
            unparsed,
            ObjectKey::in_schema(SchemaObjectKind::Table, "a.b", "c")
        );
        assert!(unparsed.covers(&unparsed));
        assert_eq!(unparsed.schema(), None);
    }

    #[test]
    fn parts_from_the_server_need_no_splitting() {
        let key = ObjectKey::from_parts("table", Some("a.b"), None, "my table", None);
        assert_eq!(
            key,
            ObjectKey::in_schema(SchemaObjectKind::Table, "a.b", "my table")
        );
        assert_eq!(key.to_string(), "table a.b.my table");
        let key = ObjectKey::from_parts("materialized view", Some("s"), None, "m v", None);
        assert_eq!(
            key,
            ObjectKey::in_schema(SchemaObjectKind::MaterializedView, "s", "m v")
        );
        let key = ObjectKey::from_parts("function", Some("a.b"), None, "f", Some(""));
        assert_eq!(key.to_string(), "function a.b.f()");
        assert!(ObjectKey::function("a.b", "f").names(&key));
        assert!(!ObjectKey::function("a", "b.f").names(&key));
        // Parts that fit no kind are kept, as their text.
        assert_eq!(
            ObjectKey::from_parts("policy", Some("s"), Some("t"), "p", None),
            ObjectKey::Unparsed("policy s.t.p".to_string())
        );
        assert_eq!(
            ObjectKey::from_parts("table", None, None, "t", None),
            ObjectKey::Unparsed("table t".to_string())
        );
    }

    #[test]
    fn keys_sort_as_their_text_and_tell_coinciding_texts_apart() {
        let mut keys = vec![
            ObjectKey::in_schema(SchemaObjectKind::Table, "a", "z"),
            ObjectKey::in_schema(SchemaObjectKind::Table, "a b", "c"),
            ObjectKey::Schema("s".to_string()),
            ObjectKey::function("s", "f"),
            key("function s.f(integer)"),
            key("column s.t.c"),
            ObjectKey::Unparsed("table a.b.c".to_string()),
            ObjectKey::in_schema(SchemaObjectKind::Table, "a.b", "c"),
            ObjectKey::in_schema(SchemaObjectKind::Table, "a", "b.c"),
            key("materialized view s.m"),
        ];
        let mut texts: Vec<String> = keys.iter().map(ObjectKey::catalog_key).collect();
        keys.sort();
        texts.sort();
        let sorted: Vec<String> = keys.iter().map(ObjectKey::catalog_key).collect();
        assert_eq!(sorted, texts);
        // Three keys share `table a.b.c`; they stay three.
        keys.dedup();
        assert_eq!(keys.len(), 10);
        assert_ne!(keys[6], keys[7]);
        assert_ne!(keys[7], keys[8]);
    }
}
