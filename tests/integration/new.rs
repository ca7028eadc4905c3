//! `plan new` in every seed layout and in the worked example, checked by `plan show`: the next
//! file in the project's own layout and numbering, with its dependencies, and a template that
//! stops `plan apply` until it is written.

use std::path::Path;

use serde_json::Value;

use crate::adopt::worked_example;
use crate::support::cluster::test_db;
use crate::support::project::{Run, TestProject, ledger_ids, plan, plan_with_env, public_tables};

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

/// Issue 16: what `plan new NAME` created in a project of another tool's layout, after checking
/// that `plan show` loads the project with the new migration last and the layout unchanged:
/// `(run, new ID, created files relative to the project)`.
fn new_in_layout(project: &TestProject, tool: &str, args: &[&str]) -> (Run, String, Vec<String>) {
    let mut all = vec!["new"];
    all.extend(args);
    let run = plan_here(project.path(), &all)
        .expect_ok()
        .expect_stdout_has(&[&format!("layout: {tool}")]);
    let created: Vec<String> = run
        .stdout
        .lines()
        .filter_map(|line| line.strip_prefix("created "))
        .map(str::to_string)
        .collect();
    let shown = plan_here(project.path(), &["show", "--format", "json"]).expect_ok();
    let json: Value = serde_json::from_str(&shown.stdout).expect("show JSON");
    assert_eq!(json["layout"], tool, "{}", shown.stdout);
    let id = json["migrations"]
        .as_array()
        .and_then(|migrations| migrations.last())
        .and_then(|last| last["id"].as_str())
        .expect("a last migration")
        .to_string();
    (run, id, created)
}

/// Writes SQL in place of the placeholders of `files`: `CREATE TABLE table` up, `DROP TABLE
/// table` down.
fn write_sql(project: &TestProject, files: &[String], table: &str) {
    for file in files {
        let text: String = project
            .read(file)
            .lines()
            .map(|line| {
                if line.starts_with("DO $$ BEGIN RAISE EXCEPTION 'migration ") {
                    format!("CREATE TABLE {table} (id int);\n")
                } else if line.starts_with("DO $$ BEGIN RAISE EXCEPTION 'the rollback of ") {
                    format!("DROP TABLE {table};\n")
                } else {
                    format!("{line}\n")
                }
            })
            .collect();
        project.write(file, &text);
    }
}

/// The created files' text, each under its name, with the run's output: for a snapshot.
fn created_text(project: &TestProject, run: &Run, files: &[String]) -> String {
    let mut text = run.stdout.clone();
    for file in files {
        text.push_str(&format!("\n== {file} ==\n{}", project.read(file)));
    }
    text
}

/// `plan new add_x` in a project of `files` following `tool`'s layout: the new migration is
/// last, the files created match `expected` (names with `#` for any digit), and, its SQL
/// written, `plan apply` runs it against a real database.
fn check_tool(tool: &str, files: &[(&str, &str)], expected: &[&str]) -> (TestProject, String) {
    let project = TestProject::new(files);
    let (run, id, created) = new_in_layout(&project, tool, &["add_x"]);
    assert_eq!(created.len(), expected.len(), "{}", run.transcript());
    for (file, pattern) in created.iter().zip(expected) {
        let matches = file.len() == pattern.len()
            && file
                .chars()
                .zip(pattern.chars())
                .all(|(got, want)| got == want || (want == '#' && got.is_ascii_digit()));
        assert!(matches, "{file} is not {pattern}\n{}", run.transcript());
    }
    let table = format!("x_{}", tool.replace('-', "_"));
    write_sql(&project, &created, &table);
    let database = test_db(&format!("new_layout_{}", tool.replace('-', "_")));
    plan(&database, project.path(), &["apply"]).expect_ok();
    assert_eq!(ledger_ids(&database).last(), Some(&id), "{tool}");
    assert!(public_tables(&database).contains(&table), "{tool}");
    (project, id)
}

const DBMATE_A: &str =
    "-- migrate:up\nCREATE TABLE a (id int);\n\n-- migrate:down\nDROP TABLE a;\n";
const DBMATE_B: &str =
    "-- migrate:up\nCREATE TABLE b (id int);\n\n-- migrate:down\nDROP TABLE b;\n";

