//! Adopting a database that something else built (issue 7): `plan import-history` on a
//! database migrated by each of the five seed runners (built here as that runner would, with
//! psql: the migrations' SQL, then its tracking table and rows), after which `plan status`
//! shows the same migrations applied at the same times and `plan apply` runs only what is new;
//! the problems import reports or refuses; and `plan baseline` on the worked example built by
//! psql. (`plan new` is in new.rs.)
//!
//! Every database is built by running `psql` on SQL files, as our users do by hand.

use std::path::Path;
use std::process::Command;

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::support::cluster::{TestDatabase, test_db};
use crate::support::project::{Run, TestProject, crate_root, history, ledger, ledger_ids, plan};

/// Runs `sql` with psql against `database`, stopping at the first error, as a person would.
fn psql(database: &TestDatabase, sql: &str) {
    let file = tempfile::NamedTempFile::new().expect("a temporary SQL file");
    std::fs::write(file.path(), sql).expect("write the SQL file");
    psql_file(database, file.path());
}

/// Runs one SQL file with `psql -f`.
fn psql_file(database: &TestDatabase, path: &Path) {
    let mut command = Command::new("psql");
    command.args([
        "-X",
        "-q",
        "-v",
        "ON_ERROR_STOP=1",
        "-d",
        &database.url(),
        "-f",
    ]);
    command.arg(path);
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        if name == "DATABASE_URL" || name.starts_with("PG") {
            command.env_remove(name.as_ref());
        }
    }
    let output = command.output().unwrap_or_else(|error| {
        panic!("psql (from PATH) did not start: {error}; install the PostgreSQL client")
    });
    assert!(
        output.status.success(),
        "psql -f {} failed:\n{}",
        path.display(),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Asserts that stderr says each of `parts`, whatever miette's wrapping at 100 columns did to
/// it: runs of whitespace and the `│` of a wrapped message read as one space.
#[track_caller]
fn expect_said(run: Run, parts: &[&str]) -> Run {
    let flat = |text: &str| {
        text.replace('│', " ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    let said = flat(&run.stderr);
    for part in parts {
        assert!(
            said.contains(&flat(part)),
            "expected stderr to say {part:?}:\n{}",
            run.transcript()
        );
    }
    run
}

/// `plan status --format json`, parsed.
fn status_json(database: &TestDatabase, dir: &Path) -> Value {
    let run = plan(database, dir, &["status", "--format", "json"]).expect_ok();
    serde_json::from_str(&run.stdout)
        .unwrap_or_else(|error| panic!("status JSON: {error}\n{}", run.transcript()))
}

/// `(id, state, applied_at)` of every migration in a status JSON.
fn states(json: &Value) -> Vec<(String, String, Option<String>)> {
    json["migrations"]
        .as_array()
        .expect("migrations is a list")
        .iter()
        .map(|migration| {
            (
                migration["id"].as_str().expect("an id").to_string(),
                migration["state"].as_str().expect("a state").to_string(),
                migration["applied_at"].as_str().map(str::to_string),
            )
        })
        .collect()
}

fn state(id: &str, state: &str, applied_at: Option<&str>) -> (String, String, Option<String>) {
    (
        id.to_string(),
        state.to_string(),
        applied_at.map(str::to_string),
    )
}

/// `(migration, action)` of every history row, oldest first.
fn actions(database: &TestDatabase) -> Vec<(String, String)> {
    history(database)
        .into_iter()
        .map(|line| (line.migration_id, line.action))
        .collect()
}

fn action(id: &str, action: &str) -> (String, String) {
    (id.to_string(), action.to_string())
}

/// The IDs `plan apply` applied, read from its progress lines.
fn applied_by(run: &Run) -> Vec<String> {
    run.stderr
        .lines()
        .filter_map(|line| {
            let rest = line.strip_prefix('[')?.split_once("] ")?.1;
            let (id, tail) = rest.split_once(' ')?;
            tail.starts_with("applied").then(|| id.to_string())
        })
        .collect()
}

/// Imports, checks what status shows, adds a fourth migration and checks that apply runs only
/// what the old runner had not applied.
struct Adoption<'a> {
    database: &'a TestDatabase,
    project: &'a TestProject,
}

impl Adoption<'_> {
    fn import(&self, args: &[&str]) -> Run {
        let mut all = vec!["import-history"];
        all.extend(args);
        plan(self.database, self.project.path(), &all).expect_ok()
    }

    fn status(&self) -> Vec<(String, String, Option<String>)> {
        states(&status_json(self.database, self.project.path()))
    }

    fn apply(&self) -> Vec<String> {
        let run = plan(self.database, self.project.path(), &["apply"]).expect_ok();
        applied_by(&run)
    }
}

// --- seed 000: schema_migrations(version, name, applied_at, rolled_back_at) ---------------

#[test]
fn seed_000_history_is_imported_without_its_rolled_back_migration() {
    let database = test_db("adopt_seed_000");
    let project = TestProject::new(&[
        (
            "migrations/001_admin_center_schema.sql",
            "-- 001: admin center tables\nCREATE TABLE IF NOT EXISTS subscriptions (id serial PRIMARY KEY, user_id text NOT NULL);\n",
        ),
        (
            "migrations/001_admin_center_schema_rollback.sql",
            "DROP TABLE IF EXISTS subscriptions;\n",
        ),
        (
            "migrations/002_payment_transactions.sql",
            "CREATE TABLE IF NOT EXISTS payment_transactions (id serial PRIMARY KEY, subscription_id int REFERENCES subscriptions(id));\n",
        ),
        (
            "migrations/002_payment_transactions_rollback.sql",
            "DROP TABLE IF EXISTS payment_transactions;\n",
        ),
        (
            "migrations/003_refunds.sql",
            "CREATE TABLE IF NOT EXISTS refunds (id serial PRIMARY KEY, transaction_id int REFERENCES payment_transactions(id));\n",
        ),
        (
            "migrations/003_refunds_rollback.sql",
            "DROP TABLE IF EXISTS refunds;\n",
        ),
    ]);
    // run-migration.js up 001, up 002, up 003, down 003: each file in a transaction with its row.
    for file in [
        "001_admin_center_schema.sql",
        "002_payment_transactions.sql",
        "003_refunds.sql",
        "003_refunds_rollback.sql",
    ] {
        psql_file(&database, &project.path().join("migrations").join(file));
    }
    psql(
        &database,
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version VARCHAR(255) PRIMARY KEY,
             name VARCHAR(255) NOT NULL,
             applied_at TIMESTAMPTZ DEFAULT NOW(),
             rolled_back_at TIMESTAMPTZ
         );
         INSERT INTO schema_migrations (version, name, applied_at, rolled_back_at) VALUES
             ('001', 'admin_center_schema', '2024-01-20 10:00:00+00', NULL),
             ('002', 'payment_transactions', '2024-02-01 09:30:00+00', NULL),
             ('003', 'refunds', '2024-03-05 12:00:00+00', '2024-03-05 12:30:00+00');",
    );
    let adoption = Adoption {
        database: &database,
        project: &project,
    };

    adoption.import(&[]).expect_stdout_has(&[
        "public.schema_migrations read as seed 000",
        "001_admin_center_schema   applied 2024-01-20 10:00:00 UTC, batch 1  (row: 001 admin_center_schema)",
        "rolled back according to public.schema_migrations, so not imported: 003_refunds",
        "imported 2 migration(s) into plan.migrations",
    ]);
    assert_eq!(
        adoption.status(),
        [
            state(
                "001_admin_center_schema",
                "applied",
                Some("2024-01-20 10:00:00 UTC")
            ),
            state(
                "002_payment_transactions",
                "applied",
                Some("2024-02-01 09:30:00 UTC")
            ),
            state("003_refunds", "pending", None),
        ]
    );
    project.write(
        "migrations/004_admin_roles.sql",
        "CREATE TABLE admin_roles (id serial PRIMARY KEY, role text NOT NULL);\n",
    );
    assert_eq!(adoption.apply(), ["003_refunds", "004_admin_roles"]);
    assert_eq!(
        actions(&database),
        [
            action("001_admin_center_schema", "import"),
            action("002_payment_transactions", "import"),
            action("003_refunds", "apply"),
            action("004_admin_roles", "apply"),
        ]
    );
}

