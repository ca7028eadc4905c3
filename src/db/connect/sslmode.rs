//! [`SslMode`]: libpq's sslmode values, their spelling and what each promises. A leaf: the
//! connector that keeps the promise is `tls`'s.

use std::fmt;

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
