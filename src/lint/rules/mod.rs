//! The rules, one file each with its tests: [`Rule`] names them (squawk's names where the rule
//! is squawk's, so teams moving from squawk keep their vocabulary) and asks each about a
//! [`Judged`] action. `missing-dependency` and `foreign-key-without-index` look further than
//! one action: `lint/mod.rs` asks them itself.

mod adding_field_with_default;
mod adding_not_nullable_field;
mod adding_required_field;
mod adding_serial_primary_key_field;
mod ban_drop_column;
mod ban_drop_table;
mod ban_truncate_cascade;
mod changing_column_type;
mod constraint_missing_not_valid;
mod disallowed_unique_constraint;
pub(super) mod foreign_key_without_index;
mod prefer_repack;
mod renaming_column;
mod renaming_table;
mod require_concurrent_index_creation;
mod require_concurrent_index_deletion;

use super::judged::{Hit, Judged, Severity};

/// A lint rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Rule {
    RequireConcurrentIndexCreation,
    RequireConcurrentIndexDeletion,
    ConstraintMissingNotValid,
    AddingFieldWithDefault,
    AddingRequiredField,
    AddingNotNullableField,
    ChangingColumnType,
    RenamingColumn,
    RenamingTable,
    BanDropColumn,
    BanDropTable,
    DisallowedUniqueConstraint,
    AddingSerialPrimaryKeyField,
    PreferRepack,
    BanTruncateCascade,
    MissingDependency,
    ForeignKeyWithoutIndex,
    RewriteOfLargeTable,
    /// A `-- plan:allow` comment that allowed nothing (`lint/allow.rs`).
    UnusedAllow,
}

