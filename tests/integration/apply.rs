//! `plan apply`, `plan status` and `plan accept` against a real database (issue 3): the worked
//! example end to end, `--to`, `--dry-run`, failures that leave no trace and point at file and
//! line, seed 001's `BEGIN; … COMMIT;` files, checksums of applied files, migrations that run
//! outside a transaction, and a password that never reaches any output.
//!
//! Every test runs the `plan` binary on a project folder and checks the database afterwards with
//! a client of its own. Concurrency, killed runs and lock timeouts are in `concurrency`;
//! rollbacks in `rollback`.

use sha2::{Digest, Sha256};

use crate::support::cluster::{password_database, test_db};
use crate::support::project::{
    FILTERS, TestProject, crate_root, history, ledger, ledger_ids, plan, plan_with_env,
    public_tables, user_objects, wait_for,
};

/// The first 12 hex digits of the SHA-256 of `text`: the short checksum messages show.
fn short_checksum(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    digest
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect::<String>()[..12]
        .to_string()
}

/// `(id, state)` of each migration line of `plan status` text output, in order.
fn states(status: &str) -> Vec<(String, String)> {
    status
        .lines()
        .skip(1)
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            Some((words.next()?.to_string(), words.next()?.to_string()))
        })
        .collect()
}

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected
        .iter()
        .map(|(id, state)| (id.to_string(), state.to_string()))
        .collect()
}

#[test]
fn the_worked_example_applies_rolls_back_to_empty_and_applies_again() {
    let database = test_db("worked_example_round_trip");
    let root = crate_root();
    let example = root.as_path();

    plan(&database, example, &["apply"])
        .expect_ok()
        .expect_stdout_has(&["applied 3 migrations in batch 1", "skipped 1"]);
    let status = plan(&database, example, &["status"]).expect_ok();
    assert_eq!(
        states(&status.stdout),
        pairs(&[
            ("001_create_platform_schema", "applied"),
            ("002_platform_billing_schema", "applied"),
            ("003_user_management_and_permissions", "applied"),
            ("004_create_lancio_org", "skipped"),
        ]),
        "{}",
        status.transcript()
    );
    insta::with_settings!({filters => FILTERS.to_vec()}, {
        insta::assert_snapshot!("worked_example_status", status.transcript());
    });
    let production = plan(&database, example, &["status", "--env", "production"]).expect_ok();
    assert_eq!(
        states(&production.stdout).last(),
        Some(&("004_create_lancio_org".to_string(), "pending".to_string())),
        "{}",
        production.transcript()
    );

    // Production requires a backup: without --backup-dir it is refused, and nothing changes.
    let before = (
        ledger(&database),
        history(&database),
        user_objects(&database),
    );
    plan(
        &database,
        example,
        &["apply", "--env", "production", "--yes"],
    )
    .expect_invalid()
    .expect_stderr_has(&["plan::cli::backup_dir_needed"]);
    let after = (
        ledger(&database),
        history(&database),
        user_objects(&database),
    );
    assert_eq!(before, after, "a refused apply changed the database");
    let lancio = || -> i64 {
        database
            .client()
            .query_one(
                "SELECT count(*) FROM platform.organizations WHERE slug = 'lancio'",
                &[],
            )
            .expect("count organizations")
            .get(0)
    };
    assert_eq!(lancio(), 0);

    // With a backup folder it takes a verified backup first, then applies 004.
    let backups = tempfile::tempdir().expect("a backup folder");
    let backup_dir = backups.path().display().to_string();
    plan(
        &database,
        example,
        &[
            "apply",
            "--env",
            "production",
            "--yes",
            "--backup-dir",
            &backup_dir,
        ],
    )
    .expect_ok()
    .expect_stdout_has(&[
        "backup: ",
        "to restore it: ",
        "applied 1 migration in batch 2",
    ]);
    assert_eq!(lancio(), 1);

    assert!(
        user_objects(&database).contains(&"schema platform".to_string()),
        "the leftovers query must see what the migrations created: {:?}",
        user_objects(&database)
    );
    // The ledger says production: the rollback owes production's backup and confirmation too.
    plan(
        &database,
        example,
        &["rollback", "001", "--backup-dir", &backup_dir, "--yes"],
    )
    .expect_ok()
        .expect_stdout_has(&[
            "rolled back 4 migration(s): 004_create_lancio_org, 003_user_management_and_permissions, 002_platform_billing_schema, 001_create_platform_schema",
        ]);
    assert_eq!(
        user_objects(&database),
        Vec::<String>::new(),
        "rollback 001 must leave nothing but the ledger"
    );
    assert_eq!(ledger_ids(&database), Vec::<String>::new());

    plan(&database, example, &["apply"])
        .expect_ok()
        .expect_stdout_has(&["applied 3 migrations in batch 3"]);
    let again = plan(&database, example, &["status"]).expect_ok();
    assert!(
        again.stdout.contains("3 applied, 0 pending, 1 skipped"),
        "{}",
        again.transcript()
    );
}

