//! `ScratchCluster`: a throwaway PostgreSQL cluster in a private temporary directory, for
//! `plan apply --scratch` and for the test suite.
//!
//! Owns: finding the server binaries, `initdb`, starting `postgres` on a private Unix socket
//! (and optionally loopback TCP with TLS), waiting until it accepts connections, creating and
//! dropping databases, and stopping the server and deleting its files afterwards — even when
//! this process is killed. Leaves to others: what runs inside the databases (`apply`), and
//! how connections are made (`db::connect`).
//!
//! Cleanup has two paths. `Drop` stops the server (immediate shutdown) and removes the
//! directory. But a cluster kept in a `static` (as the test harness does) is never dropped,
//! and a process killed with SIGKILL runs no code at all, so each cluster also has a watchdog:
//! a small `sh` child reading a pipe whose write end only this process holds. When this process
//! ends, however it ends, the kernel closes the pipe, the watchdog reads end-of-file, stops the
//! server and deletes the directory. `Drop` tells the watchdog to exit instead, so exactly one
//! of the two cleans up.
//!
//! As root, `initdb` and `postgres` refuse to run, so both run as the `postgres` OS user, which
//! is given ownership of the directory.

use std::fs;
use std::io::Write;
use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::{Gid, Pid, Uid, User, chown, geteuid};
use tempfile::TempDir;

use crate::db::connect::ConnectionSettings;
use crate::db::error::{DbError, describe_postgres_error, server_code_of};

/// How to start a `ScratchCluster`. `ClusterOptions::socket_only()` is the common case.
#[derive(Debug, Clone, Default)]
pub struct ClusterOptions {
    /// Also listen on a free loopback TCP port (`127.0.0.1`), e.g. to test TLS or passwords.
    pub tcp: Option<TcpListening>,
    /// `pg_hba.conf` lines tried before the defaults, first match wins, e.g.
    /// `host all app_user 127.0.0.1/32 scram-sha-256`. The defaults after them are: trust for
    /// every local (socket) connection, and, when listening on TCP, trust from loopback.
    pub hba_rules: Vec<String>,
    /// Extra server settings, each passed as `-c name=value`.
    pub settings: Vec<(String, String)>,
}

/// TCP listening on loopback.
#[derive(Debug, Clone, Default)]
pub struct TcpListening {
    /// Serve TLS with this certificate (`ssl=on`).
    pub tls: Option<ServerTls>,
}

/// A server certificate and its private key, both PEM. The cluster writes them into its own
/// directory with the ownership and mode PostgreSQL demands (owned by the server user, 0600).
#[derive(Clone)]
pub struct ServerTls {
    /// The certificate chain, PEM.
    pub certificate_pem: Vec<u8>,
    /// The unencrypted private key, PEM.
    pub private_key_pem: Vec<u8>,
}

/// A running throwaway cluster. Superuser `postgres`, trust authentication on its private
/// socket. Stopped and deleted on drop, or by its watchdog when this process ends.
#[derive(Debug)]
pub struct ScratchCluster {
    bindir: PathBuf,
    socket_dir: PathBuf,
    data_dir: PathBuf,
    log_path: PathBuf,
    port: u16,
    tcp_listening: bool,
    server: Child,
    watchdog: Child,
    /// Dropped last: deleting the directory must wait until the server has stopped.
    directory: TempDir,
}

/// The OS user the server runs as when we are root.
#[derive(Debug, Clone, Copy)]
struct ServerUser {
    uid: Uid,
    gid: Gid,
}

/// How long a fresh cluster may take to accept connections. Generous because CI machines can
/// be slow and busy; a healthy start takes well under a second.
const START_DEADLINE: Duration = Duration::from_secs(60);

/// The superuser `initdb` creates.
const SUPERUSER: &str = "postgres";

impl std::fmt::Debug for ServerTls {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The private key is a secret.
        formatter.debug_struct("ServerTls").finish_non_exhaustive()
    }
}

