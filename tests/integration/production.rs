//! The production runbook (issue 6): a verified backup before `apply --env production`, the
//! confirmation, and docs/runbook.md run as written. (`plan verify` is in verify.rs.)
//!
//! Backups are checked by restoring them with the real pg_restore; failing and spying pg_dumps
//! are small shell wrappers put first through `PG_BINDIR`, which `plan` searches before
//! anything else. Everything runs against throwaway clusters: the shared one, the password
//! cluster (scram over TCP) for secrets, and for `verify` the throwaway cluster it starts
//! itself.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use pgplan::ConnectionSettings;
use pgplan::internals::ObjectKey;
use pgplan::internals::{Catalog, Ledger, Session};
use tempfile::TempDir;

use crate::support::cluster::{
    TestDatabase, cluster, password_cluster, password_database, render, test_db,
};
use crate::support::project::{
    Run, TestProject, crate_root, finish, history, ledger, ledger_exists, plan, plan_with_env,
    user_objects,
};

/// The worked example (plan.yaml and migrations/ of the repository root) in a project folder of
/// its own, so that nothing a test does lands in the repository.
pub(crate) fn worked_example() -> TestProject {
    let project = TestProject::new(&[]);
    let root = crate_root();
    std::fs::copy(root.join("plan.yaml"), project.path().join("plan.yaml"))
        .expect("copy plan.yaml");
    let migrations = project.path().join("migrations");
    std::fs::create_dir_all(&migrations).expect("create migrations/");
    for entry in std::fs::read_dir(root.join("migrations")).expect("read migrations/") {
        let entry = entry.expect("a directory entry");
        std::fs::copy(entry.path(), migrations.join(entry.file_name())).expect("copy a migration");
    }
    project
}

/// The catalog of a database as `plan` snapshots it (the ledger's own objects left out).
fn catalog(settings: &ConnectionSettings) -> Catalog {
    let mut session =
        Session::connect(settings).unwrap_or_else(|error| panic!("{}", render(&error)));
    Catalog::read(&mut session, "plan", "migrations")
        .unwrap_or_else(|error| panic!("{}", render(&error)))
}

/// What a database holds, to compare one database with another.
#[derive(Debug, PartialEq, Eq)]
struct Contents {
    /// The objects of its catalog snapshot. Not their hashes: those hash a foreign key's
    /// referenced table by OID, which a restore changes.
    objects: Vec<String>,
    /// `pg_dump --schema-only`, without the random `\restrict` key recent versions add.
    schema: Vec<String>,
    organizations: Vec<String>,
    ledger: Vec<crate::support::project::LedgerLine>,
}

fn contents(database: &TestDatabase) -> Contents {
    let output = Command::new(cluster().bindir().join("pg_dump"))
        .args(["--schema-only", "--dbname", &database.url()])
        .output()
        .expect("pg_dump runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    Contents {
        objects: catalog(database.settings())
            .keys()
            .map(ObjectKey::catalog_key)
            .collect(),
        schema: String::from_utf8_lossy(&output.stdout)
            .lines()
            .filter(|line| !line.starts_with("\\restrict") && !line.starts_with("\\unrestrict"))
            .map(str::to_string)
            .collect(),
        organizations: organizations(database),
        ledger: ledger(database),
    }
}

/// Asserts that `actual` holds what `expected` held, naming the first difference.
#[track_caller]
fn assert_same_contents(expected: &Contents, actual: &Contents, what: &str) {
    assert_eq!(
        expected.objects, actual.objects,
        "{what}: catalog objects differ"
    );
    if let Some((line, (left, right))) = expected
        .schema
        .iter()
        .zip(&actual.schema)
        .enumerate()
        .find(|(_, (left, right))| left != right)
    {
        panic!(
            "{what}: schema dumps differ at line {}: {left:?} vs {right:?}",
            line + 1
        );
    }
    assert_eq!(
        expected.schema.len(),
        actual.schema.len(),
        "{what}: schema dump lengths"
    );
    assert_eq!(
        expected.organizations, actual.organizations,
        "{what}: rows differ"
    );
    assert_eq!(expected.ledger, actual.ledger, "{what}: ledger differs");
}

