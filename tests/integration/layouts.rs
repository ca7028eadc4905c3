//! Issue 16: other tools' folders read as they are, against a real database: Flyway's names and
//! versions, dbmate's, goose's, node-pg-migrate's, sqlx's and morph's markers and
//! no-transaction options, Prisma's and Diesel's migration folders; each applied and, where the
//! tool has down files, rolled back. A folder mixing two tools, or a file Flyway would not run
//! in a Flyway folder, is refused before anything runs.

use crate::support::cluster::test_db;
use crate::support::project::{FILTERS, TestProject, history, ledger_ids, plan, public_tables};

/// Indexes on public tables, by name.
fn indexes(database: &crate::support::cluster::TestDatabase) -> Vec<String> {
    let mut client = database.client();
    client
        .query(
            "SELECT indexname::text FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1",
            &[],
        )
        .expect("indexes")
        .iter()
        .map(|row| row.get(0))
        .collect()
}

/// A statement plan runs outside any transaction when the tool's option says so: mixed with a
/// CREATE TABLE, it would otherwise be refused (`plan::apply::mixed_transaction`).
const MIXED: &str = "CREATE TABLE {t} (id int);\nCREATE INDEX CONCURRENTLY {t}_id ON {t} (id);\n";

fn mixed(table: &str) -> String {
    MIXED.replace("{t}", table)
}

#[test]
fn flyway_versions_apply_in_numeric_order_with_their_options() {
    let database = test_db("layout_flyway");
    let project = TestProject::new(&[
        ("sql/V1__init.sql", "CREATE TABLE a (id int);\n"),
        ("sql/V1_1__b.sql", "CREATE TABLE b (id int);\n"),
        ("sql/U1_1__b.sql", "DROP TABLE b;\n"),
        ("sql/V2__c.sql", "CREATE TABLE c (id int);\n"),
        ("sql/V9__d.sql", "CREATE TABLE d (id int);\n"),
        // Text order puts V10 before V2: Flyway compares versions by number, and so does plan.
        ("sql/V10__e.sql", "ALTER TABLE d ADD COLUMN e int;\n"),
        ("sql/V11__index.sql", &mixed("f")),
        ("sql/V11__index.sql.conf", "executeInTransaction=false\n"),
    ]);
    let shown = plan(&database, project.path(), &["show"])
        .expect_ok()
        .stdout;
    insta::with_settings!({filters => FILTERS.to_vec()}, {
        insta::assert_snapshot!("flyway_show", shown);
    });
    plan(&database, project.path(), &["apply"]).expect_ok();
    // In the order applied, as the history has it.
    let mut applied: Vec<String> = history(&database)
        .into_iter()
        .map(|line| line.migration_id)
        .collect();
    applied.dedup();
    assert_eq!(
        applied,
        [
            "V1__init",
            "V1_1__b",
            "V2__c",
            "V9__d",
            "V10__e",
            "V11__index"
        ]
    );
    assert_eq!(indexes(&database), ["f_id"]);
}

#[test]
fn flyway_undo_files_roll_back_their_version() {
    let database = test_db("layout_flyway_undo");
    let project = TestProject::new(&[
        ("sql/V1__init.sql", "CREATE TABLE a (id int);\n"),
        ("sql/V1.1__b.sql", "CREATE TABLE b (id int);\n"),
        ("sql/U1.1__b.sql", "DROP TABLE b;\n"),
    ]);
    plan(&database, project.path(), &["apply"]).expect_ok();
    plan(&database, project.path(), &["rollback", "V1.1"]).expect_ok();
    assert_eq!(public_tables(&database), ["a"]);
    assert_eq!(ledger_ids(&database), ["V1__init"]);
}

#[test]
fn flyway_a_file_flyway_would_not_run_is_refused_and_nothing_runs() {
    let database = test_db("layout_flyway_stray");
    let project = TestProject::new(&[
        ("sql/V1__init.sql", "CREATE TABLE a (id int);\n"),
        ("sql/002_users.sql", "CREATE TABLE users (id int);\n"),
    ]);
    plan(&database, project.path(), &["apply"])
        .expect_invalid()
        .expect_stderr_has(&[
            "plan::project::not_a_flyway_name",
            "sql/002_users.sql is not a Flyway migration name",
            "V2__users.sql",
        ]);
    let project = TestProject::new(&[
        ("sql/V1__init.sql", "CREATE TABLE a (id int);\n"),
        ("sql/V1.0__again.sql", "CREATE TABLE b (id int);\n"),
    ]);
    plan(&database, project.path(), &["apply"])
        .expect_invalid()
        .expect_stderr_has(&[
            "plan::project::duplicate_version",
            "sql/V1.0__again.sql has version 1.0, as sql/V1__init.sql has",
        ]);
    assert_eq!(public_tables(&database), Vec::<String>::new());
}

