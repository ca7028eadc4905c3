//! `plan apply --fleet` / `--targets` and `plan status --fleet` (docs/fleets.md): one plan over
//! many databases on three clusters, with a canary, parallel targets, a target made to fail, a
//! SIGKILLed run resumed, two runs at once and an unreachable target. Every check reads each
//! target's ledger, history and catalog, never the timing of a run.

use std::sync::OnceLock;
use std::time::Duration;

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use pgplan::{ClusterOptions, ConnectionSettings, ScratchCluster};
use serde_json::Value;

use crate::support::cluster::{render, start_cluster};
use crate::support::project::{FILTERS, Run, TestProject, finish, plan_with_env, wait_for};

/// The three clusters of this module, started on first use (their watchdogs remove them when
/// the test binary exits).
static CLUSTERS: OnceLock<Vec<ScratchCluster>> = OnceLock::new();

fn clusters() -> &'static [ScratchCluster] {
    CLUSTERS.get_or_init(|| {
        (0..3)
            .map(|_| start_cluster(&ClusterOptions::socket_only()))
            .collect()
    })
}

/// One target database of a test.
struct Tenant {
    settings: ConnectionSettings,
}

impl Tenant {
    fn url(&self) -> String {
        self.settings.to_string()
    }

    fn client(&self) -> postgres::Client {
        pgplan::internals::connect(&self.settings)
            .unwrap_or_else(|error| panic!("{}", render(&error)))
    }

    /// `id state` per ledger row, sorted; empty when there is no ledger.
    fn ledger(&self) -> Vec<String> {
        let mut client = self.client();
        let exists: bool = client
            .query_one("SELECT to_regclass('plan.migrations') IS NOT NULL", &[])
            .expect("look for the ledger")
            .get(0);
        if !exists {
            return Vec::new();
        }
        client
            .query(
                "SELECT id || ' ' || state FROM plan.migrations ORDER BY id",
                &[],
            )
            .expect("read the ledger")
            .iter()
            .map(|row| row.get(0))
            .collect()
    }

    /// The IDs of the history's successful applies, oldest first.
    fn applies(&self) -> Vec<String> {
        let mut client = self.client();
        let exists: bool = client
            .query_one(
                "SELECT to_regclass('plan.migrations_history') IS NOT NULL",
                &[],
            )
            .expect("look for the history")
            .get(0);
        if !exists {
            return Vec::new();
        }
        client
            .query(
                "SELECT migration_id FROM plan.migrations_history
                 WHERE action = 'apply' AND outcome = 'ok' ORDER BY event",
                &[],
            )
            .expect("read the history")
            .iter()
            .map(|row| row.get(0))
            .collect()
    }

    /// The tables of `public`, sorted.
    fn tables(&self) -> Vec<String> {
        self.client()
            .query(
                "SELECT relname::text FROM pg_class
                 WHERE relnamespace = 'public'::regnamespace AND relkind = 'r' ORDER BY 1",
                &[],
            )
            .expect("list tables")
            .iter()
            .map(|row| row.get(0))
            .collect()
    }

    fn execute(&self, sql: &str) {
        self.client()
            .batch_execute(sql)
            .expect("run the test's SQL");
    }
}

/// `per_cluster` fresh databases on each of the `count` first clusters, named `prefix_C_NN`,
/// in cluster order (dropped first when a run before left them).
fn tenants(prefix: &str, count: usize, per_cluster: usize) -> Vec<Tenant> {
    let mut made = Vec::new();
    for (number, cluster) in clusters().iter().take(count).enumerate() {
        for index in 0..per_cluster {
            let name = format!("{prefix}_{number}_{index:02}");
            cluster
                .drop_database_if_exists(&name)
                .unwrap_or_else(|error| panic!("{}", render(&error)));
            let settings = cluster
                .create_database(&name)
                .unwrap_or_else(|error| panic!("{}", render(&error)));
            made.push(Tenant { settings });
        }
    }
    made
}

