//! Review of issue 18's shared rollback messages (`engine::rollback_message`): the promises
//! `plan rollback` keeps statement by statement (each rollback commits with the removal of its
//! ledger row or not at all, nothing twice, one history row per rollback, failures named at the
//! same place, no session state reaching the next rollback, the environment recorded, the table
//! lock never shared) attacked with hostile rollbacks, each compared with `plan -v rollback`
//! (statement by statement) or with `lock: table` (statement by statement at the default
//! verbosity). The review's five findings are fixed or kept by design, each test saying which:
//! 1 a warning during a shared message was lost (now shown with the message); 2 a lost
//! connection cannot name the statement that ran (points at no line rather than a wrong one);
//! 3, 4 a cancelled or timed-out rollback was run again alone (now it stops there); 5 one that
//! deallocated plan's statements succeeded alone after its message (now it fails, as alone).

use std::time::Duration;

use crate::concurrency::{cancel_sleeping_backend, terminate_sleeping_backend};
use crate::one_message::places;
use crate::rollback::branching_project;
use crate::rollback_message::rollbacks;
use crate::support::cluster::{TestDatabase, test_db};
use crate::support::project::{
    Run, TestProject, finish, ledger_ids, plan, public_tables, spawn_plan,
};

/// 001_a to 004_d, each creating table `tN` in its `-- UP` section and rolling back with
/// `downs[N - 1]` (`None`: `DROP TABLE tN;`) in its `-- DOWN` section, plus `extra` files.
fn four(downs: [Option<&str>; 4], extra: &[(&str, &str)]) -> TestProject {
    let files: Vec<(String, String)> = downs
        .iter()
        .enumerate()
        .map(|(index, down)| {
            let n = index + 1;
            let name = ["a", "b", "c", "d"][index];
            let drop = format!("DROP TABLE t{n};\n");
            (
                format!("migrations/00{n}_{name}.sql"),
                format!(
                    "-- UP\nCREATE TABLE t{n} (id int);\n-- DOWN\n{}",
                    down.unwrap_or(&drop)
                ),
            )
        })
        .collect();
    let mut all: Vec<(&str, &str)> = files
        .iter()
        .map(|(path, text)| (path.as_str(), text.as_str()))
        .collect();
    all.extend_from_slice(extra);
    TestProject::new(&all)
}

/// The first column of every row of `sql`, as text.
fn column(database: &TestDatabase, sql: &str) -> Vec<Option<String>> {
    database
        .client()
        .query(sql, &[])
        .unwrap_or_else(|error| panic!("{sql}: {error}"))
        .iter()
        .map(|row| row.get(0))
        .collect()
}

/// `project` applied into a fresh database `name` and `name_v`, then `plan rollback args` in
/// the first (shared messages) and `plan -v rollback args` in the second (statement by
/// statement), the first with the server's statement log.
fn both(
    name: &str,
    project: &TestProject,
    args: &[&str],
) -> (TestDatabase, Run, Vec<String>, TestDatabase, Run) {
    let one = test_db(name);
    let other = test_db(&format!("{name}_v"));
    plan(&one, project.path(), &["apply"]).expect_ok();
    plan(&other, project.path(), &["apply"]).expect_ok();
    let mut rollback = vec!["rollback"];
    rollback.extend_from_slice(args);
    let (run, statements) = one.logged(|| plan(&one, project.path(), &rollback));
    rollback.insert(0, "-v");
    let verbose = plan(&other, project.path(), &rollback);
    (one, run, statements, other, verbose)
}

/// Both paths roll back `project` (`args`) alike: both succeed, leave the same ledger and the
/// same history, each rollback recorded once. Returns the shared run, its statements and its
/// database.
fn rolls_back_alike(
    name: &str,
    project: &TestProject,
    args: &[&str],
) -> (Run, Vec<String>, TestDatabase) {
    let (one, run, statements, other, verbose) = both(name, project, args);
    let run = run.expect_ok();
    verbose.expect_ok();
    assert_eq!(ledger_ids(&one), ledger_ids(&other));
    assert_eq!(rollbacks(&one), rollbacks(&other), "{}", run.transcript());
    assert!(
        rollbacks(&one).iter().all(|line| line.ends_with(" ok")),
        "{:?}",
        rollbacks(&one)
    );
    (run, statements, one)
}

