//! `db::connect` and `db::lock` against real servers: the private socket, URLs, the password
//! file over TCP with scram-sha-256, every sslmode against a TLS-only server, passwords kept
//! out of error text, and the advisory lock's waiting, reporting, timeout and release.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use pgplan::internals::{AdvisoryLock, LockHolder, LockKey, LockWait};
use pgplan::{ConnectionSettings, DbError, ScratchCluster, SslMode};

use crate::support::cluster::{password_cluster, render, test_db};
use crate::support::environment::FakeMachine;
use crate::support::tls::{cert_auth_fixture, tls_fixture};

fn resolve(url: &str, environment: &FakeMachine) -> ConnectionSettings {
    ConnectionSettings::resolve(Some(url), environment)
        .unwrap_or_else(|error| panic!("{}", render(&error)))
}

fn expect_connected(settings: &ConnectionSettings) -> postgres::Client {
    pgplan::internals::connect(settings)
        .unwrap_or_else(|error| panic!("expected to connect to {settings}: {}", render(&error)))
}

fn expect_refused(settings: &ConnectionSettings) -> DbError {
    match pgplan::internals::connect(settings) {
        Ok(_) => panic!("expected {settings} to refuse the connection"),
        Err(error) => error,
    }
}

/// Whether the session runs over TLS, according to the server.
fn uses_tls(client: &mut postgres::Client) -> bool {
    client
        .query_one(
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            &[],
        )
        .expect("pg_stat_ssl")
        .get(0)
}

/// Creates a login role with a password in a cluster, through its trusted socket.
fn create_role(cluster: &ScratchCluster, role: &str, password: &str) {
    let mut admin = expect_connected(&cluster.settings_for("postgres"));
    admin
        .batch_execute(&format!(
            "DROP ROLE IF EXISTS {role}; CREATE ROLE {role} LOGIN PASSWORD '{password}'"
        ))
        .expect("create role");
}

fn password_file(contents: &str, mode: u32) -> tempfile::NamedTempFile {
    let mut file = tempfile::NamedTempFile::new().expect("temp file");
    file.write_all(contents.as_bytes())
        .expect("write password file");
    std::fs::set_permissions(file.path(), std::fs::Permissions::from_mode(mode)).expect("chmod");
    file
}

/// Asserts that neither the error's message, its `Debug`, nor its full rendering (code, help)
/// contains `secret`.
fn assert_hidden(error: &DbError, secret: &str) {
    for text in [error.to_string(), format!("{error:?}"), render(error)] {
        assert!(!text.contains(secret), "the password leaked into: {text}");
    }
}

#[test]
fn connects_over_the_private_socket() {
    let database = test_db("connects_over_the_private_socket");
    let row = database
        .client()
        .query_one(
            "SELECT current_database(), inet_server_addr() IS NULL, current_user",
            &[],
        )
        .expect("query");
    assert_eq!(row.get::<_, String>(0), database.name());
    assert!(row.get::<_, bool>(1), "expected a Unix-socket session");
    assert_eq!(row.get::<_, String>(2), "postgres");
}

#[test]
fn url_of_a_test_database_resolves_back_to_it() {
    let database = test_db("url_of_a_test_database_resolves_back_to_it");
    let settings = resolve(&database.url(), &FakeMachine::with(&[]));
    assert_eq!(&settings, database.settings());
    let name: String = expect_connected(&settings)
        .query_one("SELECT current_database()", &[])
        .expect("query")
        .get(0);
    assert_eq!(name, database.name());
}

#[test]
fn database_url_from_the_environment_is_used_without_an_explicit_one() {
    let database = test_db("database_url_from_the_environment");
    let environment = FakeMachine::with(&[("DATABASE_URL", &database.url())]);
    let settings = ConnectionSettings::resolve(None, &environment)
        .unwrap_or_else(|error| panic!("{}", render(&error)));
    assert_eq!(&settings, database.settings());
}

#[test]
fn issue_11_options_in_the_url_reach_the_server() {
    let database = test_db("issue_11_options");
    let url = format!("{}&options=-c%20search_path%3Dissue11", database.url());
    let settings = resolve(&url, &FakeMachine::with(&[]));
    let search_path: String = expect_connected(&settings)
        .query_one("SHOW search_path", &[])
        .expect("query")
        .get(0);
    assert_eq!(search_path, "issue11");
}

