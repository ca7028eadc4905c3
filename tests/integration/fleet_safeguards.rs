//! The safeguards of `plan apply --fleet` per target (docs/fleets.md#safeguards-and-backups),
//! against real databases: `--backup-dir` backs each target up into a folder of its own right
//! before its first migration (verified, recorded in its history, restorable), a schema target
//! its whole database; a target whose backup cannot be written fails with nothing applied while
//! the others go on; the environment a target's own ledger records demands its backup and
//! confirmation there, and an `--env` contradicting it is refused there; and a standby that
//! does not replay fails the target at the migration that is committed and recorded
//! (`plan::apply::replica_lag`). Every check reads the databases, files and report, never the
//! timing of a run.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::support::cluster::{TestDatabase, test_db};
use crate::support::project::{
    Run, TestProject, history, ledger_ids, plan_with_env, public_tables,
};
use crate::support::replica::replicated;

/// A fleet `tenants` of `databases` with `environments` (plan.yaml text) and two migrations.
fn project(databases: &[&TestDatabase], environments: &str) -> TestProject {
    let listed: Vec<String> = databases
        .iter()
        .map(|database| format!("      - \"{}\"\n", database.url()))
        .collect();
    TestProject::new(&[
        (
            "plan.yaml",
            &format!(
                "{environments}fleets:\n  tenants:\n    databases:\n{}",
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

const BOTH: [&str; 2] = ["001_accounts", "002_orders"];

fn plan(project: &TestProject, args: &[&str]) -> Run {
    plan_with_env(project.path(), args, &[])
}

/// The JSON report on stdout.
fn json(run: &Run) -> Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|error| {
        panic!("stdout is one JSON object ({error}):\n{}", run.transcript())
    })
}

/// Each target's name, as `status --fleet` lists them.
fn names(project: &TestProject) -> Vec<String> {
    let status = plan(
        project,
        &["status", "--fleet", "tenants", "--format", "json"],
    )
    .expect_ok();
    json(&status)["targets"]
        .as_array()
        .expect("targets")
        .iter()
        .map(|target| target["target"].as_str().expect("a name").to_string())
        .collect()
}

/// The folder a target's backup goes to in `--backup-dir`: its name made file-safe.
fn folder_of(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The history's actions, `action outcome migration` each.
fn actions(database: &TestDatabase) -> Vec<String> {
    history(database)
        .into_iter()
        .map(|line| format!("{} {} {}", line.action, line.outcome, line.migration_id))
        .collect()
}

/// The environment each ledger row records, by ID.
fn environments(database: &TestDatabase) -> Vec<String> {
    database
        .client()
        .query(
            "SELECT id || ' ' || coalesce(environment, '-') FROM plan.migrations ORDER BY id",
            &[],
        )
        .expect("read the ledger")
        .iter()
        .map(|row| row.get(0))
        .collect()
}

#[test]
fn issue_17_backup_dir_backs_each_target_up_into_its_own_folder_before_its_first_migration() {
    let (a, b) = (test_db("fsafe_backup_a"), test_db("fsafe_backup_b"));
    let project = project(
        &[&a, &b],
        "environments:\n  production: {backup: required}\n",
    );
    let backups = tempfile::tempdir().expect("a backup folder");
    let dir = backups.path().to_string_lossy().to_string();

    // --env production demands a backup: without --backup-dir nothing runs (exit 2).
    plan(
        &project,
        &["apply", "--fleet", "tenants", "--env", "production"],
    )
    .expect_invalid()
    .expect_stderr_has(&["plan::fleet::backup_required", "--backup-dir"]);
    assert!(ledger_ids(&a).is_empty() && ledger_ids(&b).is_empty());

    let names = names(&project);
    let run = plan(
        &project,
        &[
            "apply",
            "--fleet",
            "tenants",
            "--env",
            "production",
            "--backup-dir",
            &dir,
            "--parallel",
            "2",
            "--format",
            "json",
        ],
    )
    .expect_ok();
    let report = json(&run);
    for ((database, name), target) in [&a, &b]
        .into_iter()
        .zip(&names)
        .zip(report["targets"].as_array().expect("targets"))
    {
        assert_eq!(target["outcome"], "applied", "{}", run.transcript());
        let path = Path::new(target["backup"]["path"].as_str().expect("a backup path"));
        assert_eq!(
            path.parent(),
            Some(backups.path().join(folder_of(name)).as_path()),
            "{target}"
        );
        assert!(path.is_file(), "{}", path.display());
        assert!(target["backup"]["archive_entries"].as_u64() > Some(0));
        // Taken before the first migration and recorded, as a single-database apply does.
        let done = actions(database);
        assert_eq!(
            done.iter()
                .map(|line| line.split(' ').next().unwrap_or_default())
                .collect::<Vec<_>>(),
            ["backup", "apply", "apply"],
            "{done:?}"
        );
        assert_eq!(ledger_ids(database), BOTH);
    }
    assert!(
        run.stderr.contains("taking a backup into"),
        "{}",
        run.transcript()
    );

    // The archive gives the database back as it was before the fleet run: no table of it.
    let restore = report["targets"][0]["backup"]["restore_command"]
        .as_str()
        .expect("a restore command");
    let restored = Command::new("sh")
        .arg("-c")
        .arg(restore)
        .env_remove("PGSERVICE")
        .output()
        .expect("run the restore command");
    assert!(
        restored.status.success(),
        "{restore}: {}",
        String::from_utf8_lossy(&restored.stderr)
    );
    assert_eq!(public_tables(&a), Vec::<String>::new());
    assert_eq!(public_tables(&b), ["accounts", "orders"]);
}

#[test]
fn issue_17_a_target_whose_backup_cannot_be_written_fails_with_nothing_applied_the_others_go_on() {
    let (a, b) = (test_db("fsafe_nobackup_a"), test_db("fsafe_nobackup_b"));
    let project = project(&[&a, &b], "");
    let backups = tempfile::tempdir().expect("a backup folder");
    let names = names(&project);
    // A file where b's folder would go: its backup cannot be written.
    std::fs::write(backups.path().join(folder_of(&names[1])), "in the way")
        .expect("write the file in the way");
    let dir = backups.path().to_string_lossy().to_string();
    let run = plan(
        &project,
        &[
            "apply",
            "--fleet",
            "tenants",
            "--backup-dir",
            &dir,
            "--continue-on-error",
            "--format",
            "json",
        ],
    )
    .expect_failed()
    .expect_stderr_has(&["plan::fleet::not_up_to_date"]);
    let report = json(&run);
    assert_eq!(
        report["targets"][0]["outcome"],
        "applied",
        "{}",
        run.transcript()
    );
    assert!(report["targets"][0]["backup"]["path"].is_string());
    let failed = &report["targets"][1];
    assert_eq!(failed["outcome"], "failed", "{}", run.transcript());
    assert_eq!(failed["failed"]["code"], "plan::db::backup");
    assert!(
        failed["failed"]["message"]
            .as_str()
            .is_some_and(|message| message.contains("create the backup folder")),
        "{failed}"
    );
    assert!(failed["failed"].get("migration").is_none(), "{failed}");
    assert_eq!(failed["applied"], serde_json::json!([]));
    assert!(failed.get("backup").is_none(), "{failed}");
    assert_eq!(ledger_ids(&a), BOTH);
    assert!(ledger_ids(&b).is_empty());
    assert!(public_tables(&b).is_empty());
}

#[test]
fn issue_17_the_environment_a_targets_ledger_records_demands_its_backup_and_confirmation() {
    let (a, b) = (test_db("fsafe_recorded_a"), test_db("fsafe_recorded_b"));
    let project = project(
        &[&a, &b],
        "environments:\n  production: {backup: required, confirm: true}\n  staging: {}\n",
    );
    let backups = tempfile::tempdir().expect("a backup folder");
    let dir = backups.path().to_string_lossy().to_string();
    // b was migrated as production, on its own.
    let url = b.url();
    plan(
        &project,
        &[
            "apply",
            "--database-url",
            &url,
            "--env",
            "production",
            "--yes",
            "--to",
            "001_accounts",
            "--backup-dir",
            &dir,
        ],
    )
    .expect_ok();
    let names = names(&project);

    // No --env: a (no environment) is applied; b's ledger makes it production, which
    // requires a backup.
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
    assert_eq!(
        report["targets"][0]["outcome"],
        "applied",
        "{}",
        run.transcript()
    );
    let failed = &report["targets"][1]["failed"];
    assert_eq!(failed["code"], "plan::fleet::backup_required", "{failed}");
    assert_eq!(
        failed["message"],
        format!(
            "{}: environment production requires a verified backup before apply, and no --backup-dir was given",
            names[1]
        )
    );

    // With --backup-dir, it still needs the confirmation production asks for.
    let run = plan(
        &project,
        &[
            "apply",
            "--fleet",
            "tenants",
            "--backup-dir",
            &dir,
            "--format",
            "json",
        ],
    )
    .expect_failed();
    let report = json(&run);
    assert_eq!(
        report["targets"][0]["outcome"],
        "up_to_date",
        "{}",
        run.transcript()
    );
    let failed = &report["targets"][1]["failed"];
    assert_eq!(
        failed["code"], "plan::fleet::confirmation_required",
        "{failed}"
    );
    assert_eq!(
        failed["message"],
        format!(
            "{}: its ledger records environment production, which requires confirmation, and --yes was not given",
            names[1]
        )
    );
    assert_eq!(ledger_ids(&b), ["001_accounts"]);
    assert!(!backups.path().join(folder_of(&names[1])).exists());

    // --env staging contradicts b's ledger: refused there without --yes.
    let run = plan(
        &project,
        &[
            "apply",
            "--fleet",
            "tenants",
            "--env",
            "staging",
            "--backup-dir",
            &dir,
            "--format",
            "json",
        ],
    )
    .expect_failed();
    let failed = &json(&run)["targets"][1]["failed"];
    assert_eq!(
        failed["code"], "plan::apply::environment_mismatch",
        "{failed}"
    );
    assert!(
        failed["message"]
            .as_str()
            .is_some_and(|message| message.starts_with(&format!("{}: --env staging", names[1]))),
        "{failed}"
    );
    assert_eq!(ledger_ids(&b), ["001_accounts"]);

    // --yes confirms for every target: b is applied as production, backed up first.
    let run = plan(
        &project,
        &[
            "apply",
            "--fleet",
            "tenants",
            "--backup-dir",
            &dir,
            "--yes",
            "--format",
            "json",
        ],
    )
    .expect_ok();
    let report = json(&run);
    assert_eq!(
        report["targets"][1]["outcome"],
        "applied",
        "{}",
        run.transcript()
    );
    assert!(report["targets"][1]["backup"]["path"].is_string());
    assert_eq!(
        environments(&b),
        ["001_accounts production", "002_orders production"]
    );
    assert_eq!(environments(&a), ["001_accounts -", "002_orders -"]);
}

#[test]
fn issue_17_each_schema_target_backs_up_its_database_into_its_own_folder() {
    let database = test_db("fsafe_schemas");
    database
        .client()
        .batch_execute("CREATE SCHEMA tenant_a; CREATE SCHEMA tenant_b")
        .expect("create the tenants' schemas");
    let project = TestProject::new(&[
        (
            "plan.yaml",
            &format!(
                "fleets:\n  tenants:\n    databases: [\"{}\"]\n    schemas: \"SELECT nspname FROM pg_namespace WHERE nspname LIKE 'tenant\\\\_%' ORDER BY 1\"\n    parallel: 2\n",
                database.url()
            ),
        ),
        (
            "migrations/001_accounts.sql",
            "CREATE TABLE accounts (id int);\n",
        ),
    ]);
    let backups = tempfile::tempdir().expect("a backup folder");
    let dir = backups.path().to_string_lossy().to_string();
    let run = plan(
        &project,
        &[
            "apply",
            "--fleet",
            "tenants",
            "--backup-dir",
            &dir,
            "--format",
            "json",
        ],
    )
    .expect_ok();
    let report = json(&run);
    let mut folders = Vec::new();
    for target in report["targets"].as_array().expect("targets") {
        let name = target["target"].as_str().expect("a name");
        let path = Path::new(target["backup"]["path"].as_str().expect("a backup path"));
        assert!(path.is_file(), "{}", run.transcript());
        assert_eq!(
            path.parent(),
            Some(backups.path().join(folder_of(name)).as_path())
        );
        folders.push(folder_of(name));
    }
    assert_eq!(folders.len(), 2);
    assert!(folders[0].ends_with("_tenant_a") && folders[1].ends_with("_tenant_b"));
    // Each schema's history records its own backup before its apply.
    let mut client = database.client();
    for schema in ["tenant_a", "tenant_b"] {
        let actions: Vec<String> = client
            .query(
                &format!("SELECT action FROM {schema}.plan_migrations_history ORDER BY event"),
                &[],
            )
            .expect("read the schema's history")
            .iter()
            .map(|row| row.get(0))
            .collect();
        assert_eq!(actions, ["backup", "apply"], "{schema}");
    }
}

#[test]
fn issue_17_a_standby_that_does_not_replay_fails_the_target_at_the_committed_migration() {
    let database = "fsafe_replicas";
    let cluster = replicated("fleet_standby", database);
    cluster
        .standby
        .client(database)
        .batch_execute("SELECT pg_wal_replay_pause()")
        .expect("pause replay on the standby");
    let url = cluster.primary.settings_for(database).to_string();
    let project = TestProject::new(&[
        ("plan.yaml", "wait_for_replicas: {max_lag: 1s}\n"),
        ("targets.txt", &format!("{url}\n")),
        (
            "migrations/001_create.sql",
            "CREATE TABLE replicated (id int PRIMARY KEY);\n",
        ),
        (
            "migrations/002_fill.sql",
            "INSERT INTO replicated VALUES (1);\n",
        ),
    ]);
    let run = plan(
        &project,
        &["apply", "--targets", "targets.txt", "--format", "json"],
    )
    .expect_failed();
    let target = &json(&run)["targets"][0];
    assert_eq!(target["outcome"], "failed", "{}", run.transcript());
    let failed = &target["failed"];
    assert_eq!(failed["code"], "plan::apply::replica_lag", "{failed}");
    assert_eq!(failed["migration"], "001_create");
    assert_eq!(failed["file"], "migrations/001_create.sql");
    assert_eq!(failed["committed"], true);
    // Committed and recorded: in `applied` too, and in the primary's ledger.
    assert_eq!(target["applied"], serde_json::json!(["001_create"]));
    let recorded: Vec<String> = pgplan::internals::connect(&cluster.primary.settings_for(database))
        .expect("connect to the primary")
        .query("SELECT id FROM plan.migrations ORDER BY 1", &[])
        .expect("read the ledger")
        .iter()
        .map(|row| row.get(0))
        .collect();
    assert_eq!(recorded, ["001_create"]);
}
