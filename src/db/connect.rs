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
//! Children must reach exactly the database `plan` resolved: libpq in a child would otherwise
//! let an inherited `PGSERVICE` override the `PG*` variables we set. So `configure_child`
//! removes every inherited `PG*` variable and `DATABASE_URL`, and sets each resolved value.

use std::collections::BTreeSet;
use std::fmt;
use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::mpsc;
use std::time::Duration;

use openssl::ssl::{SslConnector, SslFiletype, SslMethod, SslVerifyMode};
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

/// How long opening a connection may take when no `connect_timeout` is given. libpq waits as
/// long as the operating system lets it; a run against a server that accepts and never answers
/// would hang, so `plan` bounds it.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Where libpq on Debian and Ubuntu looks for the system-wide `pg_service.conf` when
/// `PGSYSCONFDIR` is not set (`pg_config --sysconfdir`).
pub const DEFAULT_SYSCONF_DIR: &str = "/etc/postgresql-common";

/// What replaces the password in text a child printed (see [`ConnectionSettings::scrub`]).
pub const PASSWORD_MASK: &str = "<redacted>";

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
    /// The folder holding the system-wide `pg_service.conf` when `PGSYSCONFDIR` is not set.
    /// `None` (the default) looks in no system folder, which keeps test environments from
    /// reading the machine's files.
    fn default_sysconf_dir(&self) -> Option<PathBuf> {
        None
    }
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

    fn default_sysconf_dir(&self) -> Option<PathBuf> {
        Some(PathBuf::from(DEFAULT_SYSCONF_DIR))
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
    /// then the service it names (or `PGSERVICE`), falling back field by field to the `PG*`
    /// variables, defaults and the password file, as described at the top of this file.
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
            let password_file = environment
                .var("PGPASSFILE")
                .filter(|path| !path.is_empty())
                .map(PathBuf::from)
                .or_else(|| environment.home_dir().map(|home| home.join(".pgpass")));
            if let Some(password_file) = password_file {
                settings.password = password_from_file(&password_file, &settings).map(Secret);
                settings.extras.password_file = Some(password_file);
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

    /// Points a child process (`pg_dump`, `pg_restore`, a `command` step) at exactly this
    /// database: every `PG*` variable it would inherit from us is removed, with
    /// `DATABASE_URL`, and each resolved setting is set as its `PG*` variable. Otherwise libpq
    /// in the child would let an inherited `PGSERVICE` (or `PGHOSTADDR`, `PGOPTIONS`, …)
    /// override what we set. The password travels only here (`PGPASSWORD`), never on a
    /// command line. Call it before adding the child's own variables.
    pub fn configure_child(&self, command: &mut Command) {
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("PG") {
                command.env_remove(&name);
            }
        }
        command.env_remove("DATABASE_URL");
        command.envs(self.child_variables());
    }

    /// `text` (what a child printed) with the password, and its URL-encoded forms, replaced by
    /// [`PASSWORD_MASK`]. Children get the password in their environment, and a failing one
    /// may print it; nothing it printed is repeated without passing through here.
    pub fn scrub(&self, text: &str) -> String {
        let Some(Secret(password)) = &self.password else {
            return text.to_string();
        };
        if password.is_empty() {
            return text.to_string();
        }
        let encoded = percent_encode(password);
        // `%2f` decodes like `%2F`: lowercase escapes are the other usual spelling.
        let lowercase_escapes = lowercase_escapes(&encoded);
        let mut forms: Vec<&str> = Vec::new();
        for form in [password.as_str(), &encoded, &lowercase_escapes] {
            if !forms.contains(&form) {
                forms.push(form);
            }
        }
        // Longest first, so that a form containing another is masked whole.
        forms.sort_by_key(|form| std::cmp::Reverse(form.len()));
        let mut scrubbed = text.to_string();
        for form in forms {
            scrubbed = scrubbed.replace(form, PASSWORD_MASK);
        }
        scrubbed
    }

    /// The variables [`ConnectionSettings::configure_child`] sets: each resolved setting as
    /// libpq's variable for it.
    fn child_variables(&self) -> Vec<(String, String)> {
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
        let paths = [
            ("PGSSLROOTCERT", &self.ssl_root_cert),
            ("PGSSLCERT", &self.extras.ssl_cert),
            ("PGSSLKEY", &self.extras.ssl_key),
            ("PGPASSFILE", &self.extras.password_file),
        ];
        for (name, path) in paths {
            if let Some(path) = path {
                variables.push((name.to_string(), path.to_string_lossy().into_owned()));
            }
        }
        if let Some(application_name) = &self.application_name {
            variables.push(("PGAPPNAME".to_string(), application_name.clone()));
        }
        if let Some(options) = &self.extras.options {
            variables.push(("PGOPTIONS".to_string(), options.clone()));
        }
        if let Some(timeout) = self.connect_timeout {
            // libpq counts whole seconds and reads 0 as "no limit": round up, never to 0.
            let seconds = timeout.as_secs() + u64::from(timeout.subsec_nanos() > 0);
            variables.push(("PGCONNECT_TIMEOUT".to_string(), seconds.max(1).to_string()));
        }
        variables
    }

    /// Opens a connection. Errors name the (redacted) target and carry the server's message.
    ///
    /// The connect timeout bounds the whole handshake: TCP connect, TLS, start-up and
    /// authentication. The `postgres` crate's own `connect_timeout` covers only the socket
    /// connect, so a server that accepts and never answers would hang it; the attempt runs on
    /// a thread of its own and is abandoned at the deadline. An abandoned attempt keeps its
    /// thread and socket until the server answers or closes the connection (PostgreSQL closes
    /// a silent start-up after `authentication_timeout`, a minute by default); a connection
    /// it opens late is closed at once.
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
        if let Some(options) = &self.extras.options {
            config.options(options);
        }
        if let Some(timeout) = self.connect_timeout {
            config.connect_timeout(timeout);
        }
        type Attempt = Box<dyn FnOnce() -> Result<Client, postgres::Error> + Send>;
        let attempt: Attempt = match (&self.host, self.ssl_mode) {
            (Host::Socket(_), _) | (Host::Tcp(_), SslMode::Disable) => {
                config.ssl_mode(ProtocolSslMode::Disable);
                Box::new(move || config.connect(NoTls))
            }
            (Host::Tcp(_), mode) => {
                // tokio-postgres only knows disable/prefer/require at the protocol level; the
                // verify-* modes are "require" there, and verification is the connector's job.
                config.ssl_mode(match mode {
                    SslMode::Prefer => ProtocolSslMode::Prefer,
                    _ => ProtocolSslMode::Require,
                });
                let connector = self.tls_connector()?;
                Box::new(move || config.connect(connector))
            }
        };
        let connect_error = |detail: String, server_code: Option<String>| DbError::Connect {
            target: self.to_string(),
            detail,
            server_code,
        };
        let result = match self.connect_timeout {
            None => attempt(),
            Some(limit) => {
                let (sender, receiver) = mpsc::channel();
                std::thread::Builder::new()
                    .name("plan-connect".to_string())
                    .spawn(move || {
                        // Nobody listens after the deadline: the late client is dropped here,
                        // which closes its connection.
                        let _ = sender.send(attempt());
                    })
                    .map_err(|error| {
                        connect_error(
                            format!("could not start a thread to connect: {error}"),
                            None,
                        )
                    })?;
                match receiver.recv_timeout(limit) {
                    Ok(result) => result,
                    Err(mpsc::RecvTimeoutError::Timeout) => {
                        return Err(connect_error(
                            format!(
                                "the server did not answer within {} (connect_timeout); \
                                 connecting, TLS, start-up and authentication must all finish \
                                 within it",
                                describe_duration(limit)
                            ),
                            None,
                        ));
                    }
                    Err(mpsc::RecvTimeoutError::Disconnected) => {
                        return Err(connect_error(
                            "the connection attempt ended without a result".to_string(),
                            None,
                        ));
                    }
                }
            }
        };
        result.map_err(|error| {
            connect_error(
                describe_postgres_error(&error, self.password.as_ref().map(|s| s.0.as_str())),
                server_code_of(&error),
            )
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
        if let Some((certificate, key)) = self.client_certificate().map_err(tls_error)? {
            builder
                .set_certificate_chain_file(&certificate)
                .map_err(|error| {
                    tls_error(format!(
                        "could not read the client certificate {}: {error}",
                        certificate.display()
                    ))
                })?;
            builder
                .set_private_key_file(&key, SslFiletype::PEM)
                .map_err(|error| {
                    tls_error(format!(
                        "could not read the private key {}: {error}",
                        key.display()
                    ))
                })?;
            builder.check_private_key().map_err(|error| {
                tls_error(format!(
                    "the private key {} does not match the certificate {}: {error}",
                    key.display(),
                    certificate.display()
                ))
            })?;
        }
        let mut connector = MakeTlsConnector::new(builder.build());
        let verify_host_name = self.ssl_mode == SslMode::VerifyFull;
        connector.set_callback(move |configuration, _domain| {
            configuration.set_verify_hostname(verify_host_name);
            Ok(())
        });
        Ok(connector)
    }

    /// The client certificate and key to present, as libpq chooses them: `sslcert`, else
    /// `~/.postgresql/postgresql.crt`; none when that file does not exist (the server may not
    /// ask for one). The key is `sslkey`, else `~/.postgresql/postgresql.key`, and must exist,
    /// be a regular file and be private (0600, or 0640 when owned by root), as libpq demands.
    fn client_certificate(&self) -> Result<Option<(PathBuf, PathBuf)>, String> {
        let default = |name: &str| {
            self.extras
                .home_dir
                .as_ref()
                .map(|home| home.join(".postgresql").join(name))
        };
        let Some(certificate) = self
            .extras
            .ssl_cert
            .clone()
            .or_else(|| default("postgresql.crt"))
        else {
            return Ok(None);
        };
        match fs::metadata(&certificate) {
            Ok(_) => {}
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(error) => {
                return Err(format!(
                    "could not open the client certificate {}: {error}",
                    certificate.display()
                ));
            }
        }
        let key = self
            .extras
            .ssl_key
            .clone()
            .or_else(|| default("postgresql.key"))
            .ok_or_else(|| {
                format!(
                    "the client certificate {} has no private key: set sslkey (PGSSLKEY)",
                    certificate.display()
                )
            })?;
        let metadata = fs::metadata(&key).map_err(|error| {
            format!(
                "the client certificate {} is there, but not its private key {}: {error}",
                certificate.display(),
                key.display()
            )
        })?;
        if !metadata.is_file() {
            return Err(format!("the private key {} is not a file", key.display()));
        }
        let mode = metadata.permissions().mode();
        let too_open = if metadata.uid() == nix::unistd::geteuid().as_raw() {
            mode & 0o077 != 0
        } else if metadata.uid() == 0 {
            mode & 0o037 != 0
        } else {
            false
        };
        if too_open {
            return Err(format!(
                "the private key {} has group or world access; it must have permissions u=rw \
                 (0600) or less if owned by the current user, or u=rw,g=r (0640) or less if \
                 owned by root",
                key.display()
            ));
        }
        Ok(Some((certificate, key)))
    }

    /// `sslrootcert` if given, else libpq's default `~/.postgresql/root.crt` when it exists.
    fn root_cert_path(&self) -> Option<PathBuf> {
        self.ssl_root_cert.clone().or_else(|| {
            let default = self
                .extras
                .home_dir
                .as_ref()?
                .join(".postgresql")
                .join("root.crt");
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
    ssl_cert: Option<String>,
    ssl_key: Option<String>,
    application_name: Option<String>,
    options: Option<String>,
    connect_timeout: Option<(String, String)>,
    /// Only a connection string names a service; a service file cannot (libpq refuses nesting).
    service: Option<String>,
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
            ssl_cert: self.ssl_cert.or(fallback.ssl_cert),
            ssl_key: self.ssl_key.or(fallback.ssl_key),
            application_name: self.application_name.or(fallback.application_name),
            options: self.options.or(fallback.options),
            connect_timeout: self.connect_timeout.or(fallback.connect_timeout),
            service: self.service.or(fallback.service),
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
            "sslcert" => self.ssl_cert = Some(value),
            "sslkey" => self.ssl_key = Some(value),
            "application_name" => self.application_name = Some(value),
            "options" => self.options = Some(value),
            "connect_timeout" => self.connect_timeout = Some((value, value_origin())),
            "service" => self.service = Some(value),
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
    "sslcert",
    "sslkey",
    "application_name",
    "options",
    "connect_timeout",
    "service",
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
        ssl_cert: var("PGSSLCERT"),
        ssl_key: var("PGSSLKEY"),
        application_name: var("PGAPPNAME"),
        options: var("PGOPTIONS"),
        connect_timeout: with_origin("PGCONNECT_TIMEOUT"),
        // PGSERVICE is read before the service file, in `resolve`.
        service: None,
    })
}

/// The settings of connection service `name`, found as libpq's `parseServiceInfo` finds
/// them: in `PGSERVICEFILE` (which must then exist) or else `~/.pg_service.conf` (if it
/// exists); only when the service is not there, in `pg_service.conf` of `PGSYSCONFDIR` (else
/// the system folder). Not found anywhere is an error, as in libpq.
fn fields_from_service(name: &str, environment: &dyn Environment) -> Result<Fields, DbError> {
    let mut searched = Vec::new();
    let user_file = match environment
        .var("PGSERVICEFILE")
        .filter(|path| !path.is_empty())
    {
        Some(path) => Some(PathBuf::from(path)),
        None => environment
            .home_dir()
            .map(|home| home.join(".pg_service.conf"))
            .filter(|path| fs::metadata(path).is_ok()),
    };
    if let Some(path) = user_file {
        let text = fs::read_to_string(&path).map_err(|error| DbError::ServiceFile {
            path: path.clone(),
            problem: format!("it cannot be read: {error}"),
        })?;
        if let Some(fields) = service_in_file(&text, name, &path)? {
            return Ok(fields);
        }
        searched.push(path);
    }
    let system_folder = environment
        .var("PGSYSCONFDIR")
        .filter(|path| !path.is_empty())
        .map(PathBuf::from)
        .or_else(|| environment.default_sysconf_dir());
    if let Some(folder) = system_folder {
        let path = folder.join("pg_service.conf");
        if fs::metadata(&path).is_ok() {
            let text = fs::read_to_string(&path).map_err(|error| DbError::ServiceFile {
                path: path.clone(),
                problem: format!("it cannot be read: {error}"),
            })?;
            if let Some(fields) = service_in_file(&text, name, &path)? {
                return Ok(fields);
            }
        }
        searched.push(path);
    }
    Err(DbError::ServiceNotFound {
        service: name.to_string(),
        searched: if searched.is_empty() {
            "no service file: neither PGSERVICEFILE, ~/.pg_service.conf nor PGSYSCONFDIR"
                .to_string()
        } else {
            searched
                .iter()
                .map(|path| path.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        },
    })
}

/// The settings of group `[name]` in a service file's `text`, or `None` when it has no such
/// group. Read as libpq reads it: blank lines and `#` comments skipped, whitespace around a
/// line ignored (not around `=`), the group ending at the next `[…]` line, and within a group
/// the first value of a keyword kept. `service=` inside a group, LDAP lines and keywords this
/// tool does not support are errors naming the line.
fn service_in_file(text: &str, name: &str, path: &Path) -> Result<Option<Fields>, DbError> {
    let problem_at = |line: usize, problem: String| DbError::ServiceFile {
        path: path.to_path_buf(),
        problem: format!("line {line}: {problem}"),
    };
    let mut fields = Fields::default();
    let mut seen = BTreeSet::new();
    let mut in_group = false;
    let mut found = false;
    for (index, raw) in text.lines().enumerate() {
        let line_number = index + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if line.starts_with('[') {
            if found {
                break;
            }
            in_group = line
                .strip_prefix('[')
                .and_then(|rest| rest.strip_prefix(name))
                .is_some_and(|rest| rest.starts_with(']'));
            found = in_group;
            continue;
        }
        if !in_group {
            continue;
        }
        if line.starts_with("ldap") {
            return Err(problem_at(
                line_number,
                "LDAP lookups are not supported by this tool".to_string(),
            ));
        }
        let Some((keyword, value)) = line.split_once('=') else {
            return Err(problem_at(
                line_number,
                "syntax error: expected keyword=value".to_string(),
            ));
        };
        if keyword == "service" {
            return Err(problem_at(
                line_number,
                "nested service specifications are not supported".to_string(),
            ));
        }
        if !seen.insert(keyword.to_string()) {
            continue;
        }
        let origin = format!("service `{name}` ({}, line {line_number})", path.display());
        fields
            .set(keyword, value.to_string(), &origin)
            .map_err(|problem| problem_at(line_number, format!("`{keyword}`: {problem}")))?;
    }
    Ok(found.then_some(fields))
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

/// `10 s`, or `1500 ms` when not a whole number of seconds.
fn describe_duration(duration: Duration) -> String {
    if duration.subsec_nanos() == 0 {
        format!("{} s", duration.as_secs())
    } else {
        format!("{} ms", duration.as_millis())
    }
}

/// `encoded` with the two hex digits after each `%` in lowercase.
fn lowercase_escapes(encoded: &str) -> String {
    let mut result = String::with_capacity(encoded.len());
    let mut digits_left = 0;
    for character in encoded.chars() {
        if digits_left > 0 {
            result.push(character.to_ascii_lowercase());
            digits_left -= 1;
        } else {
            if character == '%' {
                digits_left = 2;
            }
            result.push(character);
        }
    }
    result
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
        sysconf_dir: Option<PathBuf>,
    }

    fn environment(pairs: &[(&str, &str)]) -> FakeEnvironment {
        FakeEnvironment {
            variables: pairs
                .iter()
                .map(|(name, value)| (name.to_string(), value.to_string()))
                .collect(),
            socket_dir: None,
            home: None,
            sysconf_dir: None,
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
        fn default_sysconf_dir(&self) -> Option<PathBuf> {
            self.sysconf_dir.clone()
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

    /// What `configure_child` does to a command: `NAME=value` for what it sets, `-NAME` for
    /// what it removes, sorted.
    fn child_environment(settings: &ConnectionSettings) -> Vec<String> {
        let mut command = Command::new("true");
        settings.configure_child(&mut command);
        let mut rendered: Vec<String> = command
            .get_envs()
            .map(|(name, value)| match value {
                Some(value) => format!("{}={}", name.to_string_lossy(), value.to_string_lossy()),
                None => format!("-{}", name.to_string_lossy()),
            })
            .collect();
        rendered.sort();
        rendered
    }

    #[test]
    fn issue_11_a_child_gets_every_resolved_setting_and_no_inherited_connection() {
        let settings = expect_ok(
            Some(
                "postgresql://u:hunter2@h:6000/d?sslmode=verify-full&sslrootcert=/ca.pem\
                 &sslcert=/c.crt&sslkey=/c.key&options=-c%20search_path%3Dapp\
                 &application_name=app&connect_timeout=7",
            ),
            &environment(&[]),
        );
        let rendered = child_environment(&settings);
        // Whatever PG* variables this test process has, each is removed or replaced.
        for (name, _) in std::env::vars_os() {
            let name = name.to_string_lossy();
            if name.starts_with("PG") {
                assert!(
                    rendered
                        .iter()
                        .any(|line| line == &format!("-{name}")
                            || line.starts_with(&format!("{name}="))),
                    "{name} is inherited: {rendered:?}"
                );
            }
        }
        let set: Vec<&String> = rendered
            .iter()
            .filter(|line| !line.starts_with('-'))
            .collect();
        assert_eq!(
            set,
            [
                "PGAPPNAME=app",
                "PGCONNECT_TIMEOUT=7",
                "PGDATABASE=d",
                "PGHOST=h",
                "PGOPTIONS=-c search_path=app",
                "PGPASSWORD=hunter2",
                "PGPORT=6000",
                "PGSSLCERT=/c.crt",
                "PGSSLKEY=/c.key",
                "PGSSLMODE=verify-full",
                "PGSSLROOTCERT=/ca.pem",
                "PGUSER=u",
            ]
        );
        assert!(
            rendered.contains(&"-DATABASE_URL".to_string()),
            "{rendered:?}"
        );
        // The default timeout reaches children too; a timeout of 0 (no limit) sets none.
        let default = expect_ok(Some("postgresql://u@h/d"), &environment(&[]));
        assert!(child_environment(&default).contains(&"PGCONNECT_TIMEOUT=10".to_string()));
        let unlimited = expect_ok(
            Some("postgresql://u@h/d?connect_timeout=0"),
            &environment(&[]),
        );
        assert!(
            !child_environment(&unlimited)
                .iter()
                .any(|line| line.starts_with("PGCONNECT_TIMEOUT="))
        );
    }

    #[test]
    fn issue_11_scrub_masks_the_password_and_its_url_encoded_forms() {
        let settings = expect_ok(
            Some("postgresql://u:p%40ss%2Fw%C3%B6rd@h/d"),
            &environment(&[]),
        );
        let printed =
            "raw p@ss/wörd; url postgresql://u:p%40ss%2Fw%C3%B6rd@h/d; lower p%40ss%2fw%c3%b6rd";
        assert_eq!(
            settings.scrub(printed),
            "raw <redacted>; url postgresql://u:<redacted>@h/d; lower <redacted>"
        );
        let without = expect_ok(Some("postgresql://u@h/d"), &environment(&[]));
        assert_eq!(without.scrub(printed), printed);
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

    /// A service file in a temporary folder.
    fn service_file(contents: &str) -> tempfile::NamedTempFile {
        password_file(contents, 0o644)
    }

    fn with_service_file(
        file: &tempfile::NamedTempFile,
        pairs: &[(&str, &str)],
    ) -> FakeEnvironment {
        let mut fake = environment(pairs);
        fake.variables.insert(
            "PGSERVICEFILE".to_string(),
            file.path().to_string_lossy().into_owned(),
        );
        fake
    }

    const SERVICES: &str = "# services\n\
        [other]\n\
        dbname=other\n\
        \n\
        [app]\n\
        host=svchost\n\
          port=6001\n\
        user=svcuser\n\
        dbname=svcdb\n\
        dbname=ignored\n\
        password=svcsecret\n\
        options=-c search_path=app\n\
        [app2]\n\
        dbname=app2\n";

    #[test]
    fn issue_11_a_service_fills_what_the_url_leaves_and_outranks_the_environment() {
        let file = service_file(SERVICES);
        let fake = with_service_file(
            &file,
            &[
                ("PGSERVICE", "app"),
                ("PGHOST", "envhost"),
                ("PGPORT", "7000"),
                ("PGDATABASE", "envdb"),
                ("PGSSLMODE", "require"),
                ("PGAPPNAME", "envapp"),
            ],
        );
        // The URL's values first, then the service's (the first dbname in the group), then
        // the variables for what neither gives (sslmode, application_name).
        assert_eq!(
            check(Some("postgresql://urluser@/?port=5999"), &fake),
            "postgresql://urluser@svchost:5999/svcdb?sslmode=require&options=-c%20search_path%3Dapp password=svcsecret app=envapp"
        );
        // With nothing else, the service alone decides.
        let alone = with_service_file(&file, &[("PGSERVICE", "app")]);
        let settings = expect_ok(None, &alone);
        assert_eq!(
            settings.to_string(),
            "postgresql://svcuser@svchost:6001/svcdb?options=-c%20search_path%3Dapp"
        );
        assert_eq!(settings.options(), Some("-c search_path=app"));
    }

    #[test]
    fn issue_11_a_service_named_in_the_url_wins_over_pgservice() {
        let file = service_file(SERVICES);
        let fake = with_service_file(&file, &[("PGSERVICE", "app")]);
        assert_eq!(expect_ok(Some("service=app2"), &fake).database(), "app2");
        assert_eq!(
            expect_ok(Some("postgresql://h?service=app2"), &fake).database(),
            "app2"
        );
    }

    #[test]
    fn issue_11_the_user_service_file_hides_the_system_one_only_for_services_it_defines() {
        let system = tempfile::tempdir().expect("a system folder");
        fs::write(
            system.path().join("pg_service.conf"),
            "[app]\ndbname=from_system\n[system_only]\ndbname=system_only\n",
        )
        .expect("write the system file");
        let home = tempfile::tempdir().expect("a home");
        fs::write(
            home.path().join(".pg_service.conf"),
            "[app]\ndbname=from_home\n",
        )
        .expect("write ~/.pg_service.conf");
        let mut fake = environment(&[("PGSERVICE", "app")]);
        fake.home = Some(home.path().to_path_buf());
        fake.sysconf_dir = Some(system.path().to_path_buf());
        assert_eq!(expect_ok(None, &fake).database(), "from_home");
        fake.variables
            .insert("PGSERVICE".to_string(), "system_only".to_string());
        assert_eq!(expect_ok(None, &fake).database(), "system_only");
        // PGSYSCONFDIR replaces the compiled-in folder.
        let elsewhere = tempfile::tempdir().expect("another folder");
        fs::write(
            elsewhere.path().join("pg_service.conf"),
            "[system_only]\ndbname=from_pgsysconfdir\n",
        )
        .expect("write");
        fake.variables.insert(
            "PGSYSCONFDIR".to_string(),
            elsewhere.path().to_string_lossy().into_owned(),
        );
        assert_eq!(expect_ok(None, &fake).database(), "from_pgsysconfdir");
        // PGSERVICEFILE replaces ~/.pg_service.conf.
        let file = service_file("[app]\ndbname=from_pgservicefile\n");
        fake.variables
            .insert("PGSERVICE".to_string(), "app".to_string());
        fake.variables.insert(
            "PGSERVICEFILE".to_string(),
            file.path().to_string_lossy().into_owned(),
        );
        assert_eq!(expect_ok(None, &fake).database(), "from_pgservicefile");
    }

    #[test]
    fn issue_11_service_problems_are_errors_naming_the_file_and_line() {
        let file = service_file(SERVICES);
        let error = expect_error(None, &with_service_file(&file, &[("PGSERVICE", "nope")]));
        assert_eq!(
            error,
            format!(
                "the connection service `nope` is not defined in {}",
                file.path().display()
            )
        );
        let missing = with_service_file(&file, &[("PGSERVICE", "app")]);
        let mut missing = missing;
        missing.variables.insert(
            "PGSERVICEFILE".to_string(),
            "/nonexistent/pg_service.conf".to_string(),
        );
        let error = expect_error(None, &missing);
        assert!(
            error.starts_with(
                "the connection service file /nonexistent/pg_service.conf cannot be used: it cannot be read"
            ),
            "{error}"
        );
        for (contents, expected) in [
            (
                "[app]\nservice=other\n",
                "line 2: nested service specifications are not supported",
            ),
            (
                "[app]\nhost\n",
                "line 2: syntax error: expected keyword=value",
            ),
            (
                "[app]\nhost =x\n",
                "line 2: `host `: it names a parameter this tool does not support",
            ),
            (
                "[app]\ntarget_session_attrs=any\n",
                "line 2: `target_session_attrs`",
            ),
            (
                "[app]\nldap://ldap.example.com/x\n",
                "line 2: LDAP lookups are not supported",
            ),
        ] {
            let file = service_file(contents);
            let error = expect_error(None, &with_service_file(&file, &[("PGSERVICE", "app")]));
            assert!(error.contains(expected), "{contents:?}: {error}");
        }
        let file = service_file("[app]\nport=http\n");
        let error = expect_error(None, &with_service_file(&file, &[("PGSERVICE", "app")]));
        assert!(
            error.starts_with(&format!(
                "port in service `app` ({}, line 2) is invalid",
                file.path().display()
            )),
            "{error}"
        );
    }

    #[test]
    fn issue_11_the_connect_timeout_defaults_to_ten_seconds() {
        let settings = expect_ok(Some("postgresql://u@h/d"), &environment(&[]));
        assert_eq!(settings.connect_timeout(), Some(Duration::from_secs(10)));
        let settings = expect_ok(None, &environment(&[("PGCONNECT_TIMEOUT", "3")]));
        assert_eq!(settings.connect_timeout(), Some(Duration::from_secs(3)));
        let settings = expect_ok(
            Some("postgresql://u@h/d?connect_timeout=4"),
            &environment(&[("PGCONNECT_TIMEOUT", "3")]),
        );
        assert_eq!(settings.connect_timeout(), Some(Duration::from_secs(4)));
        assert_eq!(
            ConnectionSettings::for_tcp("h", 5432, "u", "d").connect_timeout(),
            Some(DEFAULT_CONNECT_TIMEOUT)
        );
    }

    #[test]
    fn issue_11_the_connect_timeout_covers_a_server_that_accepts_and_never_answers() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a listener");
        let port = listener.local_addr().expect("its address").port();
        // Accepts, then holds every connection open without a byte in reply.
        std::thread::spawn(move || {
            let mut held = Vec::new();
            for stream in listener.incoming() {
                held.push(stream);
            }
        });
        let settings = ConnectionSettings::for_tcp("127.0.0.1", port, "u", "d")
            .with_connect_timeout(Duration::from_millis(700));
        let started = std::time::Instant::now();
        let error = match settings.connect() {
            Ok(_) => panic!("nothing answers there"),
            Err(error) => error.to_string(),
        };
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(
            error,
            format!(
                "could not connect to postgresql://u@127.0.0.1:{port}/d: the server did not \
                 answer within 700 ms (connect_timeout); connecting, TLS, start-up and \
                 authentication must all finish within it"
            )
        );
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