// --- seed 001: platform.schema_migrations(id, migration_name, applied_at) -------------------

/// Seed 001's style: header dependencies, `BEGIN; … COMMIT;`, `rollback-NNN.sql`.
fn seed_001_project() -> TestProject {
    TestProject::new(&[
        (
            "migrations/001_create_platform_schema.sql",
            "-- Migration: 001 - Create Platform Schema\n-- Dependencies: None (initial migration)\n\nBEGIN;\nCREATE SCHEMA IF NOT EXISTS platform;\nCREATE TABLE platform.organizations (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), slug text NOT NULL UNIQUE);\nCOMMIT;\n",
        ),
        (
            "migrations/002_platform_billing_schema.sql",
            "-- Migration: 002 - Platform Billing Schema\n-- Dependencies:\n--   - 001_create_platform_schema.sql\n\nBEGIN;\nALTER TABLE platform.organizations ADD COLUMN billing_email text;\nCREATE TABLE platform.invoices (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), organization_id uuid REFERENCES platform.organizations(id));\nCOMMIT;\n",
        ),
        (
            "migrations/003_user_management.sql",
            "-- Migration: 003 - User Management\n-- Dependencies:\n--   - 001_create_platform_schema.sql\n--   - 002_platform_billing_schema.sql\n\nBEGIN;\nCREATE TABLE platform.users (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), email text NOT NULL UNIQUE);\nCOMMIT;\n",
        ),
        (
            "migrations/rollback-001.sql",
            "DROP SCHEMA platform CASCADE;\n",
        ),
        (
            "migrations/rollback-002.sql",
            "DROP TABLE platform.invoices;\nALTER TABLE platform.organizations DROP COLUMN billing_email;\n",
        ),
        (
            "migrations/rollback-003.sql",
            "DROP TABLE platform.users;\n",
        ),
    ])
}

