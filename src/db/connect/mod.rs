//! `ConnectionSettings`: where and how to connect, resolved the way libpq users expect;
//! `ConnectionSettings::connect`, which opens a `postgres::Client` with the right TLS setup
//! within a bounded time; and `ConnectionSettings::configure_child`, the one way a child process
//! (pg_dump, pg_restore, a `command` step) is pointed at the same database.
//!
//! Owns: parsing `postgresql://` URLs and key=value strings, connection service files
//! (`pg_service.conf`), the `PG*` environment variables, the password file (`~/.pgpass`),
//! sslmode semantics (`disable` … `verify-full`) and client certificates on top of
//! postgres-openssl, the connect timeout, and keeping the password out of every `Debug`,
//! `Display`, error, child process argument and child output we repeat (`scrub`). Leaves to
//! others: which flag or variable the URL came from (`cli`), what to do with the connection
//! (`apply`, `db::lock`).
//!
//! Precedence follows libpq's `conninfo_add_defaults`: values in the connection string (the
//! explicit one, else `DATABASE_URL`) win; then the service it names (`service=`, else
//! `PGSERVICE`), looked up in `PGSERVICEFILE` or `~/.pg_service.conf`, and only when the
//! service is not there in `PGSYSCONFDIR/pg_service.conf`; then `PGHOST`, `PGPORT`, `PGUSER`,
//! `PGPASSWORD`, `PGDATABASE`, `PGOPTIONS`, `PGSSLMODE`, `PGSSLROOTCERT`, `PGSSLCERT`,
//! `PGSSLKEY`, `PGAPPNAME`, `PGCONNECT_TIMEOUT`; then defaults (the Unix socket directory
//! `/var/run/postgresql` if it exists, else `localhost`; port 5432; the OS user; a database
//! named like the user; a connect timeout of 10 s, which libpq does not have). The password
//! file is read only when no password was given at all.
//!
//! Files, by job:
//! - `url`: `postgresql://` URLs and key=value strings, percent-encoding.
//! - `service`: connection service files (`pg_service.conf`).
//! - `machine`: the [`Machine`] the `PG*` variables and machine defaults come from.
//! - `fields`: the values one source gives, before defaults apply; ports and timeouts read.
//! - `pgpass`: the password file, read when no password was given.
//! - `sslmode`: [`SslMode`], libpq's modes.
//! - `tls`: the OpenSSL connector that gives each mode its meaning, certificates.
//! - `open`: opening the connection within the connect timeout.
//! - `child`: pointing a child process at the same database, and scrubbing what it prints.
//!
//! Children must reach exactly the database `plan` resolved: libpq in a child would otherwise
//! let an inherited `PGSERVICE` override the `PG*` variables we set. So `configure_child`
//! removes every inherited `PG*` variable and `DATABASE_URL`, and sets each resolved value.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

mod child;
mod fields;
pub(crate) mod machine;
mod open;
mod pgpass;
mod service;
pub(crate) mod sslmode;
#[cfg(test)]
mod testing;
mod tls;
mod url;

pub(crate) use machine::{LocalMachine, Machine};
pub(crate) use sslmode::SslMode;

use crate::db::error::DbError;
use fields::{Fields, parse_connect_timeout, parse_port};
use machine::fields_from_environment;
use service::fields_from_service;
use url::{parse_connection_string, percent_encode, percent_encode_path};

/// The port used when none is given.
pub(crate) const DEFAULT_PORT: u16 = 5432;

/// How long opening a connection may take when no `connect_timeout` is given. libpq waits as
/// long as the operating system lets it; a run against a server that accepts and never answers
/// would hang, so `plan` bounds it.
pub(crate) const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// What replaces the password in text a child printed (see [`ConnectionSettings::scrub`]).
pub(crate) const PASSWORD_MASK: &str = "<redacted>";

/// Where a server listens: a Unix-socket directory or a TCP host name / address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Host {
    /// A directory holding the socket file `.s.PGSQL.<port>`.
    Socket(PathBuf),
    /// A host name or IP address reached over TCP.
    Tcp(String),
}

/// Resolved connection settings: one target database, how to reach it and who to be.
///
/// `Debug` and `Display` never show the password; `Display` is a URL without it, suitable for
/// messages (`postgresql://app@db.example.com:5432/app?sslmode=verify-full`).
///
/// ```
/// use pgplan::{ConnectionSettings, SslMode};
///
/// let settings = ConnectionSettings::for_tcp("db.example.com", 5432, "app", "app")
///     .with_password("s3cret")
///     .with_ssl(SslMode::VerifyFull, None);
/// assert_eq!(
///     settings.to_string(),
///     "postgresql://app@db.example.com:5432/app?sslmode=verify-full"
/// );
/// assert!(!format!("{settings:?}").contains("s3cret"));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct ConnectionSettings {
    host: Host,
    port: u16,
    user: String,
    database: String,
    password: Option<Secret>,
    ssl_mode: SslMode,
    ssl_root_cert: Option<PathBuf>,
    application_name: Option<String>,
    /// `None` waits as long as the operating system lets it (`connect_timeout=0`).
    connect_timeout: Option<Duration>,
    extras: Box<Extras>,
}

