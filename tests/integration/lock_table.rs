//! plan.yaml `lock: table` (issue 17): a lock row beside the ledger with an owner, a heartbeat
//! and an expiry. Eight concurrent runners apply each migration exactly once; a SIGKILLed
//! holder's lock is taken over once it expires and the next run completes; a holder that is
//! alive but whose heartbeat stopped (the process frozen with SIGSTOP) finds the lock taken over
//! and commits nothing beside the run that took it.
//!
//! Every wait is on observable state (pg_stat_activity, the lock row), bounded.

use std::time::Duration;

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use crate::support::cluster::{TestDatabase, test_db};
use crate::support::project::{
    TestProject, finish, history, ledger_ids, plan, spawn_plan, wait_for,
};

/// A project of `count` migrations that each insert their ID into `log` (the first creates
/// it) and sleep a little, so that concurrent runs overlap; the tenth builds an index
/// concurrently (outside a transaction, which waits for every open transaction: waiting runs
/// must hold none). `plan_yaml` is the project's plan.yaml.
pub(crate) fn logging_project(count: usize, plan_yaml: &str) -> (TestProject, Vec<String>) {
    let ids: Vec<String> = (1..=count)
        .map(|number| format!("{number:03}_step"))
        .collect();
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
    if count >= 10 {
        files[9].1 = format!(
            "-- plan: no-transaction\n{}CREATE INDEX CONCURRENTLY log_migration ON log (migration);\n",
            files[9].1
        );
    }
    files.push(("plan.yaml".to_string(), plan_yaml.to_string()));
    let files: Vec<(&str, &str)> = files
        .iter()
        .map(|(path, text)| (path.as_str(), text.as_str()))
        .collect();
    (TestProject::new(&files), ids)
}

/// The rows of `log`, sorted: one per migration that ran.
pub(crate) fn log_rows(database: &TestDatabase) -> Vec<String> {
    database
        .client()
        .query("SELECT migration FROM log ORDER BY migration", &[])
        .expect("read the log table")
        .iter()
        .map(|row| row.get(0))
        .collect()
}

/// The migrations the history says were applied successfully, sorted (once each when the
/// lock held).
pub(crate) fn applied_in_history(database: &TestDatabase) -> Vec<String> {
    let mut applied: Vec<String> = history(database)
        .into_iter()
        .filter(|line| line.action == "apply" && line.outcome == "ok")
        .map(|line| line.migration_id)
        .collect();
    applied.sort();
    applied
}

/// The lock row's owner, and whether it has expired by the server's clock; `None` without one.
fn lock_row(client: &mut postgres::Client) -> Option<(String, bool)> {
    let exists: bool = client
        .query_one(
            "SELECT to_regclass('plan.migrations_lock') IS NOT NULL",
            &[],
        )
        .expect("look for the lock table")
        .get(0);
    if !exists {
        return None;
    }
    client
        .query_opt(
            "SELECT owner, expires_at < clock_timestamp() FROM plan.migrations_lock",
            &[],
        )
        .expect("read the lock row")
        .map(|row| (row.get(0), row.get(1)))
}

/// The pid of the backend running a statement that starts with `prefix`, if any.
fn backend_running(client: &mut postgres::Client, prefix: &str) -> Option<i32> {
    client
        .query_opt(
            "SELECT pid FROM pg_stat_activity
             WHERE datname = current_database() AND pid <> pg_backend_pid()
               AND state = 'active' AND starts_with(query, $1)",
            &[&prefix],
        )
        .expect("read pg_stat_activity")
        .map(|row| row.get(0))
}

fn signal(child: &std::process::Child, signal: Signal) {
    let pid = Pid::from_raw(i32::try_from(child.id()).expect("pids fit in i32"));
    kill(pid, signal).expect("signal the plan process");
}

#[test]
fn eight_runners_with_the_table_lock_apply_each_migration_exactly_once() {
    let database = test_db("table_lock_eight_runners");
    let (project, ids) = logging_project(20, "lock: {mode: table, expire_after: 10s}\n");
    let children: Vec<_> = (0..8)
        .map(|_| spawn_plan(&database, project.path(), &["apply"]))
        .collect();
    let runs: Vec<_> = children
        .into_iter()
        .map(|child| finish(child, &["apply"], Duration::from_secs(120)))
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
            .any(|run| run.stderr.contains("waiting for the lock held by run ")),
        "the runs did not overlap, so this test proved nothing"
    );
    assert_eq!(ledger_ids(&database), ids);
    assert_eq!(log_rows(&database), ids);
    assert_eq!(applied_in_history(&database), ids);
    assert_eq!(
        lock_row(&mut database.client()),
        None,
        "the lock was released"
    );
}