impl ClusterOptions {
    /// A cluster reachable only through its private Unix socket.
    pub fn socket_only() -> ClusterOptions {
        ClusterOptions::default()
    }
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
                server: running.server,
                watchdog,
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
        stop_server(&mut self.server);
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

/// Why a start attempt failed.
enum StartFailure {
    /// The server exited because the TCP port was taken; worth retrying with another.
    PortTaken,
    /// The server exited, or never accepted connections before the deadline.
    NotReady { problem: String },
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

/// The watchdog, run as `sh -c WATCHDOG_SCRIPT name <directory>` with a pipe on stdin. It
/// learns the server's pid from a `pid=` line, exits on a `stopped` line (the owner cleans up
/// itself), and on end-of-file (the owner died) stops the server and deletes the directory.
const WATCHDOG_SCRIPT: &str = r#"
pid=
while IFS= read -r line; do
  case "$line" in
    stopped) exit 0 ;;
    pid=*) pid="${line#pid=}" ;;
  esac
done
if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
  kill -QUIT "$pid" 2>/dev/null
  tries=0
  while kill -0 "$pid" 2>/dev/null && [ "$tries" -lt 100 ]; do
    sleep 0.1
    tries=$((tries + 1))
  done
  if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null; fi
fi
rm -rf -- "$1"
"#;

/// Finds the directory holding `initdb` and `postgres`: `PG_BINDIR` if set (and then only
/// there), else `pg_config --bindir`, else the newest `/usr/lib/postgresql/<version>/bin`.
fn find_server_binaries() -> Result<PathBuf, DbError> {
    let has_binaries = |directory: &Path| {
        directory.join("initdb").is_file() && directory.join("postgres").is_file()
    };
    if let Some(directory) = std::env::var_os("PG_BINDIR").filter(|value| !value.is_empty()) {
        let directory = PathBuf::from(directory);
        return if has_binaries(&directory) {
            Ok(directory)
        } else {
            Err(DbError::ServerBinariesMissing {
                searched: format!("PG_BINDIR ({})", directory.display()),
            })
        };
    }
    let mut searched = Vec::new();
    match Command::new("pg_config")
        .arg("--bindir")
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
    {
        Ok(output) if output.status.success() => {
            let directory = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
            if has_binaries(&directory) {
                return Ok(directory);
            }
            // Debian's pg_config comes with libpq-dev and can point at a server that is not
            // installed, so keep looking.
            searched.push(format!("pg_config --bindir ({})", directory.display()));
        }
        _ => searched.push("pg_config --bindir (no pg_config on PATH)".to_string()),
    }
    let mut installed: Vec<(Vec<u32>, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry
                .file_name()
                .to_str()?
                .split('.')
                .map(|part| part.parse::<u32>().ok())
                .collect::<Option<Vec<u32>>>()?;
            let directory = entry.path().join("bin");
            has_binaries(&directory).then_some((version, directory))
        })
        .collect();
    installed.sort();
    if let Some((_, directory)) = installed.pop() {
        return Ok(directory);
    }
    searched.push("/usr/lib/postgresql/*/bin".to_string());
    Err(DbError::ServerBinariesMissing {
        searched: searched.join(", "),
    })
}

/// As root, the `postgres` OS user to run the server as; otherwise `None` (run as ourselves).
fn server_user() -> Result<Option<ServerUser>, DbError> {
    if !geteuid().is_root() {
        return Ok(None);
    }
    match User::from_name(SUPERUSER) {
        Ok(Some(user)) => Ok(Some(ServerUser {
            uid: user.uid,
            gid: user.gid,
        })),
        _ => Err(DbError::ClusterUserMissing),
    }
}

fn setup_error(action: &str, source: std::io::Error) -> DbError {
    DbError::ClusterSetup {
        action: action.to_string(),
        source,
    }
}

/// Makes `path` owned by the server user, when there is one.
fn give_to(path: &Path, server_user: Option<ServerUser>) -> Result<(), DbError> {
    if let Some(user) = server_user {
        chown(path, Some(user.uid), Some(user.gid)).map_err(|errno| {
            setup_error(
                &format!("give {} to the postgres user", path.display()),
                std::io::Error::from(errno),
            )
        })?;
    }
    Ok(())
}

fn run_as(command: &mut Command, server_user: Option<ServerUser>) {
    if let Some(user) = server_user {
        // std also drops root's supplementary groups when a uid is set.
        command.uid(user.uid.as_raw()).gid(user.gid.as_raw());
    }
}

