//! What a statement creates: schemas, tables and their columns, indexes, extensions, functions,
//! views, types and sequences, read from the statement's leading tokens.
//!
//! This is a recogniser for the common shapes of DDL, not a parser: a statement it does not
//! understand yields no objects rather than an error, and it never consults a database. Checking
//! the objects against a schema is left to the caller.

use std::fmt;

use super::statement::{Statement, StatementToken};

/// A possibly schema-qualified name, as PostgreSQL stores it (unquoted parts folded to lowercase).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct QualifiedName {
    /// The schema, when the statement named one.
    pub schema: Option<String>,
    /// The object's own name.
    pub name: String,
}

/// An object a statement creates.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CreatedObject {
    /// `CREATE SCHEMA`.
    Schema(String),
    /// `CREATE TABLE`, any persistence.
    Table(QualifiedName),
    /// A column from `CREATE TABLE (...)` or `ALTER TABLE ... ADD [COLUMN]`.
    Column {
        /// The table the column belongs to.
        table: QualifiedName,
        /// The column's name.
        column: String,
    },
    /// `CREATE [UNIQUE] INDEX`; the index lives in its table's schema.
    Index {
        /// The index name, absent when PostgreSQL is left to choose it.
        name: Option<String>,
        /// The indexed table.
        table: QualifiedName,
    },
    /// `CREATE EXTENSION`.
    Extension(String),
    /// `CREATE [OR REPLACE] FUNCTION`.
    Function(QualifiedName),
    /// `CREATE [OR REPLACE] [TEMP] [RECURSIVE] VIEW`.
    View(QualifiedName),
    /// `CREATE MATERIALIZED VIEW`.
    MaterializedView(QualifiedName),
    /// `CREATE TYPE`.
    Type(QualifiedName),
    /// `CREATE SEQUENCE`.
    Sequence(QualifiedName),
}

/// The objects `statement` creates, in the order it names them; empty when the statement
/// creates nothing or has a shape this recogniser does not know.
pub fn created_objects(statement: &Statement) -> Vec<CreatedObject> {
    let mut cursor = Cursor {
        tokens: statement.tokens(),
        position: 0,
    };
    if cursor.eat("CREATE") {
        create(&mut cursor).unwrap_or_default()
    } else if cursor.eat("ALTER") && cursor.eat("TABLE") {
        alter_table(&mut cursor).unwrap_or_default()
    } else {
        Vec::new()
    }
}

impl fmt::Display for QualifiedName {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.schema {
            Some(schema) => write!(formatter, "{schema}.{}", self.name),
            None => formatter.write_str(&self.name),
        }
    }
}

/// Words that start a table constraint (or LIKE clause) rather than a column definition.
/// `EXCLUDE` is left out: it is not reserved, so it is handled by [`starts_constraint`].
const CONSTRAINT_WORDS: &[&str] = &[
    "CONSTRAINT",
    "PRIMARY",
    "UNIQUE",
    "FOREIGN",
    "CHECK",
    "LIKE",
];

fn create(cursor: &mut Cursor<'_>) -> Option<Vec<CreatedObject>> {
    cursor.eat_all(&["OR", "REPLACE"]);
    // Modifiers are accepted in any combination: the server rejects the impossible ones.
    while cursor.eat_any(&[
        "GLOBAL",
        "LOCAL",
        "TEMP",
        "TEMPORARY",
        "UNLOGGED",
        "RECURSIVE",
        "UNIQUE",
    ]) {}
    if cursor.eat("SCHEMA") {
        cursor.eat_all(&["IF", "NOT", "EXISTS"]);
        let name = if cursor.eat("AUTHORIZATION") {
            // `CREATE SCHEMA AUTHORIZATION joe` names the schema after the role, unless the
            // role is one only the server can resolve.
            if cursor.peek_any(&["CURRENT_USER", "CURRENT_ROLE", "SESSION_USER"]) {
                return None;
            }
            cursor.name()?
        } else {
            cursor.name()?
        };
        return Some(vec![CreatedObject::Schema(name)]);
    }
    if cursor.eat("TABLE") {
        cursor.eat_all(&["IF", "NOT", "EXISTS"]);
        let table = cursor.qualified_name()?;
        return Some(table_definition(cursor, table));
    }
    if cursor.eat("INDEX") {
        cursor.eat("CONCURRENTLY");
        cursor.eat_all(&["IF", "NOT", "EXISTS"]);
        let name = if cursor.peek("ON") {
            None
        } else {
            Some(cursor.name()?)
        };
        if !cursor.eat("ON") {
            return None;
        }
        cursor.eat("ONLY");
        let table = cursor.qualified_name()?;
        return Some(vec![CreatedObject::Index { name, table }]);
    }
    if cursor.eat("EXTENSION") {
        cursor.eat_all(&["IF", "NOT", "EXISTS"]);
        return Some(vec![CreatedObject::Extension(cursor.name()?)]);
    }
    let object = if cursor.eat("FUNCTION") {
        CreatedObject::Function(cursor.qualified_name()?)
    } else if cursor.eat("VIEW") {
        CreatedObject::View(cursor.qualified_name()?)
    } else if cursor.eat_all(&["MATERIALIZED", "VIEW"]) {
        cursor.eat_all(&["IF", "NOT", "EXISTS"]);
        CreatedObject::MaterializedView(cursor.qualified_name()?)
    } else if cursor.eat("TYPE") {
        CreatedObject::Type(cursor.qualified_name()?)
    } else if cursor.eat("SEQUENCE") {
        cursor.eat_all(&["IF", "NOT", "EXISTS"]);
        CreatedObject::Sequence(cursor.qualified_name()?)
    } else {
        return None;
    };
    Some(vec![object])
}