#[test]
fn issue_11_sslcert_and_sslkey_authenticate_by_client_certificate() {
    let fixture = cert_auth_fixture();
    let url = format!(
        "postgresql://postgres@127.0.0.1:{}/postgres?sslmode=require",
        fixture.cluster.port()
    );
    let with_certificate = format!(
        "{url}&sslcert={}&sslkey={}",
        fixture.client_certificate().display(),
        fixture.client_key().display()
    );
    let settings = resolve(&with_certificate, &FakeMachine::with(&[]));
    let user: String = expect_connected(&settings)
        .query_one("SELECT current_user::text", &[])
        .expect("query")
        .get(0);
    assert_eq!(user, "postgres");
    // From the variables too.
    let certificate = fixture.client_certificate().display().to_string();
    let key = fixture.client_key().display().to_string();
    let settings = resolve(
        &url,
        &FakeMachine::with(&[("PGSSLCERT", &certificate), ("PGSSLKEY", &key)]),
    );
    expect_connected(&settings);
    // Without a certificate the server refuses.
    let error = expect_refused(&resolve(&url, &FakeMachine::with(&[])));
    assert_eq!(error.server_code(), Some("28000"), "{}", render(&error));
}

#[test]
fn issue_11_a_client_key_others_can_read_is_refused_as_libpq_does() {
    let fixture = cert_auth_fixture();
    let folder = tempfile::tempdir().expect("a folder");
    let key = folder.path().join("client.key");
    std::fs::copy(fixture.client_key(), &key).expect("copy the key");
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let settings = resolve(
        &format!(
            "postgresql://postgres@127.0.0.1:{}/postgres?sslmode=require&sslcert={}&sslkey={}",
            fixture.cluster.port(),
            fixture.client_certificate().display(),
            key.display()
        ),
        &FakeMachine::with(&[]),
    );
    let error = expect_refused(&settings);
    assert!(
        matches!(error, DbError::TlsSetup { .. }),
        "{}",
        render(&error)
    );
    assert!(
        error.to_string().contains("has group or world access"),
        "{}",
        render(&error)
    );
}

#[test]
fn password_file_supplies_the_password_over_tcp() {
    let cluster = password_cluster();
    create_role(cluster, "pgpass_reader", "correct horse");
    let port = cluster.port();
    let file = password_file(
        &format!(
            "127.0.0.1:{port}:*:someone_else:wrong\n127.0.0.1:{port}:*:pgpass_reader:correct horse\n"
        ),
        0o600,
    );
    let path = file.path().to_string_lossy().into_owned();
    let environment = FakeMachine::with(&[("PGPASSFILE", &path)]);
    let settings = resolve(
        &format!("postgresql://pgpass_reader@127.0.0.1:{port}/postgres"),
        &environment,
    );
    assert!(settings.has_password());
    let user: String = expect_connected(&settings)
        .query_one("SELECT current_user::text", &[])
        .expect("query")
        .get(0);
    assert_eq!(user, "pgpass_reader");
}

#[test]
fn password_file_readable_by_others_is_ignored() {
    let cluster = password_cluster();
    create_role(cluster, "pgpass_ignored", "open sesame");
    let port = cluster.port();
    let file = password_file(
        &format!("127.0.0.1:{port}:*:pgpass_ignored:open sesame\n"),
        0o644,
    );
    let path = file.path().to_string_lossy().into_owned();
    let settings = resolve(
        &format!("postgresql://pgpass_ignored@127.0.0.1:{port}/postgres"),
        &FakeMachine::with(&[("PGPASSFILE", &path)]),
    );
    assert!(!settings.has_password());
    let error = expect_refused(&settings);
    assert!(error.to_string().contains("password"), "{error}");
}

#[test]
fn wrong_password_is_refused_and_never_shown() {
    let cluster = password_cluster();
    create_role(cluster, "wrong_password_user", "the real one");
    let secret = "hunter2-wrong-guess";
    let settings = resolve(
        &format!(
            "postgresql://wrong_password_user:{secret}@127.0.0.1:{}/postgres",
            cluster.port()
        ),
        &FakeMachine::with(&[]),
    );
    for text in [settings.to_string(), format!("{settings:?}")] {
        assert!(!text.contains(secret), "{text}");
    }
    let error = expect_refused(&settings);
    assert_eq!(error.server_code(), Some("28P01"), "{}", render(&error));
    assert!(
        error.to_string().contains("password authentication failed"),
        "{error}"
    );
    assert_hidden(&error, secret);
}

#[test]
fn unreachable_host_error_names_the_target_but_not_the_password() {
    // A port that was free a moment ago: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("free port")
        .port();
    let secret = "hunter2-unreachable";
    let settings = resolve(
        &format!("postgresql://someone:{secret}@127.0.0.1:{port}/app?sslmode=disable"),
        &FakeMachine::with(&[]),
    );
    let error = expect_refused(&settings);
    let text = error.to_string();
    assert!(
        text.starts_with(&format!(
            "could not connect to postgresql://someone@127.0.0.1:{port}/app"
        )),
        "{text}"
    );
    assert_hidden(&error, secret);
}

