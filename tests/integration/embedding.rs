//! Migrating at start-up (`pgplan::startup`, `pgplan::embed`) as a service does it: the example
//! service (examples/service, its project embedded) run as real processes against the test
//! cluster. Eight replicas at once, a database that comes up late or never, verify-only mode,
//! and the embedded list kept equal to what a build script would write. The production
//! safeguards (backup, confirmation, the ledger's environment) through the library itself.
//!
//! `cargo test` builds the examples before it runs any test; the service's binary is found
//! beside this test binary's folder (target/debug/examples/service).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use pgplan::ConnectionSettings;
use pgplan::internals::{Ledger, LockKey};
use pgplan::startup::{Goal, Migrator, Retry, Started, StartupError};

use crate::support::cluster::{TestDatabase, cluster, test_db};
use crate::support::project::{
    Run, TestProject, crate_root, finish, history, ledger, ledger_exists, plan, public_tables,
    wait_for,
};

/// The example's migrations, in plan order.
const MIGRATIONS: [&str; 4] = [
    "001_accounts",
    "002_sessions",
    "003_audit_log",
    "004_accounts_email_unique",
];

/// The example service's binary, built by `cargo test` (or `cargo build --examples`).
fn service_binary() -> PathBuf {
    let test_binary = std::env::current_exe().expect("the test binary's path");
    // target/debug/deps/integration-… → target/debug/examples/service
    let binary = test_binary
        .parent()
        .and_then(Path::parent)
        .expect("target/debug")
        .join("examples/service");
    assert!(
        binary.is_file(),
        "{} is missing: `cargo test` builds it; with `cargo test --test integration`, run `cargo build --examples` first",
        binary.display()
    );
    binary
}

/// Starts the service with `args`, connecting through `DATABASE_URL=url`, with `env` added and
/// no connection setting inherited from the test process.
fn spawn_service(url: &str, args: &[&str], env: &[(&str, &str)]) -> Child {
    let mut command = Command::new(service_binary());
    command
        .args(args)
        .current_dir(crate_root())
        .env("NO_COLOR", "1")
        .env("DATABASE_URL", url)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        if name.starts_with("PG") {
            command.env_remove(name.as_ref());
        }
    }
    for (name, value) in env {
        command.env(name, value);
    }
    command.spawn().expect("the example service starts")
}

/// Runs the service to the end (at most a minute).
fn service(url: &str, args: &[&str]) -> Run {
    let mut label = vec!["[service]"];
    label.extend_from_slice(args);
    finish(
        spawn_service(url, args, &[]),
        &label,
        Duration::from_secs(60),
    )
}

