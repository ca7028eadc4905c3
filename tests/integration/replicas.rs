//! plan.yaml `wait_for_replicas` (issue 17) against a real streaming standby made with
//! `pg_basebackup -R`: after apply returns, the standby already has each migration; a standby
//! whose replay is paused fails the run with `plan::apply::replica_lag` once `max_lag` has
//! passed, naming the standby, with the migration committed and recorded on the primary; a
//! server with no standby has nothing to wait for, and `-v` says so.
//!
//! No sleeps: the standby is read right after apply returns, and the only wait is plan's own,
//! bounded by `max_lag`.

use std::time::Duration;

use crate::support::cluster::test_db;
use crate::support::project::{TestProject, finish, plan, spawn_plan_at};
use crate::support::replica::replicated;

/// A project whose plan.yaml waits up to `max_lag` for the standbys, with two migrations: a
/// table, then a row in it.
fn project(max_lag: &str) -> TestProject {
    TestProject::new(&[
        (
            "plan.yaml",
            &format!("wait_for_replicas: {{max_lag: {max_lag}}}\n"),
        ),
        (
            "migrations/001_create.sql",
            "CREATE TABLE replicated (id int PRIMARY KEY);\n",
        ),
        (
            "migrations/002_fill.sql",
            "INSERT INTO replicated VALUES (1);\n",
        ),
    ])
}

#[test]
fn issue_17_apply_returns_once_the_standby_has_replayed_each_migration() {
    let database = "replicas_wait";
    let cluster = replicated("standby_wait", database);
    let project = project("60s");
    let url = cluster.primary.settings_for(database).to_string();
    let args = ["apply"];
    finish(
        spawn_plan_at(&url, project.path(), &args),
        &args,
        Duration::from_secs(120),
    )
    .expect_ok();
    // Read at once: apply waited until the standby replayed both commits.
    let rows: i64 = cluster
        .standby
        .client(database)
        .query_one("SELECT count(*) FROM replicated", &[])
        .expect("the table is on the standby")
        .get(0);
    assert_eq!(rows, 1);
}

#[test]
fn issue_17_a_standby_that_does_not_replay_fails_the_run_after_max_lag_naming_it() {
    let database = "replicas_paused";
    let cluster = replicated("standby_paused", database);
    cluster
        .standby
        .client(database)
        .batch_execute("SELECT pg_wal_replay_pause()")
        .expect("pause replay on the standby");
    let project = project("2s");
    let url = cluster.primary.settings_for(database).to_string();
    let args = ["apply"];
    let run = finish(
        spawn_plan_at(&url, project.path(), &args),
        &args,
        Duration::from_secs(120),
    )
    .expect_failed()
    .expect_stderr_has(&[
        "plan::apply::replica_lag",
        "001_create is committed and recorded, but after waiting 2s (wait_for_replicas.max_lag)",
        "standby `standby_paused` (local socket) is",
        "bytes of WAL behind it",
    ]);
    // The first migration failed the wait: the second never started.
    assert!(
        !run.stderr.contains("002_fill applied"),
        "{}",
        run.transcript()
    );
    let mut primary = pgplan::internals::connect(&cluster.primary.settings_for(database))
        .expect("connect to the primary");
    let recorded: Vec<String> = primary
        .query("SELECT id FROM plan.migrations ORDER BY 1", &[])
        .expect("read the ledger")
        .iter()
        .map(|row| row.get(0))
        .collect();
    assert_eq!(recorded, ["001_create"]);
    let on_standby: bool = cluster
        .standby
        .client(database)
        .query_one("SELECT to_regclass('public.replicated') IS NOT NULL", &[])
        .expect("ask the standby")
        .get(0);
    assert!(!on_standby, "the paused standby replayed the migration");
}

#[test]
fn issue_17_without_standbys_there_is_nothing_to_wait_for_and_verbose_says_so() {
    let database = test_db("replicas_none");
    let project = project("2s");
    plan(&database, project.path(), &["-v", "apply"])
        .expect_ok()
        .expect_stderr_has(&[
            "wait_for_replicas: the server streams to no standby (pg_stat_replication is empty); nothing to wait for",
        ]);
    let quiet = test_db("replicas_none_quiet");
    let run = plan(&quiet, project.path(), &["apply"]).expect_ok();
    assert!(!run.stderr.contains("no standby"), "{}", run.transcript());
}