/// What seed 001's README says to do: psql each file, then record it by hand.
fn migrate_like_seed_001(database: &TestDatabase, project: &TestProject, recorded: &str) {
    for file in [
        "001_create_platform_schema.sql",
        "002_platform_billing_schema.sql",
        "003_user_management.sql",
    ] {
        psql_file(database, &project.path().join("migrations").join(file));
    }
    psql(
        database,
        &format!(
            "CREATE TABLE IF NOT EXISTS platform.schema_migrations (
                 id SERIAL PRIMARY KEY,
                 migration_name TEXT NOT NULL UNIQUE,
                 applied_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
             );
             INSERT INTO platform.schema_migrations (migration_name, applied_at) VALUES {recorded}
             ON CONFLICT (migration_name) DO NOTHING;"
        ),
    );
}

#[test]
fn seed_001_history_is_imported_from_the_platform_schema() {
    let database = test_db("adopt_seed_001");
    let project = seed_001_project();
    migrate_like_seed_001(
        &database,
        &project,
        "('001_create_platform_schema.sql', '2025-11-21 12:00:00+00'),
         ('002_platform_billing_schema.sql', '2025-11-21 12:05:00+00'),
         ('003_user_management.sql', '2025-11-22 08:00:00+00')",
    );
    let adoption = Adoption {
        database: &database,
        project: &project,
    };

    adoption
        .import(&["--from", "platform.schema_migrations"])
        .expect_stdout_has(&[
            "platform.schema_migrations read as seed 001",
            "(row: 002_platform_billing_schema.sql)",
            "imported 3 migration(s)",
        ]);
    assert_eq!(
        adoption.status(),
        [
            state(
                "001_create_platform_schema",
                "applied",
                Some("2025-11-21 12:00:00 UTC")
            ),
            state(
                "002_platform_billing_schema",
                "applied",
                Some("2025-11-21 12:05:00 UTC")
            ),
            state(
                "003_user_management",
                "applied",
                Some("2025-11-22 08:00:00 UTC")
            ),
        ]
    );
    // One batch per migration: `plan rollback --last-batch` reverts one, as seed 001 did by hand.
    let batches: Vec<i32> = ledger(&database).iter().map(|line| line.batch).collect();
    assert_eq!(batches, [1, 2, 3]);
    project.write(
        "migrations/004_project_limits.sql",
        "-- Dependencies:\n--   - 003_user_management.sql\nBEGIN;\nALTER TABLE platform.organizations ADD COLUMN max_projects int NOT NULL DEFAULT 10;\nCOMMIT;\n",
    );
    assert_eq!(adoption.apply(), ["004_project_limits"]);
    // The import left check-schema a snapshot to compare with: nothing is drift.
    plan(&database, project.path(), &["check-schema"])
        .expect_ok()
        .expect_stdout_has(&["all present", "\nclean; "]);
}

