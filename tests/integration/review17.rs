//! Review of issue 17 (one plan over many databases): findings beyond the cases the issue names,
//! each with the test that failed before its fix. Every wait is on state a database shows
//! (`pg_stat_activity`, ledgers), never on the timing of a run.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

use crate::support::cluster::{TestDatabase, test_db};
use crate::support::project::{TestProject, finish, plan_with_env, wait_for};

/// `plan ARGS` started in `project`'s folder, with no connection variables of the test's.
fn spawn(project: &TestProject, args: &[&str]) -> Child {
    let mut command = Command::new(env!("CARGO_BIN_EXE_plan"));
    command
        .args(args)
        .current_dir(project.path())
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    crate::support::project::without_connection_variables(&mut command);
    command.spawn().expect("the plan binary starts")
}

/// How many sessions of `database` other than the asking one run (or last ran) a query
/// containing one of `texts` and, with `waiting`, wait for a lock now.
fn sessions_running(database: &TestDatabase, texts: &[&str], waiting: bool) -> i64 {
    let patterns: Vec<String> = texts.iter().map(|text| format!("%{text}%")).collect();
    database
        .client()
        .query_one(
            "SELECT count(*) FROM pg_stat_activity
             WHERE pid <> pg_backend_pid() AND datname = current_database()
               AND query LIKE ANY ($1::text[])
               AND (NOT $2 OR wait_event_type = 'Lock')",
            &[&patterns, &waiting],
        )
        .expect("read pg_stat_activity")
        .get(0)
}

/// The advisory lock key of the test's gate: a migration that takes it waits for the test.
const GATE: i64 = 4217;

/// The first migration of the gated tests: on a target that has the table `gate` it waits for
/// the test's gate (an advisory lock, which a backup's pg_dump does not wait for), then fails.
const GATED: &str = "SELECT pg_advisory_xact_lock(4217);\nCREATE TABLE gate (id int);\n";

/// A session of `database` holding the gate until it is dropped.
fn hold_gate(database: &TestDatabase) -> postgres::Client {
    let mut client = database.client();
    client
        .batch_execute(&format!(
            "CREATE TABLE gate (id int); SELECT pg_advisory_lock({GATE})"
        ))
        .expect("hold the gate");
    client
}

/// Whether a session of `database` waits at the gate.
fn waits_at_gate(database: &TestDatabase) -> bool {
    sessions_running(database, &["pg_advisory_xact_lock(4217)"], true) > 0
}

