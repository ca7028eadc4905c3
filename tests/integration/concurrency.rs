//! What `plan apply` promises when it is not alone (issue 3): concurrent runs serialise on the
//! advisory lock and apply each migration once; a run whose connection is terminated, or whose
//! process is killed, leaves the database before the migration it was in, and the next run
//! completes; a table lock held by another session ends in lock-timeout retries that name the
//! blocking pid.
//!
//! Every wait on another process or on the server is bounded and fails with what it waited for.

use std::time::Duration;

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use crate::support::cluster::{TestDatabase, test_db};
use crate::support::project::{
    FILTERS, TestProject, finish, history, ledger, ledger_ids, plan, spawn_plan, wait_for,
};

/// The server process sleeping in `pg_sleep` for this database's test, if any: found by its
/// wait event, since a message of several migrations shows in `pg_stat_activity` as its first
/// kilobyte, which may end before the sleep.
fn backend_sleeping(client: &mut postgres::Client) -> Option<i32> {
    client
        .query_opt(
            "SELECT pid FROM pg_stat_activity
             WHERE datname = current_database() AND pid <> pg_backend_pid()
               AND state = 'active' AND wait_event = 'PgSleep'",
            &[],
        )
        .expect("read pg_stat_activity")
        .map(|row| row.get(0))
}

/// Ends the server process of `client`'s database sleeping in `pg_sleep` (`what` says whose
/// sleep), once there is one.
pub(crate) fn terminate_sleeping_backend(client: &mut postgres::Client, what: &str) {
    signal_sleeping_backend(client, what, "pg_terminate_backend");
}

/// Cancels the statement of the server process of `client`'s database sleeping in `pg_sleep`
/// (`what` says whose sleep), once there is one, as an operator stops a statement.
pub(crate) fn cancel_sleeping_backend(client: &mut postgres::Client, what: &str) {
    signal_sleeping_backend(client, what, "pg_cancel_backend");
}

/// Calls `function` (`pg_terminate_backend`, `pg_cancel_backend`) on the server process of
/// `client`'s database sleeping in `pg_sleep`, once there is one.
fn signal_sleeping_backend(client: &mut postgres::Client, what: &str, function: &str) {
    let backend = wait_for(what, Duration::from_secs(20), || backend_sleeping(client));
    let signalled: bool = client
        .query_one(&format!("SELECT {function}($1)"), &[&backend])
        .unwrap_or_else(|error| panic!("{function}: {error}"))
        .get(0);
    assert!(signalled, "{function} found no such server process");
}

/// The pid of the backend of `database` running a statement that starts with `prefix`, if any
/// (other than the asking session).
fn backend_running(client: &mut postgres::Client, prefix: &str) -> Option<i32> {
    client
        .query_opt(
            "SELECT pid FROM pg_stat_activity
             WHERE datname = current_database() AND pid <> pg_backend_pid()
               AND state = 'active' AND strpos(query, $1) > 0",
            &[&prefix],
        )
        .expect("read pg_stat_activity")
        .map(|row| row.get(0))
}

/// Waits until a session named `application_name` has tried plan's lock and is looking up who
/// holds it (it reads `pg_locks` only after a failed try, just before it says it waits).
fn wait_until_waiting_for_the_lock(watcher: &mut postgres::Client, application_name: &str) {
    wait_for(
        "a run to look up who holds the lock",
        Duration::from_secs(20),
        || {
            let waiting: i64 = watcher
                .query_one(
                    "SELECT count(*) FROM pg_stat_activity
                     WHERE datname = current_database() AND application_name = $1
                       AND query LIKE '%FROM pg_locks%'",
                    &[&application_name],
                )
                .expect("read pg_stat_activity")
                .get(0);
            (waiting > 0).then_some(())
        },
    );
}

/// The rows of `log`, sorted: one per migration that ran.
fn log_rows(database: &TestDatabase) -> Vec<String> {
    database
        .client()
        .query("SELECT migration FROM log ORDER BY migration", &[])
        .expect("read the log table")
        .iter()
        .map(|row| row.get(0))
        .collect()
}

/// `(migration, outcome)` of every `apply` in the history, sorted.
fn applies(database: &TestDatabase) -> Vec<(String, String)> {
    let mut applies: Vec<(String, String)> = history(database)
        .into_iter()
        .filter(|line| line.action == "apply")
        .map(|line| (line.migration_id, line.outcome))
        .collect();
    applies.sort();
    applies
}

