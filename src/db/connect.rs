//! `ConnectionSettings`: where and how to connect, resolved the way libpq users expect, and
//! `ConnectionSettings::connect`, which opens a `postgres::Client` with the right TLS setup.
//!
//! Owns: parsing `postgresql://` URLs and key=value strings, the `PG*` environment variables,
//! the password file (`~/.pgpass`), sslmode semantics (`disable` … `verify-full`) on top of
//! postgres-openssl, and keeping the password out of every `Debug`, `Display`, error and child
//! process argument. Leaves to others: which flag or variable the URL came from (`cli`), what
//! to do with the connection (`apply`, `db::lock`).
//!
//! Precedence follows libpq: values in the URL (the explicit one, else `DATABASE_URL`) win;
//! anything the URL leaves out comes from `PGHOST`, `PGPORT`, `PGUSER`, `PGPASSWORD`,
//! `PGDATABASE`, `PGSSLMODE`, `PGSSLROOTCERT`, `PGAPPNAME`, `PGCONNECT_TIMEOUT`; then defaults
//! (the Unix socket directory `/var/run/postgresql` if it exists, else `localhost`; port 5432;
//! the OS user; a database named like the user). The password file is read only when no
//! password was given at all.

use std::fmt;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use openssl::ssl::{SslConnector, SslMethod, SslVerifyMode};
use openssl::x509::X509;
use openssl::x509::store::X509StoreBuilder;
use postgres::config::SslMode as ProtocolSslMode;
use postgres::{Client, NoTls};
use postgres_openssl::MakeTlsConnector;

use crate::db::error::{DbError, describe_postgres_error, server_code_of};

/// The socket directory libpq on Debian uses when no host is given.
pub const DEFAULT_SOCKET_DIR: &str = "/var/run/postgresql";

/// The port used when none is given.
pub const DEFAULT_PORT: u16 = 5432;

/// Where a server listens: a Unix-socket directory or a TCP host name / address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Host {
    /// A directory holding the socket file `.s.PGSQL.<port>`.
    Socket(PathBuf),
    /// A host name or IP address reached over TCP.
    Tcp(String),
}

/// libpq's sslmode values. `Prefer` is the default, as in libpq. TLS never applies to Unix
/// sockets (PostgreSQL does not offer it there), so the mode only matters for TCP hosts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SslMode {
    /// Never encrypt.
    Disable,
    /// Encrypt if the server offers it; do not verify the certificate.
    #[default]
    Prefer,
    /// Always encrypt; do not verify the certificate, unless a root certificate was given
    /// explicitly, in which case the chain is verified as with `VerifyCa` (libpq does the same).
    Require,
    /// Encrypt and verify the certificate chain against the root certificate, not the host name.
    VerifyCa,
    /// Encrypt, verify the chain and that the certificate names the host connected to.
    VerifyFull,
}

/// Where configuration comes from: environment variables and a few facts about the machine.
/// Injected so that tests can resolve settings without touching the process environment.
pub trait Environment {
    /// The value of an environment variable, if set (and valid UTF-8).
    fn var(&self, name: &str) -> Option<String>;
    /// The name of the OS user running us, libpq's default user name.
    fn os_user(&self) -> Option<String>;
    /// The home directory, where `.pgpass` and `.postgresql/root.crt` live.
    fn home_dir(&self) -> Option<PathBuf>;
    /// The default Unix-socket directory if it exists here, else `None` (then `localhost`).
    fn default_socket_dir(&self) -> Option<PathBuf>;
}

/// The real process environment.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProcessEnvironment;

/// Resolved connection settings: one target database, how to reach it and who to be.
///
/// `Debug` and `Display` never show the password; `Display` is a URL without it, suitable for
/// messages (`postgresql://app@db.example.com:5432/app?sslmode=verify-full`).
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
    connect_timeout: Option<Duration>,
    /// Needed to find `~/.postgresql/root.crt`, libpq's default root certificate.
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

impl Environment for ProcessEnvironment {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }

    fn os_user(&self) -> Option<String> {
        // libpq asks the password database, not $USER, which can be stale under sudo.
        nix::unistd::User::from_uid(nix::unistd::geteuid())
            .ok()
            .flatten()
            .map(|user| user.name)
    }

    fn home_dir(&self) -> Option<PathBuf> {
        self.var("HOME")
            .filter(|home| !home.is_empty())
            .map(PathBuf::from)
            .or_else(|| {
                nix::unistd::User::from_uid(nix::unistd::geteuid())
                    .ok()
                    .flatten()
                    .map(|user| user.dir)
            })
    }

    fn default_socket_dir(&self) -> Option<PathBuf> {
        let directory = PathBuf::from(DEFAULT_SOCKET_DIR);
        directory.is_dir().then_some(directory)
    }
}

