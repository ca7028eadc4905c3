//! Projects and runs of the `plan` binary for the apply, status and rollback tests: a project
//! written into a temporary folder (`TestProject`), the binary run in that folder against a
//! `TestDatabase` (`plan`, `plan_with_env`, `spawn_plan`), bounded waiting for a spawned run,
//! what a test reads back from the database (ledger, history, user objects), and the insta
//! filters that redact sockets, timings, timestamps and pids.
//!
//! The binary always runs with the project folder as its working directory and the default
//! `--dir .`, so messages name `migrations/…` and no temporary path reaches a snapshot. The
//! connection comes from `--database-url` (or, for secrets, the environment given), never from
//! whatever `PG*` variables the test process happens to have.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use tempfile::TempDir;

use crate::support::cluster::TestDatabase;

/// Insta filters for transcripts: the port and socket directory in URLs, durations, timestamps,
/// pids.
pub(crate) const FILTERS: &[(&str, &str)] = &[
    (r"@:\d+/", "@:[port]/"),
    (r"\?host=[^\s:,)]+", "?host=[socket]"),
    (r"\b\d+ ms\b", "[n] ms"),
    (r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", "[timestamp]"),
    (r"\bpid \d+", "pid [pid]"),
];

/// A project folder in a temporary directory, removed when dropped.
pub(crate) struct TestProject {
    dir: TempDir,
}

/// A finished run of `plan`: what was asked, the exit code and both streams.
#[derive(Debug)]
pub(crate) struct Run {
    args: String,
    /// The exit code (-1 when killed by a signal).
    pub(crate) code: i32,
    /// Standard output.
    pub(crate) stdout: String,
    /// Standard error.
    pub(crate) stderr: String,
}

/// One row of the ledger, as read back by a test.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct LedgerLine {
    pub(crate) id: String,
    pub(crate) state: String,
    pub(crate) batch: i32,
    pub(crate) checksum: String,
}

/// One row of the history, as read back by a test.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct HistoryLine {
    pub(crate) migration_id: String,
    pub(crate) action: String,
    pub(crate) outcome: String,
    pub(crate) detail: Option<String>,
}

impl TestProject {
    /// A project made of these files (path relative to the project folder, text).
    pub(crate) fn new(files: &[(&str, &str)]) -> TestProject {
        let project = TestProject {
            dir: tempfile::tempdir().expect("a temporary project folder"),
        };
        for (path, text) in files {
            project.write(path, text);
        }
        project
    }

    /// A copy of a fixture folder (relative to the crate root, e.g. `tests/fixtures/branches`),
    /// so a test can change its files.
    pub(crate) fn copy_of(fixture: &str) -> TestProject {
        let project = TestProject {
            dir: tempfile::tempdir().expect("a temporary project folder"),
        };
        copy_tree(&crate_root().join(fixture), project.path());
        project
    }

    /// The project folder.
    pub(crate) fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes (or replaces) one file, creating its folder.
    pub(crate) fn write(&self, path: &str, text: &str) {
        let full = self.path().join(path);
        if let Some(parent) = full.parent() {
            std::fs::create_dir_all(parent).expect("create the project folder");
        }
        std::fs::write(&full, text).unwrap_or_else(|error| panic!("write {path}: {error}"));
    }

    /// The text of one file.
    pub(crate) fn read(&self, path: &str) -> String {
        std::fs::read_to_string(self.path().join(path))
            .unwrap_or_else(|error| panic!("read {path}: {error}"))
    }
}

impl Run {
    /// `$ plan ARGS`, the exit code and both streams, for assertion messages and snapshots.
    pub(crate) fn transcript(&self) -> String {
        format!(
            "$ plan {}\nexit: {}\n--- stdout\n{}--- stderr\n{}",
            self.args, self.code, self.stdout, self.stderr
        )
    }

    /// Asserts exit 0.
    #[track_caller]
    pub(crate) fn expect_ok(self) -> Run {
        assert_eq!(self.code, 0, "expected success:\n{}", self.transcript());
        self
    }

    /// Asserts exit 1: the operation failed.
    #[track_caller]
    pub(crate) fn expect_failed(self) -> Run {
        assert_eq!(self.code, 1, "expected exit 1:\n{}", self.transcript());
        self
    }

    /// Asserts exit 2: invalid input.
    #[track_caller]
    pub(crate) fn expect_invalid(self) -> Run {
        assert_eq!(self.code, 2, "expected exit 2:\n{}", self.transcript());
        self
    }

