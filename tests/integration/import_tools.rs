//! `plan import-history` from the public tools (issue 16): for each tool a fixture project in
//! the tool's own layout (tests/fixtures/tools/<tool>/) and its tracking table with the rows the
//! tool writes after applying all but the last migration (tracking.sql, cited from the tool's
//! source). Each test builds that database with psql as the tool would have (the applied
//! migrations' SQL, then tracking.sql), imports with `--from <tool>` (and `--from auto`), and
//! checks that `plan status` shows the right applied set, `plan apply` runs only the rest and
//! `plan rollback` works where the tool had down files. Then the refusals (golang-migrate's
//! dirty flag, two tools' tables) and the rows each tool marks as not applied.
//!
//! Layouts plan cannot read yet (issue 16, the lead's part) keep their tests, ignored.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::support::cluster::{TestDatabase, test_db};
use crate::support::project::{Run, TestProject, history, ledger, ledger_ids, plan};

/// Runs `sql` with psql against `database`, stopping at the first error, as a tool's user would.
fn psql(database: &TestDatabase, sql: &str) {
    let mut command = Command::new("psql");
    command.args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", &database.url()]);
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        if name == "DATABASE_URL" || name.starts_with("PG") {
            command.env_remove(name.as_ref());
        }
    }
    command.stdin(std::process::Stdio::piped());
    command.stdout(std::process::Stdio::piped());
    command.stderr(std::process::Stdio::piped());
    let mut child = command.spawn().unwrap_or_else(|error| {
        panic!("psql (from PATH) did not start: {error}; install the PostgreSQL client")
    });
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().expect("psql's stdin");
        stdin
            .write_all(sql.as_bytes())
            .expect("send the SQL to psql");
    }
    let output = child.wait_with_output().expect("psql finishes");
    assert!(
        output.status.success(),
        "psql failed:\n{}\n--- SQL\n{sql}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A tool's fixture: where it is, what its table lists as applied, and how.
struct Tool {
    /// `--from` name, and the fixture's folder under tests/fixtures/tools/.
    name: &'static str,
    /// The files (relative to the fixture) whose SQL the tool ran, in order; for a file with
    /// up and down sections only the part before `down_marker` ran.
    applied_files: &'static [&'static str],
    /// The marker that starts a file's down section, when the tool keeps both in one file.
    down_marker: Option<&'static str>,
    /// The IDs plan gives the applied migrations, in order.
    applied: &'static [&'static str],
    /// The IDs of the migrations the tool had not applied, in order.
    pending: &'static [&'static str],
    /// Whether the tool had down files (so `plan rollback` works after the import).
    rollback: bool,
}

impl Tool {
    fn fixture(&self) -> String {
        format!("tests/fixtures/tools/{}", self.name)
    }

    /// A database (named after the tool and `test`) as the tool left it: the applied
    /// migrations' SQL, then its tracking table.
    fn database(&self, project: &TestProject, test: &str) -> TestDatabase {
        let database = test_db(&format!("tools_{}_{test}", self.name.replace('-', "_")));
        for file in self.applied_files {
            let text = project.read(file);
            let up = match self.down_marker {
                Some(marker) => text.split(marker).next().unwrap_or_default().to_string(),
                None => text,
            };
            psql(&database, &up);
        }
        psql(&database, &project.read("tracking.sql"));
        database
    }
}

/// `plan status --format json`: `(id, state)` of each migration.
fn states(database: &TestDatabase, dir: &Path) -> Vec<(String, String)> {
    let run = plan(database, dir, &["status", "--format", "json"]).expect_ok();
    let json: Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|error| panic!("status JSON: {error}\n{}", run.transcript()));
    json["migrations"]
        .as_array()
        .expect("migrations is a list")
        .iter()
        .map(|migration| {
            (
                migration["id"].as_str().expect("an id").to_string(),
                migration["state"].as_str().expect("a state").to_string(),
            )
        })
        .collect()
}