impl SslMode {
    /// The libpq spelling: `disable`, `prefer`, `require`, `verify-ca`, `verify-full`.
    pub fn as_str(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }

    /// Parses the libpq spelling. `allow` is read as `prefer`: both connect in the clear when
    /// the server has no TLS, and this client never needs the difference.
    pub fn parse(text: &str) -> Option<SslMode> {
        match text {
            "disable" => Some(SslMode::Disable),
            "allow" | "prefer" => Some(SslMode::Prefer),
            "require" => Some(SslMode::Require),
            "verify-ca" => Some(SslMode::VerifyCa),
            "verify-full" => Some(SslMode::VerifyFull),
            _ => None,
        }
    }
}

impl fmt::Display for SslMode {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
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
    /// falling back field by field to the `PG*` variables, defaults and the password file, as
    /// described at the top of this file.
    pub fn resolve(
        explicit_url: Option<&str>,
        environment: &dyn Environment,
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
        let from_environment = fields_from_environment(environment)?;
        let fields = from_url.or(from_environment);

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
            None => None,
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
            home_dir: environment.home_dir(),
        };
        if settings.password.is_none() {
            let password_file = environment
                .var("PGPASSFILE")
                .filter(|path| !path.is_empty())
                .map(PathBuf::from)
                .or_else(|| environment.home_dir().map(|home| home.join(".pgpass")));
            if let Some(password_file) = password_file {
                settings.password = password_from_file(&password_file, &settings).map(Secret);
            }
        }
        Ok(settings)
    }

    /// Resolves settings like [`ConnectionSettings::resolve`], reading the real environment.
    pub fn from_process_environment(
        explicit_url: Option<&str>,
    ) -> Result<ConnectionSettings, DbError> {
        ConnectionSettings::resolve(explicit_url, &ProcessEnvironment)
    }

    /// Settings for a server on a Unix socket in `socket_dir`, with no password and no TLS
    /// (PostgreSQL never uses TLS on sockets). Nothing is read from the environment.
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
            connect_timeout: None,
            home_dir: None,
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

    /// Bounds how long opening a connection may take.
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

    /// The environment for a child process such as `pg_dump` or `psql`: the password travels
    /// only here, never on a command line. Callers should also clear `DATABASE_URL` if set.
    pub fn child_env(&self) -> Vec<(String, String)> {
        let mut variables = vec![
            ("PGHOST".to_string(), self.host.to_string()),
            ("PGPORT".to_string(), self.port.to_string()),
            ("PGUSER".to_string(), self.user.clone()),
            ("PGDATABASE".to_string(), self.database.clone()),
            ("PGSSLMODE".to_string(), self.ssl_mode.as_str().to_string()),
        ];
        if let Some(password) = &self.password {
            variables.push(("PGPASSWORD".to_string(), password.0.clone()));
        }
        if let Some(root_cert) = &self.ssl_root_cert {
            variables.push((
                "PGSSLROOTCERT".to_string(),
                root_cert.to_string_lossy().into_owned(),
            ));
        }
        if let Some(application_name) = &self.application_name {
            variables.push(("PGAPPNAME".to_string(), application_name.clone()));
        }
        if let Some(timeout) = self.connect_timeout {
            variables.push((
                "PGCONNECT_TIMEOUT".to_string(),
                timeout.as_secs().max(1).to_string(),
            ));
        }
        variables
    }

    /// Opens a connection. Errors name the (redacted) target and carry the server's message.
    pub fn connect(&self) -> Result<Client, DbError> {
        let mut config = postgres::Config::new();
        match &self.host {
            Host::Socket(directory) => config.host_path(directory),
            Host::Tcp(name) => config.host(name),
        };
        config
            .port(self.port)
            .user(&self.user)
            .dbname(&self.database);
        if let Some(password) = &self.password {
            config.password(password.0.as_bytes());
        }
        if let Some(application_name) = &self.application_name {
            config.application_name(application_name);
        }
        if let Some(timeout) = self.connect_timeout {
            config.connect_timeout(timeout);
        }
        let result = match (&self.host, self.ssl_mode) {
            (Host::Socket(_), _) | (Host::Tcp(_), SslMode::Disable) => {
                config.ssl_mode(ProtocolSslMode::Disable);
                config.connect(NoTls)
            }
            (Host::Tcp(_), mode) => {
                // tokio-postgres only knows disable/prefer/require at the protocol level; the
                // verify-* modes are "require" there, and verification is the connector's job.
                config.ssl_mode(match mode {
                    SslMode::Prefer => ProtocolSslMode::Prefer,
                    _ => ProtocolSslMode::Require,
                });
                config.connect(self.tls_connector()?)
            }
        };
        result.map_err(|error| DbError::Connect {
            target: self.to_string(),
            detail: describe_postgres_error(&error, self.password.as_ref().map(|s| s.0.as_str())),
            server_code: server_code_of(&error),
        })
    }

    /// Builds the OpenSSL connector that gives each sslmode libpq's meaning.
    fn tls_connector(&self) -> Result<MakeTlsConnector, DbError> {
        let tls_error = |problem: String| DbError::TlsSetup {
            target: self.to_string(),
            problem,
        };
        let mut builder = SslConnector::builder(SslMethod::tls_client())
            .map_err(|error| tls_error(format!("OpenSSL refused to start: {error}")))?;
        let verify_chain = match self.ssl_mode {
            SslMode::Disable | SslMode::Prefer => false,
            SslMode::Require => self.ssl_root_cert.is_some(),
            SslMode::VerifyCa | SslMode::VerifyFull => true,
        };
        if verify_chain {
            let root_cert = self.root_cert_path().ok_or_else(|| {
                tls_error(format!(
                    "sslmode={} needs a root certificate, and neither sslrootcert, \
                     PGSSLROOTCERT nor ~/.postgresql/root.crt gives one",
                    self.ssl_mode
                ))
            })?;
            if root_cert != Path::new("system") {
                // Trust only the given roots, as libpq does: SslConnector::builder also loads
                // the system store, which would let any public CA vouch for the server.
                let pem = fs::read(&root_cert).map_err(|error| {
                    tls_error(format!(
                        "could not read the root certificate {}: {error}",
                        root_cert.display()
                    ))
                })?;
                let certificates = X509::stack_from_pem(&pem).map_err(|error| {
                    tls_error(format!(
                        "{} does not hold PEM certificates: {error}",
                        root_cert.display()
                    ))
                })?;
                let mut store = X509StoreBuilder::new()
                    .map_err(|error| tls_error(format!("OpenSSL refused a store: {error}")))?;
                for certificate in certificates {
                    store.add_cert(certificate).map_err(|error| {
                        tls_error(format!(
                            "could not use a certificate from {}: {error}",
                            root_cert.display()
                        ))
                    })?;
                }
                builder.set_cert_store(store.build());
            }
            builder.set_verify(SslVerifyMode::PEER);
        } else {
            builder.set_verify(SslVerifyMode::NONE);
        }
        let mut connector = MakeTlsConnector::new(builder.build());
        let verify_host_name = self.ssl_mode == SslMode::VerifyFull;
        connector.set_callback(move |configuration, _domain| {
            configuration.set_verify_hostname(verify_host_name);
            Ok(())
        });
        Ok(connector)
    }

    /// `sslrootcert` if given, else libpq's default `~/.postgresql/root.crt` when it exists.
    fn root_cert_path(&self) -> Option<PathBuf> {
        self.ssl_root_cert.clone().or_else(|| {
            let default = self.home_dir.as_ref()?.join(".postgresql").join("root.crt");
            default.is_file().then_some(default)
        })
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
        if let Some(root_cert) = &self.ssl_root_cert {
            query.push(format!(
                "sslrootcert={}",
                percent_encode_path(&root_cert.to_string_lossy())
            ));
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
            .finish_non_exhaustive()
    }
}