/// The settings most connections leave unset, boxed: `ConnectionSettings` is cloned and moved
/// into enums a lot, and stays small this way.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Extras {
    /// Command-line options sent to the server at connection start (`-c search_path=app`).
    options: Option<String>,
    /// The client certificate and its key, for servers that authenticate by certificate.
    ssl_cert: Option<PathBuf>,
    ssl_key: Option<PathBuf>,
    /// The password file that was consulted, handed on to children so that they read the same.
    password_file: Option<PathBuf>,
    /// Needed to find `~/.postgresql/root.crt` and `postgresql.crt`, libpq's default files.
    home_dir: Option<PathBuf>,
}

/// A string that is never printed: its `Debug` is a fixed placeholder and it has no `Display`.
#[derive(Clone, PartialEq, Eq)]
struct Secret(String);

impl fmt::Debug for Secret {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("<redacted>")
    }
}

impl fmt::Display for Host {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Host::Socket(directory) => write!(formatter, "{}", directory.display()),
            Host::Tcp(name) => formatter.write_str(name),
        }
    }
}

impl Host {
    /// Reads a libpq host value: an absolute path (or `@`-prefixed abstract name) is a socket
    /// directory, anything else a TCP host.
    pub fn parse(text: &str) -> Host {
        if text.starts_with('/') || text.starts_with('@') {
            Host::Socket(PathBuf::from(text))
        } else {
            Host::Tcp(text.to_string())
        }
    }
}

impl ConnectionSettings {
    /// Resolves settings from an explicit URL (e.g. `--database-url`), else `DATABASE_URL`,
    /// then the service it names (or `PGSERVICE`), falling back field by field to the `PG*`
    /// variables, defaults and the password file, as described at the top of this file.
    pub fn resolve(
        explicit_url: Option<&str>,
        environment: &dyn Machine,
    ) -> Result<ConnectionSettings, DbError> {
        let from_url = match explicit_url {
            Some(url) => parse_connection_string(url, "--database-url")?,
            None => match environment
                .var("DATABASE_URL")
                .filter(|url| !url.is_empty())
            {
                Some(url) => parse_connection_string(&url, "DATABASE_URL")?,
                None => Fields::default(),
            },
        };
        // libpq reads PGSERVICE before any other variable: the service outranks them all.
        let service = from_url.service.clone().or_else(|| {
            environment
                .var("PGSERVICE")
                .filter(|service| !service.is_empty())
        });
        let from_service = match &service {
            Some(service) => fields_from_service(service, environment)?,
            None => Fields::default(),
        };
        let from_environment = fields_from_environment(environment)?;
        let fields = from_url.or(from_service).or(from_environment);

        let host = match fields.host {
            Some(host) => Host::parse(&host),
            None => match environment.default_socket_dir() {
                Some(directory) => Host::Socket(directory),
                None => Host::Tcp("localhost".to_string()),
            },
        };
        let port = match fields.port {
            Some((text, origin)) => parse_port(&text, &origin)?,
            None => DEFAULT_PORT,
        };
        let user = match fields.user {
            Some(user) => user,
            None => environment
                .os_user()
                .ok_or_else(|| DbError::InvalidSetting {
                    origin: "PGUSER".to_string(),
                    problem: "no user was given and the OS user name could not be found"
                        .to_string(),
                })?,
        };
        let database = fields.database.unwrap_or_else(|| user.clone());
        let ssl_mode = match fields.ssl_mode {
            Some((text, origin)) => {
                SslMode::parse(&text).ok_or_else(|| DbError::InvalidSetting {
                    origin,
                    problem: "expected one of disable, allow, prefer, require, verify-ca, \
                              verify-full"
                        .to_string(),
                })?
            }
            None => SslMode::Prefer,
        };
        let connect_timeout = match fields.connect_timeout {
            Some((text, origin)) => parse_connect_timeout(&text, &origin)?,
            None => Some(DEFAULT_CONNECT_TIMEOUT),
        };

        let mut settings = ConnectionSettings {
            host,
            port,
            user,
            database,
            password: fields.password.map(Secret),
            ssl_mode,
            ssl_root_cert: fields.ssl_root_cert.map(PathBuf::from),
            application_name: fields.application_name,
            connect_timeout,
            extras: Box::new(Extras {
                options: fields.options,
                ssl_cert: fields.ssl_cert.map(PathBuf::from),
                ssl_key: fields.ssl_key.map(PathBuf::from),
                password_file: None,
                home_dir: environment.home_dir(),
            }),
        };
        if settings.password.is_none() {
            settings.read_password_file(environment);
        }
        Ok(settings)
    }

