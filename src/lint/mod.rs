//! `plan lint`'s judgement: which statements of which migrations will hurt a database in use
//! (long locks, table rewrites, changes that break running code), as [`Finding`]s pointing at
//! file and line. Each rule is a file of `rules/` with its tests; this file walks the
//! migrations in plan order, knows which tables are new (created earlier in the same
//! migration: no lock on them hurts anyone) and which indexes and column types earlier
//! migrations made, and asks every rule about every action.
//!
//! Without a database each migration is judged as if the migrations before it had been applied
//! long ago: their tables exist and may be large (as squawk assumes of a table a file does not
//! create). Names are compared with an unqualified one taken as `public`.

pub(crate) mod allow;
mod catalog;
mod judged;
pub(crate) mod rules;

use std::ops::Range;

use crate::diagnostic::SourceFile;
use crate::infer::Standing;
use crate::load::Loaded;
use crate::project::{Migration, MigrationId};
use crate::sql::actions::{Action, Located};
use crate::sql::read_actions;
use catalog::KnownTables;
pub(crate) use judged::Severity;
use judged::{Hit, Judged};
pub(crate) use rules::Rule;

/// One rule's finding about one statement.
#[derive(Clone, Debug)]
pub(crate) struct Finding {
    pub rule: Rule,
    pub severity: Severity,
    pub migration: MigrationId,
    /// The migration's file and the bytes of the clause in it.
    pub file: SourceFile,
    pub span: Range<usize>,
    pub message: String,
    pub help: String,
    /// The table concerned, `schema.name`, when one is.
    pub table: Option<String>,
    /// The lock the statement takes on it, when the rule is about a lock.
    pub lock: Option<&'static str>,
}

impl Finding {
    /// Its line in the file (from 1).
    pub(crate) fn line(&self) -> usize {
        self.file.line_of(self.span.start)
    }

    /// Its column (from 1, in characters).
    pub(crate) fn column(&self) -> usize {
        let text = self.file.text();
        let start = self.span.start.min(text.len());
        let line_start = text
            .get(..start)
            .and_then(|before| before.rfind('\n'))
            .map_or(0, |at| at + 1);
        text.get(line_start..start)
            .map_or(1, |before| before.chars().count() + 1)
    }
}

/// Every finding about `migrations` (in plan order), in order.
pub(crate) fn lint(loaded: &Loaded, migrations: &[&Migration]) -> Vec<Finding> {
    let mut known = KnownTables::default();
    let mut findings = Vec::new();
    for migration in migrations {
        findings.extend(lint_migration(migration, &mut known));
        findings.extend(missing_dependencies(loaded, migration));
    }
    findings
}

/// One migration's findings; `known` learns what it creates.
fn lint_migration(migration: &Migration, known: &mut KnownTables) -> Vec<Finding> {
    let base = migration.up_offset();
    let statements = read_actions(migration.up_sql());
    let mut new_tables = KnownTables::default();
    let mut findings = Vec::new();
    let finding = |located: &Located, rule: Rule, hit: Hit, table: Option<String>| Finding {
        rule,
        severity: rule.severity(),
        migration: migration.id().clone(),
        file: migration.file().clone(),
        span: base + located.at.start..base + located.at.end,
        message: hit.message,
        help: hit.help.to_string(),
        table,
        lock: hit.lock,
    };
    // Indexes anywhere in the migration count for its foreign keys: the index usually follows.
    let mut indexes = known.clone();
    for located in statements.iter().flat_map(|statement| &statement.actions) {
        indexes.learn(&located.action);
    }
    for located in statements.iter().flat_map(|statement| &statement.actions) {
        let table = located.action.table();
        let new_table = table.is_some_and(|table| new_tables.has_table(table));
        let previous_type = match &located.action {
            Action::AlterColumnType { table, column, .. } => new_tables
                .column_type(table, column)
                .or(known.column_type(table, column)),
            _ => None,
        };
        let judged = Judged {
            action: &located.action,
            new_table,
            previous_type,
        };
        for rule in Rule::ALL {
            if let Some(hit) = rule.check(&judged) {
                let table = table.map(catalog::display);
                findings.push(finding(located, *rule, hit, table));
            }
        }
        // A missing index hurts later deletes on the referenced table, new table or not.
        for (table, columns) in catalog::foreign_keys(&located.action) {
            if !indexes.leads_with(table, &columns) {
                let hit = rules::foreign_key_without_index::hit(&columns);
                let shown = catalog::display(table);
                findings.push(finding(
                    located,
                    Rule::ForeignKeyWithoutIndex,
                    hit,
                    Some(shown),
                ));
            }
        }
        new_tables.learn(&located.action);
    }
    for located in statements.iter().flat_map(|statement| &statement.actions) {
        known.learn(&located.action);
    }
    findings
}

/// The `missing-dependency` findings of `migration`: the inferred dependencies no declaration
/// implies (`plan check`'s problems), one per use.
fn missing_dependencies(loaded: &Loaded, migration: &Migration) -> Vec<Finding> {
    loaded
        .inference()
        .problems_of(migration.id())
        .map(|edge| {
            let (message, help) = match edge.standing {
                Standing::UsedBeforeCreated => (
                    format!(
                        "{} uses {} before {} creates it",
                        migration.id(),
                        edge.object,
                        edge.creator
                    ),
                    format!("{} comes later in the plan: change the order", edge.creator),
                ),
                _ => (
                    format!(
                        "{} uses {}, which {} creates, but does not depend on it",
                        migration.id(),
                        edge.object,
                        edge.creator
                    ),
                    format!(
                        "declare it (`-- depends: {}`), or run `plan check --fix`",
                        edge.creator
                    ),
                ),
            };
            Finding {
                rule: Rule::MissingDependency,
                severity: Rule::MissingDependency.severity(),
                migration: migration.id().clone(),
                file: edge.at.file.clone(),
                span: edge.at.span.clone(),
                message,
                help,
                table: None,
                lock: None,
            }
        })
        .collect()
}
