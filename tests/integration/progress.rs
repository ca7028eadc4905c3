//! What apply, rollback and verify say while they run (issue 13). In a log (stderr not a
//! terminal): a line when each migration starts, before the line when it ends. On a terminal
//! (the real binary under a pseudo-terminal, with util-linux `script`): a progress bar with the
//! count, the migration and the time elapsed, leaving only the lines that end each migration
//! and the summary. `-q`: nothing on stderr. Assertions are on content, never on timing.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use regex::Regex;

use crate::support::cluster::{TestDatabase, test_db};
use crate::support::project::{Run, TestProject, finish, plan, without_connection_variables};

/// Two migrations, each taking half a second to apply, each with a rollback.
fn slow_project() -> TestProject {
    TestProject::new(&[
        (
            "migrations/001_first.sql",
            "-- depends: none\n-- UP\nSELECT pg_sleep(0.5);\nCREATE TABLE first (id int);\n\
             -- DOWN\nDROP TABLE first;\n",
        ),
        (
            "migrations/002_second.sql",
            "-- depends: 001\n-- UP\nSELECT pg_sleep(0.5);\nCREATE TABLE second (id int);\n\
             -- DOWN\nDROP TABLE second;\n",
        ),
    ])
}

/// `text` with every duration in milliseconds written `[n] ms`.
fn without_durations(text: &str) -> String {
    Regex::new(r"\d+ ms")
        .expect("a valid pattern")
        .replace_all(text, "[n] ms")
        .into_owned()
}

/// Asserts that `run`'s stderr, durations aside, is `expect`.
#[track_caller]
fn assert_stderr(run: &Run, expect: &str) {
    assert_eq!(
        without_durations(&run.stderr),
        expect,
        "{}",
        run.transcript()
    );
}

#[test]
fn off_a_terminal_each_migration_is_said_to_start_before_it_ends() {
    let database = test_db("progress_log_lines");
    let project = slow_project();

    let run = plan(&database, project.path(), &["apply"]).expect_ok();
    assert_stderr(
        &run,
        "[1/2] applying 001_first\n[1/2] 001_first applied in [n] ms\n\
         [2/2] applying 002_second\n[2/2] 002_second applied in [n] ms\n",
    );

    let run = plan(&database, project.path(), &["rollback", "001"]).expect_ok();
    assert_stderr(
        &run,
        "[1/2] rolling back 002_second\n[1/2] 002_second rolled back in [n] ms\n\
         [2/2] rolling back 001_first\n[2/2] 001_first rolled back in [n] ms\n",
    );

    // With --database-url (added by `plan`), on a temporary database of the test cluster.
    let run = plan(&database, project.path(), &["verify"]).expect_ok();
    let stderr = without_durations(&run.stderr);
    let lines: Vec<&str> = stderr.lines().skip(1).collect();
    assert!(
        stderr.starts_with("verifying 2 migration(s) on the temporary database "),
        "{}",
        run.transcript()
    );
    assert_eq!(
        lines,
        [
            "[1/2] applying 001_first",
            "[1/2] 001_first applied in [n] ms",
            "[2/2] applying 002_second",
            "[2/2] 002_second applied in [n] ms",
            "[1/2] rolling back 002_second",
            "[1/2] 002_second rolled back in [n] ms: schema restored",
            "[2/2] rolling back 001_first",
            "[2/2] 001_first rolled back in [n] ms: schema restored",
            "applying everything again",
            "applied everything again",
        ],
        "{}",
        run.transcript()
    );
}

#[test]
fn quiet_runs_leave_stderr_empty() {
    let database = test_db("progress_quiet");
    let project = slow_project();
    for args in [
        &["apply", "-q"][..],
        &["rollback", "001", "-q"],
        &["verify", "-q"],
    ] {
        let run = plan(&database, project.path(), args).expect_ok();
        assert_eq!(run.stderr, "", "{}", run.transcript());
    }
}