/// Both paths fail on `project` (`args`) at the same place, with the same ledger and history.
/// Returns the places, the shared run, its statements and its database.
fn fails_alike(
    name: &str,
    project: &TestProject,
    args: &[&str],
) -> (Vec<String>, Run, Vec<String>, TestDatabase) {
    let (one, run, statements, other, verbose) = both(name, project, args);
    let run = run.expect_failed();
    let verbose = verbose.expect_failed();
    let at = places(&run);
    assert!(!at.is_empty(), "{}", run.transcript());
    assert_eq!(
        at,
        places(&verbose),
        "{}\n{}",
        run.transcript(),
        verbose.transcript()
    );
    assert_eq!(ledger_ids(&one), ledger_ids(&other));
    assert_eq!(rollbacks(&one), rollbacks(&other));
    (at, run, statements, one)
}

/// How many of `statements` (the server's log) hold `text`.
fn sent(statements: &[String], text: &str) -> usize {
    statements
        .iter()
        .filter(|statement| statement.contains(text))
        .count()
}

/// A division by zero unless `condition` holds: a check a rollback makes without `RAISE`
/// (which would send it statement by statement).
fn unless(condition: &str) -> String {
    format!("SELECT 1 / ({condition})::int;\n")
}

/// What 004_d's rollback leaves on the session (settings, role, session authorization,
/// `LISTEN`), 003_c's checks none of it reached it: both in one message, as alone.
#[test]
fn session_settings_of_a_rollback_do_not_reach_the_next_in_its_message() {
    test_db("review_rb_role")
        .client()
        .batch_execute(
            "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'review_rb_someone') \
             THEN CREATE ROLE review_rb_someone; END IF; END $$",
        )
        .expect("create the role");
    let fourth = "DROP TABLE t4;\n\
                  SET search_path = nowhere;\n\
                  SET default_transaction_read_only = on;\n\
                  SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL SERIALIZABLE;\n\
                  SET review.leak = 'yes';\n\
                  SET lock_timeout = '1ms';\n\
                  LISTEN review_channel;\n\
                  SET SESSION AUTHORIZATION review_rb_someone;\n\
                  SET ROLE review_rb_someone;\n";
    let third = [
        unless("current_setting('search_path') = '\"$user\", public'"),
        unless("NOT current_setting('transaction_read_only')::bool"),
        unless("current_setting('transaction_isolation') = 'read committed'"),
        unless("coalesce(current_setting('review.leak', true), '') = ''"),
        unless("current_setting('lock_timeout') <> '1ms'"),
        unless("NOT EXISTS (SELECT FROM pg_listening_channels())"),
        unless("current_user = session_user AND session_user <> 'review_rb_someone'"),
        "DROP TABLE t3;\n".to_string(),
    ]
    .concat();
    let project = four([None, None, Some(&third), Some(fourth)], &[]);
    let (_, statements, database) =
        rolls_back_alike("review_rb_settings", &project, &["--last-batch"]);
    assert!(ledger_ids(&database).is_empty());
    assert_eq!(
        rollbacks(&database),
        ["004_d ok", "003_c ok", "002_b ok", "001_a ok"]
    );
    // They did share a message.
    assert_eq!(
        statements
            .iter()
            .filter(|statement| statement.contains("DROP TABLE t4")
                && statement.contains("DROP TABLE t3"))
            .count(),
        1,
        "{statements:#?}"
    );
}

/// What only the other path cleans up (a temporary table, a prepared statement, a cursor kept
/// open): 004_d's rollback goes alone (its message attempt rolled back, not recorded), and
/// nothing of it reaches 003_c's; each rollback is recorded once.
#[test]
fn residue_of_a_rollback_is_cleaned_before_the_next_and_it_is_recorded_once() {
    let fourth = "DROP TABLE t4;\n\
                  CREATE TEMP TABLE review_scratch (id int);\n\
                  PREPARE review_p AS SELECT 1;\n\
                  DECLARE review_c CURSOR WITH HOLD FOR SELECT 1;\n";
    let third = [
        unless("NOT EXISTS (SELECT FROM pg_class WHERE relnamespace = pg_my_temp_schema())"),
        unless(
            "NOT EXISTS (SELECT FROM pg_prepared_statements WHERE from_sql AND name = 'review_p')",
        ),
        unless("NOT EXISTS (SELECT FROM pg_cursors WHERE is_holdable)"),
        "DROP TABLE t3;\n".to_string(),
    ]
    .concat();
    let project = four([None, None, Some(&third), Some(fourth)], &[]);
    let (_, _, database) = rolls_back_alike("review_rb_residue", &project, &["--last-batch"]);
    assert!(ledger_ids(&database).is_empty());
    assert_eq!(
        rollbacks(&database),
        ["004_d ok", "003_c ok", "002_b ok", "001_a ok"]
    );
}

