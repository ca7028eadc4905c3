//! `plan apply` sending each migration with its ledger and history rows in one message (issue
//! 18): one round trip per migration, every guarantee of the statement-by-statement path kept.
//! Errors point where the other path points (`plan -v` takes the other path, so each failure
//! is compared with it), a ledger row not as expected rolls the migration back, SQL that ends
//! plan's transaction is found and recorded as interrupted, and a lock timeout is retried.

use std::path::Path;
use std::time::Duration;

use pgplan::internals::{LEDGER_GUARD, LedgerWrite, MessageFailure, OneMessage, Session};

use crate::support::cluster::{TestDatabase, cluster, test_db};
use crate::support::project::{Run, TestProject, ledger, ledger_ids, plan};

fn count(database: &TestDatabase, sql: &str) -> i64 {
    database
        .client()
        .query_one(sql, &[])
        .unwrap_or_else(|error| panic!("{sql}: {error}"))
        .get(0)
}

/// The lines of a diagnostic that say where it points (`╭─[file:line:column]`).
pub(crate) fn places(run: &Run) -> Vec<String> {
    run.stderr
        .lines()
        .filter(|line| line.contains("╭─["))
        .map(|line| line.trim().to_string())
        .collect()
}

/// `plan apply` of `project` into a fresh database `name` (one message per migration), and
/// `plan -v apply` into another (statement by statement): both fail; their diagnostics point at
/// the same place, which is returned with the two runs.
fn fails_alike(name: &str, project: &TestProject) -> (Vec<String>, TestDatabase, Run) {
    let one = test_db(name);
    let other = test_db(&format!("{name}_v"));
    let run = plan(&one, project.path(), &["apply"]).expect_failed();
    let verbose = plan(&other, project.path(), &["-v", "apply"]).expect_failed();
    let at = places(&run);
    assert!(!at.is_empty(), "{}", run.transcript());
    assert_eq!(
        at,
        places(&verbose),
        "{}\n{}",
        run.transcript(),
        verbose.transcript()
    );
    (at, one, run)
}

/// `plan apply` of `project` while another session holds `table` in ACCESS EXCLUSIVE mode,
/// released once the run's first attempt has timed out on it (the server log says so, in the
/// line of the server process that waited: other tests' timeouts share the log). The run must
/// succeed; it is returned.
pub(crate) fn apply_through_a_lock_timeout(
    database: &TestDatabase,
    project: &TestProject,
    table: &str,
) -> Run {
    let mut holder = database.client();
    let mut work = holder.transaction().expect("begin");
    work.batch_execute(&format!("LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE"))
        .expect("hold the lock");
    let log_path = cluster().log_path();
    let start = std::fs::metadata(log_path).expect("the server log").len();
    let child = crate::support::project::spawn_plan(database, project.path(), &["apply"]);
    let mut watcher = database.client();
    let waiting: i32 = crate::support::project::wait_for(
        "a server process waiting for a lock",
        Duration::from_secs(60),
        || {
            watcher
                .query_opt(
                    "SELECT pid FROM pg_locks JOIN pg_database d ON d.oid = database \
                     WHERE NOT granted AND d.datname = current_database() LIMIT 1",
                    &[],
                )
                .ok()
                .flatten()
                .map(|row| row.get(0))
        },
    );
    let line = format!("[{waiting}] ERROR:  canceling statement due to lock timeout");
    crate::support::project::wait_for(
        "its lock timeout in the server log",
        Duration::from_secs(60),
        || {
            let log = std::fs::read(log_path).ok()?;
            let start = usize::try_from(start).ok()?;
            String::from_utf8_lossy(log.get(start..)?)
                .contains(&line)
                .then_some(())
        },
    );
    work.rollback().expect("release the lock");
    crate::support::project::finish(child, &["apply"], Duration::from_secs(60)).expect_ok()
}

/// The statements the server received from `plan apply` of `dir`.
fn logged_apply(database: &TestDatabase, dir: &Path) -> Vec<String> {
    database
        .logged(|| plan(database, dir, &["apply"]).expect_ok())
        .1
}