/// Every organization, as `slug name billing_email`, sorted.
fn organizations(database: &TestDatabase) -> Vec<String> {
    database
        .client()
        .query(
            "SELECT concat_ws(' ', slug, name, billing_email) FROM platform.organizations ORDER BY slug",
            &[],
        )
        .expect("read organizations")
        .iter()
        .map(|row| row.get(0))
        .collect()
}

/// The files in a folder, by name, sorted (hidden ones included).
fn files_in(directory: &Path) -> Vec<String> {
    let mut names: Vec<String> = match std::fs::read_dir(directory) {
        Ok(entries) => entries
            .map(|entry| {
                entry
                    .expect("a directory entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect(),
        Err(_) => Vec::new(),
    };
    names.sort();
    names
}

/// The line of `stdout` starting with `prefix`, without it.
#[track_caller]
fn line_after<'a>(run: &'a Run, prefix: &str) -> &'a str {
    run.stdout
        .lines()
        .find_map(|line| line.strip_prefix(prefix))
        .unwrap_or_else(|| panic!("no line starting with {prefix:?}:\n{}", run.transcript()))
}

/// A folder for `PG_BINDIR` holding a `pg_dump` shell script (`body` runs after `--version`
/// is answered by the real pg_dump, as `plan`'s version check needs) and a link to the real
/// `pg_restore`.
fn wrapped_pg_dump(body: &str) -> TempDir {
    let bindir = cluster().bindir();
    let folder = tempfile::tempdir().expect("a folder for the pg_dump wrapper");
    let script = format!(
        "#!/bin/sh\nif [ \"$1\" = \"--version\" ]; then exec '{real}' --version; fi\n{body}\n",
        real = bindir.join("pg_dump").display()
    );
    let path = folder.path().join("pg_dump");
    std::fs::write(&path, script).expect("write the pg_dump wrapper");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))
        .expect("make it executable");
    std::os::unix::fs::symlink(bindir.join("pg_restore"), folder.path().join("pg_restore"))
        .expect("link pg_restore");
    folder
}

fn apply_production(
    database: &TestDatabase,
    project: &Path,
    backups: &Path,
    env: &[(&str, &str)],
) -> Run {
    let url = database.url();
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
            "--database-url",
            &url,
        ],
        env,
    )
}

