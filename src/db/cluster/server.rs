//! The steps of running a PostgreSQL server in a directory of our own: finding its binaries,
//! the OS user it runs as when we are root, `initdb`, `pg_hba.conf`, its arguments and TLS
//! files, spawning `postgres`, waiting until it accepts connections, stopping it, and the tail
//! of its log for errors. Putting the steps in order is `scratch`'s job; cleaning up after a
//! killed process is `watchdog`'s.

use std::fs;
use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::{Gid, Pid, Uid, User, chown, geteuid};

use super::options::{ClusterOptions, ServerTls};
use crate::db::connect::ConnectionSettings;
use crate::db::error::DbError;

/// The OS user the server runs as when we are root.
#[derive(Debug, Clone, Copy)]
pub(super) struct ServerUser {
    uid: Uid,
    gid: Gid,
}

/// How long a fresh cluster may take to accept connections. Generous because CI machines can
/// be slow and busy; a healthy start takes well under a second.
const START_DEADLINE: Duration = Duration::from_secs(60);

/// The superuser `initdb` creates.
pub(super) const SUPERUSER: &str = "postgres";

/// Why a start attempt failed.
pub(super) enum StartFailure {
    /// The server exited because the TCP port was taken; worth retrying with another.
    PortTaken,
    /// The server exited, or never accepted connections before the deadline.
    NotReady { problem: String },
}

/// Finds the directory holding `initdb` and `postgres`: `PG_BINDIR` if set (and then only
/// there), else `pg_config --bindir`, else the newest `/usr/lib/postgresql/<version>/bin`.
pub(super) fn find_server_binaries() -> Result<PathBuf, DbError> {
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
pub(super) fn server_user() -> Result<Option<ServerUser>, DbError> {
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

pub(super) fn setup_error(action: &str, source: std::io::Error) -> DbError {
    DbError::ClusterSetup {
        action: action.to_string(),
        source,
    }
}

/// Makes `path` owned by the server user, when there is one.
pub(super) fn give_to(path: &Path, server_user: Option<ServerUser>) -> Result<(), DbError> {
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

pub(super) fn run_initdb(
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

pub(super) fn write_hba(
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

pub(super) fn server_arguments(
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
pub(super) fn write_tls_files(
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

pub(super) fn free_loopback_port() -> Result<u16, DbError> {
    let listener = TcpListener::bind("127.0.0.1:0")
        .map_err(|source| setup_error("find a free loopback TCP port", source))?;
    listener
        .local_addr()
        .map(|address| address.port())
        .map_err(|source| setup_error("find a free loopback TCP port", source))
}

pub(super) fn spawn_server(
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

pub(super) fn wait_until_ready(
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
pub(super) fn stop_server(server: &mut Child) {
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

pub(super) fn log_tail(log_path: &Path) -> String {
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