#[test]
fn on_a_terminal_a_bar_shows_the_count_the_migration_and_the_time_and_leaves_tidy_lines() {
    let database = test_db("progress_terminal_bar");
    let project = slow_project();

    let output = on_a_terminal(&database, project.path(), &["apply"]);
    assert_bar(
        &output,
        &[
            "[1/2]",
            "[2/2]",
            "applying 001_first",
            "applying 002_second",
        ],
    );
    assert_eq!(
        final_screen(&output),
        [
            "[1/2] 001_first applied in [n] ms",
            "[2/2] 002_second applied in [n] ms",
            "applied 2 migrations in batch 1 ([n] ms)",
        ],
        "{output:?}"
    );

    let output = on_a_terminal(&database, project.path(), &["rollback", "001"]);
    assert_bar(&output, &["[1/2]", "rolling back 002_second"]);
    assert_eq!(
        final_screen(&output),
        [
            "[1/2] 002_second rolled back in [n] ms",
            "[2/2] 001_first rolled back in [n] ms",
            "rolled back 2 migration(s): 002_second, 001_first",
        ],
        "{output:?}"
    );
}

#[test]
fn on_a_terminal_a_batch_step_shows_in_the_bar_and_leaves_no_line() {
    let database = test_db("progress_terminal_batch");
    let project = TestProject::new(&[
        (
            "migrations/001_items.sql",
            "CREATE TABLE items (id int, done boolean NOT NULL DEFAULT false);\n\
             INSERT INTO items (id) SELECT generate_series(1, 3);\n",
        ),
        (
            "plan.yaml",
            "migrations:\n  001_items:\n    steps:\n      - batch: UPDATE items SET done = true \
             WHERE id = (SELECT min(id) FROM items WHERE NOT done)\n",
        ),
    ]);
    let output = on_a_terminal(&database, project.path(), &["apply"]);
    // The bar is drawn again after the line that ends the migration, with the last message.
    assert_bar(&output, &["[1/1]", "001_items: batch step: "]);
    assert_eq!(
        final_screen(&output),
        [
            "[1/1] 001_items applied in [n] ms",
            "applied 1 migration in batch 1 ([n] ms)",
        ],
        "{output:?}"
    );
}

#[test]
fn on_a_terminal_the_migration_that_fails_is_left_as_its_start_line_above_the_error() {
    let database = test_db("progress_terminal_failure");
    let project = slow_project();
    project.write(
        "migrations/002_second.sql",
        "-- depends: 001\n-- UP\nSELECT pg_sleep(0.5);\nSELECT * FROM no_such_table;\n",
    );
    let output = run_on_a_terminal(&database, project.path(), &["apply"])
        .expect_failed()
        .stdout;
    assert_bar(&output, &["applying 002_second"]);
    let screen = final_screen(&output);
    assert_eq!(
        screen[..3],
        [
            "[1/2] 001_first applied in [n] ms",
            "[2/2] applying 002_second",
            "plan::apply::migration_failed",
        ],
        "{output:?}"
    );
}

#[test]
fn on_a_terminal_with_verbose_output_lines_instead_of_a_bar() {
    let database = test_db("progress_terminal_verbose");
    let project = slow_project();
    let output = on_a_terminal(&database, project.path(), &["apply", "-v"]);
    assert!(!output.contains("(eta "), "{output:?}");
    let screen = final_screen(&output);
    for line in [
        "[1/2] applying 001_first",
        "[1/2] 001_first applied in [n] ms",
        "[2/2] applying 002_second",
        "[2/2] 002_second applied in [n] ms",
    ] {
        assert!(
            screen.iter().any(|shown| shown == line),
            "{line}: {screen:?}"
        );
    }
}

/// Asserts that `output` drew the bar: its estimate, an elapsed time and `parts`.
#[track_caller]
/// Issue 17: a fleet run on a terminal shows a live table of the targets running (target,
/// elapsed, what it does), and leaves one line per target saying how it ended, then the report.
#[test]
fn on_a_terminal_a_fleet_run_shows_a_live_table_and_leaves_each_targets_outcome() {
    let first = test_db("progress_fleet_first");
    let second = test_db("progress_fleet_second");
    let project = slow_project();
    project.write(
        "targets.txt",
        &format!("{}\n{}\n", first.url(), second.url()),
    );
    let run = run_words_on_a_terminal(
        project.path(),
        &["apply", "--targets", "targets.txt", "--parallel", "2"],
    )
    .expect_ok();
    let output = run.stdout;
    // A row per running target (cut to the pseudo-terminal's width), then a line per target
    // as it ends, then the report.
    assert!(output.contains("applying 001_f"), "no live row: {output:?}");
    for database in ["progress_fleet_first", "progress_fleet_second"] {
        assert!(
            output.contains(&format!("{database}: applied (")),
            "no line saying how {database} ended: {output:?}"
        );
    }
    assert!(
        output.contains("2 targets: 2 applied"),
        "no report: {output:?}"
    );
}

