//! TLS material made on the fly with the openssl crate: a test CA, a server certificate it
//! signs for `localhost` only (no IP address in its names), an unrelated second CA, and a
//! cluster that serves the certificate and accepts only TLS connections over TCP. Also a
//! second cluster that authenticates by client certificate (`cert`), with a certificate for
//! `postgres` signed by the CA it trusts.

use std::fs::Permissions;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::sync::OnceLock;

use openssl::asn1::Asn1Time;
use openssl::bn::BigNum;
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::x509::extension::{
    BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectAlternativeName,
};
use openssl::x509::{X509, X509Builder, X509NameBuilder};
use pgplan::{ClusterOptions, ScratchCluster, ServerTls, TcpListening};
use tempfile::TempDir;

use crate::support::cluster::start_cluster;

/// A running TLS-only cluster and the files a client needs to verify it.
pub(crate) struct TlsFixture {
    /// The cluster: TCP on 127.0.0.1 with `ssl=on`, non-TLS TCP connections rejected.
    pub(crate) cluster: ScratchCluster,
    directory: TempDir,
}

static FIXTURE: OnceLock<TlsFixture> = OnceLock::new();

/// A running cluster that takes only TLS connections over TCP, authenticated by a client
/// certificate, and the client's certificate and key.
pub(crate) struct CertAuthFixture {
    /// The cluster: TCP on 127.0.0.1 with `ssl=on`, `hostssl … cert` only.
    pub(crate) cluster: ScratchCluster,
    directory: TempDir,
}

static CERT_AUTH_FIXTURE: OnceLock<CertAuthFixture> = OnceLock::new();

/// The shared client-certificate cluster, started on first use.
pub(crate) fn cert_auth_fixture() -> &'static CertAuthFixture {
    CERT_AUTH_FIXTURE.get_or_init(|| {
        let directory = tempfile::tempdir().expect("temp dir for certificates");
        // The server runs as `postgres` when the tests run as root: it must read the CA file.
        std::fs::set_permissions(directory.path(), Permissions::from_mode(0o755))
            .expect("open the folder");
        let (ca_certificate, ca_key) = certificate_authority("plan client CA");
        let (server_certificate, server_key) = server_certificate(&ca_certificate, &ca_key);
        let (client_certificate, client_key) = client_certificate(&ca_certificate, &ca_key);
        let ca_file = directory.path().join("ca.pem");
        std::fs::write(&ca_file, ca_certificate.to_pem().expect("CA PEM")).expect("write CA");
        std::fs::set_permissions(&ca_file, Permissions::from_mode(0o644)).expect("chmod CA");
        std::fs::write(
            directory.path().join("client.crt"),
            client_certificate.to_pem().expect("client PEM"),
        )
        .expect("write the client certificate");
        let key_file = directory.path().join("client.key");
        std::fs::write(
            &key_file,
            client_key
                .private_key_to_pem_pkcs8()
                .expect("client key PEM"),
        )
        .expect("write the client key");
        std::fs::set_permissions(&key_file, Permissions::from_mode(0o600)).expect("chmod key");
        let cluster = start_cluster(&ClusterOptions {
            tcp: Some(TcpListening {
                tls: Some(ServerTls {
                    certificate_pem: server_certificate.to_pem().expect("server PEM"),
                    private_key_pem: server_key
                        .private_key_to_pem_pkcs8()
                        .expect("server key PEM"),
                }),
            }),
            hba_rules: vec![
                "hostnossl all all all reject".to_string(),
                "hostssl all all 127.0.0.1/32 cert".to_string(),
            ],
            settings: vec![("ssl_ca_file".to_string(), ca_file.display().to_string())],
        });
        CertAuthFixture { cluster, directory }
    })
}

impl CertAuthFixture {
    /// The client certificate, for user `postgres`.
    pub(crate) fn client_certificate(&self) -> PathBuf {
        self.directory.path().join("client.crt")
    }

    /// The client certificate's private key (mode 0600).
    pub(crate) fn client_key(&self) -> PathBuf {
        self.directory.path().join("client.key")
    }
}

/// The shared TLS cluster, started on first use.
pub(crate) fn tls_fixture() -> &'static TlsFixture {
    FIXTURE.get_or_init(|| {
        let directory = tempfile::tempdir().expect("temp dir for certificates");
        let (ca_certificate, ca_key) = certificate_authority("plan test CA");
        let (other_ca_certificate, _) = certificate_authority("plan unrelated CA");
        let (server_certificate, server_key) = server_certificate(&ca_certificate, &ca_key);
        std::fs::write(
            directory.path().join("ca.pem"),
            ca_certificate.to_pem().expect("CA PEM"),
        )
        .expect("write CA");
        std::fs::write(
            directory.path().join("other-ca.pem"),
            other_ca_certificate.to_pem().expect("other CA PEM"),
        )
        .expect("write other CA");
        let cluster = start_cluster(&ClusterOptions {
            tcp: Some(TcpListening {
                tls: Some(ServerTls {
                    certificate_pem: server_certificate.to_pem().expect("server PEM"),
                    private_key_pem: server_key
                        .private_key_to_pem_pkcs8()
                        .expect("server key PEM"),
                }),
            }),
            hba_rules: vec![
                "hostnossl all all all reject".to_string(),
                "hostssl all all 127.0.0.1/32 trust".to_string(),
            ],
            settings: Vec::new(),
        });
        TlsFixture { cluster, directory }
    })
}

