//! What a statement creates: schemas, tables and their columns and constraints, indexes,
//! extensions, functions, views, types and sequences, read from the statement's leading tokens.
//!
//! A constraint is reported only when its name is certain: named with `CONSTRAINT name`, or
//! unnamed where PostgreSQL's choice follows from the statement alone (see [`chosen_name`]).
//!
//! This is a recogniser for the common shapes of DDL, not a parser: a statement it does not
//! understand yields no objects rather than an error, and it never consults a database. Checking
//! the objects against a schema is left to the caller.

use std::fmt;

use super::statement::{Statement, StatementToken};

/// A possibly schema-qualified name, as PostgreSQL stores it (unquoted parts folded to lowercase).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct QualifiedName {
    /// The schema, when the statement named one.
    pub schema: Option<String>,
    /// The object's own name.
    pub name: String,
}

/// An object a statement creates.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum CreatedObject {
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
    /// A table constraint or column constraint (primary key, unique, foreign key, check,
    /// exclusion) from `CREATE TABLE (...)` or `ALTER TABLE ... ADD`, whose name is certain.
    Constraint {
        /// The table the constraint is on.
        table: QualifiedName,
        /// The constraint's name, as given or as PostgreSQL chooses it.
        name: String,
        /// Columns of `table` whose drop also drops the constraint, as far as they are known
        /// (for a named check, every name in its expression: more than it uses, never fewer).
        columns: Vec<String>,
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
pub(crate) fn created_objects(statement: &Statement) -> Vec<CreatedObject> {
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
    let mut constraints = Constraints::new(&table);
    for element in cursor.parenthesised_list() {
        if starts_constraint(element) {
            constraints.table_constraint(element);
            continue;
        }
        if let Some(column) = element.first().and_then(StatementToken::name) {
            objects.push(CreatedObject::Column {
                table: table.clone(),
                column: column.clone(),
            });
            constraints.column_constraints(&column, &element[1..]);
        }
    }
    objects.extend(constraints.into_objects());
    objects
}

/// After `ALTER TABLE`: every `ADD [COLUMN] [IF NOT EXISTS] name` among the comma-separated
/// actions, and the constraints that `ADD` actions (of a column or a table constraint) create.
fn alter_table(cursor: &mut Cursor<'_>) -> Option<Vec<CreatedObject>> {
    cursor.eat_all(&["IF", "EXISTS"]);
    cursor.eat("ONLY");
    let table = cursor.qualified_name()?;
    cursor.eat_symbol("*");
    let mut objects = Vec::new();
    let mut constraints = Constraints::new(&table);
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
            constraints.table_constraint(action.rest());
            continue;
        }
        if let Some(column) = action.name() {
            objects.push(CreatedObject::Column {
                table: table.clone(),
                column: column.clone(),
            });
            constraints.column_constraints(&column, action.rest());
        }
    }
    objects.extend(constraints.into_objects());
    Some(objects)
}

/// The constraints one statement creates on one table.
struct Constraints<'t> {
    table: &'t QualifiedName,
    found: Vec<Found>,
}

/// A constraint as first read, before the statement-wide rules in [`Constraints::into_objects`].
struct Found {
    name: String,
    columns: Vec<String>,
    index: Option<IndexKey>,
}

/// What PostgreSQL compares to find a redundant primary key or unique constraint, coarsened:
/// constraints this calls equal may still both be built (one with other options), never the
/// reverse.
#[derive(PartialEq, Eq)]
enum IndexKey {
    /// A primary key or unique constraint on these columns.
    Columns(Vec<String>),
    /// An exclusion constraint.
    Exclusion,
    /// A primary key or unique constraint whose columns were not read (`USING INDEX`).
    Unknown,
}

/// Reserved words (and words that can only be type or function names) that may appear in a
/// check expression without being a column: an unquoted reserved word is never a column
/// reference, so a check using only these, function calls, casts and its own column has
/// exactly one column.
const CHECK_WORDS: &[&str] = &[
    "AND",
    "OR",
    "NOT",
    "NULL",
    "TRUE",
    "FALSE",
    "IS",
    "ISNULL",
    "NOTNULL",
    "IN",
    "LIKE",
    "ILIKE",
    "SIMILAR",
    "TO",
    "SYMMETRIC",
    "ANY",
    "ALL",
    "SOME",
    "ARRAY",
    "CASE",
    "WHEN",
    "THEN",
    "ELSE",
    "END",
    "DISTINCT",
    "FROM",
    "CURRENT_DATE",
    "CURRENT_TIMESTAMP",
];

