//! What one statement does, as the parser reads it ([`StatementFacts`]): the objects it
//! creates, alters, renames, drops and uses, each by the name the statement wrote
//! ([`ObjectName`]: schema not yet resolved), the `search_path` it sets, and what it does that
//! cannot be read ([`Opaque`]). Our own types, so that the parser behind them can be swapped;
//! `effects.rs` resolves the names through the migration's `search_path` into `ObjectKey`s.

use std::fmt;
use std::ops::Range;

use crate::object::{SchemaObjectKind, TableObjectKind};

/// A possibly schema-qualified name, as PostgreSQL stores it (unquoted parts folded to
/// lowercase; a database part, `db.s.t`, dropped).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct QualifiedName {
    /// The schema, when the statement named one.
    pub schema: Option<String>,
    /// The object's own name.
    pub name: String,
}

/// An object as a statement names it, before its schema is resolved.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum ObjectName {
    /// A schema.
    Schema(String),
    /// An extension.
    Extension(String),
    /// A table, view, index, sequence, type… (or, in a use, [`SchemaObjectKind::Relation`]).
    InSchema(SchemaObjectKind, QualifiedName),
    /// Every routine of this name (arguments are not read).
    Function(QualifiedName),
    /// A column, constraint or trigger of `table`.
    OfTable {
        /// Which of them.
        kind: TableObjectKind,
        /// The table, as the statement names it.
        table: QualifiedName,
        /// Its own name.
        name: String,
    },
}

/// An object a statement creates, with what else removes it (beyond what contains it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Created {
    /// The object.
    pub object: ObjectName,
    /// Objects whose drop also drops this one: a named index's table, a constraint's columns
    /// (as far as they are known: for a named check, every column its expression names).
    pub removed_with: Vec<ObjectName>,
    /// Whether `plan check-schema`'s catalog snapshot lists it: not a composite or base type
    /// (the snapshot lists enum, range and domain types only).
    pub listed: bool,
    /// Objects it depends on that only a `DROP … CASCADE` of them takes it along with (a
    /// view's relations, a foreign key's referenced table, a trigger's function, a column's
    /// type): without `CASCADE`, PostgreSQL refuses such a drop.
    pub depends_on: Vec<ObjectName>,
    /// Whether PostgreSQL chose its name (an unnamed constraint): then a name already taken
    /// in the schema makes it append a number, which the statement alone cannot tell.
    pub chosen_name: bool,
    /// Whether it was written `CREATE OR REPLACE`: then, when the object is there already,
    /// the statement changes it rather than making it.
    pub or_replace: bool,
}

/// `ALTER … RENAME`: `from` is now called `to` (same kind; for a table, its columns,
/// constraints and triggers follow it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Rename {
    /// The old name.
    pub from: ObjectName,
    /// The new name.
    pub to: ObjectName,
}

/// Something a statement does that the parser cannot place, and why: the effects of such a
/// statement are incomplete, never guessed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Opaque {
    /// Why, as a short phrase ("dynamic SQL (EXECUTE) in a DO block").
    pub reason: String,
}

/// What one statement does, as far as its text shows.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct StatementFacts {
    /// Byte range of the statement in the text it was parsed from (its `;` included).
    pub span: Range<usize>,
    /// Objects created, in the order the statement names them. A temporary object is not
    /// listed (it lives in the session's `pg_temp` schema and ends with it).
    pub creates: Vec<Created>,
    /// Objects changed in place (`ALTER TABLE t …` alters table `t`).
    pub alters: Vec<ObjectName>,
    /// Objects renamed.
    pub renames: Vec<Rename>,
    /// Objects dropped (`DROP …`, `ALTER TABLE … DROP COLUMN | CONSTRAINT`).
    pub drops: Vec<ObjectName>,
    /// Whether the drops said `CASCADE` (everything depending on them goes too).
    pub cascade: bool,
    /// Objects the statement reads or refers to: relations in `FROM`/`JOIN`/`REFERENCES`/`ON`,
    /// types, functions called, sequences in `nextval('…')`, schemas named. Built-ins
    /// (`now()`, `text`) are listed too: matching uses to objects is the caller's job.
    pub uses: Vec<ObjectName>,
    /// Temporary relations it creates (`CREATE TEMP TABLE | VIEW | SEQUENCE name`), by their
    /// own name: later unqualified uses of that name in the session are of them.
    pub temporaries: Vec<String>,
    /// The schemas of `SET search_path` or `set_config('search_path', …)`, when it sets one.
    pub search_path: Option<Vec<String>>,
    /// Why part of what the statement does cannot be read, if it cannot.
    pub opaque: Option<Opaque>,
    /// Why PostgreSQL refuses to run it inside a transaction block, if it does.
    pub no_transaction: Option<&'static str>,
}

impl fmt::Display for QualifiedName {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.schema {
            Some(schema) => write!(formatter, "{schema}.{}", self.name),
            None => formatter.write_str(&self.name),
        }
    }
}

impl fmt::Display for ObjectName {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ObjectName::Schema(name) => write!(formatter, "schema {name}"),
            ObjectName::Extension(name) => write!(formatter, "extension {name}"),
            ObjectName::InSchema(kind, name) => write!(formatter, "{} {name}", kind.as_str()),
            ObjectName::Function(name) => write!(formatter, "function {name}"),
            ObjectName::OfTable { kind, table, name } => {
                write!(formatter, "{} {table}.{name}", kind.as_str())
            }
        }
    }
}
