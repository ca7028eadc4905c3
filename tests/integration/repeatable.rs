//! Repeatable migrations (`R__name.sql`, issue 16) against a real cluster: a changed one runs
//! again on the next apply and an unchanged one does not; they run after the versioned
//! migrations, also after versioned ones added once they first ran; a dependency on a versioned
//! migration is honoured, also with `--to`; status says applied, changed or pending; rollback
//! refuses them; a failure or a terminated connection inside a changed one leaves its old row,
//! so the next run runs it again; concurrent runs run it once. And a migration of only comments
//! (a no-op) loads, applies, is recorded and is shown as such.
//!
//! Each migration appends to `log`, so what ran, how often and in which order is read back.

use std::time::Duration;

use crate::support::cluster::{TestDatabase, test_db};
use crate::support::project::{
    FILTERS, TestProject, finish, history, ledger, ledger_ids, plan, spawn_plan, wait_for,
};

/// 001 creates `log`; 002 creates `b`; `R__views` (depending on 002) makes a view of `b`.
const PROJECT: &[(&str, &str)] = &[
    (
        "migrations/001_log.sql",
        "CREATE TABLE log (n serial, what text NOT NULL);\nINSERT INTO log (what) VALUES ('001');\n",
    ),
    (
        "migrations/002_b.sql",
        "CREATE TABLE b (id int);\nINSERT INTO log (what) VALUES ('002');\n",
    ),
    (
        "migrations/R__views.sql",
        "-- depends: 002\nCREATE OR REPLACE VIEW vb AS SELECT id FROM b;\nINSERT INTO log (what) VALUES ('views v1');\n",
    ),
];

/// `R__views` changed: another view and another log line.
const VIEWS_V2: &str = "-- depends: 002\nCREATE OR REPLACE VIEW vb AS SELECT id, id + 1 AS next FROM b;\nINSERT INTO log (what) VALUES ('views v2');\n";

/// What ran, in the order it ran.
fn log(database: &TestDatabase) -> Vec<String> {
    database
        .client()
        .query("SELECT what FROM log ORDER BY n", &[])
        .expect("read the log table")
        .iter()
        .map(|row| row.get(0))
        .collect()
}

/// The checksum the ledger records for `id`.
fn recorded_checksum(database: &TestDatabase, id: &str) -> String {
    ledger(database)
        .into_iter()
        .find(|line| line.id == id)
        .map(|line| line.checksum)
        .unwrap_or_else(|| panic!("{id} is not in the ledger"))
}

/// `(migration, outcome)` of every apply in the history, oldest first.
fn applies(database: &TestDatabase) -> Vec<(String, String)> {
    history(database)
        .into_iter()
        .filter(|line| line.action == "apply")
        .map(|line| (line.migration_id, line.outcome))
        .collect()
}

#[test]
fn issue_16_a_changed_repeatable_runs_again_and_an_unchanged_one_does_not() {
    let database = test_db("repeatable_runs_again");
    let project = TestProject::new(PROJECT);
    plan(&database, project.path(), &["apply"])
        .expect_ok()
        .expect_stdout_has(&["applied 3 migrations in batch 1"]);
    assert_eq!(log(&database), ["001", "002", "views v1"]);
    let first = recorded_checksum(&database, "R__views");

    plan(&database, project.path(), &["apply"]).expect_ok();
    assert_eq!(
        log(&database),
        ["001", "002", "views v1"],
        "nothing changed"
    );

    project.write("migrations/R__views.sql", VIEWS_V2);
    plan(&database, project.path(), &["apply", "--dry-run"])
        .expect_ok()
        .expect_stdout_has(&["R__views"]);
    assert_eq!(
        log(&database),
        ["001", "002", "views v1"],
        "a dry run runs nothing"
    );
    plan(&database, project.path(), &["apply"])
        .expect_ok()
        .expect_stdout_has(&["applied 1 migration in batch 2"]);
    assert_eq!(log(&database), ["001", "002", "views v1", "views v2"]);
    let rows = ledger(&database);
    let views = rows
        .iter()
        .find(|line| line.id == "R__views")
        .expect("R__views in the ledger");
    assert_ne!(views.checksum, first, "its row records the new checksum");
    assert_eq!((views.state.as_str(), views.batch), ("applied", 2));
    let last = history(&database).pop().expect("a history row");
    assert_eq!(
        (last.migration_id.as_str(), last.outcome.as_str()),
        ("R__views", "ok")
    );
    assert!(
        last.detail
            .is_some_and(|detail| detail.starts_with("repeatable, run again")),
        "the history says it ran again"
    );

    plan(&database, project.path(), &["apply"]).expect_ok();
    assert_eq!(log(&database).len(), 4, "unchanged since: not run");
}