#[test]
fn an_import_that_would_leave_a_dependency_unapplied_records_nothing() {
    let database = test_db("adopt_unapplied_dependency");
    let project = seed_001_project();
    // 002 was never recorded (applied by psql, then forgotten); 003 depends on it.
    migrate_like_seed_001(
        &database,
        &project,
        "('001_create_platform_schema.sql', '2025-11-21 12:00:00+00'),
         ('003_user_management.sql', '2025-11-22 08:00:00+00')",
    );
    let run = plan(&database, project.path(), &["import-history"]).expect_failed();
    expect_said(
        run,
        &[
            "plan::apply::unapplied_dependencies",
            "003_user_management depends on 002_platform_billing_schema, which platform.schema_migrations does not record as applied",
            "nothing was recorded",
        ],
    );
    assert_eq!(ledger_ids(&database), Vec::<String>::new());
}

// --- seed 002: schema_migrations(id, name, executed_at) -------------------------------------

#[test]
fn seed_002_history_is_imported_by_id_and_name() {
    let database = test_db("adopt_seed_002");
    let project = TestProject::new(&[
        (
            "migrations/001_initial.up.sql",
            "CREATE TABLE users (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), email varchar(255) NOT NULL UNIQUE);\n",
        ),
        (
            "migrations/001_initial.down.sql",
            "DROP TABLE users CASCADE;\n",
        ),
        (
            "migrations/002_usage_tracking.up.sql",
            "CREATE TABLE usage_tracking (id bigserial PRIMARY KEY, user_id uuid REFERENCES users(id), endpoint text);\n",
        ),
        (
            "migrations/002_usage_tracking.down.sql",
            "DROP TABLE usage_tracking;\n",
        ),
        (
            "migrations/003_webhooks.up.sql",
            "CREATE TABLE webhooks (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), user_id uuid REFERENCES users(id), url text NOT NULL);\n",
        ),
        ("migrations/003_webhooks.down.sql", "DROP TABLE webhooks;\n"),
    ]);
    // migrate:up ran each migration's `up` and recorded `{id, name}` from src/lib/migrations.ts.
    psql(
        &database,
        "CREATE TABLE users (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), email varchar(255) NOT NULL UNIQUE);
         CREATE TABLE usage_tracking (id bigserial PRIMARY KEY, user_id uuid REFERENCES users(id), endpoint text);
         CREATE TABLE webhooks (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), user_id uuid REFERENCES users(id), url text NOT NULL);
         CREATE TABLE schema_migrations (
             id VARCHAR(255) PRIMARY KEY,
             name VARCHAR(255) NOT NULL,
             executed_at TIMESTAMP WITH TIME ZONE DEFAULT NOW()
         );
         INSERT INTO schema_migrations (id, name, executed_at) VALUES
             ('001', 'initial', '2024-01-01 10:00:00+00'),
             ('002', 'usage_tracking', '2024-02-01 10:00:00+00'),
             ('003', 'webhooks', '2024-03-01 10:00:00+00');",
    );
    let adoption = Adoption {
        database: &database,
        project: &project,
    };

    // A dry run reads and reports, and creates nothing.
    adoption.import(&["--dry-run"]).expect_stdout_has(&[
        "would import into plan.migrations:",
        "(row: 001 initial)",
        "dry run: 3 migration(s) would be imported; nothing was recorded",
    ]);
    assert_eq!(ledger_ids(&database), Vec::<String>::new());

    adoption
        .import(&[])
        .expect_stdout_has(&["read as seed 002", "imported 3 migration(s)"]);
    assert_eq!(
        adoption.status(),
        [
            state("001_initial", "applied", Some("2024-01-01 10:00:00 UTC")),
            state(
                "002_usage_tracking",
                "applied",
                Some("2024-02-01 10:00:00 UTC")
            ),
            state("003_webhooks", "applied", Some("2024-03-01 10:00:00 UTC")),
        ]
    );
    // A second import finds everything recorded already.
    adoption.import(&[]).expect_stdout_has(&[
        "already in plan.migrations, left as they are: 001_initial, 002_usage_tracking, 003_webhooks",
        "nothing to import",
    ]);
    project.write(
        "migrations/004_user_roles.up.sql",
        "CREATE TABLE user_roles (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), user_id uuid REFERENCES users(id), role varchar(50) NOT NULL);\n",
    );
    assert_eq!(adoption.apply(), ["004_user_roles"]);
}