/// Values gathered from one source before defaults apply. Port, sslmode and timeout keep the
/// name of the parameter or variable they came from, for error messages.
#[derive(Default)]
struct Fields {
    host: Option<String>,
    port: Option<(String, String)>,
    user: Option<String>,
    password: Option<String>,
    database: Option<String>,
    ssl_mode: Option<(String, String)>,
    ssl_root_cert: Option<String>,
    application_name: Option<String>,
    connect_timeout: Option<(String, String)>,
}

impl Fields {
    /// Field by field, `self` wins over `fallback`.
    fn or(self, fallback: Fields) -> Fields {
        Fields {
            host: self.host.or(fallback.host),
            port: self.port.or(fallback.port),
            user: self.user.or(fallback.user),
            password: self.password.or(fallback.password),
            database: self.database.or(fallback.database),
            ssl_mode: self.ssl_mode.or(fallback.ssl_mode),
            ssl_root_cert: self.ssl_root_cert.or(fallback.ssl_root_cert),
            application_name: self.application_name.or(fallback.application_name),
            connect_timeout: self.connect_timeout.or(fallback.connect_timeout),
        }
    }

    /// Stores one libpq keyword. `origin` names the source for errors. Unknown keywords are
    /// rejected, like libpq does, so a typo (`sslmdoe`) does not silently weaken security.
    fn set(&mut self, keyword: &str, value: String, origin: &str) -> Result<(), String> {
        let value_origin = || format!("{keyword} in {origin}");
        match keyword {
            "host" => self.host = Some(value),
            "port" => self.port = Some((value, value_origin())),
            "user" => self.user = Some(value),
            "password" => self.password = Some(value),
            "dbname" => self.database = Some(value),
            "sslmode" => self.ssl_mode = Some((value, value_origin())),
            "sslrootcert" => self.ssl_root_cert = Some(value),
            "application_name" => self.application_name = Some(value),
            "connect_timeout" => self.connect_timeout = Some((value, value_origin())),
            _ => {
                return Err(format!(
                    "it names a parameter this tool does not support (supported: {})",
                    SUPPORTED_KEYWORDS.join(", ")
                ));
            }
        }
        Ok(())
    }
}