/// After `CREATE TABLE name`: the column list, unless the table is `OF type` or
/// `PARTITION OF parent`, whose parenthesised lists only add constraints to inherited columns.
fn table_definition(cursor: &mut Cursor<'_>, table: QualifiedName) -> Vec<CreatedObject> {
    let mut objects = vec![CreatedObject::Table(table.clone())];
    if !cursor.peek_symbol("(") {
        return objects;
    }
    for element in cursor.parenthesised_list() {
        if starts_constraint(element) {
            continue;
        }
        if let Some(column) = element.first().and_then(StatementToken::name) {
            objects.push(CreatedObject::Column {
                table: table.clone(),
                column,
            });
        }
    }
    objects
}

/// After `ALTER TABLE`: every `ADD [COLUMN] [IF NOT EXISTS] name` among the comma-separated
/// actions.
fn alter_table(cursor: &mut Cursor<'_>) -> Option<Vec<CreatedObject>> {
    cursor.eat_all(&["IF", "EXISTS"]);
    cursor.eat("ONLY");
    let table = cursor.qualified_name()?;
    cursor.eat_symbol("*");
    let mut objects = Vec::new();
    for action in split_top_level(cursor.rest()) {
        let mut action = Cursor {
            tokens: action,
            position: 0,
        };
        if !action.eat("ADD") {
            continue;
        }
        let explicit_column = action.eat("COLUMN");
        action.eat_all(&["IF", "NOT", "EXISTS"]);
        if !explicit_column && starts_constraint(action.rest()) {
            continue;
        }
        if let Some(column) = action.name() {
            objects.push(CreatedObject::Column {
                table: table.clone(),
                column,
            });
        }
    }
    Some(objects)
}

/// True when a table element or ADD action is a table constraint, not a column.
fn starts_constraint(element: &[StatementToken]) -> bool {
    let Some(first) = element.first() else {
        return true;
    };
    if CONSTRAINT_WORDS.iter().any(|word| first.is_keyword(word)) {
        return true;
    }
    // `EXCLUDE USING gist (...)` or `EXCLUDE (...)` is a constraint; `exclude int` is a column.
    first.is_keyword("EXCLUDE")
        && element
            .get(1)
            .is_some_and(|next| next.is_keyword("USING") || next.is_symbol("("))
}

/// Splits tokens at commas outside parentheses and brackets.
fn split_top_level(tokens: &[StatementToken]) -> Vec<&[StatementToken]> {
    let mut parts = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (index, token) in tokens.iter().enumerate() {
        if token.is_symbol("(") || token.is_symbol("[") {
            depth += 1;
        } else if token.is_symbol(")") || token.is_symbol("]") {
            depth = depth.saturating_sub(1);
        } else if token.is_symbol(",") && depth == 0 {
            parts.push(&tokens[start..index]);
            start = index + 1;
        }
    }
    parts.push(&tokens[start..]);
    parts
}

/// A read position in a statement's significant tokens.
struct Cursor<'a> {
    tokens: &'a [StatementToken],
    position: usize,
}