// --- seed 003: _migrations(id, name, batch, executed_at) ------------------------------------

#[test]
fn seed_003_history_is_imported_with_its_batches() {
    let database = test_db("adopt_seed_003");
    let project = TestProject::new(&[
        (
            "migrations/001_initial_schema.sql",
            "-- Migration: 001_initial_schema.sql\n-- Description: Users\n\n-- UP\nCREATE TABLE users (id TEXT PRIMARY KEY);\n\n-- DOWN\nDROP TABLE IF EXISTS users;\n",
        ),
        (
            "migrations/002_add_user_avatar.sql",
            "-- Migration: 002_add_user_avatar.sql\n-- Description: Avatar\n\n-- UP\nALTER TABLE users ADD COLUMN avatar_url TEXT;\n\n-- DOWN\nALTER TABLE users DROP COLUMN IF EXISTS avatar_url;\n",
        ),
        (
            "migrations/003_create_notifications.sql",
            "-- Migration: 003_create_notifications.sql\n\n-- UP\nCREATE TABLE IF NOT EXISTS notifications (id TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE);\n\n-- DOWN\nDROP TABLE IF EXISTS notifications CASCADE;\n",
        ),
    ]);
    // `npm run migrate` twice: 001 in batch 1, then 002 and 003 together in batch 2. The runner
    // runs only the UP sections.
    psql(
        &database,
        "CREATE TABLE users (id TEXT PRIMARY KEY);
         ALTER TABLE users ADD COLUMN avatar_url TEXT;
         CREATE TABLE IF NOT EXISTS notifications (id TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE);
         CREATE TABLE _migrations (
             id SERIAL PRIMARY KEY,
             name VARCHAR(255) NOT NULL UNIQUE,
             batch INTEGER NOT NULL,
             executed_at TIMESTAMPTZ DEFAULT NOW()
         );
         INSERT INTO _migrations (name, batch, executed_at) VALUES
             ('001_initial_schema.sql', 1, '2026-01-20 10:00:00+00'),
             ('002_add_user_avatar.sql', 2, '2026-01-20 11:00:00+00'),
             ('003_create_notifications.sql', 2, '2026-01-20 11:00:01+00');",
    );
    let adoption = Adoption {
        database: &database,
        project: &project,
    };

    adoption.import(&[]).expect_stdout_has(&[
        "public._migrations read as seed 003",
        "imported 3 migration(s)",
    ]);
    let batches: Vec<(String, i32)> = ledger(&database)
        .into_iter()
        .map(|line| (line.id, line.batch))
        .collect();
    assert_eq!(
        batches,
        [
            ("001_initial_schema".to_string(), 1),
            ("002_add_user_avatar".to_string(), 2),
            ("003_create_notifications".to_string(), 2),
        ]
    );
    assert_eq!(
        adoption.status()[2],
        state(
            "003_create_notifications",
            "applied",
            Some("2026-01-20 11:00:01 UTC")
        )
    );
    project.write(
        "migrations/004_add_user_bio.sql",
        "-- UP\nALTER TABLE users ADD COLUMN bio TEXT;\n\n-- DOWN\nALTER TABLE users DROP COLUMN IF EXISTS bio;\n",
    );
    assert_eq!(adoption.apply(), ["004_add_user_bio"]);
    // The imported batches keep their meaning: the last batch is now the apply's, and before it
    // the runner's batch 2.
    plan(&database, project.path(), &["rollback", "--last-batch"])
        .expect_ok()
        .expect_stdout_has(&["rolled back 1 migration(s): 004_add_user_bio"]);
    plan(&database, project.path(), &["rollback", "--last-batch"])
        .expect_ok()
        .expect_stdout_has(&[
            "rolled back 2 migration(s): 003_create_notifications, 002_add_user_avatar",
        ]);
}

