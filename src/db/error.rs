//! `DbError`, the one error type of the `db` layer: bad connection settings, failed connections
//! and queries, the advisory lock timing out, and throwaway clusters that would not start.
//!
//! Starting a `ScratchCluster` and talking to a database share this enum on purpose: callers
//! (`apply`, `cli`) handle one `db` error type, as STYLE.md asks of every layer. Rendering is left
//! to `cli`; this file only decides the wording, the `plan::db::*` codes and the `help` text.
//!
//! Secrets: no variant holds a password or a raw connection URL. Targets are the redacted
//! `Display` of `ConnectionSettings`, and server messages are scrubbed of the password before
//! they are stored (see `redact`).

use std::path::PathBuf;
use std::time::Duration;

use miette::Diagnostic;
use thiserror::Error;

use crate::db::holder::LockHolder;

/// Everything that can go wrong in `db`: settings, connections, queries, the lock, clusters.
#[derive(Debug, Error, Diagnostic)]
#[non_exhaustive]
pub enum DbError {
    /// A database URL or key=value string could not be understood. The text itself is never
    /// repeated, because it may contain a password.
    #[error("the database URL from {origin} is invalid: {problem}")]
    #[diagnostic(
        code(plan::db::invalid_url),
        help(
            "expected postgresql://user:password@host:port/database?sslmode=verify-full or \
             key=value pairs such as `host=db.example.com dbname=app`; percent-encode special \
             characters (`@` is %40, `:` is %3A, `/` is %2F). The URL is not shown because it \
             may contain a password"
        )
    )]
    InvalidUrl {
        /// Where the URL came from, e.g. `--database-url` or `DATABASE_URL`.
        origin: String,
        /// What is wrong, without quoting the URL.
        problem: String,
    },

    /// The server reads `'...'` strings with backslash escapes by default, which plan's
    /// statement splitter does not follow (it follows a file's own `SET`s).
    #[error(
        "{target} has standard_conforming_strings = off by default, so its server reads backslashes in '...' strings as escapes"
    )]
    #[diagnostic(
        code(plan::db::standard_strings_off),
        help(
            "plan splits migrations as psql does with standard_conforming_strings = on, PostgreSQL's default since 9.1; turn it on for the database or role plan connects as (ALTER DATABASE … SET standard_conforming_strings = on), or write `SET standard_conforming_strings = off;` at the top of the migrations that need it. Nothing was run"
        )
    )]
    StandardStringsOff {
        /// The redacted target.
        target: String,
    },

    /// A schema target's connection does not have the `search_path` its start-up option set:
    /// something between plan and the server (a pooler such as PgBouncer with
    /// `ignore_startup_parameters = options`) dropped the option, and the migrations would run
    /// in another schema.
    #[error(
        "{target}: the connection's search_path is `{found}`, not the schema {schema}: the start-up option that sets it did not reach the server"
    )]
    #[diagnostic(
        code(plan::db::search_path_not_set),
        help(
            "a pooler or proxy between plan and the server dropped the connection's `options` (PgBouncer does with `ignore_startup_parameters = options`); connect to this database directly for its schema targets. Nothing was run"
        )
    )]
    SearchPathNotSet {
        /// The redacted target.
        target: String,
        /// The schema the migrations are to run in.
        schema: String,
        /// The `search_path` the server has.
        found: String,
    },

    /// An environment variable or URL parameter holds a value that cannot be used.
    #[error("{origin} is invalid: {problem}")]
    #[diagnostic(
        code(plan::db::invalid_setting),
        help("fix or unset {origin}; the accepted values are listed above")
    )]
    InvalidSetting {
        /// The variable or parameter, e.g. `PGPORT` or `sslmode`.
        origin: String,
        /// What is wrong and what would be accepted.
        problem: String,
    },

    /// A connection service file could not be read or holds something this tool cannot use.
    #[error("the connection service file {} cannot be used: {problem}", path.display())]
    #[diagnostic(
        code(plan::db::service_file),
        help(
            "fix the line named, or stop naming the service (PGSERVICE, or service= in the \
             connection string); see the PostgreSQL manual, \"The Connection Service File\""
        )
    )]
    ServiceFile {
        /// The file.
        path: PathBuf,
        /// What is wrong, with the line when there is one.
        problem: String,
    },

    /// The connection service named (`service=` or `PGSERVICE`) is defined in no service file.
    #[error("the connection service `{service}` is not defined in {searched}")]
    #[diagnostic(
        code(plan::db::service_not_found),
        help(
            "define [{service}] in the file PGSERVICEFILE names (else ~/.pg_service.conf), or \
             in pg_service.conf of PGSYSCONFDIR; or unset PGSERVICE"
        )
    )]
    ServiceNotFound {
        /// The service name.
        service: String,
        /// The files looked in.
        searched: String,
    },

    /// TLS could not be set up before connecting (unreadable root certificate, missing one for
    /// `verify-ca`/`verify-full`, OpenSSL refusing the configuration).
    #[error("could not set up TLS for {target}: {problem}")]
    #[diagnostic(
        code(plan::db::tls_setup),
        help(
            "point sslrootcert (or PGSSLROOTCERT) at the PEM file of the CA that signed the \
             server certificate, or use sslmode=require to encrypt without verifying"
        )
    )]
    TlsSetup {
        /// The redacted connection target.
        target: String,
        /// What went wrong.
        problem: String,
    },

    /// Opening a connection failed: unreachable host, authentication, TLS handshake, missing
    /// database.
    #[error("could not connect to {target}: {detail}")]
    #[diagnostic(
        code(plan::db::connect),
        help(
            "check that the server is running and reachable, and the user, password and \
             sslmode; the password is read from the URL, PGPASSWORD or ~/.pgpass (mode 0600)"
        )
    )]
    Connect {
        /// The redacted connection target.
        target: String,
        /// The client library's or server's message, with any password removed.
        detail: String,
        /// The SQLSTATE code the server sent, if it got that far.
        server_code: Option<String>,
    },

    /// A statement failed on an open connection.
    #[error("could not {action} on {target}: {detail}")]
    #[diagnostic(
        code(plan::db::query),
        help("the server's message above says why; the statement was not retried")
    )]
    Query {
        /// What was being attempted, e.g. `create database "x"`.
        action: String,
        /// The redacted connection target.
        target: String,
        /// The server's message.
        detail: String,
        /// The SQLSTATE code the server sent, if any.
        server_code: Option<String>,
    },

    /// The advisory lock stayed held by another session for longer than the timeout.
    #[error("timed out after {waited:.1?} waiting for the lock {lock_name}, {}", holder_phrase(holder.as_deref()))]
    #[diagnostic(
        code(plan::db::lock_timeout),
        help(
            "another run is probably applying to this database: wait for it and retry, or if \
             it is stuck, end its session with SELECT pg_terminate_backend(<pid>)"
        )
    )]
    LockTimeout {
        /// The name the lock key was derived from.
        lock_name: String,
        /// How long we waited.
        waited: Duration,
        /// Who held the lock the last time we looked, if visible.
        holder: Option<Box<LockHolder>>,
    },

    /// The run was told to stop while it waited for the lock (a fleet run, after a failure
    /// elsewhere with `on_error: stop`); nothing was done on this database.
    #[error("stopped waiting for the lock {lock_name}: the run is stopping")]
    #[diagnostic(
        code(plan::db::lock_wait_stopped),
        help("nothing was done on this database; run again to go on")
    )]
    LockWaitStopped {
        /// The name the lock key was derived from.
        lock_name: String,
    },

    /// Taking or verifying the backup before apply failed; nothing was applied.
    #[error("the backup failed: could not {action}: {detail}")]
    #[diagnostic(
        code(plan::db::backup),
        help(
            "nothing was applied: apply runs only after a verified backup. Fix the cause above (disk space, permissions, --backup-dir) and run again"
        )
    )]
    Backup {
        /// What was being done.
        action: String,
        /// What went wrong.
        detail: String,
    },

    /// pg_dump wrote an archive of another database than the one apply is about to change.
    #[error(
        "the backup holds database `{archive_database}`, not `{target_database}`, the database \
         apply would change ({target})"
    )]
    #[diagnostic(
        code(plan::db::backup_wrong_database),
        help(
            "nothing was applied and the archive was deleted. Something pointed pg_dump at \
             another database; plan passes it only the resolved connection settings, so check \
             PG_BINDIR and the pg_dump found there"
        )
    )]
    BackupWrongDatabase {
        /// The database named in the archive (`pg_restore --list`'s `Dbname:`), or a note that
        /// it names none.
        archive_database: String,
        /// The database apply targets.
        target_database: String,
        /// The redacted connection target.
        target: String,
    },

    /// No pg_dump or pg_restore at least as new as the server.
    #[error("no {tool} of PostgreSQL {server_major} or newer was found (found: {found})")]
    #[diagnostic(
        code(plan::db::backup_tool_missing),
        help(
            "install the PostgreSQL client of the server's version or newer (Debian: postgresql-client-{server_major}), or set PG_BINDIR to its bin folder; nothing was applied"
        )
    )]
    BackupToolMissing {
        /// pg_dump or pg_restore.
        tool: String,
        /// The server's major version.
        server_major: u32,
        /// What was found and why it does not do.
        found: String,
    },

    /// No PostgreSQL server binaries (`initdb`, `postgres`) were found.
    #[error("PostgreSQL server binaries (initdb, postgres) were not found; looked in {searched}")]
    #[diagnostic(
        code(plan::db::server_binaries_missing),
        help(
            "install the PostgreSQL server package (Debian/Ubuntu: apt-get install \
             postgresql), or set PG_BINDIR to the directory holding initdb and postgres"
        )
    )]
    ServerBinariesMissing {
        /// The places that were searched, in order.
        searched: String,
    },

    /// Running as root, but there is no `postgres` OS user to run the server as (PostgreSQL
    /// refuses to run as root).
    #[error("running as root, and there is no `postgres` OS user to run a throwaway cluster as")]
    #[diagnostic(
        code(plan::db::cluster_user),
        help(
            "create the user (adduser --system --group postgres; installing the postgresql \
             package does this), or run as an ordinary user"
        )
    )]
    ClusterUserMissing,

    /// A file-system step of preparing a throwaway cluster failed.
    #[error("could not {action} for a throwaway cluster: {source}")]
    #[diagnostic(
        code(plan::db::cluster_setup),
        help("check free space and permissions in the temporary directory (TMPDIR)")
    )]
    ClusterSetup {
        /// What was being attempted.
        action: String,
        /// The underlying error.
        source: std::io::Error,
    },

    /// `initdb` or `postgres` ran but failed.
    #[error("{command} failed for a throwaway cluster in {}: {problem}\n{output_tail}", directory.display())]
    #[diagnostic(
        code(plan::db::cluster_start),
        help(
            "the server's own output is shown above; PG_BINDIR chooses which PostgreSQL \
             installation is used"
        )
    )]
    ClusterStart {
        /// The program, e.g. `initdb` or `postgres`.
        command: String,
        /// The directory the cluster was being created in (removed afterwards).
        directory: PathBuf,
        /// What happened, e.g. `exited with status 1` or `not ready after 30s`.
        problem: String,
        /// The last lines of the program's output.
        output_tail: String,
    },

    /// Copying a database's schema (and its ledger's rows) into a scratch database for `plan
    /// trace` failed; nothing was run on the database it came from.
    #[error(
        "cannot copy the schema of {source_database} into the scratch database: could not {action}: {detail}"
    )]
    #[diagnostic(
        code(plan::db::schema_copy),
        help(
            "plan trace dumps the database's schema with pg_dump --schema-only and restores it with pg_restore into a throwaway cluster of the local server binaries: fix the cause above (an extension the local server lacks, a server newer than the local binaries) and run again"
        )
    )]
    SchemaCopy {
        /// The database copied, without its password.
        source_database: String,
        /// What was being done.
        action: String,
        /// What went wrong, scrubbed of the password.
        detail: String,
    },

    /// A database name that cannot be used (empty, too long, or containing a NUL byte).
    #[error("`{name}` cannot be used as a database name: {problem}")]
    #[diagnostic(
        code(plan::db::invalid_database_name),
        help("use at most 63 bytes, without NUL characters")
    )]
    InvalidDatabaseName {
        /// The rejected name.
        name: String,
        /// Why.
        problem: String,
    },
}