impl<'t> Constraints<'t> {
    fn new(table: &'t QualifiedName) -> Constraints<'t> {
        Constraints {
            table,
            found: Vec::new(),
        }
    }

    fn add(&mut self, name: String, columns: Vec<String>, index: Option<IndexKey>) {
        self.found.push(Found {
            name,
            columns,
            index,
        });
    }

    /// The constraints whose names are certain. Two rules of PostgreSQL's make a name
    /// uncertain when a statement creates several constraints: a primary key or unique
    /// constraint equal to an earlier one is not built, and gives its name to the earlier one
    /// if that was unnamed (`a int PRIMARY KEY CONSTRAINT u UNIQUE` builds one primary key
    /// named `u`); and an unnamed constraint whose chosen name is taken gets a number
    /// (`t_a_key1`). Every constraint such a rule could touch is left out.
    fn into_objects(self) -> Vec<CreatedObject> {
        let redundant = |found: &Found| {
            let Some(key) = &found.index else {
                return false;
            };
            self.found
                .iter()
                .filter(|other| other.index.is_some())
                .any(|other| {
                    !std::ptr::eq(other, found)
                        && other.index.as_ref().is_some_and(|other_key| {
                            other_key == key
                                || *other_key == IndexKey::Unknown
                                || *key == IndexKey::Unknown
                        })
                })
        };
        let reused = |found: &Found| {
            self.found
                .iter()
                .filter(|other| other.name == found.name)
                .count()
                > 1
        };
        self.found
            .iter()
            .filter(|found| !redundant(found) && !reused(found))
            .map(|found| CreatedObject::Constraint {
                table: self.table.clone(),
                name: found.name.clone(),
                columns: found.columns.clone(),
            })
            .collect()
    }

    /// A table constraint: `[CONSTRAINT name] PRIMARY KEY (…) | UNIQUE (…) | FOREIGN KEY (…)
    /// REFERENCES … | CHECK (…) | EXCLUDE …`.
    fn table_constraint(&mut self, element: &[StatementToken]) {
        let mut cursor = Cursor {
            tokens: element,
            position: 0,
        };
        let named = if cursor.eat("CONSTRAINT") {
            match cursor.name() {
                Some(name) => Some(name),
                None => return,
            }
        } else {
            None
        };
        let columns = names_in(cursor.rest());
        let table = self.table.name.clone();
        let primary = cursor.eat_all(&["PRIMARY", "KEY"]);
        if primary || cursor.eat("UNIQUE") {
            if !cursor.eat_all(&["NULLS", "NOT", "DISTINCT"]) {
                cursor.eat_all(&["NULLS", "DISTINCT"]);
            }
            let key = column_list(&mut cursor);
            let index = Some(key.clone().map_or(IndexKey::Unknown, IndexKey::Columns));
            let name = match (named, key) {
                (Some(name), _) => name,
                // `USING INDEX i` names the constraint after the index, and INCLUDE columns
                // go into a chosen unique name: neither is modelled.
                (None, Some(key)) if !contains_keyword(cursor.rest(), "INCLUDE") => {
                    if primary {
                        chosen_name(&table, None, "pkey")
                    } else {
                        chosen_name(&table, Some(&key.join("_")), "key")
                    }
                }
                (None, _) => return,
            };
            self.add(name, columns, index);
        } else if cursor.eat_all(&["FOREIGN", "KEY"]) {
            let name = match (named, column_list(&mut cursor)) {
                (Some(name), _) => name,
                (None, Some(key)) => chosen_name(&table, Some(&key.join("_")), "fkey"),
                (None, None) => return,
            };
            self.add(name, columns, None);
        } else if cursor.eat("EXCLUDE") {
            // An unnamed exclusion constraint is named after its index columns: not modelled.
            if let Some(name) = named {
                self.add(name, columns, Some(IndexKey::Exclusion));
            }
        } else if cursor.eat("CHECK") {
            // An unnamed table check is named after the one column its expression uses, if
            // only one: left to column checks, where that column is known.
            if let Some(name) = named {
                self.add(name, columns, None);
            }
        }
    }

    /// The constraints of the column definition `column …` (`rest` follows the name).
    fn column_constraints(&mut self, column: &str, rest: &[StatementToken]) {
        let table = self.table.name.clone();
        let mut cursor = Cursor {
            tokens: rest,
            position: 0,
        };
        while let Some(token) = cursor.current() {
            if token.is_symbol("(") || token.is_symbol("[") {
                cursor.skip_group();
                continue;
            }
            let named = if cursor.eat("CONSTRAINT") {
                match cursor.name() {
                    Some(name) => Some(name),
                    None => return,
                }
            } else {
                None
            };
            let own = vec![column.to_string()];
            let index = Some(IndexKey::Columns(own.clone()));
            if cursor.eat_all(&["PRIMARY", "KEY"]) {
                let name = named.unwrap_or_else(|| chosen_name(&table, None, "pkey"));
                self.add(name, own, index);
            } else if cursor.eat("UNIQUE") {
                let name = named.unwrap_or_else(|| chosen_name(&table, Some(column), "key"));
                self.add(name, own, index);
            } else if cursor.eat("REFERENCES") {
                let name = named.unwrap_or_else(|| chosen_name(&table, Some(column), "fkey"));
                self.add(name, own, None);
            } else if cursor.eat("CHECK") {
                let expression = cursor.group();
                if let Some(name) = named {
                    let mut columns = own;
                    columns.extend(names_in(expression));
                    self.add(name, columns, None);
                } else if uses_only(expression, column) {
                    self.add(chosen_name(&table, Some(column), "check"), own, None);
                }
            } else if named.is_none() {
                cursor.position += 1;
            }
            // A named NOT NULL, NULL, DEFAULT or GENERATED is not in pg_constraint: nothing.
        }
    }
}

/// PostgreSQL's name for an unnamed constraint (`makeObjectName` in
/// src/backend/commands/indexcmds.c): `table_label` or `table_columns_label`, the longer of
/// the two name parts cut first, a byte at a time, until the whole fits in 63 bytes, each cut
/// back to a character boundary. PostgreSQL appends a number to the label (`t_a_key1`) when
/// another relation or constraint in the schema has the name; that is not modelled.
fn chosen_name(table: &str, columns: Option<&str>, label: &str) -> String {
    let mut overhead = label.len() + 1;
    if columns.is_some() {
        overhead += 1;
    }
    let available = MAX_NAME_BYTES - overhead;
    let mut table_bytes = table.len();
    let mut column_bytes = columns.map_or(0, str::len);
    while table_bytes + column_bytes > available {
        if table_bytes > column_bytes {
            table_bytes -= 1;
        } else {
            column_bytes -= 1;
        }
    }
    let mut name = clip(table, table_bytes).to_string();
    if let Some(columns) = columns {
        name.push('_');
        name.push_str(clip(columns, column_bytes));
    }
    name.push('_');
    name.push_str(label);
    name
}

/// PostgreSQL's longest name, in bytes (NAMEDATALEN - 1).
const MAX_NAME_BYTES: usize = 63;

/// The first `bytes` bytes of `text`, cut back to a character boundary (`pg_mbcliplen`).
fn clip(text: &str, bytes: usize) -> &str {
    let mut cut = bytes.min(text.len());
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    &text[..cut]
}

/// Whether a check expression's only column is `column`: every other word is a reserved word,
/// a function name (followed by `(`) or a type (after `::`). Anything else may be another column.
fn uses_only(expression: &[StatementToken], column: &str) -> bool {
    let mut uses_column = false;
    for (index, token) in expression.iter().enumerate() {
        let Some(name) = token.name() else {
            continue;
        };
        if name == column {
            uses_column = true;
            continue;
        }
        let is_call = expression
            .get(index + 1)
            .is_some_and(|next| next.is_symbol("("));
        let is_type = index > 0 && expression[index - 1].is_symbol("::");
        let is_word = CHECK_WORDS.iter().any(|word| token.is_keyword(word));
        if !is_call && !is_type && !is_word {
            return false;
        }
    }
    uses_column
}

/// Every name among `tokens`.
fn names_in(tokens: &[StatementToken]) -> Vec<String> {
    tokens.iter().filter_map(StatementToken::name).collect()
}

fn contains_keyword(tokens: &[StatementToken], keyword: &str) -> bool {
    tokens.iter().any(|token| token.is_keyword(keyword))
}

/// A parenthesised list of plain column names at the cursor (`(a, b)`); `None` for anything
/// else.
fn column_list(cursor: &mut Cursor<'_>) -> Option<Vec<String>> {
    if !cursor.peek_symbol("(") {
        return None;
    }
    cursor
        .parenthesised_list()
        .into_iter()
        .map(|element| match element {
            [only] => only.name(),
            _ => None,
        })
        .collect()
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

    /// The tokens inside the parenthesised or bracketed group at the cursor, which it moves
    /// past; empty when there is no group.
    fn group(&mut self) -> &'a [StatementToken] {
        let start = self.position;
        self.skip_group();
        match self.tokens.get(start + 1..self.position.saturating_sub(1)) {
            Some(inner) if self.position > start => inner,
            _ => &[],
        }
    }

