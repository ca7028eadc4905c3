//! How diagnostics are laid out (issue 13, "Color and layout"), seen from the `plan` binary
//! with stderr a pipe, as in CI: nothing wraps, a list of problems prints its summary first
//! and its help last, and many problems of one kind print as one block. The rules are
//! `diagnostic::render_styled`'s; its unit tests pin them on synthetic diagnostics.

use crate::support::cluster::test_db;
use crate::support::project::{Run, TestProject, ledger_ids, plan, plan_with_env};

/// The columns the migration creates and the database lacks, in the migration's order.
const MISSING: [&str; 6] = ["email", "name", "created_at", "plan", "locale", "timezone"];

/// The `Error: CODE` headings of related problems in `run`'s stderr, in order.
fn headings(run: &Run) -> Vec<&str> {
    run.stderr
        .lines()
        .filter_map(|line| line.strip_prefix("Error: "))
        .collect()
}

#[test]
fn baseline_lists_every_missing_column_in_one_block_with_the_help_last() {
    let database = test_db("layout_baseline_grouped");
    let columns: Vec<String> = MISSING
        .iter()
        .map(|column| format!("    {column} text"))
        .collect();
    let project = TestProject::new(&[(
        "migrations/001_accounts.sql",
        &format!(
            "CREATE TABLE accounts (\n    id int PRIMARY KEY,\n{}\n);\n",
            columns.join(",\n")
        ),
    )]);
    // Built by hand, but only the first column: every other one is missing.
    let mut client = database.client();
    client
        .batch_execute("CREATE TABLE accounts (id int PRIMARY KEY);")
        .expect("create the table");

    let run = plan(&database, project.path(), &["baseline", "--to", "001"]).expect_failed();

    let stderr = &run.stderr;
    assert!(
        stderr.starts_with(
            "plan::apply::baseline_missing\n\n  × cannot baseline 001_accounts: 6 objects its migrations create or need are missing from the database; nothing was recorded\n"
        ),
        "the summary first, counted, on one line:\n{}",
        run.transcript()
    );
    assert_eq!(
        headings(&run),
        ["plan::apply::baseline_missing_object"],
        "one block for the six:\n{}",
        run.transcript()
    );
    assert!(
        stderr.contains("  × 6 problems of one kind\n"),
        "{}",
        run.transcript()
    );
    let listed: Vec<&str> = stderr
        .lines()
        .filter_map(|line| line.strip_prefix("  │ - "))
        .collect();
    let expected: Vec<String> = MISSING
        .iter()
        .map(|column| format!("missing: column public.accounts.{column} (created by 001_accounts)"))
        .collect();
    assert_eq!(listed, expected, "{}", run.transcript());
    assert!(
        stderr.trim_end().ends_with(
            "help: the database is not what these migrations build: apply the missing parts (or baseline an earlier migration and let `plan apply` run the rest)"
        ),
        "the help comes last, after the problems it speaks of:\n{}",
        run.transcript()
    );
    assert_eq!(stderr.matches("help:").count(), 1, "{}", run.transcript());
    assert_eq!(ledger_ids(&database), Vec::<String>::new());
}

#[test]
fn problems_of_one_kind_in_one_file_share_one_excerpt() {
    let project = TestProject::new(&[
        ("migrations/001_a.sql", "SELECT 1;\n"),
        (
            "plan.yaml",
            "migrations:\n  001_a:\n    depends_on: [007, 008, 009]\n",
        ),
    ]);
    let dir = project.path().to_string_lossy().into_owned();
    let run = plan_with_env(project.path(), &["show", "--dir", &dir], &[]).expect_invalid();
    let stderr = &run.stderr;
    assert_eq!(
        headings(&run),
        ["plan::project::unknown_dependency"],
        "{}",
        run.transcript()
    );
    for part in [
        "  × 3 problems of one kind in plan.yaml\n",
        "  │ - migration 001_a depends on 007, which is not in migrations\n",
        "  │ - migration 001_a depends on 008, which is not in migrations\n",
        "  │ - migration 001_a depends on 009, which is not in migrations\n",
    ] {
        assert!(stderr.contains(part), "{part:?} in:\n{}", run.transcript());
    }
    assert_eq!(
        stderr.matches("╭─[").count(),
        1,
        "one excerpt carries the three labels:\n{}",
        run.transcript()
    );
    assert_eq!(
        stderr
            .matches("help: check the name, or add the missing migration")
            .count(),
        1,
        "the shared help once:\n{}",
        run.transcript()
    );
    assert!(
        stderr
            .trim_end()
            .ends_with("help: fix the problems above; nothing was run and no database was touched"),
        "{}",
        run.transcript()
    );
}

#[test]
fn a_long_path_is_never_broken_across_lines_without_a_terminal() {
    let project = TestProject::new(&[]);
    let mut long = project.path().to_path_buf();
    for _ in 0..12 {
        long.push("a_rather_long_folder_name_of_a_monorepo");
    }
    long.push("db");
    let long = long.to_string_lossy().into_owned();
    assert!(long.len() > 300, "{long}");
    let run = plan_with_env(project.path(), &["show", "--dir", &long], &[]).expect_invalid();
    assert!(
        run.stderr.lines().any(|line| line.contains(&long)),
        "the whole path on one line:\n{}",
        run.transcript()
    );
}
