//! `plan apply --scratch --keep` (issue 13), against the real cluster it starts: the cluster
//! outlives plan (no process of plan's stays behind: the watchdog is dismissed), the printed
//! `export DATABASE_URL=…` line points `plan status`, `check-schema` and `rollback` at it, and
//! the printed stop command, run as printed, stops the server and removes its directory.
//! Without `--scratch`, `--keep` is a usage error.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::project::{Run, TestProject, plan_with_env};

/// Two migrations in a sequence, with rollbacks.
fn two_tables() -> TestProject {
    TestProject::new(&[
        ("migrations/001_a.sql", "CREATE TABLE a (id int);\n"),
        ("migrations/001_a_rollback.sql", "DROP TABLE a;\n"),
        ("migrations/002_b.sql", "CREATE TABLE b (id int);\n"),
        ("migrations/002_b_rollback.sql", "DROP TABLE b;\n"),
    ])
}

/// A cluster a test kept, as read from what `plan apply --scratch --keep` printed. Dropping it
/// runs the stop command if the directory is still there, so a failing test leaves no server.
struct Kept {
    directory: PathBuf,
    url: String,
    stop_command: String,
}

impl Kept {
    /// Reads the directory, the URL (by running the printed `export` line in `sh`, as a
    /// reader pasting it would) and the stop command from the run's stdout.
    #[track_caller]
    fn from_run(run: &Run) -> Kept {
        let line_after = |marker: &str| {
            run.stdout
                .lines()
                .find_map(|line| line.trim_start().strip_prefix(marker))
                .map(str::to_string)
                .unwrap_or_else(|| panic!("no line with {marker:?}:\n{}", run.transcript()))
        };
        let directory = line_after("the cluster keeps running (--keep): files in ");
        let directory = directory
            .split(", socket ")
            .next()
            .map(PathBuf::from)
            .expect("the directory before the socket");
        let stop_command = run
            .stdout
            .lines()
            .skip_while(|line| *line != "stop it and remove its files:")
            .nth(1)
            .map(|line| line.trim().to_string())
            .unwrap_or_else(|| panic!("no stop command:\n{}", run.transcript()));
        // Built before the URL is checked, so that a failing check still stops the server.
        let mut kept = Kept {
            directory,
            url: String::new(),
            stop_command,
        };
        let export = format!("export DATABASE_URL={}", line_after("export DATABASE_URL="));
        let url = shell(&format!("{export} && printf %s \"$DATABASE_URL\""));
        assert_eq!(url.status, 0, "the export line runs in sh");
        assert_eq!(
            url.stdout,
            line_after("DATABASE_URL: "),
            "the export line sets the URL printed"
        );
        kept.url = url.stdout;
        kept
    }
}

impl Drop for Kept {
    fn drop(&mut self) {
        if self.directory.exists() {
            let _ = shell(&self.stop_command);
        }
    }
}

struct ShellRun {
    status: i32,
    stdout: String,
}

/// Runs `line` with `sh -c`, as a reader pasting it into a shell would.
fn shell(line: &str) -> ShellRun {
    let output = Command::new("/bin/sh")
        .arg("-c")
        .arg(line)
        .output()
        .expect("sh runs");
    ShellRun {
        status: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
    }
}

/// Processes whose command line names `directory`, as (pid, name): a kept cluster's should be
/// only its postmaster (`postgres -D …`).
fn processes_naming(directory: &Path) -> Vec<(u32, String)> {
    let needle = directory.to_string_lossy().into_owned();
    let mut found = Vec::new();
    for entry in fs::read_dir("/proc").expect("/proc is readable").flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|name| name.parse().ok())
        else {
            continue;
        };
        let Ok(command_line) = fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        if !String::from_utf8_lossy(&command_line).contains(&needle) || is_zombie(pid) {
            continue;
        }
        let name = fs::read_to_string(entry.path().join("comm")).unwrap_or_default();
        found.push((pid, name.trim().to_string()));
    }
    found
}

/// Whether `pid` is gone or only waits to be reaped (its parent, once plan, may be an init
/// that reaps late).
fn is_gone(pid: u32) -> bool {
    !Path::new(&format!("/proc/{pid}")).exists() || is_zombie(pid)
}