/// Three migrations; `extra` is 002's second line (a sleep, for the kill test).
fn project(tenants: &[Tenant], fleet_settings: &str, extra: &str) -> TestProject {
    let databases: Vec<String> = tenants
        .iter()
        .map(|tenant| format!("      - \"{}\"\n", tenant.url()))
        .collect();
    TestProject::new(&[
        (
            "plan.yaml",
            &format!(
                "fleets:\n  tenants:\n{fleet_settings}    databases:\n{}",
                databases.concat()
            ),
        ),
        (
            "migrations/001_accounts.sql",
            "CREATE TABLE accounts (id int);\n",
        ),
        (
            "migrations/002_orders.sql",
            &format!("CREATE TABLE orders (id int);\n{extra}"),
        ),
        (
            "migrations/003_invoices.sql",
            "-- the table a target is made to fail on\nCREATE TABLE invoices (id int);\n",
        ),
    ])
}

const ALL: [&str; 3] = ["001_accounts", "002_orders", "003_invoices"];

fn applied_rows() -> Vec<String> {
    ALL.iter().map(|id| format!("{id} applied")).collect()
}

/// Runs `plan ARGS` in the project folder.
fn plan(project: &TestProject, args: &[&str]) -> Run {
    plan_with_env(project.path(), args, &[])
}

/// The JSON report on stdout.
fn json(run: &Run) -> Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|error| {
        panic!("stdout is one JSON object ({error}):\n{}", run.transcript())
    })
}

/// Each target's outcome, in list order.
fn outcomes(report: &Value) -> Vec<String> {
    report["targets"]
        .as_array()
        .expect("targets")
        .iter()
        .map(|target| target["outcome"].as_str().expect("an outcome").to_string())
        .collect()
}

/// Every target's ledger matches what the report says it ended as.
#[track_caller]
fn check_ledgers_match(tenants: &[Tenant], report: &Value) {
    for (tenant, target) in tenants
        .iter()
        .zip(report["targets"].as_array().expect("targets"))
    {
        let ledger = tenant.ledger();
        let applied: Vec<&str> = target["applied"]
            .as_array()
            .expect("applied")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        let outcome = target["outcome"].as_str().expect("an outcome");
        match outcome {
            "applied" | "up_to_date" => assert_eq!(ledger, applied_rows(), "{target}"),
            "not_reached" | "skipped_after_canary_failure" => {
                assert_eq!(ledger, Vec::<String>::new(), "{target}");
            }
            _ => {
                let rows: Vec<String> = applied.iter().map(|id| format!("{id} applied")).collect();
                assert_eq!(ledger, rows, "{target}");
            }
        }
        // Nothing is ever applied twice.
        let applies = tenant.applies();
        let mut once = applies.clone();
        once.dedup();
        assert_eq!(applies, once, "{target}");
    }
}