/// A diagnostic's text with miette's line wrapping undone: the `│` gutter dropped and runs of
/// whitespace made single spaces.
fn unwrapped(rendered: &str) -> String {
    rendered
        .replace('│', " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The applies in the history: (migration, outcome), sorted.
fn applies(database: &TestDatabase) -> Vec<(String, String)> {
    let mut applies: Vec<(String, String)> = history(database)
        .into_iter()
        .filter(|line| line.action == "apply")
        .map(|line| (line.migration_id, line.outcome))
        .collect();
    applies.sort();
    applies
}

fn applied_once() -> Vec<(String, String)> {
    MIGRATIONS
        .iter()
        .map(|id| (id.to_string(), "ok".to_string()))
        .collect()
}

#[test]
fn eight_replicas_started_at_once_apply_each_migration_once_and_all_start() {
    let database = test_db("embedding_eight_replicas");
    // Hold the migrator's lock while the replicas start, so that all eight are waiting and
    // racing for it at the same moment when it is let go. A replica counts as waiting once it
    // has looked up the holder, which it does only after a failed try and just before it says
    // so; merely being connected is not enough (it may not have tried yet).
    let key = LockKey::from_name(&Ledger::new("plan", "migrations").name());
    let mut holder = database.client();
    holder
        .execute("SELECT pg_advisory_lock($1)", &[&key.value()])
        .expect("take the lock");
    let url = database.url();
    let replicas: Vec<Child> = (0..8)
        .map(|number| {
            spawn_service(
                &url,
                &[],
                &[("PGAPPNAME", format!("replica {number}").as_str())],
            )
        })
        .collect();
    let mut watcher = database.client();
    wait_for(
        "eight replicas waiting for the lock",
        Duration::from_secs(30),
        || {
            let waiting: i64 = watcher
                .query_one(
                    "SELECT count(*) FROM pg_stat_activity
                     WHERE datname = current_database() AND application_name LIKE 'replica %'
                       AND query LIKE '%FROM pg_locks%'",
                    &[],
                )
                .expect("count the replicas")
                .get(0);
            (waiting == 8).then_some(())
        },
    );
    holder
        .execute("SELECT pg_advisory_unlock($1)", &[&key.value()])
        .expect("let the lock go");

    let runs: Vec<Run> = replicas
        .into_iter()
        .map(|child| finish(child, &["[service replica]"], Duration::from_secs(60)))
        .collect();
    let mut applied_by = Vec::new();
    for (number, run) in runs.into_iter().enumerate() {
        let run = run
            .expect_ok()
            .expect_stderr_has(&["another run holds the migration lock; waiting"]);
        assert_eq!(run.stdout, "ready\n", "{}", run.transcript());
        let applied = run.stderr.matches(" applied ").count();
        if applied > 0 {
            applied_by.push((number, applied));
        }
    }
    assert_eq!(
        applied_by.len(),
        1,
        "one replica applies, the others find nothing to do: {applied_by:?}"
    );
    assert_eq!(applied_by[0].1, MIGRATIONS.len());
    let rows = ledger(&database);
    let ids: Vec<&str> = rows.iter().map(|row| row.id.as_str()).collect();
    assert_eq!(ids, MIGRATIONS);
    assert!(
        rows.iter()
            .all(|row| row.state == "applied" && row.batch == 1),
        "{rows:?}"
    );
    assert_eq!(applies(&database), applied_once());
}

#[test]
fn a_service_started_before_its_database_exists_starts_once_it_does() {
    let name = "embedding_late_database";
    let cluster = cluster();
    cluster
        .drop_database_if_exists(name)
        .expect("drop a stale database");
    // Until the database exists, every connection fails with 3D000: not up yet.
    let url = cluster.settings_for(name).to_string();
    let started = Instant::now();
    let mut child = spawn_service(&url, &["--wait", "30"], &[]);
    // Read its log as it goes, and create the database only once it has failed to connect.
    let log = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let stderr = child.stderr.take().expect("the service's stderr");
    let reader = {
        let log = std::sync::Arc::clone(&log);
        thread::spawn(move || {
            for line in std::io::BufRead::lines(std::io::BufReader::new(stderr)) {
                let line = line.expect("a line of the log");
                let mut log = log.lock().expect("the log");
                log.push_str(&line);
                log.push('\n');
            }
        })
    };
    let not_up_yet = |log: &std::sync::Mutex<String>| {
        log.lock()
            .expect("the log")
            .contains("the database is not up yet; retrying")
    };
    wait_for("a failed attempt", Duration::from_secs(30), || {
        not_up_yet(&log).then_some(())
    });
    let settings = cluster.create_database(name).expect("create the database");
    let run = finish(
        child,
        &["[service]", "--wait", "30"],
        Duration::from_secs(60),
    );
    reader.join().expect("the log reader");
    let log = log.lock().expect("the log").clone();
    assert_eq!(run.code, 0, "{}\n{log}", run.transcript());
    assert_eq!(run.stdout, "ready\n", "{log}");
    assert!(log.contains("does not exist"), "{log}");
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{:?}\n{log}",
        started.elapsed()
    );
    let mut client = pgplan::internals::connect(&settings).expect("connect");
    let applied: i64 = client
        .query_one("SELECT count(*) FROM plan.migrations", &[])
        .expect("read the ledger")
        .get(0);
    assert_eq!(applied, 4);
}

#[test]
fn past_its_retry_budget_a_service_exits_with_a_clear_error() {
    // No server at all: a socket folder where nothing listens.
    let nowhere = tempfile::tempdir().expect("an empty socket folder");
    let url = ConnectionSettings::for_socket(nowhere.path(), 5432, "app", "app").to_string();
    let started = Instant::now();
    let run = service(&url, &["--wait", "2"]).expect_failed();
    let message = unwrapped(&run.stderr);
    for part in [
        "the database is not up yet; retrying",
        "plan::startup::unreachable",
        "the database did not come up within 2s: gave up after",
        "could not connect to postgresql://app@:5432/app",
    ] {
        assert!(message.contains(part), "{part:?} in {}", run.transcript());
    }
    let took = started.elapsed();
    assert!(
        took >= Duration::from_secs(2) && took < Duration::from_secs(10),
        "{took:?}\n{}",
        run.transcript()
    );
    assert_eq!(run.stdout, "", "it never started");

    // A server that is up, and a database that never appears.
    let name = "embedding_database_never_created";
    cluster()
        .drop_database_if_exists(name)
        .expect("drop a stale database");
    let run = service(&cluster().settings_for(name).to_string(), &["--wait", "1"]).expect_failed();
    let message = unwrapped(&run.stderr);
    for part in [
        "plan::startup::unreachable",
        "database \"embedding_database_never_created\" does not exist",
    ] {
        assert!(message.contains(part), "{part:?} in {}", run.transcript());
    }
}

#[test]
fn verify_only_refuses_a_database_missing_a_migration_and_starts_on_one_that_has_them_all() {
    let database = test_db("embedding_verify_only");
    let url = database.url();
    service(&url, &["--to", "002"])
        .expect_ok()
        .expect_stdout_has(&["ready"]);

    let run = service(&url, &["--verify-only"]).expect_failed();
    let message = unwrapped(&run.stderr);
    for part in [
        "plan::startup::not_up_to_date",
        "is not up to date: 003_audit_log is pending, 004_accounts_email_unique is pending; this service only verifies, it does not migrate",
    ] {
        assert!(message.contains(part), "{part:?} in {}", run.transcript());
    }
    assert_eq!(run.stdout, "", "it did not start");
    let ids: Vec<String> = ledger(&database).into_iter().map(|row| row.id).collect();
    assert_eq!(
        ids,
        ["001_accounts", "002_sessions"],
        "verify-only changed nothing"
    );

    service(&url, &[]).expect_ok();
    service(&url, &["--verify-only"])
        .expect_ok()
        .expect_stdout_has(&["ready"])
        .expect_stderr_has(&["the database is up to date"]);

    // The embedded files are the folder's bytes: `plan` run on the folder sees every migration
    // applied with the same checksum, and has nothing to do.
    let folder = crate_root().join("examples/service/project");
    plan(&database, &folder, &["status"])
        .expect_ok()
        .expect_stdout_has(&[": 4 applied, 0 pending\n"]);
    plan(&database, &folder, &["apply"])
        .expect_ok()
        .expect_stdout_has(&["nothing to apply"]);
    assert_eq!(applies(&database), applied_once());
}

#[test]
fn an_embedded_project_with_a_cycle_fails_the_build_with_the_diagnostic_plan_prints() {
    // What the build script checks: the project read as `plan` reads it. Rendered the way
    // `plan` renders, the refusal must be byte for byte what `plan show` prints.
    let error = pgplan::embed::embedded_project_source(Path::new("tests/fixtures/cycle"))
        .expect_err("a cycle");
    let rendered = pgplan::internals::render_unstyled(&error);
    let show = Command::new(env!("CARGO_BIN_EXE_plan"))
        .args(["show", "--dir", "tests/fixtures/cycle"])
        .current_dir(crate_root())
        .env("NO_COLOR", "1")
        .output()
        .expect("plan show runs");
    assert_eq!(show.status.code(), Some(2));
    assert_eq!(rendered, String::from_utf8_lossy(&show.stderr));
    assert!(rendered.contains("plan::graph::cycle"), "{rendered}");
}

#[test]
fn a_service_crate_embedding_a_project_with_a_cycle_fails_to_compile() {
    // A service's own crate, as docs/embedding.md has it: build.rs calls the build script
    // helper, main.rs includes the list. Built in this test's target folder, offline, so that
    // only pgplan itself and the little crate compile.
    let service = tempfile::tempdir().expect("a crate folder");
    let root = crate_root();
    let write = |path: &str, text: &str| {
        let full = service.path().join(path);
        std::fs::create_dir_all(full.parent().expect("a parent")).expect("a folder");
        std::fs::write(full, text).expect("a file");
    };
    let dependency = format!("pgplan = {{ path = {:?} }}", root.display().to_string());
    write(
        "Cargo.toml",
        &format!(
            "[package]\nname = \"cyclic-service\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n\
             [dependencies]\n{dependency}\n\n[build-dependencies]\n{dependency}\n\n[workspace]\n"
        ),
    );
    write(
        "build.rs",
        "fn main() -> std::process::ExitCode {\n    pgplan::embed::build_script(\"project\", \"project.rs\")\n}\n",
    );
    write(
        "src/main.rs",
        "static PROJECT: pgplan::embed::EmbeddedFiles = include!(concat!(env!(\"OUT_DIR\"), \"/project.rs\"));\n\
         fn main() {\n    let _ = pgplan::Migrator::embedded(PROJECT);\n}\n",
    );
    let copy = |path: &str| {
        let text = std::fs::read_to_string(root.join("tests/fixtures/cycle").join(path))
            .expect("the cycle fixture");
        write(&format!("project/{path}"), &text);
    };
    std::fs::copy(root.join("Cargo.lock"), service.path().join("Cargo.lock"))
        .expect("the lock file");
    let target = std::env::current_exe()
        .expect("the test binary")
        .ancestors()
        .nth(3)
        .expect("the target folder")
        .to_path_buf();
    let build = || {
        Command::new(env!("CARGO"))
            .args(["build", "--offline", "--quiet"])
            .current_dir(service.path())
            .env("CARGO_TARGET_DIR", &target)
            .env("NO_COLOR", "1")
            .env("CARGO_TERM_COLOR", "never")
            .output()
            .expect("cargo runs")
    };

    // The fixture's migrations alone form no cycle: the crate builds.
    for path in [
        "migrations/001_a.sql",
        "migrations/002_b.sql",
        "migrations/003_c.sql",
    ] {
        copy(path);
    }
    let output = build();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // Its plan.yaml closes the cycle (003_c depends on 002_b): the build script runs again and
    // the build fails.
    copy("plan.yaml");
    let output = build();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "the build must fail:\n{stderr}");
    for part in [
        "failed to run custom build command for `cyclic-service",
        "1 problem in project",
        "plan::graph::cycle",
        "dependency cycle: 001_a → 003_c → 002_b → 001_a",
        "[migrations/001_a.sql:1:13]",
    ] {
        assert!(stderr.contains(part), "{part:?} in:\n{stderr}");
    }
}