#[test]
fn sslmode_require_encrypts_without_verifying() {
    let fixture = tls_fixture();
    let settings = ConnectionSettings::for_tcp("127.0.0.1", fixture.port(), "postgres", "postgres")
        .with_ssl(SslMode::Require, None);
    assert!(uses_tls(&mut expect_connected(&settings)));
}

#[test]
fn sslmode_prefer_encrypts_when_the_server_offers_tls() {
    let fixture = tls_fixture();
    let settings = ConnectionSettings::for_tcp("127.0.0.1", fixture.port(), "postgres", "postgres");
    assert_eq!(settings.ssl_mode(), SslMode::Prefer);
    assert!(uses_tls(&mut expect_connected(&settings)));
}

#[test]
fn sslmode_verify_ca_accepts_the_right_ca_whatever_the_host_name() {
    let fixture = tls_fixture();
    // The certificate names only `localhost`; verify-ca does not care that we dial the address.
    let settings = resolve(
        &format!(
            "postgresql://postgres@127.0.0.1:{}/postgres?sslmode=verify-ca&sslrootcert={}",
            fixture.port(),
            fixture.ca_file().display()
        ),
        &FakeMachine::with(&[]),
    );
    assert!(uses_tls(&mut expect_connected(&settings)));
}

#[test]
fn sslmode_verify_ca_rejects_a_certificate_from_another_ca() {
    let fixture = tls_fixture();
    let settings = ConnectionSettings::for_tcp("127.0.0.1", fixture.port(), "postgres", "postgres")
        .with_ssl(SslMode::VerifyCa, Some(&fixture.other_ca_file()));
    let error = expect_refused(&settings);
    assert!(
        error.to_string().contains("certificate verify failed"),
        "{}",
        render(&error)
    );
}

#[test]
fn sslmode_require_with_a_root_certificate_verifies_the_chain_like_libpq() {
    let fixture = tls_fixture();
    let settings = ConnectionSettings::for_tcp("127.0.0.1", fixture.port(), "postgres", "postgres")
        .with_ssl(SslMode::Require, Some(&fixture.other_ca_file()));
    let error = expect_refused(&settings);
    assert!(
        error.to_string().contains("certificate verify failed"),
        "{error}"
    );
}

#[test]
fn sslmode_verify_full_accepts_the_name_on_the_certificate() {
    let fixture = tls_fixture();
    let settings = ConnectionSettings::for_tcp("localhost", fixture.port(), "postgres", "postgres")
        .with_ssl(SslMode::VerifyFull, Some(&fixture.ca_file()));
    assert!(uses_tls(&mut expect_connected(&settings)));
}

#[test]
fn sslmode_verify_full_rejects_a_host_name_missing_from_the_certificate() {
    let fixture = tls_fixture();
    let settings = ConnectionSettings::for_tcp("127.0.0.1", fixture.port(), "postgres", "postgres")
        .with_ssl(SslMode::VerifyFull, Some(&fixture.ca_file()));
    let error = expect_refused(&settings);
    assert!(
        error.to_string().contains("certificate verify failed"),
        "{}",
        render(&error)
    );
}

#[test]
fn sslmode_verify_full_without_a_root_certificate_fails_before_connecting() {
    let fixture = tls_fixture();
    let settings = resolve(
        &format!(
            "postgresql://postgres@localhost:{}/postgres?sslmode=verify-full",
            fixture.port()
        ),
        &FakeMachine::with(&[]),
    );
    let error = expect_refused(&settings);
    assert!(
        matches!(error, DbError::TlsSetup { .. }),
        "{}",
        render(&error)
    );
}

#[test]
fn sslmode_disable_is_refused_by_a_tls_only_server() {
    let fixture = tls_fixture();
    let settings = ConnectionSettings::for_tcp("127.0.0.1", fixture.port(), "postgres", "postgres")
        .with_ssl(SslMode::Disable, None);
    let error = expect_refused(&settings);
    // 28000: invalid_authorization_specification, from the `hostnossl … reject` rule.
    assert_eq!(error.server_code(), Some("28000"), "{}", render(&error));
    assert!(error.to_string().contains("no encryption"), "{error}");
}

/// Waits for the lock with a callback that forwards every report's holder to a channel.
fn acquire_reporting(
    settings: &ConnectionSettings,
    key: &LockKey,
    timeout: Option<Duration>,
    reports: mpsc::Sender<Option<LockHolder>>,
) -> Result<AdvisoryLock, DbError> {
    let mut on_wait = |waiting: &pgplan::internals::LockWaiting<'_>| {
        let _ = reports.send(waiting.holder.cloned());
    };
    AdvisoryLock::connect_and_acquire(
        settings,
        key,
        &mut LockWait {
            timeout,
            poll_interval: Duration::from_millis(50),
            on_wait: &mut on_wait,
            keep_waiting: &|| true,
        },
    )
}

