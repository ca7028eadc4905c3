//! Special-handler steps (issue 5), against a real cluster: the worked example's 003 on 100,000
//! existing members, killed mid-backfill with and without `commit: each`; a failing assert; a
//! command step's environment and arguments; the Rust handler of examples/custom_plan.

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::Duration;

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use crate::support::cluster::{TestDatabase, test_db};
use crate::support::project::{TestProject, crate_root, finish, history, ledger, plan};

#[path = "../../examples/custom_plan/handlers.rs"]
mod custom_handlers;

/// A copy of the worked example (migrations/ and plan.yaml at the repository root), so a test
/// can change its plan.yaml.
fn worked_example() -> TestProject {
    let root = crate_root();
    let mut files = vec![(
        "plan.yaml".to_string(),
        std::fs::read_to_string(root.join("plan.yaml")).expect("read plan.yaml"),
    )];
    for entry in std::fs::read_dir(root.join("migrations")).expect("list migrations/") {
        let path = entry.expect("a directory entry").path();
        let name = path
            .file_name()
            .and_then(|name| name.to_str())
            .expect("a file name")
            .to_string();
        files.push((
            format!("migrations/{name}"),
            std::fs::read_to_string(&path).expect("read a migration"),
        ));
    }
    let borrowed: Vec<(&str, &str)> = files
        .iter()
        .map(|(path, text)| (path.as_str(), text.as_str()))
        .collect();
    TestProject::new(&borrowed)
}

/// Applies 001 and 002 and seeds `members` existing members over 100 organizations of one
/// project each, as a platform that ran before user accounts existed would have them.
fn seed_members(database: &TestDatabase, project: &TestProject, members: u32) {
    plan(database, project.path(), &["apply", "--to", "002"]).expect_ok();
    let mut client = database.client();
    client
        .batch_execute(&format!(
            "INSERT INTO platform.organizations (name, slug)
             SELECT 'Org ' || n, 'org-' || n FROM generate_series(1, 100) AS n;
             INSERT INTO platform.projects (name, ref, organization_id)
             SELECT 'Project of ' || slug, lpad(substr(slug, 5), 16, '0'), id FROM platform.organizations;
             INSERT INTO platform.members (organization_id, email, display_name, role)
             SELECT organizations.id, 'user' || n || '@example.com', 'User ' || n,
                    (ARRAY['owner', 'admin', 'member', 'viewer'])[1 + n % 4]
             FROM generate_series(1, {members}) AS n
             JOIN platform.organizations ON organizations.slug = 'org-' || (1 + n % 100);"
        ))
        .expect("seed the members");
}

fn count(database: &TestDatabase, sql: &str) -> i64 {
    database
        .client()
        .query_one(sql, &[])
        .unwrap_or_else(|error| panic!("{sql}: {error}"))
        .get(0)
}

fn table_exists(database: &TestDatabase, name: &str) -> bool {
    database
        .client()
        .query_one("SELECT to_regclass($1) IS NOT NULL", &[&name])
        .expect("look for a table")
        .get(0)
}

/// Starts `plan apply` on 003, waits until its stderr shows batch progress, then SIGKILLs it,
/// and returns the progress lines seen.
fn kill_mid_backfill(database: &TestDatabase, project: &TestProject) -> Vec<String> {
    let url = database.url();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_plan"))
        .args(["apply", "--to", "003", "--database-url", &url])
        .current_dir(project.path())
        .env("NO_COLOR", "1")
        .env_remove("DATABASE_URL")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the plan binary starts");
    let stderr = child.stderr.take().expect("piped stderr");
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if sender.send(line).is_err() {
                break;
            }
        }
    });
    let mut seen = Vec::new();
    loop {
        match receiver.recv_timeout(Duration::from_secs(60)) {
            Ok(line) => {
                let progress = line.contains("batch step:") && !line.contains(" 0 rows");
                seen.push(line);
                if progress {
                    break;
                }
            }
            Err(_) => {
                let _ = child.kill();
                panic!("no batch progress within 60 s; stderr so far: {seen:?}");
            }
        }
    }
    let pid = Pid::from_raw(i32::try_from(child.id()).expect("pids fit in i32"));
    kill(pid, Signal::SIGKILL).expect("kill plan");
    let _ = child.wait();
    seen
}

/// Rewrites the worked example's two batch steps to commit each batch on its own, in batches
/// of 2,000 so that a kill lands mid-way.
fn with_commit_each(project: &TestProject) {
    let yaml = project
        .read("plan.yaml")
        .replace("LIMIT 5000\n", "LIMIT 2000\n        commit: each\n");
    assert_eq!(yaml.matches("commit: each").count(), 2, "{yaml}");
    project.write("plan.yaml", &yaml);
}