#[test]
fn the_example_service_embeds_its_project_as_the_build_script_would() {
    // Paths are relative to the package root, the working directory of `cargo test` as of a
    // build script.
    let (source, files) =
        pgplan::embed::embedded_project_source(Path::new("examples/service/project"))
            .expect("the example project is valid");
    let checked_in = crate_root().join("examples/service/embedded.rs");
    if std::env::var_os("PGPLAN_UPDATE_EMBEDDED").is_some() {
        std::fs::write(&checked_in, &source).expect("rewrite embedded.rs");
    }
    assert_eq!(
        std::fs::read_to_string(&checked_in).expect("examples/service/embedded.rs"),
        source,
        "examples/service/embedded.rs is stale: run this test again with PGPLAN_UPDATE_EMBEDDED=1"
    );
    let paths: Vec<String> = files
        .paths()
        .map(|path| path.display().to_string())
        .collect();
    assert_eq!(
        paths,
        [
            "migrations/001_accounts.sql",
            "migrations/002_sessions.down.sql",
            "migrations/002_sessions.sql",
            "migrations/003_audit_log.sql",
            "migrations/004_accounts_email_unique.sql",
            "migrations/steps/003_first_entry.sql",
            "plan.yaml",
        ]
    );
}

/// A project whose production requires a backup, and whose staging requires nothing.
fn guarded_project() -> TestProject {
    TestProject::new(&[
        (
            "plan.yaml",
            "environments:\n  production: {backup: required}\n  staging: {}\n",
        ),
        (
            "migrations/001_accounts.sql",
            "CREATE TABLE accounts (id int PRIMARY KEY);\n",
        ),
    ])
}