/// The IDs `plan apply` (or rollback) reported with `word`, read from its progress lines.
fn reported(run: &Run, word: &str) -> Vec<String> {
    run.stderr
        .lines()
        .filter_map(|line| {
            let rest = line.strip_prefix('[')?.split_once("] ")?.1;
            let (id, tail) = rest.split_once(' ')?;
            tail.starts_with(word).then(|| id.to_string())
        })
        .collect()
}

fn owned(ids: &[&str]) -> Vec<String> {
    ids.iter().map(ToString::to_string).collect()
}

/// The whole story for one tool: import (dry run through `--from auto`, then `--from TOOL`),
/// status, apply, a second import that finds everything recorded, rollback.
fn adopt(tool: &Tool) -> (TestDatabase, TestProject, Run) {
    let project = TestProject::copy_of(&tool.fixture());
    let database = tool.database(&project, "adopt");
    let table_of = |run: &Run| {
        let json: Value = serde_json::from_str(&run.stdout)
            .unwrap_or_else(|error| panic!("import JSON: {error}\n{}", run.transcript()));
        json["tool"].as_str().unwrap_or_default().to_string()
    };
    let found = plan(
        &database,
        project.path(),
        &[
            "import-history",
            "--from",
            "auto",
            "--dry-run",
            "--format",
            "json",
        ],
    )
    .expect_ok();
    assert_eq!(table_of(&found), tool.name, "{}", found.transcript());
    assert_eq!(
        ledger_ids(&database),
        Vec::<String>::new(),
        "a dry run records nothing"
    );

    let imported = plan(
        &database,
        project.path(),
        &["import-history", "--from", tool.name],
    )
    .expect_ok();
    // The ledger is read back sorted by ID.
    let mut expected_ids = owned(tool.applied);
    expected_ids.sort();
    assert_eq!(
        ledger_ids(&database),
        expected_ids,
        "{}",
        imported.transcript()
    );
    let mut expected: Vec<(String, String)> = tool
        .applied
        .iter()
        .map(|id| (id.to_string(), "applied".to_string()))
        .collect();
    expected.extend(
        tool.pending
            .iter()
            .map(|id| (id.to_string(), "pending".to_string())),
    );
    let mut shown = states(&database, project.path());
    shown.sort();
    expected.sort();
    assert_eq!(shown, expected);

    let applied = plan(&database, project.path(), &["apply"]).expect_ok();
    assert_eq!(reported(&applied, "applied"), owned(tool.pending));
    // The history already recorded: a second import finds nothing new, whatever it is asked.
    plan(
        &database,
        project.path(),
        &["import-history", "--from", "auto"],
    )
    .expect_ok()
    .expect_stdout_has(&["nothing to import"]);

    if tool.rollback {
        let last = tool.applied.last().copied().unwrap_or_default();
        // The last imported migration, and with it what apply ran after it.
        let rolled = plan(&database, project.path(), &["rollback", last, "--yes"]).expect_ok();
        let mut gone = reported(&rolled, "rolled back");
        gone.sort();
        let mut expected: Vec<String> = owned(tool.pending);
        expected.push(last.to_string());
        expected.sort();
        assert_eq!(gone, expected, "{}", rolled.transcript());
        let mut left = owned(&tool.applied[..tool.applied.len() - 1]);
        left.sort();
        assert_eq!(ledger_ids(&database), left);
    }
    (database, project, imported)
}

// --- the layouts plan reads today -----------------------------------------------------------

const GOLANG_MIGRATE: Tool = Tool {
    name: "golang-migrate",
    applied_files: &[
        "migrations/000001_create_users.up.sql",
        "migrations/000002_create_posts.up.sql",
        "migrations/000003_index_posts.up.sql",
    ],
    down_marker: None,
    applied: &[
        "000001_create_users",
        "000002_create_posts",
        "000003_index_posts",
    ],
    pending: &["000004_add_user_bio"],
    rollback: true,
};

#[test]
fn golang_migrate_history_maps_its_one_version_to_every_migration_up_to_it() {
    let (_database, _project, imported) = adopt(&GOLANG_MIGRATE);
    insta::assert_snapshot!("import_tools_golang_migrate", imported.stdout);
}

