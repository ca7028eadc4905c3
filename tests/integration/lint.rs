//! `plan lint`, offline: findings at file and line in text, JSON and GitHub annotations, the
//! exit code following `--fail-on`, no finding on the worked example, and invalid input still
//! exit 2.

use std::path::Path;

use crate::support::cluster::test_db;
use crate::support::project::{Run, TestProject, crate_root, plan, plan_with_env};

fn lint(dir: &Path, args: &[&str]) -> Run {
    let mut all = vec!["lint"];
    all.extend(args);
    plan_with_env(dir, &all, &[("NO_COLOR", "1")])
}

fn project() -> TestProject {
    TestProject::new(&[
        (
            "migrations/001_orders.sql",
            "-- depends: none\nCREATE TABLE orders (id int PRIMARY KEY, status text, note varchar(50));\n",
        ),
        (
            "migrations/002_index.sql",
            "-- depends: 001_orders\nCREATE INDEX orders_status ON orders (status);\nALTER TABLE orders\n  ALTER COLUMN note TYPE varchar(100);\nCREATE TABLE items (id int PRIMARY KEY, order_id int REFERENCES orders (id));\n",
        ),
    ])
}

#[test]
fn findings_are_diagnostics_at_their_line_and_fail_the_run() {
    let run = lint(project().path(), &[]).expect_failed();
    insta::assert_snapshot!("lint_text", run.transcript());
}

#[test]
fn fail_on_error_ignores_warnings_for_the_exit_code() {
    let project = TestProject::new(&[
        (
            "migrations/001_orders.sql",
            "-- depends: none\nCREATE TABLE orders (id int PRIMARY KEY);\n",
        ),
        (
            "migrations/002_items.sql",
            "-- depends: 001_orders\nCREATE TABLE items (id int PRIMARY KEY, order_id int REFERENCES orders (id));\n",
        ),
    ]);
    lint(project.path(), &["--fail-on", "error"])
        .expect_ok()
        .expect_stdout_has(&[
            "foreign-key-without-index",
            "1 finding: 0 errors, 1 warning",
        ]);
    lint(project.path(), &[]).expect_failed();
}

#[test]
fn json_and_github_name_rule_file_line_table_and_lock() {
    let project = project();
    let run = lint(project.path(), &["--format", "json"]).expect_failed();
    let value: serde_json::Value = match serde_json::from_str(&run.stdout) {
        Ok(value) => value,
        Err(error) => panic!("not JSON ({error}):\n{}", run.transcript()),
    };
    assert_eq!(value["format"], 1);
    let first = &value["findings"][0];
    assert_eq!(first["rule"], "require-concurrent-index-creation");
    assert_eq!(first["severity"], "error");
    assert_eq!(first["file"], "migrations/002_index.sql");
    assert_eq!(first["line"], 2);
    assert_eq!(first["table"], "public.orders");
    assert_eq!(first["lock"], "ShareLock");
    assert_eq!(value["findings"].as_array().map(Vec::len), Some(2));
    lint(project.path(), &["--format", "github"])
        .expect_failed()
        .expect_stdout_has(&[
            "::error file=migrations/002_index.sql,line=2,col=1,title=require-concurrent-index-creation::",
            "::warning file=migrations/002_index.sql,line=5,col=1,title=foreign-key-without-index::",
        ]);
}

#[test]
fn the_worked_example_has_no_finding_and_invalid_input_is_exit_2() {
    lint(&crate_root(), &[])
        .expect_ok()
        .expect_stdout_has(&["no findings"]);
    let broken = TestProject::new(&[(
        "migrations/001_a.sql",
        "-- depends: 009_missing\nCREATE TABLE a (id int);\n",
    )]);
    lint(broken.path(), &[]).expect_invalid();
}

/// 001 creates `orders` (applied), 002 indexes it without CONCURRENTLY and adds a column with a
/// volatile default (pending).
fn sized_project() -> TestProject {
    TestProject::new(&[
        (
            "migrations/001_orders.sql",
            "CREATE TABLE orders (id int PRIMARY KEY, status text);\n",
        ),
        (
            "migrations/002_change.sql",
            "CREATE INDEX orders_status ON orders (status);\nALTER TABLE orders ADD COLUMN seen timestamptz DEFAULT clock_timestamp();\n",
        ),
    ])
}

/// The (rule, severity, estimated_rows) of each finding of `plan lint --format json` against
/// `database`.
fn judged(
    database: &crate::support::cluster::TestDatabase,
    dir: &Path,
    args: &[&str],
) -> Vec<(String, String, Option<u64>)> {
    let mut all = vec!["lint", "--format", "json", "--fail-on", "error"];
    all.extend(args);
    let run = plan(database, dir, &all);
    let value: serde_json::Value = match serde_json::from_str(&run.stdout) {
        Ok(value) => value,
        Err(error) => panic!("not JSON ({error}):\n{}", run.transcript()),
    };
    value["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|finding| {
            (
                finding["rule"].as_str().unwrap_or_default().to_string(),
                finding["severity"].as_str().unwrap_or_default().to_string(),
                finding["estimated_rows"].as_u64(),
            )
        })
        .collect()
}

