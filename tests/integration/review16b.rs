//! Second review of issue 16 (adopting other tools' layouts and histories), after the fixes of
//! the first (`review16.rs`): cases that break those fixes or that the first round did not try.
//! Each test is a failing test of a finding, and says what the tool does, what plan does now
//! and what it should do instead.

use std::path::Path;

use serde_json::Value;

use crate::support::cluster::{TestDatabase, test_db};
use crate::support::project::{Run, TestProject, plan, plan_with_env};

/// Runs `sql` as one batch against `database`.
fn run_sql(database: &TestDatabase, sql: &str) {
    database
        .client()
        .batch_execute(sql)
        .unwrap_or_else(|error| panic!("setup SQL failed: {error}\n--- SQL\n{sql}"));
}

/// The one value `sql` selects, as text.
fn select_text(database: &TestDatabase, sql: &str) -> String {
    let row = database
        .client()
        .query_one(sql, &[])
        .unwrap_or_else(|error| panic!("{sql}: {error}"));
    row.get(0)
}

/// Both streams of a run.
fn said(run: &Run) -> String {
    format!("{}\n{}", run.stdout, run.stderr)
}

/// `plan show --format json` without a database: the IDs it lists (empty when it refused).
fn shown_ids(dir: &Path) -> (Run, Vec<String>) {
    let run = plan_with_env(dir, &["show", "--format", "json"], &[]);
    let ids = serde_json::from_str::<Value>(&run.stdout)
        .ok()
        .and_then(|json| {
            json["migrations"].as_array().map(|migrations| {
                migrations
                    .iter()
                    .filter_map(|migration| migration["id"].as_str().map(str::to_string))
                    .collect()
            })
        })
        .unwrap_or_default();
    (run, ids)
}

