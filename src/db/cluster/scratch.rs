//! [`ScratchCluster`], a running throwaway cluster: starting it (the steps of `server` in order,
//! watched by `watchdog` from the first moment), settings to reach it, creating and dropping
//! its databases, and stopping it and deleting its files on drop, or letting go of it
//! (`keep`) so that it outlives this process. What to start it with is `options`'s; what a kept
//! cluster offers is `kept`'s.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Child;

use tempfile::TempDir;

use super::kept::{KeptCluster, KeptParts};
use super::options::ClusterOptions;
use super::server::{
    SUPERUSER, ServerUser, StartFailure, find_server_binaries, free_loopback_port, give_to,
    log_tail, run_initdb, server_arguments, server_user, setup_error, spawn_server, stop_server,
    wait_until_ready, write_hba, write_tls_files,
};
use super::watchdog::{dismiss_watchdog, start_watchdog, tell_watchdog};
use crate::db::connect::ConnectionSettings;
use crate::db::error::{DbError, describe_postgres_error, server_code_of};

/// A running throwaway cluster. Superuser `postgres`, trust authentication on its private
/// socket. Stopped and deleted on drop, or by its watchdog when this process ends.
///
/// ```no_run
/// use pgplan::{ClusterOptions, Migrator, ScratchCluster};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// // A service's own test: its migrations applied to a fresh server, found by `pg_config`.
/// let cluster = ScratchCluster::start(&ClusterOptions::socket_only())?;
/// let settings = cluster.create_database("service_test")?;
/// Migrator::from_folder("project")?.run(&settings)?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct ScratchCluster {
    bindir: PathBuf,
    socket_dir: PathBuf,
    data_dir: PathBuf,
    log_path: PathBuf,
    port: u16,
    tcp_listening: bool,
    /// The OS user the server runs as, when not us (we are root).
    server_user: Option<ServerUser>,
    server: Child,
    watchdog: Child,
    /// Set by `keep`: the server must outlive us, so `Drop` leaves it running.
    kept: bool,
    /// Dropped last: deleting the directory must wait until the server has stopped.
    directory: TempDir,
}

impl ScratchCluster {
    /// Creates and starts a cluster, returning once it accepts connections.
    pub fn start(options: &ClusterOptions) -> Result<ScratchCluster, DbError> {
        let bindir = find_server_binaries()?;
        let server_user = server_user()?;
        let directory = tempfile::Builder::new()
            .prefix("plan-scratch-")
            .tempdir()
            .map_err(|source| setup_error("create a temporary directory", source))?;
        // Started before anything slow, so that even a kill during initdb leaves no directory.
        let mut watchdog = start_watchdog(directory.path())?;
        match start_server_in(
            directory.path(),
            &bindir,
            server_user,
            &mut watchdog,
            options,
        ) {
            Ok(running) => Ok(ScratchCluster {
                bindir,
                socket_dir: running.socket_dir,
                data_dir: running.data_dir,
                log_path: running.log_path,
                port: running.port,
                tcp_listening: options.tcp.is_some(),
                server_user,
                server: running.server,
                watchdog,
                kept: false,
                directory,
            }),
            Err(error) => {
                // No server runs any more; dismiss the watchdog, and `directory` is deleted as
                // it drops here.
                dismiss_watchdog(&mut watchdog);
                Err(error)
            }
        }
    }

    /// Settings for connecting as the superuser to `database` over the private socket.
    pub fn settings_for(&self, database: &str) -> ConnectionSettings {
        ConnectionSettings::for_socket(&self.socket_dir, self.port, SUPERUSER, database)
    }

    /// Settings for connecting as the superuser to `database` over loopback TCP
    /// (`127.0.0.1`), if the cluster listens there. sslmode is left at `prefer`.
    pub fn tcp_settings_for(&self, database: &str) -> Option<ConnectionSettings> {
        self.tcp_listening
            .then(|| ConnectionSettings::for_tcp("127.0.0.1", self.port, SUPERUSER, database))
    }

    /// Creates an empty database and returns the settings to reach it.
    pub fn create_database(&self, name: &str) -> Result<ConnectionSettings, DbError> {
        check_database_name(name)?;
        self.run_admin_statement(
            &format!("CREATE DATABASE {}", quote_identifier(name)),
            &format!("create database {}", quote_identifier(name)),
        )?;
        Ok(self.settings_for(name))
    }

