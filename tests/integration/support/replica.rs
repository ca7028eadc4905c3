//! A primary with a streaming standby, for plan.yaml `wait_for_replicas`: a scratch cluster
//! started with `wal_level=replica` and a `pg_hba.conf` line that lets replication
//! connections in over its socket, and a standby made from it with `pg_basebackup -R` and
//! started with `pg_ctl` (as the `postgres` OS user when we are root) on a socket of its own.
//!
//! The standby is stopped (`pg_ctl stop -m immediate`) and its files deleted when the
//! `Replicated` drops; a test killed outright leaves it running until the next reboot, trying
//! to reach a primary whose watchdog has removed it.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use pgplan::{ClusterOptions, ConnectionSettings, ScratchCluster};

use super::cluster::{render, start_cluster};

/// How long a standby may take to start streaming: a healthy one takes well under a second.
const STREAMING_DEADLINE: Duration = Duration::from_secs(60);

/// A primary and one standby streaming from it. Fields drop in order: the standby first.
pub(crate) struct Replicated {
    /// The standby.
    pub(crate) standby: Standby,
    /// The primary.
    pub(crate) primary: ScratchCluster,
}

/// A standby: its data directory and socket under a temporary directory of its own.
pub(crate) struct Standby {
    name: String,
    bindir: PathBuf,
    data_dir: PathBuf,
    socket_dir: PathBuf,
    port: u16,
    directory: tempfile::TempDir,
}

/// Starts a primary, creates `database` on it, and makes a standby of it called `name` (its
/// `cluster_name`, so its `application_name` in `pg_stat_replication`), returning once the
/// primary shows the standby streaming.
pub(crate) fn replicated(name: &str, database: &str) -> Replicated {
    let primary = start_cluster(&ClusterOptions {
        hba_rules: vec!["local replication all trust".to_string()],
        settings: vec![
            ("wal_level".to_string(), "replica".to_string()),
            ("max_wal_senders".to_string(), "4".to_string()),
            // The scratch default (off) makes a base backup's pages unsafe to replay.
            ("full_page_writes".to_string(), "on".to_string()),
        ],
        ..ClusterOptions::default()
    });
    primary
        .create_database(database)
        .unwrap_or_else(|error| panic!("{}", render(&error)));
    let standby = Standby::make(&primary, name);
    standby.wait_until_streaming(&primary);
    Replicated { standby, primary }
}

impl Standby {
    fn make(primary: &ScratchCluster, name: &str) -> Standby {
        let directory = tempfile::Builder::new()
            .prefix("plan-standby-")
            .tempdir()
            .expect("a temporary directory for the standby");
        give_to_postgres(directory.path());
        let socket_dir = directory.path().join("socket");
        std::fs::create_dir(&socket_dir).expect("create the standby's socket directory");
        give_to_postgres(&socket_dir);
        let standby = Standby {
            name: name.to_string(),
            bindir: primary.bindir().to_path_buf(),
            data_dir: directory.path().join("data"),
            socket_dir,
            port: primary.port(),
            directory,
        };
        let port = primary.port().to_string();
        standby.run(
            "pg_basebackup",
            &[
                "-D".as_ref(),
                standby.data_dir.as_os_str(),
                "-R".as_ref(),
                "--checkpoint=fast".as_ref(),
                "-X".as_ref(),
                "stream".as_ref(),
                "-h".as_ref(),
                primary.socket_dir().as_os_str(),
                "-p".as_ref(),
                port.as_ref(),
                "-U".as_ref(),
                "postgres".as_ref(),
            ],
        );
        let options = format!(
            "-p {} -k {} -c listen_addresses='' -c cluster_name={name} -c hot_standby=on",
            standby.port,
            standby.socket_dir.display()
        );
        let log = standby.directory.path().join("standby.log");
        standby.run(
            "pg_ctl",
            &[
                "-D".as_ref(),
                standby.data_dir.as_os_str(),
                "-l".as_ref(),
                log.as_os_str(),
                "-o".as_ref(),
                options.as_ref(),
                "-w".as_ref(),
                "-t".as_ref(),
                "60".as_ref(),
                "start".as_ref(),
            ],
        );
        standby
    }

    /// Settings for connecting to `database` on the standby as the superuser.
    pub(crate) fn settings_for(&self, database: &str) -> ConnectionSettings {
        ConnectionSettings::for_socket(&self.socket_dir, self.port, "postgres", database)
    }

    /// A new connection to `database` on the standby.
    pub(crate) fn client(&self, database: &str) -> postgres::Client {
        pgplan::internals::connect(&self.settings_for(database))
            .unwrap_or_else(|error| panic!("{}", render(&error)))
    }

    /// Polls the primary's `pg_stat_replication` until this standby streams, bounded.
    fn wait_until_streaming(&self, primary: &ScratchCluster) {
        let mut client = pgplan::internals::connect(&primary.settings_for("postgres"))
            .unwrap_or_else(|error| panic!("{}", render(&error)));
        let started = Instant::now();
        loop {
            let streaming = client
                .query_one(
                    "SELECT count(*) FROM pg_stat_replication
                      WHERE application_name = $1 AND state = 'streaming'",
                    &[&self.name],
                )
                .expect("read pg_stat_replication")
                .get::<_, i64>(0);
            if streaming == 1 {
                return;
            }
            assert!(
                started.elapsed() < STREAMING_DEADLINE,
                "standby {} did not stream within {STREAMING_DEADLINE:?}; its log:\n{}",
                self.name,
                std::fs::read_to_string(self.directory.path().join("standby.log"))
                    .unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Runs one of the server binaries as the user the server runs as, failing the test with
    /// its output if it fails.
    fn run(&self, program: &str, arguments: &[&std::ffi::OsStr]) -> Output {
        let mut command = Command::new(self.bindir.join(program));
        command.args(arguments);
        if let Some(user) = postgres_user() {
            command.uid(user.uid.as_raw()).gid(user.gid.as_raw());
        }
        let output = command
            .output()
            .unwrap_or_else(|error| panic!("run {program}: {error}"));
        assert!(
            output.status.success(),
            "{program} failed: {}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        output
    }
}

impl Drop for Standby {
    fn drop(&mut self) {
        let mut command = Command::new(self.bindir.join("pg_ctl"));
        command
            .args(["-D".as_ref(), self.data_dir.as_os_str()])
            .args(["-m", "immediate", "-w", "stop"]);
        if let Some(user) = postgres_user() {
            command.uid(user.uid.as_raw()).gid(user.gid.as_raw());
        }
        let _ = command.output();
    }
}

/// As root, the `postgres` OS user (the server refuses to run as root); otherwise `None`.
fn postgres_user() -> Option<nix::unistd::User> {
    if !nix::unistd::geteuid().is_root() {
        return None;
    }
    Some(
        nix::unistd::User::from_name("postgres")
            .ok()
            .flatten()
            .expect("a postgres OS user to run the standby as root"),
    )
}

/// Hands `path` to the `postgres` OS user when we are root.
fn give_to_postgres(path: &Path) {
    if let Some(user) = postgres_user() {
        nix::unistd::chown(path, Some(user.uid), Some(user.gid))
            .unwrap_or_else(|error| panic!("give {} to postgres: {error}", path.display()));
    }
}