#[test]
fn a_production_apply_backs_up_first_and_the_dump_gives_back_the_database_before_it() {
    let database = test_db("production_backup_restores");
    let project = worked_example();
    let backups = tempfile::tempdir().expect("a backup folder");
    // Before: 001 applied, with rows; the production apply adds 002 to 004, schema and data.
    plan(&database, project.path(), &["apply", "--to", "001"]).expect_ok();
    database
        .client()
        .batch_execute(
            "INSERT INTO platform.organizations (name, slug, billing_email)
             VALUES ('Acme', 'acme', 'billing@acme.example'), ('Globex', 'globex', NULL)",
        )
        .expect("add rows");
    let before = contents(&database);

    let run = apply_production(&database, project.path(), backups.path(), &[])
        .expect_ok()
        .expect_stdout_has(&["applied 3 migrations in batch 2"])
        .expect_stderr_has(&["  run     004_create_lancio_org", "  backup  "]);
    let archive = PathBuf::from(
        line_after(&run, "backup: ")
            .split(" (")
            .next()
            .expect("the path comes first"),
    );
    let name = archive
        .file_name()
        .expect("a file name")
        .to_string_lossy()
        .into_owned();
    assert!(
        name.starts_with("production_backup_restores-") && name.ends_with("Z-all.dump"),
        "{name}"
    );
    assert_eq!(files_in(backups.path()), [name], "no partial file is left");
    let mode = std::fs::metadata(&archive)
        .expect("the archive")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600, "the dump holds every row: owner only");
    assert!(
        organizations(&database)
            .iter()
            .any(|row| row.starts_with("lancio "))
    );
    let recorded: Vec<_> = history(&database)
        .into_iter()
        .filter(|line| line.action == "backup" || line.migration_id == "004_create_lancio_org")
        .map(|line| (line.action, line.detail.unwrap_or_default()))
        .collect();
    assert_eq!(recorded.len(), 2, "{recorded:?}");
    assert_eq!(
        recorded[0].0, "backup",
        "recorded before the apply: {recorded:?}"
    );
    assert!(
        recorded[0].1.starts_with(&archive.display().to_string()),
        "{recorded:?}"
    );
    assert_eq!(recorded[1].0, "apply");

    // Restored into a fresh database with the real pg_restore: schema, rows and ledger as before.
    let restored = test_db("production_backup_restored");
    let status = Command::new(cluster().bindir().join("pg_restore"))
        .args(["--exit-on-error", "--no-owner", "--dbname", &restored.url()])
        .arg(&archive)
        .status()
        .expect("pg_restore runs");
    assert!(status.success(), "pg_restore into a fresh database failed");
    assert_same_contents(
        &before,
        &contents(&restored),
        "restored into a fresh database",
    );

    // The printed restore command puts the database itself back, in place.
    let command = line_after(&run, "to restore it: ");
    let output = Command::new("sh")
        .args(["-c", command])
        .stdin(Stdio::null())
        .output()
        .expect("sh runs");
    assert!(
        output.status.success(),
        "`{command}` failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_same_contents(&before, &contents(&database), "the printed restore command");
}

#[test]
fn a_failing_pg_dump_stops_apply_before_any_statement() {
    let cases = [
        (
            "exits_1",
            "echo 'pg_dump: error: simulated failure' >&2\nexit 1",
            "simulated failure",
        ),
        ("writes_nothing", "exit 0", "wrote nothing"),
        (
            "writes_garbage",
            "while [ $# -gt 0 ]; do if [ \"$1\" = --file ]; then echo 'not an archive' > \"$2\"; fi; shift; done",
            "could not verify the backup",
        ),
    ];
    for (name, body, expected) in cases {
        let database = test_db(&format!("failing_pg_dump_{name}"));
        let project = worked_example();
        let backups = tempfile::tempdir().expect("a backup folder");
        let wrapper = wrapped_pg_dump(body);
        let bindir = wrapper.path().display().to_string();
        apply_production(
            &database,
            project.path(),
            backups.path(),
            &[("PG_BINDIR", &bindir)],
        )
        .expect_failed()
        .expect_stderr_has(&["plan::db::backup", expected, "nothing was applied"]);
        assert!(
            !ledger_exists(&mut database.client()),
            "{name}: a failed backup must leave no ledger"
        );
        assert_eq!(
            user_objects(&database),
            Vec::<String>::new(),
            "{name}: nothing may run"
        );
        assert_eq!(
            files_in(backups.path()),
            Vec::<String>::new(),
            "{name}: no file may be left"
        );
    }
}