/// A warning the server sends during a rollback's SQL (here `pg_advisory_unlock` of a lock not
/// held) is shown at the default verbosity: alone (`lock: table` forces it without `-v`) with
/// the statement's place; in a shared message (finding 1: it was lost) with the message's
/// first rollback and how many were sent after it, since the server does not say which one
/// raised it.
#[test]
fn a_warning_during_a_shared_rollback_is_shown() {
    let third = "SELECT pg_advisory_unlock(424242);\nDROP TABLE t3;\n";
    let warnings = |run: &Run| -> Vec<String> {
        run.stderr
            .lines()
            .filter(|line| line.starts_with("warning:"))
            .map(str::to_string)
            .collect()
    };
    let alone = four(
        [None, None, Some(third), None],
        &[("plan.yaml", "lock: table\n")],
    );
    let reference = test_db("review_rb_warning_alone");
    plan(&reference, alone.path(), &["apply"]).expect_ok();
    let expected =
        warnings(&plan(&reference, alone.path(), &["rollback", "--last-batch"]).expect_ok());
    assert_eq!(
        expected,
        ["warning: you don't own a lock of type ExclusiveLock (migrations/003_c.sql:4, 003_c)"]
    );
    let shared = four([None, None, Some(third), None], &[]);
    let database = test_db("review_rb_warning");
    plan(&database, shared.path(), &["apply"]).expect_ok();
    let run = plan(&database, shared.path(), &["rollback", "--last-batch"]).expect_ok();
    assert!(ledger_ids(&database).is_empty());
    assert_eq!(
        warnings(&run),
        [
            "warning: you don't own a lock of type ExclusiveLock (migrations/004_d.sql, 004_d or one of the 3 sent after it in the same message)"
        ],
        "{}",
        run.transcript()
    );
}

/// `--env` is recorded in each shared rollback's history row, as alone.
#[test]
fn the_environment_is_recorded_with_each_shared_rollback() {
    let project = four(
        [None, None, None, None],
        &[("plan.yaml", "environments:\n  staging: {}\n")],
    );
    let (_, _, database) = rolls_back_alike(
        "review_rb_environment",
        &project,
        &["--last-batch", "--env", "staging"],
    );
    assert_eq!(
        column(
            &database,
            "SELECT environment FROM plan.migrations_history WHERE action = 'rollback' ORDER BY event"
        ),
        vec![Some("staging".to_string()); 4]
    );
}

/// A rollback waiting for a table lock inside a shared message gives up after `lock_timeout`
/// as alone: the ones before it are rolled back, it fails and is recorded as failed once, the
/// ones after it do not run; with the lock gone, the rest rolls back. Alone, it points at its
/// statement; in a shared message (not run again, finding 4) at no line, saying how to see it.
#[test]
fn a_lock_timeout_inside_a_shared_message_fails_as_alone() {
    let project = four(
        [None, None, None, None],
        &[("plan.yaml", "lock_timeout: 200ms\n")],
    );
    let one = test_db("review_rb_lock_timeout");
    let other = test_db("review_rb_lock_timeout_v");
    let mut runs = Vec::new();
    let mut lockers = Vec::new();
    for (database, verbose) in [(&one, false), (&other, true)] {
        plan(database, project.path(), &["apply"]).expect_ok();
        let mut locker = database.client();
        locker
            .batch_execute("BEGIN; LOCK TABLE t2 IN ACCESS SHARE MODE")
            .expect("lock t2");
        let mut args = vec!["rollback", "--last-batch"];
        if verbose {
            args.insert(0, "-v");
        }
        runs.push(
            plan(database, project.path(), &args)
                .expect_failed()
                .expect_stderr_has(&["migration 002_b failed", "55P03"]),
        );
        lockers.push(locker);
    }
    assert!(places(&runs[0]).is_empty(), "{}", runs[0].transcript());
    assert!(
        runs[0]
            .stderr
            .contains("`plan -v rollback` with the same arguments"),
        "{}",
        runs[0].transcript()
    );
    assert!(places(&runs[1])[0].contains("migrations/002_b.sql:4:"));
    for database in [&one, &other] {
        assert_eq!(ledger_ids(database), ["001_a", "002_b"]);
        assert_eq!(public_tables(database), ["t1", "t2"]);
        assert_eq!(
            rollbacks(database),
            ["004_d ok", "003_c ok", "002_b failed"]
        );
    }
    for mut locker in lockers {
        locker.batch_execute("ROLLBACK").expect("release t2");
    }
    plan(&one, project.path(), &["rollback", "--last-batch"]).expect_ok();
    assert!(ledger_ids(&one).is_empty());
}