impl<'a> Cursor<'a> {
    fn current(&self) -> Option<&'a StatementToken> {
        self.tokens.get(self.position)
    }

    fn rest(&self) -> &'a [StatementToken] {
        self.tokens.get(self.position..).unwrap_or(&[])
    }

    fn peek(&self, keyword: &str) -> bool {
        self.current()
            .is_some_and(|token| token.is_keyword(keyword))
    }

    fn peek_any(&self, keywords: &[&str]) -> bool {
        keywords.iter().any(|keyword| self.peek(keyword))
    }

    fn peek_symbol(&self, symbol: &str) -> bool {
        self.current().is_some_and(|token| token.is_symbol(symbol))
    }

    fn eat(&mut self, keyword: &str) -> bool {
        let found = self.peek(keyword);
        if found {
            self.position += 1;
        }
        found
    }

    fn eat_any(&mut self, keywords: &[&str]) -> bool {
        keywords.iter().any(|keyword| self.eat(keyword))
    }

    fn eat_symbol(&mut self, symbol: &str) -> bool {
        let found = self.peek_symbol(symbol);
        if found {
            self.position += 1;
        }
        found
    }

    /// Eats the whole keyword sequence, or nothing.
    fn eat_all(&mut self, keywords: &[&str]) -> bool {
        let matches = keywords.iter().enumerate().all(|(offset, keyword)| {
            self.tokens
                .get(self.position + offset)
                .is_some_and(|token| token.is_keyword(keyword))
        });
        if matches {
            self.position += keywords.len();
        }
        matches
    }

    fn name(&mut self) -> Option<String> {
        let name = self.current()?.name()?;
        self.position += 1;
        Some(name)
    }

    /// `name`, `schema.name` or `database.schema.name` (the database part is dropped).
    fn qualified_name(&mut self) -> Option<QualifiedName> {
        let mut parts = vec![self.name()?];
        while parts.len() < 3 && self.peek_symbol(".") {
            self.position += 1;
            parts.push(self.name()?);
        }
        let name = parts.pop()?;
        Some(QualifiedName {
            schema: parts.pop(),
            name,
        })
    }

    /// The elements of the parenthesised list at the cursor, split at its top-level commas.
    fn parenthesised_list(&mut self) -> Vec<&'a [StatementToken]> {
        let rest = self.rest();
        let mut depth = 0usize;
        for (index, token) in rest.iter().enumerate() {
            if token.is_symbol("(") {
                depth += 1;
            } else if token.is_symbol(")") {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    self.position += index + 1;
                    return split_top_level(&rest[1..index]);
                }
            }
        }
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::{CreatedObject, created_objects};
    use crate::sql::split_statements;

    /// The objects created by the single statement in `sql`, one per line, rendered briefly.
    fn check(sql: &str) -> String {
        let statements = match split_statements(sql) {
            Ok(statements) => statements,
            Err(error) => panic!("expected {sql:?} to split, got {error:?}"),
        };
        assert_eq!(statements.len(), 1, "expected one statement in {sql:?}");
        created_objects(&statements[0])
            .iter()
            .map(|object| match object {
                CreatedObject::Schema(name) => format!("schema {name}"),
                CreatedObject::Table(name) => format!("table {name}"),
                CreatedObject::Column { table, column } => format!("column {table}.{column}"),
                CreatedObject::Index { name, table } => {
                    format!("index {} on {table}", name.as_deref().unwrap_or("-"))
                }
                CreatedObject::Extension(name) => format!("extension {name}"),
                CreatedObject::Function(name) => format!("function {name}"),
                CreatedObject::View(name) => format!("view {name}"),
                CreatedObject::MaterializedView(name) => format!("materialized view {name}"),
                CreatedObject::Type(name) => format!("type {name}"),
                CreatedObject::Sequence(name) => format!("sequence {name}"),
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Asserts the single statement in `sql` creates nothing we recognise.
    fn check_nothing(sql: &str) {
        assert_eq!(check(sql), "", "expected no objects from {sql:?}");
    }

    #[test]
    fn schemas() {
        assert_eq!(check("CREATE SCHEMA Billing"), "schema billing");
        assert_eq!(
            check("create schema if not exists \"Billing\""),
            "schema Billing"
        );
        assert_eq!(check("CREATE SCHEMA AUTHORIZATION joe"), "schema joe");
        check_nothing("CREATE SCHEMA AUTHORIZATION CURRENT_USER");
    }

    #[test]
    fn tables_and_their_columns_without_constraints() {
        let sql = "CREATE TABLE IF NOT EXISTS billing.Invoice (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            \"Amount\" numeric(10, 2) NOT NULL CHECK (\"Amount\" > 0),
            customer_id int REFERENCES customer (id),
            exclude text,
            CONSTRAINT invoice_pk PRIMARY KEY (id),
            UNIQUE (customer_id, id),
            FOREIGN KEY (customer_id) REFERENCES customer (id),
            CHECK (id > 0),
            EXCLUDE USING gist (customer_id WITH =),
            LIKE template INCLUDING ALL
        );";
        assert_eq!(
            check(sql),
            "table billing.invoice\ncolumn billing.invoice.id\ncolumn billing.invoice.Amount\n\
             column billing.invoice.customer_id\ncolumn billing.invoice.exclude"
        );
    }

    #[test]
    fn table_persistence_and_variants() {
        assert_eq!(
            check("CREATE UNLOGGED TABLE t (a int)"),
            "table t\ncolumn t.a"
        );
        assert_eq!(check("CREATE TEMP TABLE t (a int)"), "table t\ncolumn t.a");
        assert_eq!(
            check("CREATE GLOBAL TEMPORARY TABLE t (a int)"),
            "table t\ncolumn t.a"
        );
        assert_eq!(check("CREATE TABLE t AS SELECT 1 AS a"), "table t");
        assert_eq!(
            check("CREATE TABLE t (a, b) AS SELECT 1, 2"),
            "table t\ncolumn t.a\ncolumn t.b"
        );
        assert_eq!(
            check("CREATE TABLE p1 PARTITION OF p FOR VALUES IN (1)"),
            "table p1"
        );
        assert_eq!(check("CREATE TABLE t ()"), "table t");
    }

    #[test]
    fn alter_table_add_column() {
        assert_eq!(
            check("ALTER TABLE IF EXISTS ONLY s.t ADD COLUMN IF NOT EXISTS c int"),
            "column s.t.c"
        );
        assert_eq!(
            check(
                "ALTER TABLE t ADD a numeric(3, 1) DEFAULT f(1, 2), ADD COLUMN \"B\" text, \
                 ADD CONSTRAINT k UNIQUE (a), ADD PRIMARY KEY (a), ALTER COLUMN x SET NOT NULL, \
                 ADD CHECK (a > 0)"
            ),
            "column t.a\ncolumn t.B"
        );
        check_nothing("ALTER TABLE t RENAME COLUMN a TO b");
        check_nothing("ALTER TABLE t DROP COLUMN a");
    }

    #[test]
    fn indexes() {
        assert_eq!(check("CREATE INDEX i ON t (c)"), "index i on t");
        assert_eq!(
            check("CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS I ON ONLY s.t USING btree (c)"),
            "index i on s.t"
        );
        assert_eq!(check("CREATE INDEX ON t (c)"), "index - on t");
    }

    #[test]
    fn extensions_functions_views_types_sequences() {
        assert_eq!(
            check("CREATE EXTENSION IF NOT EXISTS pgcrypto"),
            "extension pgcrypto"
        );
        assert_eq!(
            check(
                "CREATE OR REPLACE FUNCTION api.Total(a int) RETURNS int AS $$ SELECT a $$ LANGUAGE sql"
            ),
            "function api.total"
        );
        assert_eq!(check("CREATE OR REPLACE VIEW v AS SELECT 1"), "view v");
        assert_eq!(
            check("CREATE TEMP RECURSIVE VIEW v (n) AS SELECT 1"),
            "view v"
        );
        assert_eq!(
            check("CREATE MATERIALIZED VIEW IF NOT EXISTS s.m AS SELECT 1"),
            "materialized view s.m"
        );
        assert_eq!(check("CREATE TYPE mood AS ENUM ('sad', 'ok')"), "type mood");
        assert_eq!(
            check("CREATE SEQUENCE IF NOT EXISTS s.seq START 1"),
            "sequence s.seq"
        );
        assert_eq!(
            check("CREATE TABLE db.s.t (a int)"),
            "table s.t\ncolumn s.t.a"
        );
    }

    #[test]
    fn unrecognised_statements_create_nothing() {
        check_nothing("SELECT 1");
        check_nothing("CREATE ROLE r");
        check_nothing("CREATE");
        check_nothing("CREATE TABLE");
        check_nothing("CREATE INDEX i");
        check_nothing("ALTER TABLE");
        check_nothing("CREATE TABLE 'x' (a int)");
        check_nothing("DROP TABLE t");
    }
}
