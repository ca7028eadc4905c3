//! `-v`, `-vv` and `-q` against a real database (issue 13): what a verbose apply, rollback and
//! no-transaction file print on stderr (each statement's place and first line in order, the
//! server's notices next to the statement that raised them, the lock and the ledger), the whole
//! SQL at `-vv`, only warnings at the default verbosity, nothing at `-q`, and never a password.

use crate::support::cluster::{password_database, test_db};
use crate::support::project::{Run, TestProject, plan, plan_with_env};

/// Fails unless each of `lines` is a whole line of stderr, in this order (others may come
/// between them).
fn expect_lines_in_order(run: &Run, lines: &[&str]) {
    let stderr: Vec<&str> = run.stderr.lines().collect();
    let mut from = 0;
    for wanted in lines {
        match stderr[from..].iter().position(|line| line == wanted) {
            Some(found) => from += found + 1,
            None => panic!(
                "stderr lacks {wanted:?} (after line {from}, in this order):\n{}",
                run.transcript()
            ),
        }
    }
}

/// Fails if stderr has a line starting with any of `prefixes`.
fn expect_no_line_starting(run: &Run, prefixes: &[&str]) {
    for line in run.stderr.lines() {
        for prefix in prefixes {
            assert!(
                !line.starts_with(prefix),
                "unexpected {line:?}:\n{}",
                run.transcript()
            );
        }
    }
}

/// Two migrations with rollbacks: the first raises a notice from a DO block, the second drops
/// a table that does not exist (the server says it skips it) and raises a warning.
fn noticing_project() -> TestProject {
    TestProject::new(&[
        (
            "migrations/001_a.sql",
            "-- UP\nCREATE TABLE a (id int);\nDO $$\nBEGIN\n  RAISE NOTICE 'hello from 001';\nEND\n$$;\n-- DOWN\nDROP TABLE a;\n",
        ),
        (
            "migrations/002_b.sql",
            "-- depends: 001_a\n-- UP\nDROP TABLE IF EXISTS nothing_here;\nDO $$ BEGIN RAISE WARNING 'careful in 002'; END $$;\nCREATE TABLE b (\n  id int,\n  name text\n);\n-- DOWN\nDROP TABLE b;\n",
        ),
    ])
}

#[test]
fn verbose_apply_shows_statements_in_order_with_notices_the_lock_and_the_ledger() {
    let database = test_db("verbose_apply_trace");
    let project = noticing_project();
    let run = plan(&database, project.path(), &["-v", "apply"]).expect_ok();
    let stderr = run.stderr.clone();
    assert!(
        stderr.starts_with("lock: trying advisory lock `plan.migrations`"),
        "{}",
        run.transcript()
    );
    expect_lines_in_order(
        &run,
        &[
            "transaction: begin for 001_a",
            "  -> migrations/001_a.sql:2  CREATE TABLE a (id int);",
            "  -> migrations/001_a.sql:3  DO $$ ...",
            "  notice: hello from 001",
            "ledger: recorded 001_a as applied (batch 1), with its history row",
            "transaction: commit for 001_a",
            "transaction: begin for 002_b",
            "  -> migrations/002_b.sql:3  DROP TABLE IF EXISTS nothing_here;",
            "  notice: table \"nothing_here\" does not exist, skipping",
            "  -> migrations/002_b.sql:4  DO $$ BEGIN RAISE WARNING 'careful in 002'; END $$;",
            "  warning: careful in 002",
            "  -> migrations/002_b.sql:5  CREATE TABLE b ( ...",
            "ledger: recorded 002_b as applied (batch 1), with its history row",
            "transaction: commit for 002_b",
        ],
    );
    let lock = |what: &str| {
        stderr
            .lines()
            .any(|line| line.starts_with(&format!("lock: {what} advisory lock `plan.migrations`")))
    };
    assert!(lock("acquired") && lock("released"), "{}", run.transcript());
    assert!(
        stderr
            .lines()
            .last()
            .is_some_and(|line| line.starts_with("lock: released")),
        "the lock is released last: {}",
        run.transcript()
    );
    // Each statement's time follows it.
    assert!(
        stderr
            .lines()
            .any(|line| line.starts_with("     ") && line.ends_with(" ms")),
        "{}",
        run.transcript()
    );
    run.expect_stdout_has(&["applied 2 migrations in batch 1"]);
}

#[test]
fn very_verbose_apply_shows_a_multi_line_statement_whole() {
    let database = test_db("verbose_apply_whole_sql");
    let project = noticing_project();
    let run = plan(&database, project.path(), &["-vv", "apply"]).expect_ok();
    expect_lines_in_order(
        &run,
        &[
            "  -> migrations/002_b.sql:5",
            "       CREATE TABLE b (",
            "         id int,",
            "         name text",
            "       );",
        ],
    );
}