fn start_watchdog(directory: &Path) -> Result<Child, DbError> {
    Command::new("/bin/sh")
        .arg("-c")
        .arg(WATCHDOG_SCRIPT)
        .arg("plan-scratch-watchdog")
        .arg(directory)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        // Its own process group, so a Ctrl-C aimed at us does not kill the watchdog too.
        .process_group(0)
        .spawn()
        .map_err(|source| setup_error("start the cleanup watchdog (/bin/sh)", source))
}

fn tell_watchdog(watchdog: &mut Child, line: &str) {
    if let Some(pipe) = watchdog.stdin.as_mut() {
        // A watchdog that is gone cannot be helped; Drop still cleans up in the common case.
        let _ = writeln!(pipe, "{line}");
    }
}

/// Tells the watchdog to exit without cleaning up, and waits for it.
fn dismiss_watchdog(watchdog: &mut Child) {
    if let Some(mut pipe) = watchdog.stdin.take() {
        let _ = pipe.write_all(b"stopped\n");
    }
    let _ = watchdog.wait();
}

fn run_initdb(
    bindir: &Path,
    data_dir: &Path,
    root: &Path,
    server_user: Option<ServerUser>,
) -> Result<(), DbError> {
    let mut command = Command::new(bindir.join("initdb"));
    command
        .arg("--pgdata")
        .arg(data_dir)
        .arg(format!("--username={SUPERUSER}"))
        .args(["--auth=trust", "--encoding=UTF8", "--no-locale"])
        // The cluster is thrown away, so there is no point waiting for its files to reach disk.
        .arg("--no-sync")
        .env("LC_ALL", "C")
        .current_dir(root)
        .stdin(Stdio::null());
    run_as(&mut command, server_user);
    let output = command
        .output()
        .map_err(|source| setup_error("run initdb", source))?;
    if output.status.success() {
        return Ok(());
    }
    let mut text = String::from_utf8_lossy(&output.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&output.stderr));
    Err(DbError::ClusterStart {
        command: "initdb".to_string(),
        directory: data_dir.to_path_buf(),
        problem: format!("it stopped ({})", output.status),
        output_tail: last_lines(&text),
    })
}

fn write_hba(
    data_dir: &Path,
    options: &ClusterOptions,
    server_user: Option<ServerUser>,
) -> Result<(), DbError> {
    let mut lines =
        vec!["# Written by plan's ScratchCluster: the caller's rules, then defaults.".to_string()];
    lines.extend(options.hba_rules.iter().cloned());
    lines.push("local all all trust".to_string());
    if options.tcp.is_some() {
        lines.push("host all all 127.0.0.1/32 trust".to_string());
    }
    lines.push(String::new());
    let path = data_dir.join("pg_hba.conf");
    fs::write(&path, lines.join("\n"))
        .map_err(|source| setup_error("write pg_hba.conf", source))?;
    give_to(&path, server_user)
}

fn server_arguments(
    data_dir: &Path,
    socket_dir: &Path,
    options: &ClusterOptions,
) -> Vec<std::ffi::OsString> {
    let mut arguments: Vec<std::ffi::OsString> =
        vec!["-D".into(), data_dir.into(), "-k".into(), socket_dir.into()];
    let listen_addresses = if options.tcp.is_some() {
        "127.0.0.1"
    } else {
        ""
    };
    let mut settings = vec![
        ("listen_addresses".to_string(), listen_addresses.to_string()),
        // The data is thrown away, so durability buys nothing and costs time on every commit
        // and checkpoint. A crash loses the cluster, which is gone anyway.
        ("fsync".to_string(), "off".to_string()),
        ("synchronous_commit".to_string(), "off".to_string()),
        ("full_page_writes".to_string(), "off".to_string()),
        // Room for a parallel test run (~40 clients) plus admin connections.
        ("max_connections".to_string(), "100".to_string()),
    ];
    settings.extend(options.settings.iter().cloned());
    for (name, value) in settings {
        arguments.push("-c".into());
        arguments.push(format!("{name}={value}").into());
    }
    arguments
}