    /// Drops a database if it exists, first ending any sessions still connected to it.
    pub fn drop_database_if_exists(&self, name: &str) -> Result<(), DbError> {
        check_database_name(name)?;
        self.run_admin_statement(
            &format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                quote_identifier(name)
            ),
            &format!("drop database {}", quote_identifier(name)),
        )
    }

    /// The directory holding `initdb`, `postgres`, `pg_dump`, ….
    pub fn bindir(&self) -> &Path {
        &self.bindir
    }

    /// The directory holding the server's Unix socket.
    pub fn socket_dir(&self) -> &Path {
        &self.socket_dir
    }

    /// The data directory.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The server's log file.
    pub fn log_path(&self) -> &Path {
        &self.log_path
    }

    /// The port (of the socket file name, and of TCP if the cluster listens there).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The temporary directory holding everything; removed when the cluster stops.
    pub fn directory(&self) -> &Path {
        self.directory.path()
    }

    /// The server's process id.
    pub fn server_pid(&self) -> u32 {
        self.server.id()
    }

    /// Lets go of the cluster so that it keeps running after this process ends: the watchdog
    /// is dismissed (it exits, so no process of ours stays behind) and neither `Drop` nor
    /// anything else stops the server or deletes the directory. Whoever kept it stops it with
    /// [`KeptCluster::stop_command`].
    pub(crate) fn keep(mut self) -> KeptCluster {
        dismiss_watchdog(&mut self.watchdog);
        self.directory.disable_cleanup(true);
        self.kept = true;
        KeptCluster::new(&KeptParts {
            bindir: &self.bindir,
            directory: self.directory.path(),
            data_dir: &self.data_dir,
            socket_dir: &self.socket_dir,
            port: self.port,
            superuser: SUPERUSER,
            // `server_user` looks the OS user up by the same name as the superuser.
            server_os_user: self.server_user.map(|_| SUPERUSER),
        })
        // `self` drops here: the watchdog is already gone, the server is left running (the
        // `Child` handle is only forgotten) and the directory stays.
    }

    fn run_admin_statement(&self, statement: &str, action: &str) -> Result<(), DbError> {
        let admin = self.settings_for("postgres");
        let mut client = admin.connect()?;
        client
            .batch_execute(statement)
            .map_err(|error| DbError::Query {
                action: action.to_string(),
                target: admin.to_string(),
                detail: describe_postgres_error(&error, None),
                server_code: server_code_of(&error),
            })
    }
}

impl Drop for ScratchCluster {
    fn drop(&mut self) {
        // The watchdog must exit first: once the server is stopped its pid may be reused, and
        // the watchdog would otherwise signal a stranger when it sees this process end.
        dismiss_watchdog(&mut self.watchdog);
        if !self.kept {
            stop_server(&mut self.server);
        }
        // `directory` (a TempDir) is deleted when the fields drop, after this.
    }
}

/// What `start_server_in` hands back once the server accepts connections.
struct RunningServer {
    socket_dir: PathBuf,
    data_dir: PathBuf,
    log_path: PathBuf,
    port: u16,
    server: Child,
}

/// initdb, configuration and start, inside `root` (already created and watched).
fn start_server_in(
    root: &Path,
    bindir: &Path,
    server_user: Option<ServerUser>,
    watchdog: &mut Child,
    options: &ClusterOptions,
) -> Result<RunningServer, DbError> {
    give_to(root, server_user)?;
    let socket_dir = root.join("socket");
    let data_dir = root.join("data");
    let log_path = root.join("server.log");
    fs::create_dir(&socket_dir)
        .map_err(|source| setup_error("create the socket directory", source))?;
    give_to(&socket_dir, server_user)?;

    run_initdb(bindir, &data_dir, root, server_user)?;
    write_hba(&data_dir, options, server_user)?;
    let mut arguments = server_arguments(&data_dir, &socket_dir, options);
    if let Some(tls) = options.tcp.as_ref().and_then(|tcp| tcp.tls.as_ref()) {
        arguments.extend(write_tls_files(root, tls, server_user)?);
    }

    // A free TCP port can be taken by someone else between our probe and the server's bind,
    // so a failed bind is retried with a new port a few times.
    let mut attempts_left = if options.tcp.is_some() { 5 } else { 1 };
    loop {
        attempts_left -= 1;
        let port = match options.tcp {
            Some(_) => free_loopback_port()?,
            // The socket directory is private, so the default port cannot clash.
            None => 5432,
        };
        let mut server = spawn_server(bindir, &arguments, port, &log_path, root, server_user)?;
        tell_watchdog(watchdog, &format!("pid={}", server.id()));
        let admin = ConnectionSettings::for_socket(&socket_dir, port, SUPERUSER, "postgres");
        match wait_until_ready(&mut server, &admin, &log_path) {
            Ok(()) => {
                return Ok(RunningServer {
                    socket_dir,
                    data_dir,
                    log_path,
                    port,
                    server,
                });
            }
            Err(StartFailure::PortTaken) if attempts_left > 0 => stop_server(&mut server),
            Err(failure) => {
                stop_server(&mut server);
                let problem = match failure {
                    StartFailure::PortTaken => "could not bind a free TCP port".to_string(),
                    StartFailure::NotReady { problem } => problem,
                };
                return Err(DbError::ClusterStart {
                    command: "postgres".to_string(),
                    directory: data_dir,
                    problem,
                    output_tail: log_tail(&log_path),
                });
            }
        }
    }
}

pub(super) fn check_database_name(name: &str) -> Result<(), DbError> {
    let problem = if name.is_empty() {
        "it is empty"
    } else if name.len() > 63 {
        "it is longer than 63 bytes, and PostgreSQL would silently cut it"
    } else if name.contains('\0') {
        "it contains a NUL character"
    } else {
        return Ok(());
    };
    Err(DbError::InvalidDatabaseName {
        name: name.to_string(),
        problem: problem.to_string(),
    })
}

/// Quotes an SQL identifier: `a"b` becomes `"a""b"`.
pub(super) fn quote_identifier(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}
