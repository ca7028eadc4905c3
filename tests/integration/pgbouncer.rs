//! `plan apply` through PgBouncer in `pool_mode = transaction` (issue 17), where a session
//! advisory lock does not hold across transactions and a named prepared statement lands on
//! another server connection: plan finds the pooler, says so, takes the table lock and
//! prepares no named statement that outlives a transaction. Eight concurrent applies through
//! it apply each migration exactly once.
//!
//! Each test starts its own pgbouncer (the distribution's, PgBouncer 1.18 on Debian 12, with
//! its default settings but for the pool mode) in front of the shared test cluster, as the
//! cluster's OS user when the tests run as root. Missing, it is installed from Debian's
//! packages when the tests run as root (.ci/run installs it too); otherwise these tests skip,
//! saying why.

use std::io::Write;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::lock_table::{applied_in_history, log_rows, logging_project};
use crate::support::cluster::{cluster, password_database, test_db};
use crate::support::project::{finish, ledger_ids, plan_with_env, spawn_plan_at, wait_for};

/// A pgbouncer process in front of the test cluster, killed when dropped.
pub(crate) struct Bouncer {
    child: Child,
    port: u16,
    /// Holds the configuration, user list and log while it runs.
    directory: tempfile::TempDir,
}

impl Drop for Bouncer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The pgbouncer binary, if installed.
fn installed_pgbouncer() -> Option<PathBuf> {
    let mut candidates = vec![PathBuf::from("/usr/sbin/pgbouncer")];
    if let Some(path) = std::env::var_os("PATH") {
        candidates.extend(std::env::split_paths(&path).map(|dir| dir.join("pgbouncer")));
    }
    candidates.into_iter().find(|candidate| candidate.is_file())
}

/// The pgbouncer binary: installed, or installed now from Debian's packages when the tests run
/// as root (so that the README's `cargo test --locked` on a fresh machine runs these tests
/// too, as `.ci/run` does), once for all the tests.
fn pgbouncer_binary() -> Option<PathBuf> {
    static BINARY: std::sync::OnceLock<Option<PathBuf>> = std::sync::OnceLock::new();
    BINARY
        .get_or_init(|| {
            if let Some(binary) = installed_pgbouncer() {
                return Some(binary);
            }
            // Root, as `id -u` says: only root installs packages.
            let root = Command::new("id")
                .arg("-u")
                .output()
                .is_ok_and(|output| output.stdout.starts_with(b"0"));
            if root {
                let install = |args: &[&str]| {
                    Command::new("apt-get")
                        .args(args)
                        .env("DEBIAN_FRONTEND", "noninteractive")
                        .stdin(Stdio::null())
                        .stdout(Stdio::null())
                        .stderr(Stdio::null())
                        .status()
                        .is_ok_and(|status| status.success())
                };
                if !install(&["install", "-y", "-q", "pgbouncer"]) {
                    let _ = install(&["update", "-q"])
                        && install(&["install", "-y", "-q", "pgbouncer"]);
                }
            }
            installed_pgbouncer()
        })
        .clone()
}

/// Where pgbouncer listens: loopback TCP, or also a Unix socket in its own folder.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Listen {
    Tcp,
    TcpAndSocket,
}

/// Starts pgbouncer in transaction pooling in front of the test cluster, or `None` (with a
/// line on stderr) when it is not installed.
fn start_bouncer() -> Option<Bouncer> {
    start_bouncer_listening(Listen::Tcp, "")
}

/// [`start_bouncer`] with `extra` lines in its `[pgbouncer]` section (another module's tests).
pub(crate) fn start_bouncer_with(extra: &str) -> Option<Bouncer> {
    start_bouncer_listening(Listen::Tcp, extra)
}

