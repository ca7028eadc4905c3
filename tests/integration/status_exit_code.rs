//! `plan status --exit-code` (issue 13), against real databases: exit 0 when every migration
//! of the environment is applied (those limited to other environments, skipped, do not count),
//! exit 1 when one is pending, modified, partial, interrupted, partially rolled back, blocked,
//! or applied with its file gone; the states are printed either way, and with `--format json`
//! stdout stays one JSON object. Without `--exit-code`, status exits 0 whatever it shows.

use std::path::Path;
use std::time::Duration;

use crate::support::cluster::{TestDatabase, test_db};
use crate::support::project::{Run, TestProject, plan, production_last};

/// `plan status --exit-code` (and `extra`) in `dir`.
fn status(database: &TestDatabase, dir: &Path, extra: &[&str]) -> Run {
    let mut args = vec!["status", "--exit-code"];
    args.extend_from_slice(extra);
    plan(database, dir, &args)
}

/// Asserts exit 1 with `plan::cli::not_up_to_date` naming `states` (e.g. `1 pending`) on
/// stderr, and the state's word on stdout.
#[track_caller]
fn expect_not_up_to_date(run: Run, states: &str, shown: &str) {
    run.expect_failed()
        .expect_stderr_has(&["plan::cli::not_up_to_date", states])
        .expect_stdout_has(&[shown]);
}

#[test]
fn issue_13_status_exit_code_is_0_when_all_of_the_environment_is_applied() {
    let database = test_db("issue_13_status_all_applied");
    let project = production_last();
    expect_not_up_to_date(
        status(&database, project.path(), &[]),
        "1 migration not applied: 1 pending",
        "pending",
    );
    // Without --exit-code, status reports and exits 0 whatever the states.
    plan(&database, project.path(), &["status"]).expect_ok();
    plan(&database, project.path(), &["apply"]).expect_ok();
    // 002 is skipped without --env: it does not count.
    status(&database, project.path(), &[])
        .expect_ok()
        .expect_stdout_has(&["skipped"]);
    // In production it is pending, and counts.
    expect_not_up_to_date(
        status(&database, project.path(), &["--env", "production"]),
        "1 pending",
        "pending",
    );
    plan(
        &database,
        project.path(),
        &["apply", "--env", "production", "--yes"],
    )
    .expect_ok();
    let run = status(&database, project.path(), &["--format", "json"]).expect_ok();
    let json: serde_json::Value = serde_json::from_str(&run.stdout).expect("status JSON");
    assert_eq!(json["counts"]["applied"], 2, "{}", run.stdout);
}

#[test]
fn issue_13_status_exit_code_is_1_for_modified_and_file_missing_with_json_intact() {
    let database = test_db("issue_13_status_modified");
    let project = TestProject::new(&[
        ("migrations/001_a.sql", "CREATE TABLE a (id int);\n"),
        ("migrations/002_b.sql", "CREATE TABLE b (id int);\n"),
    ]);
    plan(&database, project.path(), &["apply"]).expect_ok();
    status(&database, project.path(), &[]).expect_ok();
    project.write(
        "migrations/001_a.sql",
        "CREATE TABLE a (id int); -- edited\n",
    );
    std::fs::remove_file(project.path().join("migrations/002_b.sql")).expect("remove 002");
    let run = status(&database, project.path(), &["--format", "json"]);
    // stdout is the JSON object alone; the diagnostic is on stderr.
    let json: serde_json::Value = serde_json::from_str(&run.stdout).expect("status JSON");
    assert_eq!(json["counts"]["modified"], 1, "{}", run.stdout);
    assert_eq!(json["counts"]["file_missing"], 1, "{}", run.stdout);
    expect_not_up_to_date(
        run,
        "2 migrations not applied: 1 modified, 1 file missing",
        "\"modified\"",
    );
}

#[test]
fn issue_13_status_exit_code_is_1_for_a_blocked_migration() {
    let database = test_db("issue_13_status_blocked");
    let project = production_last();
    project.write("migrations/003_c.sql", "CREATE TABLE c (id int);\n");
    plan(&database, project.path(), &["apply", "--to", "001"]).expect_ok();
    // 002 is skipped without --env, and 003 follows it in the sequence: blocked.
    expect_not_up_to_date(
        status(&database, project.path(), &[]),
        "1 migration not applied: 1 blocked",
        "blocked",
    );
}