#[test]
fn a_killed_holders_lock_is_taken_over_after_it_expires() {
    let database = test_db("table_lock_killed_holder");
    let project = TestProject::new(&[
        ("plan.yaml", "lock: {mode: table, expire_after: 4s}\n"),
        ("migrations/001_first.sql", "CREATE TABLE first (id int);\n"),
        (
            "migrations/002_slow.sql",
            "CREATE TABLE slow (id int);\nSELECT pg_sleep(60);\n",
        ),
    ]);
    let holder = spawn_plan(&database, project.path(), &["apply"]);
    let mut client = database.client();
    wait_for(
        "the migration's pg_sleep in pg_stat_activity",
        Duration::from_secs(30),
        || backend_running(&mut client, "SELECT pg_sleep(60)"),
    );
    let (owner, expired) = lock_row(&mut client).expect("the holder's lock row");
    assert!(
        owner.contains(&format!(", pid {} on ", holder.id())),
        "{owner}"
    );
    assert!(!expired);
    signal(&holder, Signal::SIGKILL);
    let killed = finish(holder, &["apply"], Duration::from_secs(10));
    assert_eq!(killed.code, -1, "{}", killed.transcript());

    // 002 never committed, so its file may change: the next run needs no sleep.
    project.write("migrations/002_slow.sql", "CREATE TABLE slow (id int);\n");
    let next = plan(&database, project.path(), &["apply"]);
    assert_eq!(next.code, 0, "{}", next.transcript());
    assert!(
        next.stderr
            .contains("took over the table lock `plan.migrations_lock`")
            && next.stderr.contains(&owner),
        "{}",
        next.transcript()
    );
    assert_eq!(ledger_ids(&database), ["001_first", "002_slow"]);
    assert_eq!(applied_in_history(&database), ["001_first", "002_slow"]);
    assert_eq!(lock_row(&mut client), None, "the lock was released");
}

#[test]
fn a_frozen_holder_whose_lock_was_taken_over_commits_nothing() {
    let database = test_db("table_lock_frozen_holder");
    let project = TestProject::new(&[
        ("plan.yaml", "lock: {mode: table, expire_after: 3s}\n"),
        (
            "migrations/001_first.sql",
            "CREATE TABLE log (migration text NOT NULL);\n",
        ),
        (
            "migrations/002_second.sql",
            "SELECT pg_sleep(2);\nINSERT INTO log VALUES ('002_second');\n",
        ),
        (
            "migrations/003_third.sql",
            "INSERT INTO log VALUES ('003_third');\n",
        ),
    ]);
    plan(&database, project.path(), &["apply", "--to", "001_first"]).expect_ok();

    let frozen = spawn_plan(&database, project.path(), &["apply"]);
    let mut client = database.client();
    wait_for(
        "002's pg_sleep in pg_stat_activity",
        Duration::from_secs(30),
        || backend_running(&mut client, "SELECT pg_sleep(2)"),
    );
    // Frozen with every thread, its heartbeat among them, inside 002's transaction.
    signal(&frozen, Signal::SIGSTOP);
    wait_for(
        "the frozen run's lock to expire",
        Duration::from_secs(30),
        || lock_row(&mut client).filter(|(_, expired)| *expired),
    );
    // Another run takes the expired lock over, has nothing to do up to 001, and releases it.
    let other = plan(&database, project.path(), &["apply", "--to", "001_first"]);
    assert_eq!(other.code, 0, "{}", other.transcript());
    assert!(
        other.stderr.contains("took over the table lock"),
        "{}",
        other.transcript()
    );
    // Woken, the frozen run finds before committing 002 that the lock is no longer its own.
    signal(&frozen, Signal::SIGCONT);
    let woken = finish(frozen, &["apply"], Duration::from_secs(60));
    assert_eq!(woken.code, 1, "{}", woken.transcript());
    assert!(
        woken
            .stderr
            .contains("this run no longer holds the table lock `plan.migrations_lock`"),
        "{}",
        woken.transcript()
    );
    assert_eq!(ledger_ids(&database), ["001_first"]);
    assert_eq!(log_rows(&database), Vec::<String>::new());

    let ids = ["001_first", "002_second", "003_third"];
    plan(&database, project.path(), &["apply"]).expect_ok();
    assert_eq!(ledger_ids(&database), ids);
    assert_eq!(log_rows(&database), ["002_second", "003_third"]);
    assert_eq!(applied_in_history(&database), ids);
    assert_eq!(lock_row(&mut client), None, "the lock was released");
}

/// Runs that take the advisory lock (a direct connection, plan.yaml's default) and runs that
/// take the table lock (`lock: table`, or a pooler found) on one database keep each other out:
/// four of each at once apply each migration exactly once.
#[test]
fn advisory_lock_runners_and_table_lock_runners_keep_each_other_out() {
    let database = test_db("table_lock_mixed_runners");
    let (table_project, ids) = logging_project(20, "lock: {mode: table, expire_after: 10s}\n");
    let (advisory_project, same_ids) = logging_project(20, "# the default lock\n");
    assert_eq!(ids, same_ids);
    let children: Vec<_> = (0..8)
        .map(|index| {
            let project = if index % 2 == 0 {
                &table_project
            } else {
                &advisory_project
            };
            spawn_plan(&database, project.path(), &["apply"])
        })
        .collect();
    let runs: Vec<_> = children
        .into_iter()
        .map(|child| finish(child, &["apply"], Duration::from_secs(120)))
        .collect();
    for run in &runs {
        assert_eq!(run.code, 0, "{}", run.transcript());
    }
    let appliers = runs
        .iter()
        .filter(|run| run.stdout.contains("applied 20 migrations"))
        .count();
    assert_eq!(appliers, 1, "exactly one run applies everything");
    assert_eq!(ledger_ids(&database), ids);
    assert_eq!(log_rows(&database), ids);
    assert_eq!(applied_in_history(&database), ids);
}