/// `plan rollback ID` takes the applied dependents first, in reverse order, through shared
/// messages as alone.
#[test]
fn rollback_id_takes_its_dependents_in_the_same_order_as_alone() {
    let project = branching_project();
    project.write(
        "migrations/005_other.sql",
        "-- depends: none\n-- UP\nCREATE TABLE other (id int);\n-- DOWN\nDROP TABLE other;\n",
    );
    let (run, _, database) = rolls_back_alike("review_rb_dependents", &project, &["002"]);
    run.expect_stdout_has(&["rolled back 2 migration(s): 003_grandchild, 002_child"]);
    assert_eq!(ledger_ids(&database), ["001_base", "004_side", "005_other"]);
    let (_, _, database) = rolls_back_alike("review_rb_dependents_root", &project, &["001"]);
    assert_eq!(ledger_ids(&database), ["005_other"]);
    assert_eq!(public_tables(&database), ["other"]);
}

/// A failure in a rollback file of its own (not a `-- DOWN` section) points into that file, at
/// the line and column alone points at, after a multi-byte character.
#[test]
fn a_failure_in_a_separate_rollback_file_points_into_it_as_alone() {
    let project = TestProject::new(&[
        ("migrations/001_a.sql", "CREATE TABLE t1 (id int);\n"),
        ("migrations/001_a.down.sql", "DROP TABLE t1;\n"),
        ("migrations/002_b.sql", "CREATE TABLE t2 (id int);\n"),
        ("migrations/002_b.down.sql", "DROP TABLE t2;\n"),
        ("migrations/003_c.sql", "CREATE TABLE t3 (id int);\n"),
        (
            "migrations/003_c.down.sql",
            "-- undo 003\nDROP TABLE t3;\nSELECT 'é' || nope;\n",
        ),
        ("migrations/004_d.sql", "CREATE TABLE t4 (id int);\n"),
        ("migrations/004_d.down.sql", "DROP TABLE t4;\n"),
    ]);
    let (at, _, _, database) = fails_alike("review_rb_file", &project, &["--last-batch"]);
    assert!(at[0].contains("migrations/003_c.down.sql:3:"), "{at:?}");
    assert_eq!(ledger_ids(&database), ["001_a", "002_b", "003_c"]);
    assert_eq!(rollbacks(&database), ["004_d ok", "003_c failed"]);
}

/// With the table lock (`lock: table`, as behind a pooler) no rollbacks share a message.
#[test]
fn with_the_table_lock_rollbacks_never_share_a_message() {
    let project = four([None, None, None, None], &[("plan.yaml", "lock: table\n")]);
    let (_, statements, database) =
        rolls_back_alike("review_rb_table_lock", &project, &["--last-batch"]);
    assert!(ledger_ids(&database).is_empty());
    for (first, second) in [("t4", "t3"), ("t3", "t2"), ("t2", "t1")] {
        assert!(
            !statements.iter().any(
                |statement| statement.contains(&format!("DROP TABLE {first}"))
                    && statement.contains(&format!("DROP TABLE {second}"))
            ),
            "{statements:#?}"
        );
    }
}

