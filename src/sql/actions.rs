//! What a statement does to tables that may be in use ([`Action`]): the changes that take locks,
//! rewrite tables or break running code, each with the span of the clause that does it. This is
//! what `plan lint`'s rules judge; like `facts.rs`, our own types, filled by `parser/`, names as
//! written (schema not resolved).

use std::ops::Range;

use super::facts::QualifiedName;

/// A statement's actions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StatementActions {
    /// The statement's bytes in its script.
    pub span: Range<usize>,
    /// What it does, in order.
    pub actions: Vec<Located>,
    /// Whether the parser could not read it (then `actions` is empty: nothing is guessed).
    pub unreadable: bool,
    /// The `search_path` it sets (`SET search_path`, `set_config`, `RESET`: empty for the
    /// default), if it sets one.
    pub search_path: Option<Vec<String>>,
}

/// One action of a statement, and where in the script it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Located {
    /// The bytes of the clause (for `ALTER TABLE t ADD COLUMN …`, the `ADD COLUMN …` part).
    pub at: Range<usize>,
    /// What it does.
    pub action: Action,
}

/// A change to a table (or an index) that a lint rule can judge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Action {
    /// `CREATE TABLE t (…)`: a new table, with its columns and their types, the key columns of
    /// each primary key and unique constraint and the columns of each foreign key it declares.
    CreateTable {
        table: QualifiedName,
        /// Written `IF NOT EXISTS`: a no-op when the table exists.
        if_not_exists: bool,
        /// `PARTITION BY …`: its indexes are built on each partition.
        partitioned: bool,
        columns: Vec<(String, String)>,
        indexed: Vec<Vec<String>>,
        foreign_keys: Vec<ForeignKey>,
    },
    /// `CREATE [UNIQUE] INDEX [CONCURRENTLY] … ON t (…)`.
    CreateIndex {
        table: QualifiedName,
        concurrently: bool,
        /// The leading plain columns of its key, in order, up to the first expression.
        columns: Vec<String>,
    },
    /// `DROP INDEX [CONCURRENTLY] …`.
    DropIndex { concurrently: bool },
    /// `ALTER TABLE t ADD COLUMN c type …`.
    AddColumn {
        table: QualifiedName,
        column: String,
        /// The type as written, folded to lowercase (`serial`, `bigint`, `varchar(20)`).
        type_name: String,
        /// Its `DEFAULT`, if any.
        default: Option<ColumnDefault>,
        not_null: bool,
        primary_key: bool,
        /// A `REFERENCES` on the column.
        references: Option<QualifiedName>,
    },
    /// `ALTER TABLE t ALTER COLUMN c [SET DATA] TYPE type`.
    AlterColumnType {
        table: QualifiedName,
        column: String,
        /// The new type as written, folded to lowercase.
        type_name: String,
    },
    /// `ALTER TABLE t ALTER COLUMN c SET NOT NULL`.
    SetNotNull {
        table: QualifiedName,
        column: String,
    },
    /// `ALTER TABLE t ADD [CONSTRAINT n] …`.
    AddConstraint {
        table: QualifiedName,
        constraint: AddedConstraint,
        not_valid: bool,
    },
    /// `ALTER TABLE t RENAME COLUMN …`.
    RenameColumn {
        table: QualifiedName,
        column: String,
    },
    /// `ALTER TABLE t RENAME TO new`.
    RenameTable {
        table: QualifiedName,
        /// The new name, in the table's schema.
        to: QualifiedName,
    },
    /// `ALTER TABLE t DROP COLUMN c`.
    DropColumn {
        table: QualifiedName,
        column: String,
    },
    /// `DROP TABLE t` (one action per table named).
    DropTable { table: QualifiedName },
    /// `TRUNCATE t, … [CASCADE]`.
    Truncate {
        tables: Vec<QualifiedName>,
        cascade: bool,
    },
    /// `VACUUM FULL` (with the tables it names; none: every table).
    VacuumFull { tables: Vec<QualifiedName> },
    /// `CLUSTER [t]`.
    Cluster { table: Option<QualifiedName> },
}