/// A run with the table lock waits for a session holding the advisory lock, naming it, and
/// goes on once it is released; a run with the advisory lock waits for a live lock row.
#[test]
fn each_lock_waits_for_a_holder_of_the_other() {
    let database = test_db("table_lock_waits_for_advisory");
    let (table_project, ids) = logging_project(3, "lock: table\n");
    let key = "('x' || left(encode(sha256(convert_to('plan.migrations', 'UTF8')), 'hex'), 16))::bit(64)::bigint";
    let mut holder = database.client();
    let holder_pid: i32 = holder
        .query_one(
            &format!("SELECT pg_advisory_lock({key}), pg_backend_pid()"),
            &[],
        )
        .expect("take the advisory lock")
        .get(1);
    let waited = plan(
        &database,
        table_project.path(),
        &["apply", "--lock-wait", "1"],
    );
    assert_eq!(waited.code, 1, "{}", waited.transcript());
    assert!(
        waited.stderr.contains("plan::db::lock_timeout")
            && waited.stderr.contains(&format!("pid {holder_pid}")),
        "{}",
        waited.transcript()
    );
    assert!(
        ledger_ids(&database).is_empty(),
        "nothing applied while waiting"
    );
    holder
        .execute(&format!("SELECT pg_advisory_unlock({key})"), &[])
        .expect("release the advisory lock");
    plan(&database, table_project.path(), &["apply"]).expect_ok();
    assert_eq!(ledger_ids(&database), ids);

    // A live lock row, as a run through a pooler holds it: the advisory run waits for it.
    let (advisory_project, _) = logging_project(4, "# the default lock\n");
    holder
        .batch_execute(
            "INSERT INTO plan.migrations_lock (ledger, owner, acquired_at, heartbeat_at, expires_at)
             VALUES ('plan.migrations', 'run test, pid 1 on elsewhere', clock_timestamp(),
                     clock_timestamp(), clock_timestamp() + interval '1 hour')",
        )
        .expect("write a live lock row");
    let waited = plan(
        &database,
        advisory_project.path(),
        &["apply", "--lock-wait", "1"],
    );
    assert_eq!(waited.code, 1, "{}", waited.transcript());
    assert!(
        waited.stderr.contains("plan::db::lock_timeout")
            && waited.stderr.contains("run test, pid 1 on elsewhere"),
        "{}",
        waited.transcript()
    );
    assert_eq!(
        ledger_ids(&database),
        ids,
        "nothing more applied while waiting"
    );
    holder
        .batch_execute("DELETE FROM plan.migrations_lock")
        .expect("end the lock row");
    plan(&database, advisory_project.path(), &["apply"]).expect_ok();
    assert_eq!(ledger_ids(&database).len(), 4);
}

/// Ctrl-C (SIGINT) or SIGTERM while holding the table lock deletes the row before plan ends
/// (as the signal ends it): the next run goes on at once instead of waiting for the expiry.
#[test]
fn an_interrupted_holder_releases_its_lock_at_once() {
    for (name, interrupt) in [
        ("table_lock_sigint", Signal::SIGINT),
        ("table_lock_sigterm", Signal::SIGTERM),
    ] {
        let database = test_db(name);
        let project = TestProject::new(&[
            ("plan.yaml", "lock: {mode: table, expire_after: 1h}\n"),
            ("migrations/001_first.sql", "CREATE TABLE first (id int);\n"),
            (
                "migrations/002_slow.sql",
                "CREATE TABLE slow (id int);\nSELECT pg_sleep(60);\n",
            ),
        ]);
        let holder = spawn_plan(&database, project.path(), &["apply"]);
        let mut client = database.client();
        wait_for(
            "the migration's pg_sleep in pg_stat_activity",
            Duration::from_secs(30),
            || backend_running(&mut client, "SELECT pg_sleep(60)"),
        );
        assert!(lock_row(&mut client).is_some(), "the holder's lock row");
        signal(&holder, interrupt);
        let interrupted = finish(holder, &["apply"], Duration::from_secs(20));
        assert_ne!(interrupted.code, 0, "{}", interrupted.transcript());
        assert_eq!(lock_row(&mut client), None, "the row is gone with the run");

        project.write("migrations/002_slow.sql", "CREATE TABLE slow (id int);\n");
        let next = plan(&database, project.path(), &["apply", "--lock-wait", "5"]);
        assert_eq!(next.code, 0, "{}", next.transcript());
        assert!(!next.stderr.contains("took over"), "{}", next.transcript());
        assert_eq!(ledger_ids(&database), ["001_first", "002_slow"]);
    }
}