#[test]
fn with_a_database_severity_follows_the_tables_size_and_only_pending_migrations_are_judged() {
    let database = test_db("lint_sizes");
    let project = sized_project();
    plan(&database, project.path(), &["apply", "--to", "001_orders"]).expect_ok();
    // An empty table: the lock and the rewrite are warnings, and 001 (applied) is not judged.
    assert_eq!(
        judged(&database, project.path(), &[]),
        [
            (
                "require-concurrent-index-creation".to_string(),
                "warning".to_string(),
                Some(0)
            ),
            (
                "adding-field-with-default".to_string(),
                "warning".to_string(),
                Some(0)
            ),
        ]
    );
    let mut client = database.client();
    if let Err(error) = client.batch_execute(
        "INSERT INTO orders SELECT g, 'new' FROM generate_series(1, 100000) g; ANALYZE orders;",
    ) {
        panic!("filling orders: {error}");
    }
    // The same migration on 100,000 rows: errors, and the rewrite is named with its size.
    let large = judged(&database, project.path(), &[]);
    let rules: Vec<(&str, &str)> = large
        .iter()
        .map(|(rule, severity, _)| (rule.as_str(), severity.as_str()))
        .collect();
    assert_eq!(
        rules,
        [
            ("require-concurrent-index-creation", "error"),
            ("adding-field-with-default", "error"),
            ("rewrite-of-large-table", "error"),
        ]
    );
    assert!(
        large
            .iter()
            .all(|(_, _, rows)| rows.is_some_and(|rows| rows >= 90_000)),
        "{large:?}"
    );
    // `--all` judges the applied 001 too (it creates its table: nothing to say), and
    // `--fail-on error` now fails.
    let mut all = vec!["lint", "--all"];
    all.extend(["--fail-on", "error"]);
    plan(&database, project.path(), &all).expect_failed();
}

#[test]
fn with_a_database_a_table_an_earlier_pending_migration_creates_is_new() {
    let database = test_db("lint_new_in_run");
    let project = TestProject::new(&[
        (
            "migrations/001_orders.sql",
            "CREATE TABLE orders (id int PRIMARY KEY, status text);\n",
        ),
        (
            "migrations/002_index.sql",
            "CREATE INDEX orders_status ON orders (status);\n",
        ),
    ]);
    // Nothing applied: 001 creates orders in this run, so 002's index locks nobody.
    assert_eq!(judged(&database, project.path(), &[]), []);
    // Offline, 001 is taken as applied long ago: the index is judged.
    lint(project.path(), &[])
        .expect_failed()
        .expect_stdout_has(&["require-concurrent-index-creation"]);
}

#[test]
fn apply_prints_the_findings_first_and_on_apply_error_refuses_touching_nothing() {
    let database = test_db("lint_on_apply");
    let project = sized_project();
    plan(&database, project.path(), &["apply", "--to", "001_orders"]).expect_ok();
    project.write(
        "plan.yaml",
        "lint:\n  on_apply: error\n  small_table_rows: 0\n",
    );
    plan(&database, project.path(), &["apply"])
        .expect_failed()
        .expect_stderr_has(&[
            "plan lint: 3 findings in what will run",
            "error: 002_change at migrations/002_change.sql:1",
            "plan::apply::lint_refused",
            "nothing was applied",
        ]);
    plan(&database, project.path(), &["status"]).expect_stdout_has(&["002_change", "pending"]);
    // `warn` (the default) prints them and applies.
    project.write("plan.yaml", "lint:\n  small_table_rows: 0\n");
    plan(&database, project.path(), &["apply"])
        .expect_ok()
        .expect_stderr_has(&[
            "plan lint: 3 findings in what will run",
            "002_change applied",
        ]);
}

#[test]
fn apply_names_a_long_transaction_holding_a_lock_on_the_table_it_will_lock() {
    let database = test_db("lint_long_transaction");
    let project = sized_project();
    plan(&database, project.path(), &["apply", "--to", "001_orders"]).expect_ok();
    project.write("plan.yaml", "lint:\n  long_transaction: 1s\n");
    let mut holder = database.client();
    if let Err(error) = holder
        .batch_execute("SET application_name = 'report-job'; BEGIN; SELECT count(*) FROM orders;")
    {
        panic!("opening the long transaction: {error}");
    }
    // The transaction must be older than 1s: wait until the server says so.
    let mut watcher = database.client();
    crate::support::project::wait_for(
        "the transaction to be older than 1s",
        std::time::Duration::from_secs(30),
        || {
            let older = watcher
                .query_one(
                    "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'report-job' AND xact_start < now() - interval '1.5 seconds'",
                    &[],
                )
                .ok()
                .and_then(|row| row.try_get::<_, i64>(0).ok());
            (older == Some(1)).then_some(())
        },
    );
    // CREATE INDEX (SHARE) does not conflict with the reader's ACCESS SHARE: apply names it
    // and goes on; the ADD COLUMN after it would wait, which is what the warning is for.
    project.write(
        "migrations/002_change.sql",
        "CREATE INDEX orders_status ON orders (status);\n",
    );
    plan(&database, project.path(), &["apply"])
        .expect_ok()
        .expect_stderr_has(&[
            "002_change will lock public.orders",
            "(report-job), idle in transaction, transaction open",
            "SELECT count(*) FROM orders",
        ]);
    drop(holder);
}