#[test]
fn issue_17_canary_parallel_stop_then_continue_then_a_rerun_fixes_the_one_that_failed() {
    let tenants = tenants("fleet_main", 3, 10);
    let project = project(
        &tenants,
        "    canary: 1\n    parallel: 4\n    on_error: stop\n",
        "",
    );
    // The 12th target (second cluster) already has the table 003 creates.
    let failing = 11;
    tenants[failing].execute("CREATE TABLE invoices (id int)");

    // Stop: the canary, what was reached, the rest not reached.
    let stopped = plan(
        &project,
        &["apply", "--fleet", "tenants", "--format", "json"],
    )
    .expect_failed();
    let report = json(&stopped);
    let said = outcomes(&report);
    assert_eq!(said[0], "applied", "{}", stopped.transcript());
    assert_eq!(report["targets"][0]["canary"], true);
    assert_eq!(said[failing], "failed", "{}", stopped.transcript());
    let failed = &report["targets"][failing]["failed"];
    assert_eq!(failed["migration"], "003_invoices");
    assert_eq!(failed["file"], "migrations/003_invoices.sql");
    assert_eq!(failed["line"], 2);
    assert_eq!(failed["code"], "plan::apply::migration_failed");
    assert_eq!(failed["sqlstate"], "42P07");
    assert_eq!(said[29], "not_reached", "{}", stopped.transcript());
    assert!(
        said.iter()
            .all(|outcome| ["applied", "failed", "stopped", "not_reached"]
                .contains(&outcome.as_str())),
        "{said:?}"
    );
    // With 4 at once, at most the 3 others running beside the failure stop between
    // migrations; the targets not reached are the end of the list, none before the failure.
    let stopped_count = said.iter().filter(|outcome| *outcome == "stopped").count();
    assert!(stopped_count <= 3, "{said:?}");
    let first_unreached = said
        .iter()
        .position(|outcome| outcome == "not_reached")
        .expect("a target not reached");
    assert!(first_unreached > failing, "{said:?}");
    assert!(
        said[first_unreached..]
            .iter()
            .all(|outcome| outcome == "not_reached"),
        "{said:?}"
    );
    check_ledgers_match(&tenants, &report);
    assert_eq!(report["totals"]["failed"], 1);

    // Continue, from scratch: 29 applied, 1 failed naming file:line.
    for tenant in &tenants {
        tenant.execute(
            "DROP SCHEMA IF EXISTS plan CASCADE; DROP TABLE IF EXISTS accounts, orders, invoices",
        );
    }
    tenants[failing].execute("CREATE TABLE invoices (id int)");
    let continued = plan(
        &project,
        &["apply", "--fleet", "tenants", "--continue-on-error"],
    )
    .expect_failed();
    let text = continued.stdout.clone();
    assert!(
        text.starts_with("fleet tenants: 30 targets: 29 applied, 1 failed\n"),
        "{}",
        continued.transcript()
    );
    assert!(text.contains("failed   at 003_invoices (migrations/003_invoices.sql:2): plan::apply::migration_failed: relation \"invoices\" already exists"), "{text}");
    assert!(
        continued.stderr.contains("did not end up to date"),
        "{}",
        continued.transcript()
    );
    let mut filters = FILTERS.to_vec();
    filters.push((r"/[^\s:]+:\d+/", "[socket]:[port]/"));
    insta::with_settings!({filters => filters}, {
        insta::assert_snapshot!("fleet_continue_report", text);
    });

    // The conflict dropped, a rerun applies to that one alone.
    tenants[failing].execute("DROP TABLE invoices");
    let rerun = plan(
        &project,
        &["apply", "--fleet", "tenants", "--format", "json"],
    )
    .expect_ok();
    let report = json(&rerun);
    let said = outcomes(&report);
    assert_eq!(said[failing], "applied");
    assert_eq!(
        report["targets"][failing]["applied"],
        serde_json::json!(["003_invoices"])
    );
    assert_eq!(report["totals"]["up_to_date"], 29, "{}", rerun.transcript());
    check_ledgers_match(&tenants, &report);
    for tenant in &tenants {
        assert_eq!(tenant.applies(), ALL, "each migration applied once");
        assert_eq!(tenant.tables(), ["accounts", "invoices", "orders"]);
    }

    // Status: every target up to date; --exit-code agrees.
    let status = plan(&project, &["status", "--fleet", "tenants", "--exit-code"]).expect_ok();
    assert!(
        status
            .stdout
            .starts_with("fleet tenants: 30 targets: 30 up to date\n"),
        "{}",
        status.transcript()
    );
}

#[test]
fn issue_17_status_fleet_says_pending_and_failed_at_and_exit_code_exits_1() {
    let tenants = tenants("fleet_status", 2, 2);
    let project = project(&tenants, "    on_error: continue\n", "");
    tenants[1].execute("CREATE TABLE orders (id int)");
    plan(&project, &["apply", "--targets", "targets.txt"]).expect_invalid();
    plan(&project, &["apply", "--fleet", "tenants"]).expect_failed();
    let status = plan(
        &project,
        &["status", "--fleet", "tenants", "--format", "json"],
    )
    .expect_ok();
    let report = json(&status);
    let states: Vec<&str> = report["targets"]
        .as_array()
        .expect("targets")
        .iter()
        .map(|target| target["state"].as_str().expect("a state"))
        .collect();
    assert_eq!(
        states,
        ["up_to_date", "failed", "up_to_date", "up_to_date"],
        "{}",
        status.transcript()
    );
    assert_eq!(report["targets"][1]["failed_at"], "002_orders");
    assert_eq!(report["targets"][1]["pending"], 2);
    plan(&project, &["status", "--fleet", "tenants", "--exit-code"])
        .expect_failed()
        .expect_stdout_has(&["failed at 002_orders; 2 pending, next 002_orders"]);
}