const SUPPORTED_KEYWORDS: &[&str] = &[
    "host",
    "port",
    "user",
    "password",
    "dbname",
    "sslmode",
    "sslrootcert",
    "application_name",
    "connect_timeout",
];

fn fields_from_environment(environment: &dyn Environment) -> Result<Fields, DbError> {
    let var = |name: &str| environment.var(name).filter(|value| !value.is_empty());
    let with_origin = |name: &str| var(name).map(|value| (value, name.to_string()));
    Ok(Fields {
        host: var("PGHOST"),
        port: with_origin("PGPORT"),
        user: var("PGUSER"),
        password: var("PGPASSWORD"),
        database: var("PGDATABASE"),
        ssl_mode: with_origin("PGSSLMODE"),
        ssl_root_cert: var("PGSSLROOTCERT"),
        application_name: var("PGAPPNAME"),
        connect_timeout: with_origin("PGCONNECT_TIMEOUT"),
    })
}

fn parse_port(text: &str, origin: &str) -> Result<u16, DbError> {
    match text.parse::<u16>() {
        Ok(port) if port != 0 => Ok(port),
        _ => Err(DbError::InvalidSetting {
            origin: origin.to_string(),
            problem: "expected a port number between 1 and 65535".to_string(),
        }),
    }
}

/// libpq reads `connect_timeout` as whole seconds, and treats 0 (or negative) as "wait forever".
fn parse_connect_timeout(text: &str, origin: &str) -> Result<Option<Duration>, DbError> {
    match text.trim().parse::<i64>() {
        Ok(seconds) if seconds <= 0 => Ok(None),
        // libpq raises timeouts below 2 s to 2 s, since 1 s can expire before a reply arrives.
        Ok(seconds) => Ok(Some(Duration::from_secs(seconds.max(2).unsigned_abs()))),
        Err(_) => Err(DbError::InvalidSetting {
            origin: origin.to_string(),
            problem: "expected a whole number of seconds".to_string(),
        }),
    }
}

/// Parses a `postgresql://` / `postgres://` URL or a libpq key=value string. Errors never quote
/// the input: it may hold a password.
fn parse_connection_string(text: &str, origin: &str) -> Result<Fields, DbError> {
    let invalid = |problem: String| DbError::InvalidUrl {
        origin: origin.to_string(),
        problem,
    };
    let text = text.trim();
    if let Some(rest) = text
        .strip_prefix("postgresql://")
        .or_else(|| text.strip_prefix("postgres://"))
    {
        parse_url(rest, origin).map_err(invalid)
    } else if text.contains('=') {
        parse_key_value(text, origin).map_err(invalid)
    } else {
        Err(invalid(
            "it starts neither with postgresql:// (or postgres://) nor with key=value pairs"
                .to_string(),
        ))
    }
}