#[test]
fn issue_16_plan_new_writes_each_tools_own_template() {
    check_tool(
        "dbmate",
        &[
            ("db/migrations/20240101120000_a.sql", DBMATE_A),
            ("db/migrations/20240102120000_b.sql", DBMATE_B),
        ],
        &["db/migrations/##############_add_x.sql"],
    );
    check_tool(
        "node-pg-migrate",
        &[
            (
                "migrations/1700000000000_a.sql",
                "-- Up Migration\nCREATE TABLE a (id int);\n\n-- Down Migration\nDROP TABLE a;\n",
            ),
            (
                "migrations/1700000001000_b.sql",
                "-- Up Migration\nCREATE TABLE b (id int);\n\n-- Down Migration\nDROP TABLE b;\n",
            ),
        ],
        &["migrations/#############_add_x.sql"],
    );
    check_tool(
        "sql-migrate",
        &[
            (
                "migrations/20240101120000-a.sql",
                "-- +migrate Up\nCREATE TABLE a (id int);\n\n-- +migrate Down\nDROP TABLE a;\n",
            ),
            (
                "migrations/20240102120000-b.sql",
                "-- +migrate Up\nCREATE TABLE b (id int);\n\n-- +migrate Down\nDROP TABLE b;\n",
            ),
        ],
        &["migrations/##############-add_x.sql"],
    );
    check_tool(
        "golang-migrate",
        &[
            ("plan.yaml", "layout: golang-migrate\n"),
            ("migrations/000001_a.up.sql", "CREATE TABLE a (id int);\n"),
            ("migrations/000001_a.down.sql", "DROP TABLE a;\n"),
            ("migrations/000002_b.up.sql", "CREATE TABLE b (id int);\n"),
            ("migrations/000002_b.down.sql", "DROP TABLE b;\n"),
        ],
        &[
            "migrations/000003_add_x.up.sql",
            "migrations/000003_add_x.down.sql",
        ],
    );
    // sqlx infers a sequence from two versions one apart, and simple files from the latest.
    check_tool(
        "sqlx",
        &[
            ("plan.yaml", "layout: sqlx\n"),
            ("migrations/0001_a.sql", "CREATE TABLE a (id int);\n"),
            ("migrations/0002_b.sql", "CREATE TABLE b (id int);\n"),
        ],
        &["migrations/0003_add_x.sql"],
    );
    check_tool(
        "morph",
        &[
            (
                "migrations/000001_a.up.sql",
                "-- morph:nontransactional\nCREATE TABLE a (id int);\n",
            ),
            ("migrations/000001_a.down.sql", "DROP TABLE a;\n"),
            ("migrations/000002_b.up.sql", "CREATE TABLE b (id int);\n"),
            ("migrations/000002_b.down.sql", "DROP TABLE b;\n"),
        ],
        &[
            "migrations/000003_add_x.up.sql",
            "migrations/000003_add_x.down.sql",
        ],
    );
    let (prisma, _) = check_tool(
        "prisma",
        &[
            (
                "prisma/migrations/20240101000000_a/migration.sql",
                "CREATE TABLE a (id int);\n",
            ),
            (
                "prisma/migrations/20240102000000_b/migration.sql",
                "CREATE TABLE b (id int);\n",
            ),
            (
                "prisma/migrations/migration_lock.toml",
                "provider = \"postgresql\"\n",
            ),
        ],
        &["prisma/migrations/##############_add_x/migration.sql"],
    );
    // Prisma has no down migrations: a rollback asked for is refused, and nothing is left.
    plan_here(prisma.path(), &["new", "add_y", "--rollback"])
        .expect_invalid()
        .expect_stderr_has(&[
            "plan::apply::no_rollback_in_layout",
            "prisma's layout has no rollbacks",
        ]);
    let entries = std::fs::read_dir(prisma.path().join("prisma/migrations"))
        .expect("list")
        .count();
    assert_eq!(entries, 4);
}

