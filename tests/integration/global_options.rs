//! The global options (issue 13): `--dir`, `--database-url`, `--env`, `--format`, `--color`,
//! `-v` and `-q` mean the same before and after the subcommand; an option a subcommand does not
//! read is ignored with a note; a format it cannot print is refused (exit 2); a failing command
//! asked for JSON prints one JSON object with the error, and keeps its exit code; `-q` prints
//! errors only.

use crate::support::cluster::test_db;
use crate::support::project::{Run, TestProject, crate_root, plan, plan_with_env};

/// The one JSON object `run` printed on stdout.
#[track_caller]
fn json(run: &Run) -> serde_json::Value {
    let mut values = serde_json::Deserializer::from_str(&run.stdout).into_iter();
    let first: serde_json::Value = match values.next() {
        Some(Ok(value)) => value,
        other => panic!("stdout is not JSON ({other:?}): {run:?}"),
    };
    assert!(values.next().is_none(), "more than one object: {run:?}");
    first
}

/// Asserts `value` is the documented error object with `code`.
#[track_caller]
fn expect_error_object(value: &serde_json::Value, code: &str) {
    assert_eq!(value["format"], 1, "{value}");
    let error = &value["error"];
    assert_eq!(error["code"], code, "{value}");
    for key in ["message", "file", "line", "help"] {
        assert!(error.get(key).is_some(), "no {key}: {value}");
    }
    assert!(error["message"].is_string(), "{value}");
}

fn branches() -> String {
    crate_root()
        .join("tests/fixtures/branches")
        .display()
        .to_string()
}

#[test]
fn issue_13_global_options_mean_the_same_before_and_after_the_subcommand() {
    let dir = branches();
    let here = crate_root();
    for (before, after) in [
        (
            vec!["--dir", dir.as_str(), "show"],
            vec!["show", "--dir", dir.as_str()],
        ),
        (
            vec!["--format", "json", "--dir", dir.as_str(), "show"],
            vec!["show", "--dir", dir.as_str(), "--format", "json"],
        ),
        (
            vec!["--format=mermaid", "graph", "--dir", dir.as_str()],
            vec!["graph", "--dir", dir.as_str(), "--format=mermaid"],
        ),
    ] {
        let first = plan_with_env(&here, &before, &[]).expect_ok();
        let second = plan_with_env(&here, &after, &[]).expect_ok();
        assert_eq!(first.stdout, second.stdout, "{before:?} vs {after:?}");
        assert!(!first.stdout.is_empty());
    }
}

#[test]
fn issue_13_database_url_and_env_before_the_subcommand_reach_status() {
    let database = test_db("issue_13_global_before");
    let project = TestProject::new(&[("migrations/001_a.sql", "CREATE TABLE a (id int);\n")]);
    plan(&database, project.path(), &["apply"]).expect_ok();
    let url = database.url();
    let run = plan_with_env(
        project.path(),
        &["--database-url", &url, "--format", "json", "status"],
        &[],
    )
    .expect_ok();
    assert_eq!(json(&run)["counts"]["applied"], 1, "{run:?}");
}

#[test]
fn issue_13_an_option_the_subcommand_does_not_read_is_ignored_with_a_note() {
    let run = plan_with_env(
        &crate_root(),
        &["--env", "production", "graph", "--dir", &branches()],
        &[],
    )
    .expect_ok()
    .expect_stderr_has(&["note: `plan graph` does not use --env; ignored"]);
    assert!(run.stdout.starts_with("digraph"), "{run:?}");
}

#[test]
fn issue_13_a_format_the_subcommand_cannot_print_is_refused_as_json_when_json_was_asked() {
    let run = plan_with_env(
        &crate_root(),
        &["graph", "--dir", &branches(), "--format", "json"],
        &[],
    )
    .expect_invalid()
    .expect_stderr_has(&["plan::cli::unsupported_format", "dot or mermaid"]);
    expect_error_object(&json(&run), "plan::cli::unsupported_format");
    plan_with_env(
        &crate_root(),
        &["status", "--format", "dot", "--dir", &branches()],
        &[],
    )
    .expect_invalid()
    .expect_stderr_has(&["`plan status` prints text or json, not dot"]);
}

#[test]
fn issue_13_invalid_input_in_json_mode_is_one_error_object_listing_each_problem() {
    let project = TestProject::new(&[(
        "migrations/001_a.sql",
        "-- depends: 009_nope\nCREATE TABLE a (id int);\n",
    )]);
    let run = plan_with_env(project.path(), &["show", "--format", "json"], &[]).expect_invalid();
    let value = json(&run);
    expect_error_object(&value, "plan::invalid_input");
    let problem = &value["error"]["problems"][0];
    assert_eq!(
        problem["code"], "plan::project::unknown_dependency",
        "{value}"
    );
    assert_eq!(problem["file"], "migrations/001_a.sql", "{value}");
    assert_eq!(problem["line"], 1, "{value}");
    // The diagnostic still goes to stderr, for people.
    assert!(run.stderr.contains("009_nope"), "{run:?}");
}