#[test]
fn commit_each_backfill_killed_mid_way_resumes_and_migrates_every_user_once() {
    let database = test_db("steps_commit_each_killed");
    let project = worked_example();
    with_commit_each(&project);
    seed_members(&database, &project, 100_000);

    let seen = kill_mid_backfill(&database, &project);
    assert!(seen.iter().any(|line| line.contains("rows/s")), "{seen:?}");
    // The kill came mid-backfill: some users are committed, not all, and 003 is partial.
    let users = count(&database, "SELECT count(*) FROM platform.users");
    assert!(
        users > 0 && users < 100_000,
        "users after the kill: {users}"
    );
    let rows = ledger(&database);
    let row = rows
        .iter()
        .find(|row| row.id == "003_user_management_and_permissions")
        .expect("003 has a ledger row");
    assert_eq!(row.state, "partial");

    let status = plan(&database, project.path(), &["status"]).expect_ok();
    assert!(
        status.stdout.contains("the next run resumes at step 1"),
        "{}",
        status.transcript()
    );
    plan(
        &database,
        project.path(),
        &["apply", "--to", "003", "--lock-wait", "30"],
    )
    .expect_ok();
    assert_eq!(
        count(&database, "SELECT count(*) FROM platform.users"),
        100_000
    );
    assert_eq!(
        count(
            &database,
            "SELECT count(DISTINCT email) FROM platform.users"
        ),
        100_000
    );
    assert_eq!(
        count(&database, "SELECT count(*) FROM platform.user_roles"),
        100_000,
        "one role per membership, none twice (a unique key would have refused a repeat)"
    );
    assert_eq!(
        count(&database, "SELECT count(*) FROM platform.permissions"),
        100_000,
        "each role grants its organization's one project"
    );
    let applied = ledger(&database);
    assert!(
        applied
            .iter()
            .any(|row| row.id == "003_user_management_and_permissions" && row.state == "applied")
    );
}

#[test]
fn a_killed_transactional_backfill_leaves_no_trace_and_the_rerun_does_it_all() {
    let database = test_db("steps_transactional_killed");
    let project = worked_example();
    seed_members(&database, &project, 100_000);

    kill_mid_backfill(&database, &project);
    // The server ends the dead client's session within about a second
    // (client_connection_check_interval) and rolls its transaction back.
    crate::support::project::wait_for(
        "the killed run's session to end",
        Duration::from_secs(20),
        || {
            let busy = count(
                &database,
                "SELECT count(*) FROM pg_stat_activity
             WHERE datname = current_database() AND pid <> pg_backend_pid()",
            );
            (busy == 0).then_some(())
        },
    );
    assert!(
        !table_exists(&database, "platform.users"),
        "no trace of 003"
    );
    assert!(
        !ledger(&database)
            .iter()
            .any(|row| row.id == "003_user_management_and_permissions")
    );
    plan(&database, project.path(), &["apply", "--to", "003"]).expect_ok();
    assert_eq!(
        count(&database, "SELECT count(*) FROM platform.users"),
        100_000
    );
    assert_eq!(
        count(&database, "SELECT count(*) FROM platform.user_roles"),
        100_000
    );
}

#[test]
fn a_failing_assert_rolls_back_the_steps_and_names_the_assertion() {
    let database = test_db("steps_failing_assert");
    let project = worked_example();
    seed_members(&database, &project, 50);
    database
        .client()
        .batch_execute("UPDATE platform.members SET role = 'superuser' WHERE id % 10 = 0")
        .expect("corrupt some roles");

    let run = plan(&database, project.path(), &["apply", "--to", "003"]).expect_failed();
    let run = run.expect_stderr_has(&[
        "migration 003_user_management_and_permissions failed",
        "assertion failed: every role is one of owner, admin, member, viewer",
        "plan.yaml:",
        "its transaction was rolled back: it left no trace",
    ]);
    assert!(
        !table_exists(&database, "platform.users"),
        "{}",
        run.transcript()
    );
    assert!(
        !ledger(&database)
            .iter()
            .any(|row| row.id == "003_user_management_and_permissions")
    );
    assert!(history(&database).iter().any(|line| {
        line.migration_id == "003_user_management_and_permissions" && line.outcome == "failed"
    }));
}