#[test]
fn issue_16_plan_new_follows_goose_flyway_dbmate_and_diesel_exactly() {
    // goose, sequential at five digits (`goose create -s`).
    let goose = TestProject::new(&[
        (
            "migrations/00001_a.sql",
            "-- +goose Up\nCREATE TABLE a (id int);\n\n-- +goose Down\nDROP TABLE a;\n",
        ),
        (
            "migrations/00002_b.sql",
            "-- +goose Up\nCREATE TABLE b (id int);\n\n-- +goose Down\nDROP TABLE b;\n",
        ),
    ]);
    let (run, id, created) = new_in_layout(&goose, "goose", &["Add-X"]);
    assert_eq!(id, "00003_add_x");
    insta::assert_snapshot!("new_goose", created_text(&goose, &run, &created));
    write_sql(&goose, &created, "x");
    let database = test_db("new_layout_goose");
    plan(&database, goose.path(), &["apply"]).expect_ok();
    plan(&database, goose.path(), &["rollback", "3"]).expect_ok();
    assert_eq!(public_tables(&database), ["a", "b"]);

    // Flyway: one more than the highest, V10 after V9; then dotted versions with undo files.
    let flyway = TestProject::new(&[
        ("sql/V9__a.sql", "CREATE TABLE a (id int);\n"),
        ("sql/V10__b.sql", "CREATE TABLE b (id int);\n"),
    ]);
    let (run, id, created) = new_in_layout(&flyway, "flyway", &["add_x"]);
    assert_eq!(id, "V11__add_x");
    insta::assert_snapshot!("new_flyway", created_text(&flyway, &run, &created));
    let dotted = TestProject::new(&[
        ("sql/V1_1__a.sql", "CREATE TABLE a (id int);\n"),
        ("sql/U1_1__a.sql", "DROP TABLE a;\n"),
        ("sql/V1_2__b.sql", "CREATE TABLE b (id int);\n"),
        ("sql/U1_2__b.sql", "DROP TABLE b;\n"),
    ]);
    let (run, id, created) = new_in_layout(&dotted, "flyway", &["add_x"]);
    assert_eq!(id, "V1_3__add_x");
    insta::assert_snapshot!("new_flyway_dotted", created_text(&dotted, &run, &created));
    write_sql(&dotted, &created, "x");
    let database = test_db("new_layout_flyway");
    plan(&database, dotted.path(), &["apply"]).expect_ok();
    plan(&database, dotted.path(), &["rollback", "V1.3"]).expect_ok();
    assert_eq!(public_tables(&database), ["a", "b"]);

    // dbmate, whose latest version is ahead of the clock: the latest plus one, said.
    let dbmate = TestProject::new(&[
        ("db/migrations/20240101120000_a.sql", DBMATE_A),
        ("db/migrations/29990101000000_b.sql", DBMATE_B),
    ]);
    let (run, id, created) = new_in_layout(&dbmate, "dbmate", &["add_x"]);
    assert_eq!(id, "29990101000001_add_x");
    insta::with_settings!({filters => vec![(r"clock's version \d{14}", "clock's version [now]")]}, {
        insta::assert_snapshot!("new_dbmate", created_text(&dbmate, &run, &created));
    });

    // Diesel, the same way.
    let diesel = TestProject::new(&[
        // Without the initial setup folder `diesel setup` writes, plan.yaml says the layout.
        ("plan.yaml", "layout: diesel\n"),
        (
            "migrations/2024-01-01-120000_a/up.sql",
            "CREATE TABLE a (id int);\n",
        ),
        ("migrations/2024-01-01-120000_a/down.sql", "DROP TABLE a;\n"),
        (
            "migrations/2999-01-01-000000_b/up.sql",
            "CREATE TABLE b (id int);\n",
        ),
        ("migrations/2999-01-01-000000_b/down.sql", "DROP TABLE b;\n"),
    ]);
    let (run, id, created) = new_in_layout(&diesel, "diesel", &["add_x"]);
    assert_eq!(id, "2999-01-01-000001_add_x");
    insta::with_settings!({filters => vec![(r"clock's version [\d-]{17}", "clock's version [now]")]}, {
        insta::assert_snapshot!("new_diesel", created_text(&diesel, &run, &created));
    });
    write_sql(&diesel, &created, "x");
    let database = test_db("new_layout_diesel");
    plan(&database, diesel.path(), &["apply"]).expect_ok();
    assert_eq!(
        ledger_ids(&database).last().map(String::as_str),
        Some("2999-01-01-000001_add_x")
    );
    plan(
        &database,
        diesel.path(),
        &["rollback", "2999-01-01-000001_add_x"],
    )
    .expect_ok();
    assert_eq!(public_tables(&database), ["a", "b"]);
}

#[test]
fn issue_16_plan_new_in_a_tool_layout_declares_dependencies_above_the_up_marker() {
    // A project whose migrations have no down sections gets dbmate's empty one: no rollback.
    let project = TestProject::new(&[
        ("plan.yaml", "order: sequential\n"),
        (
            "db/migrations/20240101120000_a.sql",
            "-- migrate:up\nCREATE TABLE a (id int);\n",
        ),
        (
            "db/migrations/20240102120000_b.sql",
            "-- migrate:up\nCREATE TABLE b (id int);\n",
        ),
    ]);
    let (_, id, created) = new_in_layout(
        &project,
        "dbmate",
        &["add_x", "--depends", "20240101120000"],
    );
    let text = project.read(&created[0]);
    assert!(
        text.starts_with("-- depends: 20240101120000_a\n-- migrate:up\n")
            && text.ends_with("\n-- migrate:down\n\n"),
        "{text}"
    );
    let last = shown_plan(project.path()).pop().expect("migrations");
    assert_eq!(
        last,
        shown(&id, &["20240101120000_a", "20240102120000_b"], None)
    );
}

#[test]
fn issue_16_plan_new_leaves_sqitch_changes_to_sqitch_add() {
    let project = TestProject::new(&[
        (
            "sqitch.plan",
            "%project=flipr\n\na 2024-01-15T10:00:00Z Ann <ann@example.com> # A.\n",
        ),
        ("deploy/a.sql", "CREATE TABLE a (id int);\n"),
    ]);
    plan_here(project.path(), &["new", "add_x"])
        .expect_invalid()
        .expect_stderr_has(&["plan::apply::sqitch_new", "sqitch add"]);
}