    /// Resolves settings like [`ConnectionSettings::resolve`], reading the real environment.
    pub fn from_process_environment(
        explicit_url: Option<&str>,
    ) -> Result<ConnectionSettings, DbError> {
        ConnectionSettings::resolve(explicit_url, &LocalMachine)
    }

    /// Settings for a server on a Unix socket in `socket_dir`, with no password, no TLS
    /// (PostgreSQL never uses TLS on sockets) and the default connect timeout. Nothing is read
    /// from the environment.
    pub fn for_socket(socket_dir: &Path, port: u16, user: &str, database: &str) -> Self {
        ConnectionSettings {
            host: Host::Socket(socket_dir.to_path_buf()),
            port,
            user: user.to_string(),
            database: database.to_string(),
            password: None,
            ssl_mode: SslMode::Prefer,
            ssl_root_cert: None,
            application_name: None,
            connect_timeout: Some(DEFAULT_CONNECT_TIMEOUT),
            extras: Box::default(),
        }
    }

    /// Settings for a TCP host with sslmode `prefer` and no password. Nothing is read from the
    /// environment.
    pub fn for_tcp(host: &str, port: u16, user: &str, database: &str) -> Self {
        ConnectionSettings {
            host: Host::Tcp(host.to_string()),
            ..ConnectionSettings::for_socket(Path::new(""), port, user, database)
        }
    }

    /// The same target with another database.
    pub fn with_database(&self, database: &str) -> Self {
        ConnectionSettings {
            database: database.to_string(),
            ..self.clone()
        }
    }

    /// The same target with another user (the password is dropped with the old user).
    pub fn with_user(&self, user: &str) -> Self {
        ConnectionSettings {
            user: user.to_string(),
            password: None,
            ..self.clone()
        }
    }

    /// Sets the password.
    pub fn with_password(&self, password: &str) -> Self {
        ConnectionSettings {
            password: Some(Secret(password.to_string())),
            ..self.clone()
        }
    }

    /// Sets the sslmode and the root certificate used by `verify-ca` / `verify-full`.
    pub fn with_ssl(&self, ssl_mode: SslMode, root_cert: Option<&Path>) -> Self {
        ConnectionSettings {
            ssl_mode,
            ssl_root_cert: root_cert.map(Path::to_path_buf),
            ..self.clone()
        }
    }

    /// Sets `application_name`, which other sessions see in `pg_stat_activity` (and so in the
    /// lock-holder message).
    pub fn with_application_name(&self, application_name: &str) -> Self {
        ConnectionSettings {
            application_name: Some(application_name.to_string()),
            ..self.clone()
        }
    }

    /// The same settings with `option` (`-c search_path=tenant_a`) sent at connection start
    /// after any options already given: a fleet's schema-per-tenant targets (`ops::fleet`).
    pub(crate) fn with_server_option(&self, option: &str) -> Self {
        let mut settings = self.clone();
        settings.extras.options = Some(match &self.extras.options {
            Some(given) => format!("{given} {option}"),
            None => option.to_string(),
        });
        settings
    }

    /// Bounds how long opening a connection may take: TCP connect, TLS, start-up and
    /// authentication together.
    pub fn with_connect_timeout(&self, timeout: Duration) -> Self {
        ConnectionSettings {
            connect_timeout: Some(timeout),
            ..self.clone()
        }
    }

    /// The server's host or socket directory.
    pub fn host(&self) -> &Host {
        &self.host
    }

    /// The server's port (for sockets, part of the socket file name).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The role to connect as.
    pub fn user(&self) -> &str {
        &self.user
    }

    /// The database to connect to.
    pub fn database(&self) -> &str {
        &self.database
    }

    /// Whether a password is known (from the URL, `PGPASSWORD` or the password file).
    pub fn has_password(&self) -> bool {
        self.password.is_some()
    }

    /// The sslmode.
    pub fn ssl_mode(&self) -> SslMode {
        self.ssl_mode
    }

    /// The root certificate file, if one was given.
    pub fn ssl_root_cert(&self) -> Option<&Path> {
        self.ssl_root_cert.as_deref()
    }

    /// The `application_name`, if set.
    pub fn application_name(&self) -> Option<&str> {
        self.application_name.as_deref()
    }

    /// The server options sent at connection start (`options`, `PGOPTIONS`), if any.
    pub fn options(&self) -> Option<&str> {
        self.extras.options.as_deref()
    }