/// Writes the certificate and key where the server accepts them, and returns the `-c` flags.
fn write_tls_files(
    root: &Path,
    tls: &ServerTls,
    server_user: Option<ServerUser>,
) -> Result<Vec<std::ffi::OsString>, DbError> {
    let certificate = root.join("server.crt");
    let key = root.join("server.key");
    for (path, contents) in [
        (&certificate, &tls.certificate_pem),
        (&key, &tls.private_key_pem),
    ] {
        fs::write(path, contents)
            .map_err(|source| setup_error("write the TLS certificate and key", source))?;
        // PostgreSQL refuses a key readable by group or others.
        fs::set_permissions(path, fs::Permissions::from_mode(0o600))
            .map_err(|source| setup_error("restrict the TLS key file", source))?;
        give_to(path, server_user)?;
    }
    let mut flags = Vec::new();
    for setting in [
        "ssl=on".to_string(),
        format!("ssl_cert_file={}", certificate.display()),
        format!("ssl_key_file={}", key.display()),
    ] {
        flags.push("-c".into());
        flags.push(setting.into());
    }
    Ok(flags)
}

fn free_loopback_port() -> Result<u16, DbError> {
    let listener = TcpListener::bind("127.0.0.1:0")
        .map_err(|source| setup_error("find a free loopback TCP port", source))?;
    listener
        .local_addr()
        .map(|address| address.port())
        .map_err(|source| setup_error("find a free loopback TCP port", source))
}

fn spawn_server(
    bindir: &Path,
    arguments: &[std::ffi::OsString],
    port: u16,
    log_path: &Path,
    root: &Path,
    server_user: Option<ServerUser>,
) -> Result<Child, DbError> {
    let log = fs::File::create(log_path)
        .map_err(|source| setup_error("create the server log", source))?;
    let log_for_stderr = log
        .try_clone()
        .map_err(|source| setup_error("open the server log", source))?;
    let mut command = Command::new(bindir.join("postgres"));
    command
        .args(arguments)
        .arg("-p")
        .arg(port.to_string())
        .env("LC_ALL", "C")
        .current_dir(root)
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(log_for_stderr)
        // Its own process group: a Ctrl-C aimed at us must leave shutdown to us or the watchdog.
        .process_group(0);
    run_as(&mut command, server_user);
    command
        .spawn()
        .map_err(|source| setup_error("start postgres", source))
}

fn wait_until_ready(
    server: &mut Child,
    admin: &ConnectionSettings,
    log_path: &Path,
) -> Result<(), StartFailure> {
    let deadline = Instant::now() + START_DEADLINE;
    let socket_file = match admin.host() {
        crate::db::connect::Host::Socket(directory) => {
            directory.join(format!(".s.PGSQL.{}", admin.port()))
        }
        crate::db::connect::Host::Tcp(_) => PathBuf::new(),
    };
    let mut last_problem = "the socket never appeared".to_string();
    loop {
        if let Ok(Some(status)) = server.try_wait() {
            let log = fs::read_to_string(log_path).unwrap_or_default();
            if log.contains("could not bind") || log.contains("Address already in use") {
                return Err(StartFailure::PortTaken);
            }
            return Err(StartFailure::NotReady {
                problem: format!("it stopped ({status}) before accepting connections"),
            });
        }
        // Connecting only once the socket exists avoids paying for hopeless attempts.
        if socket_file.exists() {
            match admin.connect() {
                Ok(_) => return Ok(()),
                Err(error) => last_problem = error.to_string(),
            }
        }
        if Instant::now() >= deadline {
            return Err(StartFailure::NotReady {
                problem: format!(
                    "not accepting connections after {}s (last attempt: {last_problem})",
                    START_DEADLINE.as_secs()
                ),
            });
        }
        thread::sleep(Duration::from_millis(10));
    }
}

/// Immediate shutdown (SIGQUIT): no checkpoint, since the data is thrown away. Falls back to
/// SIGKILL if the server has not exited after 10 s.
fn stop_server(server: &mut Child) {
    if let Ok(Some(_)) = server.try_wait() {
        return;
    }
    if let Ok(raw_pid) = i32::try_from(server.id()) {
        let _ = kill(Pid::from_raw(raw_pid), Signal::SIGQUIT);
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        match server.try_wait() {
            Ok(None) => thread::sleep(Duration::from_millis(10)),
            Ok(Some(_)) | Err(_) => return,
        }
    }
    let _ = server.kill();
    let _ = server.wait();
}

