//! Exactly the right database, for `plan` and for every child it starts: a connection service
//! (`PGSERVICE` + `PGSERVICEFILE`) honoured by `plan` itself, never by pg_dump or a `command`
//! step behind its back; a backup that must be of the target database; a failing step's
//! output without the password; and a connect timeout that holds against a server that
//! accepts and never answers.
//!
//! Service files are real files in temporary folders, read by the real libpq of pg_dump and
//! psql; the silent server is a std `TcpListener` that accepts and never writes.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::support::cluster::{TestDatabase, cluster, password_database, test_db};
use crate::support::project::{
    Run, TestProject, ledger_exists, ledger_ids, plan_with_env, public_tables,
};

/// A service file defining each `(name, database)` as the test cluster's socket, its port, the
/// superuser and that database.
fn service_file(services: &[(&str, &TestDatabase)]) -> tempfile::NamedTempFile {
    let cluster = cluster();
    let mut file = tempfile::NamedTempFile::new().expect("a service file");
    for (name, database) in services {
        write!(
            file,
            "[{name}]\nhost={}\nport={}\nuser=postgres\ndbname={}\n\n",
            cluster.socket_dir().display(),
            cluster.port(),
            database.name()
        )
        .expect("write the service file");
    }
    file
}

/// A project whose one migration drops `precious`, in an environment `production` that
/// requires a backup.
fn dropping_project() -> TestProject {
    TestProject::new(&[
        (
            "plan.yaml",
            "environments:\n  production: {backup: required}\n",
        ),
        ("migrations/001_drop.sql", "DROP TABLE precious;\n"),
    ])
}

/// Gives `database` a table `precious` with one row.
fn add_precious(database: &TestDatabase) {
    database
        .client()
        .batch_execute("CREATE TABLE precious (what text); INSERT INTO precious VALUES ('kept')")
        .expect("create precious");
}

fn apply_production(project: &Path, backups: &Path, env: &[(&str, &str)]) -> Run {
    let backups = backups.display().to_string();
    plan_with_env(
        project,
        &[
            "apply",
            "--env",
            "production",
            "--yes",
            "--backup-dir",
            &backups,
        ],
        env,
    )
}

