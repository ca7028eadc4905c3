//! `--format json` from every command that reports (issue 13): stdout is exactly one JSON object
//! with `"format": 1` and the fields docs/json.md lists for that command (every top-level field
//! printed must appear in the command's section there, so the doc cannot drift); a failing
//! command prints the error object (`{"format":1,"error":{…}}`) instead, with the exit code the
//! text form has. Against the shared test cluster; `apply --scratch` starts its own.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::support::cluster::{TestDatabase, test_db};
use crate::support::project::{
    Run, TestProject, crate_root, ledger_ids, plan, plan_with_env, production_last,
};

/// Two migrations in a sequence, each with a rollback file.
fn two_tables() -> TestProject {
    TestProject::new(&[
        ("migrations/001_a.sql", "CREATE TABLE a (id int);\n"),
        ("migrations/001_a_rollback.sql", "DROP TABLE a;\n"),
        ("migrations/002_b.sql", "CREATE TABLE b (id int);\n"),
        ("migrations/002_b_rollback.sql", "DROP TABLE b;\n"),
    ])
}

/// `args` with `--format json` added.
fn json_args<'a>(args: &[&'a str]) -> Vec<&'a str> {
    let mut all = args.to_vec();
    all.extend(["--format", "json"]);
    all
}

/// Runs `plan ARGS --format json` against `database`.
fn plan_json(database: &TestDatabase, dir: &Path, args: &[&str]) -> Run {
    plan(database, dir, &json_args(args))
}

/// Asserts that stdout is exactly one JSON object with `format` 1, and that each of its
/// top-level fields is documented in `command`'s section of docs/json.md; returns it.
#[track_caller]
fn one_object(run: &Run, command: &str) -> Value {
    let value: Value = serde_json::from_str(&run.stdout).unwrap_or_else(|error| {
        panic!(
            "stdout is not exactly one JSON value ({error}):\n{}",
            run.transcript()
        )
    });
    let Some(object) = value.as_object() else {
        panic!("stdout is not a JSON object:\n{}", run.transcript());
    };
    assert_eq!(value["format"], 1, "{}", run.transcript());
    let section = doc_section(command);
    for key in object.keys() {
        assert!(
            section.contains(&format!("`{key}`")),
            "`plan {command} --format json` prints `{key}`, which docs/json.md does not list under `plan {command}`"
        );
    }
    value
}

/// Asserts that `run` failed with the exit code `expect_code` and printed the error object
/// with `code`, every field of it present (`file`/`line` null when none); returns the error.
#[track_caller]
fn error_object(run: &Run, code: &str, expect_code: i32) -> Value {
    assert_eq!(run.code, expect_code, "{}", run.transcript());
    let value = one_object(run, "error");
    let error = &value["error"];
    assert_eq!(error["code"], code, "{}", run.transcript());
    assert!(error["message"].is_string(), "{}", run.transcript());
    for field in ["file", "line", "help"] {
        assert!(
            error.get(field).is_some(),
            "the error object lacks `{field}`:\n{}",
            run.transcript()
        );
    }
    assert!(
        !run.stderr.is_empty(),
        "the diagnostic still goes to stderr"
    );
    error.clone()
}

/// The section of docs/json.md whose heading names `plan COMMAND` (or, for `error`, the error
/// object): from its `## ` heading to the next.
fn doc_section(command: &str) -> String {
    let doc = std::fs::read_to_string(crate_root().join("docs/json.md")).expect("docs/json.md");
    let heading = if command == "error" {
        "## The error object".to_string()
    } else {
        format!("## `plan {command}`")
    };
    let start = doc
        .find(&heading)
        .unwrap_or_else(|| panic!("docs/json.md has no section `{heading}`"));
    let rest = &doc[start + heading.len()..];
    let end = rest.find("\n## ").unwrap_or(rest.len());
    rest[..end].to_string()
}