#[test]
fn issue_17_a_fleet_run_killed_mid_way_resumes_and_applies_nothing_twice() {
    let tenants = tenants("fleet_kill", 1, 8);
    let project = project(&tenants, "    parallel: 2\n", "SELECT pg_sleep(1);\n");
    let args = ["apply", "--fleet", "tenants"];
    let child = {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_plan"));
        command
            .args(args)
            .current_dir(project.path())
            .env("NO_COLOR", "1")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        crate::support::project::without_connection_variables(&mut command);
        command.spawn().expect("the plan binary starts")
    };
    let pid = Pid::from_raw(i32::try_from(child.id()).expect("pids fit in i32"));
    let mut watcher = pgplan::internals::connect(&clusters()[0].settings_for("postgres"))
        .unwrap_or_else(|error| panic!("{}", render(&error)));
    // Mid-way: two targets done, and a migration sleeping in another.
    wait_for(
        "two targets done and a third sleeping in 002",
        Duration::from_secs(60),
        || {
            let done = tenants
                .iter()
                .filter(|tenant| tenant.ledger().len() == 3)
                .count();
            let sleeping: i64 = watcher
            .query_one(
                "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(1)%' AND pid <> pg_backend_pid()",
                &[],
            )
            .expect("read pg_stat_activity")
            .get(0);
            (done >= 2 && sleeping > 0).then_some(())
        },
    );
    kill(pid, Signal::SIGKILL).expect("kill the fleet run");
    let killed = finish(child, &args, Duration::from_secs(10));
    assert_eq!(killed.code, -1, "{}", killed.transcript());
    let untouched = tenants
        .iter()
        .filter(|tenant| tenant.ledger().is_empty())
        .count();
    assert!(untouched > 0, "the kill came mid-way");

    let rerun = plan(
        &project,
        &["apply", "--fleet", "tenants", "--format", "json"],
    )
    .expect_ok();
    let report = json(&rerun);
    check_ledgers_match(&tenants, &report);
    for tenant in &tenants {
        assert_eq!(tenant.ledger(), applied_rows());
        assert_eq!(
            tenant.applies(),
            ALL,
            "each migration applied once, none half"
        );
        assert_eq!(tenant.tables(), ["accounts", "invoices", "orders"]);
    }
}

#[test]
fn issue_17_two_fleet_runs_at_once_apply_each_migration_once_per_target() {
    let tenants = tenants("fleet_twice", 3, 3);
    let project = project(&tenants, "    parallel: 3\n", "SELECT pg_sleep(0.05);\n");
    let args = ["apply", "--fleet", "tenants"];
    let spawn = || {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_plan"));
        command
            .args(args)
            .current_dir(project.path())
            .env("NO_COLOR", "1")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        crate::support::project::without_connection_variables(&mut command);
        command.spawn().expect("the plan binary starts")
    };
    let (first, second) = (spawn(), spawn());
    let first = finish(first, &args, Duration::from_secs(120)).expect_ok();
    let second = finish(second, &args, Duration::from_secs(120)).expect_ok();
    for tenant in &tenants {
        assert_eq!(tenant.ledger(), applied_rows());
        assert_eq!(
            tenant.applies(),
            ALL,
            "{}\n{}",
            first.transcript(),
            second.transcript()
        );
    }
}