/// A rollback of a migration whose ledger row is `partial` (an apply stopped part-way) or
/// `rolling_back` at statement 0: the message's write removes only an applied row, so it goes
/// alone, and each is rolled back and recorded once, as alone.
#[test]
fn rows_partial_or_rolling_back_at_the_start_are_rolled_back_once() {
    let project = four([None, None, None, None], &[]);
    let (one, run, statements, other, verbose) = {
        let one = test_db("review_rb_partial");
        let other = test_db("review_rb_partial_v");
        for database in [&one, &other] {
            plan(database, project.path(), &["apply"]).expect_ok();
            database
                .client()
                .batch_execute(
                    "UPDATE plan.migrations SET state = 'partial', next_statement = 1 WHERE id = '003_c';
                     UPDATE plan.migrations SET state = 'rolling_back', next_statement = 0 WHERE id = '002_b'",
                )
                .expect("mark the rows");
        }
        let (run, statements) =
            one.logged(|| plan(&one, project.path(), &["rollback", "--last-batch"]));
        let verbose = plan(&other, project.path(), &["-v", "rollback", "--last-batch"]);
        (one, run, statements, other, verbose)
    };
    let run = run.expect_ok();
    verbose.expect_ok();
    for database in [&one, &other] {
        assert!(ledger_ids(database).is_empty(), "{}", run.transcript());
        assert!(public_tables(database).is_empty());
        assert_eq!(
            rollbacks(database),
            ["004_d ok", "003_c ok", "002_b ok", "001_a ok"]
        );
    }
    assert!(sent(&statements, "DROP TABLE t4") >= 1);
}

/// The rollbacks a failed message committed are not run again: each statement of theirs was
/// sent once; the failed one and the rest go alone.
#[test]
fn rollbacks_a_failed_message_committed_never_run_again() {
    let project = four(
        [
            None,
            Some("DROP TABLE t2;\nDROP TABLE no_such_table;\n"),
            None,
            None,
        ],
        &[],
    );
    let (at, _, statements, database) = fails_alike("review_rb_once", &project, &["--last-batch"]);
    assert!(at[0].contains("migrations/002_b.sql:5:"), "{at:?}");
    assert_eq!(sent(&statements, "DROP TABLE t4"), 1, "{statements:#?}");
    assert_eq!(sent(&statements, "DROP TABLE t3"), 1, "{statements:#?}");
    assert_eq!(ledger_ids(&database), ["001_a", "002_b"]);
    assert_eq!(
        rollbacks(&database),
        ["004_d ok", "003_c ok", "002_b failed"]
    );
}

/// A syntax error in a later rollback of the message stops the whole message before anything
/// of it runs (the server parses it first): the ones before it then roll back alone, and it
/// fails at its own line.
#[test]
fn a_syntax_error_late_in_a_shared_message_fails_at_its_own_line() {
    let project = four([None, Some("DROP TABLE t2,, x;\n"), None, None], &[]);
    let (at, _, _, database) = fails_alike("review_rb_syntax", &project, &["--last-batch"]);
    assert!(at[0].contains("migrations/002_b.sql:4:"), "{at:?}");
    assert_eq!(ledger_ids(&database), ["001_a", "002_b"]);
    assert_eq!(
        rollbacks(&database),
        ["004_d ok", "003_c ok", "002_b failed"]
    );
}

/// A failure in the second message of a long run (64 to a message): the first message's 64
/// rollbacks and those before it in the second are counted, recorded once, and not run again.
#[test]
fn a_failure_in_the_second_message_counts_the_first_messages_rollbacks() {
    let files: Vec<(String, String)> = (1..=70)
        .map(|n| {
            let down = if n == 3 {
                "DROP TABLE m3;\nDROP TABLE no_such_table;\n".to_string()
            } else {
                format!("DROP TABLE m{n};\n")
            };
            (
                format!("migrations/{n:03}_m.sql"),
                format!("-- UP\nCREATE TABLE m{n} (id int);\n-- DOWN\n{down}"),
            )
        })
        .collect();
    let files: Vec<(&str, &str)> = files
        .iter()
        .map(|(path, text)| (path.as_str(), text.as_str()))
        .collect();
    let project = TestProject::new(&files);
    let (at, run, _, database) = fails_alike("review_rb_second", &project, &["--last-batch"]);
    assert!(at[0].contains("migrations/003_m.sql:5:"), "{at:?}");
    assert_eq!(ledger_ids(&database), ["001_m", "002_m", "003_m"]);
    let recorded = rollbacks(&database);
    assert_eq!(recorded.len(), 68, "{recorded:?}");
    assert_eq!(recorded.last().map(String::as_str), Some("003_m failed"));
    assert!(
        run.stderr.contains("004_m"),
        "the help names what was rolled back before it: {}",
        run.transcript()
    );
}