fn is_zombie(pid: u32) -> bool {
    fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            let (_, after_name) = stat.rsplit_once(')')?;
            after_name
                .split_whitespace()
                .next()
                .map(|state| state == "Z")
        })
        .unwrap_or(false)
}

/// `plan ARGS --database-url URL` in `dir`.
fn plan_at(dir: &Path, url: &str, args: &[&str]) -> Run {
    let mut with_url = args.to_vec();
    with_url.extend(["--database-url", url]);
    plan_with_env(dir, &with_url, &[])
}

#[test]
fn issue_13_a_kept_scratch_cluster_serves_the_other_commands_until_its_stop_command_removes_it() {
    let project = two_tables();
    let applied = plan_with_env(project.path(), &["apply", "--scratch", "--keep"], &[])
        .expect_ok()
        .expect_stderr_has(&["--keep leaves it running"])
        .expect_stdout_has(&["2 applied, 0 pending"]);
    let kept = Kept::from_run(&applied);
    assert!(
        kept.url.starts_with("postgresql://postgres@:")
            && kept.url.contains("/plan_scratch?host=")
            && kept.url.contains(&*kept.directory.to_string_lossy()),
        "a socket URL for user postgres, database plan_scratch: {}",
        kept.url
    );

    // plan has exited; of what it started only the server remains.
    let remaining = processes_naming(&kept.directory);
    assert!(
        remaining.len() == 1 && remaining[0].1 == "postgres",
        "only the postmaster names the cluster's directory, no watchdog: {remaining:?}"
    );
    let postmaster = remaining[0].0;

    plan_at(project.path(), &kept.url, &["status"])
        .expect_ok()
        .expect_stdout_has(&["2 applied, 0 pending", "001_a", "002_b"]);
    plan_at(project.path(), &kept.url, &["check-schema"])
        .expect_ok()
        .expect_stdout_has(&["clean"]);
    plan_at(project.path(), &kept.url, &["rollback", "--last-batch"])
        .expect_ok()
        .expect_stdout_has(&["rolled back 2 migration(s)"]);
    plan_at(project.path(), &kept.url, &["status"])
        .expect_ok()
        .expect_stdout_has(&["0 applied, 2 pending"]);

    let stopped = shell(&kept.stop_command);
    assert_eq!(
        stopped.status, 0,
        "the printed stop command works as printed: {}",
        kept.stop_command
    );
    assert!(
        !kept.directory.exists(),
        "the stop command removed {}",
        kept.directory.display()
    );
    assert!(is_gone(postmaster), "the server (pid {postmaster}) stopped");
    assert!(processes_naming(&kept.directory).is_empty());
    plan_at(project.path(), &kept.url, &["status"])
        .expect_failed()
        .expect_stderr_has(&["plan::db::"]);
}

#[test]
fn issue_13_a_failed_apply_with_keep_still_keeps_the_cluster_to_look_at() {
    let project = TestProject::new(&[
        ("migrations/001_a.sql", "CREATE TABLE a (id int);\n"),
        (
            "migrations/002_b.sql",
            "CREATE TABLE b (id no_such_type);\n",
        ),
    ]);
    let failed = plan_with_env(project.path(), &["apply", "--scratch", "--keep"], &[])
        .expect_failed()
        .expect_stdout_has(&["stop it and remove its files:"]);
    let kept = Kept::from_run(&failed);
    plan_at(project.path(), &kept.url, &["status"])
        .expect_ok()
        .expect_stdout_has(&["1 applied, 1 pending"]);
    assert_eq!(shell(&kept.stop_command).status, 0);
    assert!(!kept.directory.exists());
}

#[test]
fn issue_13_keep_without_scratch_is_a_usage_error() {
    let project = two_tables();
    plan_with_env(project.path(), &["apply", "--keep"], &[])
        .expect_invalid()
        .expect_stderr_has(&["--scratch"]);
    // Where --scratch itself would be refused, --keep is refused too, not ignored.
    for other in [
        ["--database-url", "postgresql://nobody@/x"],
        ["--backup-dir", "backups"],
    ] {
        let mut args = vec!["apply", "--keep"];
        args.extend(other);
        plan_with_env(project.path(), &args, &[])
            .expect_invalid()
            .expect_stderr_has(&["--keep", other[0]]);
    }
}