#[test]
fn issue_17_an_unreachable_target_is_named_without_its_password_and_exits_1() {
    let tenants = tenants("fleet_unreachable", 1, 1);
    let project = project(&tenants, "", "");
    project.write(
        "targets.txt",
        &format!(
            "# the good one, then one nothing listens for\n{}\n\npostgresql://app:${{FLEET_SECRET}}@127.0.0.1:1/nowhere?connect_timeout=5\n",
            tenants[0].url()
        ),
    );
    let run = plan_with_env(
        project.path(),
        &["apply", "--targets", "targets.txt", "--format", "json"],
        &[("FLEET_SECRET", "hunter2-secret")],
    )
    .expect_failed();
    assert!(
        !run.stdout.contains("hunter2") && !run.stderr.contains("hunter2"),
        "{}",
        run.transcript()
    );
    let report = json(&run);
    assert_eq!(
        outcomes(&report),
        ["applied", "unreachable"],
        "{}",
        run.transcript()
    );
    assert_eq!(report["targets"][1]["target"], "127.0.0.1:1/nowhere");
    assert!(
        report["targets"][1]["error"]
            .as_str()
            .is_some_and(|error| !error.is_empty())
    );
    assert_eq!(report["fleet"], "targets.txt");
    assert_eq!(tenants[0].ledger(), applied_rows());

    // Unset variables and fleet options without a fleet are usage errors.
    plan(&project, &["apply", "--targets", "targets.txt"])
        .expect_invalid()
        .expect_stderr_has(&["uses ${FLEET_SECRET}, which is not set"]);
    plan(&project, &["apply", "--parallel", "2"]).expect_invalid();
    plan(&project, &["apply", "--fleet", "nope"])
        .expect_invalid()
        .expect_stderr_has(&["plan.yaml has no fleet `nope`", "tenants"]);
    plan(&project, &["apply", "--fleet", "tenants", "--dry-run"]).expect_invalid();
}

