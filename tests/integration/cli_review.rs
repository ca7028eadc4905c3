//! What a review of issue 13's command line found, each pinned by a test: the help printed into
//! a pipe while stderr is a terminal, clap's usage errors as JSON, a password typed where a
//! positional argument was expected, and `-q` on commands whose output is what was asked for.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::support::project::{Run, crate_root, finish, plan_with_env};

/// `word` in single quotes for `sh`.
fn shell_quoted(word: &str) -> String {
    format!("'{}'", word.replace('\'', r"'\''"))
}

/// Runs the shell command `line` (where `PLAN` stands for the plan binary) under a
/// pseudo-terminal (util-linux `script`), colour left to `--color auto`: no NO_COLOR.
fn on_a_terminal(dir: &Path, line: &str) -> Run {
    let line = line.replace("PLAN", &shell_quoted(env!("CARGO_BIN_EXE_plan")));
    let mut command = Command::new("script");
    command
        .args(["-qec", &line, "/dev/null"])
        .current_dir(dir)
        .env("SHELL", "/bin/sh")
        .env("TERM", "xterm")
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = command
        .spawn()
        .expect("util-linux `script` runs (apt-get install bsdutils)");
    finish(child, &[line.as_str()], Duration::from_secs(60))
}

/// The one JSON object `run` printed on stdout.
#[track_caller]
fn json(run: &Run) -> serde_json::Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|error| panic!("{error}: {run:?}"))
}

#[test]
fn help_written_into_a_file_or_pipe_has_no_colour_codes_though_stderr_is_a_terminal() {
    let folder = tempfile::tempdir().expect("a temporary folder");
    let file = folder.path().join("help.txt");
    for args in ["show --help", "--help", "--version"] {
        on_a_terminal(
            folder.path(),
            &format!(
                "PLAN {args} > {}",
                shell_quoted(&file.display().to_string())
            ),
        )
        .expect_ok();
        let written = std::fs::read_to_string(&file).expect("the help was written");
        assert!(!written.is_empty(), "{args}: nothing written");
        assert!(!written.contains('\u{1b}'), "{args}: coloured: {written:?}");
    }
    // On the terminal itself the help is coloured, so the check above means something.
    let run = on_a_terminal(folder.path(), "PLAN show --help").expect_ok();
    assert!(run.stdout.contains('\u{1b}'), "{run:?}");
}

#[test]
fn a_usage_error_as_json_says_what_is_missing_not_only_the_line_before_it() {
    let run = plan_with_env(&crate_root(), &["--format", "json", "new"], &[]).expect_invalid();
    let message = json(&run)["error"]["message"].clone();
    assert_eq!(
        message, "the following required arguments were not provided: <NAME>",
        "{run:?}"
    );
}

#[test]
fn a_database_url_given_where_no_argument_is_expected_is_not_echoed_with_its_password() {
    for args in [
        vec!["status", "postgresql://app:s3cr3tPW@db.example.com/app"],
        vec!["--format", "json", "status", "host=db password=s3cr3tPW"],
        vec![
            "status",
            "--color",
            "always",
            "postgres://app:s3cr3tPW@db/app",
        ],
    ] {
        let run = plan_with_env(&crate_root(), &args, &[]).expect_invalid();
        assert!(
            !run.stdout.contains("s3cr3tPW") && !run.stderr.contains("s3cr3tPW"),
            "{run:?}"
        );
        assert!(run.stderr.contains("<redacted>"), "{run:?}");
    }
}

#[test]
fn quiet_keeps_the_output_a_command_is_run_for() {
    let dir = crate_root().display().to_string();
    for (args, starts) in [
        (vec!["completions", "bash", "-q"], "_plan()"),
        (vec!["-q", "man"], ".ie"),
        (vec!["schema", "--quiet"], "{"),
        (vec!["graph", "-q", "--dir", dir.as_str()], "digraph"),
        (
            vec!["graph", "--format", "mermaid", "-q", "--dir", dir.as_str()],
            "flowchart",
        ),
    ] {
        let run = plan_with_env(&crate_root(), &args, &[]).expect_ok();
        assert!(
            run.stdout.trim_start().starts_with(starts),
            "{args:?}: {run:?}"
        );
        assert_eq!(run.stderr, "", "{args:?}");
    }
    // Written into a folder, the pages are the product and the list of them a report.
    let folder = tempfile::tempdir().expect("a temporary folder");
    let out = folder.path().display().to_string();
    let run = plan_with_env(&crate_root(), &["man", "--out", &out, "-q"], &[]).expect_ok();
    assert_eq!((run.stdout.as_str(), run.stderr.as_str()), ("", ""));
    assert!(folder.path().join("plan-apply.1").is_file());
}

#[test]
fn quiet_and_verbose_on_either_side_of_the_subcommand_are_refused_as_on_one_side() {
    for args in [
        vec!["-q", "graph", "-v"],
        vec!["--verbose", "graph", "--quiet"],
    ] {
        let run = plan_with_env(&crate_root(), &args, &[]).expect_invalid();
        assert!(
            run.stderr
                .contains("'--quiet' cannot be used with '--verbose'"),
            "{run:?}"
        );
        assert_eq!(run.stdout, "", "{args:?}");
    }
    let run = plan_with_env(
        &crate_root(),
        &["--format", "json", "-q", "show", "-v"],
        &[],
    )
    .expect_invalid();
    assert_eq!(json(&run)["error"]["code"], "plan::cli::usage", "{run:?}");
}