#[test]
fn issue_16_repeatables_run_after_versioned_migrations_even_ones_added_later() {
    let database = test_db("repeatable_after_versioned");
    let project = TestProject::new(PROJECT);
    plan(&database, project.path(), &["apply"]).expect_ok();
    // A versioned migration added after the repeatable ran is not out of order, and runs
    // before the repeatable's new version.
    project.write(
        "migrations/003_c.sql",
        "CREATE TABLE c (id int);\nINSERT INTO log (what) VALUES ('003');\n",
    );
    project.write("migrations/R__views.sql", VIEWS_V2);
    plan(&database, project.path(), &["apply"])
        .expect_ok()
        .expect_stdout_has(&["applied 2 migrations in batch 2"]);
    assert_eq!(
        log(&database),
        ["001", "002", "views v1", "003", "views v2"]
    );
}

#[test]
fn issue_16_a_repeatables_dependency_is_honoured_also_with_to() {
    let database = test_db("repeatable_dependency");
    let mut files = PROJECT.to_vec();
    files.push((
        "migrations/003_c.sql",
        "CREATE TABLE c (id int);\nINSERT INTO log (what) VALUES ('003');\n",
    ));
    let project = TestProject::new(&files);
    plan(&database, project.path(), &["apply", "--to", "R__views"]).expect_ok();
    assert_eq!(log(&database), ["001", "002", "views v1"]);
    assert_eq!(ledger_ids(&database), ["001_log", "002_b", "R__views"]);
    // --to a versioned migration leaves a changed repeatable for later.
    project.write("migrations/R__views.sql", VIEWS_V2);
    plan(&database, project.path(), &["apply", "--to", "003"]).expect_ok();
    assert_eq!(log(&database), ["001", "002", "views v1", "003"]);
    plan(&database, project.path(), &["apply"]).expect_ok();
    assert_eq!(
        log(&database),
        ["001", "002", "views v1", "003", "views v2"]
    );

    // A versioned migration cannot depend on a repeatable one: invalid input, at its line.
    project.write(
        "migrations/004_d.sql",
        "-- depends: R__views\nSELECT * FROM vb;\n",
    );
    plan(&database, project.path(), &["show"])
        .expect_invalid()
        .expect_stderr_has(&[
            "plan::project::depends_on_repeatable",
            "versioned migration 004_d depends on R__views",
            "[migrations/004_d.sql:1:",
        ]);
}

#[test]
fn issue_16_status_says_applied_changed_or_pending_and_show_marks_repeatables() {
    let database = test_db("repeatable_status");
    let mut files = PROJECT.to_vec();
    files.push(("migrations/R__grants.sql", "SELECT 'grants';\n"));
    let project = TestProject::new(&files);
    plan(&database, project.path(), &["apply", "--to", "R__views"]).expect_ok();
    project.write("migrations/R__views.sql", VIEWS_V2);
    let status = plan(&database, project.path(), &["status"]).expect_ok();
    insta::with_settings!({filters => FILTERS.to_vec()}, {
        insta::assert_snapshot!("repeatable_status", status.transcript());
    });
    let json = plan(&database, project.path(), &["status", "--format", "json"]).expect_ok();
    let shown: serde_json::Value = serde_json::from_str(&json.stdout).expect("status JSON");
    let states: Vec<(String, String, String)> = shown["migrations"]
        .as_array()
        .expect("a list of migrations")
        .iter()
        .map(|migration| {
            let text = |key: &str| migration[key].as_str().unwrap_or("-").to_string();
            (text("id"), text("kind"), text("state"))
        })
        .collect();
    let expect =
        |id: &str, kind: &str, state: &str| (id.to_string(), kind.to_string(), state.to_string());
    assert_eq!(
        states,
        [
            expect("001_log", "-", "applied"),
            expect("002_b", "-", "applied"),
            expect("R__grants", "repeatable", "pending"),
            expect("R__views", "repeatable", "changed"),
        ]
    );
    assert_eq!(shown["counts"]["changed"], 1);
    plan(&database, project.path(), &["status", "--exit-code"])
        .expect_failed()
        .expect_stderr_has(&["1 pending, 1 changed"]);

    let show = plan(&database, project.path(), &["show"]).expect_ok();
    insta::with_settings!({filters => FILTERS.to_vec()}, {
        insta::assert_snapshot!("repeatable_show", show.transcript());
    });
}