/// The files in a folder, sorted (hidden ones included).
fn files_in(directory: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(directory)
        .expect("read the folder")
        .map(|entry| {
            entry
                .expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}

/// The `dbname:` line of `pg_restore --list` for an archive.
fn archive_database(archive: &Path) -> String {
    let output = Command::new(cluster().bindir().join("pg_restore"))
        .arg("--list")
        .arg(archive)
        .output()
        .expect("pg_restore runs");
    assert!(output.status.success(), "pg_restore --list failed");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .find_map(|line| line.trim_start_matches(';').trim().strip_prefix("dbname: "))
        .expect("a dbname line")
        .to_string()
}

#[test]
fn issue_11_a_backup_with_a_decoy_service_in_the_environment_holds_the_target() {
    let target = test_db("issue_11_backup_target");
    let decoy = test_db("issue_11_backup_decoy");
    add_precious(&target);
    let services = service_file(&[("decoy", &decoy)]);
    let project = dropping_project();
    let backups = tempfile::tempdir().expect("a backup folder");
    let url = target.url();
    let service_path = services.path().display().to_string();
    apply_production(
        project.path(),
        backups.path(),
        &[
            ("DATABASE_URL", &url),
            ("PGSERVICE", "decoy"),
            ("PGSERVICEFILE", &service_path),
        ],
    )
    .expect_ok()
    .expect_stdout_has(&["backup: ", "applied 1 migration"]);
    assert_eq!(public_tables(&target), Vec::<String>::new());
    let files = files_in(backups.path());
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(files[0].starts_with("issue_11_backup_target-"), "{files:?}");
    let archive = backups.path().join(&files[0]);
    assert_eq!(archive_database(&archive), target.name());

    // Restored, it gives back the target's table and row.
    let restored = test_db("issue_11_backup_target_restored");
    let status = Command::new(cluster().bindir().join("pg_restore"))
        .args(["--exit-on-error", "--no-owner", "--dbname", &restored.url()])
        .arg(&archive)
        .status()
        .expect("pg_restore runs");
    assert!(status.success());
    let kept: String = restored
        .client()
        .query_one("SELECT what FROM precious", &[])
        .expect("the target's table is in the backup")
        .get(0);
    assert_eq!(kept, "kept");
}

#[test]
fn issue_11_an_archive_of_another_database_is_refused_before_any_statement() {
    let target = test_db("issue_11_wrong_archive_target");
    let decoy = test_db("issue_11_wrong_archive_decoy");
    add_precious(&target);
    // A pg_dump pointed elsewhere, whatever plan gives it: the check on the archive must catch
    // it, since nothing else would.
    let wrapper = tempfile::tempdir().expect("a folder for the pg_dump wrapper");
    let bindir = cluster().bindir();
    let script = format!(
        "#!/bin/sh\nPGDATABASE='{decoy}' exec '{real}' \"$@\"\n",
        decoy = decoy.name(),
        real = bindir.join("pg_dump").display()
    );
    let pg_dump = wrapper.path().join("pg_dump");
    std::fs::write(&pg_dump, script).expect("write the wrapper");
    std::fs::set_permissions(&pg_dump, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    std::os::unix::fs::symlink(bindir.join("pg_restore"), wrapper.path().join("pg_restore"))
        .expect("link pg_restore");
    let project = dropping_project();
    let backups = tempfile::tempdir().expect("a backup folder");
    let url = target.url();
    let wrapper_dir = wrapper.path().display().to_string();
    apply_production(
        project.path(),
        backups.path(),
        &[("DATABASE_URL", &url), ("PG_BINDIR", &wrapper_dir)],
    )
    .expect_failed()
    .expect_stderr_has(&[
        "plan::db::backup_wrong_database",
        "the backup holds database `issue_11_wrong_archive_decoy`, not \
         `issue_11_wrong_archive_target`",
    ]);
    assert_eq!(public_tables(&target), ["precious"], "nothing may run");
    assert!(!ledger_exists(&mut target.client()));
    assert_eq!(files_in(backups.path()), Vec::<String>::new());
}

/// Makes a project file executable.
fn make_executable(project: &TestProject, path: &str) {
    let full = project.path().join(path);
    std::fs::set_permissions(&full, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

#[test]
fn issue_11_a_command_step_sees_exactly_the_target_whatever_plan_inherited() {
    let target = test_db("issue_11_step_target");
    let decoy = test_db("issue_11_step_decoy");
    let services = service_file(&[("decoy", &decoy)]);
    let project = TestProject::new(&[
        ("migrations/001_table.sql", "CREATE TABLE t (id int);\n"),
        (
            "scripts/where.sh",
            "#!/bin/sh\n\
             psql -X -A -t -c 'SELECT current_database()' > seen.txt || exit 1\n\
             env | grep -E '^(PG|DATABASE_URL=)' | sort > env.txt\n",
        ),
        (
            "plan.yaml",
            "migrations:\n  001_table:\n    steps:\n      - command: [./scripts/where.sh]\n",
        ),
    ]);
    make_executable(&project, "scripts/where.sh");
    let url = target.url();
    let decoy_url = decoy.url();
    let service_path = services.path().display().to_string();
    plan_with_env(
        project.path(),
        &["apply", "--database-url", &url],
        &[
            ("PGSERVICE", "decoy"),
            ("PGSERVICEFILE", &service_path),
            ("PGDATABASE", decoy.name()),
            ("PGHOST", "/nonexistent"),
            ("DATABASE_URL", &decoy_url),
        ],
    )
    .expect_ok();
    assert_eq!(project.read("seen.txt").trim(), target.name());
    let environment = project.read("env.txt");
    for absent in ["PGSERVICE", "PGSERVICEFILE", "DATABASE_URL"] {
        assert!(
            !environment
                .lines()
                .any(|line| line.starts_with(&format!("{absent}="))),
            "{absent} reached the step:\n{environment}"
        );
    }
    for present in [
        format!("PGDATABASE={}", target.name()),
        format!("PGHOST={}", cluster().socket_dir().display()),
    ] {
        assert!(
            environment.lines().any(|line| line == present),
            "{present} missing:\n{environment}"
        );
    }
    assert_eq!(ledger_ids(&target), ["001_table"]);
    assert!(!ledger_exists(&mut decoy.client()));
}

#[test]
fn issue_11_a_failing_command_step_never_prints_the_password() {
    let (password, encoded) = ("Sw0rd!fish@42/x", "Sw0rd%21fish%4042%2Fx");
    let role = "issue_11_step_secret";
    let url = password_database("issue_11_step_password", role, password).replacen(
        &format!("{role}@"),
        &format!("{role}:{encoded}@"),
        1,
    );
    let project = TestProject::new(&[
        ("migrations/001_table.sql", "CREATE TABLE t (id int);\n"),
        (
            "scripts/leak.sh",
            &format!(
                "#!/bin/sh\n\
                 echo \"connecting with $PGPASSWORD\"\n\
                 echo 'as postgresql://{role}:{encoded}@db/app' >&2\n\
                 exit 3\n"
            ),
        ),
        (
            "plan.yaml",
            "migrations:\n  001_table:\n    steps:\n      - command: [./scripts/leak.sh]\n",
        ),
    ]);
    make_executable(&project, "scripts/leak.sh");
    let run = plan_with_env(project.path(), &["apply"], &[("DATABASE_URL", &url)])
        .expect_failed()
        .expect_stderr_has(&[
            "./scripts/leak.sh exited with exit status: 3",
            "connecting with <redacted>",
            &format!("as postgresql://{role}:<redacted>@db/app"),
        ]);
    for secret in [password, encoded] {
        assert!(
            !run.stdout.contains(secret) && !run.stderr.contains(secret),
            "{}",
            run.transcript()
        );
    }
}

/// A TCP port on 127.0.0.1 where connections are accepted and never answered, while the
/// listener lives (its thread holds every accepted connection open).
fn silent_server() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a listener");
    let port = listener.local_addr().expect("its address").port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming() {
            held.push(stream);
        }
    });
    port
}

#[test]
fn issue_11_status_gives_up_on_a_server_that_never_answers() {
    let port = silent_server();
    let project = TestProject::new(&[("migrations/001_t.sql", "CREATE TABLE t (id int);\n")]);
    let url = format!("postgresql://app@127.0.0.1:{port}/app");
    let with_parameter = format!("{url}?connect_timeout=2");
    let by_parameter = ["status", "--database-url", with_parameter.as_str()];
    let by_variable = ["status", "--database-url", url.as_str()];
    for (args, env) in [
        (by_parameter, None),
        (by_variable, Some(("PGCONNECT_TIMEOUT", "2"))),
    ] {
        let env: Vec<(&str, &str)> = env.into_iter().collect();
        let started = Instant::now();
        let run = plan_with_env(project.path(), &args, &env)
            .expect_failed()
            .expect_stderr_has(&[
                "plan::db::connect",
                &format!("could not connect to postgresql://app@127.0.0.1:{port}/app"),
                // (miette may wrap the line between `2` and `s`)
                "the server did not answer within 2",
                "(connect_timeout)",
            ]);
        let took = started.elapsed();
        assert!(
            took >= Duration::from_secs(2) && took < Duration::from_secs(8),
            "took {took:?}:\n{}",
            run.transcript()
        );
    }
}

#[test]
fn issue_11_plan_honours_pgservice_alone() {
    let database = test_db("issue_11_service_alone");
    let services = service_file(&[("app", &database)]);
    let project = TestProject::new(&[("migrations/001_t.sql", "CREATE TABLE t (id int);\n")]);
    let service_path = services.path().display().to_string();
    let env = [
        ("PGSERVICE", "app"),
        ("PGSERVICEFILE", service_path.as_str()),
    ];
    plan_with_env(project.path(), &["status"], &env)
        .expect_ok()
        .expect_stdout_has(&["001_t"]);
    plan_with_env(project.path(), &["apply"], &env).expect_ok();
    assert_eq!(ledger_ids(&database), ["001_t"]);
    // A service that is not defined is refused as invalid input, naming the file.
    plan_with_env(
        project.path(),
        &["status"],
        &[("PGSERVICE", "nope"), ("PGSERVICEFILE", &service_path)],
    )
    .expect_invalid()
    .expect_stderr_has(&["plan::db::service_not_found", &service_path]);
}
