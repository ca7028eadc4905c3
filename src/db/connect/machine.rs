//! [`Machine`]: where the `PG*` variables and the machine's defaults (OS user, home, the
//! socket and system-configuration folders) come from, injected so that tests resolve settings
//! without touching the process; [`LocalMachine`], the real one; and the fields the `PG*`
//! variables give. Leaves precedence to `ConnectionSettings::resolve`.

use std::path::PathBuf;

use super::fields::Fields;
use crate::db::error::DbError;

/// The socket directory libpq on Debian uses when no host is given.
pub(crate) const DEFAULT_SOCKET_DIR: &str = "/var/run/postgresql";

/// Where libpq on Debian and Ubuntu looks for the system-wide `pg_service.conf` when
/// `PGSYSCONFDIR` is not set (`pg_config --sysconfdir`).
pub(crate) const DEFAULT_SYSCONF_DIR: &str = "/etc/postgresql-common";

/// Where configuration comes from: environment variables and a few facts about the machine.
/// Injected so that tests can resolve settings without touching the process environment.
pub trait Machine {
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
pub struct LocalMachine;

impl Machine for LocalMachine {
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

/// The fields the `PG*` variables give (empty ones are unset, as in libpq).
pub(super) fn fields_from_environment(environment: &dyn Machine) -> Result<Fields, DbError> {
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

#[cfg(test)]
mod tests {
    use crate::db::connect::testing::{check, environment};

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
}