#[test]
fn dbmate_sections_and_transaction_false_apply_and_roll_back() {
    let database = test_db("layout_dbmate");
    let project = TestProject::new(&[
        (
            "db/migrations/20240101120000_create_users.sql",
            "-- migrate:up\nCREATE TABLE users (id int);\n\n-- migrate:down\nDROP TABLE users;\n",
        ),
        (
            "db/migrations/20240102120000_index_users.sql",
            &format!(
                "-- migrate:up transaction:false\n{}\n-- migrate:down\nDROP TABLE g;\n",
                mixed("g")
            ),
        ),
    ]);
    plan(&database, project.path(), &["show"])
        .expect_ok()
        .expect_stdout_has(&["layout: dbmate in db/migrations"]);
    plan(&database, project.path(), &["apply"]).expect_ok();
    assert_eq!(public_tables(&database), ["g", "users"]);
    assert_eq!(indexes(&database), ["g_id"]);
    plan(&database, project.path(), &["rollback", "20240101120000"]).expect_ok();
    assert_eq!(public_tables(&database), Vec::<String>::new());
}

#[test]
fn goose_statement_blocks_and_no_transaction_apply_and_roll_back() {
    let database = test_db("layout_goose");
    let project = TestProject::new(&[
        (
            "migrations/00001_create_users.sql",
            "-- +goose Up\n-- +goose StatementBegin\nCREATE TABLE users (id int);\nCREATE FUNCTION one() RETURNS int AS $$\nBEGIN\n  RETURN 1;\nEND;\n$$ LANGUAGE plpgsql;\n-- +goose StatementEnd\n\n-- +goose Down\n-- +goose StatementBegin\nDROP FUNCTION one();\nDROP TABLE users;\n-- +goose StatementEnd\n",
        ),
        (
            "migrations/00002_index.sql",
            &format!("-- +goose NO TRANSACTION\n-- +goose Up\n{}", mixed("h")),
        ),
    ]);
    plan(&database, project.path(), &["apply"]).expect_ok();
    assert_eq!(indexes(&database), ["h_id"]);
    plan(&database, project.path(), &["rollback", "1"]).expect_failed();
    // 00002 has no down section: rolling back 00001 would need it rolled back first.
    assert_eq!(public_tables(&database), ["h", "users"]);
}

#[test]
fn node_pg_migrate_sqlx_and_morph_files_apply() {
    for (name, files) in [
        (
            "node_pg_migrate",
            vec![
                (
                    "migrations/1700000000000_create-users.sql",
                    "-- Up Migration\nCREATE TABLE users (id int);\n\n-- Down Migration\nDROP TABLE users;\n".to_string(),
                ),
            ],
        ),
        (
            "sqlx",
            vec![
                (
                    "migrations/20240101000000_users.sql",
                    "CREATE TABLE users (id int);\n".to_string(),
                ),
                (
                    "migrations/20240102000000_index.sql",
                    format!("-- no-transaction\n{}", mixed("i")),
                ),
            ],
        ),
        (
            "morph",
            vec![
                (
                    "migrations/000001_users.up.sql",
                    "CREATE TABLE users (id int);\n".to_string(),
                ),
                (
                    "migrations/000001_users.down.sql",
                    "DROP TABLE users;\n".to_string(),
                ),
                (
                    "migrations/000002_index.up.sql",
                    format!("-- morph:nontransactional\n{}", mixed("j")),
                ),
            ],
        ),
    ] {
        let database = test_db(&format!("layout_{name}"));
        let files: Vec<(&str, &str)> = files
            .iter()
            .map(|(path, text)| (*path, text.as_str()))
            .collect();
        let project = TestProject::new(&files);
        plan(&database, project.path(), &["apply"]).expect_ok();
        assert!(
            public_tables(&database).contains(&"users".to_string()),
            "{name}"
        );
    }
}

