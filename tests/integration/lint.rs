//! `plan lint`, offline: findings at file and line in text, JSON and GitHub annotations, the
//! exit code following `--fail-on`, no finding on the worked example, and invalid input still
//! exit 2.

use std::path::Path;

use crate::support::project::{Run, TestProject, crate_root, plan_with_env};

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