/// The exit code of the same run without `--format json`: JSON mode keeps it.
fn text_exit_code(database: &TestDatabase, dir: &Path, args: &[&str]) -> i32 {
    plan(database, dir, args).code
}

#[test]
fn show_prints_one_object_and_an_unknown_target_the_error_object() {
    let project = two_tables();
    let run = plan_with_env(project.path(), &["show", "--format", "json"], &[]).expect_ok();
    let shown = one_object(&run, "show");
    assert_eq!(shown["total_migrations"], 2);
    assert_eq!(shown["migrations"][1]["id"], "002_b");
    let run = plan_with_env(
        project.path(),
        &["show", "--to", "009", "--format", "json"],
        &[],
    );
    error_object(&run, "plan::cli::unknown_migration", 2);
}

#[test]
fn status_prints_one_object_and_an_unknown_environment_the_error_object() {
    let database = test_db("json_status");
    let project = two_tables();
    plan(&database, project.path(), &["apply", "--to", "001"]).expect_ok();
    let run = plan_json(&database, project.path(), &["status"]).expect_ok();
    let status = one_object(&run, "status");
    assert_eq!(status["counts"]["applied"], 1);
    assert_eq!(status["counts"]["pending"], 1);
    let run = plan_json(&database, project.path(), &["status", "--env", "nowhere"]);
    error_object(&run, "plan::cli::unknown_environment", 2);
}

#[test]
fn apply_reports_each_migration_and_nothing_else_on_stdout() {
    let database = test_db("json_apply");
    let project = production_last();
    let run = plan_json(&database, project.path(), &["apply"]).expect_ok();
    let applied = one_object(&run, "apply");
    assert_eq!(applied["dry_run"], false);
    assert_eq!(applied["batch"], 1);
    assert_eq!(applied["applied"], 1);
    assert_eq!(applied["skipped"], 1);
    assert_eq!(applied["backup"], Value::Null);
    assert_eq!(applied["migrations"][0]["id"], "001_a");
    assert_eq!(applied["migrations"][0]["outcome"], "applied");
    assert!(applied["migrations"][0]["duration_ms"].is_u64());
    assert_eq!(applied["migrations"][1]["outcome"], "skipped");
    assert_eq!(
        applied["migrations"][1]["runs_only_in"],
        serde_json::json!(["production"])
    );
    assert!(
        applied["database"]
            .as_str()
            .is_some_and(|url| url.contains("json_apply"))
    );
    // Progress stays on stderr.
    assert!(run.stderr.contains("001_a applied"), "{}", run.transcript());
    let again = plan_json(&database, project.path(), &["apply"]).expect_ok();
    let again = one_object(&again, "apply");
    assert_eq!(again["applied"], 0);
    assert_eq!(again["batch"], Value::Null);
}

#[test]
fn apply_dry_run_lists_what_would_run_with_its_sql_in_the_object() {
    let database = test_db("json_apply_dry_run");
    let project = production_last();
    let run = plan_json(
        &database,
        project.path(),
        &["apply", "--dry-run", "--env", "production"],
    )
    .expect_ok();
    let shown = one_object(&run, "apply");
    assert_eq!(shown["dry_run"], true);
    assert_eq!(shown["batch"], 1);
    assert_eq!(shown["environment"], "production");
    assert_eq!(shown["would_apply"], 2);
    assert_eq!(shown["applied"], 0);
    let first = &shown["migrations"][0];
    assert_eq!(first["outcome"], "would_apply");
    assert_eq!(first["file"], "migrations/001_a.sql");
    assert_eq!(first["transaction"], "wrapped");
    assert_eq!(first["from_statement"], 1);
    assert!(
        first["sql"][0]
            .as_str()
            .is_some_and(|sql| sql.contains("CREATE TABLE a")),
        "{}",
        run.transcript()
    );
    assert_eq!(shown["real_run"]["refused_without_yes"], Value::Null);
    assert!(
        ledger_ids(&database).is_empty(),
        "a dry run changes nothing"
    );
}