fn oks(ids: &[&str]) -> Vec<(String, String)> {
    ids.iter()
        .map(|id| (id.to_string(), "ok".to_string()))
        .collect()
}

#[test]
fn concurrent_applies_apply_each_migration_exactly_once() {
    let database = test_db("concurrent_applies_once");
    let ids: Vec<String> = (1..=20).map(|number| format!("{number:03}_step")).collect();
    let mut files: Vec<(String, String)> = ids
        .iter()
        .map(|id| {
            (
                format!("migrations/{id}.sql"),
                format!("INSERT INTO log VALUES ('{id}');\nSELECT pg_sleep(0.05);\n"),
            )
        })
        .collect();
    files[0].1 = format!(
        "CREATE TABLE log (migration text NOT NULL);\n{}",
        files[0].1
    );
    // CREATE INDEX CONCURRENTLY waits for every open transaction in the database: the runs
    // waiting for the lock must not hold one while they wait, or this one never finishes.
    files[9].1 = format!(
        "-- plan: no-transaction\n{}CREATE INDEX CONCURRENTLY log_migration ON log (migration);\n",
        files[9].1
    );
    let files: Vec<(&str, &str)> = files
        .iter()
        .map(|(path, text)| (path.as_str(), text.as_str()))
        .collect();
    let project = TestProject::new(&files);

    let children: Vec<_> = (0..8)
        .map(|_| spawn_plan(&database, project.path(), &["apply"]))
        .collect();
    let runs: Vec<_> = children
        .into_iter()
        .map(|child| finish(child, &["apply"], Duration::from_secs(60)))
        .collect();
    for run in &runs {
        assert_eq!(run.code, 0, "{}", run.transcript());
    }
    let appliers = runs
        .iter()
        .filter(|run| run.stdout.contains("applied 20 migrations"))
        .count();
    assert_eq!(appliers, 1, "exactly one run applies everything");
    assert!(
        runs.iter()
            .any(|run| run.stderr.contains("waiting for the lock held by pid")),
        "the runs did not overlap, so this test proved nothing"
    );

    let expected: Vec<&str> = ids.iter().map(String::as_str).collect();
    assert_eq!(ledger_ids(&database), expected);
    assert_eq!(log_rows(&database), expected);
    assert_eq!(applies(&database), oks(&expected));
    let index_valid: bool = database
        .client()
        .query_one(
            "SELECT indisvalid FROM pg_index WHERE indexrelid = 'log_migration'::regclass",
            &[],
        )
        .expect("read the concurrently built index")
        .get(0);
    assert!(index_valid);
}

#[test]
fn a_terminated_connection_leaves_the_database_before_the_migration() {
    let database = test_db("terminated_mid_migration");
    let project = TestProject::new(&[
        ("migrations/001_first.sql", "CREATE TABLE first (id int);\n"),
        (
            "migrations/002_slow.sql",
            "CREATE TABLE slow_one (id int);\nSELECT pg_sleep(30);\nCREATE TABLE slow_two (id int);\n",
        ),
    ]);
    let child = spawn_plan(&database, project.path(), &["apply"]);
    let mut client = database.client();
    terminate_sleeping_backend(&mut client, "the migration's pg_sleep in pg_stat_activity");
    // Sent in one message, the migration cannot say which statement was running: it points
    // at no line rather than at the wrong one.
    let run = finish(child, &["apply"], Duration::from_secs(20))
        .expect_failed()
        .expect_stderr_has(&["migration 002_slow failed", "connection"]);
    assert!(
        !run.stderr.contains("[migrations/002_slow.sql:1:"),
        "{}",
        run.transcript()
    );

    assert_eq!(ledger_ids(&database), ["001_first"]);
    let slow_one: bool = client
        .query_one("SELECT to_regclass('public.slow_one') IS NOT NULL", &[])
        .expect("look for slow_one")
        .get(0);
    assert!(!slow_one, "the terminated migration's first table survived");

    // 002 was never applied, so its file may change: the next run completes without the sleep.
    project.write(
        "migrations/002_slow.sql",
        "CREATE TABLE slow_one (id int);\nCREATE TABLE slow_two (id int);\n",
    );
    plan(&database, project.path(), &["apply"])
        .expect_ok()
        .expect_stdout_has(&["applied 1 migration in batch"]);
    assert_eq!(ledger_ids(&database), ["001_first", "002_slow"]);
    assert_eq!(applies(&database), oks(&["001_first", "002_slow"]));
}