#[test]
fn pg_dump_gets_the_password_through_its_environment_never_its_command_line() {
    let (password, encoded) = ("Bk9@never/in:argv%", "Bk9%40never%2Fin%3Aargv%25");
    let role = "backup_secret_owner";
    let name = "backup_password_never_in_argv";
    let without_password = password_database(name, role, password);
    let url = without_password.replacen(&format!("{role}@"), &format!("{role}:{encoded}@"), 1);
    let project = TestProject::new(&[
        (
            "plan.yaml",
            "environments:\n  production: {backup: required}\n",
        ),
        (
            "migrations/001_things.sql",
            "CREATE TABLE things (id int);\n",
        ),
    ]);
    let backups = tempfile::tempdir().expect("a backup folder");
    let spy = tempfile::tempdir().expect("a folder for what pg_dump saw");
    let seen = spy.path().join("seen");
    let wrapper = wrapped_pg_dump(&format!(
        "{{ echo \"argv: $*\"; printf 'cmdline: '; tr '\\000' ' ' < /proc/$$/cmdline; echo; \
         if [ -n \"$PGPASSWORD\" ]; then echo 'PGPASSWORD is set'; fi; }} >> '{seen}'\n\
         exec '{real}' \"$@\"",
        seen = seen.display(),
        real = password_cluster().bindir().join("pg_dump").display(),
    ));
    let bindir = wrapper.path().display().to_string();
    let backup_dir = backups.path().display().to_string();
    let run = plan_with_env(
        project.path(),
        &["apply", "--env", "production", "--backup-dir", &backup_dir],
        &[
            ("DATABASE_URL", url.as_str()),
            ("PG_BINDIR", bindir.as_str()),
        ],
    )
    .expect_ok()
    .expect_stdout_has(&["backup: ", "applied 1 migration"]);
    let seen = std::fs::read_to_string(&seen).expect("the wrapper ran");
    assert!(
        seen.contains("argv: --format=custom --no-password --file "),
        "{seen}"
    );
    assert!(seen.contains("cmdline: /bin/sh "), "{seen}");
    assert!(
        seen.contains("PGPASSWORD is set"),
        "the password must reach pg_dump: {seen}"
    );
    for secret in [password, encoded] {
        assert!(
            !seen.contains(secret),
            "the password is on pg_dump's command line: {seen}"
        );
        assert!(
            !run.stdout.contains(secret) && !run.stderr.contains(secret),
            "{}",
            run.transcript()
        );
    }
    assert_eq!(
        files_in(backups.path()).len(),
        1,
        "{:?}",
        files_in(backups.path())
    );
}

#[test]
fn a_ledger_created_before_backups_existed_is_widened_to_record_one() {
    let database = test_db("backup_in_an_older_ledger");
    let project = TestProject::new(&[
        (
            "plan.yaml",
            "environments:\n  production: {backup: required}\n",
        ),
        ("migrations/001_first.sql", "CREATE TABLE first (id int);\n"),
        (
            "migrations/002_second.sql",
            "CREATE TABLE second (id int);\n",
        ),
    ]);
    plan(&database, project.path(), &["apply", "--to", "001"]).expect_ok();
    // The history's CHECK as versions before `backup` wrote it.
    database
        .client()
        .batch_execute(
            "ALTER TABLE plan.migrations_history DROP CONSTRAINT migrations_history_action_check,
             ADD CONSTRAINT migrations_history_action_check
                 CHECK (action IN ('apply', 'rollback', 'accept', 'baseline', 'import'))",
        )
        .expect("put back the old CHECK");
    let backups = tempfile::tempdir().expect("a backup folder");
    apply_production(&database, project.path(), backups.path(), &[])
        .expect_ok()
        .expect_stdout_has(&["backup: ", "applied 1 migration in batch 2"]);
    let actions: Vec<String> = history(&database)
        .into_iter()
        .map(|line| line.action)
        .collect();
    assert_eq!(actions, ["apply", "backup", "apply"]);
}