#[test]
fn issue_17_a_control_query_lists_databases_and_schemas_make_a_target_each() {
    let controls = tenants("fleet_control", 1, 1);
    let control = &controls[0];
    let tenants = tenants("fleet_query", 3, 1);
    let (schema_db, listed) = (&tenants[0], &tenants[1..]);
    control.execute("CREATE TABLE tenants (url text NOT NULL, active boolean NOT NULL)");
    for tenant in listed {
        control.execute(&format!(
            "INSERT INTO tenants VALUES ('{}', true)",
            tenant.url()
        ));
    }
    control.execute("INSERT INTO tenants VALUES ('postgresql://nobody@:1/retired', false)");
    for index in 0..10 {
        schema_db.execute(&format!("CREATE SCHEMA tenant_{index:02}"));
    }
    let project = project(&tenants[..0], "", "");
    project.write(
        "plan.yaml",
        &format!(
            "fleets:\n  shards:\n    query: \"SELECT url FROM tenants WHERE active ORDER BY url\"\n    control: ${{CONTROL_URL}}\n    parallel: 2\n  tenants:\n    databases: [\"{}\"]\n    schemas: \"SELECT nspname FROM pg_namespace WHERE nspname LIKE 'tenant\\\\_%' ORDER BY 1\"\n    parallel: 4\n    canary: 1\n",
            schema_db.url()
        ),
    );
    let env = [("CONTROL_URL", control.url())];
    let env: Vec<(&str, &str)> = env
        .iter()
        .map(|(name, value)| (*name, value.as_str()))
        .collect();

    let shards = plan_with_env(
        project.path(),
        &["apply", "--fleet", "shards", "--format", "json"],
        &env,
    )
    .expect_ok();
    let report = json(&shards);
    assert_eq!(
        outcomes(&report),
        ["applied", "applied"],
        "{}",
        shards.transcript()
    );
    for tenant in listed {
        assert_eq!(tenant.ledger(), applied_rows());
    }
    plan(&project, &["apply", "--fleet", "shards"])
        .expect_invalid()
        .expect_stderr_has(&["uses ${CONTROL_URL}, which is not set"]);

    let schemas = plan(
        &project,
        &["apply", "--fleet", "tenants", "--format", "json"],
    )
    .expect_ok();
    let report = json(&schemas);
    assert_eq!(
        outcomes(&report),
        vec!["applied"; 10],
        "{}",
        schemas.transcript()
    );
    let names: Vec<&str> = report["targets"]
        .as_array()
        .expect("targets")
        .iter()
        .filter_map(|target| target["target"].as_str())
        .collect();
    assert!(
        names[0].ends_with("/fleet_query_0_00/tenant_00"),
        "{names:?}"
    );
    assert!(
        names[9].ends_with("/fleet_query_0_00/tenant_09"),
        "{names:?}"
    );
    let mut client = schema_db.client();
    for index in 0..10 {
        let schema = format!("tenant_{index:02}");
        let tables: Vec<String> = client
            .query(
                "SELECT relname::text FROM pg_class WHERE relnamespace = $1::text::regnamespace AND relkind = 'r'
                 AND relname NOT LIKE 'plan\\_%' ORDER BY 1",
                &[&schema],
            )
            .expect("list the schema's tables")
            .iter()
            .map(|row| row.get(0))
            .collect();
        assert_eq!(tables, ["accounts", "invoices", "orders"], "{schema}");
        let ledger: Vec<String> = client
            .query(
                &format!("SELECT id FROM {schema}.plan_migrations ORDER BY id"),
                &[],
            )
            .expect("read the schema's ledger")
            .iter()
            .map(|row| row.get(0))
            .collect();
        assert_eq!(ledger, ALL, "{schema}");
    }
    assert_eq!(
        schema_db.tables(),
        Vec::<String>::new(),
        "nothing in public"
    );
    assert_eq!(
        schema_db.ledger(),
        Vec::<String>::new(),
        "no plan.migrations"
    );

    let status = plan(&project, &["status", "--fleet", "tenants", "--exit-code"]).expect_ok();
    assert!(
        status
            .stdout
            .starts_with("fleet tenants: 10 targets: 10 up to date\n"),
        "{}",
        status.transcript()
    );
    let again = plan(
        &project,
        &["apply", "--fleet", "tenants", "--format", "json"],
    )
    .expect_ok();
    assert_eq!(json(&again)["totals"]["up_to_date"], 10);
}

#[test]
fn issue_17_a_failed_canary_skips_the_rest_even_with_continue() {
    let tenants = tenants("fleet_canary", 1, 3);
    let project = project(&tenants, "    canary: 1\n    on_error: continue\n", "");
    tenants[0].execute("CREATE TABLE accounts (id int)");
    let run = plan(
        &project,
        &["apply", "--fleet", "tenants", "--format", "json"],
    )
    .expect_failed();
    let report = json(&run);
    assert_eq!(
        outcomes(&report),
        [
            "failed",
            "skipped_after_canary_failure",
            "skipped_after_canary_failure"
        ],
        "{}",
        run.transcript()
    );
    assert_eq!(report["targets"][0]["failed"]["line"], 1);
    // Progress: a line per event on stderr, the JSON alone on stdout.
    let first = report["targets"][0]["target"].as_str().expect("a name");
    assert!(
        run.stderr.contains(&format!("{first}: started\n")),
        "{}",
        run.transcript()
    );
    assert!(
        run.stderr.contains(&format!("{first}: ended: failed\n")),
        "{}",
        run.transcript()
    );
    for tenant in &tenants[1..] {
        assert_eq!(tenant.ledger(), Vec::<String>::new());
    }
}