#[test]
fn each_migration_goes_with_its_ledger_row_in_one_message() {
    let database = test_db("one_message_round_trips");
    let project = TestProject::new(&[
        (
            "migrations/001_a.sql",
            "CREATE TABLE a (id int);\nINSERT INTO a VALUES (1);\n",
        ),
        ("migrations/002_b.sql", "CREATE TABLE b (id int);\n"),
        (
            "migrations/003_c.sql",
            "CREATE TABLE c (id int);\nCREATE INDEX ON c (id);\n",
        ),
    ]);
    let statements = logged_apply(&database, project.path());
    for table in ["a", "b", "c"] {
        let carrying: Vec<&String> = statements
            .iter()
            .filter(|statement| statement.contains(&format!("CREATE TABLE {table} (id int)")))
            .collect();
        assert_eq!(carrying.len(), 1, "{statements:#?}");
        // The same message begins, records and commits it.
        let message = carrying[0];
        assert!(message.contains("statement: BEGIN;"), "{message}");
        // The ledger write, prepared once per session, executed with this migration's values.
        assert!(
            message.contains("EXECUTE plan_ledger_write_1(E'00"),
            "{message}"
        );
        assert!(message.trim_end().ends_with("COMMIT;"), "{message}");
    }
    // Fresh migrations next to each other share one message, each in its own transaction.
    let shared = statements
        .iter()
        .find(|statement| statement.contains("CREATE TABLE a (id int)"))
        .expect("the message");
    assert!(shared.contains("CREATE TABLE c (id int)"), "{shared}");
    assert_eq!(shared.matches("BEGIN;").count(), 3, "{shared}");
    assert_eq!(shared.matches("COMMIT;").count(), 3, "{shared}");
    let prepared: Vec<&String> = statements
        .iter()
        .filter(|statement| statement.contains("PREPARE plan_ledger_write_"))
        .collect();
    assert_eq!(prepared.len(), 1, "{statements:#?}");
    assert!(
        prepared[0].contains("INSERT INTO \"plan\".\"migrations\""),
        "{prepared:?}"
    );
    assert_eq!(ledger_ids(&database), ["001_a", "002_b", "003_c"]);
    let history = count(
        &database,
        "SELECT count(*) FROM plan.migrations_history WHERE action = 'apply' AND outcome = 'ok' AND duration_ms >= 0",
    );
    assert_eq!(history, 3);
    assert_eq!(count(&database, "SELECT count(*) FROM a"), 1);
}

#[test]
fn a_syntax_error_points_where_the_other_path_points_and_nothing_ran() {
    let project = TestProject::new(&[(
        "migrations/001_three.sql",
        "CREATE TABLE first (id int);\nCREATE TABLE second (id int);\n\nCREATE TABLE third (id int,, name text);\n",
    )]);
    let (at, database, _) = fails_alike("one_message_syntax", &project);
    assert!(at[0].contains("migrations/001_three.sql:4:"), "{at:?}");
    assert_eq!(
        count(
            &database,
            "SELECT count(*) FROM pg_tables WHERE tablename IN ('first', 'second')"
        ),
        0
    );
    assert!(ledger(&database).is_empty());
}

#[test]
fn an_error_without_a_position_is_named_at_its_statement() {
    let project = TestProject::new(&[(
        "migrations/001_unique.sql",
        "CREATE TABLE u (id int PRIMARY KEY);\nINSERT INTO u VALUES (1);\nINSERT INTO u VALUES (1);\nCREATE TABLE after_it (id int);\n",
    )]);
    let (at, database, run) = fails_alike("one_message_unique", &project);
    assert!(at[0].contains("migrations/001_unique.sql:3:"), "{at:?}");
    assert!(
        run.stderr.contains("23505") || run.stderr.contains("duplicate key"),
        "{}",
        run.transcript()
    );
    assert_eq!(
        count(
            &database,
            "SELECT count(*) FROM pg_tables WHERE tablename IN ('u', 'after_it')"
        ),
        0
    );
    assert!(ledger(&database).is_empty());
}

