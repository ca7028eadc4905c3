//! What apply does with `plan lint` (plan.yaml `lint.on_apply`): before the first statement,
//! the findings about what it will run, judged with the database's table sizes, are reported
//! ([`LintNote`]s in `Progress::Linted`); with `on_apply: error`, an error finding refuses the
//! run, nothing applied. Before a migration that takes a lock blocking reads or writes on a
//! table, the sessions whose transaction is older than `lint.long_transaction` and holds a lock
//! on that table are named (`Progress::LongTransactions`): the migration would queue behind
//! them, and every query on the table behind it.

use std::time::Duration;

use miette::Diagnostic;

use crate::db::Session;
use crate::lint::allow::Allows;
use crate::lint::{Finding, Live, Severity};
use crate::load::Loaded;
use crate::project::{LintOnApply, Migration};

/// One finding, as apply reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LintNote {
    /// The rule (`require-concurrent-index-creation`).
    pub rule: &'static str,
    /// `error` or `warning`.
    pub severity: &'static str,
    /// The migration.
    pub migration: String,
    /// `file:line`.
    pub location: String,
    /// What it does.
    pub message: String,
}

/// A session in a long transaction holding a lock on a table a migration will lock.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HoldingSession {
    pub pid: i32,
    pub application: String,
    pub state: String,
    /// How long its transaction has been open, as PostgreSQL prints an interval.
    pub age: String,
    /// The start of its last query.
    pub query: String,
}

/// `on_apply: error` and findings of severity error: nothing was run.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error(
    "plan lint found {count} error{} in what apply would run; nothing was applied",
    if *count == 1 { "" } else { "s" }
)]
#[diagnostic(
    code(plan::apply::lint_refused),
    help(
        "plan.yaml sets lint.on_apply: error; `plan lint` shows the findings and the safe way for each; change the migrations, or allow a finding in its file with `-- plan:allow RULE: reason`"
    )
)]
pub struct LintRefused {
    /// How many error findings.
    pub count: usize,
}

/// The findings about `migrations` with `session`'s database's sizes (none when `on_apply` is
/// `off`); `home`: the schema they run in when not the default (`Target::home_schema`).
pub(crate) fn lint_what_runs(
    session: &mut Session,
    loaded: &Loaded,
    migrations: &[&Migration],
    home: Option<&str>,
) -> Result<Vec<Finding>, crate::db::DbError> {
    let settings = &loaded.project().manifest().lint;
    if settings.on_apply == LintOnApply::Off || migrations.is_empty() {
        return Ok(Vec::new());
    }
    let read = crate::lint::read(migrations);
    let mut live = Live::read(session, &read.table_names(), settings.small_table_rows)?;
    live.home = home.map(str::to_string);
    let findings = read.judge(loaded, Some(&live));
    // What the files allow is not reported (nor refused); allows that cannot be read are
    // `plan lint`'s to report, and then allow nothing here.
    Ok(match Allows::read(migrations) {
        Ok(allows) => allows.apply(findings).findings,
        Err(_) => findings,
    })
}

/// The notes apply reports for `findings`.
pub(crate) fn notes(findings: &[Finding]) -> Vec<LintNote> {
    findings
        .iter()
        .map(|finding| LintNote {
            rule: finding.rule.name(),
            severity: finding.severity.name(),
            migration: finding.migration.to_string(),
            location: format!("{}:{}", finding.file.name(), finding.line()),
            message: finding.message.clone(),
        })
        .collect()
}

/// The refusal `on_apply: error` makes of `findings`, if any is an error.
pub(crate) fn refusal(loaded: &Loaded, findings: &[Finding]) -> Option<LintRefused> {
    if loaded.project().manifest().lint.on_apply != LintOnApply::Error {
        return None;
    }
    let count = findings
        .iter()
        .filter(|finding| finding.severity == Severity::Error)
        .count();
    (count > 0).then_some(LintRefused { count })
}

/// The tables `migration`'s findings say it locks so that reads or writes wait (every lock
/// the rules name does), as `schema.name`.
pub(crate) fn locked_tables(findings: &[Finding], migration: &Migration) -> Vec<String> {
    let mut tables: Vec<String> = Vec::new();
    for finding in findings {
        if finding.migration != *migration.id() || finding.lock.is_none() {
            continue;
        }
        if let Some(table) = &finding.table
            && !tables.contains(table)
        {
            tables.push(table.clone());
        }
    }
    tables
}

/// The other sessions whose transaction started more than `older_than` ago and that hold a
/// lock on `table` (`schema.name`).
pub(crate) fn holding_sessions(
    session: &mut Session,
    table: &str,
    older_than: Duration,
) -> Result<Vec<HoldingSession>, crate::db::DbError> {
    let Some((schema, name)) = table.split_once('.') else {
        return Ok(Vec::new());
    };
    let seconds = older_than.as_secs_f64().to_string();
    let sql = "SELECT DISTINCT a.pid::text, a.application_name, coalesce(a.state, ''),
                      date_trunc('second', now() - a.xact_start)::text, left(a.query, 200)
                 FROM pg_locks l
                 JOIN pg_stat_activity a ON a.pid = l.pid
                 JOIN pg_class c ON c.oid = l.relation
                 JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = $1 AND c.relname = $2 AND l.granted
                  AND a.pid <> pg_backend_pid()
                  AND a.xact_start < now() - make_interval(secs => ($3::text)::float8)";
    let rows = session
        .query_texts(sql, &[schema, name, &seconds])
        .map_err(|error| session.error("look for long transactions", &error))?;
    Ok(rows
        .into_iter()
        .filter_map(|row| match row.as_slice() {
            [Some(pid), application, state, age, query] => Some(HoldingSession {
                pid: pid.parse().ok()?,
                application: application.clone().unwrap_or_default(),
                state: state.clone().unwrap_or_default(),
                age: age.clone().unwrap_or_default(),
                query: query.clone().unwrap_or_default(),
            }),
            _ => None,
        })
        .collect())
}