#[test]
fn golang_migrate_dirty_is_refused_saying_what_to_do() {
    let project = TestProject::copy_of(&GOLANG_MIGRATE.fixture());
    let database = GOLANG_MIGRATE.database(&project, "dirty");
    psql(
        &database,
        "TRUNCATE schema_migrations; INSERT INTO schema_migrations VALUES (3, true);",
    );
    plan(
        &database,
        project.path(),
        &["import-history", "--from", "golang-migrate"],
    )
    .expect_failed()
    .expect_stderr_has(&[
        "plan::apply::dirty_tracking_table",
        "migration 3",
        "migrate force 3",
    ]);
    assert_eq!(ledger_ids(&database), Vec::<String>::new());
}

#[test]
fn morph_history_is_imported_by_version() {
    adopt(&Tool {
        name: "morph",
        applied_files: &[
            "migrations/000001_create_users.up.sql",
            "migrations/000002_create_posts.up.sql",
            "migrations/000003_index_posts.up.sql",
        ],
        down_marker: None,
        applied: &[
            "000001_create_users",
            "000002_create_posts",
            "000003_index_posts",
        ],
        pending: &["000004_add_user_bio"],
        rollback: true,
    });
}

#[test]
fn sqlx_history_keeps_times_durations_and_checksums() {
    let (database, _project, imported) = adopt(&Tool {
        name: "sqlx",
        applied_files: &[
            "migrations/20240115100000_create_users.up.sql",
            "migrations/20240115100500_create_posts.up.sql",
            "migrations/20240116090000_index_posts.up.sql",
        ],
        down_marker: None,
        applied: &[
            "20240115100000_create_users",
            "20240115100500_create_posts",
            "20240116090000_index_posts",
        ],
        pending: &["20240117090000_add_user_bio"],
        rollback: true,
    });
    insta::assert_snapshot!("import_tools_sqlx", imported.stdout);
    // Their checksums matched the files (none reported changed); they stay in the history.
    assert!(
        !imported.stdout.contains("changed since"),
        "{}",
        imported.stdout
    );
    let details: Vec<String> = history(&database)
        .into_iter()
        .filter(|line| line.action == "import")
        .filter_map(|line| line.detail)
        .collect();
    assert!(
        details[0].starts_with(
            "imported from public._sqlx_migrations: 20240115100000 create users (sqlx checksum "
        ),
        "{details:?}"
    );
    let rows = ledger(&database);
    assert_eq!(rows[0].id, "20240115100000_create_users");
}

#[test]
fn a_sqlx_file_changed_since_it_was_applied_is_reported() {
    let project = TestProject::copy_of("tests/fixtures/tools/sqlx");
    let database = test_db("tools_sqlx_changed");
    psql(&database, &project.read("tracking.sql"));
    project.write(
        "migrations/20240115100000_create_users.up.sql",
        "CREATE TABLE users (id bigserial PRIMARY KEY);\n",
    );
    plan(
        &database,
        project.path(),
        &["import-history", "--from", "sqlx", "--dry-run"],
    )
    .expect_ok()
    .expect_stdout_has(&[
        "warning: 20240115100000_create_users changed since public._sqlx_migrations recorded its checksum",
        "the ledger records the file as it is now",
    ]);
}

const GOOSE: Tool = Tool {
    name: "goose",
    applied_files: &[
        "migrations/00001_create_users.sql",
        "migrations/00002_create_posts.sql",
        "migrations/00003_index_posts.sql",
    ],
    down_marker: Some("-- +goose Down"),
    applied: &[
        "00001_create_users",
        "00002_create_posts",
        "00003_index_posts",
    ],
    pending: &["00004_add_user_bio"],
    rollback: true,
};

#[test]
fn goose_history_is_imported_without_its_version_zero_row() {
    adopt(&GOOSE);
}