    /// Asserts that stderr contains every one of `parts`.
    #[track_caller]
    pub(crate) fn expect_stderr_has(self, parts: &[&str]) -> Run {
        for part in parts {
            assert!(
                self.stderr.contains(part),
                "expected stderr to contain {part:?}:\n{}",
                self.transcript()
            );
        }
        self
    }

    /// Asserts that stdout contains every one of `parts`.
    #[track_caller]
    pub(crate) fn expect_stdout_has(self, parts: &[&str]) -> Run {
        for part in parts {
            assert!(
                self.stdout.contains(part),
                "expected stdout to contain {part:?}:\n{}",
                self.transcript()
            );
        }
        self
    }

    fn from_output(args: &[&str], output: &Output) -> Run {
        Run {
            args: args.join(" "),
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

/// 001 everywhere, then 002 only in production (environments production and staging), in a
/// sequence.
pub(crate) fn production_last() -> TestProject {
    TestProject::new(&[
        (
            "plan.yaml",
            "environments:\n  production: {}\n  staging: {}\n",
        ),
        ("migrations/001_a.sql", "CREATE TABLE a (id int);\n"),
        (
            "migrations/002_b.sql",
            "-- environment: production\nCREATE TABLE b (id int);\n",
        ),
    ])
}

/// Runs `plan ARGS --database-url URL` in `dir` against `database`, and waits (at most a
/// minute) for it to finish.
pub(crate) fn plan(database: &TestDatabase, dir: &Path, args: &[&str]) -> Run {
    let child = spawn_plan(database, dir, args);
    finish(child, args, Duration::from_secs(60))
}

/// Runs `plan ARGS` in `dir` with extra environment variables (e.g. `DATABASE_URL`), and waits
/// (at most a minute) for it to finish.
pub(crate) fn plan_with_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut command = plan_command(dir, args);
    for (name, value) in env {
        command.env(name, value);
    }
    let child = command.spawn().expect("the plan binary starts");
    finish(child, args, Duration::from_secs(60))
}

/// Starts `plan ARGS --database-url URL` in `dir` without waiting; finish it with [`finish`].
pub(crate) fn spawn_plan(database: &TestDatabase, dir: &Path, args: &[&str]) -> Child {
    spawn_plan_at(&database.url(), dir, args)
}

/// Starts `plan ARGS --database-url URL` in `dir` without waiting, for a URL that is not a test
/// database's own (a pooler in front of it); finish it with [`finish`].
pub(crate) fn spawn_plan_at(url: &str, dir: &Path, args: &[&str]) -> Child {
    let mut with_url: Vec<&str> = args.to_vec();
    with_url.extend(["--database-url", url]);
    plan_command(dir, &with_url)
        .spawn()
        .expect("the plan binary starts")
}

/// Waits for a spawned run, at most `limit`: past it the process is killed and the test
/// fails, naming what was run.
pub(crate) fn finish(child: Child, args: &[&str], limit: Duration) -> Run {
    let pid = child.id();
    let (sender, receiver) = mpsc::channel();
    thread::spawn(move || {
        let _ = sender.send(child.wait_with_output());
    });
    match receiver.recv_timeout(limit) {
        Ok(Ok(output)) => Run::from_output(args, &output),
        Ok(Err(error)) => panic!("waiting for `plan {}`: {error}", args.join(" ")),
        Err(_) => {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(i32::try_from(pid).expect("pids fit in i32")),
                nix::sys::signal::Signal::SIGKILL,
            );
            panic!(
                "`plan {}` did not finish within {limit:?}; it was killed",
                args.join(" ")
            )
        }
    }
}

/// Polls `probe` every 50 ms until it returns `Some`, at most `limit`; fails the test with
/// `what` otherwise.
#[track_caller]
pub(crate) fn wait_for<T>(what: &str, limit: Duration, mut probe: impl FnMut() -> Option<T>) -> T {
    let started = Instant::now();
    loop {
        if let Some(value) = probe() {
            return value;
        }
        assert!(
            started.elapsed() < limit,
            "gave up after {limit:?} waiting for {what}"
        );
        thread::sleep(Duration::from_millis(50));
    }
}

/// The ledger's rows by ID; empty when the ledger does not exist.
pub(crate) fn ledger(database: &TestDatabase) -> Vec<LedgerLine> {
    let mut client = database.client();
    if !ledger_exists(&mut client) {
        return Vec::new();
    }
    client
        .query(
            "SELECT id, state, batch, checksum FROM plan.migrations ORDER BY id",
            &[],
        )
        .expect("read the ledger")
        .iter()
        .map(|row| LedgerLine {
            id: row.get(0),
            state: row.get(1),
            batch: row.get(2),
            checksum: row.get(3),
        })
        .collect()
}

/// The IDs in the ledger, sorted.
pub(crate) fn ledger_ids(database: &TestDatabase) -> Vec<String> {
    ledger(database).into_iter().map(|line| line.id).collect()
}

/// The history, oldest first; empty when the ledger does not exist.
pub(crate) fn history(database: &TestDatabase) -> Vec<HistoryLine> {
    let mut client = database.client();
    if !ledger_exists(&mut client) {
        return Vec::new();
    }
    client
        .query(
            "SELECT migration_id, action, outcome, detail FROM plan.migrations_history ORDER BY event",
            &[],
        )
        .expect("read the history")
        .iter()
        .map(|row| HistoryLine {
            migration_id: row.get(0),
            action: row.get(1),
            outcome: row.get(2),
            detail: row.get(3),
        })
        .collect()
}

/// Whether the default ledger table `plan.migrations` exists.
pub(crate) fn ledger_exists(client: &mut postgres::Client) -> bool {
    client
        .query_one("SELECT to_regclass('plan.migrations') IS NOT NULL", &[])
        .expect("look for the ledger")
        .get(0)
}

/// The ordinary tables of `public`, sorted.
pub(crate) fn public_tables(database: &TestDatabase) -> Vec<String> {
    database
        .client()
        .query(
            "SELECT relname::text FROM pg_class
             WHERE relnamespace = 'public'::regnamespace AND relkind = 'r' ORDER BY 1",
            &[],
        )
        .expect("list tables")
        .iter()
        .map(|row| row.get(0))
        .collect()
}

/// Every user object outside the ledger's schema `plan`: schemas (other than the default
/// `public`), relations (tables, views, sequences, indexes, …), functions and types, as
/// `kind schema.name`, sorted. Empty means the database holds nothing but the ledger.
pub(crate) fn user_objects(database: &TestDatabase) -> Vec<String> {
    database
        .client()
        .query(
            "WITH system(name) AS (VALUES ('pg_catalog'), ('information_schema'), ('pg_toast'), ('plan')),
                  user_schemas AS (
                      SELECT oid, nspname FROM pg_namespace
                      WHERE nspname NOT IN (SELECT name FROM system)
                        AND nspname NOT LIKE 'pg_temp_%' AND nspname NOT LIKE 'pg_toast_temp_%')
             SELECT kind || ' ' || name FROM (
                 SELECT 'schema' AS kind, nspname::text AS name FROM user_schemas
                 WHERE nspname <> 'public'
                 UNION ALL
                 SELECT 'relation(' || c.relkind::text || ')', s.nspname || '.' || c.relname
                 FROM pg_class c JOIN user_schemas s ON s.oid = c.relnamespace
                 UNION ALL
                 SELECT 'function', s.nspname || '.' || p.proname
                 FROM pg_proc p JOIN user_schemas s ON s.oid = p.pronamespace
                 UNION ALL
                 SELECT 'type', s.nspname || '.' || t.typname
                 FROM pg_type t JOIN user_schemas s ON s.oid = t.typnamespace
             ) AS objects ORDER BY 1",
            &[],
        )
        .expect("list user objects")
        .iter()
        .map(|row| row.get(0))
        .collect()
}

/// The crate root: where `cargo test` runs and where the worked example lives.
pub(crate) fn crate_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The `plan` binary in `dir`, with colours off, output captured and no inherited connection
/// settings.
fn plan_command(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_plan"));
    command
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        // The project cache of the tests' own, not the home folder's.
        .env("XDG_CACHE_HOME", test_cache_home())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    without_connection_variables(&mut command);
    command
}

/// Where the `plan` runs of the tests keep the project cache: under cargo's folder for tests'
/// temporary files, never the home folder of whoever runs them.
pub(crate) fn test_cache_home() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("cache-home")
}

/// Removes `DATABASE_URL` and every `PG*` variable the test process has from `command`'s
/// environment, so that a run connects where its arguments say and nowhere else.
pub(crate) fn without_connection_variables(command: &mut Command) {
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        if name == "DATABASE_URL" || name.starts_with("PG") {
            command.env_remove(name.as_ref());
        }
    }
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create the copy");
    for entry in
        std::fs::read_dir(from).unwrap_or_else(|error| panic!("read {}: {error}", from.display()))
    {
        let entry = entry.expect("a directory entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("a file type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy a fixture file");
        }
    }
}
