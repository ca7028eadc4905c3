//! `plan rollback` against a real database (issue 3): a migration with its applied dependents in
//! reverse order, the refusal (before anything runs) when one of them has no rollback, and
//! `--last-batch`. The worked example's full round trip is in `apply`.

use crate::support::cluster::test_db;
use crate::support::project::{
    TestProject, history, ledger, ledger_ids, plan, plan_with_env, public_tables,
};

/// 001 ← 002 ← 003 and 001 ← 004: two branches, each migration with a `-- DOWN` section.
pub(crate) fn branching_project() -> TestProject {
    TestProject::new(&[
        (
            "migrations/001_base.sql",
            "-- depends: none\n-- UP\nCREATE TABLE base (id int);\n-- DOWN\nDROP TABLE base;\n",
        ),
        (
            "migrations/002_child.sql",
            "-- depends: 001\n-- UP\nCREATE TABLE child (id int);\n-- DOWN\nDROP TABLE child;\n",
        ),
        (
            "migrations/003_grandchild.sql",
            "-- depends: 002\n-- UP\nCREATE TABLE grandchild (id int);\n-- DOWN\nDROP TABLE grandchild;\n",
        ),
        (
            "migrations/004_side.sql",
            "-- depends: 001\n-- UP\nCREATE TABLE side (id int);\n-- DOWN\nDROP TABLE side;\n",
        ),
    ])
}

/// The migrations rolled back, in the order the history recorded them.
fn rolled_back(database: &crate::support::cluster::TestDatabase) -> Vec<String> {
    history(database)
        .into_iter()
        .filter(|line| line.action == "rollback")
        .map(|line| {
            assert_eq!(line.outcome, "ok", "{line:?}");
            line.migration_id
        })
        .collect()
}

#[test]
fn rollback_id_rolls_back_its_applied_dependents_in_reverse_order() {
    let database = test_db("rollback_dependents_reverse");
    let project = branching_project();
    plan(&database, project.path(), &["apply"]).expect_ok();
    assert_eq!(
        public_tables(&database),
        ["base", "child", "grandchild", "side"]
    );

    let run = plan(&database, project.path(), &["rollback", "002"])
        .expect_ok()
        .expect_stdout_has(&["rolled back 2 migration(s): 003_grandchild, 002_child"]);
    // Off a terminal, a line when each rollback starts and one when it ends, so that a CI log
    // shows what is running.
    let stderr = regex::Regex::new(r"\d+ ms")
        .expect("a valid pattern")
        .replace_all(&run.stderr, "[n] ms");
    assert_eq!(
        stderr,
        "[1/2] rolling back 003_grandchild\n[1/2] 003_grandchild rolled back in [n] ms\n\
         [2/2] rolling back 002_child\n[2/2] 002_child rolled back in [n] ms\n",
        "{}",
        run.transcript()
    );
    assert_eq!(rolled_back(&database), ["003_grandchild", "002_child"]);
    assert_eq!(ledger_ids(&database), ["001_base", "004_side"]);
    assert_eq!(public_tables(&database), ["base", "side"]);

    plan(&database, project.path(), &["rollback", "003"])
        .expect_failed()
        .expect_stderr_has(&["plan::apply::not_applied"]);
}

#[test]
fn rollback_refuses_before_anything_when_a_dependent_has_no_rollback() {
    let database = test_db("rollback_refuses_without_down");
    let project = branching_project();
    project.write(
        "migrations/005_forward_only.sql",
        "-- depends: 002\nCREATE TABLE forward_only (id int);\n",
    );
    project.write(
        "migrations/006_also_forward.sql",
        "-- depends: 004\nCREATE TABLE also_forward (id int);\n",
    );
    plan(&database, project.path(), &["apply"]).expect_ok();
    let before = (ledger(&database), public_tables(&database));

    plan(&database, project.path(), &["rollback", "001"])
        .expect_failed()
        .expect_stderr_has(&[
            "plan::apply::no_rollback",
            "006_also_forward (no rollback)",
            "005_forward_only (no rollback)",
            "nothing was rolled back",
        ]);
    assert_eq!((ledger(&database), public_tables(&database)), before);
    assert_eq!(rolled_back(&database), Vec::<String>::new());

    // A migration whose dependents all have rollbacks can still be rolled back.
    plan(&database, project.path(), &["rollback", "003"])
        .expect_ok()
        .expect_stdout_has(&["rolled back 1 migration(s): 003_grandchild"]);
}