#[test]
fn a_command_step_gets_the_connection_in_its_environment_not_its_arguments() {
    let database = test_db("steps_command");
    let project = TestProject::new(&[
        (
            "migrations/001_table.sql",
            "CREATE TABLE seen (what text);\n",
        ),
        (
            "scripts/record.sh",
            "#!/bin/sh\n# Records what a command step receives, then writes through the connection it was given.\n\
             printf '%s\\n' \"$@\" > args.txt\n\
             env | grep -E '^(PG|PLAN_)' | sort > env.txt\n\
             psql -X -q -v ON_ERROR_STOP=1 -c \"INSERT INTO seen VALUES ('$PLAN_MIGRATION_ID')\"\n",
        ),
        (
            "scripts/fail.sh",
            "#!/bin/sh\necho 'cannot reach the notifier' >&2\nexit 3\n",
        ),
        (
            "plan.yaml",
            "migrations:\n  001_table:\n    steps:\n      - command: [./scripts/record.sh, \"first\", \"second\"]\n        timeout: 30s\n",
        ),
    ]);
    for script in ["scripts/record.sh", "scripts/fail.sh"] {
        let path = project.path().join(script);
        let mut permissions = std::fs::metadata(&path).expect("the script").permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
        std::fs::set_permissions(&path, permissions).expect("make it executable");
    }
    plan(&database, project.path(), &["apply"]).expect_ok();
    let args = project.read("args.txt");
    assert_eq!(args, "first\nsecond\n");
    let environment = project.read("env.txt");
    assert!(
        environment.contains("PLAN_MIGRATION_ID=001_table"),
        "{environment}"
    );
    assert!(
        environment.contains(&format!("PGDATABASE={}", database.name())),
        "{environment}"
    );
    assert!(environment.contains("PGHOST="), "{environment}");
    assert_eq!(
        count(
            &database,
            "SELECT count(*) FROM seen WHERE what = '001_table'"
        ),
        1
    );

    let failing = TestProject::new(&[
        ("migrations/001_table.sql", "CREATE TABLE other (id int);\n"),
        (
            "scripts/fail.sh",
            "#!/bin/sh\necho 'cannot reach the notifier' >&2\nexit 3\n",
        ),
        (
            "plan.yaml",
            "tracking_table: plan.failing\nmigrations:\n  001_table:\n    steps:\n      - command: [./scripts/fail.sh]\n",
        ),
    ]);
    let path = failing.path().join("scripts/fail.sh");
    let mut permissions = std::fs::metadata(&path).expect("the script").permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
    std::fs::set_permissions(&path, permissions).expect("make it executable");
    let run = plan(&database, failing.path(), &["apply"])
        .expect_failed()
        .expect_stderr_has(&[
            "./scripts/fail.sh exited with exit status: 3",
            "cannot reach the notifier",
        ]);
    // The file's transaction committed before the command ran; the next run resumes at the
    // command, not at the file.
    let status = plan(&database, failing.path(), &["status"]).expect_ok();
    assert!(
        status.stdout.contains("resumes at step 1"),
        "{}\n{}",
        run.transcript(),
        status.transcript()
    );
}

#[test]
fn the_custom_binary_handler_runs_in_the_migration_transaction() {
    let database = test_db("steps_custom_handler");
    let project_dir = crate_root().join("examples/custom_plan/project");
    let loaded = pgplan::internals::load_project(&project_dir).expect("the example project loads");
    let mut handlers = pgplan::Handlers::new();
    custom_handlers::register(&mut handlers);
    let options = pgplan::internals::ApplyOptions {
        target: None,
        environment: None,
        mode: pgplan::internals::Execution::Live,
        lock_wait: Some(Duration::from_secs(30)),
        allow: pgplan::internals::Allow::default(),
        backup_to: None,
        trace: pgplan::internals::Tracing::Off,
        lint: true,
    };
    let mut messages = Vec::new();
    let report = pgplan::internals::apply_with_handlers(
        &loaded,
        database.settings(),
        &options,
        &handlers,
        &mut |progress| {
            if let pgplan::internals::Progress::Message { text, .. } = progress {
                messages.push(text.to_string());
            }
        },
    )
    .unwrap_or_else(|error| panic!("apply failed: {error:?}"));
    assert_eq!(report.applied.len(), 2);
    assert_eq!(messages, ["granted 3 project permissions (no environment)"]);
    assert_eq!(
        count(&database, "SELECT count(*) FROM platform.permissions"),
        3
    );

    // The stock binary has no such handler, and says so before running anything.
    let fresh = test_db("steps_custom_handler_stock");
    let run = finish(
        std::process::Command::new(env!("CARGO_BIN_EXE_plan"))
            .args(["apply", "--database-url", &fresh.url()])
            .current_dir(&project_dir)
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the plan binary starts"),
        &["apply"],
        Duration::from_secs(60),
    );
    run.expect_failed()
        .expect_stderr_has(&["plan::apply::unknown_handler", "permission_inheritance"]);
    assert!(ledger(&fresh).is_empty());
}