// --- seed 004: schema_migrations(id, migration_name, applied_at, checksum, execution_time_ms)

fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

#[test]
fn seed_004_history_is_imported_with_durations_and_checksums_compared() {
    let database = test_db("adopt_seed_004");
    let audit = "-- Migration: 001_create_audit_logs\n-- Description: Audit logging table\n\nCREATE TABLE IF NOT EXISTS audit_logs (id bigserial PRIMARY KEY, action text NOT NULL);\n";
    let cache = "-- Migration: 002_create_llm_cache\n-- Description: LLM response cache\n\nCREATE TABLE IF NOT EXISTS llm_cache (key text PRIMARY KEY, response jsonb);\n";
    let preferences = "-- Migration: 003_add_user_preferences\n-- Description: Preferences\n\nCREATE TABLE IF NOT EXISTS preferences (user_id text PRIMARY KEY, notification_email varchar(255));\n";
    let project = TestProject::new(&[
        ("migrations/001_create_audit_logs.sql", audit),
        ("migrations/002_create_llm_cache.sql", cache),
        ("migrations/003_add_user_preferences.sql", preferences),
    ]);
    // The runner at server start: each file in a transaction, its row with a SHA-256 of the
    // file and the time it took. 003's file was edited afterwards.
    psql(
        &database,
        &format!(
            "{audit}{cache}{preferences}
             CREATE TABLE schema_migrations (
                 id SERIAL PRIMARY KEY,
                 migration_name VARCHAR(255) NOT NULL UNIQUE,
                 applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
                 checksum VARCHAR(64),
                 execution_time_ms INTEGER
             );
             INSERT INTO schema_migrations (migration_name, applied_at, checksum, execution_time_ms) VALUES
                 ('001_create_audit_logs', '2025-06-01 08:00:00', '{}', 12),
                 ('002_create_llm_cache', '2025-06-02 08:00:00', '{}', 7),
                 ('003_add_user_preferences', '2025-06-03 08:00:00', '{}', 30);",
            sha256_hex(audit),
            sha256_hex(cache),
            sha256_hex("-- an older version of the file\n"),
        ),
    );
    let adoption = Adoption {
        database: &database,
        project: &project,
    };

    adoption.import(&[]).expect_stdout_has(&[
        "read as seed 004",
        "imported 3 migration(s)",
        "warning: 003_add_user_preferences changed since public.schema_migrations recorded its checksum",
    ]);
    // `applied_at` is a timestamp without time zone: the server's local time, as the runner's
    // CURRENT_TIMESTAMP wrote it. The database converts it the same way.
    let expected: Vec<String> = database
        .client()
        .query(
            "SELECT to_char(applied_at::timestamptz AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS \"UTC\"')
             FROM schema_migrations ORDER BY id",
            &[],
        )
        .expect("read the runner's times")
        .iter()
        .map(|row| row.get(0))
        .collect();
    let json = status_json(&database, project.path());
    let shown: Vec<(String, Option<i64>)> = json["migrations"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|migration| {
            (
                migration["applied_at"].as_str().unwrap_or("-").to_string(),
                migration["duration_ms"].as_i64(),
            )
        })
        .collect();
    assert_eq!(
        shown,
        [
            (expected[0].clone(), Some(12)),
            (expected[1].clone(), Some(7)),
            (expected[2].clone(), Some(30)),
        ]
    );
    project.write(
        "migrations/004_create_user_sessions.sql",
        "CREATE TABLE IF NOT EXISTS user_sessions (id bigserial PRIMARY KEY, session_token varchar(255) NOT NULL UNIQUE);\n",
    );
    assert_eq!(adoption.apply(), ["004_create_user_sessions"]);
}