#[test]
fn a_killed_plan_process_releases_the_lock_and_the_next_run_completes() {
    let database = test_db("killed_plan_process");
    let project = TestProject::new(&[
        (
            "migrations/001_first.sql",
            "CREATE TABLE log (migration text NOT NULL);\nINSERT INTO log VALUES ('001_first');\n",
        ),
        (
            "migrations/002_slow.sql",
            "INSERT INTO log VALUES ('002_slow');\nSELECT pg_sleep(30);\n",
        ),
        (
            "migrations/003_last.sql",
            "INSERT INTO log VALUES ('003_last');\n",
        ),
    ]);
    let child = spawn_plan(&database, project.path(), &["apply"]);
    let pid = Pid::from_raw(i32::try_from(child.id()).expect("pids fit in i32"));
    let mut client = database.client();
    let backend = wait_for(
        "the migration's pg_sleep in pg_stat_activity",
        Duration::from_secs(20),
        || backend_sleeping(&mut client),
    );
    kill(pid, Signal::SIGKILL).expect("kill the plan process");
    let killed = finish(child, &["apply"], Duration::from_secs(10));
    assert_eq!(killed.code, -1, "{}", killed.transcript());

    // The session checks every second whether its client is still there
    // (client_connection_check_interval), so the server ends the 30-second sleep, rolls the
    // migration back and drops the advisory lock long before the sleep would have ended.
    wait_for(
        "the server to end the dead client's session",
        Duration::from_secs(10),
        || {
            let alive: bool = client
                .query_one(
                    "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid = $1)",
                    &[&backend],
                )
                .expect("read pg_stat_activity")
                .get(0);
            (!alive).then_some(())
        },
    );
    let advisory_locks: i64 = client
        .query_one(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'
               AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            &[],
        )
        .expect("read pg_locks")
        .get(0);
    assert_eq!(advisory_locks, 0, "the advisory lock outlived its session");
    assert_eq!(ledger_ids(&database), ["001_first"]);
    assert_eq!(log_rows(&database), ["001_first"]);

    project.write(
        "migrations/002_slow.sql",
        "INSERT INTO log VALUES ('002_slow');\n",
    );
    plan(&database, project.path(), &["apply", "--lock-wait", "10"])
        .expect_ok()
        .expect_stdout_has(&["applied 2 migrations in batch"]);
    let all = ["001_first", "002_slow", "003_last"];
    assert_eq!(ledger_ids(&database), all);
    assert_eq!(log_rows(&database), all);
    assert_eq!(applies(&database), oks(&all));
}

#[test]
fn a_held_table_lock_ends_in_retries_that_name_the_blocking_pid() {
    let database = test_db("held_table_lock_retries");
    let project = TestProject::new(&[
        (
            "migrations/001_accounts.sql",
            "CREATE TABLE accounts (id int);\n",
        ),
        (
            "migrations/002_add_email.sql",
            "ALTER TABLE accounts ADD COLUMN email text;\n",
        ),
        ("plan.yaml", "lock_timeout: 200ms\nlock_retries: 2\n"),
    ]);
    plan(&database, project.path(), &["apply", "--to", "001"]).expect_ok();

    let mut blocker = database.client();
    let blocker_pid: i32 = blocker
        .query_one("SELECT pg_backend_pid()", &[])
        .expect("read the blocker's pid")
        .get(0);
    blocker
        .batch_execute("BEGIN; LOCK TABLE accounts IN ACCESS EXCLUSIVE MODE;")
        .expect("lock the table");

    let run = plan(&database, project.path(), &["apply"])
        .expect_failed()
        .expect_stderr_has(&[
            "migration 002_add_email failed",
            "55P03",
            "gave up after 3 attempt(s) of lock_timeout 200 ms",
            &format!("blocked by pid {blocker_pid} ("),
            "attempt 2",
            "attempt 3",
        ]);
    assert!(!run.stderr.contains("attempt 4"), "{}", run.transcript());
    insta::with_settings!({filters => FILTERS.to_vec()}, {
        insta::assert_snapshot!("held_table_lock_diagnostic", run.transcript());
    });
    blocker.batch_execute("ROLLBACK").expect("release the lock");

    assert_eq!(ledger_ids(&database), ["001_accounts"]);
    let email: bool = database
        .client()
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM information_schema.columns
                            WHERE table_name = 'accounts' AND column_name = 'email')",
            &[],
        )
        .expect("look for the column")
        .get(0);
    assert!(!email, "the blocked migration left its column");
    let failed: Vec<_> = ledger(&database)
        .into_iter()
        .filter(|line| line.id == "002_add_email")
        .collect();
    assert!(failed.is_empty(), "{failed:?}");
    assert_eq!(
        applies(&database),
        [
            ("001_accounts".to_string(), "ok".to_string()),
            ("002_add_email".to_string(), "failed".to_string()),
        ]
    );
}

