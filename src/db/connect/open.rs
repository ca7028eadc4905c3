//! Opening a connection: the protocol-level sslmode, the connect timeout over the whole
//! handshake (the `postgres` crate bounds only the socket connect), and where the server's
//! notices go. Leaves the TLS connector to `tls` and what the settings are to
//! `ConnectionSettings::resolve`.

use std::sync::mpsc;
use std::time::Duration;

use postgres::config::SslMode as ProtocolSslMode;
use postgres::{Client, NoTls};

use super::{ConnectionSettings, Host, SslMode};
use crate::db::error::{DbError, describe_postgres_error, server_code_of};
use crate::db::notices::Notices;

impl ConnectionSettings {
    /// Opens a connection. Errors name the (redacted) target and carry the server's message.
    ///
    /// The connect timeout bounds the whole handshake: TCP connect, TLS, start-up and
    /// authentication. The `postgres` crate's own `connect_timeout` covers only the socket
    /// connect, so a server that accepts and never answers would hang it; the attempt runs on
    /// a thread of its own and is abandoned at the deadline. An abandoned attempt keeps its
    /// thread and socket until the server answers or closes the connection (PostgreSQL closes
    /// a silent start-up after `authentication_timeout`, a minute by default); a connection
    /// it opens late is closed at once.
    pub(crate) fn connect(&self) -> Result<Client, DbError> {
        self.open(None)
    }

    /// [`ConnectionSettings::connect`], keeping the notices the server sends on the connection
    /// in `notices` (a session's, taken after each statement) instead of dropping them.
    pub(crate) fn connect_hearing(&self, notices: &Notices) -> Result<Client, DbError> {
        self.open(Some(notices))
    }

    fn open(&self, notices: Option<&Notices>) -> Result<Client, DbError> {
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
        if let Some(notices) = notices {
            config.notice_callback(notices.callback());
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
}

/// `10 s`, or `1500 ms` when not a whole number of seconds.
fn describe_duration(duration: Duration) -> String {
    if duration.subsec_nanos() == 0 {
        format!("{} s", duration.as_secs())
    } else {
        format!("{} ms", duration.as_millis())
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use crate::db::connect::ConnectionSettings;

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
}
