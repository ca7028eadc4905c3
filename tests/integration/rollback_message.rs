//! Rollbacks next to each other sent several to a message (issue 18,
//! `engine::rollback_message`): one round trip for all of them, each in its own transaction
//! with the removal of its ledger row and its history row; a failure inside stops the message
//! there and is reported where, and as, the statement-by-statement path (`plan -v`) reports it.

use std::time::Duration;

use crate::concurrency::terminate_sleeping_backend;
use crate::one_message::places;
use crate::support::cluster::{TestDatabase, test_db};
use crate::support::project::{
    TestProject, finish, history, ledger_ids, plan, public_tables, spawn_plan,
};

/// 001_a to 004_d, each creating table `tN` in its `-- UP` section and dropping it in its
/// `-- DOWN` section; `third_down` replaces 003_c's rollback.
fn four(third_down: Option<&str>) -> TestProject {
    let file =
        |n: usize, down: &str| format!("-- UP\nCREATE TABLE t{n} (id int);\n-- DOWN\n{down}");
    TestProject::new(&[
        ("migrations/001_a.sql", &file(1, "DROP TABLE t1;\n")),
        ("migrations/002_b.sql", &file(2, "DROP TABLE t2;\n")),
        (
            "migrations/003_c.sql",
            &file(3, third_down.unwrap_or("DROP TABLE t3;\n")),
        ),
        ("migrations/004_d.sql", &file(4, "DROP TABLE t4;\n")),
    ])
}

/// The rollbacks the history recorded, in order, as `ID OUTCOME`.
pub(crate) fn rollbacks(database: &TestDatabase) -> Vec<String> {
    history(database)
        .into_iter()
        .filter(|line| line.action == "rollback")
        .map(|line| format!("{} {}", line.migration_id, line.outcome))
        .collect()
}

#[test]
fn rollbacks_next_to_each_other_go_in_one_message_each_with_its_ledger_row() {
    let database = test_db("rollback_message_shared");
    let project = four(None);
    plan(&database, project.path(), &["apply"]).expect_ok();
    let (run, statements) = database
        .logged(|| plan(&database, project.path(), &["rollback", "--last-batch"]).expect_ok());
    run.expect_stdout_has(&["rolled back 4 migration(s)"]);
    let dropping: Vec<&String> = statements
        .iter()
        .filter(|statement| statement.contains("DROP TABLE"))
        .collect();
    assert_eq!(dropping.len(), 1, "{statements:#?}");
    for table in ["t1", "t2", "t3", "t4"] {
        assert!(
            dropping[0].contains(&format!("DROP TABLE {table}")),
            "{dropping:#?}"
        );
    }
    assert!(ledger_ids(&database).is_empty());
    assert!(
        public_tables(&database).is_empty(),
        "{:?}",
        public_tables(&database)
    );
    assert_eq!(
        rollbacks(&database),
        ["004_d ok", "003_c ok", "002_b ok", "001_a ok"]
    );
    // Each is timed on its own, as the server ran it.
    let starts: i64 = database
        .client()
        .query_one(
            "SELECT count(DISTINCT started_at) FROM plan.migrations_history WHERE action = 'rollback'",
            &[],
        )
        .expect("count the rollbacks' starts")
        .get(0);
    assert_eq!(starts, 4);
    // Applied again, the same migrations roll back again: nothing of the message lingers.
    plan(&database, project.path(), &["apply"]).expect_ok();
    plan(&database, project.path(), &["rollback", "--last-batch"]).expect_ok();
    assert!(ledger_ids(&database).is_empty());
}

#[test]
fn each_rollback_in_a_shared_message_is_timed_by_the_server_as_it_ran() {
    let database = test_db("rollback_message_timed");
    let project = four(Some("SELECT pg_sleep(0.4);\nDROP TABLE t3;\n"));
    plan(&database, project.path(), &["apply"]).expect_ok();
    plan(&database, project.path(), &["rollback", "--last-batch"]).expect_ok();
    let rows = database
        .client()
        .query(
            "SELECT migration_id, duration_ms, \
                    (extract(epoch FROM finished_at - started_at) * 1000)::bigint, \
                    started_at >= lag(finished_at) OVER (ORDER BY event) IS NOT FALSE \
             FROM plan.migrations_history WHERE action = 'rollback' ORDER BY event",
            &[],
        )
        .expect("read the history");
    assert_eq!(rows.len(), 4);
    for row in &rows {
        let (id, duration, span, ordered): (String, i64, i64, bool) =
            (row.get(0), row.get(1), row.get(2), row.get(3));
        assert_eq!(
            span, duration,
            "{id}: finished_at is started_at plus the duration"
        );
        assert!(ordered, "{id} started before the one before it finished");
        if id == "003_c" {
            assert!(duration >= 400, "{id}: {duration}");
        } else {
            assert!(duration < 400, "{id}: {duration}");
        }
    }
}