fn assert_bar(output: &str, parts: &[&str]) {
    assert!(output.contains("(eta "), "no bar drawn: {output:?}");
    assert!(
        Regex::new(r"\d\d:\d\d:\d\d")
            .expect("a valid pattern")
            .is_match(output),
        "no elapsed time: {output:?}"
    );
    for part in parts {
        assert!(output.contains(part), "{part} not shown: {output:?}");
    }
}

/// Runs `plan ARGS --database-url URL` in `dir` under a pseudo-terminal (util-linux `script`,
/// with its input empty), and returns the run: its stdout is what the terminal received, stdout
/// and stderr together, with the bar's escape sequences.
fn run_on_a_terminal(database: &TestDatabase, dir: &Path, args: &[&str]) -> Run {
    let url = database.url();
    let with_url: Vec<&str> = args
        .iter()
        .copied()
        .chain(["--database-url", url.as_str()])
        .collect();
    run_words_on_a_terminal(dir, &with_url)
}

/// Runs `plan ARGS` in `dir` under a pseudo-terminal, as [`run_on_a_terminal`] does, with no
/// database added (a fleet run names its own).
fn run_words_on_a_terminal(dir: &Path, args: &[&str]) -> Run {
    let words: Vec<String> = [env!("CARGO_BIN_EXE_plan")]
        .iter()
        .chain(args)
        .map(|word| shell_quoted(word))
        .collect();
    let mut command = Command::new("script");
    command
        .args(["-qec", &words.join(" "), "/dev/null"])
        .current_dir(dir)
        .env("SHELL", "/bin/sh")
        .env("TERM", "xterm")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    without_connection_variables(&mut command);
    let child = command
        .spawn()
        .expect("util-linux `script` runs (apt-get install bsdutils)");
    finish(child, args, Duration::from_secs(60))
}

/// What the terminal received from a successful `plan ARGS` ([`run_on_a_terminal`]).
fn on_a_terminal(database: &TestDatabase, dir: &Path, args: &[&str]) -> String {
    run_on_a_terminal(database, dir, args).expect_ok().stdout
}

/// `word` in single quotes for `sh`.
fn shell_quoted(word: &str) -> String {
    format!("'{}'", word.replace('\'', r"'\''"))
}

/// The lines left on a terminal that received `output`, durations aside, without blank lines:
/// a small terminal that knows what the bar writes (carriage return, new line, cursor up and
/// down, erase line and below) and ignores other escape sequences.
fn final_screen(output: &str) -> Vec<String> {
    let mut lines: Vec<Vec<char>> = vec![Vec::new()];
    let (mut row, mut column) = (0usize, 0usize);
    let mut chars = output.chars().peekable();
    while let Some(char) = chars.next() {
        match char {
            '\r' => column = 0,
            '\n' => {
                row += 1;
                if lines.len() <= row {
                    lines.push(Vec::new());
                }
            }
            '\x1b' if chars.peek() == Some(&'[') => {
                chars.next();
                let mut parameter = String::new();
                let mut command = ' ';
                for next in chars.by_ref() {
                    if next.is_ascii_alphabetic() {
                        command = next;
                        break;
                    }
                    parameter.push(next);
                }
                let count: usize = parameter.parse().unwrap_or(1).max(1);
                match (command, parameter.as_str()) {
                    ('A', _) => row = row.saturating_sub(count),
                    ('B', _) => {
                        row += count;
                        while lines.len() <= row {
                            lines.push(Vec::new());
                        }
                    }
                    ('K', "2") => lines[row].clear(),
                    ('K', "" | "0") => lines[row].truncate(column),
                    ('J', "" | "0") => {
                        lines[row].truncate(column);
                        lines.truncate(row + 1);
                    }
                    _ => {}
                }
            }
            '\x1b' => {}
            char if char.is_control() => {}
            char => {
                let line = &mut lines[row];
                while line.len() < column {
                    line.push(' ');
                }
                if column < line.len() {
                    line[column] = char;
                } else {
                    line.push(char);
                }
                column += 1;
            }
        }
    }
    lines
        .iter()
        .map(|line| without_durations(line.iter().collect::<String>().trim_end()))
        .filter(|line| !line.is_empty())
        .collect()
}