#[test]
fn apply_with_a_backup_says_where_it_went_in_the_object() {
    let database = test_db("json_apply_backup");
    let project = two_tables();
    let backups = tempfile::tempdir().expect("a backup folder");
    let folder = backups.path().display().to_string();
    let run = plan_json(
        &database,
        project.path(),
        &["apply", "--backup-dir", &folder],
    )
    .expect_ok();
    let shown = one_object(&run, "apply");
    let backup = &shown["backup"];
    let path = backup["path"].as_str().expect("the backup's path");
    assert!(Path::new(path).is_file(), "{}", run.transcript());
    assert!(backup["bytes"].as_u64().is_some_and(|bytes| bytes > 0));
    assert!(
        backup["restore_command"]
            .as_str()
            .is_some_and(|command| command.contains("pg_restore"))
    );
    // The lines the text form prints on stdout go to stderr.
    assert!(
        run.stderr.contains("to restore it:"),
        "{}",
        run.transcript()
    );
}

#[test]
fn apply_failing_prints_the_error_object_with_the_text_exit_code() {
    let database = test_db("json_apply_failing");
    let project = two_tables();
    plan(&database, project.path(), &["apply"]).expect_ok();
    project.write("migrations/001_a.sql", "CREATE TABLE a (id bigint);\n");
    let code = text_exit_code(&database, project.path(), &["apply"]);
    let run = plan_json(&database, project.path(), &["apply"]);
    error_object(&run, "plan::apply::modified", code);
    // A usage error too.
    let run = plan_json(&database, project.path(), &["apply", "--no-such-option"]);
    error_object(&run, "plan::cli::usage", 2);
}

#[test]
fn apply_scratch_keep_puts_the_status_and_the_kept_cluster_in_the_object() {
    let project = two_tables();
    let run = plan_with_env(
        project.path(),
        &["apply", "--scratch", "--format", "json"],
        &[],
    )
    .expect_ok();
    let shown = one_object(&run, "apply");
    assert_eq!(shown["applied"], 2);
    assert_eq!(shown["scratch"]["kept"], Value::Null);
    assert_eq!(shown["scratch"]["status"]["counts"]["applied"], 2);

    let run = plan_with_env(
        project.path(),
        &["apply", "--scratch", "--keep", "--format", "json"],
        &[],
    );
    let shown: Value = serde_json::from_str(&run.stdout).unwrap_or(Value::Null);
    let stop = shown["scratch"]["kept"]["stop_command"]
        .as_str()
        .map(str::to_string);
    // Stop the kept cluster whatever the assertions below say.
    let _stopping = StopOnDrop(stop.clone());
    assert_eq!(run.code, 0, "{}", run.transcript());
    let shown = one_object(&run, "apply");
    let url = shown["scratch"]["kept"]["database_url"]
        .as_str()
        .expect("the kept cluster's DATABASE_URL");
    assert!(url.starts_with("postgresql://"), "{url}");
    assert!(stop.is_some_and(|stop| stop.contains("pg_ctl")));
    let status = plan_with_env(
        project.path(),
        &["status", "--format", "json"],
        &[("DATABASE_URL", url)],
    )
    .expect_ok();
    assert_eq!(one_object(&status, "status")["counts"]["applied"], 2);
}

/// Runs a kept cluster's stop command when dropped.
struct StopOnDrop(Option<String>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        if let Some(stop) = &self.0 {
            let _ = Command::new("sh").args(["-c", stop]).output();
        }
    }
}