/// Connection settings that cannot be resolved (a bad URL, setting or service) are invalid
/// input, found before any connection; everything that happens once connecting starts is a
/// failure.
impl crate::diagnostic::Classified for DbError {
    fn class(&self) -> crate::diagnostic::ErrorClass {
        use crate::diagnostic::ErrorClass::{Failed, InvalidInput};
        match self {
            DbError::InvalidUrl { .. }
            | DbError::InvalidSetting { .. }
            | DbError::ServiceFile { .. }
            | DbError::ServiceNotFound { .. } => InvalidInput,
            _ => Failed,
        }
    }
}

impl DbError {
    /// The SQLSTATE code the server reported (e.g. `28P01` for a wrong password), when the
    /// failure came from the server.
    pub fn server_code(&self) -> Option<&str> {
        match self {
            DbError::Connect { server_code, .. } | DbError::Query { server_code, .. } => {
                server_code.as_deref()
            }
            _ => None,
        }
    }
}

fn holder_phrase(holder: Option<&LockHolder>) -> String {
    match holder {
        Some(holder) => format!("held by {holder}"),
        None => "held by a session this user cannot see".to_string(),
    }
}

/// Renders a `postgres::Error` with its whole cause chain (the crate's own `Display` stops at
/// "db error" for server errors), then removes the password if it somehow appears in it.
pub(crate) fn describe_postgres_error(error: &postgres::Error, password: Option<&str>) -> String {
    let mut text = match error.as_db_error() {
        Some(server) => {
            let mut text = format!("{}: {}", server.severity(), server.message());
            if let Some(detail) = server.detail() {
                text.push_str(&format!(" (detail: {detail})"));
            }
            if let Some(hint) = server.hint() {
                text.push_str(&format!(" (hint: {hint})"));
            }
            text
        }
        None => {
            let mut text = error.to_string();
            let mut cause = std::error::Error::source(error);
            while let Some(inner) = cause {
                let inner_text = inner.to_string();
                if !text.contains(&inner_text) {
                    text.push_str(": ");
                    text.push_str(&inner_text);
                }
                cause = inner.source();
            }
            text
        }
    };
    if let Some(password) = password {
        text = redact(&text, password);
    }
    text
}

/// Replaces every occurrence of `secret` in `text`. A defence in depth: no message we build
/// includes the password, but a driver or server message might echo part of its input.
pub(crate) fn redact(text: &str, secret: &str) -> String {
    if secret.is_empty() {
        text.to_string()
    } else {
        text.replace(secret, "<redacted>")
    }
}

/// The SQLSTATE code of a postgres error, as text.
pub(crate) fn server_code_of(error: &postgres::Error) -> Option<String> {
    error.code().map(|code| code.code().to_string())
}