/// A ledger write that does not find the row as the run left it (here a trigger makes the
/// insert write nothing, as a row another run wrote would) rolls the migration back with it.
#[test]
fn a_ledger_row_not_as_expected_rolls_the_migration_back() {
    let database = test_db("one_message_ledger_guard");
    let project =
        TestProject::new(&[("migrations/001_first.sql", "CREATE TABLE first (id int);\n")]);
    plan(&database, project.path(), &["apply"]).expect_ok();
    database
        .client()
        .batch_execute(
            "CREATE FUNCTION plan.skip() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NULL; END$$;
             CREATE TRIGGER skip BEFORE INSERT ON plan.migrations FOR EACH ROW EXECUTE FUNCTION plan.skip();",
        )
        .expect("make the ledger write nothing");
    project.write(
        "migrations/002_second.sql",
        "CREATE TABLE second (id int);\n",
    );
    plan(&database, project.path(), &["apply"])
        .expect_failed()
        .expect_stderr_has(&["another plan run recorded this migration meanwhile"]);
    assert_eq!(
        count(
            &database,
            "SELECT count(*) FROM pg_tables WHERE tablename = 'second'"
        ),
        0
    );
    assert_eq!(ledger_ids(&database), ["001_first"]);
}

/// SQL that ends plan's transaction inside what plan sent as one statement: the message
/// finds it, says which statement, and what came before it is what is committed.
/// How `message` failed, sent alone.
fn failed_message(session: &mut Session, message: &OneMessage<'_>, why: &str) -> MessageFailure {
    session
        .apply_in_one_message(std::slice::from_ref(message))
        .failure
        .expect(why)
}

#[test]
fn a_commit_inside_a_statement_is_found_with_its_statement() {
    let database = test_db("one_message_hidden_commit");
    let mut session = Session::connect(database.settings()).expect("connect");
    let plain = LedgerWrite {
        sql: "SELECT '0' AS plan_duration_ms/*guard*/".to_string(),
        values: Vec::new(),
    };
    let statements = [
        "CREATE TABLE h1 (id int)",
        "CREATE TABLE h2 (id int); COMMIT; CREATE TABLE h3 (id int)",
        "CREATE TABLE h4 (id int)",
    ];
    let failure = failed_message(
        &mut session,
        &OneMessage {
            modes: None,
            lock_timeout: Duration::from_secs(5),
            statements: &statements,
            ledger_write: &plain,
        },
        "the guard finds the COMMIT",
    );
    assert!(
        matches!(
            failure,
            MessageFailure::Ended {
                statement: 1,
                error: None
            }
        ),
        "{failure:?}"
    );
    let tables = |names: &str| {
        count(
            &database,
            &format!("SELECT count(*) FROM pg_tables WHERE tablename IN ({names})"),
        )
    };
    assert_eq!(tables("'h1', 'h2'"), 2, "committed by the COMMIT");
    assert_eq!(
        tables("'h3', 'h4'"),
        0,
        "rolled back with the guard's failure"
    );

    // An error after such a COMMIT: what came before it is committed, and plan says where.
    let statements = [
        "CREATE TABLE h5 (id int); COMMIT; SELECT 1 / 0",
        "CREATE TABLE h6 (id int)",
    ];
    let failure = failed_message(
        &mut session,
        &OneMessage {
            modes: None,
            lock_timeout: Duration::from_secs(5),
            statements: &statements,
            ledger_write: &plain,
        },
        "division by zero",
    );
    assert!(
        matches!(
            failure,
            MessageFailure::Ended {
                statement: 0,
                error: Some(_)
            }
        ),
        "{failure:?}"
    );
    assert_eq!(tables("'h5'"), 1);

    // Nothing committed: a plain failure, and the session goes on as before.
    let statements = ["CREATE TABLE h7 (id int)", "SELECT 1 / 0"];
    let failure = failed_message(
        &mut session,
        &OneMessage {
            modes: None,
            lock_timeout: Duration::from_secs(5),
            statements: &statements,
            ledger_write: &plain,
        },
        "division by zero",
    );
    assert!(
        matches!(failure, MessageFailure::RolledBack { .. }),
        "{failure:?}"
    );
    assert_eq!(tables("'h7'"), 0);
    // The ledger guard's failure is told apart from the migration's own.
    let guard = LedgerWrite {
        sql: format!("SELECT ('{LEDGER_GUARD} ' || $1)::int"),
        values: vec!["1".to_string()],
    };
    let failure = failed_message(
        &mut session,
        &OneMessage {
            modes: None,
            lock_timeout: Duration::from_secs(5),
            statements: &["CREATE TABLE h8 (id int)"],
            ledger_write: &guard,
        },
        "the ledger guard",
    );
    assert!(
        matches!(failure, MessageFailure::LedgerNotAsExpected),
        "{failure:?}"
    );
    assert_eq!(tables("'h8'"), 0);
}