#[test]
fn issue_13_a_usage_error_in_json_mode_is_an_error_object_too() {
    let run = plan_with_env(
        &crate_root(),
        &["--format", "json", "status", "--bogus"],
        &[],
    )
    .expect_invalid();
    expect_error_object(&json(&run), "plan::cli::usage");
}

#[test]
fn issue_13_a_failed_check_in_json_mode_prints_its_report_and_no_second_object() {
    let database = test_db("issue_13_json_findings");
    let project = TestProject::new(&[(
        "migrations/001_a.sql",
        "-- requires: table public.missing\nCREATE TABLE a (id int);\n",
    )]);
    let run = plan(
        &database,
        project.path(),
        &["check-schema", "--format", "json"],
    )
    .expect_failed();
    let value = json(&run);
    assert_eq!(value["format"], 1, "{value}");
    assert_eq!(value["clean"], false, "{value}");
}

#[test]
fn issue_13_quiet_prints_errors_only() {
    let database = test_db("issue_13_quiet");
    let project = TestProject::new(&[("migrations/001_a.sql", "CREATE TABLE a (id int);\n")]);
    let run = plan(&database, project.path(), &["-q", "apply"]).expect_ok();
    assert_eq!(
        (run.stdout.as_str(), run.stderr.as_str()),
        ("", ""),
        "{run:?}"
    );
    let run = plan(&database, project.path(), &["status", "--quiet"]).expect_ok();
    assert_eq!(
        (run.stdout.as_str(), run.stderr.as_str()),
        ("", ""),
        "{run:?}"
    );
    // JSON asked for is still printed.
    let run = plan(
        &database,
        project.path(),
        &["status", "-q", "--format", "json"],
    )
    .expect_ok();
    assert_eq!(json(&run)["counts"]["applied"], 1);
    // An error still is.
    project.write("migrations/001_a.sql", "CREATE TABLE a (id bigint);\n");
    plan(&database, project.path(), &["-q", "apply"])
        .expect_failed()
        .expect_stderr_has(&["plan::apply::modified"]);
    // -q and -v contradict each other.
    plan(&database, project.path(), &["-q", "-v", "status"]).expect_invalid();
}

#[test]
fn issue_13_color_always_never_and_the_environment_decide_the_diagnostics_colour() {
    let project = TestProject::new(&[(
        "migrations/001_a.sql",
        "-- depends: 009_nope\nCREATE TABLE a (id int);\n",
    )]);
    let coloured = |args: &[&str], env: &[(&str, &str)]| {
        let run = plan_with_env(project.path(), args, env).expect_invalid();
        run.stderr.contains('\u{1b}')
    };
    // The test harness runs without a terminal and with NO_COLOR=1; an empty NO_COLOR is unset.
    assert!(!coloured(&["show"], &[]));
    assert!(coloured(&["show", "--color", "always"], &[]));
    assert!(coloured(&["--color=always", "show"], &[]));
    assert!(!coloured(
        &["show", "--color", "never"],
        &[("CLICOLOR_FORCE", "1")]
    ));
    assert!(coloured(
        &["show"],
        &[("NO_COLOR", ""), ("CLICOLOR_FORCE", "1")]
    ));
    assert!(!coloured(
        &["show"],
        &[("NO_COLOR", ""), ("CLICOLOR_FORCE", "0")]
    ));
    assert!(!coloured(
        &["show"],
        &[("NO_COLOR", "1"), ("CLICOLOR_FORCE", "1")]
    ));
    // A usage error is clap's message, coloured the same way.
    let run = plan_with_env(
        project.path(),
        &["show", "--bogus", "--color", "always"],
        &[],
    )
    .expect_invalid();
    assert!(run.stderr.contains('\u{1b}'), "{run:?}");
}

#[test]
fn issue_13_a_valued_option_given_on_both_sides_is_refused_not_silently_overridden() {
    let dir = branches();
    let run = plan_with_env(
        &crate_root(),
        &[
            "--dir", "nowhere", "--format", "json", "show", "--dir", &dir,
        ],
        &[],
    )
    .expect_invalid()
    .expect_stderr_has(&["'--dir' was given more than once"]);
    expect_error_object(&json(&run), "plan::cli::usage");
}