#[test]
fn issue_17_with_stop_a_running_target_finishes_its_migration_and_stops_there() {
    let tenants = tenants("fleet_stop", 1, 3);
    let project = project(
        &tenants,
        "    parallel: 2\n    on_error: stop\n",
        "SELECT count(*) FROM gate;\n",
    );
    project.write(
        "plan.yaml",
        &project
            .read("plan.yaml")
            .replace("fleets:", "lock_timeout: 10m\nfleets:"),
    );
    for tenant in &tenants {
        tenant.execute("CREATE TABLE gate (id int)");
    }
    // The first target will fail at 003; both first ones wait in 002 behind the test's locks.
    tenants[0].execute("CREATE TABLE invoices (id int)");
    let mut holders: Vec<postgres::Client> = tenants[..2].iter().map(Tenant::client).collect();
    let mut gates: Vec<postgres::Transaction<'_>> = holders
        .iter_mut()
        .map(|holder| {
            let mut gate = holder.transaction().expect("begin");
            gate.batch_execute("LOCK TABLE gate IN ACCESS EXCLUSIVE MODE")
                .expect("lock the gate");
            gate
        })
        .collect();
    let args = ["apply", "--fleet", "tenants", "--format", "json"];
    let child = {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_plan"));
        command
            .args(args)
            .current_dir(project.path())
            .env("NO_COLOR", "1")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        crate::support::project::without_connection_variables(&mut command);
        command.spawn().expect("the plan binary starts")
    };
    let mut child = child;
    // The progress lines as they come: `ended: failed` is said once the others are told to stop.
    let progress = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let stderr = child.stderr.take().expect("stderr is piped");
    let reader = {
        let progress = std::sync::Arc::clone(&progress);
        std::thread::spawn(move || {
            for line in std::io::BufRead::lines(std::io::BufReader::new(stderr)) {
                let Ok(line) = line else { break };
                if let Ok(mut progress) = progress.lock() {
                    progress.push_str(&line);
                    progress.push('\n');
                }
            }
        })
    };
    let waiting_in_002 = |tenant: &Tenant| -> bool {
        tenant
            .client()
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE NOT granted AND relation = 'gate'::regclass)",
                &[],
            )
            .is_ok_and(|row| row.get(0))
    };
    wait_for(
        "both targets waiting in 002",
        Duration::from_secs(60),
        || (waiting_in_002(&tenants[0]) && waiting_in_002(&tenants[1])).then_some(()),
    );
    // The first goes on and fails at 003; only then may the second finish 002.
    let second = gates.pop().expect("the second gate");
    let first = gates.pop().expect("the first gate");
    first.rollback().expect("open the first gate");
    wait_for("the first target's end", Duration::from_secs(60), || {
        let progress = progress.lock().ok()?;
        progress
            .contains("fleet_stop_0_00: ended: failed\n")
            .then_some(())
    });
    second.rollback().expect("open the second gate");
    let run = finish(child, &args, Duration::from_secs(60)).expect_failed();
    let _ = reader.join();
    let report = json(&run);
    let said = progress
        .lock()
        .map(|progress| progress.clone())
        .unwrap_or_default();
    assert_eq!(
        outcomes(&report),
        ["failed", "stopped", "not_reached"],
        "{}{said}",
        run.transcript()
    );
    assert_eq!(report["targets"][0]["failed"]["migration"], "003_invoices");
    let stopped = &report["targets"][1];
    assert_eq!(
        stopped["applied"],
        serde_json::json!(["001_accounts", "002_orders"])
    );
    assert_eq!(stopped["stopped_before"], "003_invoices");
    assert_eq!(
        tenants[1].ledger(),
        ["001_accounts applied", "002_orders applied"]
    );
    assert_eq!(tenants[2].ledger(), Vec::<String>::new());
}

/// The backends that ran a statement naming `plan_migrations` in the server log from byte
/// `start` on (entries start with the default `%m [%p] ` prefix; a statement's own lines
/// continue the entry before them), and every backend that ran a statement there.
fn ledger_readers(log_path: &std::path::Path, start: u64) -> (Vec<String>, Vec<String>) {
    let mut readers = Vec::new();
    let mut all = Vec::new();
    for entry in crate::support::cluster::logged_statements(log_path, start) {
        let Some(pid) = entry
            .split_once(" [")
            .and_then(|(_, rest)| rest.split_once(']'))
            .map(|(pid, _)| pid.to_string())
        else {
            continue;
        };
        if entry.contains("plan_migrations") && !readers.contains(&pid) {
            readers.push(pid.clone());
        }
        if !all.contains(&pid) {
            all.push(pid);
        }
    }
    (readers, all)
}

