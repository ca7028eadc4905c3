//! Rollbacks that stop part-way (issue 11): a rollback run outside a transaction that fails at
//! its second statement is recorded as partially rolled back with its resume point, `plan
//! status` shows it, apply refuses it, and the next rollback resumes at the failed statement
//! without running the first again; a failed rollback's help says what happened to the database
//! and which rollbacks of the run had already committed, and is never empty.

use crate::support::cluster::TestDatabase;
use crate::support::cluster::test_db;
use crate::support::project::{
    FILTERS, Run, TestProject, history, ledger, ledger_ids, plan, public_tables,
};

/// 001 creates a table; 002 builds an index on it concurrently (outside a transaction), and its
/// rollback drops that index and then one that does not exist.
fn index_project() -> TestProject {
    TestProject::new(&[
        (
            "migrations/001_base.sql",
            "-- depends: none\n-- UP\nCREATE TABLE base (id int);\n-- DOWN\nDROP TABLE base;\n",
        ),
        (
            "migrations/002_indexes.sql",
            "-- depends: 001\n-- UP\nCREATE INDEX CONCURRENTLY a ON base (id);\n-- DOWN\nDROP INDEX CONCURRENTLY a;\nDROP INDEX CONCURRENTLY missing;\n",
        ),
    ])
}

/// The indexes of `public`, sorted.
fn indexes(database: &TestDatabase) -> Vec<String> {
    database
        .client()
        .query(
            "SELECT indexname::text FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1",
            &[],
        )
        .expect("list indexes")
        .iter()
        .map(|row| row.get(0))
        .collect()
}

/// The rollbacks in the history, as (migration, outcome).
fn rollbacks(database: &TestDatabase) -> Vec<(String, String)> {
    history(database)
        .into_iter()
        .filter(|line| line.action == "rollback")
        .map(|line| (line.migration_id, line.outcome))
        .collect()
}

/// Asserts that no `help:` line of a diagnostic is empty.
#[track_caller]
fn assert_no_empty_help(run: &Run) {
    assert!(
        !run.stderr
            .lines()
            .any(|line| line.trim() == "help:" || line.trim_end().ends_with("help:")),
        "an empty help line:\n{}",
        run.transcript()
    );
}

#[test]
fn issue_11_a_no_transaction_rollback_that_fails_midway_is_partial_and_resumes_there() {
    let database = test_db("issue_11_partial_rollback_resumes");
    let project = index_project();
    plan(&database, project.path(), &["apply"]).expect_ok();
    assert_eq!(indexes(&database), ["a"]);

    let failed = plan(&database, project.path(), &["rollback", "002"])
        .expect_failed()
        .expect_stderr_has(&["plan::apply::migration_failed", "42704"]);
    assert_no_empty_help(&failed);
    insta::with_settings!({filters => FILTERS.to_vec()}, {
        insta::assert_snapshot!("partial_rollback_failed", failed.transcript());
    });
    // The first statement committed: the index is gone, and the ledger says where to resume.
    assert_eq!(indexes(&database), Vec::<String>::new());
    let row = ledger(&database)
        .into_iter()
        .find(|line| line.id == "002_indexes")
        .expect("002 stays in the ledger");
    assert_eq!(row.state, "rolling_back");
    let next: i32 = database
        .client()
        .query_one(
            "SELECT next_statement FROM plan.migrations WHERE id = '002_indexes'",
            &[],
        )
        .expect("read the resume point")
        .get(0);
    assert_eq!(next, 1, "0-based: the second statement is next");
    assert_eq!(
        rollbacks(&database),
        [("002_indexes".to_string(), "partial".to_string())]
    );

    let status = plan(&database, project.path(), &["status"]).expect_ok();
    insta::with_settings!({filters => FILTERS.to_vec()}, {
        insta::assert_snapshot!("partial_rollback_status", status.transcript());
    });
    let json = plan(&database, project.path(), &["status", "--format", "json"]).expect_ok();
    let shown: serde_json::Value = serde_json::from_str(&json.stdout).expect("JSON on stdout");
    assert_eq!(shown["migrations"][1]["state"], "partially_rolled_back");
    assert_eq!(shown["migrations"][1]["next_statement"], 2);
    assert_eq!(shown["migrations"][1]["statements"], 2);
    assert_eq!(shown["counts"]["partially_rolled_back"], 1);

    // Apply refuses it: the rollback must be finished first.
    let refused = plan(&database, project.path(), &["apply"])
        .expect_failed()
        .expect_stderr_has(&[
            "plan::apply::partially_rolled_back",
            "finish the rollback first",
        ]);
    assert_no_empty_help(&refused);
    assert_eq!(indexes(&database), Vec::<String>::new());

    // The dry run shows the resume point and only the statement left.
    plan(&database, project.path(), &["rollback", "002", "--dry-run"])
        .expect_ok()
        .expect_stdout_has(&[
            "outside a transaction, resuming at statement 2 of 2\nDROP INDEX CONCURRENTLY missing;\n",
        ]);

    // Fix the cause; the rerun resumes at the second statement. Running the first again would
    // fail: index `a` is gone.
    database
        .client()
        .batch_execute("CREATE INDEX missing ON base (id)")
        .expect("create the missing index");
    plan(&database, project.path(), &["rollback", "002"])
        .expect_ok()
        .expect_stdout_has(&["rolled back 1 migration(s): 002_indexes"]);
    assert_eq!(indexes(&database), Vec::<String>::new());
    assert_eq!(ledger_ids(&database), ["001_base"]);
    assert_eq!(
        rollbacks(&database),
        [
            ("002_indexes".to_string(), "partial".to_string()),
            ("002_indexes".to_string(), "ok".to_string())
        ]
    );
    plan(&database, project.path(), &["apply"])
        .expect_ok()
        .expect_stdout_has(&["applied 1 migration"]);
    assert_eq!(indexes(&database), ["a"]);
}