/// Parses what follows `postgresql://`: `[user[:password]@][host][:port][/dbname][?k=v&…]`.
fn parse_url(rest: &str, origin: &str) -> Result<Fields, String> {
    let mut fields = Fields::default();
    let (before_query, query) = match rest.split_once('?') {
        Some((before, query)) => (before, Some(query)),
        None => (rest, None),
    };
    let (authority, path) = match before_query.split_once('/') {
        Some((authority, path)) => (authority, Some(path)),
        None => (before_query, None),
    };
    // The last `@` ends the user information, so an unencoded `@` in a password still parses
    // (libpq takes the first, and would then show half the password as the host name).
    let host_and_port = match authority.rsplit_once('@') {
        Some((user_info, host_and_port)) => {
            let (user, password) = match user_info.split_once(':') {
                Some((user, password)) => (user, Some(password)),
                None => (user_info, None),
            };
            if !user.is_empty() {
                fields.user = Some(percent_decode(user, "the user name")?);
            }
            if let Some(password) = password {
                fields.password = Some(percent_decode(password, "the password")?);
            }
            host_and_port
        }
        None => authority,
    };
    if host_and_port.contains(',') {
        return Err("it lists several hosts, which this tool does not support".to_string());
    }
    let (host, port) = if let Some(bracketed) = host_and_port.strip_prefix('[') {
        let (address, after) = bracketed
            .split_once(']')
            .ok_or_else(|| "an IPv6 address in brackets is missing its `]`".to_string())?;
        match after {
            "" => (address, None),
            _ => match after.strip_prefix(':') {
                Some(port) => (address, Some(port)),
                None => return Err("unexpected text after the bracketed IPv6 address".to_string()),
            },
        }
    } else {
        match host_and_port.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (host_and_port, None),
        }
    };
    if !host.is_empty() {
        fields.host = Some(percent_decode(host, "the host")?);
    }
    if let Some(port) = port.filter(|port| !port.is_empty()) {
        if port.parse::<u16>().is_err() {
            return Err("the port is not a number between 1 and 65535".to_string());
        }
        fields.port = Some((port.to_string(), format!("the port in {origin}")));
    }
    if let Some(path) = path.filter(|path| !path.is_empty()) {
        fields.database = Some(percent_decode(path, "the database name")?);
    }
    for (position, pair) in query
        .into_iter()
        .flat_map(|query| query.split('&'))
        .filter(|pair| !pair.is_empty())
        .enumerate()
    {
        let (keyword, value) = pair
            .split_once('=')
            .ok_or_else(|| format!("query parameter {} has no `=`", position + 1))?;
        let keyword = percent_decode(keyword, "a query parameter name")?;
        let value = percent_decode(value, "a query parameter value")?;
        // libpq accepts `ssl=true` from JDBC-style URLs as sslmode=require.
        let (keyword, value) = match (keyword.as_str(), value.as_str()) {
            ("ssl", "true") => ("sslmode".to_string(), "require".to_string()),
            _ => (keyword, value),
        };
        fields
            .set(&keyword, value, origin)
            .map_err(|problem| format!("query parameter {}: {problem}", position + 1))?;
    }
    Ok(fields)
}

/// Parses libpq's `keyword = value` form; values may be single-quoted with `\'` and `\\`.
fn parse_key_value(text: &str, origin: &str) -> Result<Fields, String> {
    let mut fields = Fields::default();
    let mut characters = text.chars().peekable();
    let mut position = 0;
    loop {
        while characters.next_if(|c| c.is_whitespace()).is_some() {}
        if characters.peek().is_none() {
            return Ok(fields);
        }
        position += 1;
        let mut keyword = String::new();
        while let Some(c) = characters.next_if(|c| *c != '=' && !c.is_whitespace()) {
            keyword.push(c);
        }
        while characters.next_if(|c| c.is_whitespace()).is_some() {}
        if characters.next() != Some('=') {
            return Err(format!("setting {position} has no `=`"));
        }
        while characters.next_if(|c| c.is_whitespace()).is_some() {}
        let mut value = String::new();
        if characters.next_if_eq(&'\'').is_some() {
            loop {
                match characters.next() {
                    Some('\\') => match characters.next() {
                        Some(escaped) => value.push(escaped),
                        None => return Err(format!("setting {position} ends inside quotes")),
                    },
                    Some('\'') => break,
                    Some(c) => value.push(c),
                    None => return Err(format!("setting {position} has no closing quote")),
                }
            }
        } else {
            while let Some(c) = characters.next_if(|c| !c.is_whitespace()) {
                if c == '\\' {
                    if let Some(escaped) = characters.next() {
                        value.push(escaped);
                    }
                } else {
                    value.push(c);
                }
            }
        }
        fields
            .set(&keyword, value, origin)
            .map_err(|problem| format!("setting {position}: {problem}"))?;
    }
}

