//! Review of issue 16 (adopting other tools' layouts and histories): cases beyond the ones the
//! issue names, each a failing test of a finding for the lead to fix. Each test says what the
//! real tool does, what plan does now, and what it should do instead.

use std::path::Path;

use serde_json::Value;

use crate::support::cluster::{TestDatabase, test_db};
use crate::support::project::{Run, TestProject, plan};

/// Runs `sql` as one batch against `database`, as the tool (or its user) would have.
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

/// Both streams of a run, for looking for a name anywhere in what plan said.
fn said(run: &Run) -> String {
    format!("{}\n{}", run.stdout, run.stderr)
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

/// The DDL of the Sqitch registry (tests/fixtures/tools/sqitch/tracking.sql up to its rows).
fn sqitch_registry_ddl() -> String {
    let text = std::fs::read_to_string(
        crate::support::project::crate_root().join("tests/fixtures/tools/sqitch/tracking.sql"),
    )
    .expect("the Sqitch fixture's tracking.sql");
    let end = text
        .find("INSERT INTO")
        .expect("tracking.sql has rows after its DDL");
    text[..end].to_string()
}

/// Flyway's history table (tests/fixtures/tools/flyway/tracking.sql), without rows.
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

// ---------------------------------------------------------------------------------------------
// Skipped migrations: files the tool runs that plan leaves out without a word.

/// Flyway scans its locations recursively (`sql/release_2/V2__x.sql` runs): plan reads only the
/// files directly in `sql/`, so V2 and V3 are silently never applied. It should read them (or
/// refuse naming them), never leave them out.
#[test]
fn review16_flyway_migrations_in_subfolders_are_not_skipped() {
    let database = test_db("review16_flyway_subfolders");
    let project = TestProject::new(&[
        ("sql/V1__a.sql", "CREATE TABLE a (id int);\n"),
        ("sql/release_2/V2__b.sql", "CREATE TABLE b (id int);\n"),
        ("sql/2024/V3__c.sql", "CREATE TABLE c (id int);\n"),
    ]);
    let run = plan(&database, project.path(), &["show"]);
    let shown = said(&run);
    assert!(
        shown.contains("V2__b") && shown.contains("V3__c"),
        "Flyway would run V2__b and V3__c (subfolders are scanned); plan leaves them out:\n{}",
        run.transcript()
    );
}

/// Prisma reads `migration.sql` in every migration folder and fails on a folder without one;
/// plan skips such a folder (here `Migration.sql`, a case slip) without a word.
#[test]
fn review16_a_prisma_folder_without_migration_sql_is_not_skipped() {
    let database = test_db("review16_prisma_no_migration_sql");
    let project = TestProject::copy_of("tests/fixtures/tools/prisma");
    project.write(
        "prisma/migrations/20240118090000_add_tags/Migration.sql",
        "CREATE TABLE tags (id int);\n",
    );
    let run = plan(&database, project.path(), &["show"]);
    assert!(
        said(&run).contains("20240118090000_add_tags"),
        "a Prisma migration folder without migration.sql is left out silently:\n{}",
        run.transcript()
    );
}

/// Diesel refuses a migration folder without `up.sql` (UnknownMigrationFormat); plan skips it
/// without a word.
#[test]
fn review16_a_diesel_folder_with_only_down_sql_is_not_skipped() {
    let database = test_db("review16_diesel_down_only");
    let project = TestProject::copy_of("tests/fixtures/tools/diesel");
    project.write(
        "migrations/2024-01-18-090000_add_tags/down.sql",
        "DROP TABLE tags;\n",
    );
    let run = plan(&database, project.path(), &["show"]);
    assert!(
        said(&run).contains("2024-01-18-090000_add_tags"),
        "a Diesel migration folder without up.sql is left out silently:\n{}",
        run.transcript()
    );
}

// ---------------------------------------------------------------------------------------------
// Files the tool never runs, run by plan.

/// Prisma and Diesel run only their migration folders; a loose `.sql` file beside them (a seed
/// or reset script) is never run by the tool. plan makes it a migration and runs it last (a
/// Flyway folder refuses such a file: `plan::project::not_a_flyway_name`).
#[test]
fn review16_a_loose_sql_file_in_a_prisma_or_diesel_folder_is_not_run() {
    for (fixture, loose) in [
        ("prisma", "prisma/migrations/seed.sql"),
        ("diesel", "migrations/reset.sql"),
    ] {
        let database = test_db(&format!("review16_loose_{fixture}"));
        let project = TestProject::copy_of(&format!("tests/fixtures/tools/{fixture}"));
        project.write(loose, "CREATE TABLE never_run_by_the_tool (id int);\n");
        let run = plan(&database, project.path(), &["apply"]);
        let created = select_text(
            &database,
            "SELECT (to_regclass('public.never_run_by_the_tool') IS NOT NULL)::text",
        );
        assert_eq!(
            created,
            "false",
            "{fixture}: plan ran {loose}, which {fixture} never runs:\n{}",
            run.transcript()
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Sqitch.

/// Sqitch's own verify scripts check with `DO $$ BEGIN ASSERT …; END $$;` (psql runs them as
/// written). plan comments out every line that reads `BEGIN`, the DO block's included, so the
/// verify fails with a syntax error and the change cannot be deployed.
#[test]
fn review16_a_sqitch_verify_script_with_a_do_block_runs() {
    let database = test_db("review16_sqitch_verify_do");
    let project = TestProject::new(&[
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
        (
            "verify/users.sql",
            "-- Verify flipr:users on pg\n\nBEGIN;\n\nDO $$\nBEGIN\n    ASSERT (SELECT count(*) FROM users) = 0;\nEND\n$$;\n\nROLLBACK;\n",
        ),
    ]);
    plan(&database, project.path(), &["apply"]).expect_ok();
}

/// `sqitch rework` after a team adopted plan: the deployed change `f` becomes `f@v1.0` (its
/// scripts copied to `deploy/f@v1.0.sql`) and `f` is the new instance. Sqitch deploys only the
/// new instance. plan reports `f` modified; once accepted, `f` counts as applied though its new
/// SQL never ran, and `f@v1.0` (already deployed) is pending, to run again.
#[test]
fn review16_sqitch_rework_after_adoption_deploys_the_new_instance_once() {
    let database = test_db("review16_sqitch_rework");
    let project = TestProject::new(&[
        ("sqitch.conf", "[core]\n\tengine = pg\n"),
        (
            "sqitch.plan",
            "%syntax-version=1.0.0\n%project=flipr\n\nf 2024-01-15T10:00:00Z Ann <ann@example.com> # f\n@v1.0 2024-01-15T10:01:00Z Ann <ann@example.com> # tag\n",
        ),
        (
            "deploy/f.sql",
            "CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1';\n",
        ),
        ("revert/f.sql", "DROP FUNCTION f();\n"),
    ]);
    plan(&database, project.path(), &["apply"]).expect_ok();
    // What `sqitch rework f` writes.
    project.write(
        "deploy/f@v1.0.sql",
        "CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1';\n",
    );
    project.write("revert/f@v1.0.sql", "DROP FUNCTION f();\n");
    project.write(
        "deploy/f.sql",
        "CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 2';\n",
    );
    project.write(
        "revert/f.sql",
        "CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1';\n",
    );
    let mut plan_text = project.read("sqitch.plan");
    plan_text.push_str("f [f@v1.0] 2024-01-16T10:00:00Z Ann <ann@example.com> # rework f\n");
    project.write("sqitch.plan", &plan_text);

    let run = plan(&database, project.path(), &["apply"]);
    assert_eq!(
        (run.code, select_text(&database, "SELECT f()::text")),
        (0, "2".to_string()),
        "after `sqitch rework f`, apply should deploy the new f once (f@v1.0 is the instance already applied):\n{}",
        run.transcript()
    );
}

/// A Sqitch registry where both instances of a reworked change are deployed (two `changes` rows
/// named `f`, each with its own change_id): every row maps to the latest `f`, so `f@v1.0` is
/// never recorded and the import is refused (`f depends on f@v1.0, which sqitch.changes does
/// not record`), for any project that ever reworked a change.
#[test]
fn review16_sqitch_import_of_a_reworked_change() {
    let database = test_db("review16_sqitch_import_rework");
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
    run_sql(
        &database,
        "CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 2';",
    );
    run_sql(&database, &sqitch_registry_ddl());
    run_sql(
        &database,
        "INSERT INTO sqitch.projects (project, uri, created_at, creator_name, creator_email)
             VALUES ('flipr', NULL, '2024-01-20 08:00:00+00', 'Bob', 'bob@example.com');
         INSERT INTO sqitch.changes (change_id, script_hash, change, project, note, committed_at,
                 committer_name, committer_email, planned_at, planner_name, planner_email) VALUES
             ('1111111111111111111111111111111111111111', 'aaaa', 'f', 'flipr', 'f',
              '2024-01-20 08:00:00+00', 'Bob', 'bob@example.com', '2024-01-15 10:00:00+00', 'Ann', 'ann@example.com'),
             ('2222222222222222222222222222222222222222', 'bbbb', 'f', 'flipr', 'rework f',
              '2024-01-21 08:00:00+00', 'Bob', 'bob@example.com', '2024-01-16 10:00:00+00', 'Ann', 'ann@example.com');",
    );
    let run = plan(
        &database,
        project.path(),
        &["import-history", "--from", "sqitch"],
    );
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert_eq!(
        states(&database, project.path()),
        vec![
            ("f".to_string(), "applied".to_string()),
            ("f~2".to_string(), "applied".to_string()),
        ],
        "{}",
        run.transcript()
    );
}

/// A sqitch.plan whose `%project` is not the registry's (renamed, or the wrong folder): every
/// row is filtered out and the import says "nothing to import ... plan apply will run them" for
/// changes Sqitch deployed. It should refuse, naming the projects the registry holds.
#[test]
fn review16_sqitch_import_with_another_projects_registry_is_refused() {
    let database = test_db("review16_sqitch_other_project");
    let project = TestProject::copy_of("tests/fixtures/tools/sqitch");
    let plan_text = project
        .read("sqitch.plan")
        .replace("%project=flipr", "%project=flipper");
    project.write("sqitch.plan", &plan_text);
    for change in ["users", "posts", "posts_user_idx"] {
        run_sql(&database, &project.read(&format!("deploy/{change}.sql")));
    }
    run_sql(&database, &project.read("tracking.sql"));
    let run = plan(
        &database,
        project.path(),
        &["import-history", "--from", "sqitch", "--dry-run"],
    );
    assert!(
        run.code != 0 && said(&run).contains("flipr"),
        "the registry holds project flipr only; the import should refuse, naming it:\n{}",
        run.transcript()
    );
}

/// `top_dir = ../outside` in sqitch.conf: plan reads (and would run) scripts outside the
/// project folder. Every other layout refuses a file outside the project
/// (`link_outside_project`); so should a Sqitch folder.
#[test]
fn review16_sqitch_top_dir_outside_the_project_is_refused() {
    let database = test_db("review16_sqitch_top_dir");
    let root = TestProject::new(&[
        (
            "project/sqitch.conf",
            "[core]\n\tengine = pg\n\ttop_dir = ../outside\n",
        ),
        (
            "outside/sqitch.plan",
            "%syntax-version=1.0.0\n%project=x\n\nsecret 2024-01-15T10:00:00Z A <a@example.com> # n\n",
        ),
        (
            "outside/deploy/secret.sql",
            "CREATE TABLE outside (id int);\n",
        ),
    ]);
    let run = plan(&database, &root.path().join("project"), &["show"]);
    assert_eq!(
        run.code,
        2,
        "a Sqitch top_dir outside the project was read:\n{}",
        run.transcript()
    );
}

/// `plan_file = <any file>` in sqitch.conf: plan reads a file outside the project as the plan
/// and prints its lines back in its problems (here a stand-in for /etc/passwd or a secrets
/// file).
#[test]
fn review16_sqitch_plan_file_outside_the_project_is_not_read_or_shown() {
    let database = test_db("review16_sqitch_plan_file");
    let root = TestProject::new(&[("secrets.env", "DB_PASSWORD=hunter2-do-not-print\n")]);
    let secret = root.path().join("secrets.env");
    root.write(
        "project/sqitch.conf",
        &format!(
            "[core]\n\tengine = pg\n\tplan_file = {}\n",
            secret.display()
        ),
    );
    let run = plan(&database, &root.path().join("project"), &["show"]);
    assert!(
        !said(&run).contains("hunter2"),
        "a file outside the project was read as sqitch.plan and its content printed:\n{}",
        run.transcript()
    );
}

// ---------------------------------------------------------------------------------------------
// Flyway import.

/// `flyway baseline -baselineVersion=2` makes Flyway skip V1 and V2 for good. import-history
/// drops the BASELINE row and reports V1 and V2 as "plan apply will run them" (they then fail
/// on objects that exist, or run twice when they would not fail). It should record them as
/// applied (as Flyway treats them), or refuse pointing at `plan baseline --to V2__b`.
#[test]
fn review16_flyway_baseline_row_does_not_leave_the_baselined_versions_pending() {
    let database = test_db("review16_flyway_baseline");
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
            (1, '2', '<< Flyway Baseline >>', 'BASELINE', '<< Flyway Baseline >>', NULL,
             'postgres', '2024-01-15 10:00:00', 0, true)",
    );
    let run = plan(
        &database,
        project.path(),
        &["import-history", "--from", "flyway"],
    );
    if run.code == 0 {
        let pending: Vec<String> = states(&database, project.path())
            .into_iter()
            .filter(|(_, state)| state == "pending")
            .map(|(id, _)| id)
            .collect();
        assert_eq!(
            pending,
            vec!["V3__c".to_string()],
            "Flyway's baseline at version 2 covers V1 and V2:\n{}",
            run.transcript()
        );
    } else {
        assert!(
            said(&run).to_lowercase().contains("baseline"),
            "{}",
            run.transcript()
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Detection and embedding.

/// A seed project (numbered files) with a numbered helper folder holding `up.sql`: before issue
/// 16 the folder was not read; now the whole folder is taken for Diesel's layout and the
/// folder's script becomes a migration between 001 and 003 (out of order on a database that
/// has both).
#[test]
fn review16_a_seed_project_with_a_numbered_subfolder_loads_as_before() {
    let database = test_db("review16_seed_subfolder");
    let project = TestProject::new(&[
        ("migrations/001_a.sql", "CREATE TABLE a (id int);\n"),
        ("migrations/002_data/up.sql", "INSERT INTO a VALUES (1);\n"),
        ("migrations/003_b.sql", "CREATE TABLE b (id int);\n"),
    ]);
    let run = plan(&database, project.path(), &["show", "--format", "json"]);
    let json: Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|error| panic!("show JSON: {error}\n{}", run.transcript()));
    let ids: Vec<&str> = json["migrations"]
        .as_array()
        .map(|migrations| {
            migrations
                .iter()
                .filter_map(|migration| migration["id"].as_str())
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(ids, vec!["001_a", "003_b"], "{}", run.transcript());
}

/// An embedded copy of a Prisma project (`ProjectFiles::from_folder`, what `embed` bakes into a
/// service) must read as the folder does. The copy keeps only the files the reader read, and
/// `prisma/migrations` is found by its `migration_lock.toml`, which is listed but never read:
/// in memory the folder is not found.
#[test]
fn review16_an_embedded_prisma_project_reads_as_its_folder() {
    let dir = crate::support::project::crate_root().join("tests/fixtures/tools/prisma");
    let on_disk = pgplan::Migrator::from_folder(&dir)
        .map(|migrator| migrator.project().migrations().count())
        .unwrap_or_else(|error| panic!("the Prisma fixture loads from disk: {error:?}"));
    let files = pgplan::ProjectFiles::from_folder(&dir)
        .unwrap_or_else(|error| panic!("the Prisma fixture copies into memory: {error:?}"));
    let in_memory = pgplan::Migrator::from_files(&files)
        .map(|migrator| migrator.project().migrations().count())
        .map_err(|error| format!("{error:?}"));
    assert_eq!(in_memory, Ok(on_disk));
}
