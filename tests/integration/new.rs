//! `plan new` in every seed layout and in the worked example, checked by `plan show`: the next
//! file in the project's own layout and numbering, with its dependencies, and a template that
//! stops `plan apply` until it is written.

use std::path::Path;

use serde_json::Value;

use crate::adopt::worked_example;
use crate::support::cluster::test_db;
use crate::support::project::{Run, TestProject, plan, plan_with_env};

/// `plan ARGS` in `dir`, without a database.
fn plan_here(dir: &Path, args: &[&str]) -> Run {
    plan_with_env(dir, args, &[])
}

/// `plan show --format json` must accept the project: `(id, [dependency ids], rollback)`
/// of each migration.
fn shown_plan(dir: &Path) -> Vec<(String, Vec<String>, Option<String>)> {
    let run = plan_here(dir, &["show", "--format", "json"]).expect_ok();
    let json: Value = serde_json::from_str(&run.stdout).expect("show JSON");
    json["migrations"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|migration| {
            (
                migration["id"].as_str().expect("an id").to_string(),
                migration["depends_on"]
                    .as_array()
                    .expect("a list")
                    .iter()
                    .map(|dependency| dependency["id"].as_str().expect("an id").to_string())
                    .collect(),
                migration["rollback"].as_str().map(str::to_string),
            )
        })
        .collect()
}

/// Runs `plan new NAME` in a copy of `fixture` and returns the project, the run, and what
/// `plan show` says of the new migration.
fn new_in(
    fixture: &str,
    args: &[&str],
) -> (TestProject, Run, (String, Vec<String>, Option<String>)) {
    let project = TestProject::copy_of(fixture);
    let mut all = vec!["new"];
    all.extend(args);
    let run = plan_here(project.path(), &all).expect_ok();
    let last = shown_plan(project.path())
        .pop()
        .expect("the project has migrations");
    (project, run, last)
}

fn shown(
    id: &str,
    depends_on: &[&str],
    rollback: Option<&str>,
) -> (String, Vec<String>, Option<String>) {
    (
        id.to_string(),
        depends_on.iter().map(|id| id.to_string()).collect(),
        rollback.map(str::to_string),
    )
}

#[test]
fn plan_new_follows_each_seed_layout() {
    // Seed 000: `_rollback.sql` files, a sequence.
    let (project, run, last) = new_in("tests/fixtures/seed000_rollback_suffix", &["add_refunds"]);
    run.expect_stdout_has(&[
        "created migrations/003_add_refunds.sql\ncreated migrations/003_add_refunds_rollback.sql\n",
        "003_add_refunds follows the last migration (the project is a sequence)",
    ]);
    assert_eq!(
        last,
        shown(
            "003_add_refunds",
            &["002_feature_name"],
            Some("migrations/003_add_refunds_rollback.sql")
        )
    );
    assert!(
        !project
            .read("migrations/003_add_refunds.sql")
            .contains("Depends")
    );

    // Seed 002 as files: `.up.sql` / `.down.sql`.
    let (_, run, last) = new_in("tests/fixtures/seed002_up_down_files", &["add_user_roles"]);
    run.expect_stdout_has(&[
        "created migrations/003_add_user_roles.up.sql\ncreated migrations/003_add_user_roles.down.sql\n",
    ]);
    assert_eq!(
        last,
        shown(
            "003_add_user_roles",
            &["002_api_keys"],
            Some("migrations/003_add_user_roles.down.sql")
        )
    );

    // Seed 003: one file with `-- UP` / `-- DOWN` and a Created date.
    let (project, run, last) = new_in(
        "tests/fixtures/seed003_up_down_sections",
        &["create_notifications"],
    );
    run.expect_stdout_has(&["created migrations/003_create_notifications.sql\n"]);
    assert_eq!(
        last,
        shown(
            "003_create_notifications",
            &["002_add_user_avatar"],
            Some("migrations/003_create_notifications.sql (-- DOWN section)")
        )
    );
    let text = project.read("migrations/003_create_notifications.sql");
    assert!(
        text.starts_with("-- Migration: 003_create_notifications.sql\n-- Description: Create notifications\n-- Created: "),
        "{text}"
    );
    assert!(
        text.contains("\n-- UP\n") && text.contains("\n-- DOWN\n"),
        "{text}"
    );

    // Seed 004: forward only; a rollback only when asked for.
    let (_, run, last) = new_in(
        "tests/fixtures/seed004_forward_only",
        &["add_user_preferences"],
    );
    run.expect_stdout_has(&[
        "created migrations/003_add_user_preferences.sql\nlayout: forward-only",
    ]);
    assert_eq!(
        last,
        shown("003_add_user_preferences", &["002_create_llm_cache"], None)
    );
    let (_, _, last) = new_in(
        "tests/fixtures/seed004_forward_only",
        &["add_user_preferences", "--rollback"],
    );
    assert_eq!(
        last,
        shown(
            "003_add_user_preferences",
            &["002_create_llm_cache"],
            Some("migrations/003_add_user_preferences.down.sql")
        )
    );
}