#[test]
fn rows_without_a_file_and_files_missing_from_the_table_are_reported() {
    let database = test_db("adopt_unmatched_rows");
    let project = TestProject::new(&[
        (
            "migrations/001_create_audit_logs.sql",
            "CREATE TABLE audit_logs (id bigserial PRIMARY KEY);\n",
        ),
        (
            "migrations/002_create_llm_cache.sql",
            "CREATE TABLE llm_cache (key text PRIMARY KEY);\n",
        ),
        (
            "migrations/003_add_user_preferences.sql",
            "CREATE TABLE preferences (user_id text PRIMARY KEY);\n",
        ),
    ]);
    psql(
        &database,
        "CREATE TABLE audit_logs (id bigserial PRIMARY KEY);
         CREATE TABLE schema_migrations (
             id SERIAL PRIMARY KEY,
             migration_name VARCHAR(255) NOT NULL UNIQUE,
             applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
             checksum VARCHAR(64),
             execution_time_ms INTEGER
         );
         INSERT INTO schema_migrations (migration_name) VALUES
             ('001_create_audit_logs'), ('000_legacy_bootstrap');",
    );
    plan(&database, project.path(), &["import-history"])
        .expect_ok()
        .expect_stdout_has(&[
            "warning: 1 row(s) of public.schema_migrations match no migration file, and were not imported:\n  000_legacy_bootstrap: no migration file has this name",
            "not in public.schema_migrations (plan apply will run them): 002_create_llm_cache, 003_add_user_preferences",
            "imported 1 migration(s)",
        ]);
    assert_eq!(ledger_ids(&database), ["001_create_audit_logs"]);
}

#[test]
fn a_table_of_unknown_shape_is_refused_listing_its_columns_and_the_shapes_known() {
    let database = test_db("adopt_unknown_shape");
    let project = TestProject::new(&[("migrations/001_a.sql", "CREATE TABLE a (id int);\n")]);
    psql(
        &database,
        "CREATE TABLE schema_migrations (filename text PRIMARY KEY, run_on timestamptz NOT NULL);
         INSERT INTO schema_migrations VALUES ('001_a.sql', now());",
    );
    let run = plan(&database, project.path(), &["import-history"]).expect_invalid();
    expect_said(
        run,
        &[
            "plan::apply::unknown_table_shape",
            "public.schema_migrations is not a tracking table import-history can read: its columns are",
            "filename, run_on",
            "schema_migrations(version, name, applied_at, rolled_back_at)",
            "_migrations(id, name, batch, executed_at)",
            "platform.schema_migrations(id, migration_name, applied_at)",
        ],
    );
    plan(
        &database,
        project.path(),
        &["import-history", "--from", "no_such_table"],
    )
    .expect_invalid()
    .expect_stderr_has(&["plan::apply::tracking_table_not_found"]);
    assert_eq!(ledger_ids(&database), Vec::<String>::new());
}

// --- baseline -------------------------------------------------------------------------------

