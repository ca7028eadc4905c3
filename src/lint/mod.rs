//! `plan lint`'s judgement: which statements of which migrations will hurt a database in use
//! (long locks, table rewrites, changes that break running code), as [`Finding`]s pointing at
//! file and line. Each rule is a file of `rules/` with its tests; this file walks the
//! migrations in plan order, knows which tables are new (created earlier in the same
//! migration: no lock on them hurts anyone) and which indexes and column types earlier
//! migrations made, and asks every rule about every action.
//!
//! Without a database each migration is judged as if the migrations before it had been applied
//! long ago: their tables exist and may be large (as squawk assumes of a table a file does not
//! create). Table names are resolved through the `search_path` the migration sets (the first
//! schema of the path, `public` by default), as PostgreSQL resolves the names it creates.

pub(crate) mod allow;
mod catalog;
mod judged;
mod live;
pub(crate) mod rules;

use std::ops::Range;

use crate::diagnostic::{Origin, SourceFile};
use crate::infer::Standing;
use crate::load::Loaded;
use crate::parallel;
use crate::project::{Migration, MigrationId};
use crate::sql::actions::{Action, Located, StatementActions};
use crate::sql::{QualifiedName, SqlText, migration_texts, read_actions};
use catalog::KnownTables;
pub(crate) use judged::Severity;
use judged::{Hit, Judged};
pub(crate) use live::Live;
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
    /// With a database: the table's estimated rows (`pg_class.reltuples`), when known.
    pub estimated_rows: Option<u64>,
    /// With a database: the size of the table's heap as last vacuumed or analyzed (an estimate).
    pub size_bytes: Option<u64>,
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

/// Every finding about `migrations` (in plan order), in order. Without a database (`live`
/// `None`), each migration is judged as if those before it were applied long ago; with one,
/// `migrations` are what apply would run, a table an earlier one of them creates (and the
/// database does not have) is new, and severities follow the tables' sizes.
pub(crate) fn lint(
    loaded: &Loaded,
    migrations: &[&Migration],
    live: Option<&Live>,
) -> Vec<Finding> {
    read(migrations).judge(loaded, live)
}

/// The statements of the migrations to lint, read and not yet judged: what [`Live::read`]
/// asks the database about ([`Read::table_names`]) comes from them.
pub(crate) struct Read<'m> {
    migrations: Vec<(&'m Migration, Vec<(Place, StatementActions)>)>,
}

/// Reads the statements of `migrations` (in plan order) for [`Read::judge`].
pub(crate) fn read<'m>(migrations: &[&'m Migration]) -> Read<'m> {
    // Reading each migration's statements is independent of the others: in parallel.
    let read = parallel::map(migrations, |migration| {
        sql_texts(migration)
            .into_iter()
            .flat_map(|(place, sql)| {
                read_actions(sql)
                    .into_iter()
                    .map(move |statement| (place.clone(), statement))
            })
            .collect::<Vec<_>>()
    });
    Read {
        migrations: migrations.iter().copied().zip(read).collect(),
    }
}

impl Read<'_> {
    /// The name of every table the statements act on, each once, in any schema: the only
    /// tables judging them asks [`Live`] about (`Action::table`, whatever schema the
    /// `search_path` then resolves it to).
    pub(crate) fn table_names(&self) -> Vec<String> {
        let mut names: indexmap::IndexSet<&str> = indexmap::IndexSet::new();
        for (_, statements) in &self.migrations {
            for (_, statement) in statements {
                for located in &statement.actions {
                    if let Some(table) = located.action.table() {
                        names.insert(&table.name);
                    }
                }
            }
        }
        names.into_iter().map(str::to_string).collect()
    }

    /// Every finding about the statements read, as [`lint`] says.
    pub(crate) fn judge(self, loaded: &Loaded, live: Option<&Live>) -> Vec<Finding> {
        let mut known = KnownTables::default();
        let mut created_in_run = KnownTables::default();
        let mut findings = Vec::new();
        for (migration, statements) in self.migrations {
            findings.extend(lint_migration(
                migration,
                statements,
                &mut known,
                &mut created_in_run,
                live,
            ));
            findings.extend(missing_dependencies(loaded, migration));
        }
        findings
    }
}