/// With `on_error: stop`, a target waiting for a lock another run holds stopped waiting once
/// a failure elsewhere stopped the run. Before, the lock wait never asked whether the run was
/// stopping: the fleet run waited as long as the other holder held the lock (for ever, for a
/// stuck session), after the failure, instead of ending with its report.
#[test]
fn issue_17_a_target_waiting_for_a_lock_stops_waiting_when_the_fleet_stops() {
    let (failing, locked) = (test_db("review17_stop_a"), test_db("review17_stop_b"));
    let project = TestProject::new(&[
        (
            "plan.yaml",
            &format!(
                "fleets:\n  tenants:\n    databases: [\"{}\", \"{}\"]\n    parallel: 2\n    on_error: stop\n",
                failing.url(),
                locked.url()
            ),
        ),
        ("migrations/001_gate.sql", GATED),
    ]);
    let gate = hold_gate(&failing);
    // Another run holds the second target's lock (the advisory lock of its ledger).
    let mut holder = locked.client();
    let key = pgplan::internals::LockKey::from_name("plan.migrations").value();
    holder
        .execute("SELECT pg_advisory_lock($1)", &[&key])
        .expect("hold the second target's lock");

    let args = ["apply", "--fleet", "tenants", "--format", "json"];
    let child = spawn(&project, &args);
    wait_for(
        "the first target blocked on the gate, the second waiting for its lock",
        Duration::from_secs(60),
        || {
            let blocked = waits_at_gate(&failing);
            let polling = sessions_running(&locked, &["pg_try_advisory_lock", "pg_locks"], false);
            (blocked && polling > 0).then_some(())
        },
    );
    // The first target fails now; the run stops, and the second stops waiting.
    drop(gate);
    let run = finish(child, &args, Duration::from_secs(60)).expect_failed();
    let report: Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|error| panic!("one JSON object ({error}):\n{}", run.transcript()));
    let outcomes: Vec<&str> = report["targets"]
        .as_array()
        .expect("targets")
        .iter()
        .filter_map(|target| target["outcome"].as_str())
        .collect();
    assert_eq!(outcomes, ["failed", "stopped"], "{}", run.transcript());
    assert_eq!(report["targets"][1]["stopped_before"], Value::Null);
    assert_eq!(report["targets"][1]["applied"], serde_json::json!([]));
    // Nothing was done to the second target: it never had its lock.
    let ledger: Option<String> = locked
        .client()
        .query_one("SELECT to_regclass('plan.migrations')::text", &[])
        .expect("look for the ledger")
        .get(0);
    assert_eq!(ledger, None, "{}", run.transcript());
    drop(holder);

    // The text report says why it has no migration to name.
    let mut gate = failing.client();
    gate.batch_execute(&format!("SELECT pg_advisory_lock({GATE})"))
        .expect("hold the gate");
    let mut holder = locked.client();
    holder
        .execute("SELECT pg_advisory_lock($1)", &[&key])
        .expect("hold the second target's lock");
    let args = ["apply", "--fleet", "tenants"];
    let child = spawn(&project, &args);
    wait_for(
        "the first target blocked on the gate, the second waiting for its lock",
        Duration::from_secs(60),
        || {
            let blocked = waits_at_gate(&failing);
            let polling = sessions_running(&locked, &["pg_try_advisory_lock", "pg_locks"], false);
            (blocked && polling > 0).then_some(())
        },
    );
    drop(gate);
    finish(child, &args, Duration::from_secs(60))
        .expect_failed()
        .expect_stdout_has(&["while waiting for another run's lock, after a failure elsewhere"]);
}

/// A bad setting in a targets file's line (here its `sslmode`) is said of that line. Before,
/// it was said of `--database-url`, which the command was not given, with the help "fix or
/// unset sslmode in --database-url".
#[test]
fn issue_17_a_bad_setting_in_a_targets_file_is_said_of_its_line() {
    let project = TestProject::new(&[
        ("migrations/001_a.sql", "CREATE TABLE a (id int);\n"),
        (
            "targets.txt",
            "# a comment, a blank line, then an sslmode that does not exist\n\npostgresql://app:s3cret@127.0.0.1:5432/tenant?sslmode=sometimes\n",
        ),
    ]);
    let run = plan_with_env(project.path(), &["apply", "--targets", "targets.txt"], &[])
        .expect_invalid()
        .expect_stderr_has(&["sslmode in targets.txt line 3 is invalid"]);
    assert!(
        !run.stderr.contains("--database-url") && !run.stderr.contains("s3cret"),
        "{}",
        run.transcript()
    );
}

/// A schema whose name holds a tab is a target like any other: the server splits the
/// connection's options at any whitespace, and only spaces were escaped before, so the
/// connection was refused and the schema was `unreachable`.
#[test]
fn issue_17_a_schema_whose_name_holds_a_tab_is_applied_to() {
    let database = test_db("review17_tab_schema");
    database
        .client()
        .batch_execute("CREATE SCHEMA \"tenant\tb\"; CREATE SCHEMA tenant_a;")
        .expect("create the tenants' schemas");
    let project = TestProject::new(&[
        (
            "plan.yaml",
            &format!(
                "fleets:\n  tenants:\n    databases: [\"{}\"]\n    schemas: \"SELECT nspname FROM pg_namespace WHERE nspname LIKE 'tenant%' ORDER BY 1\"\n",
                database.url()
            ),
        ),
        ("migrations/001_a.sql", "CREATE TABLE accounts (id int);\n"),
    ]);
    let run = plan_with_env(
        project.path(),
        &["apply", "--fleet", "tenants", "--format", "json"],
        &[],
    )
    .expect_ok();
    let report: Value = serde_json::from_str(&run.stdout).expect("one JSON object");
    assert_eq!(report["totals"]["applied"], 2, "{}", run.transcript());
    let tables: Vec<String> = database
        .client()
        .query(
            "SELECT relnamespace::regnamespace::text || '.' || relname FROM pg_class
             WHERE relname = 'accounts' ORDER BY 1",
            &[],
        )
        .expect("list the tables")
        .iter()
        .map(|row| row.get(0))
        .collect();
    assert_eq!(tables, ["\"tenant\tb\".accounts", "tenant_a.accounts"]);
}