/// [`start_bouncer`], listening as `listen` says, with `extra` lines in `[pgbouncer]`.
// The skip must be seen in the test output: a line on stderr is how.
#[allow(clippy::print_stderr)]
fn start_bouncer_listening(listen: Listen, extra: &str) -> Option<Bouncer> {
    let Some(binary) = pgbouncer_binary() else {
        eprintln!(
            "SKIPPED: pgbouncer is not installed (apt-get install -y pgbouncer; .ci/run installs it)"
        );
        return None;
    };
    let cluster = cluster();
    let directory = tempfile::tempdir().expect("a folder for pgbouncer");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free loopback port")
        .port();
    let userlist = directory.path().join("userlist.txt");
    std::fs::write(&userlist, "\"postgres\" \"\"\n").expect("write the user list");
    let ini = directory.path().join("pgbouncer.ini");
    let mut file = std::fs::File::create(&ini).expect("create pgbouncer.ini");
    write!(
        file,
        "[databases]\n* = host={socket} port={server_port}\n\n\
         [pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir = {socket_dir}\n\
         auth_type = trust\nauth_file = {userlist}\npool_mode = transaction\n\
         logfile = {log}\n{extra}",
        socket = cluster.socket_dir().display(),
        server_port = cluster.port(),
        socket_dir = match listen {
            Listen::Tcp => String::new(),
            Listen::TcpAndSocket => directory.path().display().to_string(),
        },
        userlist = userlist.display(),
        log = directory.path().join("pgbouncer.log").display(),
    )
    .expect("write pgbouncer.ini");
    let mut command = Command::new(binary);
    command
        .arg(&ini)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    // pgbouncer refuses to run as root: as root, run it as the cluster's OS user.
    if nix::unistd::geteuid().is_root() {
        let user = nix::unistd::User::from_name("postgres")
            .expect("look up the postgres OS user")
            .expect("the postgres OS user the test cluster runs as");
        chown_tree(directory.path(), &user);
        command.uid(user.uid.as_raw()).gid(user.gid.as_raw());
    }
    let child = command.spawn().expect("start pgbouncer");
    let bouncer = Bouncer {
        child,
        port,
        directory,
    };
    wait_for(
        "pgbouncer to accept connections",
        Duration::from_secs(20),
        || {
            postgres::Config::new()
                .host("127.0.0.1")
                .port(bouncer.port)
                .user("postgres")
                .dbname("postgres")
                .connect(postgres::NoTls)
                .ok()
        },
    );
    Some(bouncer)
}

fn chown_tree(path: &Path, user: &nix::unistd::User) {
    nix::unistd::chown(path, Some(user.uid), Some(user.gid)).expect("chown for pgbouncer");
    for entry in std::fs::read_dir(path).expect("list the pgbouncer folder") {
        let entry = entry.expect("a pgbouncer file");
        nix::unistd::chown(&entry.path(), Some(user.uid), Some(user.gid))
            .expect("chown for pgbouncer");
    }
}

