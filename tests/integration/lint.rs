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
