//! `plan verify` (issue 6): every rollback checked on a scratch database, on a throwaway
//! cluster `plan` starts itself or in a temporary database of a server it is given; what it
//! blames and what it could not check. (Routines in snapshots and who verify blames when several
//! rollbacks leave things behind are in verify_rollbacks.rs.)

use crate::production::worked_example;
use crate::support::cluster::test_db;
use crate::support::project::{TestProject, ledger_exists, plan_with_env};

#[test]
fn verify_names_the_migration_and_the_column_a_rollback_leaves_behind() {
    let project = TestProject::copy_of("tests/fixtures/verify_broken_rollback");
    let run = plan_with_env(project.path(), &["verify"], &[])
        .expect_failed()
        .expect_stderr_has(&["plan::cli::verify_findings"]);
    let lines: Vec<&str> = run.stdout.lines().map(str::trim).collect();
    for expected in [
        "001_accounts       rollback restores the schema",
        "002_account_email  rollback does NOT restore the schema",
        "left behind: column public.accounts.email",
        "003_audit_log      rollback restores the schema",
    ] {
        assert!(
            lines.contains(&expected),
            "{expected:?} missing:\n{}",
            run.transcript()
        );
    }
    let json = plan_with_env(project.path(), &["verify", "--format", "json"], &[]).expect_failed();
    let report: serde_json::Value = serde_json::from_str(&json.stdout).expect("JSON on stdout");
    assert_eq!(report["clean"], false);
    assert_eq!(report["migrations"][1]["id"], "002_account_email");
    assert_eq!(report["migrations"][1]["rollback"], "not_restored");
    assert_eq!(
        report["migrations"][1]["left_behind"],
        serde_json::json!(["column public.accounts.email"])
    );
}

#[test]
fn the_worked_example_verifies_clean_in_production_and_elsewhere() {
    let project = worked_example();
    plan_with_env(project.path(), &["verify"], &[])
        .expect_ok()
        .expect_stdout_has(&[
            "004_create_lancio_org                skipped: runs only in production",
            "clean: every rollback restores the schema (3 of 3)",
        ]);
    plan_with_env(project.path(), &["verify", "--env", "production"], &[])
        .expect_ok()
        .expect_stdout_has(&["clean: every rollback restores the schema (4 of 4)"]);
}

#[test]
fn verify_on_a_server_uses_a_temporary_database_and_drops_it() {
    let database = test_db("verify_on_a_server");
    let project = worked_example();
    let url = database.url();
    plan_with_env(project.path(), &["verify", "--database-url", &url], &[])
        .expect_ok()
        .expect_stdout_has(&["the temporary database", "/plan_verify_", "clean: "]);
    let left: i64 = database
        .client()
        .query_one(
            "SELECT count(*) FROM pg_database WHERE datname LIKE 'plan\\_verify\\_%'",
            &[],
        )
        .expect("list databases")
        .get(0);
    assert_eq!(left, 0, "the temporary database must be dropped");
    assert!(
        !ledger_exists(&mut database.client()),
        "the named database itself is untouched"
    );
}

#[test]
fn verify_stops_at_a_migration_without_rollback_and_says_what_it_could_not_check() {
    let project = TestProject::copy_of("tests/fixtures/seed004_forward_only");
    plan_with_env(project.path(), &["verify"], &[])
        .expect_failed()
        .expect_stdout_has(&[
            "002_create_llm_cache   no rollback",
            "001_create_audit_logs  not verified",
            "not rolled back: the walk stopped at 002_create_llm_cache",
        ]);
}