#[test]
fn prisma_and_diesel_folders_apply_and_diesel_rolls_back() {
    let database = test_db("layout_prisma");
    let project = TestProject::new(&[
        (
            "prisma/migrations/20240101000000_init/migration.sql",
            "-- CreateTable\nCREATE TABLE \"User\" (\"id\" SERIAL NOT NULL, CONSTRAINT \"User_pkey\" PRIMARY KEY (\"id\"));\n",
        ),
        (
            "prisma/migrations/20240102000000_posts/migration.sql",
            "CREATE TABLE \"Post\" (\"id\" SERIAL NOT NULL, \"authorId\" INTEGER NOT NULL REFERENCES \"User\"(\"id\"));\n",
        ),
        (
            "prisma/migrations/migration_lock.toml",
            "provider = \"postgresql\"\n",
        ),
    ]);
    plan(&database, project.path(), &["apply"]).expect_ok();
    assert_eq!(public_tables(&database), ["Post", "User"]);

    let database = test_db("layout_diesel");
    let project = TestProject::new(&[
        (
            "migrations/00000000000000_diesel_initial_setup/up.sql",
            "CREATE OR REPLACE FUNCTION diesel_manage_updated_at(_tbl regclass) RETURNS VOID AS $$\nBEGIN\n    EXECUTE format('SELECT 1 FROM %s', _tbl);\nEND;\n$$ LANGUAGE plpgsql;\n",
        ),
        (
            "migrations/00000000000000_diesel_initial_setup/down.sql",
            "DROP FUNCTION IF EXISTS diesel_manage_updated_at(_tbl regclass);\n",
        ),
        (
            "migrations/2024-01-01-120000_create_users/up.sql",
            "CREATE TABLE users (id int);\n",
        ),
        (
            "migrations/2024-01-01-120000_create_users/down.sql",
            "DROP TABLE users;\n",
        ),
        ("migrations/2024-01-02-120000_index/up.sql", &mixed("k")),
        (
            "migrations/2024-01-02-120000_index/down.sql",
            "DROP TABLE k;\n",
        ),
        (
            "migrations/2024-01-02-120000_index/metadata.toml",
            "run_in_transaction = false\n",
        ),
    ]);
    plan(&database, project.path(), &["apply"]).expect_ok();
    assert_eq!(indexes(&database), ["k_id"]);
    // Diesel records the version without dashes: a reference by it works.
    plan(&database, project.path(), &["rollback", "20240101120000"]).expect_ok();
    assert_eq!(public_tables(&database), Vec::<String>::new());
    assert_eq!(
        ledger_ids(&database),
        ["00000000000000_diesel_initial_setup"]
    );
}

#[test]
fn two_tools_layouts_or_a_layout_plan_yaml_contradicts_are_refused() {
    let database = test_db("layout_mixed");
    let project = TestProject::new(&[
        (
            "migrations/1_a.sql",
            "-- +goose Up\nCREATE TABLE a (id int);\n",
        ),
        (
            "migrations/2_b.sql",
            "-- migrate:up\nCREATE TABLE b (id int);\n",
        ),
    ]);
    plan(&database, project.path(), &["apply"])
        .expect_invalid()
        .expect_stderr_has(&[
            "plan::project::mixed_layouts",
            "migrations/2_b.sql follows dbmate's layout in a folder that follows goose's",
            "[migrations/2_b.sql:1:1]",
        ]);
    let project = TestProject::new(&[
        ("plan.yaml", "layout: dbmate\n"),
        (
            "migrations/1_a.sql",
            "-- +goose Up\nCREATE TABLE a (id int);\n",
        ),
    ]);
    plan(&database, project.path(), &["apply"])
        .expect_invalid()
        .expect_stderr_has(&["decided by plan.yaml's layout:"]);
    let project = TestProject::new(&[
        ("plan.yaml", "layout: liquibase\n"),
        ("migrations/1_a.sql", "CREATE TABLE a (id int);\n"),
    ]);
    plan(&database, project.path(), &["apply"])
        .expect_invalid()
        .expect_stderr_has(&[
            "`layout: liquibase` names no layout plan reads",
            "flyway, sqitch, dbmate",
        ]);
    assert_eq!(public_tables(&database), Vec::<String>::new());
}

/// A Sqitch project as `sqitch init` and `sqitch add` write one.
fn sqitch_project(plan_lines: &str, changes: &[(&str, &str, &str, &str)]) -> TestProject {
    let plan = format!(
        "%syntax-version=1.0.0\n%project=flipr\n%uri=https://example.com/flipr/\n\n{plan_lines}"
    );
    let mut files: Vec<(String, String)> = vec![
        ("sqitch.plan".to_string(), plan),
        (
            "sqitch.conf".to_string(),
            "[core]\n\tengine = pg\n".to_string(),
        ),
    ];
    for (name, deploy, revert, verify) in changes {
        files.push((
            format!("deploy/{name}.sql"),
            format!("-- Deploy flipr:{name} to pg\n\nBEGIN;\n\n{deploy}\n\nCOMMIT;\n"),
        ));
        files.push((
            format!("revert/{name}.sql"),
            format!("-- Revert flipr:{name} from pg\n\nBEGIN;\n\n{revert}\n\nCOMMIT;\n"),
        ));
        files.push((
            format!("verify/{name}.sql"),
            format!("-- Verify flipr:{name} on pg\n\nBEGIN;\n\n{verify}\n\nROLLBACK;\n"),
        ));
    }
    let files: Vec<(&str, &str)> = files
        .iter()
        .map(|(path, text)| (path.as_str(), text.as_str()))
        .collect();
    TestProject::new(&files)
}

