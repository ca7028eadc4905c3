//! `plan check-schema --fleet` and `plan lint --fleet` (docs/fleets.md): every target of a fleet
//! (databases, schema targets, a `--targets` file with a target nothing listens for) checked or
//! linted against its own catalog and ledger, one row each, text and JSON, exit 1 naming
//! exactly the targets that are not clean, and no password in any output.

use serde_json::Value;

use crate::support::cluster::{TestDatabase, test_db};
use crate::support::project::{FILTERS, Run, TestProject, plan_with_env};

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

/// Each target's `field`, in list order.
fn each(report: &Value, field: &str) -> Vec<Value> {
    report["targets"]
        .as_array()
        .expect("targets")
        .iter()
        .map(|target| target[field].clone())
        .collect()
}

fn outcomes(report: &Value) -> Vec<String> {
    each(report, "outcome")
        .iter()
        .map(|outcome| outcome.as_str().expect("an outcome").to_string())
        .collect()
}

/// `count` fresh databases `prefix_N` of the shared cluster.
fn databases(prefix: &str, count: usize) -> Vec<TestDatabase> {
    (0..count)
        .map(|index| test_db(&format!("{prefix}_{index}")))
        .collect()
}

fn execute(database: &TestDatabase, sql: &str) {
    database
        .client()
        .batch_execute(sql)
        .unwrap_or_else(|error| panic!("{sql}: {error}"));
}

/// A project whose fleet `tenants` lists `databases`, with `settings` under plan.yaml's top.
fn project(databases: &[TestDatabase], settings: &str) -> TestProject {
    let listed: Vec<String> = databases
        .iter()
        .map(|database| format!("      - \"{}\"\n", database.url()))
        .collect();
    TestProject::new(&[
        (
            "plan.yaml",
            &format!(
                "{settings}fleets:\n  tenants:\n    parallel: 2\n    databases:\n{}",
                listed.concat()
            ),
        ),
        (
            "migrations/001_accounts.sql",
            "CREATE TABLE accounts (id int);\n",
        ),
        (
            "migrations/002_orders.sql",
            "CREATE TABLE orders (id int);\n",
        ),
    ])
}

/// The text report with the socket directory and port of each target name filtered out.
fn snapshot(name: &str, text: &str) {
    let mut filters = FILTERS.to_vec();
    filters.push((r"/[^\s:,]+:\d+/", "[socket]:[port]/"));
    insta::with_settings!({filters => filters}, {
        insta::assert_snapshot!(name, text);
    });
}

#[test]
fn issue_17_check_schema_fleet_names_exactly_the_targets_that_are_not_clean() {
    let databases = databases("fleet_check", 3);
    // A table the next migration requires, there before the plan (so not drift) on two of three.
    for database in &databases[..2] {
        execute(database, "CREATE TABLE customers (id int)");
    }
    let project = project(&databases, "");
    plan(&project, &["apply", "--fleet", "tenants"]).expect_ok();
    plan(&project, &["check-schema", "--fleet", "tenants"])
        .expect_ok()
        .expect_stdout_has(&["fleet tenants: 3 targets: 3 ok\n"]);

    project.write(
        "migrations/003_invoices.sql",
        "-- requires: table public.customers\nCREATE TABLE invoices (customer int);\n",
    );
    let run = plan(
        &project,
        &["check-schema", "--fleet", "tenants", "--format", "json"],
    )
    .expect_failed()
    .expect_stderr_has(&[
        "plan::cli::schema_findings",
        "check-schema: 1 of 3 targets not clean",
    ]);
    let report = json(&run);
    assert_eq!(report["format"], 1);
    assert_eq!(report["fleet"], "tenants");
    assert_eq!(
        outcomes(&report),
        ["ok", "ok", "with_problems"],
        "{}",
        run.transcript()
    );
    assert_eq!(
        report["targets"][2]["problems"],
        serde_json::json!([{
            "kind": "unmet_prerequisite",
            "object": "table public.customers",
            "migration": "003_invoices",
            "message": "003_invoices requires table public.customers (migrations/003_invoices.sql:1): nothing before it in the plan creates it, and the database does not have it"
        }])
    );
    assert!(
        report["targets"][2]["target"]
            .as_str()
            .is_some_and(|name| name.ends_with("/fleet_check_2")),
        "{}",
        run.transcript()
    );
    assert_eq!(
        report["totals"],
        serde_json::json!({"ok": 2, "with_problems": 1, "unreachable": 0, "failed": 0})
    );

    // One more target drifts: an applied migration's table dropped by hand.
    execute(&databases[1], "DROP TABLE orders");
    let run = plan(&project, &["check-schema", "--fleet", "tenants"]).expect_failed();
    snapshot("fleet_check_schema_report", &run.stdout);

    // Each fixed by hand: `orders` made again is the same table as the snapshot's, but
    // `customers` is new since the last snapshot: drift, reported at that target alone.
    execute(&databases[1], "CREATE TABLE orders (id int)");
    execute(&databases[2], "CREATE TABLE customers (id int)");
    let run = plan(
        &project,
        &["check-schema", "--fleet", "tenants", "--format", "json"],
    )
    .expect_failed();
    let report = json(&run);
    assert_eq!(
        outcomes(&report),
        ["ok", "ok", "with_problems"],
        "{}",
        run.transcript()
    );
    assert_eq!(report["targets"][2]["problems"][0]["kind"], "added");
    // The next apply records a new snapshot: every target clean, exit 0.
    plan(&project, &["apply", "--fleet", "tenants"]).expect_ok();
    plan(&project, &["check-schema", "--fleet", "tenants"])
        .expect_ok()
        .expect_stdout_has(&["fleet tenants: 3 targets: 3 ok\n"]);
}