fn log_tail(log_path: &Path) -> String {
    match fs::read(log_path) {
        Ok(bytes) => last_lines(&String::from_utf8_lossy(&bytes)),
        Err(error) => format!(
            "(the server log {} could not be read: {error})",
            log_path.display()
        ),
    }
}

/// The last 20 lines of a program's output, indented, for error messages.
fn last_lines(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let start = lines.len().saturating_sub(20);
    lines[start..]
        .iter()
        .map(|line| format!("  | {line}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn check_database_name(name: &str) -> Result<(), DbError> {
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
fn quote_identifier(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{BufRead, BufReader};

    fn start_socket_cluster() -> ScratchCluster {
        match ScratchCluster::start(&ClusterOptions::socket_only()) {
            Ok(cluster) => cluster,
            Err(error) => panic!("could not start a scratch cluster: {error}"),
        }
    }

    fn process_exists(pid: u32) -> bool {
        let raw_pid = i32::try_from(pid).expect("pids fit in i32");
        kill(Pid::from_raw(raw_pid), None).is_ok()
    }

    #[test]
    fn cluster_accepts_connections_and_is_removed_on_drop() {
        let started = Instant::now();
        let cluster = start_socket_cluster();
        let start_time = started.elapsed();
        let directory = cluster.directory().to_path_buf();
        let pid = cluster.server_pid();
        let settings = cluster
            .create_database("cluster_unit_test")
            .expect("create database");
        let mut client = settings.connect().expect("connect");
        let row = client
            .query_one("SELECT current_database(), current_setting('fsync')", &[])
            .expect("query");
        assert_eq!(row.get::<_, String>(0), "cluster_unit_test");
        assert_eq!(row.get::<_, String>(1), "off");
        drop(client);
        cluster
            .drop_database_if_exists("cluster_unit_test")
            .expect("drop database");
        cluster
            .drop_database_if_exists("cluster_unit_test")
            .expect("dropping a missing database is fine");
        drop(cluster);
        assert!(!directory.exists(), "{} still exists", directory.display());
        assert!(!process_exists(pid), "server {pid} still runs");
        eprintln!("scratch cluster start took {start_time:?}");
    }

    #[test]
    fn bad_database_names_are_rejected_before_reaching_the_server() {
        assert!(matches!(
            check_database_name(&"x".repeat(64)),
            Err(DbError::InvalidDatabaseName { .. })
        ));
        assert!(check_database_name("it's \"fine\"").is_ok());
        assert_eq!(quote_identifier("a\"b"), "\"a\"\"b\"");
    }

    /// Not a test by itself: the body of `watchdog_cleans_up_after_sigkill`'s child process,
    /// which that test runs with `PLAN_WATCHDOG_CHILD` set. Without it, it returns at once.
    #[test]
    fn watchdog_child_process_helper() {
        if std::env::var_os("PLAN_WATCHDOG_CHILD").is_none() {
            return;
        }
        let cluster = start_socket_cluster();
        println!(
            "cluster directory={} pid={}",
            cluster.directory().display(),
            cluster.server_pid()
        );
        std::io::stdout().flush().expect("flush");
        thread::sleep(Duration::from_secs(120));
    }

    #[test]
    fn watchdog_cleans_up_after_sigkill() {
        let mut child = Command::new(std::env::current_exe().expect("test binary path"))
            .args([
                "--exact",
                "db::cluster::tests::watchdog_child_process_helper",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("PLAN_WATCHDOG_CHILD", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn the child test process");
        let stdout = child.stdout.take().expect("piped stdout");
        let line = BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .find_map(|line| {
                // libtest prints `test <name> ... ` on the same line first.
                let (_, report) = line.split_once("cluster directory=")?;
                Some(report.to_string())
            })
            .expect("the child reports its cluster");
        let (directory, pid) = line.rsplit_once(" pid=").expect("directory and pid");
        let directory = PathBuf::from(directory);
        let pid: u32 = pid.parse().expect("pid");
        assert!(directory.exists());
        assert!(process_exists(pid));

        child.kill().expect("SIGKILL the child");
        child.wait().expect("reap the child");

        let deadline = Instant::now() + Duration::from_secs(30);
        while (directory.exists() || process_exists(pid)) && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(50));
        }
        assert!(!process_exists(pid), "server {pid} survived its owner");
        assert!(
            !directory.exists(),
            "{} survived its owner",
            directory.display()
        );
    }
}