#[test]
fn issue_11_a_failed_rollback_lists_the_rollbacks_that_committed_and_has_no_empty_help() {
    let database = test_db("issue_11_failed_rollback_help");
    let project = TestProject::new(&[
        (
            "migrations/001_base.sql",
            "-- depends: none\n-- UP\nCREATE TABLE base (id int);\n-- DOWN\nDROP TABLE base;\n",
        ),
        (
            "migrations/002_child.sql",
            "-- depends: 001\n-- UP\nCREATE TABLE child (id int);\n-- DOWN\nDROP TABLE child;\nDROP TABLE no_such_table;\n",
        ),
        (
            "migrations/003_grandchild.sql",
            "-- depends: 002\n-- UP\nCREATE TABLE grandchild (id int);\n-- DOWN\nDROP TABLE grandchild;\n",
        ),
    ]);
    plan(&database, project.path(), &["apply"]).expect_ok();

    let failed = plan(&database, project.path(), &["rollback", "001"])
        .expect_failed()
        .expect_stderr_has(&[
            "003_grandchild rolled back in",
            "[2/3] rolling back 002_child\n",
        ]);
    assert_no_empty_help(&failed);
    insta::with_settings!({filters => FILTERS.to_vec()}, {
        insta::assert_snapshot!("failed_rollback_after_one_committed", failed.transcript());
    });
    // 003's rollback committed; 002's transaction was rolled back; 001 was not reached.
    assert_eq!(ledger_ids(&database), ["001_base", "002_child"]);
    assert_eq!(public_tables(&database), ["base", "child"]);
    assert_eq!(
        rollbacks(&database),
        [
            ("003_grandchild".to_string(), "ok".to_string()),
            ("002_child".to_string(), "failed".to_string())
        ]
    );
}

#[test]
fn issue_11_a_ledger_created_before_partial_rollbacks_is_widened_to_record_one() {
    let database = test_db("issue_11_partial_rollback_older_ledger");
    let project = index_project();
    plan(&database, project.path(), &["apply"]).expect_ok();
    // The state CHECK as versions before partial rollbacks wrote it.
    database
        .client()
        .batch_execute(
            "ALTER TABLE plan.migrations DROP CONSTRAINT migrations_state_check,
             ADD CONSTRAINT migrations_state_check CHECK (state IN ('applied', 'partial'))",
        )
        .expect("put back the old CHECK");
    plan(&database, project.path(), &["rollback", "002"])
        .expect_failed()
        .expect_stderr_has(&["recorded as partially rolled back"]);
    let states: Vec<(String, String)> = ledger(&database)
        .into_iter()
        .map(|line| (line.id, line.state))
        .collect();
    assert_eq!(
        states,
        [
            ("001_base".to_string(), "applied".to_string()),
            ("002_indexes".to_string(), "rolling_back".to_string())
        ]
    );
}