#[test]
fn rollback_last_batch_reverts_only_the_last_apply_run() {
    let database = test_db("rollback_last_batch_only");
    let project = branching_project();
    plan(&database, project.path(), &["apply", "--to", "002"])
        .expect_ok()
        .expect_stdout_has(&["batch 1"]);
    plan(&database, project.path(), &["apply"])
        .expect_ok()
        .expect_stdout_has(&["applied 2 migrations in batch 2"]);

    plan(&database, project.path(), &["rollback", "--last-batch"])
        .expect_ok()
        .expect_stdout_has(&["rolled back 2 migration(s): 004_side, 003_grandchild"]);
    assert_eq!(ledger_ids(&database), ["001_base", "002_child"]);
    assert_eq!(public_tables(&database), ["base", "child"]);

    // The batch before is now the last one.
    plan(&database, project.path(), &["rollback", "--last-batch"])
        .expect_ok()
        .expect_stdout_has(&["rolled back 2 migration(s): 002_child, 001_base"]);
    assert_eq!(ledger_ids(&database), Vec::<String>::new());
    assert_eq!(public_tables(&database), Vec::<String>::new());
    plan(&database, project.path(), &["rollback", "--last-batch"])
        .expect_failed()
        .expect_stderr_has(&["plan::apply::nothing_applied"]);

    // Batch numbers are never reused after rollbacks.
    plan(&database, project.path(), &["apply"])
        .expect_ok()
        .expect_stdout_has(&["applied 4 migrations in batch 3"]);
}

#[test]
fn a_failed_rollback_changes_nothing_and_is_recorded_in_the_history() {
    let database = test_db("rollback_failure_recorded");
    let project = branching_project();
    project.write(
        "migrations/004_side.sql",
        "-- depends: 001\n-- UP\nCREATE TABLE side (id int);\n-- DOWN\nDROP TABLE side;\nDROP TABLE no_such_table;\n",
    );
    plan(&database, project.path(), &["apply"]).expect_ok();
    let before = (ledger(&database), public_tables(&database));

    plan(&database, project.path(), &["rollback", "--last-batch"])
        .expect_failed()
        .expect_stderr_has(&[
            "migration 004_side failed",
            "42P01",
            "[migrations/004_side.sql:6:",
        ]);
    assert_eq!((ledger(&database), public_tables(&database)), before);
    let failures: Vec<(String, String, String)> = history(&database)
        .into_iter()
        .filter(|line| line.action == "rollback")
        .map(|line| (line.migration_id, line.action, line.outcome))
        .collect();
    assert_eq!(
        failures,
        [(
            "004_side".to_string(),
            "rollback".to_string(),
            "failed".to_string()
        )],
        "the history records every rollback, failed or not"
    );
}

/// Sourcegraph's squashed migrations roll back with a `down.sql` of `-- Nothing`.
#[test]
fn issue_11_a_comment_only_rollback_is_refused_and_the_migration_stays() {
    let database = test_db("issue_11_comment_only_rollback");
    let project = TestProject::new(&[
        (
            "migrations/001_squashed.up.sql",
            "CREATE TABLE squashed (id int);\n",
        ),
        ("migrations/001_squashed.down.sql", "-- Nothing\n"),
        (
            "migrations/002_sections.sql",
            "-- UP\nCREATE TABLE sections (id int);\n-- DOWN\n/* nothing to undo */\n",
        ),
    ]);
    plan(&database, project.path(), &["apply"]).expect_ok();
    let before = (ledger(&database), public_tables(&database));
    assert_eq!(before.1, ["sections", "squashed"]);

    // Before: exit 0, "rolled back 2", the ledger rows gone and both tables still there.
    plan(&database, project.path(), &["rollback", "001"])
        .expect_failed()
        .expect_stderr_has(&[
            "plan::apply::no_rollback",
            "002_sections (no rollback: its",
            "001_squashed (no",
            "holds only comments",
            "nothing was rolled back",
        ]);
    plan(&database, project.path(), &["rollback", "--last-batch"]).expect_failed();
    assert_eq!((ledger(&database), public_tables(&database)), before);
    assert_eq!(rolled_back(&database), Vec::<String>::new());

    plan_with_env(project.path(), &["show"], &[])
        .expect_ok()
        .expect_stdout_has(&[
            "none: its rollback file migrations/001_squashed.down.sql holds only comments",
            "none: its down section in migrations/002_sections.sql holds only comments",
        ]);
}

/// A `-- Down` comment or another tool's markers no longer split a file silently.
#[test]
fn issue_11_misread_markers_are_refused_before_anything_runs() {
    let database = test_db("issue_11_misread_markers");
    let project = TestProject::new(&[(
        "migrations/001_accounts.sql",
        "CREATE TABLE accounts (id int);\n-- Down\nCREATE TABLE account_exports (id int);\n",
    )]);
    // Before: applied accounts only; account_exports became the rollback.
    plan(&database, project.path(), &["apply"])
        .expect_invalid()
        .expect_stderr_has(&[
            "plan::project::down_without_up",
            "[migrations/001_accounts.sql:2:1]",
        ]);
    assert_eq!(public_tables(&database), Vec::<String>::new());

    let project = TestProject::new(&[(
        "migrations/20240101000000_users.sql",
        "-- migrate:up\nCREATE TABLE users (id int);\n\n-- migrate:down\nDROP TABLE users;\n",
    )]);
    // Issue 11: created and dropped users in one transaction, and recorded it as applied.
    // Issue 16: dbmate's sections are read as dbmate reads them.
    plan(&database, project.path(), &["apply"]).expect_ok();
    assert_eq!(public_tables(&database), vec!["users".to_string()]);
    plan(&database, project.path(), &["rollback", "--last-batch"]).expect_ok();
    assert_eq!(public_tables(&database), Vec::<String>::new());
}