/// Where a migration's SQL text is, to place its findings: its file from a byte on (the
/// forward SQL), or the declaration in plan.yaml of a `sql` step (as `plan check` places a
/// step's statements: a step's file may not even be in the project's folder).
#[derive(Clone, Debug)]
enum Place {
    Text { file: SourceFile, base: usize },
    Step(Origin),
}

impl Place {
    fn file(&self) -> &SourceFile {
        match self {
            Place::Text { file, .. } => file,
            Place::Step(origin) => &origin.file,
        }
    }

    /// The bytes in [`Place::file`] of `at`, bytes of the text.
    fn span(&self, at: &Range<usize>) -> Range<usize> {
        match self {
            Place::Text { base, .. } => base + at.start..base + at.end,
            Place::Step(origin) => origin.span.clone(),
        }
    }
}

/// A migration's SQL texts (`sql::migration_texts`), each with where its findings go.
fn sql_texts(migration: &Migration) -> Vec<(Place, &str)> {
    migration_texts(migration)
        .into_iter()
        .map(|(text, sql)| {
            let step = match text {
                SqlText::Up => None,
                SqlText::Step(index) => migration.steps().get(index),
            };
            let place = match step {
                Some(step) => Place::Step(step.origin.clone()),
                None => Place::Text {
                    file: migration.file().clone(),
                    base: migration.up_offset(),
                },
            };
            (place, sql)
        })
        .collect()
}