#[test]
fn apply_to_target_applies_exactly_its_ancestors() {
    let database = test_db("apply_to_target_ancestors");
    let project = TestProject::copy_of("tests/fixtures/branches");
    plan(&database, project.path(), &["apply", "--to", "002"])
        .expect_ok()
        .expect_stdout_has(&["applied 3 migrations in batch 1"]);
    assert_eq!(
        ledger_ids(&database),
        ["001_base", "002_reports", "005_billing"]
    );
    assert_eq!(public_tables(&database), ["base", "billing", "reports"]);

    // The other branch follows in a second batch; what was applied is left alone.
    plan(
        &database,
        project.path(),
        &["apply", "--to", "004_search_index"],
    )
    .expect_ok()
    .expect_stdout_has(&["applied 2 migrations in batch 2"]);
    let batches: Vec<(String, i32)> = ledger(&database)
        .into_iter()
        .map(|line| (line.id, line.batch))
        .collect();
    assert_eq!(
        batches,
        [
            ("001_base".to_string(), 1),
            ("002_reports".to_string(), 1),
            ("003_search".to_string(), 2),
            ("004_search_index".to_string(), 2),
            ("005_billing".to_string(), 1),
        ]
    );
}

#[test]
fn a_syntax_error_names_file_and_line_and_leaves_no_trace() {
    let database = test_db("syntax_error_no_trace");
    let project = TestProject::new(&[
        ("migrations/001_first.sql", "CREATE TABLE first (id int);\n"),
        (
            "migrations/002_broken.sql",
            "-- Purpose: a valid statement, then a typo on line 7\n\
             \n\
             CREATE TABLE broken_one (id int);\n\
             \n\
             CREATE TABLE broken_two (\n\
             \x20   id int,\n\
             \x20   name text NOT NULL,,\n\
             \x20   created_at timestamptz\n\
             );\n",
        ),
        ("migrations/003_after.sql", "CREATE TABLE after (id int);\n"),
    ]);
    let run = plan(&database, project.path(), &["apply"])
        .expect_failed()
        .expect_stderr_has(&["[migrations/002_broken.sql:7:", "42601"]);
    insta::with_settings!({filters => FILTERS.to_vec()}, {
        insta::assert_snapshot!("syntax_error_diagnostic", run.transcript());
    });
    assert_eq!(ledger_ids(&database), ["001_first"]);
    assert_eq!(public_tables(&database), ["first"]);
    let failures: Vec<_> = history(&database)
        .into_iter()
        .filter(|line| line.outcome != "ok")
        .map(|line| (line.migration_id, line.action, line.outcome))
        .collect();
    assert_eq!(
        failures,
        [(
            "002_broken".to_string(),
            "apply".to_string(),
            "failed".to_string()
        )]
    );
}

#[test]
fn dry_run_prints_the_sql_in_order_and_changes_nothing() {
    let database = test_db("dry_run_changes_nothing");
    let project = TestProject::copy_of("tests/fixtures/branches");
    let run = plan(&database, project.path(), &["apply", "--dry-run"])
        .expect_ok()
        .expect_stdout_has(&["dry run: nothing was changed"]);
    insta::with_settings!({filters => FILTERS.to_vec()}, {
        insta::assert_snapshot!("dry_run_branches", run.transcript());
    });
    let mut client = database.client();
    let ledger_schema: bool = client
        .query_one("SELECT to_regnamespace('plan') IS NOT NULL", &[])
        .expect("look for the ledger schema")
        .get(0);
    assert!(!ledger_schema, "a dry run created the ledger schema");
    assert_eq!(user_objects(&database), Vec::<String>::new());

    // After a partial apply, a dry run shows only what is left, still in plan order.
    plan(&database, project.path(), &["apply", "--to", "003"]).expect_ok();
    let before = (
        ledger(&database),
        history(&database),
        user_objects(&database),
    );
    let rest = plan(&database, project.path(), &["apply", "--dry-run"]).expect_ok();
    let headings: Vec<&str> = rest
        .stdout
        .lines()
        .filter(|line| line.starts_with("-- 00"))
        .collect();
    assert_eq!(
        headings,
        [
            "-- 004_search_index (migrations/004_search_index.sql), in one transaction with its ledger row",
            "-- 005_billing (migrations/005_billing.sql), in one transaction with its ledger row",
            "-- 002_reports (migrations/002_reports.sql), in one transaction with its ledger row",
        ],
        "{}",
        rest.transcript()
    );
    assert!(
        rest.stdout.contains("batch 2 would run"),
        "{}",
        rest.transcript()
    );
    let after = (
        ledger(&database),
        history(&database),
        user_objects(&database),
    );
    assert_eq!(before, after, "a dry run changed the database");
}