#[test]
fn a_goose_version_whose_latest_row_is_not_applied_is_not_imported() {
    let project = TestProject::copy_of(&GOOSE.fixture());
    let database = GOOSE.database(&project, "rolled_back");
    // An older goose recorded `down` as a row with is_applied = false; then 3 was re-applied
    // and rolled back again.
    psql(
        &database,
        "DROP INDEX posts_user_id_idx;
         INSERT INTO goose_db_version (version_id, is_applied, tstamp) VALUES
             (3, false, '2024-01-16 10:00:00'),
             (3, true, '2024-01-16 11:00:00'),
             (3, false, '2024-01-16 12:00:00');",
    );
    plan(
        &database,
        project.path(),
        &["import-history", "--from", "goose"],
    )
    .expect_ok()
    .expect_stdout_has(&[
        "rolled back according to public.goose_db_version, so not imported: 00003_index_posts",
    ]);
    assert_eq!(
        ledger_ids(&database),
        ["00001_create_users", "00002_create_posts"]
    );
}

#[test]
fn two_tools_tables_are_refused_naming_both() {
    let project = TestProject::copy_of(&GOOSE.fixture());
    let database = GOOSE.database(&project, "two_tables");
    psql(
        &database,
        &TestProject::copy_of(&GOLANG_MIGRATE.fixture()).read("tracking.sql"),
    );
    plan(
        &database,
        project.path(),
        &["import-history", "--from", "auto"],
    )
    .expect_invalid()
    .expect_stderr_has(&[
        "plan::apply::several_tracking_tables",
        "public.goose_db_version (goose)",
        "public.schema_migrations (golang-migrate)",
        "--from goose or --from golang-migrate",
    ]);
    // Naming one is enough.
    plan(
        &database,
        project.path(),
        &["import-history", "--from", "goose"],
    )
    .expect_ok();
    assert_eq!(ledger_ids(&database), owned(GOOSE.applied));
}

/// Flyway's rows read in a project plan reads today: Flyway names in `migrations/`, versions of
/// one digit (so that their order does not depend on the Flyway layout's numeric sort).
fn flyway_named_project() -> TestProject {
    TestProject::new(&[
        (
            "migrations/V1__create_users.sql",
            "CREATE TABLE users (id bigserial PRIMARY KEY, email text NOT NULL);\n",
        ),
        (
            "migrations/V2__create_posts.sql",
            "CREATE TABLE posts (id bigserial PRIMARY KEY, user_id bigint REFERENCES users (id));\n",
        ),
        (
            "migrations/V3__index_posts.sql",
            "CREATE INDEX posts_user_id_idx ON posts (user_id);\n",
        ),
    ])
}

/// Flyway's table with `rows` (`installed_rank, version, description, type, script, checksum,
/// success`), installed by postgres.
fn flyway_table(database: &TestDatabase, project: &TestProject, rows: &[(&str, &str, bool)]) {
    let fixture = TestProject::copy_of("tests/fixtures/tools/flyway");
    let tracking = fixture.read("tracking.sql");
    let ddl = tracking
        .split("INSERT INTO")
        .next()
        .expect("the DDL comes first");
    psql(database, ddl);
    for (rank, (version, script, success)) in rows.iter().enumerate() {
        let file = project.read(&format!("migrations/{script}"));
        let kind = if script.starts_with('U') {
            "UNDO_SQL"
        } else {
            "SQL"
        };
        psql(
            database,
            &format!(
                "INSERT INTO flyway_schema_history VALUES ({}, '{version}', 'x', '{kind}', '{script}', {}, 'postgres', now(), 5, {success});",
                rank + 1,
                flyway_crc32(&file),
            ),
        );
    }
}