/// A target that reaches its backup after a failure elsewhere stopped the run (`on_error:
/// stop`) takes none: it stops before its first migration, as it would without `--backup-dir`.
/// Before, it dumped its whole database first (minutes for a large one, per target running),
/// only to stop right after.
#[test]
fn issue_17_a_target_told_to_stop_takes_no_backup_before_stopping() {
    let (failing, slow) = (
        test_db("review17_nobackup_a"),
        test_db("review17_nobackup_b"),
    );
    let project = TestProject::new(&[
        (
            "plan.yaml",
            &format!(
                "fleets:\n  tenants:\n    databases: [\"{}\", \"{}\"]\n    parallel: 2\n    on_error: stop\n",
                failing.url(),
                slow.url()
            ),
        ),
        ("migrations/000_base.sql", "CREATE TABLE base (id int);\n"),
        ("migrations/001_gate.sql", GATED),
    ]);
    // The second target has a ledger and its catalog snapshot already, and 001 pending.
    plan_with_env(
        project.path(),
        &["apply", "--to", "000_base", "--database-url", &slow.url()],
        &[],
    )
    .expect_ok();
    let gate = hold_gate(&failing);
    // The second target, holding its lock, stops at its catalog snapshot until the test lets
    // it go on: after the first has failed.
    let mut catalog = slow.client();
    let mut catalog = catalog.transaction().expect("begin");
    catalog
        .batch_execute("LOCK TABLE plan.migrations_catalog")
        .expect("hold the catalog snapshots");

    let backups = tempfile::tempdir().expect("a backup folder");
    let dir = backups.path().to_string_lossy().to_string();
    let args = [
        "apply",
        "--fleet",
        "tenants",
        "--backup-dir",
        &dir,
        "--format",
        "json",
    ];
    let mut child = spawn(&project, &args);
    let (lines, said) = std::sync::mpsc::channel::<String>();
    let stderr = child.stderr.take().expect("stderr is piped");
    let reader = std::thread::spawn(move || {
        use std::io::BufRead;
        let mut all = String::new();
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            all.push_str(&line);
            all.push('\n');
            let _ = lines.send(line);
        }
        all
    });
    wait_for(
        "the first target blocked on the gate, the second on its catalog",
        Duration::from_secs(60),
        || {
            let blocked = waits_at_gate(&failing);
            let held = sessions_running(&slow, &["migrations_catalog"], true) > 0;
            (blocked && held).then_some(())
        },
    );
    drop(gate);
    // `ended: failed` is said once the run is stopping.
    loop {
        let line = said
            .recv_timeout(Duration::from_secs(60))
            .expect("the first target's end, on stderr");
        if line.ends_with("ended: failed") {
            break;
        }
    }
    catalog.rollback().expect("let the second target go on");
    let run = finish(child, &args, Duration::from_secs(60)).expect_failed();
    let stderr = reader.join().expect("the stderr reader");
    let report: Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|error| panic!("one JSON object ({error}):\n{stderr}"));
    let second = &report["targets"][1];
    assert_eq!(second["outcome"], "stopped", "{report}\n{stderr}");
    assert_eq!(second["stopped_before"], "001_gate", "{report}");
    assert!(second.get("backup").is_none(), "{report}\n{stderr}");
    assert!(
        !stderr.contains("review17_nobackup_b: taking a backup"),
        "{stderr}"
    );
}