#[test]
fn a_changed_applied_file_stops_apply_until_accepted() {
    let database = test_db("changed_file_accepted");
    let project = TestProject::copy_of("tests/fixtures/branches");
    plan(&database, project.path(), &["apply"]).expect_ok();
    let original = project.read("migrations/003_search.sql");
    let changed = format!("{original}-- a comment added after the fact\n");
    project.write("migrations/003_search.sql", &changed);
    let (recorded, current) = (short_checksum(&original), short_checksum(&changed));

    plan(&database, project.path(), &["apply"])
        .expect_failed()
        .expect_stderr_has(&[
            "plan::apply::modified",
            "[migrations/003_search.sql:1:1]",
            &format!("003_search: applied with checksum {recorded}, it now has {current}"),
        ]);
    plan(&database, project.path(), &["status"])
        .expect_ok()
        .expect_stdout_has(&[
            "1 modified",
            &format!("003_search        modified     file changed since it was applied (checksum {recorded} → {current})"),
        ]);

    let reason = "only a comment was added";
    plan(
        &database,
        project.path(),
        &["accept", "003_search", "--reason", reason],
    )
    .expect_ok();
    let accepted: Vec<_> = history(&database)
        .into_iter()
        .filter(|line| line.action == "accept")
        .collect();
    assert_eq!(accepted.len(), 1, "{accepted:?}");
    assert_eq!(accepted[0].migration_id, "003_search");
    let detail = accepted[0].detail.clone().unwrap_or_default();
    assert!(detail.contains(reason), "{detail}");
    let row = ledger(&database)
        .into_iter()
        .find(|line| line.id == "003_search")
        .expect("003_search stays in the ledger");
    assert!(row.checksum.starts_with(&current), "{row:?}");

    plan(&database, project.path(), &["apply"])
        .expect_ok()
        .expect_stdout_has(&["nothing to apply"]);
    plan(&database, project.path(), &["status"])
        .expect_ok()
        .expect_stdout_has(&["5 applied, 0 pending"]);
}

#[test]
fn mixing_a_concurrent_index_with_other_statements_needs_the_header() {
    let project = TestProject::new(&[
        ("migrations/001_items.sql", "CREATE TABLE items (id int);\n"),
        (
            "migrations/002_mixed.sql",
            "CREATE TABLE more (id int);\nCREATE INDEX CONCURRENTLY more_id ON more (id);\n",
        ),
    ]);
    let database = test_db("mixed_transaction_rejected");
    plan_with_env(project.path(), &["show"], &[])
        .expect_invalid()
        .expect_stderr_has(&[
            "plan::apply::mixed_transaction",
            "[migrations/002_mixed.sql:2:1]",
        ]);
    plan(&database, project.path(), &["apply"]).expect_invalid();
    assert_eq!(user_objects(&database), Vec::<String>::new());
}