/// `plan status --format json`: `(id, state)` of each migration.
fn states(database: &TestDatabase, dir: &Path) -> Vec<(String, String)> {
    let run = plan(database, dir, &["status", "--format", "json"]);
    let json: Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|error| panic!("status JSON: {error}\n{}", run.transcript()));
    json["migrations"]
        .as_array()
        .map(|migrations| {
            migrations
                .iter()
                .map(|migration| {
                    (
                        migration["id"].as_str().unwrap_or_default().to_string(),
                        migration["state"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(unix)]
fn symlink(target: &Path, link: &Path) {
    std::os::unix::fs::symlink(target, link)
        .unwrap_or_else(|error| panic!("link {} -> {}: {error}", link.display(), target.display()));
}

// ---------------------------------------------------------------------------------------------
// Links: a linked file out of the project is refused (tests/fixtures/link_outside_project), a
// linked FOLDER is not.

/// A Flyway subfolder that is a link to a folder outside the project (`sql/shared ->
/// /elsewhere`): its `V9__evil.sql` is read and planned as a migration (it would run). A linked
/// file out of the project is refused (`plan::project::link_outside_project`); a linked folder
/// must be refused or left alone, never read.
#[cfg(unix)]
#[test]
fn review16b_a_flyway_subfolder_linked_outside_the_project_is_never_read() {
    let outside = TestProject::new(&[("deep/V9__evil.sql", "DROP TABLE important;\n")]);
    let project = TestProject::new(&[("sql/V1__a.sql", "CREATE TABLE a (id int);\n")]);
    symlink(outside.path(), &project.path().join("sql/shared"));
    let (run, ids) = shown_ids(project.path());
    assert!(
        !ids.iter().any(|id| id == "V9__evil") && !said(&run).contains("DROP TABLE important"),
        "a file outside the project, reached through a linked folder, is read as a migration:\n{}",
        run.transcript()
    );
}

/// The same through a Prisma migration folder that is a link out of the project: its
/// `migration.sql` is read and run.
#[cfg(unix)]
#[test]
fn review16b_a_prisma_migration_folder_linked_outside_the_project_is_never_read() {
    let outside = TestProject::new(&[("migration.sql", "DROP TABLE important;\n")]);
    let project = TestProject::copy_of("tests/fixtures/tools/prisma");
    symlink(
        outside.path(),
        &project
            .path()
            .join("prisma/migrations/20240120000000_shared"),
    );
    let (run, ids) = shown_ids(project.path());
    assert!(
        !ids.iter().any(|id| id == "20240120000000_shared")
            && !said(&run).contains("DROP TABLE important"),
        "a Prisma folder linked out of the project is read as a migration:\n{}",
        run.transcript()
    );
}

/// sqitch.conf paths out of the project are refused (review16), but a `deploy/` folder that is
/// a link out of the project is read: its scripts are planned and would run.
#[cfg(unix)]
#[test]
fn review16b_a_sqitch_deploy_folder_linked_outside_the_project_is_never_read() {
    let outside = TestProject::new(&[("users.sql", "DROP TABLE important;\n")]);
    let project = TestProject::new(&[
        ("sqitch.conf", "[core]\n\tengine = pg\n"),
        (
            "sqitch.plan",
            "%syntax-version=1.0.0\n%project=flipr\n\nusers 2024-01-15T10:00:00Z Ann <ann@example.com> # users\n",
        ),
    ]);
    symlink(outside.path(), &project.path().join("deploy"));
    let (run, ids) = shown_ids(project.path());
    assert!(
        ids.is_empty() && !said(&run).contains("DROP TABLE important"),
        "a Sqitch deploy/ folder linked out of the project is read:\n{}",
        run.transcript()
    );
}

/// A link to the folder itself in a Flyway folder (`sql/current -> .`): read 16 levels deep,
/// it gives 16 `duplicate_id` problems (`sql/current/current/…/V1__a.sql`). A link loop is one
/// problem (or left alone), not one per level.
#[cfg(unix)]
#[test]
fn review16b_a_link_loop_in_a_flyway_folder_is_not_read_level_after_level() {
    let project = TestProject::new(&[("sql/V1__a.sql", "CREATE TABLE a (id int);\n")]);
    symlink(Path::new("."), &project.path().join("sql/current"));
    let (run, _) = shown_ids(project.path());
    assert!(
        !said(&run).contains("current/current"),
        "a link loop is followed level after level:\n{}",
        run.transcript()
    );
}

/// A plan project (numbered files, no Flyway name anywhere) with four links to its own
/// migrations folder: every non-`.sql` entry is now searched for Flyway files 16 levels deep,
/// each level branching on every link (4^16 listings). `plan show` took 0.00 s at ba50031; now
/// it does not finish (killed by the harness after a minute).
#[cfg(unix)]
#[test]
fn review16b_links_to_the_migrations_folder_do_not_hang_a_plan_project() {
    let project = TestProject::new(&[("migrations/001_a.sql", "CREATE TABLE a (id int);\n")]);
    for link in ["current", "latest", "stable", "next"] {
        symlink(
            Path::new("."),
            &project.path().join("migrations").join(link),
        );
    }
    let (run, ids) = shown_ids(project.path());
    assert_eq!(ids, vec!["001_a".to_string()], "{}", run.transcript());
}

// ---------------------------------------------------------------------------------------------
// Flyway subfolders (the fix of review16_flyway_migrations_in_subfolders_are_not_skipped).

/// A plan.yaml `sql:` step file kept in a subfolder, named like a Flyway migration
/// (`steps/V2_1__fill.sql`): step files are set aside only directly in the folder, so it is
/// also read as migration V2.1 and its INSERT runs twice.
#[test]
fn review16b_a_step_file_in_a_flyway_subfolder_is_not_also_a_migration() {
    let database = test_db("review16b_step_in_subfolder");
    let project = TestProject::new(&[
        (
            "plan.yaml",
            "migrations_dir: sql\nmigrations:\n  V2__b:\n    steps:\n      - sql: steps/V2_1__fill.sql\n",
        ),
        ("sql/V1__a.sql", "CREATE TABLE a (id int);\n"),
        ("sql/V2__b.sql", "CREATE TABLE b (id int);\n"),
        ("sql/steps/V2_1__fill.sql", "INSERT INTO b VALUES (1);\n"),
    ]);
    let run = plan(&database, project.path(), &["apply"]);
    let rows = select_text(&database, "SELECT count(*)::text FROM b");
    assert_eq!(
        (run.code, rows),
        (0, "1".to_string()),
        "the step file ran as a step and again as a migration:\n{}",
        run.transcript()
    );
}

/// Flyway reads `V2__b.sql.conf` beside a migration in a subfolder as it does at the top: plan
/// looks for the `.conf` only among the top folder's entries, so a subfolder's
/// `executeInTransaction=false` is ignored (`show` says `wrapped`; V3's, at the top, says
/// `outside`). A statement plan does not know to keep out of a transaction then fails, or a
/// long data migration holds its locks to the end.
#[test]
fn review16b_a_flyway_conf_beside_a_subfolder_migration_is_read() {
    let project = TestProject::new(&[
        ("sql/V1__a.sql", "CREATE TABLE a (id int);\n"),
        ("sql/sub/V2__b.sql", "INSERT INTO a VALUES (2);\n"),
        ("sql/sub/V2__b.sql.conf", "executeInTransaction=false\n"),
        ("sql/V3__c.sql", "INSERT INTO a VALUES (3);\n"),
        ("sql/V3__c.sql.conf", "executeInTransaction=false\n"),
    ]);
    let run = plan_with_env(project.path(), &["show", "--format", "json"], &[]);
    let json: Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|error| panic!("show JSON: {error}\n{}", run.transcript()));
    let transactions: Vec<(String, String)> = json["migrations"]
        .as_array()
        .map(|migrations| {
            migrations
                .iter()
                .map(|migration| {
                    (
                        migration["id"].as_str().unwrap_or_default().to_string(),
                        migration["transaction"]
                            .as_str()
                            .unwrap_or_default()
                            .to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        transactions,
        vec![
            ("V1__a".to_string(), "wrapped".to_string()),
            ("V2__b".to_string(), "outside".to_string()),
            ("V3__c".to_string(), "outside".to_string()),
        ],
        "{}",
        run.transcript()
    );
}

/// A plan project (numbered files) keeping an old script in `migrations/archive/R__views.sql`:
/// at ba50031 subfolders were not read; now the script is a repeatable migration and runs on
/// the next apply. Subfolders are Flyway's; a folder that is not Flyway's loads as before.
#[test]
fn review16b_an_archived_repeatable_in_a_plan_projects_subfolder_is_not_run() {
    let database = test_db("review16b_archived_repeatable");
    let project = TestProject::new(&[
        ("migrations/001_a.sql", "CREATE TABLE a (id int);\n"),
        (
            "migrations/archive/R__views.sql",
            "CREATE TABLE archived_never_run (id int);\n",
        ),
    ]);
    let run = plan(&database, project.path(), &["apply"]);
    let created = select_text(
        &database,
        "SELECT (to_regclass('public.archived_never_run') IS NOT NULL)::text",
    );
    assert_eq!(
        created,
        "false",
        "a subfolder's R__ file of a plan project was run:\n{}",
        run.transcript()
    );
}

// ---------------------------------------------------------------------------------------------
// Folder marks (the fix of review16_a_seed_project_with_a_numbered_subfolder_loads_as_before).

/// A project that uses Diesel as its ORM keeps a `diesel.toml` whose `[migrations_directory]`
/// names Diesel's own folder (`diesel_migrations/`): plan's `migrations/` is not Diesel's, yet
/// the file makes it a Diesel folder and every numbered file is refused as a stray file.
#[test]
fn review16b_diesel_toml_naming_another_folder_leaves_migrations_alone() {
    let project = TestProject::new(&[
        (
            "diesel.toml",
            "[print_schema]\nfile = \"src/schema.rs\"\n\n[migrations_directory]\ndir = \"diesel_migrations\"\n",
        ),
        ("migrations/001_a.sql", "CREATE TABLE a (id int);\n"),
        ("migrations/002_b.sql", "CREATE TABLE b (id int);\n"),
    ]);
    let (run, ids) = shown_ids(project.path());
    assert_eq!(
        ids,
        vec!["001_a".to_string(), "002_b".to_string()],
        "{}",
        run.transcript()
    );
}

// ---------------------------------------------------------------------------------------------
// Flyway import.

/// Flyway's DDL, no rows (as in review16.rs).
const FLYWAY_DDL: &str = r#"
CREATE TABLE "public"."flyway_schema_history" (
    "installed_rank" INT NOT NULL,
    "version" VARCHAR(50),
    "description" VARCHAR(200) NOT NULL,
    "type" VARCHAR(20) NOT NULL,
    "script" VARCHAR(1000) NOT NULL,
    "checksum" INTEGER,
    "installed_by" VARCHAR(100) NOT NULL,
    "installed_on" TIMESTAMP NOT NULL DEFAULT now(),
    "execution_time" INTEGER NOT NULL,
    "success" BOOLEAN NOT NULL
);
ALTER TABLE "public"."flyway_schema_history" ADD CONSTRAINT "flyway_schema_history_pk" PRIMARY KEY ("installed_rank");
"#;

/// Flyway's baseline migrations (`B2__baseline.sql`, Flyway Teams/Enterprise) write a row of
/// type `SQL_BASELINE` at version 2 on a new database, and Flyway then never runs V1 and V2.
/// Only `type = 'BASELINE'` is read as a baseline, so V1 and V2 are left pending and
/// `plan apply` would run them on a database that has them.
#[test]
fn review16b_flyway_sql_baseline_row_covers_the_versions_up_to_it() {
    let database = test_db("review16b_flyway_sql_baseline");
    let project = TestProject::new(&[
        ("sql/V1__a.sql", "CREATE TABLE a (id int);\n"),
        ("sql/V2__b.sql", "CREATE TABLE b (id int);\n"),
        ("sql/V3__c.sql", "CREATE TABLE c (id int);\n"),
    ]);
    run_sql(
        &database,
        "CREATE TABLE a (id int); CREATE TABLE b (id int);",
    );
    run_sql(&database, FLYWAY_DDL);
    run_sql(
        &database,
        "INSERT INTO flyway_schema_history VALUES
            (1, '2', 'baseline', 'SQL_BASELINE', 'B2__baseline.sql', 1234,
             'postgres', '2024-01-15 10:00:00', 5, true)",
    );
    let run = plan(
        &database,
        project.path(),
        &["import-history", "--from", "flyway"],
    );
    let pending: Vec<String> = states(&database, project.path())
        .into_iter()
        .filter(|(_, state)| state == "pending")
        .map(|(id, _)| id)
        .collect();
    assert_eq!(
        pending,
        vec!["V3__c".to_string()],
        "Flyway's SQL_BASELINE at version 2 covers V1 and V2:\n{}",
        run.transcript()
    );
}

// ---------------------------------------------------------------------------------------------
// Sqitch.

/// A Sqitch project of one change `users`, with this verify script.
fn sqitch_with_verify(verify: &str) -> TestProject {
    TestProject::new(&[
        ("sqitch.conf", "[core]\n\tengine = pg\n"),
        (
            "sqitch.plan",
            "%syntax-version=1.0.0\n%project=flipr\n\nusers 2024-01-15T10:00:00Z Ann <ann@example.com> # users\n",
        ),
        (
            "deploy/users.sql",
            "-- Deploy flipr:users to pg\n\nBEGIN;\n\nCREATE TABLE users (id int);\n\nCOMMIT;\n",
        ),
        (
            "revert/users.sql",
            "-- Revert flipr:users from pg\n\nBEGIN;\n\nDROP TABLE users;\n\nCOMMIT;\n",
        ),
        ("verify/users.sql", verify),
    ])
}

/// A verify script with a statement before its `BEGIN;` (`SET search_path`): the wrapping is
/// not recognised, so the script's own `ROLLBACK;` runs inside the change's transaction and
/// undoes the deploy. Sqitch runs the script in its own psql session: it deploys `users`.
#[test]
fn review16b_a_sqitch_verify_script_with_a_statement_before_begin_deploys() {
    let database = test_db("review16b_verify_set_first");
    let project = sqitch_with_verify(
        "-- Verify flipr:users on pg\n\nSET search_path = public;\nBEGIN;\n\nSELECT id FROM users WHERE false;\n\nROLLBACK;\n",
    );
    let run = plan(&database, project.path(), &["apply"]);
    let created = select_text(
        &database,
        "SELECT (to_regclass('public.users') IS NOT NULL)::text",
    );
    assert_eq!(
        (run.code, created),
        (0, "true".to_string()),
        "{}",
        run.transcript()
    );
}

/// A verify script with a comment after its `BEGIN;` (`BEGIN; -- verify`): the same.
#[test]
fn review16b_a_sqitch_verify_script_with_a_comment_after_begin_deploys() {
    let database = test_db("review16b_verify_begin_comment");
    let project = sqitch_with_verify(
        "BEGIN; -- verify users\n\nSELECT id FROM users WHERE false;\n\nROLLBACK; -- nothing kept\n",
    );
    let run = plan(&database, project.path(), &["apply"]);
    let created = select_text(
        &database,
        "SELECT (to_regclass('public.users') IS NOT NULL)::text",
    );
    assert_eq!(
        (run.code, created),
        (0, "true".to_string()),
        "{}",
        run.transcript()
    );
}

/// A Sqitch plan where `f` is reworked after `@v1.0`: Sqitch refuses `--to f` as ambiguous
/// ("Change \"f\" is ambiguous. Please specify a tag-qualified change", `index_of` in
/// lib/App/Sqitch/Plan/ChangeList.pm) and reads `f@HEAD` as the latest instance. plan takes
/// `--to f` for the first instance without a word, and does not know `f@HEAD`.
#[test]
fn review16b_sqitch_to_a_reworked_name_is_its_first_instance_and_at_head_the_latest() {
    let database = test_db("review16b_sqitch_to_reworked");
    let project = TestProject::new(&[
        ("sqitch.conf", "[core]\n\tengine = pg\n"),
        (
            "sqitch.plan",
            "%syntax-version=1.0.0\n%project=flipr\n\nf 2024-01-15T10:00:00Z Ann <ann@example.com> # f\n@v1.0 2024-01-15T10:01:00Z Ann <ann@example.com> # tag\nf [f@v1.0] 2024-01-16T10:00:00Z Ann <ann@example.com> # rework f\n",
        ),
        (
            "deploy/f@v1.0.sql",
            "CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1';\n",
        ),
        ("revert/f@v1.0.sql", "DROP FUNCTION f();\n"),
        (
            "deploy/f.sql",
            "CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 2';\n",
        ),
        (
            "revert/f.sql",
            "CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1';\n",
        ),
    ]);
    // Sqitch refuses `--to f` as ambiguous; in plan, `f` is the ID of the first instance (the
    // ledger's name for it, stable as the plan grows), documented in docs/adopting.md.
    let first = plan(&database, project.path(), &["apply", "--to", "f"]);
    assert_eq!(
        (first.code, select_text(&database, "SELECT f()::text")),
        (0, "1".to_string()),
        "--to f is the first instance:\n{}",
        first.transcript()
    );
    let head = plan(&database, project.path(), &["apply", "--to", "f@HEAD"]);
    assert_eq!(
        (head.code, select_text(&database, "SELECT f()::text")),
        (0, "2".to_string()),
        "f@HEAD is f's latest instance:\n{}",
        head.transcript()
    );
}