#[test]
fn issue_17_status_over_50_schemas_of_one_database_reads_them_over_one_connection() {
    let tenants = tenants("fleet_schemas50", 1, 1);
    let database = &tenants[0];
    // 45 schemas applied to (two of them made to fail at 003 by a conflicting table), then 5
    // more without a ledger; one applied schema's ledger says 002 had another checksum.
    for index in 0..45 {
        database.execute(&format!("CREATE SCHEMA tenant_{index:02}"));
    }
    database.execute(
        "CREATE TABLE tenant_07.invoices (id int); CREATE TABLE tenant_23.invoices (id int)",
    );
    let project = project(&tenants[..0], "", "");
    project.write(
        "plan.yaml",
        &format!(
            "fleets:\n  tenants:\n    databases: [\"{}\"]\n    schemas: \"SELECT nspname FROM pg_namespace WHERE nspname LIKE 'tenant\\\\_%' ORDER BY 1\"\n    parallel: 4\n    on_error: continue\n",
            database.url()
        ),
    );
    let applied = plan(
        &project,
        &["apply", "--fleet", "tenants", "--format", "json"],
    )
    .expect_failed();
    assert_eq!(
        json(&applied)["totals"]["failed"],
        2,
        "{}",
        applied.transcript()
    );
    for index in 45..50 {
        database.execute(&format!("CREATE SCHEMA tenant_{index:02}"));
    }
    database.execute(
        "UPDATE tenant_11.plan_migrations SET checksum = 'elsewhere' WHERE id = '002_orders'",
    );

    let name = database.settings.database().to_string();
    database.execute(&format!(
        "ALTER DATABASE \"{name}\" SET log_statement = 'all'"
    ));
    let log_path = clusters()[0].log_path();
    let start = std::fs::metadata(log_path).expect("the server log").len();
    let status = plan(
        &project,
        &["status", "--fleet", "tenants", "--format", "json"],
    )
    .expect_ok();
    let (readers, all) = ledger_readers(log_path, start);
    database.execute(&format!("ALTER DATABASE \"{name}\" RESET log_statement"));
    let report = json(&status);
    let rows: Vec<String> = report["targets"]
        .as_array()
        .expect("targets")
        .iter()
        .map(|target| {
            let name = target["target"].as_str().expect("a name");
            let schema = name.rsplit('/').next().unwrap_or_default();
            format!(
                "{schema} {} {} {} {}",
                target["state"].as_str().expect("a state"),
                target["pending"],
                target["failed_at"].as_str().unwrap_or("-"),
                target["detail"].as_str().expect("a detail"),
            )
        })
        .collect();
    let expect: Vec<String> = (0..50)
        .map(|index| {
            let schema = format!("tenant_{index:02}");
            match index {
                7 | 23 => format!(
                    "{schema} failed 1 003_invoices failed at 003_invoices; 1 pending, next 003_invoices"
                ),
                11 => format!("{schema} unsettled 0 - 1 modified"),
                45.. => format!("{schema} pending 3 - 3 pending, next 001_accounts"),
                _ => format!("{schema} up_to_date 0 - "),
            }
        })
        .collect();
    assert_eq!(rows, expect, "{}", status.transcript());
    assert_eq!(
        report["totals"],
        serde_json::json!({"up_to_date": 42, "pending": 5, "failed": 2, "unsettled": 1,
                           "unreachable": 0, "unreadable": 0}),
    );
    // One backend listed the schemas, one read every ledger.
    assert_eq!(
        readers.len(),
        1,
        "{readers:?} {all:?}\n{}",
        status.transcript()
    );
    assert_eq!(all.len(), 2, "{all:?}");
    plan(&project, &["status", "--fleet", "tenants", "--exit-code"])
        .expect_failed()
        .expect_stdout_has(&[
            "fleet tenants: 50 targets: 42 up to date, 5 pending, 2 failed, 1 unsettled",
        ]);
}