#[test]
fn no_transaction_migrations_apply_and_a_failed_concurrent_index_resumes() {
    let database = test_db("no_transaction_resume");
    let project = TestProject::new(&[
        ("migrations/001_items.sql", "CREATE TABLE items (id int);\n"),
        (
            "migrations/002_items_id.sql",
            "CREATE INDEX CONCURRENTLY items_id ON items (id);\n",
        ),
        (
            "migrations/003_codes.sql",
            "-- plan: no-transaction\n\
             CREATE TABLE codes (code text);\n\
             INSERT INTO codes VALUES ('a'), ('b'), ('a');\n\
             CREATE UNIQUE INDEX CONCURRENTLY codes_code ON codes (code);\n",
        ),
        ("migrations/004_after.sql", "CREATE TABLE after (id int);\n"),
    ]);
    plan(&database, project.path(), &["apply"])
        .expect_failed()
        .expect_stderr_has(&[
            "migration 003_codes failed",
            "23505",
            "[migrations/003_codes.sql:4:",
        ]);
    let rows: Vec<(String, String)> = ledger(&database)
        .into_iter()
        .map(|line| (line.id, line.state))
        .collect();
    assert_eq!(
        rows,
        pairs(&[
            ("001_items", "applied"),
            ("002_items_id", "applied"),
            ("003_codes", "partial"),
        ])
    );
    let mut client = database.client();
    let validity = |client: &mut postgres::Client| -> Vec<(String, bool)> {
        client
            .query(
                "SELECT c.relname::text, i.indisvalid FROM pg_index i
                 JOIN pg_class c ON c.oid = i.indexrelid
                 WHERE c.relnamespace = 'public'::regnamespace ORDER BY 1",
                &[],
            )
            .expect("list indexes")
            .iter()
            .map(|row| (row.get(0), row.get(1)))
            .collect()
    };
    assert_eq!(
        validity(&mut client),
        [
            ("codes_code".to_string(), false),
            ("items_id".to_string(), true),
        ],
        "the failed build leaves an INVALID index behind"
    );
    plan(&database, project.path(), &["status"])
        .expect_ok()
        .expect_stdout_has(&[
            "1 partial",
            "003_codes     partial      stopped part-way: the next run resumes at statement 3 of 3",
        ]);
    plan(&database, project.path(), &["apply", "--dry-run"])
        .expect_ok()
        .expect_stdout_has(&[
            "-- 003_codes (migrations/003_codes.sql), outside a transaction, resuming at statement 3 of 3\n\
             CREATE UNIQUE INDEX CONCURRENTLY codes_code ON codes (code);\n\n-- 004_after",
        ]);

    // The rerun resumes at the index: CREATE TABLE and INSERT, already committed, do not run
    // again (they would fail, or duplicate the rows).
    client
        .batch_execute(
            "DELETE FROM codes WHERE ctid = (SELECT max(ctid) FROM codes WHERE code = 'a')",
        )
        .expect("remove the duplicate");
    plan(&database, project.path(), &["apply"])
        .expect_ok()
        .expect_stdout_has(&["applied 2 migrations in batch"]);
    assert_eq!(
        validity(&mut client),
        [
            ("codes_code".to_string(), true),
            ("items_id".to_string(), true),
        ]
    );
    let codes: i64 = client
        .query_one("SELECT count(*) FROM codes", &[])
        .expect("count codes")
        .get(0);
    assert_eq!(codes, 2);
    assert!(
        ledger(&database).iter().all(|line| line.state == "applied"),
        "{:?}",
        ledger(&database)
    );
}

#[test]
fn a_begin_commit_file_fails_as_a_whole_with_its_ledger_row() {
    let database = test_db("begin_commit_atomic");
    let project = TestProject::new(&[
        ("migrations/001_first.sql", "CREATE TABLE first (id int);\n"),
        (
            "migrations/002_wrapped.sql",
            "BEGIN;\n\nCREATE TABLE a (id int);\n\nSELECT 1 / 0;\n\nCOMMIT;\n",
        ),
    ]);
    plan(&database, project.path(), &["apply"])
        .expect_failed()
        .expect_stderr_has(&["division by zero", "[migrations/002_wrapped.sql:5:"]);
    assert_eq!(ledger_ids(&database), ["001_first"]);
    assert_eq!(public_tables(&database), ["first"]);
}

#[test]
fn a_begin_commit_file_commits_only_with_its_steps_and_ledger_row() {
    // The file's own COMMIT must not end the migration's transaction: a step of plan.yaml runs
    // after the file, and when it fails, what the file did is rolled back too.
    let database = test_db("begin_commit_with_step");
    let project = TestProject::new(&[
        (
            "migrations/001_wrapped.sql",
            "BEGIN;\nCREATE TABLE a (id int);\nINSERT INTO a VALUES (1);\nCOMMIT;\n",
        ),
        (
            "plan.yaml",
            "migrations:\n  001_wrapped:\n    steps:\n      - assert: SELECT count(*) = 2 FROM a\n        message: a holds two rows\n",
        ),
    ]);
    plan(&database, project.path(), &["apply"])
        .expect_failed()
        .expect_stderr_has(&["assertion failed: a holds two rows"]);
    assert_eq!(ledger_ids(&database), Vec::<String>::new());
    assert_eq!(public_tables(&database), Vec::<String>::new());

    project.write(
        "plan.yaml",
        "migrations:\n  001_wrapped:\n    steps:\n      - assert: SELECT count(*) = 1 FROM a\n        message: a holds one row\n",
    );
    plan(&database, project.path(), &["apply"]).expect_ok();
    assert_eq!(ledger_ids(&database), ["001_wrapped"]);
    assert_eq!(public_tables(&database), ["a"]);
}

