//! How to start a scratch cluster: [`ClusterOptions`] (loopback TCP, `pg_hba.conf` rules,
//! server settings) and the TLS certificate it may serve ([`ServerTls`]). Plain data: starting
//! the server is `scratch`'s and `server`'s job.

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