/// What a target's run says of its lock reaches the fleet's output: here an expired table lock
/// taken over (a pooler found between plan and the server is the same kind of note). Before,
/// the fleet dropped these notes, so a fleet run through PgBouncer never said it had found the
/// pooler and switched to the table lock, as `plan apply` on one database does.
#[test]
fn issue_17_a_fleet_run_says_what_each_target_says_of_its_lock() {
    let database = test_db("review17_lock_note");
    let project = TestProject::new(&[
        (
            "plan.yaml",
            &format!(
                "lock: {{mode: table, expire_after: 10s}}\nfleets:\n  tenants:\n    databases: [\"{}\"]\n",
                database.url()
            ),
        ),
        ("migrations/001_a.sql", "CREATE TABLE a (id int);\n"),
    ]);
    // A run that died holding the table lock left its row, expired an hour ago.
    database
        .client()
        .batch_execute(
            "CREATE SCHEMA plan;
             CREATE TABLE plan.migrations_lock (ledger text PRIMARY KEY, owner text NOT NULL,
                 acquired_at timestamptz NOT NULL, heartbeat_at timestamptz NOT NULL,
                 expires_at timestamptz NOT NULL);
             INSERT INTO plan.migrations_lock VALUES ('plan.migrations', 'run dead, pid 1 on gone',
                 now() - interval '2 hours', now() - interval '2 hours', now() - interval '1 hour')",
        )
        .expect("leave a dead run's lock row");
    let run = plan_with_env(project.path(), &["apply", "--fleet", "tenants"], &[]).expect_ok();
    // A line of the target's own: `host:port/db: took over ...`.
    let suffix = format!(
        "/{}: took over the table lock `plan.migrations_lock` (row `plan.migrations`): its holder (run dead, pid 1 on gone)",
        database.name()
    );
    assert!(
        run.stderr.lines().any(|line| line.contains(&suffix)),
        "{}",
        run.transcript()
    );
}

/// A schema target through a pooler that drops the connection's start-up options (PgBouncer
/// with `ignore_startup_parameters = options`) is refused before anything runs. Before, its
/// `search_path` was the server's default, and the tenant's migrations created their tables in
/// `public` while its own ledger recorded them applied.
#[test]
fn issue_17_a_schema_target_whose_search_path_a_pooler_dropped_is_refused() {
    let Some(bouncer) =
        crate::pgbouncer::start_bouncer_with("ignore_startup_parameters = options\n")
    else {
        return;
    };
    let database = test_db("review17_pooled_schemas");
    database
        .client()
        .batch_execute("CREATE SCHEMA tenant_a")
        .expect("create the tenant's schema");
    let project = TestProject::new(&[
        (
            "plan.yaml",
            &format!(
                "fleets:\n  tenants:\n    databases: [\"{}\"]\n    schemas: \"SELECT nspname FROM pg_namespace WHERE nspname LIKE 'tenant%'\"\n",
                bouncer.url(database.name())
            ),
        ),
        ("migrations/001_a.sql", "CREATE TABLE accounts (id int);\n"),
    ]);
    let run = plan_with_env(
        project.path(),
        &["apply", "--fleet", "tenants", "--format", "json"],
        &[],
    )
    .expect_failed();
    let report: Value = serde_json::from_str(&run.stdout).expect("one JSON object");
    let target = &report["targets"][0];
    assert_eq!(target["outcome"], "failed", "{}", run.transcript());
    assert_eq!(
        target["failed"]["code"],
        "plan::db::search_path_not_set",
        "{}",
        run.transcript()
    );
    let tables: Vec<String> = database
        .client()
        .query(
            "SELECT relnamespace::regnamespace::text || '.' || relname FROM pg_class
             WHERE relname = 'accounts'",
            &[],
        )
        .expect("list the tables")
        .iter()
        .map(|row| row.get(0))
        .collect();
    assert_eq!(tables, Vec::<String>::new(), "{}", run.transcript());
}