#[test]
fn rollback_reports_what_it_rolled_back_and_a_dry_run_its_sql() {
    let database = test_db("json_rollback");
    let project = two_tables();
    let code = text_exit_code(&database, project.path(), &["rollback", "--last-batch"]);
    let run = plan_json(&database, project.path(), &["rollback", "--last-batch"]);
    error_object(&run, "plan::apply::nothing_applied", code);

    plan(&database, project.path(), &["apply"]).expect_ok();
    let run = plan_json(
        &database,
        project.path(),
        &["rollback", "--last-batch", "--dry-run"],
    )
    .expect_ok();
    let shown = one_object(&run, "rollback");
    assert_eq!(shown["dry_run"], true);
    assert_eq!(shown["would_roll_back"], 2);
    let first = &shown["migrations"][0];
    assert_eq!(first["id"], "002_b");
    assert_eq!(first["outcome"], "would_roll_back");
    assert_eq!(first["file"], "migrations/002_b_rollback.sql");
    assert!(
        first["sql"][0]
            .as_str()
            .is_some_and(|sql| sql.contains("DROP TABLE b"))
    );
    assert_eq!(ledger_ids(&database).len(), 2, "a dry run changes nothing");

    let run = plan_json(&database, project.path(), &["rollback", "001_a"]).expect_ok();
    let shown = one_object(&run, "rollback");
    assert_eq!(shown["dry_run"], false);
    assert_eq!(shown["rolled_back"], 2);
    assert_eq!(shown["migrations"][0]["outcome"], "rolled_back");
    assert!(shown["migrations"][1]["duration_ms"].is_u64());
    assert_eq!(shown["backup"], Value::Null);
    assert!(ledger_ids(&database).is_empty());
}

#[test]
fn check_schema_prints_its_report_clean_or_with_findings() {
    let database = test_db("json_check_schema");
    let project = two_tables();
    plan(&database, project.path(), &["apply"]).expect_ok();
    let run = plan_json(&database, project.path(), &["check-schema"]).expect_ok();
    assert_eq!(one_object(&run, "check-schema")["clean"], true);
    database
        .client()
        .batch_execute("DROP TABLE b")
        .expect("drop a table");
    // Findings are the report itself, not an error object; exit 1 as in text.
    let run = plan_json(&database, project.path(), &["check-schema"]).expect_failed();
    let report = one_object(&run, "check-schema");
    assert_eq!(report["clean"], false);
    assert!(report.get("error").is_none());
}

#[test]
fn verify_prints_its_report_clean_or_with_findings() {
    let database = test_db("json_verify");
    let url = database.url();
    let project = two_tables();
    let run = plan_with_env(
        project.path(),
        &["verify", "--database-url", &url, "--format", "json"],
        &[],
    )
    .expect_ok();
    let report = one_object(&run, "verify");
    assert_eq!(report["clean"], true);
    assert_eq!(report["migrations"][0]["rollback"], "restored");
    project.write("migrations/002_b_rollback.sql", "SELECT 1;\n");
    let run = plan_with_env(
        project.path(),
        &["verify", "--database-url", &url, "--format", "json"],
        &[],
    )
    .expect_failed();
    let report = one_object(&run, "verify");
    assert_eq!(report["clean"], false);
    assert_eq!(report["migrations"][1]["rollback"], "not_restored");
}

#[test]
fn accept_reports_what_it_recorded_and_an_unchanged_migration_the_error_object() {
    let database = test_db("json_accept");
    let project = two_tables();
    plan(&database, project.path(), &["apply"]).expect_ok();
    let args = ["accept", "001_a", "--reason", "a comment"];
    let code = text_exit_code(&database, project.path(), &args);
    error_object(
        &plan_json(&database, project.path(), &args),
        "plan::accept::unchanged",
        code,
    );
    project.write(
        "migrations/001_a.sql",
        "-- a comment\nCREATE TABLE a (id int);\n",
    );
    let run = plan_json(&database, project.path(), &args).expect_ok();
    let shown = one_object(&run, "accept");
    assert_eq!(shown["migration"], "001_a");
    assert_eq!(shown["accepted"], "changed");
    assert_eq!(shown["reason"], "a comment");
    assert_eq!(shown["resume_at"], Value::Null);
}