#[test]
fn a_password_in_database_url_appears_in_no_output() {
    // Characters a URL must percent-encode, so both spellings are looked for.
    let (password, password_encoded) = (
        "Xq7@unguessable/Secret:93%",
        "Xq7%40unguessable%2FSecret%3A93%25",
    );
    let (wrong, wrong_encoded) = ("Wrong@Guess/of:41%", "Wrong%40Guess%2Fof%3A41%25");
    let role = "apply_secret_owner";
    let url = password_database("password_never_shown", role, password);
    let with = |secret: &str| url.replacen(&format!("{role}@"), &format!("{role}:{secret}@"), 1);
    let project = TestProject::new(&[
        (
            "migrations/001_things.sql",
            "-- UP\nCREATE TABLE things (id int);\n-- DOWN\nDROP TABLE things;\n",
        ),
        (
            "migrations/002_broken.sql",
            "-- UP\nCREATE TABLE broken (id int;\n-- DOWN\nDROP TABLE broken;\n",
        ),
    ]);
    let commands: [&[&str]; 5] = [
        &["apply", "--dry-run"],
        &["apply"],
        &["status"],
        &["rollback", "--last-batch"],
        &["apply", "--to", "001"],
    ];
    let mut runs = Vec::new();
    // With the right password: the dry run and status succeed, apply fails on 002 after 001,
    // the rollback undoes 001, and the last apply succeeds.
    for (args, expected) in commands.iter().zip([0, 1, 0, 0, 0]) {
        let run = plan_with_env(
            project.path(),
            args,
            &[("DATABASE_URL", &with(password_encoded))],
        );
        assert_eq!(run.code, expected, "{}", run.transcript());
        runs.push(run);
    }
    assert!(
        runs[2].stdout.contains("1 applied") && runs[2].stdout.contains("127.0.0.1"),
        "status must have connected over TCP with the password: {}",
        runs[2].transcript()
    );
    for args in commands {
        let run = plan_with_env(
            project.path(),
            args,
            &[("DATABASE_URL", &with(wrong_encoded))],
        );
        assert_eq!(run.code, 1, "{}", run.transcript());
        assert!(
            run.stderr.contains("password authentication failed"),
            "{}",
            run.transcript()
        );
        runs.push(run);
    }
    for run in &runs {
        for secret in [password, password_encoded, wrong, wrong_encoded] {
            assert!(
                !run.stdout.contains(secret) && !run.stderr.contains(secret),
                "the password leaked:\n{}",
                run.transcript()
            );
        }
    }
}

/// The sessions the server counted on `database` (`pg_stat_database.sessions`, counted as each
/// ends), once every session but `client`'s own has ended: a session's statistics reach the
/// server before it leaves `pg_stat_activity`.
fn ended_sessions(client: &mut postgres::Client, database: &str) -> i64 {
    wait_for(
        "the other sessions to end",
        std::time::Duration::from_secs(30),
        || {
            let others: i64 = client
                .query_one(
                    "SELECT count(*) FROM pg_stat_activity \
                     WHERE datname = $1 AND pid <> pg_backend_pid()",
                    &[&database],
                )
                .ok()?
                .get(0);
            (others == 0).then_some(())
        },
    );
    client
        .query_one(
            "SELECT sessions FROM pg_stat_database WHERE datname = $1",
            &[&database],
        )
        .map(|row| row.get(0))
        .unwrap_or_else(|error| panic!("{error}"))
}

#[test]
fn an_apply_reads_the_ledger_and_runs_on_one_connection() {
    // The environment guard reads the ledger before the run, and the run takes its lock on
    // that same connection: one connection per apply, first or up to date, and per dry run.
    let database = test_db("apply_one_connection");
    let project = TestProject::new(&[
        ("migrations/001_a.sql", "CREATE TABLE a (id int);\n"),
        ("migrations/002_b.sql", "CREATE TABLE b (id int);\n"),
    ]);
    let mut client = database.client();
    let mut opened = Vec::new();
    let mut before = ended_sessions(&mut client, database.name());
    for args in [
        &["apply", "--dry-run"][..],
        &["apply", "--dry-run", "--format", "json"],
        &["apply", "--to", "001_a"],
        &["apply"],
        &["apply"],
    ] {
        plan(&database, project.path(), args).expect_ok();
        let after = ended_sessions(&mut client, database.name());
        opened.push(after - before);
        before = after;
    }
    assert_eq!(opened, [1, 1, 1, 1, 1], "sessions each run opened");
    assert_eq!(ledger_ids(&database), ["001_a", "002_b"]);
}