/// A lock timeout on the one-message path is retried, and the run completes once the lock is
/// free.
#[test]
fn a_lock_timeout_is_retried() {
    let database = test_db("one_message_lock_timeout");
    let project = TestProject::new(&[
        ("migrations/001_t.sql", "CREATE TABLE t (id int);\n"),
        ("plan.yaml", "lock_timeout: 200ms\n"),
    ]);
    plan(&database, project.path(), &["apply"]).expect_ok();
    project.write(
        "migrations/002_alter.sql",
        "ALTER TABLE t ADD COLUMN name text;\n",
    );
    let run = apply_through_a_lock_timeout(&database, &project, "t");
    assert!(
        run.stderr.to_lowercase().contains("retry"),
        "{}",
        run.transcript()
    );
    assert_eq!(ledger_ids(&database), ["001_t", "002_alter"]);
}

/// A migration that deallocates the prepared ledger write (`DEALLOCATE ALL` is refused before
/// anything runs; by its name it is not) fails its message, which rolls back; run again
/// statement by statement, it fails on its own DEALLOCATE (a deallocation outlives a
/// rollback: the double run the docs warn of). Nothing of it is committed, and once the file
/// is fixed the next run prepares the write again and applies the rest, each once.
#[test]
fn a_migration_that_deallocates_the_ledger_write_leaves_no_trace() {
    let database = test_db("one_message_deallocate");
    let project = TestProject::new(&[
        ("migrations/001_a.sql", "CREATE TABLE a (id int);\n"),
        (
            "migrations/002_b.sql",
            "CREATE TABLE b (id int);\nINSERT INTO b VALUES (1);\nDEALLOCATE plan_ledger_write_1;\n",
        ),
        ("migrations/003_c.sql", "CREATE TABLE c (id int);\n"),
    ]);
    plan(&database, project.path(), &["apply"])
        .expect_failed()
        .expect_stderr_has(&["migration 002_b failed", "its transaction was rolled back"]);
    assert_eq!(ledger_ids(&database), ["001_a"]);
    assert_eq!(
        count(
            &database,
            "SELECT count(*) FROM pg_tables WHERE tablename = 'b'"
        ),
        0
    );
    project.write(
        "migrations/002_b.sql",
        "CREATE TABLE b (id int);\nINSERT INTO b VALUES (1);\n",
    );
    plan(&database, project.path(), &["apply"]).expect_ok();
    assert_eq!(ledger_ids(&database), ["001_a", "002_b", "003_c"]);
    assert_eq!(count(&database, "SELECT count(*) FROM b"), 1);
    assert_eq!(
        count(
            &database,
            "SELECT count(*) FROM plan.migrations_history WHERE action = 'apply' AND outcome = 'ok'"
        ),
        3
    );
}