    /// Moves past the group opening at the cursor (to the end if it is not closed).
    fn skip_group(&mut self) {
        let mut depth = 0usize;
        while let Some(token) = self.current() {
            self.position += 1;
            if token.is_symbol("(") || token.is_symbol("[") {
                depth += 1;
            } else if token.is_symbol(")") || token.is_symbol("]") {
                depth = depth.saturating_sub(1);
            }
            if depth == 0 {
                return;
            }
        }
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
                CreatedObject::Constraint {
                    table,
                    name,
                    columns,
                } => format!("constraint {table}.{name} on {}", columns.join(",")),
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
    fn tables_columns_and_their_constraints() {
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
             column billing.invoice.customer_id\ncolumn billing.invoice.exclude\n\
             constraint billing.invoice.invoice_Amount_check on Amount\n\
             constraint billing.invoice.invoice_customer_id_id_key on unique,customer_id,id"
        );
    }

    #[test]
    fn unnamed_constraints_get_postgresql_names() {
        // Each name checked against PostgreSQL 15's pg_constraint.conname.
        assert_eq!(
            check(
                "CREATE TABLE s.t (a int PRIMARY KEY, b int UNIQUE, c int REFERENCES s.t (a), \
                 d int CHECK (d > 0), e text CHECK (length(e) > 2 AND e IS NOT NULL), \
                 g text CHECK (g::text <> ''), \"M\" int CHECK (\"M\" IN (1, 2) OR \"M\" IS NULL), \
                 h int, k int, UNIQUE (h, k), FOREIGN KEY (k) REFERENCES s.t (b))"
            ),
            "table s.t\ncolumn s.t.a\ncolumn s.t.b\ncolumn s.t.c\ncolumn s.t.d\ncolumn s.t.e\n\
             column s.t.g\ncolumn s.t.M\ncolumn s.t.h\ncolumn s.t.k\n\
             constraint s.t.t_pkey on a\nconstraint s.t.t_b_key on b\nconstraint s.t.t_c_fkey on c\n\
             constraint s.t.t_d_check on d\nconstraint s.t.t_e_check on e\n\
             constraint s.t.t_g_check on g\nconstraint s.t.t_M_check on M\n\
             constraint s.t.t_h_k_key on unique,h,k\n\
             constraint s.t.t_k_fkey on foreign,key,k,references,s,t,b"
        );
        assert_eq!(
            check("CREATE TABLE t (a int, b int, PRIMARY KEY (a, b))"),
            "table t\ncolumn t.a\ncolumn t.b\nconstraint t.t_pkey on primary,key,a,b"
        );
    }