const PLANNER: &str = "2024-01-15T10:00:00Z Ann <ann@example.com>";

#[test]
fn sqitch_dependencies_tags_and_verify_scripts() {
    let database = test_db("layout_sqitch");
    let project = sqitch_project(
        &format!(
            "users {PLANNER} # Users.\nposts [users] {PLANNER} # Posts.\n@v1.0 {PLANNER} # First release.\nbio [users] {PLANNER} # A bio.\n"
        ),
        &[
            (
                "users",
                "CREATE TABLE users (id int PRIMARY KEY);",
                "DROP TABLE users;",
                "SELECT id FROM users WHERE FALSE;",
            ),
            (
                "posts",
                "CREATE TABLE posts (id int, user_id int REFERENCES users (id));",
                "DROP TABLE posts;",
                "SELECT id, user_id FROM posts WHERE FALSE;",
            ),
            (
                "bio",
                "ALTER TABLE users ADD COLUMN bio text;",
                "ALTER TABLE users DROP COLUMN bio;",
                "SELECT bio FROM users WHERE FALSE;",
            ),
        ],
    );
    plan(&database, project.path(), &["show"])
        .expect_ok()
        .expect_stdout_has(&[
            "layout: sqitch in . (sqitch.plan is laid out the sqitch way)",
            "order: sequence (sqitch.plan deploys its changes in the order it lists them)",
            "depends on   users",
            "verify/posts.sql",
        ]);
    // The tag is a target: users and posts, not bio.
    plan(&database, project.path(), &["apply", "--to", "@v1.0"]).expect_ok();
    assert_eq!(ledger_ids(&database), ["posts", "users"]);
    plan(&database, project.path(), &["apply"]).expect_ok();
    assert_eq!(ledger_ids(&database), ["bio", "posts", "users"]);
    // Revert scripts roll back, in reverse plan order.
    plan(&database, project.path(), &["rollback", "posts"]).expect_ok();
    assert_eq!(ledger_ids(&database), ["users"]);
    assert_eq!(public_tables(&database), ["users"]);
}

#[test]
fn sqitch_a_failing_verify_script_undoes_its_change() {
    let database = test_db("layout_sqitch_verify");
    let project = sqitch_project(
        &format!("users {PLANNER} # Users.\n"),
        &[(
            "users",
            "CREATE TABLE users (id int);",
            "DROP TABLE users;",
            // The column the deploy script forgot.
            "SELECT id, email FROM users WHERE FALSE;",
        )],
    );
    plan(&database, project.path(), &["apply"])
        .expect_failed()
        .expect_stderr_has(&["email"]);
    assert_eq!(public_tables(&database), Vec::<String>::new());
    assert_eq!(ledger_ids(&database), Vec::<String>::new());
}

#[test]
fn sqitch_a_conflict_is_refused_before_anything_runs() {
    let database = test_db("layout_sqitch_conflict");
    let project = sqitch_project(
        &format!("old_users {PLANNER} # Old.\nnew_users [!old_users] {PLANNER} # New.\n"),
        &[
            (
                "old_users",
                "CREATE TABLE old_users (id int);",
                "DROP TABLE old_users;",
                "SELECT 1;",
            ),
            (
                "new_users",
                "CREATE TABLE new_users (id int);",
                "DROP TABLE new_users;",
                "SELECT 1;",
            ),
        ],
    );
    plan(&database, project.path(), &["apply"])
        .expect_failed()
        .expect_stderr_has(&[
            "plan::apply::conflict",
            "new_users conflicts with old_users, which this apply would run before it",
            "[sqitch.plan:6:",
        ]);
    assert_eq!(public_tables(&database), Vec::<String>::new());
    plan(&database, project.path(), &["apply", "--to", "old_users"]).expect_ok();
    plan(&database, project.path(), &["apply"])
        .expect_failed()
        .expect_stderr_has(&["new_users conflicts with old_users, which is applied"]);
    assert_eq!(public_tables(&database), ["old_users"]);
}

#[test]
fn sqitch_a_plan_error_points_at_its_line() {
    let database = test_db("layout_sqitch_bad_plan");
    let project = sqitch_project(
        &format!("users {PLANNER} # Users.\nposts [nobody] {PLANNER} # Posts.\n"),
        &[
            (
                "users",
                "CREATE TABLE users (id int);",
                "DROP TABLE users;",
                "SELECT 1;",
            ),
            (
                "posts",
                "CREATE TABLE posts (id int);",
                "DROP TABLE posts;",
                "SELECT 1;",
            ),
        ],
    );
    plan(&database, project.path(), &["apply"])
        .expect_invalid()
        .expect_stderr_has(&["plan::project::sqitch_plan", "nobody", "[sqitch.plan:6:"]);
    assert_eq!(public_tables(&database), Vec::<String>::new());
}