/// Fresh migrations next to each other share a message; one failing in the middle stops the
/// message there: the ones before it are committed with their rows, it fails at its own
/// file:line:column (as the statement-by-statement path says), the ones after it never ran.
#[test]
fn a_failure_inside_a_shared_message_stops_it_there() {
    let project = TestProject::new(&[
        ("migrations/001_a.sql", "CREATE TABLE a (id int);\n"),
        ("migrations/002_b.sql", "CREATE TABLE b (id int);\n"),
        (
            "migrations/003_broken.sql",
            "CREATE TABLE c (id int);\nINSERT INTO c VALUES (1);\nSELECT 1 / (SELECT count(*) - 1 FROM c);\n",
        ),
        ("migrations/004_d.sql", "CREATE TABLE d (id int);\n"),
    ]);
    let (at, database, run) = fails_alike("one_message_shared_failure", &project);
    assert!(at[0].contains("migrations/003_broken.sql:3:"), "{at:?}");
    assert!(
        run.stderr.contains("migration 003_broken failed"),
        "{}",
        run.transcript()
    );
    assert_eq!(ledger_ids(&database), ["001_a", "002_b"]);
    assert_eq!(
        count(
            &database,
            "SELECT count(*) FROM pg_tables WHERE tablename IN ('c', 'd')"
        ),
        0
    );
    // Each committed migration has its history row, timed on its own.
    assert_eq!(
        count(
            &database,
            "SELECT count(DISTINCT started_at) FROM plan.migrations_history WHERE outcome = 'ok'"
        ),
        2
    );
    // The run goes on from the failed one once it is fixed.
    project.write(
        "migrations/003_broken.sql",
        "CREATE TABLE c (id int);\nINSERT INTO c VALUES (1);\n",
    );
    plan(&database, project.path(), &["apply"]).expect_ok();
    assert_eq!(
        ledger_ids(&database),
        ["001_a", "002_b", "003_broken", "004_d"]
    );
}

/// A `COMMIT` hidden (where plan's splitter saw one statement) in the second migration of a
/// shared message: the first is committed, the second ended plan's transaction at its
/// statement 1, the third never ran.
#[test]
fn a_commit_hidden_in_a_shared_message_is_found_in_its_migration() {
    let database = test_db("one_message_shared_commit");
    let mut session = Session::connect(database.settings()).expect("connect");
    let plain = LedgerWrite {
        sql: "SELECT '3' AS plan_duration_ms/*guard*/".to_string(),
        values: Vec::new(),
    };
    let message = |statements: &'static [&'static str]| OneMessage {
        modes: None,
        lock_timeout: Duration::from_secs(5),
        statements,
        ledger_write: &plain,
    };
    let outcome = session.apply_in_one_message(&[
        message(&["CREATE TABLE s1 (id int)"]),
        message(&[
            "CREATE TABLE s2 (id int)",
            "CREATE TABLE s3 (id int); COMMIT; CREATE TABLE s4 (id int)",
            "CREATE TABLE s5 (id int)",
        ]),
        message(&["CREATE TABLE s6 (id int)"]),
    ]);
    // How long the committed one took is lost with the server's answer to the failed message.
    assert_eq!(outcome.committed.len(), 1, "{outcome:?}");
    assert!(
        matches!(
            outcome.failure,
            Some(MessageFailure::Ended {
                statement: 1,
                error: None
            })
        ),
        "{outcome:?}"
    );
    let tables = |names: &str| {
        count(
            &database,
            &format!("SELECT count(*) FROM pg_tables WHERE tablename IN ({names})"),
        )
    };
    assert_eq!(tables("'s1', 's2', 's3'"), 3);
    assert_eq!(tables("'s4', 's5', 's6'"), 0);
}

/// A syntax error in the last migration of a shared message stops the whole message before
/// anything of it runs (the server parses it first): the migrations before it then go one
/// message each and are applied, and the broken one fails at its own line.
#[test]
fn a_syntax_error_late_in_a_shared_message_fails_at_its_own_line() {
    let project = TestProject::new(&[
        ("migrations/001_a.sql", "CREATE TABLE a (id int);\n"),
        ("migrations/002_b.sql", "CREATE TABLE b (id int);\n"),
        (
            "migrations/003_broken.sql",
            "CREATE TABLE c (id int);\nCREATE TABLE d (id int,, x int);\n",
        ),
    ]);
    let (at, database, _) = fails_alike("one_message_shared_syntax", &project);
    assert!(at[0].contains("migrations/003_broken.sql:2:"), "{at:?}");
    assert_eq!(ledger_ids(&database), ["001_a", "002_b"]);
    assert_eq!(
        count(
            &database,
            "SELECT count(*) FROM pg_tables WHERE tablename IN ('c', 'd')"
        ),
        0
    );
}