#[test]
fn rollback_says_it_waits_for_the_lock_and_lock_wait_gives_up() {
    let database = test_db("rollback_waits_for_the_lock");
    let project = TestProject::new(&[
        (
            "migrations/001_first.sql",
            "-- UP\nCREATE TABLE gate (id int);\nCREATE TABLE first (id int);\n-- DOWN\nDROP TABLE first;\n",
        ),
        (
            "migrations/002_held.sql",
            "-- UP\nLOCK TABLE gate;\nCREATE TABLE held (id int);\n-- DOWN\nDROP TABLE held;\n",
        ),
    ]);
    plan(&database, project.path(), &["apply", "--to", "001"]).expect_ok();
    // The test holds `gate`: the apply of 002 waits on it while holding plan's lock.
    let mut gate = database.client();
    gate.batch_execute("BEGIN; LOCK TABLE gate;")
        .expect("hold the gate");
    let apply = spawn_plan(&database, project.path(), &["apply"]);
    let mut watcher = database.client();
    wait_for(
        "the apply of 002 waiting on the gate",
        Duration::from_secs(20),
        || backend_running(&mut watcher, "LOCK TABLE gate"),
    );

    // A bounded wait gives up, saying who holds the lock, and changes nothing.
    plan(
        &database,
        project.path(),
        &["rollback", "001", "--lock-wait", "1"],
    )
    .expect_failed()
    .expect_stderr_has(&["waiting for the lock held by", "plan::db::lock_timeout"]);

    // An unbounded one says it waits, then rolls back once the apply is done.
    let rollback = spawn_plan(&database, project.path(), &["rollback", "001"]);
    wait_until_waiting_for_the_lock(&mut watcher, "plan rollback");
    gate.batch_execute("COMMIT").expect("open the gate");
    finish(apply, &["apply"], Duration::from_secs(30)).expect_ok();
    finish(rollback, &["rollback", "001"], Duration::from_secs(30))
        .expect_ok()
        .expect_stderr_has(&["waiting for the lock held by"])
        .expect_stdout_has(&["rolled back 2 migration(s): 002_held, 001_first"]);
    assert_eq!(ledger_ids(&database), Vec::<String>::new());
}

#[test]
fn accept_says_it_waits_for_the_lock() {
    let database = test_db("accept_waits_for_the_lock");
    let project =
        TestProject::new(&[("migrations/001_first.sql", "CREATE TABLE first (id int);\n")]);
    // -v names the advisory lock's key: the test takes it as another run would.
    let applied = plan(&database, project.path(), &["-v", "apply"]).expect_ok();
    let key: i64 = applied
        .stderr
        .lines()
        .find_map(|line| {
            let rest = line.strip_prefix("lock: acquired advisory lock ")?;
            let key = rest.split("(key ").nth(1)?.split(')').next()?;
            key.parse().ok()
        })
        .unwrap_or_else(|| panic!("no key in {}", applied.stderr));
    project.write(
        "migrations/001_first.sql",
        "-- reformatted\nCREATE TABLE first (id int);\n",
    );
    let mut holder = database.client();
    holder
        .execute("SELECT pg_advisory_lock($1)", &[&key])
        .expect("take plan's lock");
    let accept = spawn_plan(
        &database,
        project.path(),
        &["accept", "001", "--reason", "comment only"],
    );
    let mut watcher = database.client();
    wait_until_waiting_for_the_lock(&mut watcher, "plan accept");
    holder
        .execute("SELECT pg_advisory_unlock($1)", &[&key])
        .expect("release plan's lock");
    finish(
        accept,
        &["accept", "001", "--reason", "comment only"],
        Duration::from_secs(30),
    )
    .expect_ok()
    .expect_stderr_has(&["waiting for the lock held by"]);
}
