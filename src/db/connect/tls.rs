//! TLS: the OpenSSL connector that gives each [`SslMode`] libpq's meaning (root certificate,
//! host-name check, client certificate and key as libpq finds them). Leaves the modes
//! themselves to `sslmode`, the protocol-level choice and opening the connection to `open`.

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use openssl::ssl::{SslConnector, SslFiletype, SslMethod, SslVerifyMode};
use openssl::x509::X509;
use openssl::x509::store::X509StoreBuilder;
use postgres_openssl::MakeTlsConnector;

use super::ConnectionSettings;
use super::sslmode::SslMode;
use crate::db::error::DbError;

impl ConnectionSettings {
    /// Builds the OpenSSL connector that gives each sslmode libpq's meaning.
    pub(super) fn tls_connector(&self) -> Result<MakeTlsConnector, DbError> {
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
