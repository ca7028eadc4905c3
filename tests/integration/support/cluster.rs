//! The test clusters: ONE socket-only `ScratchCluster` per test binary (kept in a `static`, so
//! it is never dropped: its watchdog removes it when the binary exits), and a fresh database
//! per test named after the test, so tests run in parallel without seeing each other.
//!
//! A database left by an earlier run of the same test is dropped when the test starts again,
//! not when it ends, so a failing test leaves its data behind to look at (while the cluster
//! lives). Missing server binaries fail the test with the fix; nothing is ever skipped.
//!
//! Also here: `password_cluster`, a second cluster listening on loopback TCP that demands
//! scram-sha-256 passwords over TCP, for password and password-file tests.

use std::path::Path;
use std::sync::{Mutex, OnceLock, PoisonError};

use pgplan::{ClusterOptions, ConnectionSettings, DbError, ScratchCluster, TcpListening};

static CLUSTER: OnceLock<ScratchCluster> = OnceLock::new();
static PASSWORD_CLUSTER: OnceLock<ScratchCluster> = OnceLock::new();

/// A database created for one test.
pub(crate) struct TestDatabase {
    name: String,
    settings: ConnectionSettings,
}

/// The shared socket-only cluster, started on first use.
pub(crate) fn cluster() -> &'static ScratchCluster {
    CLUSTER.get_or_init(|| start_cluster(&ClusterOptions::socket_only()))
}

/// A cluster that also listens on `127.0.0.1` and requires scram-sha-256 passwords there
/// (the socket stays trust, for setting up roles).
pub(crate) fn password_cluster() -> &'static ScratchCluster {
    PASSWORD_CLUSTER.get_or_init(|| {
        start_cluster(&ClusterOptions {
            tcp: Some(TcpListening { tls: None }),
            hba_rules: vec!["host all all 127.0.0.1/32 scram-sha-256".to_string()],
            settings: vec![(
                "password_encryption".to_string(),
                "scram-sha-256".to_string(),
            )],
        })
    })
}

/// Starts a cluster or fails the test with the error and what to do about it.
pub(crate) fn start_cluster(options: &ClusterOptions) -> ScratchCluster {
    ScratchCluster::start(options).unwrap_or_else(|error| panic!("{}", render(&error)))
}

/// A fresh, empty database called `name` in the shared cluster (dropping a stale one first).
pub(crate) fn test_db(name: &str) -> TestDatabase {
    let cluster = cluster();
    cluster
        .drop_database_if_exists(name)
        .unwrap_or_else(|error| panic!("{}", render(&error)));
    let settings = cluster
        .create_database(name)
        .unwrap_or_else(|error| panic!("{}", render(&error)));
    TestDatabase {
        name: name.to_string(),
        settings,
    }
}

/// An error with its code and help, as the CLI would show it (without colours).
pub(crate) fn render(error: &DbError) -> String {
    let mut text = String::new();
    let handler =
        miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::none()).with_width(100);
    if handler.render_report(&mut text, error).is_err() {
        text = error.to_string();
    }
    text
}

impl TestDatabase {
    /// What `run` returns, and the statements the server received for this database while it
    /// ran, read from the server log with `log_statement = all` set on this database only.
    /// The log is the cluster's: one test logs at a time, so that no other test's statements
    /// fall in the window (the log's lines do not say which database they are of).
    pub(crate) fn logged<T>(&self, run: impl FnOnce() -> T) -> (T, Vec<String>) {
        static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());
        let _window = ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner);
        let name = self.name();
        self.client()
            .batch_execute(&format!(
                "ALTER DATABASE \"{name}\" SET log_statement = 'all'"
            ))
            .expect("log the database's statements");
        let log_path = cluster().log_path();
        let start = std::fs::metadata(log_path).expect("the server log").len();
        let result = run();
        let statements = logged_statements(log_path, start);
        self.client()
            .batch_execute(&format!("ALTER DATABASE \"{name}\" RESET log_statement"))
            .expect("stop logging");
        (result, statements)
    }

    /// The database's name.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// Settings reaching the database as the superuser over the private socket.
    pub(crate) fn settings(&self) -> &ConnectionSettings {
        &self.settings
    }

    /// A new connection to the database.
    pub(crate) fn client(&self) -> postgres::Client {
        pgplan::internals::connect(&self.settings)
            .unwrap_or_else(|error| panic!("{}", render(&error)))
    }

    /// The database as a URL, for `--database-url` (no password: the socket trusts).
    pub(crate) fn url(&self) -> String {
        self.settings.to_string()
    }
}

/// A database on the password cluster owned by a role that logs in with `password` over TCP;
/// the URL returned names the role but not the password.
pub(crate) fn password_database(name: &str, role: &str, password: &str) -> String {
    let cluster = password_cluster();
    cluster
        .drop_database_if_exists(name)
        .expect("drop a stale database");
    let mut admin = pgplan::internals::connect(&cluster.settings_for("postgres"))
        .expect("connect to the password cluster over its socket");
    // One statement at a time: CREATE DATABASE cannot run in the implicit transaction of a
    // multi-statement query.
    for statement in [
        format!("DROP ROLE IF EXISTS {role}"),
        format!(
            "CREATE ROLE {role} LOGIN PASSWORD '{}'",
            password.replace('\'', "''")
        ),
        format!("CREATE DATABASE {name} OWNER {role}"),
    ] {
        admin
            .batch_execute(&statement)
            .expect("create the role and its database");
    }
    format!("postgresql://{role}@127.0.0.1:{}/{name}", cluster.port())
}

/// The statements logged in the server log at `log_path` from byte `start` on, one entry each
/// with its prefix (entries start with the default `%m [%p] `; a statement's own lines continue
/// the entry before them).
pub(crate) fn logged_statements(log_path: &Path, start: u64) -> Vec<String> {
    let log = std::fs::read(log_path).expect("read the server log");
    let start = usize::try_from(start).expect("the log fits in memory");
    let text = String::from_utf8_lossy(&log[start..]);
    let mut entries: Vec<String> = Vec::new();
    for line in text.lines() {
        let starts_entry = line.len() > 4
            && line.as_bytes()[..4].iter().all(u8::is_ascii_digit)
            && line.as_bytes()[4] == b'-';
        match entries.last_mut() {
            Some(entry) if !starts_entry => {
                entry.push('\n');
                entry.push_str(line);
            }
            _ => entries.push(line.to_string()),
        }
    }
    entries
        .into_iter()
        .filter(|entry| entry.contains("] LOG:  statement: ") || entry.contains("] LOG:  execute "))
        .collect()
}