impl Bouncer {
    /// The URL of `database` through this pgbouncer.
    pub(crate) fn url(&self, database: &str) -> String {
        format!("postgresql://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// The URL of `database` through this pgbouncer's Unix socket (with
    /// [`Listen::TcpAndSocket`]).
    fn socket_url(&self, database: &str) -> String {
        format!(
            "postgresql://postgres@/{database}?host={}&port={}",
            self.directory.path().display(),
            self.port
        )
    }

    /// Its log, for failure messages.
    fn log(&self) -> String {
        std::fs::read_to_string(self.directory.path().join("pgbouncer.log")).unwrap_or_default()
    }
}

#[test]
fn eight_applies_through_pgbouncer_with_the_table_lock_apply_each_migration_once() {
    // What plan.yaml says where some runs reach the database through a pooler.
    eight_applies_through_pgbouncer("pgbouncer_eight_table", "lock: table\n");
}

#[test]
fn eight_applies_through_pgbouncer_with_the_default_lock_each_find_the_pooler() {
    // plan.yaml says nothing of the lock: each run must find the pooler, however the eight
    // share the server connections, and take the table lock.
    eight_applies_through_pgbouncer("pgbouncer_eight_default", "# no `lock:` key\n");
}

/// Eight concurrent `plan apply` through PgBouncer in transaction pooling, on a fresh
/// database named `name` with plan.yaml `plan_yaml`: every run succeeds, one applies
/// everything, each migration is applied and recorded once.
fn eight_applies_through_pgbouncer(name: &str, plan_yaml: &str) {
    let Some(bouncer) = start_bouncer() else {
        return;
    };
    let database = test_db(name);
    let (project, ids) = logging_project(20, plan_yaml);
    let url = bouncer.url(database.name());
    let children: Vec<_> = (0..8)
        .map(|_| spawn_plan_at(&url, project.path(), &["apply"]))
        .collect();
    let runs: Vec<_> = children
        .into_iter()
        .map(|child| finish(child, &["apply"], Duration::from_secs(120)))
        .collect();
    for run in &runs {
        assert_eq!(
            run.code,
            0,
            "{}\npgbouncer log:\n{}",
            run.transcript(),
            bouncer.log()
        );
        assert!(run.stderr.contains(POOLER_FOUND), "{}", run.transcript());
    }
    let appliers = runs
        .iter()
        .filter(|run| run.stdout.contains("applied 20 migrations"))
        .count();
    assert_eq!(appliers, 1, "exactly one run applies everything");
    assert_eq!(ledger_ids(&database), ids);
    assert_eq!(log_rows(&database), ids);
    assert_eq!(applied_in_history(&database), ids);
}

/// The start of what a run says when it finds a pooler.
const POOLER_FOUND: &str = "a pooler or proxy stands between plan and the server (";

#[test]
fn a_run_through_pgbouncer_finds_the_pooler_and_takes_the_table_lock() {
    let Some(bouncer) = start_bouncer() else {
        return;
    };
    let database = test_db("pgbouncer_detected");
    // plan.yaml says nothing of the lock: the default advisory lock would not hold here.
    let (project, ids) = logging_project(12, "# no `lock:` key\n");
    let url = bouncer.url(database.name());
    let run = finish(
        spawn_plan_at(&url, project.path(), &["apply"]),
        &["apply"],
        Duration::from_secs(60),
    );
    assert_eq!(
        run.code,
        0,
        "{}\npgbouncer log:\n{}",
        run.transcript(),
        bouncer.log()
    );
    assert!(
        run.stderr.contains(
            "a pooler or proxy stands between plan and the server (the server process answering is connected to a Unix socket, not to plan's TCP connection): using the table lock `plan.migrations_lock` instead of the advisory lock, and no named prepared statements"
        ),
        "{}",
        run.transcript()
    );
    assert_eq!(ledger_ids(&database), ids);
    assert_eq!(log_rows(&database), ids);

    // Reading through the pooler works too, and a direct connection is not taken for one.
    let status = spawn_plan_at(&url, project.path(), &["status"]);
    finish(status, &["status"], Duration::from_secs(60)).expect_ok();
    let direct = spawn_plan_at(&database.url(), project.path(), &["apply"]);
    let direct = finish(direct, &["apply"], Duration::from_secs(60)).expect_ok();
    assert!(
        !direct.stderr.contains(POOLER_FOUND),
        "{}",
        direct.transcript()
    );
}

#[test]
fn a_run_through_pgbouncers_unix_socket_finds_the_pooler_by_its_port() {
    let Some(bouncer) = start_bouncer_listening(Listen::TcpAndSocket, "") else {
        return;
    };
    let database = test_db("pgbouncer_socket");
    let (project, ids) = logging_project(3, "# no `lock:` key\n");
    let url = bouncer.socket_url(database.name());
    let run = finish(
        spawn_plan_at(&url, project.path(), &["apply"]),
        &["apply"],
        Duration::from_secs(60),
    );
    assert_eq!(
        run.code,
        0,
        "{}\npgbouncer log:\n{}",
        run.transcript(),
        bouncer.log()
    );
    let said = format!(
        "a pooler or proxy stands between plan and the server (plan dialled the socket of port {}, the server listens on port {})",
        bouncer.port,
        cluster().port()
    );
    assert!(run.stderr.contains(&said), "{}", run.transcript());
    assert_eq!(ledger_ids(&database), ids);
}

/// A run over a direct TCP connection (to the password cluster) is known for one without
/// probing: no pooler is said, the advisory lock is taken (no lock table is made).
#[test]
fn a_direct_tcp_connection_keeps_the_advisory_lock() {
    let (role, password) = ("route_owner", "Route-s3cret-77");
    let url = password_database("direct_tcp_route", role, password);
    let with_password = url.replacen(&format!("{role}@"), &format!("{role}:{password}@"), 1);
    let (project, ids) = logging_project(3, "# no `lock:` key\n");
    let run = plan_with_env(
        project.path(),
        &["apply"],
        &[("DATABASE_URL", &with_password)],
    );
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(!run.stderr.contains(POOLER_FOUND), "{}", run.transcript());
    let mut client = postgres::Client::connect(&with_password, postgres::NoTls)
        .expect("connect to the password cluster");
    let lock_table = client
        .query_one(
            "SELECT to_regclass('plan.migrations_lock') IS NOT NULL",
            &[],
        )
        .expect("look for the lock table")
        .get::<_, bool>(0);
    assert!(
        !lock_table,
        "a direct run takes the advisory lock, not the lock row"
    );
    let applied: Vec<String> = client
        .query("SELECT migration FROM log ORDER BY migration", &[])
        .expect("read the log")
        .iter()
        .map(|row| row.get(0))
        .collect();
    assert_eq!(applied, ids);
}