#[test]
fn issue_16_a_repeatable_is_not_rolled_back_alone_or_with_its_batch() {
    let database = test_db("repeatable_rollback");
    let project = TestProject::new(&[
        (
            "migrations/001_a.sql",
            "-- UP\nCREATE TABLE a (id int);\n-- DOWN\nDROP TABLE a;\n",
        ),
        (
            "migrations/R__views.sql",
            "CREATE OR REPLACE VIEW v AS SELECT 1 AS one;\n",
        ),
    ]);
    plan(&database, project.path(), &["apply"]).expect_ok();
    for args in [
        &["rollback", "R__views"][..],
        &["rollback", "--last-batch"][..],
    ] {
        plan(&database, project.path(), args)
            .expect_failed()
            .expect_stderr_has(&[
                "plan::apply::no_rollback",
                "R__views (a repeatable migration has no rollback: it runs again whenever its file changes)",
                "to undo a repeatable migration, change its file",
            ]);
    }
    assert_eq!(ledger_ids(&database), ["001_a", "R__views"]);
    // The versioned migration alone rolls back: nothing chains the repeatable onto it.
    plan(&database, project.path(), &["rollback", "001_a"]).expect_ok();
    assert_eq!(ledger_ids(&database), ["R__views"]);
}

#[test]
fn issue_16_a_failure_inside_a_changed_repeatable_keeps_its_old_row() {
    let database = test_db("repeatable_failure");
    let project = TestProject::new(PROJECT);
    plan(&database, project.path(), &["apply"]).expect_ok();
    let first = recorded_checksum(&database, "R__views");
    project.write(
        "migrations/R__views.sql",
        "INSERT INTO log (what) VALUES ('views broken');\nSELECT 1 / 0;\n",
    );
    plan(&database, project.path(), &["apply"])
        .expect_failed()
        .expect_stderr_has(&["migration R__views failed"]);
    assert_eq!(recorded_checksum(&database, "R__views"), first);
    assert_eq!(log(&database), ["001", "002", "views v1"]);
    assert_eq!(
        applies(&database).last(),
        Some(&("R__views".to_string(), "failed".to_string()))
    );

    // Its connection terminated in the middle of it: still the old row.
    project.write(
        "migrations/R__views.sql",
        "INSERT INTO log (what) VALUES ('views slow');\nSELECT pg_sleep(30);\n",
    );
    let child = spawn_plan(&database, project.path(), &["apply"]);
    let mut client = database.client();
    let backend: i32 = wait_for(
        "the repeatable's pg_sleep in pg_stat_activity",
        Duration::from_secs(20),
        || {
            client
                .query_opt(
                    "SELECT pid FROM pg_stat_activity
                     WHERE datname = current_database() AND pid <> pg_backend_pid()
                       AND state = 'active' AND strpos(query, 'SELECT pg_sleep(30)') > 0",
                    &[],
                )
                .expect("read pg_stat_activity")
                .map(|row| row.get(0))
        },
    );
    client
        .query_one("SELECT pg_terminate_backend($1)", &[&backend])
        .expect("terminate the backend");
    finish(child, &["apply"], Duration::from_secs(20)).expect_failed();
    assert_eq!(recorded_checksum(&database, "R__views"), first);
    assert_eq!(log(&database), ["001", "002", "views v1"]);

    project.write("migrations/R__views.sql", VIEWS_V2);
    plan(&database, project.path(), &["apply"]).expect_ok();
    assert_ne!(recorded_checksum(&database, "R__views"), first);
    assert_eq!(log(&database), ["001", "002", "views v1", "views v2"]);
}