/// A password given as `${VAR}` in a target's URL (docs/fleets.md's own example) works whatever
/// it holds: its value is percent-encoded where it lands. Before, a `/` in it ended the user
/// information: `2024/...` was read as port 2024 of host "app" and a database named after the
/// rest of the password, and that name, password and all, was printed as the target's.
#[test]
fn issue_17_a_password_variable_with_a_slash_connects_and_is_never_printed() {
    let password = "2024/Summer:1?x#y";
    let url = crate::support::cluster::password_database(
        "review17_slash_password",
        "review17_slash",
        password,
    );
    let with_variable = url.replacen(
        "postgresql://review17_slash@",
        "postgresql://review17_slash:${R17_PASSWORD}@",
        1,
    );
    let project = TestProject::new(&[
        ("migrations/001_a.sql", "CREATE TABLE a (id int);\n"),
        ("targets.txt", &format!("{with_variable}\n")),
    ]);
    let run = plan_with_env(
        project.path(),
        &["apply", "--targets", "targets.txt", "--format", "json"],
        &[("R17_PASSWORD", password)],
    )
    .expect_ok();
    assert!(
        !run.stdout.contains("Summer") && !run.stderr.contains("Summer"),
        "{}",
        run.transcript()
    );
    let report: Value = serde_json::from_str(&run.stdout).expect("one JSON object");
    assert_eq!(
        report["targets"][0]["outcome"],
        "applied",
        "{}",
        run.transcript()
    );
    assert!(
        report["targets"][0]["target"]
            .as_str()
            .is_some_and(|name| name.ends_with("/review17_slash_password")),
        "{report}"
    );
}

/// The same in a `key=value` list and a URL's query: a password with a space, a quote and a
/// backslash, set in the environment, connects in both.
#[test]
fn issue_17_a_password_variable_with_spaces_and_quotes_connects_in_every_form() {
    let password = "it's a \\secret & more";
    let url = crate::support::cluster::password_database(
        "review17_spaced_password",
        "review17_spaced",
        password,
    );
    // postgresql://review17_spaced@127.0.0.1:PORT/review17_spaced_password
    let rest = url
        .strip_prefix("postgresql://review17_spaced@127.0.0.1:")
        .expect("a loopback URL");
    let (port, database) = rest.split_once('/').expect("a port and a database");
    let database = database.split('?').next().unwrap_or(database);
    let key_value = format!(
        "host=127.0.0.1 port={port} user=review17_spaced password=${{R17_SPACED}} dbname={database}"
    );
    let quoted = format!(
        "host=127.0.0.1 port={port} user=review17_spaced password='${{R17_SPACED}}' dbname={database}"
    );
    let query = format!("{url}?password=${{R17_SPACED}}");
    for line in [key_value, quoted, query] {
        let project = TestProject::new(&[
            (
                "migrations/001_a.sql",
                "CREATE TABLE IF NOT EXISTS a (id int);\n",
            ),
            ("targets.txt", &format!("{line}\n")),
        ]);
        let run = plan_with_env(
            project.path(),
            &["status", "--targets", "targets.txt", "--format", "json"],
            &[("R17_SPACED", password)],
        );
        let report: Value = serde_json::from_str(&run.stdout)
            .unwrap_or_else(|_| panic!("one JSON object for {line}:\n{}", run.transcript()));
        assert_ne!(
            report["targets"][0]["outcome"],
            "unreachable",
            "{line}\n{}",
            run.transcript()
        );
        assert!(
            !run.stdout.contains("secret") && !run.stderr.contains("secret"),
            "{}",
            run.transcript()
        );
    }
}

/// A `schemas:` query that finds no schema anywhere is refused (exit 2), as a `query:` that
/// lists no database is. Before, the run was over nothing: "fleet tenants: 0 targets: ", exit
/// 0, and `status --fleet --exit-code` said every target was up to date.
#[test]
fn issue_17_a_schemas_query_that_finds_nothing_is_refused() {
    let database = test_db("review17_no_schemas");
    let project = TestProject::new(&[
        (
            "plan.yaml",
            &format!(
                "fleets:\n  tenants:\n    databases: [\"{}\"]\n    schemas: \"SELECT nspname FROM pg_namespace WHERE nspname LIKE 'tenantz%'\"\n",
                database.url()
            ),
        ),
        ("migrations/001_a.sql", "CREATE TABLE a (id int);\n"),
    ]);
    for args in [
        &["apply", "--fleet", "tenants"][..],
        &["status", "--fleet", "tenants", "--exit-code"],
    ] {
        plan_with_env(project.path(), args, &[])
            .expect_invalid()
            .expect_stderr_has(&[
                "plan::fleet::empty",
                "fleet `tenants`: its `schemas:` query found no schema in its database",
            ]);
    }
}