    #[test]
    fn named_constraints_keep_their_names() {
        assert_eq!(
            check(
                "CREATE TABLE t (a int CONSTRAINT a_u UNIQUE CONSTRAINT a_nn NOT NULL \
                 CONSTRAINT a_c CHECK (a > b), b int, CONSTRAINT t_pk PRIMARY KEY (b), \
                 CONSTRAINT t_fk FOREIGN KEY (a) REFERENCES u, \
                 CONSTRAINT t_x EXCLUDE USING gist (a WITH =))"
            ),
            "table t\ncolumn t.a\ncolumn t.b\nconstraint t.a_u on a\nconstraint t.a_c on a,a,b\n\
             constraint t.t_pk on primary,key,b\nconstraint t.t_fk on foreign,key,a,references,u\n\
             constraint t.t_x on exclude,using,gist,a,with"
        );
    }

    #[test]
    fn alter_table_add_constraint() {
        assert_eq!(
            check(
                "ALTER TABLE s.w ADD COLUMN y int UNIQUE CHECK (y > 0) REFERENCES t (a), \
                 ADD PRIMARY KEY (x), ADD UNIQUE (x, y), ADD FOREIGN KEY (x) REFERENCES t, \
                 ADD CONSTRAINT w_named CHECK (x > y) NOT VALID"
            ),
            "column s.w.y\nconstraint s.w.w_y_key on y\nconstraint s.w.w_y_check on y\n\
             constraint s.w.w_y_fkey on y\nconstraint s.w.w_pkey on primary,key,x\n\
             constraint s.w.w_x_y_key on unique,x,y\n\
             constraint s.w.w_x_fkey on foreign,key,x,references,t\n\
             constraint s.w.w_named on check,x,y,not,valid"
        );
    }