#[test]
fn a_failed_rollback_inside_a_shared_message_fails_as_it_fails_alone() {
    let project = four(Some("DROP TABLE t3;\nDROP TABLE no_such_table;\n"));
    let shared = test_db("rollback_message_failure");
    let alone = test_db("rollback_message_failure_v");
    let mut runs = Vec::new();
    for (database, verbose) in [(&shared, false), (&alone, true)] {
        plan(database, project.path(), &["apply"]).expect_ok();
        let mut args = vec!["rollback", "--last-batch"];
        if verbose {
            // `-v` shows each statement as it is sent: statement by statement.
            args.insert(0, "-v");
        }
        let run = plan(database, project.path(), &args)
            .expect_failed()
            .expect_stderr_has(&["migration 003_c failed", "42P01"]);
        runs.push(run);
    }
    let at = places(&runs[0]);
    assert_eq!(at, places(&runs[1]), "{}", runs[0].transcript());
    assert!(
        at.iter()
            .any(|place| place.contains("migrations/003_c.sql:5:")),
        "{at:?}"
    );
    for database in [&shared, &alone] {
        // 004_d rolled back, 003_c failed and left as it was, 002_b and 001_a never ran.
        assert_eq!(ledger_ids(database), ["001_a", "002_b", "003_c"]);
        assert_eq!(public_tables(database), ["t1", "t2", "t3"]);
        // One history row for the failure, not one for each attempt.
        assert_eq!(rollbacks(database), ["004_d ok", "003_c failed"]);
    }
    // With what it drops there, the rollback goes on from where it stopped.
    shared
        .client()
        .batch_execute("CREATE TABLE no_such_table (id int)")
        .expect("create the table the rollback drops");
    plan(&shared, project.path(), &["rollback", "--last-batch"]).expect_ok();
    assert!(ledger_ids(&shared).is_empty());
    assert_eq!(
        rollbacks(&shared),
        [
            "004_d ok",
            "003_c failed",
            "003_c ok",
            "002_b ok",
            "001_a ok"
        ]
    );
}

/// A rollback that cannot share a message (statements outside a transaction) runs statement
/// by statement between shared ones, and each side keeps its own guarantees.
#[test]
fn a_rollback_outside_a_transaction_goes_on_its_own_between_shared_ones() {
    let database = test_db("rollback_message_mixed");
    // A statement that cannot run in a transaction: the rollback runs outside one.
    let project = four(Some("DROP INDEX CONCURRENTLY IF EXISTS t3_id;\n"));
    plan(&database, project.path(), &["apply"]).expect_ok();
    let (_, statements) = database
        .logged(|| plan(&database, project.path(), &["rollback", "--last-batch"]).expect_ok());
    assert!(ledger_ids(&database).is_empty());
    assert_eq!(public_tables(&database), ["t3"]);
    assert_eq!(
        rollbacks(&database),
        ["004_d ok", "003_c ok", "002_b ok", "001_a ok"]
    );
    // 004_d alone before it (a message of one is not shared), 003_c on its own, 002_b and
    // 001_a in one message.
    let together = statements
        .iter()
        .filter(|statement| {
            statement.contains("DROP TABLE t2") && statement.contains("DROP TABLE t1")
        })
        .count();
    assert_eq!(together, 1, "{statements:#?}");
}

/// The connection lost while the server works through a shared message (its server process
/// ended during 003_c's rollback): 004_d's rollback, committed before, is rolled back with its
/// row gone; 003_c's is not committed and the run says so; the next run goes on from there.
#[test]
fn a_connection_lost_inside_a_shared_rollback_message_reports_what_committed() {
    let database = test_db("rollback_message_lost");
    let project = four(Some("SELECT pg_sleep(30);\nDROP TABLE t3;\n"));
    plan(&database, project.path(), &["apply"]).expect_ok();
    let args = ["rollback", "--last-batch"];
    let child = spawn_plan(&database, project.path(), &args);
    terminate_sleeping_backend(
        &mut database.client(),
        "the rollback's pg_sleep in pg_stat_activity",
    );
    finish(child, &args, Duration::from_secs(60))
        .expect_failed()
        .expect_stderr_has(&[
            "migration 003_c failed",
            "the ledger, read again, still records 003_c as applied",
            "rolled back before it in this run, each committed with the removal of its ledger row: 004_d",
        ]);
    assert_eq!(ledger_ids(&database), ["001_a", "002_b", "003_c"]);
    assert_eq!(public_tables(&database), ["t1", "t2", "t3"]);
    assert_eq!(rollbacks(&database), ["004_d ok"]);
    project.write(
        "migrations/003_c.sql",
        "-- UP\nCREATE TABLE t3 (id int);\n-- DOWN\nDROP TABLE t3;\n",
    );
    plan(
        &database,
        project.path(),
        &[
            "accept",
            "003_c",
            "--reason",
            "its rollback no longer sleeps",
        ],
    )
    .expect_ok();
    plan(&database, project.path(), &args).expect_ok();
    assert!(ledger_ids(&database).is_empty());
}