/// The connection lost while a shared message runs a rollback's statement: both paths leave the
/// same ledger and history; the statement-by-statement path points at the statement that was
/// running, the shared one at no line rather than a wrong one (which statement was running is
/// lost with the connection: finding 2, kept as designed).
#[test]
fn a_connection_lost_inside_a_shared_message_points_at_no_line_rather_than_a_wrong_one() {
    let project = four(
        [
            None,
            None,
            Some("SELECT pg_sleep(30);\nDROP TABLE t3;\n"),
            None,
        ],
        &[],
    );
    let mut runs = Vec::new();
    for (name, verbose) in [("review_rb_lost", false), ("review_rb_lost_v", true)] {
        let database = test_db(name);
        plan(&database, project.path(), &["apply"]).expect_ok();
        let mut args = vec!["rollback", "--last-batch"];
        if verbose {
            args.insert(0, "-v");
        }
        let child = spawn_plan(&database, project.path(), &args);
        terminate_sleeping_backend(
            &mut database.client(),
            "the rollback's pg_sleep in pg_stat_activity",
        );
        let run = finish(child, &args, Duration::from_secs(60))
            .expect_failed()
            .expect_stderr_has(&["migration 003_c failed"]);
        assert_eq!(ledger_ids(&database), ["001_a", "002_b", "003_c"]);
        assert_eq!(rollbacks(&database), ["004_d ok"]);
        runs.push(run);
    }
    assert!(places(&runs[0]).is_empty(), "{}", runs[0].transcript());
    assert!(
        places(&runs[1])
            .iter()
            .any(|place| place.contains("migrations/003_c.sql:4:")),
        "{}",
        runs[1].transcript()
    );
}

/// A rollback's statement cancelled by an operator (`pg_cancel_backend`, as a DBA stops a
/// statement that blocks production) while a shared message runs it: the run stops there, as
/// the statement-by-statement path stops, instead of running the rollback again.
#[test]
fn a_rollback_cancelled_inside_a_shared_message_is_not_run_again() {
    let project = four(
        [
            None,
            None,
            Some("SELECT pg_sleep(3);\nDROP TABLE t3;\n"),
            None,
        ],
        &[],
    );
    for (name, verbose) in [("review_rb_cancel_v", true), ("review_rb_cancel", false)] {
        let database = test_db(name);
        plan(&database, project.path(), &["apply"]).expect_ok();
        let mut args = vec!["rollback", "--last-batch"];
        if verbose {
            args.insert(0, "-v");
        }
        let child = spawn_plan(&database, project.path(), &args);
        cancel_sleeping_backend(
            &mut database.client(),
            "the rollback's pg_sleep in pg_stat_activity",
        );
        let run = finish(child, &args, Duration::from_secs(60));
        assert_eq!(run.code, 1, "{name}: {}", run.transcript());
        run.expect_stderr_has(&["migration 003_c failed", "57014"]);
        assert_eq!(ledger_ids(&database), ["001_a", "002_b", "003_c"], "{name}");
        assert_eq!(rollbacks(&database), ["004_d ok", "003_c failed"], "{name}");
    }
}

/// A rollback wrapped in its own `BEGIN ISOLATION LEVEL SERIALIZABLE … COMMIT` keeps those
/// modes in a shared message, as alone.
#[test]
fn a_rollback_keeps_its_own_transaction_modes_in_a_shared_message() {
    let third = format!(
        "BEGIN ISOLATION LEVEL SERIALIZABLE;\n{}DROP TABLE t3;\nCOMMIT;\n",
        unless("current_setting('transaction_isolation') = 'serializable'")
    );
    let project = four([None, None, Some(&third), None], &[]);
    let (_, statements, database) =
        rolls_back_alike("review_rb_modes", &project, &["--last-batch"]);
    assert!(ledger_ids(&database).is_empty());
    assert!(
        statements
            .iter()
            .any(|statement| statement.contains("DROP TABLE t4")
                && statement.contains("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE")),
        "{statements:#?}"
    );
}

/// A migration marked `-- plan: no-transaction` (which says so of its forward SQL only,
/// docs/adopting.md) whose rollback can run in a transaction: it shares a message, and rolls
/// back as alone.
#[test]
fn a_no_transaction_migration_rolls_back_as_alone() {
    let project = four([None, None, None, None], &[]);
    project.write(
        "migrations/003_c.sql",
        "-- plan: no-transaction\n-- UP\nCREATE TABLE t3 (id int);\n\
         CREATE INDEX CONCURRENTLY t3_id ON t3 (id);\n-- DOWN\nDROP TABLE t3;\n",
    );
    let (_, statements, database) =
        rolls_back_alike("review_rb_no_transaction", &project, &["--last-batch"]);
    assert!(ledger_ids(&database).is_empty());
    assert!(public_tables(&database).is_empty());
    assert!(
        statements
            .iter()
            .any(|statement| statement.contains("DROP TABLE t4")
                && statement.contains("DROP TABLE t3")),
        "{statements:#?}"
    );
}

