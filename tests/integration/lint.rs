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
fn with_a_database_only_the_named_tables_are_read_whatever_their_names_hold() {
    // The database is asked about the tables the statements name, in any schema: names with
    // a comma, braces, a quote, a backslash, or that read `NULL`, are found as they are, a
    // table in another schema reached through the search_path too, and a large table the
    // migrations do not name changes nothing.
    let database = test_db("lint_named_tables");
    let mut client = database.client();
    if let Err(error) = client.batch_execute(
        r#"CREATE TABLE "we""ird, {na\me}" (id int);
           CREATE TABLE "NULL" (id int);
           CREATE SCHEMA sales; CREATE TABLE sales.orders (id int);
           CREATE TABLE unnamed (id int);
           INSERT INTO "we""ird, {na\me}" SELECT generate_series(1, 20000);
           INSERT INTO "NULL" SELECT generate_series(1, 30000);
           INSERT INTO sales.orders SELECT generate_series(1, 40000);
           INSERT INTO unnamed SELECT generate_series(1, 50000);
           ANALYZE;"#,
    ) {
        panic!("tables: {error}");
    }
    let project = TestProject::new(&[
        ("plan.yaml", "lint:\n  small_table_rows: 10000\n"),
        (
            "migrations/001_index.sql",
            "CREATE INDEX weird_id ON \"we\"\"ird, {na\\me}\" (id);\n\
             CREATE INDEX null_id ON \"NULL\" (id);\n\
             SET search_path = sales;\n\
             CREATE INDEX orders_id ON orders (id);\n",
        ),
    ]);
    let rows: Vec<(String, String, Option<u64>)> = judged(&database, project.path(), &[]);
    assert_eq!(
        rows,
        [
            (
                "require-concurrent-index-creation".to_string(),
                "error".to_string(),
                Some(20_000)
            ),
            (
                "require-concurrent-index-creation".to_string(),
                "error".to_string(),
                Some(30_000)
            ),
            (
                "require-concurrent-index-creation".to_string(),
                "error".to_string(),
                Some(40_000)
            ),
        ]
    );
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

/// A project whose 002 drops a column and a table that 001 created, with `allows` written
/// into 002 (as whole lines, `{DROPS}` standing for the two drops).
fn with_allows(migration: &str) -> TestProject {
    TestProject::new(&[
        (
            "migrations/001_orders.sql",
            "-- depends: none\nCREATE TABLE orders (id int PRIMARY KEY, note text);\nCREATE TABLE old (id int);\n",
        ),
        (
            "migrations/002_cleanup.sql",
            &migration.replace(
                "{DROPS}",
                "ALTER TABLE orders DROP COLUMN note;\nDROP TABLE old;",
            ),
        ),
    ])
}

fn json(run: &Run) -> serde_json::Value {
    match serde_json::from_str(&run.stdout) {
        Ok(value) => value,
        Err(error) => panic!("not JSON ({error}):\n{}", run.transcript()),
    }
}

/// `rule@line` of each entry of a lint JSON array.
fn rules_at(entries: &serde_json::Value) -> Vec<String> {
    entries
        .as_array()
        .into_iter()
        .flatten()
        .map(|entry| {
            format!(
                "{}@{}",
                entry["rule"].as_str().unwrap_or("?"),
                entry["line"]
            )
        })
        .collect()
}

#[test]
fn issue_15_an_allow_on_the_line_before_or_the_same_line_suppresses_that_statement() {
    let project = with_allows(
        "-- depends: 001_orders\nSELECT 1;\n-- plan:allow ban-drop-column: the app stopped reading it in 4.2\nALTER TABLE orders DROP COLUMN note;\nDROP TABLE old; -- plan:allow ban-drop-table: archived to S3\n",
    );
    let run = lint(project.path(), &[])
        .expect_ok()
        .expect_stdout_has(&["no findings (2 allowed by `plan:allow` comments)"]);
    assert!(!run.stdout.contains("ban-drop"), "{}", run.transcript());
    // A trailing allow does not reach the statement below it.
    let project = with_allows(
        "-- depends: 001_orders\nSELECT 1; -- plan:allow ban-drop-column, ban-drop-table: not these\n{DROPS}\n",
    );
    let value = json(&lint(project.path(), &["--format", "json"]).expect_failed());
    assert_eq!(
        rules_at(&value["findings"]),
        ["ban-drop-column@3", "ban-drop-table@4", "unused-allow@2"]
    );
}

#[test]
fn issue_15_a_header_allow_covers_the_whole_file() {
    let project = with_allows(
        "-- depends: 001_orders\n-- plan:allow ban-drop-column, ban-drop-table: the 5.0 cleanup\n\nSELECT 1;\n\n{DROPS}\n",
    );
    let value = json(&lint(project.path(), &["--format", "json"]).expect_ok());
    assert_eq!(rules_at(&value["findings"]), Vec::<String>::new());
    assert_eq!(
        rules_at(&value["allowed"]),
        ["ban-drop-column@6", "ban-drop-table@7"]
    );
    // The header reader leaves the allow to lint: no unknown `plan:` directive.
    plan_with_env(project.path(), &["show"], &[]).expect_ok();
}

#[test]
fn issue_15_allowed_findings_are_listed_in_json_with_their_reason() {
    let project = with_allows(
        "-- depends: 001_orders\nSELECT 1;\n-- plan:allow ban-drop-column: the app stopped reading it in 4.2\n{DROPS}\n",
    );
    let value = json(&lint(project.path(), &["--format", "json"]).expect_failed());
    assert_eq!(rules_at(&value["findings"]), ["ban-drop-table@5"]);
    assert_eq!(
        value["allowed"],
        serde_json::json!([{
            "rule": "ban-drop-column",
            "migration": "002_cleanup",
            "file": "migrations/002_cleanup.sql",
            "line": 4,
            "reason": "the app stopped reading it in 4.2"
        }])
    );
}

#[test]
fn issue_15_an_unknown_rule_is_exit_2_at_its_file_and_line_and_nothing_is_linted() {
    let project = with_allows(
        "-- depends: 001_orders\nSELECT 1;\n-- plan:allow ban-drop-colum: typo\n{DROPS}\n",
    );
    let run = lint(project.path(), &[])
        .expect_invalid()
        .expect_stderr_has(&[
            "plan::lint::unknown_rule",
            "`plan:allow` names `ban-drop-colum`, which is not a lint rule",
            "migrations/002_cleanup.sql:3:15",
            "did you mean `ban-drop-column`?",
        ]);
    assert!(
        !run.stdout.contains("ban-drop-table"),
        "{}",
        run.transcript()
    );
}

#[test]
fn issue_15_an_allow_needs_a_reason() {
    for allow in [
        "-- plan:allow ban-drop-table",
        "-- plan:allow ban-drop-table:  ",
    ] {
        let project = with_allows(&format!(
            "-- depends: 001_orders\nSELECT 1;\n{{DROPS}}\n{allow}\nSELECT 2;\n"
        ));
        lint(project.path(), &[])
            .expect_invalid()
            .expect_stderr_has(&[
                "plan::lint::allow_without_reason",
                "migrations/002_cleanup.sql:5:1",
                "-- plan:allow RULE[, RULE]: reason",
            ]);
    }
}

#[test]
fn issue_15_an_unused_allow_is_a_warning_that_counts_for_fail_on_warning() {
    let project = TestProject::new(&[(
        "migrations/001_orders.sql",
        "-- depends: none\n-- plan:allow ban-drop-table: we drop nothing here\nCREATE TABLE orders (id int PRIMARY KEY);\n",
    )]);
    lint(project.path(), &[])
        .expect_failed()
        .expect_stdout_has(&[
            "unused-allow",
            "`plan:allow ban-drop-table` allowed nothing",
            "migrations/001_orders.sql:2:1",
            "1 finding: 0 errors, 1 warning",
        ]);
    lint(project.path(), &["--fail-on", "error"]).expect_ok();
}

#[test]
fn issue_15_plan_show_prints_each_allow_with_its_reason() {
    let project = with_allows(
        "-- depends: 001_orders\n-- plan:allow ban-drop-table: archived to S3\nSELECT 1;\n-- plan:allow ban-drop-column: the app stopped reading it in 4.2\n{DROPS}\n",
    );
    plan_with_env(project.path(), &["show"], &[])
        .expect_ok()
        .expect_stdout_has(&[
            "allows       ban-drop-table (archived to S3), ban-drop-column (the app stopped reading it in 4.2)",
        ]);
    let value =
        json(&plan_with_env(project.path(), &["show", "--format", "json"], &[]).expect_ok());
    assert!(value["migrations"][0].get("allows").is_none());
    assert_eq!(
        value["migrations"][1]["allows"],
        serde_json::json!([
            {"rule": "ban-drop-table", "reason": "archived to S3", "line": 2, "whole_file": true},
            {"rule": "ban-drop-column", "reason": "the app stopped reading it in 4.2", "line": 4, "whole_file": false}
        ])
    );
}

#[test]
fn issue_15_sarif_validates_against_the_sarif_2_1_0_schema() {
    let text =
        std::fs::read_to_string(crate_root().join("tests/integration/sarif-schema-2.1.0.json"))
            .expect("read the vendored SARIF schema");
    let schema: serde_json::Value = serde_json::from_str(&text).expect("the schema is JSON");
    let validator = match jsonschema::draft4::options()
        .should_validate_formats(true)
        .build(&schema)
    {
        Ok(validator) => validator,
        Err(error) => panic!("the SARIF schema does not compile: {error}"),
    };
    let project = project();
    let run = lint(project.path(), &["--format", "sarif"]).expect_failed();
    let log = json(&run);
    let errors: Vec<String> = validator
        .iter_errors(&log)
        .map(|error| format!("{}: {error}", error.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}\n{}", run.stdout);
    let results = &log["runs"][0]["results"];
    assert_eq!(results[0]["ruleId"], "require-concurrent-index-creation");
    assert_eq!(results[0]["level"], "error");
    let location = &results[0]["locations"][0]["physicalLocation"];
    assert_eq!(
        location["artifactLocation"]["uri"],
        "migrations/002_index.sql"
    );
    assert_eq!(location["region"]["startLine"], 2);
    assert_eq!(location["region"]["startColumn"], 1);
    assert_eq!(results[1]["level"], "warning");
    // The validator does refuse what breaks the schema.
    let mut broken = log.clone();
    broken["runs"][0]["results"][0]["level"] = serde_json::json!("fatal");
    assert!(!validator.is_valid(&broken));
    // No finding: still a valid log, with every rule described.
    let clean = json(&lint(&crate_root(), &["--format", "sarif"]).expect_ok());
    assert!(validator.is_valid(&clean));
    assert_eq!(clean["runs"][0]["results"], serde_json::json!([]));
}