/// One migration's findings; `known` learns what it creates, and `created_in_run` the tables.
fn lint_migration(
    migration: &Migration,
    mut statements: Vec<(Place, StatementActions)>,
    known: &mut KnownTables,
    created_in_run: &mut KnownTables,
    live: Option<&Live>,
) -> Vec<Finding> {
    // Names resolved through the search_path the migration sets, as PostgreSQL resolves them
    // (the first schema of the path; `public` by default, or the schema a fleet's schema
    // target runs in).
    let mut search_path: Vec<String> = live
        .and_then(|live| live.home.clone())
        .into_iter()
        .collect();
    for (_, statement) in &mut statements {
        let schema = search_path
            .first()
            .map_or("public", String::as_str)
            .to_string();
        for located in &mut statement.actions {
            located.action.qualify(&schema);
        }
        if let Some(path) = &statement.search_path {
            search_path = path.clone();
        }
    }
    let mut new_tables = KnownTables::default();
    let mut findings = Vec::new();
    let finding =
        |place: &Place, located: &Located, rule: Rule, hit: Hit, table: Option<&QualifiedName>| {
            let stats = live.zip(table).and_then(|(live, table)| live.stats(table));
            Finding {
                rule,
                severity: match live {
                    Some(live) => live.severity(rule, &hit, stats),
                    None => rule.severity(),
                },
                migration: migration.id().clone(),
                file: place.file().clone(),
                span: place.span(&located.at),
                message: hit.message,
                help: hit.help.to_string(),
                table: table.map(catalog::display),
                lock: hit.lock,
                estimated_rows: stats.and_then(|stats| stats.rows),
                size_bytes: stats.map(|stats| stats.bytes),
            }
        };
    // Indexes anywhere in the migration count for its foreign keys: the index usually follows.
    // (Learned apart from `known`, which grows with the whole plan: copying it per migration
    // made lint quadratic.)
    let mut own_indexes = KnownTables::default();
    for (_, statement) in &statements {
        for located in &statement.actions {
            own_indexes.learn_under_both_names(&located.action);
        }
    }
    let actions = statements.iter().flat_map(|(place, statement)| {
        statement
            .actions
            .iter()
            .map(move |located| (place, located))
    });
    for (place, located) in actions {
        // `CREATE TABLE IF NOT EXISTS` of a table that exists (an earlier migration made it, or
        // the database has it) does nothing: nothing is judged, and the table stays in use.
        let no_op = match &located.action {
            Action::CreateTable {
                table,
                if_not_exists: true,
                ..
            } => known.has_table(table) || live.is_some_and(|live| live.has(table)),
            _ => false,
        };
        if no_op {
            continue;
        }
        let table = located.action.table();
        // With a database, a table an earlier migration of this run creates does not exist
        // yet when the run starts: nobody uses it.
        let new_table = table.is_some_and(|table| {
            new_tables.has_table(table)
                || live.is_some_and(|live| created_in_run.has_table(table) && !live.has(table))
        });
        let previous_type = match &located.action {
            Action::AlterColumnType { table, column, .. } => new_tables
                .column_type(table, column)
                .or(known.column_type(table, column)),
            _ => None,
        };
        let partitioned = table.is_some_and(|table| {
            new_tables.is_partitioned(table)
                || known.is_partitioned(table)
                || live
                    .and_then(|live| live.stats(table))
                    .is_some_and(|stats| stats.partitioned)
        });
        let judged = Judged {
            action: &located.action,
            new_table,
            partitioned,
            previous_type,
            volatile_functions: live.map(|live| live.volatile.as_slice()),
        };
        for rule in Rule::ALL {
            if let Some(hit) = rule.check(&judged) {
                let large = live
                    .zip(table)
                    .and_then(|(live, table)| Some((live, live.stats(table)?)))
                    .and_then(|(live, stats)| live.rewrite_of_large_table(*rule, stats));
                findings.push(finding(place, located, *rule, hit, table));
                if let Some(large) = large {
                    findings.push(finding(
                        place,
                        located,
                        Rule::RewriteOfLargeTable,
                        large,
                        table,
                    ));
                }
            }
        }
        // A missing index hurts later deletes on the referenced table, new table or not.
        for (table, columns) in catalog::foreign_keys(&located.action) {
            if !known.leads_with(table, &columns) && !own_indexes.leads_with(table, &columns) {
                let hit = rules::foreign_key_without_index::hit(&columns);
                findings.push(finding(
                    place,
                    located,
                    Rule::ForeignKeyWithoutIndex,
                    hit,
                    Some(table),
                ));
            }
        }
        // Learned statement by statement: a table renamed takes what is known of it to its new
        // name for the statements after.
        new_tables.learn(&located.action);
        created_in_run.learn(&located.action);
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
                estimated_rows: None,
                size_bytes: None,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A project whose files are `files`, and its findings as `rule at file:line`.
    fn check(files: &[(&str, &str)], expect: &[&str]) {
        let dir = crate::testing::project_dir(files);
        let loaded = match crate::load::load_project(dir.path()) {
            Ok(loaded) => loaded,
            Err(invalid) => panic!("expected a valid project: {invalid:?}"),
        };
        let migrations: Vec<&Migration> = loaded.project().migrations().collect();
        let got: Vec<String> = lint(&loaded, &migrations, None)
            .iter()
            .map(|finding| {
                format!(
                    "{} at {}:{}",
                    finding.rule.name(),
                    finding.file.name(),
                    finding.line()
                )
            })
            .collect();
        assert_eq!(got, expect);
    }

    #[test]
    fn sql_steps_are_judged_after_the_forward_sql_at_their_declaration() {
        // A step runs in the migration's session, after its SQL: the table the SQL creates is
        // new for it, and what it does to a table in use is found, at the step in plan.yaml.
        check(
            &[
                (
                    "migrations/001_orders.sql",
                    "CREATE TABLE orders (id int);\n",
                ),
                (
                    "migrations/002_more.sql",
                    "-- depends: 001_orders\nCREATE TABLE fresh (id int);\n",
                ),
                (
                    "migrations/002_step.sql",
                    "CREATE INDEX ON fresh (id);\nCREATE INDEX ON orders (id);\n",
                ),
                (
                    "plan.yaml",
                    "migrations:\n  002_more:\n    steps:\n      - sql: 002_step.sql\n      - sql: \"DROP TABLE orders\"\n",
                ),
            ],
            &[
                "require-concurrent-index-creation at plan.yaml:4",
                "ban-drop-table at plan.yaml:5",
            ],
        );
    }
}