#[test]
fn verbose_rollback_shows_the_rollback_statements_and_the_ledger() {
    let database = test_db("verbose_rollback_trace");
    let project = noticing_project();
    plan(&database, project.path(), &["apply"]).expect_ok();
    let run = plan(
        &database,
        project.path(),
        &["-v", "rollback", "--last-batch"],
    )
    .expect_ok();
    expect_lines_in_order(
        &run,
        &[
            "[1/2] rolling back 002_b",
            "transaction: begin for 002_b",
            "  -> migrations/002_b.sql:10  DROP TABLE b;",
            "ledger: removed 002_b's row, with its history row",
            "transaction: commit for 002_b",
            "  -> migrations/001_a.sql:9  DROP TABLE a;",
            "ledger: removed 001_a's row, with its history row",
        ],
    );
    assert!(
        run.stderr
            .lines()
            .any(|line| line.starts_with("lock: released advisory lock")),
        "{}",
        run.transcript()
    );
}

#[test]
fn verbose_no_transaction_file_shows_each_statement_and_its_progress_record() {
    let database = test_db("verbose_no_transaction");
    let project = TestProject::new(&[
        (
            "migrations/001_index.sql",
            "-- plan: no-transaction\nCREATE TABLE t (c int);\nCREATE INDEX CONCURRENTLY t_c ON t (c);\n",
        ),
        (
            "plan.yaml",
            "migrations:\n  001_index:\n    steps:\n      - sql: INSERT INTO t VALUES (1)\n",
        ),
    ]);
    let run = plan(&database, project.path(), &["-v", "apply"]).expect_ok();
    expect_lines_in_order(
        &run,
        &[
            "  -> migrations/001_index.sql:2  CREATE TABLE t (c int);",
            "ledger: recorded 001_index's progress: statement 2 is next",
            "  -> migrations/001_index.sql:3  CREATE INDEX CONCURRENTLY t_c ON t (c);",
            "ledger: recorded 001_index's progress: statement 3 is next",
            "ledger: recorded 001_index's progress: its file is done",
            "transaction: begin for 001_index",
            "  -> plan.yaml:4  INSERT INTO t VALUES (1)",
            "ledger: recorded 001_index as applied (batch 1), with its history row",
            "transaction: commit for 001_index",
        ],
    );
}

#[test]
fn default_verbosity_shows_warnings_but_no_trace_and_quiet_shows_nothing() {
    let database = test_db("verbose_default_and_quiet");
    let project = noticing_project();
    let run = plan(&database, project.path(), &["apply", "--to", "001"]).expect_ok();
    expect_no_line_starting(
        &run,
        &["lock:", "ledger:", "transaction:", "  ->", "  notice:"],
    );
    assert!(
        !run.stderr.contains("hello from 001"),
        "{}",
        run.transcript()
    );

    let run = plan(&database, project.path(), &["apply"]).expect_ok();
    expect_lines_in_order(
        &run,
        &["warning: careful in 002 (migrations/002_b.sql:4, 002_b)"],
    );
    expect_no_line_starting(&run, &["lock:", "ledger:", "  ->", "  notice:"]);

    plan(&database, project.path(), &["rollback", "002"]).expect_ok();
    let run = plan(&database, project.path(), &["-q", "apply"]).expect_ok();
    assert_eq!(run.stderr, "", "{}", run.transcript());
}

#[test]
fn verbose_output_never_shows_the_password() {
    let password = "Vb9@hidden/Secret:57%";
    let encoded = "Vb9%40hidden%2FSecret%3A57%25";
    let role = "verbose_secret_owner";
    let url = password_database("verbose_password_never_shown", role, password);
    let with_password = url.replacen(&format!("{role}@"), &format!("{role}:{encoded}@"), 1);
    let project = noticing_project();
    for args in [
        &["-v", "apply"][..],
        &["-vv", "rollback", "--last-batch"][..],
        &["-vv", "apply"][..],
    ] {
        let run = plan_with_env(project.path(), args, &[("DATABASE_URL", &with_password)]);
        assert_eq!(run.code, 0, "{}", run.transcript());
        assert!(run.stderr.contains("  -> "), "{}", run.transcript());
        for secret in [password, encoded] {
            assert!(
                !run.stdout.contains(secret) && !run.stderr.contains(secret),
                "the password leaked:\n{}",
                run.transcript()
            );
        }
    }
}