fn percent_decode(text: &str, what: &str) -> Result<String, String> {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' {
            let hex = bytes
                .get(index + 1..index + 3)
                .and_then(|pair| std::str::from_utf8(pair).ok())
                .and_then(|pair| u8::from_str_radix(pair, 16).ok())
                .ok_or_else(|| format!("{what} has a `%` not followed by two hex digits"))?;
            decoded.push(hex);
            index += 3;
        } else {
            decoded.push(bytes[index]);
            index += 1;
        }
    }
    String::from_utf8(decoded).map_err(|_| format!("{what} is not UTF-8 once decoded"))
}

/// Encodes everything but unreserved URL characters.
fn percent_encode(text: &str) -> String {
    encode_except(text, |byte| {
        byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~')
    })
}

/// Like `percent_encode` but keeps `/`, for paths in query values.
fn percent_encode_path(text: &str) -> String {
    encode_except(text, |byte| {
        byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~' | b'/')
    })
}

fn encode_except(text: &str, keep: impl Fn(u8) -> bool) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if keep(byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

/// Looks the password up in a libpq password file. Follows libpq: the file is ignored unless
/// it is a regular file with no group or other permissions; lines are
/// `host:port:database:user:password`, `*` matches anything, `\` escapes `:` and `\`, and the
/// first matching line wins. For a socket in the default directory the host to match is
/// `localhost`; other socket directories match by their path.
fn password_from_file(path: &Path, settings: &ConnectionSettings) -> Option<String> {
    let metadata = fs::metadata(path).ok()?;
    if !metadata.is_file() || metadata.permissions().mode() & 0o077 != 0 {
        return None;
    }
    let contents = fs::read_to_string(path).ok()?;
    let host = match &settings.host {
        Host::Socket(directory) if directory == Path::new(DEFAULT_SOCKET_DIR) => {
            "localhost".to_string()
        }
        other => other.to_string(),
    };
    let port = settings.port.to_string();
    let wanted = [
        host.as_str(),
        port.as_str(),
        settings.database.as_str(),
        settings.user.as_str(),
    ];
    contents.lines().find_map(|line| {
        if line.is_empty() || line.starts_with('#') {
            return None;
        }
        let fields = split_password_line(line);
        let [host, port, database, user, password] = fields.as_slice() else {
            return None;
        };
        let matches = [host, port, database, user]
            .iter()
            .zip(wanted)
            .all(|(field, value)| field.is_wildcard || field.text == value);
        (matches && !password.text.is_empty()).then(|| password.text.clone())
    })
}

/// One `:`-separated field of a password-file line, unescaped.
struct PasswordFileField {
    text: String,
    /// The field was exactly `*`; an escaped `\*` is a literal star instead.
    is_wildcard: bool,
}

/// Splits a password-file line into at most five fields. As in libpq, an unescaped `:` after
/// the password ends it.
fn split_password_line(line: &str) -> Vec<PasswordFileField> {
    let mut fields = Vec::new();
    let mut raw = String::new();
    let mut text = String::new();
    let mut characters = line.chars();
    loop {
        match characters.next() {
            Some('\\') => {
                raw.push('\\');
                if let Some(escaped) = characters.next() {
                    raw.push(escaped);
                    text.push(escaped);
                }
            }
            separator @ (Some(':') | None) => {
                fields.push(PasswordFileField {
                    is_wildcard: raw == "*",
                    text: std::mem::take(&mut text),
                });
                raw.clear();
                if separator.is_none() || fields.len() == 5 {
                    break;
                }
            }
            Some(c) => {
                raw.push(c);
                text.push(c);
            }
        }
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;
    use std::io::Write;

    /// A fake environment: variables from a map, a fixed OS user and home.
    struct FakeEnvironment {
        variables: BTreeMap<String, String>,
        socket_dir: Option<PathBuf>,
        home: Option<PathBuf>,
    }

    fn environment(pairs: &[(&str, &str)]) -> FakeEnvironment {
        FakeEnvironment {
            variables: pairs
                .iter()
                .map(|(name, value)| (name.to_string(), value.to_string()))
                .collect(),
            socket_dir: None,
            home: None,
        }
    }

    impl Environment for FakeEnvironment {
        fn var(&self, name: &str) -> Option<String> {
            self.variables.get(name).cloned()
        }
        fn os_user(&self) -> Option<String> {
            Some("osuser".to_string())
        }
        fn home_dir(&self) -> Option<PathBuf> {
            self.home.clone()
        }
        fn default_socket_dir(&self) -> Option<PathBuf> {
            self.socket_dir.clone()
        }
    }

    /// Resolves and renders the settings as one line of text, including whether a password
    /// was found and what it is, so tests compare text to text.
    fn check(url: Option<&str>, environment: &FakeEnvironment) -> String {
        let settings = expect_ok(url, environment);
        let password = settings
            .password
            .as_ref()
            .map_or("none".to_string(), |secret| secret.0.clone());
        format!(
            "{settings} password={password} app={}",
            settings.application_name().unwrap_or("-")
        )
    }

    fn expect_ok(url: Option<&str>, environment: &FakeEnvironment) -> ConnectionSettings {
        match ConnectionSettings::resolve(url, environment) {
            Ok(settings) => settings,
            Err(error) => panic!("expected settings, got error: {error}"),
        }
    }

    fn expect_error(url: Option<&str>, environment: &FakeEnvironment) -> String {
        match ConnectionSettings::resolve(url, environment) {
            Ok(settings) => panic!("expected an error, got {settings}"),
            Err(error) => error.to_string(),
        }
    }

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
    fn url_fields_are_percent_decoded() {
        let url = "postgresql://al%40ice:p%3Ass%2Fw@db.example.com:6543/my%20db?sslmode=verify-full&sslrootcert=/etc/ca.pem&application_name=plan%20apply";
        assert_eq!(
            check(Some(url), &environment(&[])),
            "postgresql://al%40ice@db.example.com:6543/my%20db?sslmode=verify-full&sslrootcert=/etc/ca.pem password=p:ss/w app=plan apply"
        );
    }

    #[test]
    fn postgres_scheme_and_socket_host_in_query_are_accepted() {
        assert_eq!(
            check(
                Some("postgres://bob@/shop?host=%2Ftmp%2Fsock&port=5433"),
                &environment(&[])
            ),
            "postgresql://bob@:5433/shop?host=/tmp/sock password=none app=-"
        );
        assert_eq!(
            check(Some("postgres://%2Ftmp%2Fsock/shop"), &environment(&[])),
            "postgresql://osuser@:5432/shop?host=/tmp/sock password=none app=-"
        );
    }

    #[test]
    fn unencoded_at_sign_in_password_still_parses() {
        assert_eq!(
            check(Some("postgresql://u:p@ss@h/d"), &environment(&[])),
            "postgresql://u@h:5432/d password=p@ss app=-"
        );
    }

    #[test]
    fn ipv6_hosts_keep_their_brackets() {
        assert_eq!(
            check(Some("postgresql://u@[::1]:5999/d"), &environment(&[])),
            "postgresql://u@[::1]:5999/d password=none app=-"
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
    fn key_value_strings_are_accepted() {
        assert_eq!(
            check(
                Some("host=db port = 6000 user=u password='two words' dbname=x sslmode=require"),
                &environment(&[])
            ),
            "postgresql://u@db:6000/x?sslmode=require password=two words app=-"
        );
        assert_eq!(
            check(Some(r"host=db password='a \'b\\c'"), &environment(&[])),
            r"postgresql://osuser@db:5432/osuser password=a 'b\c app=-"
        );
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
    fn environment_alone_is_enough() {
        let fake = environment(&[
            ("PGHOST", "/run/pg"),
            ("PGPORT", "5999"),
            ("PGUSER", "u"),
            ("PGDATABASE", "d"),
            ("PGSSLMODE", "verify-ca"),
            ("PGSSLROOTCERT", "/ca.pem"),
        ]);
        assert_eq!(
            check(None, &fake),
            "postgresql://u@:5999/d?host=/run/pg&sslmode=verify-ca&sslrootcert=/ca.pem password=none app=-"
        );
    }

    #[test]
    fn bad_values_are_reported_without_echoing_the_url() {
        let error = expect_error(Some("postgresql://u:hunter2@h:99999/d"), &environment(&[]));
        assert!(!error.contains("hunter2"), "{error}");
        assert_eq!(
            error,
            "the database URL from --database-url is invalid: the port is not a number between 1 and 65535"
        );
        let error = expect_error(Some("mysql://u:hunter2@h/d"), &environment(&[]));
        assert!(!error.contains("hunter2"), "{error}");
        let error = expect_error(
            Some("postgresql://u:hunter2@h/d?hunter2"),
            &environment(&[]),
        );
        assert_eq!(
            error,
            "the database URL from --database-url is invalid: query parameter 1 has no `=`"
        );
        let error = expect_error(Some("postgresql://u:%zz@h/d"), &environment(&[]));
        assert!(error.contains("the password has a `%`"), "{error}");
        let error = expect_error(None, &environment(&[("PGSSLMODE", "verify")]));
        assert!(error.starts_with("PGSSLMODE is invalid"), "{error}");
    }

    #[test]
    fn password_is_hidden_from_debug_and_display() {
        let settings = expect_ok(Some("postgresql://u:hunter2@h/d"), &environment(&[]));
        assert!(!format!("{settings}").contains("hunter2"));
        assert!(!format!("{settings:?}").contains("hunter2"));
        assert!(!format!("{settings:#?}").contains("hunter2"));
        assert!(settings.has_password());
    }

    #[test]
    fn child_env_carries_the_password_only_there() {
        let settings = expect_ok(
            Some("postgresql://u:hunter2@h:6000/d?sslmode=verify-full&sslrootcert=/ca.pem"),
            &environment(&[]),
        );
        let rendered: Vec<String> = settings
            .child_env()
            .into_iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect();
        assert_eq!(
            rendered,
            [
                "PGHOST=h",
                "PGPORT=6000",
                "PGUSER=u",
                "PGDATABASE=d",
                "PGSSLMODE=verify-full",
                "PGPASSWORD=hunter2",
                "PGSSLROOTCERT=/ca.pem"
            ]
        );
    }

    fn password_file(contents: &str, mode: u32) -> tempfile::NamedTempFile {
        let mut file = tempfile::NamedTempFile::new().expect("temp file");
        file.write_all(contents.as_bytes()).expect("write pgpass");
        fs::set_permissions(file.path(), fs::Permissions::from_mode(mode)).expect("chmod");
        file
    }

    fn with_password_file(
        file: &tempfile::NamedTempFile,
        pairs: &[(&str, &str)],
    ) -> FakeEnvironment {
        let mut fake = environment(pairs);
        fake.variables.insert(
            "PGPASSFILE".to_string(),
            file.path().to_string_lossy().into_owned(),
        );
        fake
    }

    #[test]
    fn password_file_first_matching_line_wins_with_wildcards_and_escapes() {
        let file = password_file(
            "# comment\n\
             otherhost:*:*:u:wrong\n\
             db\\:1:5432:*:u:pa\\:ss\\\\word\n\
             *:*:*:u:fallback\n",
            0o600,
        );
        let fake = with_password_file(&file, &[]);
        assert_eq!(
            expect_ok(Some("postgresql://u@db%3A1/x"), &fake)
                .password
                .map(|secret| secret.0),
            Some(r"pa:ss\word".to_string())
        );
        assert_eq!(
            expect_ok(Some("postgresql://u@elsewhere/x"), &fake)
                .password
                .map(|secret| secret.0),
            Some("fallback".to_string())
        );
    }

    #[test]
    fn password_file_is_ignored_when_group_or_others_can_read_it() {
        let file = password_file("*:*:*:*:secret\n", 0o644);
        let fake = with_password_file(&file, &[]);
        assert!(!expect_ok(Some("postgresql://u@h/d"), &fake).has_password());
    }

    #[test]
    fn password_file_is_not_read_when_a_password_was_given() {
        let file = password_file("*:*:*:*:from-file\n", 0o600);
        let fake = with_password_file(&file, &[("PGPASSWORD", "from-env")]);
        assert_eq!(
            check(Some("postgresql://u@h/d"), &fake),
            "postgresql://u@h:5432/d password=from-env app=-"
        );
    }

    #[test]
    fn default_socket_directory_matches_localhost_in_password_file() {
        let file = password_file("localhost:5432:*:u:socket-secret\n", 0o600);
        let mut fake = with_password_file(&file, &[("PGUSER", "u")]);
        fake.socket_dir = Some(PathBuf::from(DEFAULT_SOCKET_DIR));
        assert_eq!(
            expect_ok(None, &fake).password.map(|secret| secret.0),
            Some("socket-secret".to_string())
        );
    }

    #[test]
    fn escaped_star_matches_only_a_literal_star() {
        let file = password_file("\\*:*:*:*:literal\n", 0o600);
        let fake = with_password_file(&file, &[]);
        assert!(!expect_ok(Some("postgresql://u@h/d"), &fake).has_password());
    }

    #[test]
    fn connect_timeout_follows_libpq() {
        let settings = expect_ok(
            Some("postgresql://u@h/d?connect_timeout=1"),
            &environment(&[]),
        );
        assert_eq!(settings.connect_timeout, Some(Duration::from_secs(2)));
        let settings = expect_ok(
            Some("postgresql://u@h/d?connect_timeout=0"),
            &environment(&[]),
        );
        assert_eq!(settings.connect_timeout, None);
    }
}