#[test]
fn plan_new_in_the_worked_example_depends_on_the_leaves_that_run_everywhere() {
    let project = worked_example();
    let run = plan_here(project.path(), &["new", "add_project_limits"])
        .expect_ok()
        .expect_stdout_has(&[
            "created migrations/005_add_project_limits.sql\ncreated migrations/rollback-005.sql\n",
            "005_add_project_limits depends on 003_user_management_and_permissions",
        ]);
    let text = project.read("migrations/005_add_project_limits.sql");
    assert!(
        text.starts_with(
            "-- ============================================\n-- Migration: 005 - Add Project Limits\n-- ============================================\n-- Purpose: Add project limits\n--\n-- Dependencies:\n--   - 003_user_management_and_permissions.sql\n"
        ),
        "{text}\n{}",
        run.transcript()
    );
    assert!(
        text.contains("\nBEGIN;\n") && text.ends_with("COMMIT;\n"),
        "{text}"
    );
    let plan_now = shown_plan(project.path());
    assert_eq!(
        plan_now.last(),
        Some(&shown(
            "005_add_project_limits",
            &["003_user_management_and_permissions"],
            Some("migrations/rollback-005.sql")
        ))
    );

    // Named dependencies; one limited to production makes the new one production-only too.
    plan_here(
        project.path(),
        &["new", "lancio_limits", "--depends", "002", "004"],
    )
    .expect_ok()
    .expect_stdout_has(&["006_lancio_limits runs only in production, as its dependencies do"]);
    assert_eq!(
        shown_plan(project.path()).last(),
        Some(&shown(
            "006_lancio_limits",
            &["002_platform_billing_schema", "004_create_lancio_org"],
            Some("migrations/rollback-006.sql")
        ))
    );
    // The template stops apply until it is written.
    let database = test_db("adopt_new_template_stops_apply");
    plan(&database, project.path(), &["apply", "--to", "005"])
        .expect_failed()
        .expect_stderr_has(&[
            "migration 005_add_project_limits is still the template written by plan new",
        ]);
}

#[test]
fn plan_new_keeps_the_numbering_width_and_refuses_bad_input() {
    let project = TestProject::new(&[
        ("migrations/0009_a.sql", "CREATE TABLE a (id int);\n"),
        ("migrations/0010_b.sql", "CREATE TABLE b (id int);\n"),
    ]);
    plan_here(project.path(), &["new", "c"])
        .expect_ok()
        .expect_stdout_has(&["created migrations/0011_c.sql\n"]);
    assert_eq!(
        shown_plan(project.path()).last(),
        Some(&shown("0011_c", &["0010_b"], None))
    );
    // A name that is not a word, or a dependency line in a sequence project: nothing is created.
    plan_here(project.path(), &["new", "add index"])
        .expect_invalid()
        .expect_stderr_has(&["plan::apply::invalid_migration_name"]);
    plan_here(project.path(), &["new", "d", "--depends", "0009"])
        .expect_invalid()
        .expect_stderr_has(&["plan::apply::sequence_project"]);
    plan_here(project.path(), &["new", "d", "--depends", "0099"])
        .expect_invalid()
        .expect_stderr_has(&["plan::cli::unknown_migration"]);
    let mut names: Vec<String> = std::fs::read_dir(project.path().join("migrations"))
        .expect("list migrations")
        .map(|entry| {
            entry
                .expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    assert_eq!(names, ["0009_a.sql", "0010_b.sql", "0011_c.sql"]);
    // A project that does not load gets no new file either.
    let broken = TestProject::copy_of("tests/fixtures/cycle");
    plan_here(broken.path(), &["new", "e"])
        .expect_invalid()
        .expect_stderr_has(&["plan::graph::cycle"]);
}

/// In a folder without migrations/ (or plan.yaml's `migrations_dir`), `plan new` creates it and
/// says so; a name it refuses leaves no folder behind, and a missing project folder (a
/// mistyped `--dir`) is not created.
#[test]
fn issue_13_plan_new_creates_a_missing_migrations_folder() {
    let empty = TestProject::new(&[]);
    plan_here(empty.path(), &["new", "bad name"])
        .expect_invalid()
        .expect_stderr_has(&["plan::apply::invalid_migration_name"]);
    assert!(!empty.path().join("migrations").exists());
    plan_here(empty.path(), &["new", "first"])
        .expect_ok()
        .expect_stdout_has(&[
            "created migrations/ (the project had no migrations folder)\ncreated migrations/001_first.sql\n",
        ]);
    assert_eq!(shown_plan(empty.path()), [shown("001_first", &[], None)]);

    let nested = TestProject::new(&[("plan.yaml", "migrations_dir: db/sql\n")]);
    plan_here(nested.path(), &["new", "first"])
        .expect_ok()
        .expect_stdout_has(&["created db/sql/ (the project had no migrations folder)\n"]);
    assert!(nested.path().join("db/sql/001_first.sql").is_file());

    plan_here(empty.path(), &["new", "x", "--dir", "no_such_folder"])
        .expect_invalid()
        .expect_stderr_has(&["plan::project::unreadable"]);
    assert!(!empty.path().join("no_such_folder").exists());
}