#[test]
fn confirming_needs_a_terminal_or_yes_and_a_no_applies_nothing() {
    let database = test_db("production_confirmation");
    let project = worked_example();
    let backups = tempfile::tempdir().expect("a backup folder");
    let backup_dir = backups.path().display().to_string();
    // No --backup-dir: refused before connecting.
    plan(
        &database,
        project.path(),
        &["apply", "--env", "production", "--yes"],
    )
    .expect_invalid()
    .expect_stderr_has(&["plan::cli::backup_dir_needed"]);
    // No terminal and no --yes: refused before connecting.
    plan(
        &database,
        project.path(),
        &["apply", "--env", "production", "--backup-dir", &backup_dir],
    )
    .expect_invalid()
    .expect_stderr_has(&["plan::cli::confirmation_needed"]);
    // On a terminal (util-linux `script` gives it one), "n" ends it with nothing done. `-q`
    // silences progress, never the preview and the question the run waits on.
    for quiet in ["", " -q"] {
        let command = format!(
            "'{}'{quiet} apply --env production --backup-dir '{backup_dir}' --database-url '{}'",
            env!("CARGO_BIN_EXE_plan"),
            database.url()
        );
        let mut child = Command::new("script")
            .args(["-qec", &command, "/dev/null"])
            .current_dir(project.path())
            .env("NO_COLOR", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("util-linux `script` must be installed to give plan a terminal");
        {
            use std::io::Write;
            let mut stdin = child.stdin.take().expect("stdin");
            stdin.write_all(b"n\n").expect("answer");
        }
        let answered = finish(
            child,
            &["apply (on a terminal, answering n)"],
            Duration::from_secs(60),
        );
        assert_eq!(answered.code, 1, "{}", answered.transcript());
        for part in [
            "  run     001_create_platform_schema",
            "  run     004_create_lancio_org",
            "  backup  ",
            "in environment production [y/N]",
            "plan::cli::not_confirmed",
        ] {
            assert!(
                answered.stdout.contains(part),
                "{part:?} missing:\n{}",
                answered.transcript()
            );
        }
    }
    assert!(!ledger_exists(&mut database.client()));
    assert_eq!(
        files_in(backups.path()),
        Vec::<String>::new(),
        "the reserved file is removed"
    );
}

/// A command of the runbook and the exit code it promises.
#[derive(Debug)]
struct RunbookCommand {
    line: String,
    exit: i32,
}

/// The commands of the ```` ```sh runbook ```` blocks of docs/runbook.md, in order: one per
/// line (a trailing `\` continues it), comment lines skipped, exit 0 unless the line ends with
/// `# exits N`.
fn runbook_commands(text: &str) -> Vec<RunbookCommand> {
    let mut commands = Vec::new();
    let mut in_block = false;
    let mut pending = String::new();
    for line in text.lines() {
        let trimmed = line.trim();
        if !in_block {
            in_block = trimmed == "```sh runbook";
            continue;
        }
        if trimmed == "```" {
            in_block = false;
            continue;
        }
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if let Some(start) = trimmed.strip_suffix('\\') {
            pending.push_str(start);
            continue;
        }
        pending.push_str(trimmed);
        let exit = pending
            .rsplit_once("# exits ")
            .and_then(|(_, code)| code.trim().parse().ok())
            .unwrap_or(0);
        commands.push(RunbookCommand {
            line: std::mem::take(&mut pending),
            exit,
        });
    }
    commands
}

#[test]
fn runbook_commands_run_as_written() {
    let text =
        std::fs::read_to_string(crate_root().join("docs/runbook.md")).expect("docs/runbook.md");
    let commands = runbook_commands(&text);
    let joined: Vec<&str> = commands
        .iter()
        .map(|command| command.line.as_str())
        .collect();
    for needed in [
        "plan verify",
        "plan apply --env production --backup-dir",
        "plan rollback",
        "pg_restore",
    ] {
        assert!(
            joined.iter().any(|line| line.contains(needed)),
            "the runbook must run `{needed}`: {joined:#?}"
        );
    }
    let database = test_db("runbook_commands");
    let project = worked_example();
    let backups = tempfile::tempdir().expect("a backup folder");
    let cluster = cluster();
    let plan_dir = Path::new(env!("CARGO_BIN_EXE_plan"))
        .parent()
        .expect("the binary's folder");
    let path = std::env::join_paths(
        [plan_dir.to_path_buf(), cluster.bindir().to_path_buf()]
            .into_iter()
            .chain(std::env::split_paths(
                &std::env::var_os("PATH").unwrap_or_default(),
            )),
    )
    .expect("a PATH");
    for command in &commands {
        let mut shell = Command::new("sh");
        shell
            .args(["-c", &command.line])
            .current_dir(project.path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (name, _) in std::env::vars_os() {
            let name = name.to_string_lossy().into_owned();
            if name == "DATABASE_URL" || name.starts_with("PG") {
                shell.env_remove(&name);
            }
        }
        shell
            .env("PATH", &path)
            .env("NO_COLOR", "1")
            .env("PGHOST", cluster.socket_dir())
            .env("PGPORT", cluster.port().to_string())
            .env("PGUSER", "postgres")
            .env("PGDATABASE", database.name())
            .env("BACKUP_DIR", backups.path());
        let run = finish(
            shell.spawn().expect("sh starts"),
            &[command.line.as_str()],
            Duration::from_secs(90),
        );
        assert_eq!(
            run.code,
            command.exit,
            "the runbook says this exits {}:\n{}",
            command.exit,
            run.transcript()
        );
    }
    // The restore at the end gave back the database from before the apply: empty, no ledger.
    assert!(!ledger_exists(&mut database.client()));
    assert_eq!(user_objects(&database), Vec::<String>::new());
    assert_eq!(
        files_in(backups.path()).len(),
        2,
        "the apply's backup and the rollback's"
    );
}

// =============================================================================================
// Production stays production (issue 11): a database whose ledger records an environment keeps
// that environment's confirmation and backup for `rollback` and `apply`, with or without
// `--env`; another `--env` is refused unless `--yes`; `rollback --dry-run` changes nothing.
// =============================================================================================

/// The environments the history recorded for each backup and rollback, oldest first.
fn guarded_events(database: &TestDatabase) -> Vec<(String, String, Option<String>)> {
    database
        .client()
        .query(
            "SELECT action, migration_id, environment FROM plan.migrations_history
             WHERE action IN ('backup', 'rollback') ORDER BY event",
            &[],
        )
        .expect("read the history")
        .iter()
        .map(|row| (row.get(0), row.get(1), row.get(2)))
        .collect()
}

/// A small project whose production needs a confirmation and a backup, staging neither.
fn two_environments() -> TestProject {
    TestProject::new(&[
        (
            "plan.yaml",
            "environments:\n  production: {backup: required, confirm: true}\n  staging: {}\n",
        ),
        (
            "migrations/001_first.sql",
            "-- UP\nCREATE TABLE first (id int);\n-- DOWN\nDROP TABLE first;\n",
        ),
        (
            "migrations/002_second.sql",
            "-- UP\nCREATE TABLE second (id int);\n-- DOWN\nDROP TABLE second;\n",
        ),
    ])
}

#[test]
fn issue_11_rollback_without_env_on_a_production_database_confirms_and_backs_up() {
    let database = test_db("issue_11_rollback_production_guard");
    let project = worked_example();
    let backups = tempfile::tempdir().expect("a backup folder");
    let backup_dir = backups.path().display().to_string();
    apply_production(&database, project.path(), backups.path(), &[]).expect_ok();
    let before = contents(&database);

    // No --env: the ledger says production, so production's backup and confirmation apply.
    plan(&database, project.path(), &["rollback", "001"])
        .expect_invalid()
        .expect_stderr_has(&[
            "plan::cli::backup_dir_needed",
            "environment production requires a verified backup before rollback",
        ]);
    plan(
        &database,
        project.path(),
        &["rollback", "001", "--backup-dir", &backup_dir],
    )
    .expect_invalid()
    .expect_stderr_has(&[
        "the ledger records that this database was migrated in environment production",
        "plan::cli::confirmation_needed",
        "in environment production",
    ]);
    assert_same_contents(&before, &contents(&database), "refused rollbacks");
    assert_eq!(files_in(backups.path()).len(), 1, "only the apply's backup");

    let run = plan(
        &database,
        project.path(),
        &["rollback", "001", "--backup-dir", &backup_dir, "--yes"],
    )
    .expect_ok()
    .expect_stderr_has(&[
        "  roll back  004_create_lancio_org\n",
        "  roll back  001_create_platform_schema\n",
        "  backup     ",
    ])
    .expect_stdout_has(&["backup: ", "rolled back 4 migration(s): "]);
    let archive = PathBuf::from(
        line_after(&run, "backup: ")
            .split(" (")
            .next()
            .expect("the path comes first"),
    );
    let name = archive
        .file_name()
        .expect("a file name")
        .to_string_lossy()
        .into_owned();
    assert!(
        name.ends_with("Z-rollback-001_create_platform_schema.dump"),
        "{name}"
    );
    assert_eq!(files_in(backups.path()).len(), 2);
    let events = guarded_events(&database);
    let production = Some("production".to_string());
    assert_eq!(
        events
            .iter()
            .map(|(action, id, environment)| (action.as_str(), id.as_str(), environment.clone()))
            .collect::<Vec<_>>(),
        [
            ("backup", "", production.clone()),
            ("backup", "", production.clone()),
            ("rollback", "004_create_lancio_org", production.clone()),
            (
                "rollback",
                "003_user_management_and_permissions",
                production.clone()
            ),
            (
                "rollback",
                "002_platform_billing_schema",
                production.clone()
            ),
            ("rollback", "001_create_platform_schema", production.clone()),
        ],
        "the rollback's backup comes first, and every row says production"
    );

    // The rollback's backup gives back the database as it was before the rollback.
    let restored = test_db("issue_11_rollback_backup_restored");
    let status = Command::new(cluster().bindir().join("pg_restore"))
        .args(["--exit-on-error", "--no-owner", "--dbname", &restored.url()])
        .arg(&archive)
        .status()
        .expect("pg_restore runs");
    assert!(status.success(), "pg_restore into a fresh database failed");
    assert_same_contents(&before, &contents(&restored), "the rollback's backup");
}

#[test]
fn the_ledgers_environments_are_listed_once_each_in_the_order_its_rows_name_them() {
    // What a run asks before its lock (`Ledger::environments`) lists what reading every row
    // would: each environment once, by the batch and then the ID of its first row; rows
    // without one are not listed.
    let database = test_db("ledger_environments_in_row_order");
    let mut session =
        Session::connect(database.settings()).unwrap_or_else(|error| panic!("{}", render(&error)));
    let ledger = Ledger::new("plan", "migrations");
    assert!(
        ledger
            .environments(&mut session)
            .expect("no ledger yet")
            .is_empty()
    );
    ledger.ensure(&mut session).expect("create the ledger");
    database
        .client()
        .batch_execute(
            "INSERT INTO plan.migrations (id, checksum, batch, environment) VALUES
                 ('005_e', 'x', 3, 'staging'), ('004_d', 'x', 2, NULL),
                 ('003_c', 'x', 2, 'production'), ('002_b', 'x', 2, 'qa'),
                 ('001_a', 'x', 1, NULL), ('006_f', 'x', 1, 'qa'), ('007_g', 'x', 3, 'dev')",
        )
        .expect("ledger rows");
    let listed = ledger.environments(&mut session).expect("the environments");
    assert_eq!(listed, ["qa", "production", "staging", "dev"]);
    let mut from_rows: Vec<String> = Vec::new();
    for row in ledger.read(&mut session).expect("the rows") {
        if let Some(environment) = row.environment
            && !from_rows.contains(&environment)
        {
            from_rows.push(environment);
        }
    }
    assert_eq!(listed, from_rows);
}

#[test]
fn issue_11_an_env_other_than_the_ledgers_is_refused_unless_yes() {
    let database = test_db("issue_11_environment_mismatch");
    let project = two_environments();
    let backups = tempfile::tempdir().expect("a backup folder");
    let backup_dir = backups.path().display().to_string();
    plan(
        &database,
        project.path(),
        &[
            "apply",
            "--env",
            "production",
            "--to",
            "001",
            "--yes",
            "--backup-dir",
            &backup_dir,
        ],
    )
    .expect_ok();
    let before = (ledger(&database), user_objects(&database));

    // Apply without --env keeps production's safeguards.
    plan(&database, project.path(), &["apply"])
        .expect_invalid()
        .expect_stderr_has(&[
            "plan::cli::backup_dir_needed",
            "environment production requires a verified backup before apply",
        ]);
    plan(
        &database,
        project.path(),
        &["apply", "--backup-dir", &backup_dir],
    )
    .expect_invalid()
    .expect_stderr_has(&["plan::cli::confirmation_needed"]);
    // Another --env is refused, for apply and rollback alike.
    for args in [
        &["apply", "--env", "staging"][..],
        &["rollback", "--last-batch", "--env", "staging"][..],
    ] {
        plan(&database, project.path(), args)
            .expect_invalid()
            .expect_stderr_has(&[
                "plan::apply::environment_mismatch",
                "--env staging, but this database's ledger records migrations applied in",
                "production",
            ]);
    }
    // A dry run says so and runs anyway.
    plan(
        &database,
        project.path(),
        &["rollback", "--last-batch", "--env", "staging", "--dry-run"],
    )
    .expect_ok()
    .expect_stdout_has(&["a real run is refused without --yes: --env staging"]);
    assert_eq!((ledger(&database), user_objects(&database)), before);

    // --yes overrides the mismatch, not production's backup.
    plan(
        &database,
        project.path(),
        &["rollback", "--last-batch", "--env", "staging", "--yes"],
    )
    .expect_invalid()
    .expect_stderr_has(&["plan::cli::backup_dir_needed", "environment production"]);
    assert_eq!((ledger(&database), user_objects(&database)), before);
    plan(
        &database,
        project.path(),
        &[
            "rollback",
            "--last-batch",
            "--env",
            "staging",
            "--yes",
            "--backup-dir",
            &backup_dir,
        ],
    )
    .expect_ok()
    .expect_stdout_has(&["backup: ", "rolled back 1 migration(s): 001_first"]);
    assert_eq!(ledger(&database), Vec::new());
}

#[test]
fn issue_11_rollback_dry_run_prints_the_rollback_sql_and_changes_nothing() {
    let database = test_db("issue_11_rollback_dry_run");
    let project = TestProject::new(&[
        (
            "migrations/001_base.sql",
            "-- UP\nCREATE TABLE base (id int);\n-- DOWN\nDROP TABLE base;\n",
        ),
        (
            "migrations/002_index.sql",
            "-- UP\nCREATE INDEX CONCURRENTLY base_id ON base (id);\n",
        ),
        (
            "migrations/002_index.down.sql",
            "DROP INDEX CONCURRENTLY base_id;\n",
        ),
        (
            "migrations/003_more.sql",
            "-- UP\nALTER TABLE base ADD COLUMN note text;\nCREATE TABLE more (id int);\n-- DOWN\nDROP TABLE more;\nALTER TABLE base DROP COLUMN note;\n",
        ),
    ]);
    plan(&database, project.path(), &["apply"]).expect_ok();
    let before = (
        ledger(&database),
        user_objects(&database),
        history(&database),
    );

    let run = plan(&database, project.path(), &["rollback", "001", "--dry-run"]).expect_ok();
    insta::with_settings!({filters => crate::support::project::FILTERS.to_vec()}, {
        insta::assert_snapshot!("rollback_dry_run", run.transcript());
    });
    assert_eq!(
        (
            ledger(&database),
            user_objects(&database),
            history(&database)
        ),
        before,
        "a dry run changes nothing"
    );
}