impl TlsFixture {
    /// The PEM file of the CA that signed the server certificate.
    pub(crate) fn ca_file(&self) -> PathBuf {
        self.directory.path().join("ca.pem")
    }

    /// The PEM file of a CA that has nothing to do with the server.
    pub(crate) fn other_ca_file(&self) -> PathBuf {
        self.directory.path().join("other-ca.pem")
    }

    /// The loopback port the server listens on.
    pub(crate) fn port(&self) -> u16 {
        self.cluster.port()
    }
}

fn new_key() -> PKey<Private> {
    // P-256 keys are generated in microseconds, unlike RSA.
    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).expect("P-256");
    PKey::from_ec_key(EcKey::generate(&group).expect("EC key")).expect("PKey")
}

fn builder_for(common_name: &str, key: &PKey<Private>, serial: u32) -> X509Builder {
    let mut name = X509NameBuilder::new().expect("name builder");
    name.append_entry_by_nid(Nid::COMMONNAME, common_name)
        .expect("common name");
    let name = name.build();
    let mut builder = X509Builder::new().expect("X509 builder");
    builder.set_version(2).expect("v3");
    let serial = BigNum::from_u32(serial)
        .and_then(|number| number.to_asn1_integer())
        .expect("serial");
    builder.set_serial_number(&serial).expect("set serial");
    builder.set_subject_name(&name).expect("subject");
    builder.set_pubkey(key).expect("public key");
    // An hour in the past, in case the clock and the certificate check disagree slightly.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs();
    let not_before =
        Asn1Time::from_unix(i64::try_from(now).expect("time fits") - 3600).expect("not before");
    builder.set_not_before(&not_before).expect("set not before");
    builder
        .set_not_after(&Asn1Time::days_from_now(2).expect("not after"))
        .expect("set not after");
    builder
}

fn certificate_authority(common_name: &str) -> (X509, PKey<Private>) {
    let key = new_key();
    let mut builder = builder_for(common_name, &key, 1);
    let name = {
        let mut name = X509NameBuilder::new().expect("name builder");
        name.append_entry_by_nid(Nid::COMMONNAME, common_name)
            .expect("common name");
        name.build()
    };
    builder.set_issuer_name(&name).expect("issuer");
    builder
        .append_extension(BasicConstraints::new().critical().ca().build().expect("CA"))
        .expect("basic constraints");
    builder
        .append_extension(
            KeyUsage::new()
                .critical()
                .key_cert_sign()
                .crl_sign()
                .build()
                .expect("key usage"),
        )
        .expect("key usage");
    builder
        .sign(&key, MessageDigest::sha256())
        .expect("self-sign");
    (builder.build(), key)
}

fn server_certificate(ca: &X509, ca_key: &PKey<Private>) -> (X509, PKey<Private>) {
    let key = new_key();
    let mut builder = builder_for("localhost", &key, 2);
    builder.set_issuer_name(ca.subject_name()).expect("issuer");
    builder
        .append_extension(BasicConstraints::new().build().expect("not a CA"))
        .expect("basic constraints");
    builder
        .append_extension(
            KeyUsage::new()
                .critical()
                .digital_signature()
                .key_agreement()
                .build()
                .expect("key usage"),
        )
        .expect("key usage");
    builder
        .append_extension(
            ExtendedKeyUsage::new()
                .server_auth()
                .build()
                .expect("extended key usage"),
        )
        .expect("extended key usage");
    let names = SubjectAlternativeName::new()
        .dns("localhost")
        .build(&builder.x509v3_context(Some(ca), None))
        .expect("subject alternative name");
    builder.append_extension(names).expect("append SAN");
    builder.sign(ca_key, MessageDigest::sha256()).expect("sign");
    (builder.build(), key)
}

/// A client certificate for the role `postgres` (its common name), signed by `ca`.
fn client_certificate(ca: &X509, ca_key: &PKey<Private>) -> (X509, PKey<Private>) {
    let key = new_key();
    let mut builder = builder_for("postgres", &key, 3);
    builder.set_issuer_name(ca.subject_name()).expect("issuer");
    builder
        .append_extension(BasicConstraints::new().build().expect("not a CA"))
        .expect("basic constraints");
    builder
        .append_extension(
            KeyUsage::new()
                .critical()
                .digital_signature()
                .key_agreement()
                .build()
                .expect("key usage"),
        )
        .expect("key usage");
    builder
        .append_extension(
            ExtendedKeyUsage::new()
                .client_auth()
                .build()
                .expect("extended key usage"),
        )
        .expect("extended key usage");
    builder.sign(ca_key, MessageDigest::sha256()).expect("sign");
    (builder.build(), key)
}