    /// How long opening a connection may take; `None` waits as long as the operating system
    /// lets it (`connect_timeout=0`).
    pub fn connect_timeout(&self) -> Option<Duration> {
        self.connect_timeout
    }
}

impl fmt::Display for ConnectionSettings {
    /// A libpq-compatible URL without the password: `postgresql://user@host:port/database`, or
    /// `postgresql://user@:port/database?host=/socket/dir` for a Unix socket.
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let user = percent_encode(&self.user);
        let database = percent_encode(&self.database);
        let mut query = Vec::new();
        match &self.host {
            Host::Socket(directory) => {
                write!(formatter, "postgresql://{user}@:{}/{database}", self.port)?;
                query.push(format!(
                    "host={}",
                    percent_encode_path(&directory.to_string_lossy())
                ));
            }
            Host::Tcp(name) if name.contains(':') => {
                write!(
                    formatter,
                    "postgresql://{user}@[{name}]:{}/{database}",
                    self.port
                )?;
            }
            Host::Tcp(name) => {
                let name = percent_encode(name);
                write!(
                    formatter,
                    "postgresql://{user}@{name}:{}/{database}",
                    self.port
                )?;
            }
        }
        if self.ssl_mode != SslMode::Prefer {
            query.push(format!("sslmode={}", self.ssl_mode));
        }
        let paths = [
            ("sslrootcert", &self.ssl_root_cert),
            ("sslcert", &self.extras.ssl_cert),
            ("sslkey", &self.extras.ssl_key),
        ];
        for (keyword, path) in paths {
            if let Some(path) = path {
                query.push(format!(
                    "{keyword}={}",
                    percent_encode_path(&path.to_string_lossy())
                ));
            }
        }
        if let Some(options) = &self.extras.options {
            query.push(format!("options={}", percent_encode(options)));
        }
        if !query.is_empty() {
            write!(formatter, "?{}", query.join("&"))?;
        }
        Ok(())
    }
}

impl fmt::Debug for ConnectionSettings {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("ConnectionSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("user", &self.user)
            .field("database", &self.database)
            .field("password", &self.password)
            .field("ssl_mode", &self.ssl_mode)
            .field("ssl_root_cert", &self.ssl_root_cert)
            .field("application_name", &self.application_name)
            .field("connect_timeout", &self.connect_timeout)
            .field("options", &self.extras.options)
            .field("ssl_cert", &self.extras.ssl_cert)
            .field("ssl_key", &self.extras.ssl_key)
            .field("password_file", &self.extras.password_file)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::connect::testing::{check, environment, expect_ok};

    #[test]
    fn defaults_are_localhost_os_user_and_database_named_after_user() {
        assert_eq!(
            check(None, &environment(&[])),
            "postgresql://osuser@localhost:5432/osuser password=none app=-"
        );
    }

    #[test]
    fn default_host_is_the_socket_directory_when_it_exists() {
        let mut fake = environment(&[]);
        fake.socket_dir = Some(PathBuf::from("/var/run/postgresql"));
        assert_eq!(
            check(None, &fake),
            "postgresql://osuser@:5432/osuser?host=/var/run/postgresql password=none app=-"
        );
    }

    #[test]
    fn display_round_trips_through_resolve() {
        let url = "postgresql://u%3Ax@:5433/d%2Fb?host=/tmp/my%20dir&sslmode=require";
        let first = expect_ok(Some(url), &environment(&[]));
        let second = expect_ok(Some(&first.to_string()), &environment(&[]));
        assert_eq!(first, second);
        assert_eq!(second.host(), &Host::Socket(PathBuf::from("/tmp/my dir")));
        assert_eq!(second.user(), "u:x");
        assert_eq!(second.database(), "d/b");
    }

    #[test]
    fn url_wins_over_environment_field_by_field() {
        let fake = environment(&[
            ("DATABASE_URL", "postgresql://fromurl@urlhost/urldb"),
            ("PGHOST", "envhost"),
            ("PGPORT", "7000"),
            ("PGUSER", "envuser"),
            ("PGPASSWORD", "envsecret"),
            ("PGAPPNAME", "envapp"),
        ]);
        assert_eq!(
            check(None, &fake),
            "postgresql://fromurl@urlhost:7000/urldb password=envsecret app=envapp"
        );
        assert_eq!(
            check(Some("postgresql://explicit@h2/d2"), &fake),
            "postgresql://explicit@h2:7000/d2 password=envsecret app=envapp"
        );
    }

    #[test]
    fn password_is_hidden_from_debug_and_display() {
        let settings = expect_ok(Some("postgresql://u:hunter2@h/d"), &environment(&[]));
        assert!(!format!("{settings}").contains("hunter2"));
        assert!(!format!("{settings:?}").contains("hunter2"));
        assert!(!format!("{settings:#?}").contains("hunter2"));
        assert!(settings.has_password());
    }
}