/// A lock timeout inside a shared message: the migrations before it are applied, it is its
/// first attempt (the next is counted as the second, after the pause), and once the lock is
/// released it and the ones after it are applied, each once.
#[test]
fn a_lock_timeout_in_a_shared_message_is_retried() {
    let database = test_db("one_message_shared_lock_timeout");
    let project = TestProject::new(&[
        ("migrations/001_t.sql", "CREATE TABLE t (id int);\n"),
        ("plan.yaml", "lock_timeout: 200ms\nlock_retries: 3\n"),
    ]);
    plan(&database, project.path(), &["apply"]).expect_ok();
    project.write("migrations/002_u.sql", "CREATE TABLE u (id int);\n");
    project.write(
        "migrations/003_alter.sql",
        "ALTER TABLE t ADD COLUMN name text;\n",
    );
    project.write("migrations/004_v.sql", "CREATE TABLE v (id int);\n");
    let run = apply_through_a_lock_timeout(&database, &project, "t");
    assert!(
        run.stderr.contains("attempt 2"),
        "the shared message was the first attempt: {}",
        run.transcript()
    );
    assert_eq!(
        ledger_ids(&database),
        ["001_t", "002_u", "003_alter", "004_v"]
    );
    assert_eq!(
        count(
            &database,
            "SELECT count(*) FROM plan.migrations_history WHERE action = 'apply' AND outcome = 'ok'"
        ),
        4
    );
}

/// A warning the server sends during a shared message (here `pg_advisory_unlock` of a lock not
/// held) is shown at the default verbosity, with the message's first migration and how many
/// were sent after it: the server does not say which one raised it (found by the review of
/// shared rollbacks: it was lost).
#[test]
fn a_warning_in_a_shared_message_is_shown_with_its_message() {
    let database = test_db("one_message_shared_warning");
    let project = TestProject::new(&[
        ("migrations/001_a.sql", "CREATE TABLE a (id int);\n"),
        (
            "migrations/002_b.sql",
            "SELECT pg_advisory_unlock(424242);\nCREATE TABLE b (id int);\n",
        ),
        ("migrations/003_c.sql", "CREATE TABLE c (id int);\n"),
    ]);
    let run = plan(&database, project.path(), &["apply"]).expect_ok();
    let warnings: Vec<&str> = run
        .stderr
        .lines()
        .filter(|line| line.starts_with("warning:"))
        .collect();
    assert_eq!(
        warnings,
        [
            "warning: you don't own a lock of type ExclusiveLock (migrations/001_a.sql, 001_a or one of the 2 sent after it in the same message)"
        ],
        "{}",
        run.transcript()
    );
    assert_eq!(ledger_ids(&database), ["001_a", "002_b", "003_c"]);
}

/// A migration whose statement an operator cancels (`pg_cancel_backend`) inside a shared
/// message fails there: it is not run again on its own, which would undo the cancel (its
/// `pg_sleep(30)` would then run to the end and the run succeed).
#[test]
fn a_migration_cancelled_in_a_shared_message_is_not_run_again() {
    let database = test_db("one_message_shared_cancel");
    let project = TestProject::new(&[
        ("migrations/001_a.sql", "CREATE TABLE a (id int);\n"),
        (
            "migrations/002_slow.sql",
            "SELECT pg_sleep(30);\nCREATE TABLE b (id int);\n",
        ),
        ("migrations/003_c.sql", "CREATE TABLE c (id int);\n"),
    ]);
    let child = crate::support::project::spawn_plan(&database, project.path(), &["apply"]);
    crate::concurrency::cancel_sleeping_backend(
        &mut database.client(),
        "the migration's pg_sleep in pg_stat_activity",
    );
    crate::support::project::finish(child, &["apply"], Duration::from_secs(20))
        .expect_failed()
        .expect_stderr_has(&["migration 002_slow failed", "57014"]);
    assert_eq!(ledger_ids(&database), ["001_a"]);
}