#[test]
fn issue_17_an_unreachable_target_of_check_schema_and_lint_is_named_without_its_password() {
    let databases = databases("fleet_check_unreachable", 1);
    let project = project(&databases, "");
    plan(&project, &["apply", "--fleet", "tenants"]).expect_ok();
    project.write(
        "targets.txt",
        &format!(
            "{}\npostgresql://app:${{FLEET_SECRET}}@127.0.0.1:1/nowhere?connect_timeout=5\n",
            databases[0].url()
        ),
    );
    let secret = [("FLEET_SECRET", "hunter2-secret")];
    for command in ["check-schema", "lint"] {
        for format in ["text", "json"] {
            let run = plan_with_env(
                project.path(),
                &[command, "--targets", "targets.txt", "--format", format],
                &secret,
            )
            .expect_failed();
            assert!(
                !run.stdout.contains("hunter2") && !run.stderr.contains("hunter2"),
                "{}",
                run.transcript()
            );
            if format == "text" {
                assert!(
                    run.stdout.contains("\n  127.0.0.1:1/nowhere")
                        && run.stdout.contains("unreachable"),
                    "{}",
                    run.transcript()
                );
                continue;
            }
            let report = json(&run);
            let clean = if command == "lint" { "clean" } else { "ok" };
            assert_eq!(
                outcomes(&report),
                [clean, "unreachable"],
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
            assert_eq!(report["totals"]["unreachable"], 1);
        }
    }

    // The usage rules of apply and status --fleet.
    let url = databases[0].url();
    for command in ["check-schema", "lint"] {
        plan(&project, &[command, "--parallel", "2"])
            .expect_invalid()
            .expect_stderr_has(&["--parallel applies only to a fleet"]);
        plan(
            &project,
            &[command, "--fleet", "tenants", "--database-url", &url],
        )
        .expect_invalid()
        .expect_stderr_has(&["--database-url cannot be given with --fleet or --targets"]);
        plan(&project, &[command, "--fleet", "nope"])
            .expect_invalid()
            .expect_stderr_has(&["plan.yaml has no fleet `nope`", "tenants"]);
        plan(&project, &[command, "--targets", "targets.txt"])
            .expect_invalid()
            .expect_stderr_has(&["uses ${FLEET_SECRET}, which is not set"]);
    }
    plan(
        &project,
        &["lint", "--fleet", "tenants", "--format", "sarif"],
    )
    .expect_invalid()
    .expect_stderr_has(&["--format sarif cannot be given with --fleet or --targets"]);
}

#[test]
fn issue_17_check_schema_fleet_checks_each_schema_target_in_its_own_schema() {
    let database = test_db("fleet_check_schemas");
    for schema in ["tenant_a", "tenant_b", "tenant_c"] {
        execute(&database, &format!("CREATE SCHEMA {schema}"));
    }
    let project = project(&[], "");
    project.write(
        "plan.yaml",
        &format!(
            "fleets:\n  tenants:\n    databases: [\"{}\"]\n    schemas: \"SELECT nspname FROM pg_namespace WHERE nspname LIKE 'tenant\\\\_%' ORDER BY 1\"\n    parallel: 2\n",
            database.url()
        ),
    );
    plan(&project, &["apply", "--fleet", "tenants"]).expect_ok();
    let run = plan(
        &project,
        &["check-schema", "--fleet", "tenants", "--format", "json"],
    )
    .expect_ok();
    assert_eq!(
        outcomes(&json(&run)),
        ["ok", "ok", "ok"],
        "{}",
        run.transcript()
    );

    execute(&database, "DROP TABLE tenant_b.orders");
    let run = plan(
        &project,
        &["check-schema", "--fleet", "tenants", "--format", "json"],
    )
    .expect_failed();
    let report = json(&run);
    assert_eq!(
        outcomes(&report),
        ["ok", "with_problems", "ok"],
        "{}",
        run.transcript()
    );
    let names: Vec<String> = each(&report, "target")
        .iter()
        .filter_map(|name| name.as_str().map(str::to_string))
        .collect();
    assert!(
        names[1].ends_with("/fleet_check_schemas/tenant_b"),
        "{names:?}"
    );
    assert_eq!(
        report["targets"][1]["problems"],
        serde_json::json!([{
            "kind": "missing_object",
            "object": "column tenant_b.orders.id",
            "migration": "002_orders",
            "message": "missing: column tenant_b.orders.id (created by 002_orders)"
        }, {
            "kind": "missing_object",
            "object": "table tenant_b.orders",
            "migration": "002_orders",
            "message": "missing: table tenant_b.orders (created by 002_orders)"
        }]),
        "{}",
        run.transcript()
    );
}

#[test]
fn issue_17_lint_fleet_judges_each_targets_pending_migrations_against_its_own_tables() {
    let databases = databases("fleet_lint", 4);
    let project = project(&databases, "lint:\n  small_table_rows: 100\n");
    plan(&project, &["apply", "--fleet", "tenants"]).expect_ok();
    // A retype of orders: pending everywhere but on the last target, which has it already.
    project.write(
        "migrations/003_retype.sql",
        "ALTER TABLE orders ALTER COLUMN id TYPE bigint;\n",
    );
    plan_with_env(
        project.path(),
        &["apply", "--database-url", &databases[3].url()],
        &[],
    )
    .expect_ok();
    // The second target's orders is large, the others' small.
    execute(
        &databases[1],
        "INSERT INTO orders SELECT g FROM generate_series(1, 1000) g; ANALYZE orders",
    );
    for database in [&databases[0], &databases[2]] {
        execute(database, "ANALYZE orders");
    }

    let run = plan(
        &project,
        &["lint", "--fleet", "tenants", "--format", "json"],
    )
    .expect_failed()
    .expect_stderr_has(&["plan::lint::findings"]);
    let report = json(&run);
    assert_eq!(report["format"], 1);
    assert_eq!(
        outcomes(&report),
        ["with_findings", "with_findings", "with_findings", "clean"],
        "{}",
        run.transcript()
    );
    let rules = |target: usize| -> Vec<(String, String)> {
        report["targets"][target]["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .map(|finding| {
                (
                    finding["rule"].as_str().unwrap_or_default().to_string(),
                    finding["severity"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect()
    };
    let small = vec![("changing-column-type".to_string(), "warning".to_string())];
    assert_eq!(rules(0), small, "{}", run.transcript());
    assert_eq!(rules(2), small);
    assert_eq!(
        rules(1),
        [
            ("changing-column-type".to_string(), "error".to_string()),
            ("rewrite-of-large-table".to_string(), "error".to_string()),
        ]
    );
    assert_eq!(rules(3), Vec::<(String, String)>::new());
    assert_eq!(
        each(&report, "judged"),
        [
            serde_json::json!(1),
            serde_json::json!(1),
            serde_json::json!(1),
            serde_json::json!(0)
        ]
    );
    assert_eq!(
        report["totals"],
        serde_json::json!({"clean": 1, "with_findings": 3, "unreachable": 0, "failed": 0})
    );

    // Text: a row per target, the same findings shown once for the targets that share them.
    let run = plan(&project, &["lint", "--fleet", "tenants"]).expect_failed();
    snapshot("fleet_lint_report", &run.stdout);

    // Only the large table's findings are errors: --fail-on error passes without that target.
    project.write(
        "small.txt",
        &format!("{}\n{}\n", databases[0].url(), databases[2].url()),
    );
    plan(
        &project,
        &["lint", "--targets", "small.txt", "--fail-on", "error"],
    )
    .expect_ok();
    plan(
        &project,
        &["lint", "--fleet", "tenants", "--fail-on", "error"],
    )
    .expect_failed();
    // --all judges every migration, also where 003 is applied.
    let run = plan(
        &project,
        &["lint", "--fleet", "tenants", "--all", "--format", "json"],
    )
    .expect_failed();
    assert_eq!(
        json(&run)["targets"][3]["judged"],
        3,
        "{}",
        run.transcript()
    );
}

#[test]
fn issue_17_lint_fleet_reads_a_schema_targets_own_tables() {
    let database = test_db("fleet_lint_schemas");
    for schema in ["tenant_a", "tenant_b"] {
        execute(&database, &format!("CREATE SCHEMA {schema}"));
    }
    let project = project(&[], "");
    project.write(
        "plan.yaml",
        &format!(
            "lint:\n  small_table_rows: 100\nfleets:\n  tenants:\n    databases: [\"{}\"]\n    schemas: \"SELECT nspname FROM pg_namespace WHERE nspname LIKE 'tenant\\\\_%' ORDER BY 1\"\n",
            database.url()
        ),
    );
    plan(&project, &["apply", "--fleet", "tenants"]).expect_ok();
    project.write(
        "migrations/003_retype.sql",
        "ALTER TABLE orders ALTER COLUMN id TYPE bigint;\n",
    );
    execute(
        &database,
        "INSERT INTO tenant_b.orders SELECT g FROM generate_series(1, 1000) g; ANALYZE tenant_b.orders; ANALYZE tenant_a.orders",
    );
    let run = plan(
        &project,
        &["lint", "--fleet", "tenants", "--format", "json"],
    )
    .expect_failed();
    let report = json(&run);
    let tables: Vec<Value> = (0..2)
        .map(|target| {
            serde_json::json!(
                report["targets"][target]["findings"]
                    .as_array()
                    .expect("findings")
                    .iter()
                    .map(|finding| (
                        finding["rule"].clone(),
                        finding["severity"].clone(),
                        finding["table"].clone()
                    ))
                    .collect::<Vec<_>>()
            )
        })
        .collect();
    assert_eq!(
        tables,
        [
            serde_json::json!([["changing-column-type", "warning", "tenant_a.orders"]]),
            serde_json::json!([
                ["changing-column-type", "error", "tenant_b.orders"],
                ["rewrite-of-large-table", "error", "tenant_b.orders"]
            ]),
        ],
        "{}",
        run.transcript()
    );

    // apply's own lint gate judges each schema target by its own tables too: with
    // `on_apply: error`, tenant_b (large) is refused and tenant_a (small) goes on.
    project.write(
        "plan.yaml",
        &format!(
            "lint:\n  small_table_rows: 100\n  on_apply: error\nfleets:\n  tenants:\n    databases: [\"{}\"]\n    schemas: \"SELECT nspname FROM pg_namespace WHERE nspname LIKE 'tenant\\\\_%' ORDER BY 1\"\n",
            database.url()
        ),
    );
    let run = plan(
        &project,
        &[
            "apply",
            "--fleet",
            "tenants",
            "--continue-on-error",
            "--format",
            "json",
        ],
    )
    .expect_failed();
    let report = json(&run);
    let outcomes: Vec<(Value, Value)> = (0..2)
        .map(|target| {
            (
                report["targets"][target]["outcome"].clone(),
                report["targets"][target]["failed"]["code"].clone(),
            )
        })
        .collect();
    assert_eq!(
        outcomes,
        [
            (serde_json::json!("applied"), Value::Null),
            (
                serde_json::json!("failed"),
                serde_json::json!("plan::apply::lint_refused")
            ),
        ],
        "{}",
        run.transcript()
    );
}