/// The worked example (the repository's migrations/ and plan.yaml) in a folder of its own.
pub(crate) fn worked_example() -> TestProject {
    let root = crate_root();
    let project = TestProject::new(&[]);
    project.write(
        "plan.yaml",
        &std::fs::read_to_string(root.join("plan.yaml")).expect("read plan.yaml"),
    );
    for entry in std::fs::read_dir(root.join("migrations")).expect("list migrations/") {
        let name = entry
            .expect("an entry")
            .file_name()
            .to_string_lossy()
            .into_owned();
        let path = format!("migrations/{name}");
        let text = std::fs::read_to_string(root.join(&path))
            .unwrap_or_else(|error| panic!("read {path}: {error}"));
        project.write(&path, &text);
    }
    project
}

/// The worked example's 001–003 run with `psql -f`, as seed 001's README does by hand.
fn built_by_psql(database: &TestDatabase, project: &TestProject) {
    for file in [
        "001_create_platform_schema.sql",
        "002_platform_billing_schema.sql",
        "003_user_management_and_permissions.sql",
        "003_permission_inheritance.sql",
    ] {
        psql_file(database, &project.path().join("migrations").join(file));
    }
}

#[test]
fn a_baseline_of_a_database_built_by_psql_leaves_apply_nothing_to_run() {
    let database = test_db("adopt_baseline_worked_example");
    let project = worked_example();
    built_by_psql(&database, &project);

    plan(&database, project.path(), &["baseline", "--to", "003"])
        .expect_ok()
        .expect_stdout_has(&[
            "003_user_management_and_permissions and its dependencies create or need: all present (1 catalog query)",
            "recorded as applied without running them (batch 1): 001_create_platform_schema, 002_platform_billing_schema, 003_user_management_and_permissions",
        ]);
    assert_eq!(
        actions(&database),
        [
            action("001_create_platform_schema", "baseline"),
            action("002_platform_billing_schema", "baseline"),
            action("003_user_management_and_permissions", "baseline"),
        ]
    );
    // 004 runs only in production: without --env it is skipped, and nothing else is pending.
    plan(&database, project.path(), &["apply"])
        .expect_ok()
        .expect_stdout_has(&["nothing to apply"]);
    let shown: Vec<(String, String)> = states(&status_json(&database, project.path()))
        .into_iter()
        .map(|(id, state, _)| (id, state))
        .collect();
    assert_eq!(
        shown,
        [
            (
                "001_create_platform_schema".to_string(),
                "applied".to_string()
            ),
            (
                "002_platform_billing_schema".to_string(),
                "applied".to_string()
            ),
            (
                "003_user_management_and_permissions".to_string(),
                "applied".to_string()
            ),
            ("004_create_lancio_org".to_string(), "skipped".to_string()),
        ]
    );
    plan(&database, project.path(), &["check-schema"])
        .expect_ok()
        .expect_stdout_has(&["\nclean; "]);
}

#[test]
fn a_baseline_is_refused_when_an_object_is_missing() {
    let database = test_db("adopt_baseline_missing_object");
    let project = worked_example();
    built_by_psql(&database, &project);
    psql(
        &database,
        "ALTER TABLE platform.organizations DROP COLUMN billing_plan;
         DROP INDEX platform.idx_permissions_project_id;",
    );

    let run = plan(&database, project.path(), &["baseline", "--to", "003"]).expect_failed();
    expect_said(
        run,
        &[
            "plan::apply::baseline_missing",
            "cannot baseline 003_user_management_and_permissions: 2 objects",
            "missing: column platform.organizations.billing_plan (created by 002_platform_billing_schema)",
            "missing: index platform.idx_permissions_project_id (created by 003_user_management_and_permissions)",
        ],
    );
    assert_eq!(ledger_ids(&database), Vec::<String>::new());
    // 004 runs only in production.
    plan(&database, project.path(), &["baseline", "--to", "004"])
        .expect_invalid()
        .expect_stderr_has(&["plan::apply::baseline_environment", "pass --env"]);
    // What is there can still be baselined: 001's objects are all present.
    plan(&database, project.path(), &["baseline", "--to", "001"]).expect_ok();
    assert_eq!(ledger_ids(&database), ["001_create_platform_schema"]);
}