fn migrator(project: &TestProject) -> Migrator {
    Migrator::from_folder(project.path())
        .expect("a valid project")
        .with_retry(Retry::never())
}

/// The names of the files in `directory`, sorted.
fn files_in(directory: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(directory)
        .expect("read the backup folder")
        .map(|entry| {
            entry
                .expect("a folder entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}

fn applied_ids(outcome: &Started) -> Vec<String> {
    match outcome {
        Started::Applied(report) => report
            .applied
            .iter()
            .map(|(id, _)| id.to_string())
            .collect(),
        Started::Verified { .. } => panic!("an apply, not a verification: {outcome:?}"),
    }
}

#[test]
fn a_migrator_in_production_refuses_without_a_backup_folder_and_backs_up_with_one() {
    let database = test_db("startup_production_backup");
    let project = guarded_project();
    let error = migrator(&project)
        .with_environment("production")
        .run(database.settings())
        .expect_err("backup: required, and no folder");
    assert!(
        matches!(&error, StartupError::BackupDirNeeded { environment } if environment == "production"),
        "{error:?}"
    );
    assert!(error.is_invalid_configuration());
    let rendered = format!("{:?}", miette::Report::new(error));
    assert!(
        rendered.contains("plan::startup::backup_dir_needed"),
        "{rendered}"
    );
    assert!(
        !ledger_exists(&mut database.client()),
        "refused before anything: no ledger"
    );
    assert_eq!(public_tables(&database), Vec::<String>::new());

    let backups = tempfile::tempdir().expect("a backup folder");
    let outcome = migrator(&project)
        .with_environment("production")
        .backup_to(backups.path())
        .run(database.settings())
        .expect("applies with a backup");
    assert_eq!(applied_ids(&outcome), ["001_accounts"]);
    let files = files_in(backups.path());
    assert_eq!(
        files.len(),
        1,
        "one verified archive, no partial file: {files:?}"
    );
    assert!(
        files[0].starts_with("startup_production_backup-") && files[0].ends_with("Z-all.dump"),
        "named as plan apply names it: {files:?}"
    );
    let archive = backups.path().join(&files[0]);
    let recorded: Vec<(String, String, String)> = history(&database)
        .into_iter()
        .map(|line| {
            (
                line.action,
                line.migration_id,
                line.detail.unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(recorded.len(), 2, "{recorded:?}");
    assert_eq!(
        recorded[0].0, "backup",
        "recorded before the apply: {recorded:?}"
    );
    assert!(
        recorded[0]
            .2
            .starts_with(&format!("{} (", archive.display()))
            && recorded[0]
                .2
                .ends_with("archive entries, verified with pg_restore --list)"),
        "the detail plan apply records: {recorded:?}"
    );
    assert_eq!(
        (recorded[1].0.as_str(), recorded[1].1.as_str()),
        ("apply", "001_accounts")
    );
    let environment: Option<String> = database
        .client()
        .query_one(
            "SELECT environment FROM plan.migrations_history WHERE action = 'backup'",
            &[],
        )
        .expect("read the backup's row")
        .get(0);
    assert_eq!(environment.as_deref(), Some("production"));
}

/// Replicas that start together and each owe a backup back up once between them: the one that
/// wins the lock, before its first statement; the others find nothing to apply and take none.
#[test]
fn issue_12_replicas_that_owe_a_backup_take_one_between_them() {
    let database = test_db("startup_one_backup_for_replicas");
    let project = guarded_project();
    let folders: Vec<tempfile::TempDir> = (0..4)
        .map(|_| tempfile::tempdir().expect("a backup folder"))
        .collect();
    let start = std::sync::Barrier::new(folders.len());
    let outcomes: Vec<Started> = std::thread::scope(|scope| {
        let replicas: Vec<_> = folders
            .iter()
            .map(|folder| {
                let (project, start, database) = (&project, &start, &database);
                scope.spawn(move || {
                    let replica = migrator(project)
                        .with_environment("production")
                        .backup_to(folder.path());
                    start.wait();
                    replica
                        .run(database.settings())
                        .expect("each replica starts")
                })
            })
            .collect();
        replicas
            .into_iter()
            .map(|replica| replica.join().expect("no replica panics"))
            .collect()
    });
    let applied: Vec<Vec<String>> = outcomes.iter().map(applied_ids).collect();
    assert_eq!(
        applied.iter().filter(|ids| !ids.is_empty()).count(),
        1,
        "one replica applies: {applied:?}"
    );
    let archives: Vec<String> = folders
        .iter()
        .flat_map(|folder| files_in(folder.path()))
        .collect();
    assert_eq!(archives.len(), 1, "one backup between them: {archives:?}");
    let actions: Vec<String> = history(&database)
        .into_iter()
        .map(|line| line.action)
        .collect();
    assert_eq!(actions, ["backup", "apply"]);
}

/// A verifying replica resolves the environment as an applying one does: on a database
/// migrated as production, a production-only migration it lacks is missing, not skipped.
#[test]
fn issue_12_verify_only_checks_a_database_migrated_as_production_as_production() {
    let database = test_db("startup_verify_as_production");
    let project = TestProject::new(&[
        (
            "plan.yaml",
            "environments:\n  production: {}\n  staging: {}\n",
        ),
        (
            "migrations/001_accounts.sql",
            "CREATE TABLE accounts (id int PRIMARY KEY);\n",
        ),
        (
            "migrations/002_audit.sql",
            "-- environment: production\nCREATE TABLE audit (id int);\n",
        ),
    ]);
    migrator(&project)
        .with_environment("production")
        .with_goal(Goal::ApplyTo("001_accounts".to_string()))
        .run(database.settings())
        .expect("001 applied in production");
    let error = migrator(&project)
        .with_goal(Goal::VerifyOnly)
        .run(database.settings())
        .expect_err("002 runs in production, and this database is production");
    match &error {
        StartupError::NotUpToDate { migrations, .. } => {
            let ids: Vec<&str> = migrations.iter().map(|m| m.id.as_str()).collect();
            assert_eq!(ids, ["002_audit"], "{error:?}");
        }
        other => panic!("not up to date, not {other:?}"),
    }
}

#[test]
fn a_database_migrated_as_production_stays_production_for_a_migrator_without_an_environment() {
    let database = test_db("startup_stays_production");
    let project = guarded_project();
    let backups = tempfile::tempdir().expect("a backup folder");
    migrator(&project)
        .with_environment("production")
        .backup_to(backups.path())
        .run(database.settings())
        .expect("applies with a backup");
    project.write(
        "migrations/002_sessions.sql",
        "CREATE TABLE sessions (id int PRIMARY KEY);\n",
    );
    let before = history(&database);

    let error = migrator(&project)
        .run(database.settings())
        .expect_err("the ledger records production");
    assert!(
        matches!(&error, StartupError::BackupDirNeeded { environment } if environment == "production"),
        "{error:?}"
    );
    let error = migrator(&project)
        .with_environment("staging")
        .backup_to(backups.path())
        .run(database.settings())
        .expect_err("staging on a production database");
    assert!(
        matches!(
            &error,
            StartupError::EnvironmentMismatch { environment: Some(staging), recorded }
                if staging == "staging" && recorded == "production"
        ),
        "{error:?}"
    );
    assert!(error.is_invalid_configuration());
    assert_eq!(history(&database), before, "refusals change nothing");
    assert_eq!(files_in(backups.path()).len(), 1, "and take no backup");

    // Another folder: a file named after the same second would be refused as existing.
    let more_backups = tempfile::tempdir().expect("a second backup folder");
    let outcome = migrator(&project)
        .backup_to(more_backups.path())
        .run(database.settings())
        .expect("applies as production, with a backup");
    assert_eq!(applied_ids(&outcome), ["002_sessions"]);
    assert_eq!(files_in(more_backups.path()).len(), 1);
    let environments: Vec<(String, Option<String>)> = database
        .client()
        .query(
            "SELECT id, environment FROM plan.migrations ORDER BY id",
            &[],
        )
        .expect("read the ledger")
        .iter()
        .map(|row| (row.get(0), row.get(1)))
        .collect();
    assert_eq!(
        environments,
        [
            ("001_accounts".to_string(), Some("production".to_string())),
            ("002_sessions".to_string(), Some("production".to_string())),
        ]
    );
}