#[test]
fn issue_13_status_exit_code_is_1_for_a_partial_migration() {
    let database = test_db("issue_13_status_partial");
    let project = TestProject::new(&[(
        "migrations/001_rows.sql",
        "-- plan: no-transaction\nCREATE TABLE k (id int);\nINSERT INTO missing VALUES (1);\n",
    )]);
    plan(&database, project.path(), &["apply"]).expect_failed();
    expect_not_up_to_date(
        status(&database, project.path(), &[]),
        "1 migration not applied: 1 partial",
        "partial",
    );
}

#[test]
fn issue_13_status_exit_code_is_1_for_a_partially_rolled_back_migration() {
    let database = test_db("issue_13_status_rolling_back");
    let project = TestProject::new(&[
        (
            "migrations/001_base.sql",
            "-- depends: none\n-- UP\nCREATE TABLE base (id int);\n-- DOWN\nDROP TABLE base;\n",
        ),
        (
            "migrations/002_indexes.sql",
            "-- depends: 001\n-- UP\nCREATE INDEX CONCURRENTLY a ON base (id);\n-- DOWN\nDROP INDEX CONCURRENTLY a;\nDROP INDEX CONCURRENTLY missing;\n",
        ),
    ]);
    plan(&database, project.path(), &["apply"]).expect_ok();
    plan(&database, project.path(), &["rollback", "002"]).expect_failed();
    expect_not_up_to_date(
        status(&database, project.path(), &[]),
        "1 migration not applied: 1 partially rolled back",
        "partially rolled back",
    );
}

#[test]
fn issue_13_status_exit_code_is_1_for_an_interrupted_migration() {
    let database = test_db("issue_13_status_interrupted");
    let project = TestProject::new(&[
        ("migrations/001_x.sql", "CREATE TABLE early (id int);\n"),
        (
            "plan.yaml",
            "migrations:\n  001_x:\n    steps:\n      - handler: commits\n",
        ),
    ]);
    // A handler that ends plan's transaction: the migration is recorded as interrupted.
    let loaded = pgplan::internals::load_project(project.path()).expect("the project loads");
    let mut handlers = pgplan::Handlers::new();
    handlers.register("commits", |context: &mut pgplan::HandlerContext<'_, '_>| {
        context.run_script("COMMIT")
    });
    let options = pgplan::internals::ApplyOptions {
        target: None,
        environment: None,
        mode: pgplan::internals::Execution::Live,
        lock_wait: Some(Duration::from_secs(30)),
        allow: pgplan::internals::Allow::default(),
        backup_to: None,
        trace: pgplan::internals::Tracing::Off,
        lint: true,
    };
    pgplan::internals::apply_with_handlers(
        &loaded,
        database.settings(),
        &options,
        &handlers,
        &mut |_| {},
    )
    .expect_err("the handler ended plan's transaction");
    expect_not_up_to_date(
        status(&database, project.path(), &[]),
        "1 migration not applied: 1 interrupted",
        "interrupted",
    );
}

#[test]
fn issue_18_rows_without_a_file_are_listed_in_batch_order_past_batch_nine() {
    let database = test_db("issue_18_status_batch_order");
    let project = TestProject::new(&[
        ("migrations/001_a.sql", "CREATE TABLE a (id int);\n"),
        ("migrations/002_b.sql", "CREATE TABLE b (id int);\n"),
    ]);
    plan(&database, project.path(), &["apply"]).expect_ok();
    database
        .client()
        .batch_execute(
            "UPDATE plan.migrations SET batch = 10 WHERE id = '001_a';
             UPDATE plan.migrations SET batch = 2 WHERE id = '002_b';",
        )
        .expect("renumber the batches");
    std::fs::remove_file(project.path().join("migrations/001_a.sql")).expect("remove 001");
    std::fs::remove_file(project.path().join("migrations/002_b.sql")).expect("remove 002");
    let run = plan(&database, project.path(), &["status", "--format", "json"]).expect_ok();
    let json: serde_json::Value = serde_json::from_str(&run.stdout).expect("status JSON");
    let ids: Vec<&str> = json["migrations"]
        .as_array()
        .expect("migrations")
        .iter()
        .filter_map(|migration| migration["id"].as_str())
        .collect();
    assert_eq!(ids, ["002_b", "001_a"], "batch 2 before batch 10");
}