/// Flyway's checksum, computed here independently of plan's: CRC32 of the lines' bytes.
fn flyway_crc32(text: &str) -> i32 {
    let mut crc: u32 = !0;
    for line in text.lines() {
        for &byte in line.as_bytes() {
            crc ^= u32::from(byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
    }
    i32::from_ne_bytes((!crc).to_ne_bytes())
}

#[test]
fn a_failed_flyway_row_is_not_imported() {
    let project = flyway_named_project();
    let database = test_db("tools_flyway_failed");
    psql(&database, &project.read("migrations/V1__create_users.sql"));
    psql(&database, &project.read("migrations/V2__create_posts.sql"));
    flyway_table(
        &database,
        &project,
        &[
            ("1", "V1__create_users.sql", true),
            ("2", "V2__create_posts.sql", true),
            ("3", "V3__index_posts.sql", false),
        ],
    );
    plan(&database, project.path(), &["import-history", "--from", "flyway"])
        .expect_ok()
        .expect_stdout_has(&[
            "failed or undone according to public.flyway_schema_history, so not imported: V3__index_posts",
        ]);
    assert_eq!(
        ledger_ids(&database),
        ["V1__create_users", "V2__create_posts"]
    );
    let applied = plan(&database, project.path(), &["apply"]).expect_ok();
    assert_eq!(reported(&applied, "applied"), ["V3__index_posts"]);
}

#[test]
fn a_flyway_file_changed_since_it_ran_is_reported_with_flyways_checksum() {
    let project = flyway_named_project();
    let database = test_db("tools_flyway_checksum");
    psql(&database, &project.read("migrations/V1__create_users.sql"));
    flyway_table(&database, &project, &[("1", "V1__create_users.sql", true)]);
    // Line endings are no change to Flyway; a new statement is.
    project.write(
        "migrations/V1__create_users.sql",
        "CREATE TABLE users (id bigserial PRIMARY KEY, email text NOT NULL);\r\n",
    );
    let unchanged = plan(
        &database,
        project.path(),
        &["import-history", "--from", "flyway", "--dry-run"],
    )
    .expect_ok()
    .expect_stdout_has(&["would import", "V1__create_users"]);
    assert!(
        !unchanged.stdout.contains("changed since"),
        "{}",
        unchanged.stdout
    );
    project.write(
        "migrations/V1__create_users.sql",
        "CREATE TABLE users (id bigserial PRIMARY KEY, email text NOT NULL);\nCOMMENT ON TABLE users IS 'people';\n",
    );
    plan(
        &database,
        project.path(),
        &["import-history", "--from", "flyway"],
    )
    .expect_ok()
    .expect_stdout_has(&[
        "warning: V1__create_users changed since public.flyway_schema_history recorded its checksum",
        "the ledger records the file as it is now",
    ]);
    let details: Vec<String> = history(&database)
        .into_iter()
        .filter_map(|line| line.detail)
        .collect();
    assert!(
        details.iter().any(|detail| detail.starts_with(
            "imported from public.flyway_schema_history: V1__create_users.sql (flyway checksum "
        ) && detail.ends_with(", by postgres)")),
        "{details:?}"
    );
}

#[test]
fn a_file_missing_from_the_history_before_a_listed_one_is_reported_out_of_order() {
    let project = flyway_named_project();
    let database = test_db("tools_out_of_order");
    psql(&database, &project.read("migrations/V1__create_users.sql"));
    psql(&database, &project.read("migrations/V2__create_posts.sql"));
    psql(&database, &project.read("migrations/V3__index_posts.sql"));
    flyway_table(
        &database,
        &project,
        &[
            ("1", "V1__create_users.sql", true),
            ("3", "V3__index_posts.sql", true),
        ],
    );
    let run = plan(
        &database,
        project.path(),
        &["import-history", "--from", "flyway", "--format", "json"],
    )
    .expect_ok();
    let json: Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(
        json["out_of_order"],
        serde_json::json!(["V2__create_posts"])
    );
    assert_eq!(json["not_in_table"], serde_json::json!([]));
    assert_eq!(
        ledger_ids(&database),
        ["V1__create_users", "V3__index_posts"]
    );
}

// --- the layouts the lead is teaching plan to read (issue 16) --------------------------------

#[test]
fn flyway_history_is_imported_with_its_repeatable_migration() {
    adopt(&Tool {
        name: "flyway",
        applied_files: &[
            "sql/V1__create_users.sql",
            "sql/V1.1__create_posts.sql",
            "sql/V2__index_posts.sql",
            "sql/R__user_post_counts.sql",
        ],
        down_marker: None,
        applied: &[
            "V1__create_users",
            "V1.1__create_posts",
            "V2__index_posts",
            "R__user_post_counts",
        ],
        pending: &["V10__add_user_bio"],
        rollback: false,
    });
}

#[test]
fn a_changed_flyway_repeatable_is_recorded_to_run_again() {
    let project = TestProject::copy_of("tests/fixtures/tools/flyway");
    let database = test_db("tools_flyway_repeatable");
    for file in [
        "sql/V1__create_users.sql",
        "sql/V1.1__create_posts.sql",
        "sql/V2__index_posts.sql",
        "sql/R__user_post_counts.sql",
    ] {
        psql(&database, &project.read(file));
    }
    psql(&database, &project.read("tracking.sql"));
    project.write(
        "sql/R__user_post_counts.sql",
        "CREATE OR REPLACE VIEW user_post_counts AS\nSELECT u.id AS user_id, u.email, count(p.id) AS posts, max(p.id) AS last_post\nFROM users u\nLEFT JOIN posts p ON p.user_id = u.id\nGROUP BY u.id, u.email;\n",
    );
    plan(&database, project.path(), &["import-history", "--from", "flyway"])
        .expect_ok()
        .expect_stdout_has(&[
            "warning: R__user_post_counts changed since public.flyway_schema_history recorded its checksum",
            "it is repeatable: plan apply will run it again",
        ]);
    let applied = plan(&database, project.path(), &["apply"]).expect_ok();
    assert_eq!(
        reported(&applied, "applied"),
        ["V10__add_user_bio", "R__user_post_counts"]
    );
}

#[test]
fn dbmate_history_is_imported_by_version() {
    adopt(&Tool {
        name: "dbmate",
        applied_files: &[
            "db/migrations/20240115100000_create_users.sql",
            "db/migrations/20240115100500_create_posts.sql",
            "db/migrations/20240116090000_index_posts.sql",
        ],
        down_marker: Some("-- migrate:down"),
        applied: &[
            "20240115100000_create_users",
            "20240115100500_create_posts",
            "20240116090000_index_posts",
        ],
        pending: &["20240117090000_add_user_bio"],
        rollback: true,
    });
}

#[test]
fn node_pg_migrate_history_is_imported_by_name() {
    adopt(&Tool {
        name: "node-pg-migrate",
        applied_files: &[
            "migrations/1705312800000_create-users.sql",
            "migrations/1705313100000_create-posts.sql",
            "migrations/1705395600000_index-posts.sql",
        ],
        down_marker: Some("-- Down Migration"),
        applied: &[
            "1705312800000_create-users",
            "1705313100000_create-posts",
            "1705395600000_index-posts",
        ],
        pending: &["1705482000000_add-user-bio"],
        rollback: true,
    });
}

const PRISMA: Tool = Tool {
    name: "prisma",
    applied_files: &[
        "prisma/migrations/20240115100000_create_users/migration.sql",
        "prisma/migrations/20240115100500_create_posts/migration.sql",
        "prisma/migrations/20240116090000_index_posts/migration.sql",
    ],
    down_marker: None,
    applied: &[
        "20240115100000_create_users",
        "20240115100500_create_posts",
        "20240116090000_index_posts",
    ],
    pending: &["20240117090000_add_user_bio"],
    rollback: false,
};

#[test]
fn prisma_history_is_imported_by_folder_name() {
    adopt(&PRISMA);
}

#[test]
fn a_prisma_migration_rolled_back_or_unfinished_is_not_imported() {
    let project = TestProject::copy_of(&PRISMA.fixture());
    let database = PRISMA.database(&project, "rolled_back");
    psql(
        &database,
        "DROP INDEX posts_user_id_idx;
         UPDATE _prisma_migrations SET rolled_back_at = finished_at + interval '1 minute'
          WHERE migration_name = '20240116090000_index_posts';",
    );
    plan(&database, project.path(), &["import-history", "--from", "prisma"])
        .expect_ok()
        .expect_stdout_has(&[
            "failed or rolled back according to public._prisma_migrations, so not imported: 20240116090000_index_posts",
        ]);
    assert_eq!(
        ledger_ids(&database),
        ["20240115100000_create_users", "20240115100500_create_posts"]
    );
}

#[test]
fn diesel_history_is_imported_with_its_initial_setup() {
    adopt(&Tool {
        name: "diesel",
        applied_files: &[
            "migrations/00000000000000_diesel_initial_setup/up.sql",
            "migrations/2024-01-15-100000_create_users/up.sql",
            "migrations/2024-01-15-100500_create_posts/up.sql",
            "migrations/2024-01-16-090000_index_posts/up.sql",
        ],
        down_marker: None,
        applied: &[
            "00000000000000_diesel_initial_setup",
            "2024-01-15-100000_create_users",
            "2024-01-15-100500_create_posts",
            "2024-01-16-090000_index_posts",
        ],
        pending: &["2024-01-17-090000_add_user_bio"],
        rollback: true,
    });
}

#[test]
fn sqitch_history_is_imported_from_its_registry() {
    adopt(&Tool {
        name: "sqitch",
        applied_files: &[
            "deploy/users.sql",
            "deploy/posts.sql",
            "deploy/posts_user_idx.sql",
        ],
        down_marker: None,
        applied: &["users", "posts", "posts_user_idx"],
        pending: &["users_bio"],
        rollback: true,
    });
}

/// `flyway baseline -baselineVersion=1.1` on a database built by hand, then `flyway migrate`
/// of V2 (the rows as flyway-core's `DbBaseline` and `JdbcTableSchemaHistory` write them):
/// Flyway never runs V1 or V1.1 (`BELOW_BASELINE`, `BASELINE_IGNORED`), so both are imported
/// at the baseline's time; the repeatable migration is not covered and runs on the next apply,
/// after V10.
#[test]
fn a_flyway_baseline_covers_the_versions_up_to_it_but_not_the_repeatable() {
    let project = TestProject::copy_of("tests/fixtures/tools/flyway");
    let database = test_db("tools_flyway_baseline");
    for file in [
        "sql/V1__create_users.sql",
        "sql/V1.1__create_posts.sql",
        "sql/V2__index_posts.sql",
    ] {
        psql(&database, &project.read(file));
    }
    let tracking = project.read("tracking.sql");
    psql(
        &database,
        tracking
            .split("INSERT INTO")
            .next()
            .expect("the DDL comes first"),
    );
    psql(
        &database,
        &format!(
            "INSERT INTO flyway_schema_history VALUES
                (1, '1.1', '<< Flyway Baseline >>', 'BASELINE', '<< Flyway Baseline >>', NULL, 'ops', '2024-01-15 10:00:00', 0, true),
                (2, '2', 'index posts', 'SQL', 'V2__index_posts.sql', {}, 'postgres', '2024-01-16 09:00:00', 13, true);",
            flyway_crc32(&project.read("sql/V2__index_posts.sql"))
        ),
    );
    plan(
        &database,
        project.path(),
        &["import-history", "--from", "flyway"],
    )
    .expect_ok()
    .expect_stdout_has(&["V1__create_users", "V1.1__create_posts", "V2__index_posts"]);
    assert_eq!(
        states(&database, project.path()),
        [
            ("V1__create_users", "applied"),
            ("V1.1__create_posts", "applied"),
            ("V2__index_posts", "applied"),
            ("V10__add_user_bio", "pending"),
            ("R__user_post_counts", "pending"),
        ]
        .map(|(id, state)| (id.to_string(), state.to_string()))
    );
    let details: Vec<(String, String)> = history(&database)
        .into_iter()
        .map(|line| (line.migration_id, line.detail.unwrap_or_default()))
        .collect();
    assert!(
        details.contains(&(
            "V1__create_users".to_string(),
            "imported from public.flyway_schema_history: 1.1 << Flyway Baseline >> (Flyway's baseline at version 1.1 covers it, by ops)".to_string()
        )),
        "{details:#?}"
    );
    let applied = plan(&database, project.path(), &["apply"]).expect_ok();
    assert_eq!(
        reported(&applied, "applied"),
        ["V10__add_user_bio", "R__user_post_counts"]
    );
}

/// A Sqitch plan with `f` reworked, both instances deployed: the two rows of `sqitch.changes`
/// named `f` carry the change IDs Sqitch computes for them (SHA-1 of each change's `info`, with
/// the plan's `%uri` as the registry keeps it), and each is recorded against its instance.
#[test]
fn a_reworked_sqitch_change_is_imported_instance_by_instance_by_change_id() {
    let database = test_db("tools_sqitch_rework");
    let project = TestProject::new(&[
        ("sqitch.conf", "[core]\n\tengine = pg\n"),
        (
            "sqitch.plan",
            "%syntax-version=1.0.0\n%project=flipr\n%uri=https://example.com/flipr/\n\nf 2024-01-15T10:00:00Z Ann <ann@example.com> # f\n@v1.0 2024-01-15T10:01:00Z Ann <ann@example.com> # tag\nf [f@v1.0] 2024-01-16T10:00:00Z Ann <ann@example.com> # rework f\n",
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
    psql(&database, &project.read("deploy/f.sql"));
    let fixture = TestProject::copy_of("tests/fixtures/tools/sqitch");
    let tracking = fixture.read("tracking.sql");
    psql(
        &database,
        tracking
            .split("INSERT INTO")
            .next()
            .expect("the DDL comes first"),
    );
    // The IDs as Sqitch computes them for this plan (lib/App/Sqitch/Plan/Change.pm `id`),
    // worked out apart from plan's code.
    psql(
        &database,
        "INSERT INTO sqitch.projects (project, uri, created_at, creator_name, creator_email)
             VALUES ('flipr', 'https://example.com/flipr/', '2024-01-20 08:00:00+00', 'Bob', 'bob@example.com');
         INSERT INTO sqitch.changes (change_id, script_hash, change, project, note, committed_at,
                 committer_name, committer_email, planned_at, planner_name, planner_email) VALUES
             ('1e0b594fb84f010092c5f1d2b98f58ee956221df', 'aaaa', 'f', 'flipr', 'f',
              '2024-01-20 08:00:00+00', 'Bob', 'bob@example.com', '2024-01-15 10:00:00+00', 'Ann', 'ann@example.com'),
             ('e1c93359ae2aa9b423d9a3c4d8959fa83e91406b', 'bbbb', 'f', 'flipr', 'rework f',
              '2024-01-21 08:00:00+00', 'Bob', 'bob@example.com', '2024-01-16 10:00:00+00', 'Ann', 'ann@example.com');",
    );
    plan(
        &database,
        project.path(),
        &["import-history", "--from", "sqitch"],
    )
    .expect_ok();
    let details: Vec<(String, String)> = history(&database)
        .into_iter()
        .filter(|line| line.action == "import")
        .map(|line| (line.migration_id, line.detail.unwrap_or_default()))
        .collect();
    assert_eq!(
        details,
        [
            ("f", "imported from sqitch.changes: f (its change_id is f's, sqitch checksum aaaa, by Bob)"),
            ("f~2", "imported from sqitch.changes: f (its change_id is f~2's, sqitch checksum bbbb, by Bob)"),
        ]
        .map(|(id, detail)| (id.to_string(), detail.to_string()))
    );
    plan(&database, project.path(), &["apply"])
        .expect_ok()
        .expect_stdout_has(&["nothing to apply"]);
}

/// A registry holding another project's changes only (the plan renamed, or another folder's
/// database): refused as bad input, naming both, rather than "nothing to import".
#[test]
fn a_sqitch_registry_of_another_project_is_refused_naming_both() {
    let project = TestProject::copy_of("tests/fixtures/tools/sqitch");
    let plan_text = project
        .read("sqitch.plan")
        .replace("%project=flipr", "%project=flipper");
    project.write("sqitch.plan", &plan_text);
    let database = test_db("tools_sqitch_other_project");
    psql(&database, &project.read("tracking.sql"));
    let run = plan(
        &database,
        project.path(),
        &["import-history", "--from", "sqitch"],
    );
    assert_eq!(run.code, 2, "{}", run.transcript());
    let said = format!("{}{}", run.stdout, run.stderr);
    for expected in [
        "plan::apply::sqitch_other_project",
        "sqitch.changes holds changes of other projects only (flipr), none of project flipper",
    ] {
        assert!(said.contains(expected), "{expected}:\n{}", run.transcript());
    }
    assert!(ledger_ids(&database).is_empty());
}