/// A constraint `ALTER TABLE … ADD` adds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum AddedConstraint {
    Check,
    ForeignKey(ForeignKey),
    /// `UNIQUE (…)`, or `UNIQUE USING INDEX i` (which takes no long lock).
    Unique {
        columns: Vec<String>,
        using_index: bool,
    },
    /// `PRIMARY KEY (…)`, or `PRIMARY KEY USING INDEX i`.
    PrimaryKey {
        columns: Vec<String>,
        using_index: bool,
    },
    Exclude,
}

/// A foreign key: its referencing columns and the table it references.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ForeignKey {
    pub columns: Vec<String>,
    pub references: Option<QualifiedName>,
}

/// A column's `DEFAULT` expression, or what fills it as one does (a serial's sequence, an
/// identity, a stored generated column's expression).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ColumnDefault {
    /// The functions it calls (`clock_timestamp`, `gen_random_uuid`, `now`).
    pub functions: Vec<QualifiedName>,
    /// Whether it reads `nextval` through a serial type (`serial`, `bigserial`) or an identity
    /// (`GENERATED … AS IDENTITY`): volatile.
    pub serial: bool,
    /// Whether it is a stored generated column's expression (`GENERATED ALWAYS AS (…)
    /// STORED`): computed for every row when the column is added.
    pub stored_generated: bool,
}

impl Action {
    /// Puts every table name the statement left unqualified in `schema` (the first of the
    /// `search_path` in force), as PostgreSQL resolves a name it creates.
    pub(crate) fn qualify(&mut self, schema: &str) {
        let mut fill = |name: &mut QualifiedName| {
            if name.schema.is_none() {
                name.schema = Some(schema.to_string());
            }
        };
        match self {
            Action::CreateTable {
                table,
                foreign_keys,
                ..
            } => {
                fill(table);
                for key in foreign_keys {
                    key.references.iter_mut().for_each(&mut fill);
                }
            }
            Action::AddConstraint {
                table, constraint, ..
            } => {
                fill(table);
                if let AddedConstraint::ForeignKey(key) = constraint {
                    key.references.iter_mut().for_each(&mut fill);
                }
            }
            Action::AddColumn {
                table, references, ..
            } => {
                fill(table);
                references.iter_mut().for_each(&mut fill);
            }
            Action::CreateIndex { table, .. }
            | Action::AlterColumnType { table, .. }
            | Action::SetNotNull { table, .. }
            | Action::RenameColumn { table, .. }
            | Action::DropColumn { table, .. }
            | Action::DropTable { table } => fill(table),
            Action::RenameTable { table, to } => {
                fill(table);
                fill(to);
            }
            Action::Cluster { table } => table.iter_mut().for_each(&mut fill),
            Action::Truncate { tables, .. } | Action::VacuumFull { tables } => {
                tables.iter_mut().for_each(&mut fill);
            }
            Action::DropIndex { .. } => {}
        }
    }

    /// The table the action changes, if it changes one table.
    pub(crate) fn table(&self) -> Option<&QualifiedName> {
        match self {
            Action::CreateTable { table, .. }
            | Action::CreateIndex { table, .. }
            | Action::AddColumn { table, .. }
            | Action::AlterColumnType { table, .. }
            | Action::SetNotNull { table, .. }
            | Action::AddConstraint { table, .. }
            | Action::RenameColumn { table, .. }
            | Action::RenameTable { table, .. }
            | Action::DropColumn { table, .. }
            | Action::DropTable { table } => Some(table),
            Action::Cluster { table } => table.as_ref(),
            Action::DropIndex { .. } | Action::Truncate { .. } | Action::VacuumFull { .. } => None,
        }
    }
}