#[test]
fn baseline_reports_what_it_records_or_would_and_missing_objects_the_error_object() {
    let database = test_db("json_baseline");
    let project = two_tables();
    let args = ["baseline", "--to", "001"];
    let code = text_exit_code(&database, project.path(), &args);
    error_object(
        &plan_json(&database, project.path(), &args),
        "plan::apply::baseline_missing",
        code,
    );
    database
        .client()
        .batch_execute("CREATE TABLE a (id int)")
        .expect("build the table by hand");
    let dry = plan_json(
        &database,
        project.path(),
        &["baseline", "--to", "001", "--dry-run"],
    )
    .expect_ok();
    let dry = one_object(&dry, "baseline");
    assert_eq!(dry["dry_run"], true);
    assert_eq!(dry["recorded"], serde_json::json!(["001_a"]));
    assert_eq!(dry["batch"], Value::Null);
    assert!(ledger_ids(&database).is_empty());
    let run = plan_json(&database, project.path(), &args).expect_ok();
    let shown = one_object(&run, "baseline");
    assert_eq!(shown["target"], "001_a");
    assert_eq!(shown["recorded"], serde_json::json!(["001_a"]));
    assert_eq!(shown["batch"], 1);
    assert_eq!(ledger_ids(&database), ["001_a"]);
}

#[test]
fn import_history_reports_the_rows_it_imports_and_a_missing_table_the_error_object() {
    let database = test_db("json_import_history");
    let project = two_tables();
    let missing = ["import-history", "--from", "no_such_table"];
    let code = text_exit_code(&database, project.path(), &missing);
    let error = error_object(
        &plan_json(&database, project.path(), &missing),
        "plan::apply::tracking_table_not_found",
        code,
    );
    assert!(error["message"].is_string());
    // As seed 000's runner leaves it: 001 applied.
    database
        .client()
        .batch_execute(
            "CREATE TABLE a (id int);
             CREATE TABLE schema_migrations (version text PRIMARY KEY, name text,
                 applied_at timestamptz, rolled_back_at timestamptz);
             INSERT INTO schema_migrations VALUES ('001', 'a', now(), NULL);",
        )
        .expect("build the other runner's table");
    let dry = plan_json(&database, project.path(), &["import-history", "--dry-run"]).expect_ok();
    let dry = one_object(&dry, "import-history");
    assert_eq!(dry["dry_run"], true);
    assert_eq!(dry["recorded"], false);
    assert_eq!(dry["table"], "public.schema_migrations");
    assert_eq!(dry["imported"][0]["id"], "001_a");
    assert_eq!(dry["not_in_table"], serde_json::json!(["002_b"]));
    let run = plan_json(&database, project.path(), &["import-history"]).expect_ok();
    let shown = one_object(&run, "import-history");
    assert_eq!(shown["recorded"], true);
    assert_eq!(ledger_ids(&database), ["001_a"]);
}

#[test]
fn new_reports_the_files_it_created_and_a_bad_name_the_error_object() {
    let project = two_tables();
    let run = plan_with_env(project.path(), &["new", "add_c", "--format", "json"], &[]).expect_ok();
    let shown = one_object(&run, "new");
    assert_eq!(shown["id"], "003_add_c");
    assert_eq!(
        shown["files"],
        serde_json::json!([
            "migrations/003_add_c.sql",
            "migrations/003_add_c_rollback.sql"
        ])
    );
    assert_eq!(shown["created_folder"], Value::Null);
    assert!(Path::new(&project.path().join("migrations/003_add_c.sql")).is_file());
    let code = plan_with_env(project.path(), &["new", "not a word"], &[]).code;
    let run = plan_with_env(
        project.path(),
        &["new", "not a word", "--format", "json"],
        &[],
    );
    error_object(&run, "plan::apply::invalid_migration_name", code);
}