/// A rollback that deallocates every prepared statement where plan's check of its text does
/// not see it (`EXECUTE` in a `DO` block) ends as alone: the same exit code, ledger and
/// history, and never recorded twice.
#[test]
fn a_rollback_deallocating_all_ends_as_alone() {
    let third = "DO $$ BEGIN EXECUTE 'DEALLOCATE ' || 'ALL'; END $$;\nDROP TABLE t3;\n";
    let project = four([None, None, Some(third), None], &[]);
    let (one, run, _, other, verbose) = both("review_rb_dealloc", &project, &["--last-batch"]);
    assert_eq!(
        run.code,
        verbose.code,
        "{}\n{}",
        run.transcript(),
        verbose.transcript()
    );
    assert_eq!(ledger_ids(&one), ledger_ids(&other), "{}", run.transcript());
    assert_eq!(rollbacks(&one), rollbacks(&other), "{}", run.transcript());
    assert_eq!(public_tables(&one), public_tables(&other));
}

/// A rollback that gives up on a table lock after `lock_timeout` is not retried (the operator
/// is watching, and every wait queues an exclusive lock in front of the table's readers): its
/// statement is sent once, as alone, not once in the message and again on its own.
#[test]
fn a_lock_timeout_inside_a_shared_message_is_not_waited_twice() {
    let project = four(
        [None, None, None, None],
        &[("plan.yaml", "lock_timeout: 200ms\n")],
    );
    let database = test_db("review_rb_lock_once");
    plan(&database, project.path(), &["apply"]).expect_ok();
    let mut locker = database.client();
    locker
        .batch_execute("BEGIN; LOCK TABLE t2 IN ACCESS SHARE MODE")
        .expect("lock t2");
    let (run, statements) =
        database.logged(|| plan(&database, project.path(), &["rollback", "--last-batch"]));
    run.expect_failed()
        .expect_stderr_has(&["migration 002_b failed", "55P03"]);
    locker.batch_execute("ROLLBACK").expect("release t2");
    assert_eq!(sent(&statements, "DROP TABLE t2"), 1, "{statements:#?}");
}

/// Transaction control in a rollback, spelled as psql reads it (`END`, `ABORT`, `COMMIT AND
/// CHAIN`, `ROLLBACK AND CHAIN`), written after the apply: `plan rollback` refuses the project
/// before anything runs (exit 2), so no such statement reaches a shared message.
#[test]
fn transaction_control_in_a_rollback_is_refused_before_anything_runs() {
    let project = four([None, None, None, None], &[]);
    let database = test_db("review_rb_control");
    plan(&database, project.path(), &["apply"]).expect_ok();
    for control in ["END", "ABORT", "COMMIT AND CHAIN", "ROLLBACK AND CHAIN"] {
        project.write(
            "migrations/003_c.sql",
            &format!(
                "-- UP\nCREATE TABLE t3 (id int);\n-- DOWN\nCREATE TABLE x3 (id int);\n{control};\nDROP TABLE t3;\n"
            ),
        );
        plan(&database, project.path(), &["rollback", "--last-batch"])
            .expect_invalid()
            .expect_stderr_has(&["plan::apply::transaction_control"]);
        assert_eq!(ledger_ids(&database).len(), 4, "{control}");
        assert_eq!(
            public_tables(&database),
            ["t1", "t2", "t3", "t4"],
            "{control}"
        );
    }
}

/// A rollback whose own SQL returns a row with the column plan reads its ledger writes' rows
/// by (`plan_duration_ms`): the message's answer has a row too many, and what committed is read
/// from its markers: every rollback is rolled back and recorded once.
#[test]
fn a_rollback_returning_plans_own_column_is_counted_right() {
    let third = "SELECT 1 AS plan_duration_ms;\nDROP TABLE t3;\n";
    let project = four([None, None, Some(third), None], &[]);
    let (_, _, database) = rolls_back_alike("review_rb_column", &project, &["--last-batch"]);
    assert!(ledger_ids(&database).is_empty());
    assert_eq!(
        rollbacks(&database),
        ["004_d ok", "003_c ok", "002_b ok", "001_a ok"]
    );
}