    #[test]
    fn chosen_names_are_cut_to_63_bytes_like_postgresql() {
        // From PostgreSQL 15: the longer part is cut first, at a character boundary.
        let long = "CREATE TABLE a_table_name_that_is_quite_long_and_goes_on_and_on_for_a_while \
                    (other_column_name_that_is_also_rather_long int REFERENCES t, \
                    a_column_name_that_is_also_rather_long int \
                    CHECK (a_column_name_that_is_also_rather_long > 0))";
        let found = check(long);
        assert!(found.contains(
            "constraint a_table_name_that_is_quite_long_and_goes_on_and_on_for_a_while.\
             a_table_name_that_is_quite_lo_other_column_name_that_is_al_fkey on"
        ));
        assert!(found.contains(
            "constraint a_table_name_that_is_quite_long_and_goes_on_and_on_for_a_while.\
             a_table_name_that_is_quite_l_a_column_name_that_is_also_r_check on"
        ));
        let accented = check(
            "CREATE TABLE \"ééééééééééééééééééééééééééééééé\" (\"ççççççççççççççççççç\" int UNIQUE, \
             z int PRIMARY KEY)",
        );
        assert!(accented.contains(".éééééééééééééé_çççççççççççççç_key on"));
        assert!(accented.contains(".ééééééééééééééééééééééééééééé_pkey on z"));
    }

    #[test]
    fn uncertain_constraint_names_are_left_out() {
        let constraints = |sql: &str| {
            check(sql)
                .lines()
                .filter(|line| line.starts_with("constraint"))
                .map(|line| line.split(' ').nth(1).unwrap_or_default().to_string())
                .collect::<Vec<_>>()
        };
        // A check using another column, a word that may be a column (BETWEEN is not
        // reserved), or a typed literal.
        assert!(constraints("CREATE TABLE t (a int CHECK (a > b), b int)").is_empty());
        assert!(constraints("CREATE TABLE t (a int CHECK (a BETWEEN 1 AND 2))").is_empty());
        assert!(
            constraints("CREATE TABLE t (c date CHECK (c > now() - interval '1 day'))").is_empty()
        );
        // Unnamed table checks and exclusions, INCLUDE, USING INDEX.
        assert!(constraints("CREATE TABLE t (a int, CHECK (a > 0))").is_empty());
        assert!(constraints("CREATE TABLE t (a int, EXCLUDE USING gist (a WITH =))").is_empty());
        assert!(constraints("CREATE TABLE t (a int, b int, UNIQUE (b) INCLUDE (a))").is_empty());
        assert!(constraints("ALTER TABLE t ADD PRIMARY KEY USING INDEX i").is_empty());
        // Equal keys: PostgreSQL builds one, named after either (`foo` here, not `t_pkey`).
        assert_eq!(
            constraints("CREATE TABLE t (a int PRIMARY KEY CONSTRAINT foo UNIQUE, b int UNIQUE)"),
            ["t.t_b_key"]
        );
        assert!(constraints("CREATE TABLE t (a int UNIQUE, UNIQUE (a))").is_empty());
        // A chosen name another constraint of the statement also has.
        assert!(
            constraints("CREATE TABLE t (a int CHECK (a > 0), CONSTRAINT t_a_check CHECK (a < 9))")
                .is_empty()
        );
        // Not in pg_constraint before PostgreSQL 18.
        assert!(constraints("CREATE TABLE t (a int CONSTRAINT nn NOT NULL)").is_empty());
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
