//! [`Fields`]: the values one source (a connection string, a service, the `PG*` variables)
//! gives, before defaults apply, with libpq's keywords; and reading a port and a connect
//! timeout as libpq reads them. Leaves each source's syntax to its own file.

use std::time::Duration;

use crate::db::error::DbError;

/// Values gathered from one source before defaults apply. Port, sslmode and timeout keep the
/// name of the parameter or variable they came from, for error messages.
#[derive(Default)]
pub(super) struct Fields {
    pub(super) host: Option<String>,
    pub(super) port: Option<(String, String)>,
    pub(super) user: Option<String>,
    pub(super) password: Option<String>,
    pub(super) database: Option<String>,
    pub(super) ssl_mode: Option<(String, String)>,
    pub(super) ssl_root_cert: Option<String>,
    pub(super) ssl_cert: Option<String>,
    pub(super) ssl_key: Option<String>,
    pub(super) application_name: Option<String>,
    pub(super) options: Option<String>,
    pub(super) connect_timeout: Option<(String, String)>,
    /// Only a connection string names a service; a service file cannot (libpq refuses nesting).
    pub(super) service: Option<String>,
}

impl Fields {
    /// Field by field, `self` wins over `fallback`.
    pub(super) fn or(self, fallback: Fields) -> Fields {
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
    pub(super) fn set(&mut self, keyword: &str, value: String, origin: &str) -> Result<(), String> {
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

pub(super) fn parse_port(text: &str, origin: &str) -> Result<u16, DbError> {
    match text.parse::<u16>() {
        Ok(port) if port != 0 => Ok(port),
        _ => Err(DbError::InvalidSetting {
            origin: origin.to_string(),
            problem: "expected a port number between 1 and 65535".to_string(),
        }),
    }
}

/// libpq reads `connect_timeout` as whole seconds, and treats 0 (or negative) as "wait forever".
pub(super) fn parse_connect_timeout(text: &str, origin: &str) -> Result<Option<Duration>, DbError> {
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

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use crate::db::connect::testing::{environment, expect_ok};
    use crate::db::connect::{ConnectionSettings, DEFAULT_CONNECT_TIMEOUT};

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
