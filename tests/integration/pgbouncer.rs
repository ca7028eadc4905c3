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
use crate::support::cluster::{cluster, test_db};
use crate::support::project::{finish, ledger_ids, spawn_plan_at, wait_for};

/// A pgbouncer process in front of the test cluster, killed when dropped.
struct Bouncer {
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

/// Starts pgbouncer in transaction pooling in front of the test cluster, or `None` (with a
/// line on stderr) when it is not installed.
// The skip must be seen in the test output: a line on stderr is how.
#[allow(clippy::print_stderr)]
fn start_bouncer() -> Option<Bouncer> {
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
         [pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n\
         auth_type = trust\nauth_file = {userlist}\npool_mode = transaction\n\
         logfile = {log}\n",
        socket = cluster.socket_dir().display(),
        server_port = cluster.port(),
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
    fn url(&self, database: &str) -> String {
        format!("postgresql://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// Its log, for failure messages.
    fn log(&self) -> String {
        std::fs::read_to_string(self.directory.path().join("pgbouncer.log")).unwrap_or_default()
    }
}

#[test]
fn eight_applies_through_pgbouncer_in_transaction_pooling_apply_each_migration_once() {
    let Some(bouncer) = start_bouncer() else {
        return;
    };
    let database = test_db("pgbouncer_eight_applies");
    // What docs/poolers.md asks of a database some runs reach through a pooler.
    let (project, ids) = logging_project(20, "lock: table\n");
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
            "a transaction pooler serves this connection (the server process changed between two transactions): using the table lock `plan.migrations_lock` instead of the advisory lock, and no named prepared statements"
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
        !direct.stderr.contains("transaction pooler"),
        "{}",
        direct.transcript()
    );
}
