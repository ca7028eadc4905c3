//! What lint knows of the tables the migrations made, without a database: which tables exist,
//! their columns' types, and the key columns of their indexes (for foreign keys). Learned from
//! each action in plan order. Names are compared with an unqualified one taken as `public`.

use indexmap::IndexMap;

use crate::sql::QualifiedName;
use crate::sql::actions::{Action, AddedConstraint, ForeignKey};

/// A table by schema and name.
type TableKey = (String, String);

/// Tables, their column types and index keys, as far as the migrations say.
#[derive(Clone, Debug, Default)]
pub(super) struct KnownTables {
    tables: IndexMap<TableKey, Table>,
}

#[derive(Clone, Debug, Default)]
struct Table {
    /// Whether a `CREATE TABLE` made it (rather than only being seen changed).
    created: bool,
    /// Whether it was made `PARTITION BY …`.
    partitioned: bool,
    columns: IndexMap<String, String>,
    /// Each index's (or key constraint's) leading plain columns.
    indexes: Vec<Vec<String>>,
}

fn key(table: &QualifiedName) -> TableKey {
    (
        table.schema.clone().unwrap_or_else(|| "public".to_string()),
        table.name.clone(),
    )
}

/// `schema.name` of a table as a statement names it.
pub(super) fn display(table: &QualifiedName) -> String {
    let (schema, name) = key(table);
    format!("{schema}.{name}")
}

impl KnownTables {
    /// Whether `table` is known to have been created.
    pub(super) fn has_table(&self, table: &QualifiedName) -> bool {
        self.tables
            .get(&key(table))
            .is_some_and(|known| known.created)
    }

    /// Whether `table` is known to be partitioned.
    pub(super) fn is_partitioned(&self, table: &QualifiedName) -> bool {
        self.tables
            .get(&key(table))
            .is_some_and(|known| known.partitioned)
    }

    /// The type of `table.column`, when known.
    pub(super) fn column_type(&self, table: &QualifiedName, column: &str) -> Option<&str> {
        self.tables
            .get(&key(table))?
            .columns
            .get(column)
            .map(String::as_str)
    }

    /// Whether an index of `table` leads with `columns` (in any order among the first ones).
    pub(super) fn leads_with(&self, table: &QualifiedName, columns: &[String]) -> bool {
        if columns.is_empty() {
            return true;
        }
        self.tables.get(&key(table)).is_some_and(|known| {
            known.indexes.iter().any(|index| {
                index.len() >= columns.len()
                    && columns
                        .iter()
                        .all(|column| index[..columns.len()].contains(column))
            })
        })
    }

    /// Learns what `action` makes or changes, except that a renamed table's indexes are
    /// known under both its names: what a whole migration's indexes are, for statements
    /// written before or after the rename.
    pub(super) fn learn_under_both_names(&mut self, action: &Action) {
        match action {
            Action::RenameTable { table, to } => {
                if let Some(known) = self.tables.get(&key(table)) {
                    let indexes = known.indexes.clone();
                    self.tables
                        .entry(key(to))
                        .or_default()
                        .indexes
                        .extend(indexes);
                }
            }
            _ => self.learn(action),
        }
    }

    /// Learns what `action` makes or changes.
    pub(super) fn learn(&mut self, action: &Action) {
        match action {
            Action::CreateTable {
                table,
                columns,
                indexed,
                partitioned,
                ..
            } => {
                let known = self.tables.entry(key(table)).or_default();
                known.created = true;
                known.partitioned = *partitioned;
                known.columns = columns.iter().cloned().collect();
                known.indexes.extend(indexed.iter().cloned());
            }
            Action::CreateIndex { table, columns, .. } => {
                self.tables
                    .entry(key(table))
                    .or_default()
                    .indexes
                    .push(columns.clone());
            }
            Action::AddColumn {
                table,
                column,
                type_name,
                primary_key,
                ..
            } => {
                let known = self.tables.entry(key(table)).or_default();
                known.columns.insert(column.clone(), type_name.clone());
                if *primary_key {
                    known.indexes.push(vec![column.clone()]);
                }
            }
            Action::AlterColumnType {
                table,
                column,
                type_name,
            } => {
                self.tables
                    .entry(key(table))
                    .or_default()
                    .columns
                    .insert(column.clone(), type_name.clone());
            }
            Action::AddConstraint {
                table,
                constraint:
                    AddedConstraint::Unique { columns, .. }
                    | AddedConstraint::PrimaryKey { columns, .. },
                ..
            } => {
                self.tables
                    .entry(key(table))
                    .or_default()
                    .indexes
                    .push(columns.clone());
            }
            Action::DropTable { table } => {
                self.tables.shift_remove(&key(table));
            }
            // What is known of the table goes with it to its new name.
            Action::RenameTable { table, to } => {
                if let Some(known) = self.tables.shift_remove(&key(table)) {
                    self.tables.insert(key(to), known);
                }
            }
            _ => {}
        }
    }
}

/// The foreign keys `action` adds, as (referencing table, its columns).
pub(super) fn foreign_keys(action: &Action) -> Vec<(&QualifiedName, Vec<String>)> {
    match action {
        Action::CreateTable {
            table,
            foreign_keys,
            ..
        } => foreign_keys
            .iter()
            .map(|ForeignKey { columns, .. }| (table, columns.clone()))
            .collect(),
        Action::AddConstraint {
            table,
            constraint: AddedConstraint::ForeignKey(foreign_key),
            ..
        } => vec![(table, foreign_key.columns.clone())],
        Action::AddColumn {
            table,
            column,
            references: Some(_),
            ..
        } => vec![(table, vec![column.clone()])],
        _ => Vec::new(),
    }
}