impl Rule {
    /// Every rule, in the order findings of one statement are listed.
    pub(crate) const ALL: &'static [Rule] = &[
        Rule::RequireConcurrentIndexCreation,
        Rule::RequireConcurrentIndexDeletion,
        Rule::ConstraintMissingNotValid,
        Rule::AddingFieldWithDefault,
        Rule::AddingRequiredField,
        Rule::AddingNotNullableField,
        Rule::ChangingColumnType,
        Rule::RenamingColumn,
        Rule::RenamingTable,
        Rule::BanDropColumn,
        Rule::BanDropTable,
        Rule::DisallowedUniqueConstraint,
        Rule::AddingSerialPrimaryKeyField,
        Rule::PreferRepack,
        Rule::BanTruncateCascade,
        Rule::MissingDependency,
        Rule::ForeignKeyWithoutIndex,
        Rule::RewriteOfLargeTable,
        Rule::UnusedAllow,
    ];

    /// Its name (`require-concurrent-index-creation`).
    pub(crate) fn name(self) -> &'static str {
        match self {
            Rule::RequireConcurrentIndexCreation => "require-concurrent-index-creation",
            Rule::RequireConcurrentIndexDeletion => "require-concurrent-index-deletion",
            Rule::ConstraintMissingNotValid => "constraint-missing-not-valid",
            Rule::AddingFieldWithDefault => "adding-field-with-default",
            Rule::AddingRequiredField => "adding-required-field",
            Rule::AddingNotNullableField => "adding-not-nullable-field",
            Rule::ChangingColumnType => "changing-column-type",
            Rule::RenamingColumn => "renaming-column",
            Rule::RenamingTable => "renaming-table",
            Rule::BanDropColumn => "ban-drop-column",
            Rule::BanDropTable => "ban-drop-table",
            Rule::DisallowedUniqueConstraint => "disallowed-unique-constraint",
            Rule::AddingSerialPrimaryKeyField => "adding-serial-primary-key-field",
            Rule::PreferRepack => "prefer-repack",
            Rule::BanTruncateCascade => "ban-truncate-cascade",
            Rule::MissingDependency => "missing-dependency",
            Rule::ForeignKeyWithoutIndex => "foreign-key-without-index",
            Rule::RewriteOfLargeTable => "rewrite-of-large-table",
            Rule::UnusedAllow => "unused-allow",
        }
    }

    /// The rule named `name` as [`Rule::name`] spells it (`ban-drop-column`), if any.
    pub(crate) fn named(name: &str) -> Option<Rule> {
        Rule::ALL.iter().copied().find(|rule| rule.name() == name)
    }

    /// What it finds, in one sentence (docs/lint.md says more): SARIF's `shortDescription`.
    pub(crate) fn summary(self) -> &'static str {
        match self {
            Rule::RequireConcurrentIndexCreation => {
                "CREATE INDEX without CONCURRENTLY on an existing table blocks writes while it builds"
            }
            Rule::RequireConcurrentIndexDeletion => {
                "DROP INDEX without CONCURRENTLY blocks reads and writes of the table"
            }
            Rule::ConstraintMissingNotValid => {
                "a CHECK or FOREIGN KEY added to an existing table without NOT VALID scans it under lock"
            }
            Rule::AddingFieldWithDefault => {
                "a column added with a volatile default rewrites the table under lock"
            }
            Rule::AddingRequiredField => {
                "a NOT NULL column without a default fails on a table with rows"
            }
            Rule::AddingNotNullableField => {
                "SET NOT NULL scans the table under lock unless a validated CHECK proves it"
            }
            Rule::ChangingColumnType => {
                "changing a column's type rewrites the table under lock unless binary-coercible"
            }
            Rule::RenamingColumn => "renaming a column breaks the code running against it",
            Rule::RenamingTable => "renaming a table breaks the code running against it",
            Rule::BanDropColumn => "dropping a column breaks the code still reading it",
            Rule::BanDropTable => "dropping a table breaks the code still reading it",
            Rule::DisallowedUniqueConstraint => {
                "ADD UNIQUE builds its index under lock; build it CONCURRENTLY and add USING INDEX"
            }
            Rule::AddingSerialPrimaryKeyField => {
                "adding a serial primary key column rewrites the table and builds an index under lock"
            }
            Rule::PreferRepack => {
                "VACUUM FULL and CLUSTER rewrite the table under an exclusive lock"
            }
            Rule::BanTruncateCascade => {
                "TRUNCATE ... CASCADE empties every table that references this one"
            }
            Rule::MissingDependency => {
                "a migration uses an object another creates without depending on it"
            }
            Rule::ForeignKeyWithoutIndex => {
                "a foreign key whose referencing columns no index leads with"
            }
            Rule::RewriteOfLargeTable => {
                "with a database: a rewrite of a table at or above lint.small_table_rows rows"
            }
            Rule::UnusedAllow => "a `-- plan:allow` comment that allowed nothing",
        }
    }

    /// How bad its findings are without a database to size the table: a lock or a rewrite on
    /// a table that may be large, a failure on one with rows, a missing dependency are errors;
    /// what breaks running code (renames, drops) and a missing index are warnings.
    pub(crate) fn severity(self) -> Severity {
        match self {
            Rule::RenamingColumn
            | Rule::RenamingTable
            | Rule::BanDropColumn
            | Rule::BanDropTable
            | Rule::ForeignKeyWithoutIndex
            | Rule::UnusedAllow => Severity::Warning,
            _ => Severity::Error,
        }
    }

    /// Whether its findings are statements that rewrite the table (then, with a database, a
    /// large table also gets `rewrite-of-large-table`).
    pub(crate) fn rewrites(self) -> bool {
        matches!(
            self,
            Rule::ChangingColumnType | Rule::AddingFieldWithDefault | Rule::PreferRepack
        )
    }

    /// What the rule finds about `judged`.
    pub(super) fn check(self, judged: &Judged<'_>) -> Option<Hit> {
        match self {
            Rule::RequireConcurrentIndexCreation => {
                require_concurrent_index_creation::check(judged)
            }
            Rule::RequireConcurrentIndexDeletion => {
                require_concurrent_index_deletion::check(judged)
            }
            Rule::ConstraintMissingNotValid => constraint_missing_not_valid::check(judged),
            Rule::AddingFieldWithDefault => adding_field_with_default::check(judged),
            Rule::AddingRequiredField => adding_required_field::check(judged),
            Rule::AddingNotNullableField => adding_not_nullable_field::check(judged),
            Rule::ChangingColumnType => changing_column_type::check(judged),
            Rule::RenamingColumn => renaming_column::check(judged),
            Rule::RenamingTable => renaming_table::check(judged),
            Rule::BanDropColumn => ban_drop_column::check(judged),
            Rule::BanDropTable => ban_drop_table::check(judged),
            Rule::DisallowedUniqueConstraint => disallowed_unique_constraint::check(judged),
            Rule::AddingSerialPrimaryKeyField => adding_serial_primary_key_field::check(judged),
            Rule::PreferRepack => prefer_repack::check(judged),
            Rule::BanTruncateCascade => ban_truncate_cascade::check(judged),
            // Judged by `lint/mod.rs` over a whole migration, or with a database.
            Rule::MissingDependency | Rule::ForeignKeyWithoutIndex | Rule::RewriteOfLargeTable => {
                None
            }
            // Judged by `lint/allow.rs` once the findings are known.
            Rule::UnusedAllow => None,
        }
    }
}

/// The rules' test helper: the findings (`rule at line`) of the last migration of a project
/// whose earlier migration is `earlier` and last one `sql`.
#[cfg(test)]
pub(super) fn findings(earlier: &str, sql: &str) -> Vec<String> {
    let dir = crate::testing::project_dir(&[
        ("migrations/001_earlier.sql", earlier),
        ("migrations/002_judged.sql", sql),
    ]);
    let loaded = match crate::load::load_project(dir.path()) {
        Ok(loaded) => loaded,
        Err(invalid) => panic!("expected a valid project: {invalid:?}"),
    };
    let migrations: Vec<&crate::project::Migration> = loaded.project().migrations().collect();
    super::lint(&loaded, &migrations, None)
        .into_iter()
        .filter(|finding| finding.migration.as_str() == "002_judged")
        .map(|finding| format!("{} at {}", finding.rule.name(), finding.line()))
        .collect()
}

/// A table the rules' tests create in the earlier migration.
#[cfg(test)]
pub(super) const ORDERS: &str = "CREATE TABLE orders (id int PRIMARY KEY, status text, amount numeric(10, 2), note varchar(50));\n";