fn acquire_now(settings: &ConnectionSettings, key: &LockKey) -> AdvisoryLock {
    let (reports, _) = mpsc::channel();
    acquire_reporting(settings, key, Some(Duration::ZERO), reports)
        .unwrap_or_else(|error| panic!("{}", render(&error)))
}

fn backend_pid(lock: &mut AdvisoryLock) -> i32 {
    lock.client()
        .query_one("SELECT pg_backend_pid()", &[])
        .expect("pid")
        .get(0)
}

#[test]
fn second_session_waits_reports_the_holder_and_gets_the_lock_after_release() {
    let database = test_db("lock_second_session_waits");
    let key = LockKey::from_name("lock_second_session_waits");
    let holder_settings = database
        .settings()
        .with_application_name("plan apply (holder)");
    let mut first = acquire_now(&holder_settings, &key);
    let holder_pid = backend_pid(&mut first);

    let (reports, received) = mpsc::channel();
    let waiter_settings = database
        .settings()
        .with_application_name("plan apply (waiter)");
    let waiter_key = key.clone();
    let waiter =
        thread::spawn(move || acquire_reporting(&waiter_settings, &waiter_key, None, reports));

    let report = received
        .recv_timeout(Duration::from_secs(20))
        .expect("the waiter reports while waiting");
    let holder = report.expect("the holder is visible to a superuser");
    assert_eq!(holder.pid, holder_pid);
    assert_eq!(
        holder.application_name.as_deref(),
        Some("plan apply (holder)")
    );
    assert_eq!(holder.user.as_deref(), Some("postgres"));
    assert!(
        holder
            .to_string()
            .starts_with(&format!("pid {holder_pid} (plan apply (holder)"))
    );

    let mut client = first.release().expect("release");
    let mut second = waiter
        .join()
        .expect("waiter thread")
        .unwrap_or_else(|error| panic!("{}", render(&error)));
    assert_ne!(backend_pid(&mut second), holder_pid);
    // The first session really let go: it cannot take the lock while the second holds it.
    let retaken: bool = client
        .query_one("SELECT pg_try_advisory_lock($1)", &[&key.value()])
        .expect("try lock")
        .get(0);
    assert!(!retaken);
}

#[test]
fn lock_wait_times_out_naming_the_holder() {
    let database = test_db("lock_wait_times_out");
    let key = LockKey::from_name("lock_wait_times_out");
    let mut first = acquire_now(
        &database
            .settings()
            .with_application_name("plan apply (stuck)"),
        &key,
    );
    let holder_pid = backend_pid(&mut first);
    let (reports, _received) = mpsc::channel();
    let error = match acquire_reporting(
        database.settings(),
        &key,
        Some(Duration::from_millis(300)),
        reports,
    ) {
        Ok(_) => panic!("expected a timeout while the lock is held"),
        Err(error) => error,
    };
    let text = error.to_string();
    assert!(matches!(error, DbError::LockTimeout { .. }), "{text}");
    assert!(
        text.contains(&format!("held by pid {holder_pid} (plan apply (stuck)")),
        "{text}"
    );
    assert!(render(&error).contains("plan::db::lock_timeout"));
}

#[test]
fn dropping_the_lock_or_losing_the_session_releases_it() {
    let database = test_db("lock_released_on_drop");
    let key = LockKey::from_name("lock_released_on_drop");
    drop(acquire_now(database.settings(), &key));
    let mut second = acquire_now(database.settings(), &key);

    // A session that dies holding the lock releases it with it.
    let second_pid = backend_pid(&mut second);
    let terminated: bool = database
        .client()
        .query_one("SELECT pg_terminate_backend($1)", &[&second_pid])
        .expect("terminate")
        .get(0);
    assert!(terminated);
    let (reports, _received) = mpsc::channel();
    let third = acquire_reporting(
        database.settings(),
        &key,
        Some(Duration::from_secs(10)),
        reports,
    );
    assert!(third.is_ok(), "the lock outlived its session");
    drop(second);
}

#[test]
fn lock_key_matches_the_documented_sql_expression() {
    let database = test_db("lock_key_matches_sql");
    let key = LockKey::from_name("public.plan_ledger");
    let from_sql: i64 = database
        .client()
        .query_one(
            "SELECT ('x' || left(encode(sha256(convert_to($1, 'UTF8')), 'hex'), 16))::bit(64)::bigint",
            &[&key.name()],
        )
        .expect("query")
        .get(0);
    assert_eq!(from_sql, key.value());
}