#[test]
fn issue_16_concurrent_runs_run_a_changed_repeatable_once() {
    let database = test_db("repeatable_concurrent");
    let project = TestProject::new(PROJECT);
    plan(&database, project.path(), &["apply"]).expect_ok();
    // The new version waits on an advisory lock the test holds, so that the other runs are
    // started, and wait for plan's lock, while the first is inside the repeatable.
    project.write(
        "migrations/R__views.sql",
        "INSERT INTO log (what) VALUES ('views v2');\nSELECT pg_advisory_xact_lock(16016);\n",
    );
    let mut gate = database.client();
    gate.execute("SELECT pg_advisory_lock(16016)", &[])
        .expect("hold the gate");
    let first = spawn_plan(&database, project.path(), &["apply"]);
    let mut watcher = database.client();
    wait_for(
        "the first run to wait at the gate inside R__views",
        Duration::from_secs(20),
        || {
            watcher
                .query_opt(
                    "SELECT 1 FROM pg_stat_activity
                     WHERE datname = current_database() AND pid <> pg_backend_pid()
                       AND starts_with(query, 'SELECT pg_advisory_xact_lock(16016)')",
                    &[],
                )
                .expect("read pg_stat_activity")
        },
    );
    let others: Vec<_> = (0..3)
        .map(|_| spawn_plan(&database, project.path(), &["apply"]))
        .collect();
    // Each of them has tried plan's lock and is looking up who holds it.
    wait_for(
        "the other runs to wait for plan's lock",
        Duration::from_secs(20),
        || {
            let waiting: i64 = watcher
                .query_one(
                    "SELECT count(DISTINCT pid) FROM pg_stat_activity
                     WHERE datname = current_database() AND application_name = 'plan apply'
                       AND query LIKE '%FROM pg_locks%'",
                    &[],
                )
                .expect("read pg_stat_activity")
                .get(0);
            (waiting >= 3).then_some(())
        },
    );
    gate.execute("SELECT pg_advisory_unlock(16016)", &[])
        .expect("open the gate");
    let mut runs = vec![finish(first, &["apply"], Duration::from_secs(60))];
    runs.extend(
        others
            .into_iter()
            .map(|child| finish(child, &["apply"], Duration::from_secs(60))),
    );
    for run in &runs {
        assert_eq!(run.code, 0, "{}", run.transcript());
    }
    let appliers = runs
        .iter()
        .filter(|run| run.stdout.contains("applied 1 migration in batch"))
        .count();
    assert_eq!(appliers, 1, "exactly one run runs the changed repeatable");
    assert_eq!(log(&database), ["001", "002", "views v1", "views v2"]);
}

#[test]
fn issue_16_a_migration_of_only_comments_is_a_no_op_applied_and_shown() {
    let database = test_db("no_op_migration");
    let project = TestProject::new(&[
        (
            "migrations/001_log.sql",
            "CREATE TABLE log (n serial, what text NOT NULL);\n",
        ),
        (
            "migrations/002_noop.sql",
            "-- NO-OP to fix out-of-sequence migrations\n/* kept so that the numbering has no gap */\n",
        ),
        (
            "migrations/003_c.sql",
            "INSERT INTO log (what) VALUES ('003');\n",
        ),
    ]);
    let show = plan(&database, project.path(), &["show"]).expect_ok();
    insta::with_settings!({filters => FILTERS.to_vec()}, {
        insta::assert_snapshot!("no_op_show", show.transcript());
    });
    let json = plan(&database, project.path(), &["show", "--format", "json"]).expect_ok();
    let shown: serde_json::Value = serde_json::from_str(&json.stdout).expect("show JSON");
    let no_ops: Vec<(&str, bool)> = shown["migrations"]
        .as_array()
        .expect("a list of migrations")
        .iter()
        .map(|migration| {
            (
                migration["id"].as_str().unwrap_or_default(),
                migration["no_op"].as_bool().unwrap_or(false),
            )
        })
        .collect();
    assert_eq!(
        no_ops,
        [("001_log", false), ("002_noop", true), ("003_c", false)]
    );

    plan(&database, project.path(), &["apply"])
        .expect_ok()
        .expect_stdout_has(&["applied 3 migrations in batch 1"]);
    assert_eq!(ledger_ids(&database), ["001_log", "002_noop", "003_c"]);
    assert!(
        applies(&database).contains(&("002_noop".to_string(), "ok".to_string())),
        "the no-op has its history row"
    );
    assert_eq!(log(&database), ["003"]);
    plan(&database, project.path(), &["status", "--exit-code"]).expect_ok();
}
