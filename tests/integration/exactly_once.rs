//! Exactly once, in a clean session (issue 11): what identifies a migration and its progress,
//! what one migration's session leaves to the next, and the transaction plan proves is its own.
//! Each test is a finding of the issue, reproduced against a real database.

use std::time::Duration;

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use crate::support::cluster::{TestDatabase, test_db};
use crate::support::project::{TestProject, finish, history, ledger, plan, spawn_plan};

fn query_i64(database: &TestDatabase, sql: &str) -> i64 {
    database
        .client()
        .query_one(sql, &[])
        .unwrap_or_else(|error| panic!("{sql}: {error}"))
        .get(0)
}

fn query_text(database: &TestDatabase, sql: &str) -> Option<String> {
    database
        .client()
        .query_one(sql, &[])
        .unwrap_or_else(|error| panic!("{sql}: {error}"))
        .get(0)
}

fn states(database: &TestDatabase) -> Vec<(String, String)> {
    ledger(database)
        .into_iter()
        .map(|line| (line.id, line.state))
        .collect()
}

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected
        .iter()
        .map(|(id, state)| (id.to_string(), state.to_string()))
        .collect()
}

/// Finding 2: `SET search_path`, `SET ROLE`, `session_replication_role` and custom settings
/// of one migration must not reach the next one of the same run.
#[test]
fn issue_11_session_state_does_not_leak_into_the_next_migration() {
    let database = test_db("issue_11_session_state");
    let project = TestProject::new(&[
        (
            "migrations/001_leaky.sql",
            "CREATE SCHEMA other;\n\
             CREATE ROLE issue_11_session_role;\n\
             GRANT CREATE, USAGE ON SCHEMA other, public TO issue_11_session_role;\n\
             SET search_path TO other;\n\
             SET session_replication_role = replica;\n\
             SET plan_test.marker = 'leaked';\n\
             SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL SERIALIZABLE;\n\
             CREATE TEMP TABLE leaked_temp (id int);\n\
             PREPARE leaked_plan AS SELECT 1;\n\
             LISTEN leaked_channel;\n\
             DECLARE leaked_cursor CURSOR WITH HOLD FOR SELECT 1;\n\
             SET ROLE issue_11_session_role;\n",
        ),
        (
            "migrations/002_clean.sql",
            "CREATE TABLE parent (id int PRIMARY KEY);\n\
             CREATE TABLE child (parent_id int REFERENCES parent (id));\n\
             CREATE TABLE settings_seen AS SELECT\n\
                 current_setting('search_path') AS search_path,\n\
                 current_setting('session_replication_role') AS replication_role,\n\
                 coalesce(current_setting('plan_test.marker', true), '') AS marker,\n\
                 current_user::text AS role,\n\
                 current_setting('transaction_isolation') AS isolation,\n\
                 (SELECT count(*) FROM pg_class WHERE relnamespace = pg_my_temp_schema())\n\
                   + (SELECT count(*) FROM pg_prepared_statements\n\
                      WHERE from_sql AND name NOT LIKE 'plan\\_ledger\\_write\\_%'\n\
                        AND name NOT LIKE 'plan\\_begin\\_%')\n\
                   + (SELECT count(*) FROM pg_listening_channels())\n\
                   + (SELECT count(*) FROM pg_cursors) AS leftovers;\n",
        ),
        (
            "migrations/003_orphan.sql",
            "INSERT INTO child VALUES (42);\n",
        ),
    ]);
    // 003 breaks the foreign key: with session_replication_role = replica leaking from 001,
    // PostgreSQL would not check it.
    plan(&database, project.path(), &["apply"])
        .expect_failed()
        .expect_stderr_has(&["migration 003_orphan failed", "foreign key"]);
    let seen = database
        .client()
        .query_one(
            "SELECT search_path, replication_role, marker, role, current_user::text, isolation, leftovers::text FROM public.settings_seen",
            &[],
        )
        .expect("002 created its table in public, not in the schema 001 set");
    let values: Vec<String> = (0..7).map(|index| seen.get(index)).collect();
    assert_eq!(values[0], "\"$user\", public");
    assert_eq!(values[1], "origin");
    assert_eq!(values[2], "");
    assert_eq!(values[3], values[4], "002 ran as the connecting role");
    assert_eq!(values[5], "read committed");
    assert_eq!(
        values[6], "0",
        "temporary table, prepared statement, LISTEN or cursor left"
    );
    assert_eq!(
        query_i64(
            &database,
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'other'"
        ),
        0
    );
    assert_eq!(
        states(&database),
        pairs(&[("001_leaky", "applied"), ("002_clean", "applied")])
    );
}

/// Finding 2, after work that is not a transaction: a no-transaction file that leaves its
/// session read-only (`default_transaction_read_only`, which shapes the next `BEGIN`) and in
/// another schema does not pass either on.
#[test]
fn issue_11_a_no_transaction_file_leaves_nothing_to_the_next_migration() {
    let database = test_db("issue_11_session_after_outside");
    let project = TestProject::new(&[
        (
            "migrations/001_outside.sql",
            "-- plan: no-transaction\nCREATE SCHEMA other;\nCREATE TABLE t (id int);\nCREATE INDEX CONCURRENTLY t_id ON t (id);\nSET search_path TO other;\nSET default_transaction_read_only = on;\n",
        ),
        (
            "migrations/002_writes.sql",
            "CREATE TABLE written (id int);\n",
        ),
    ]);
    plan(&database, project.path(), &["apply"]).expect_ok();
    assert_eq!(
        query_i64(
            &database,
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename = 'written'"
        ),
        1
    );
    assert_eq!(
        states(&database),
        pairs(&[("001_outside", "applied"), ("002_writes", "applied")])
    );
}

/// Finding 3: a step added before the failed one of a partly applied migration runs once,
/// and nothing done runs again; an edit to what already ran stops the resume.
#[test]
fn issue_11_edited_steps_of_a_partial_migration_never_repeat_committed_work() {
    let database = test_db("issue_11_edited_steps");
    let steps = |before: &str, between: &str| {
        format!(
            "migrations:\n  001_x:\n    steps:\n{before}      - sql: INSERT INTO t VALUES (1)\n{between}      - command: [sh, -c, \"test -f go\"]\n"
        )
    };
    let project = TestProject::new(&[
        (
            "migrations/001_x.sql",
            "CREATE TABLE t (id int);\nINSERT INTO t VALUES (0);\n",
        ),
        ("plan.yaml", &steps("", "")),
    ]);
    plan(&database, project.path(), &["apply"])
        .expect_failed()
        .expect_stderr_has(&["exited with"]);
    assert_eq!(states(&database), pairs(&[("001_x", "partial")]));

    // A step inserted before what ran: the completed part is no longer what the project says.
    project.write(
        "plan.yaml",
        &steps("      - sql: INSERT INTO t VALUES (9)\n", ""),
    );
    plan(&database, project.path(), &["apply"])
        .expect_failed()
        .expect_stderr_has(&[
            "plan::apply::changed_before_resume",
            "001_x is partly applied",
        ]);
    assert_eq!(query_i64(&database, "SELECT count(*) FROM t"), 2);

    // A step inserted after what ran, before the failed command: it runs, once, and the file
    // and the first step do not run again.
    project.write(
        "plan.yaml",
        &steps("", "      - sql: INSERT INTO t VALUES (2)\n"),
    );
    project.write("go", "");
    plan(&database, project.path(), &["apply"]).expect_ok();
    assert_eq!(states(&database), pairs(&[("001_x", "applied")]));
    assert_eq!(
        query_text(
            &database,
            "SELECT string_agg(id::text, ',' ORDER BY id) FROM t"
        ),
        Some("0,1,2".to_string())
    );
}

/// Finding 3, the other half: a plan.yaml edit of an applied migration is a change.
#[test]
fn issue_11_editing_the_plan_yaml_entry_of_an_applied_migration_is_a_change() {
    let database = test_db("issue_11_applied_entry_edit");
    let project = TestProject::new(&[
        ("migrations/001_x.sql", "CREATE TABLE t (id int);\n"),
        (
            "plan.yaml",
            "migrations:\n  001_x:\n    steps:\n      - sql: INSERT INTO t VALUES (1)\n",
        ),
    ]);
    plan(&database, project.path(), &["apply"]).expect_ok();
    project.write(
        "plan.yaml",
        "migrations:\n  001_x:\n    steps:\n      - sql: INSERT INTO t VALUES (2)\n",
    );
    plan(&database, project.path(), &["apply"])
        .expect_failed()
        .expect_stderr_has(&["plan::apply::modified", "001_x"]);
}

/// Finding 4: `accept` of a partly applied migration needs a resume point; an empty reason and
/// an unchanged migration are refused.
#[test]
fn issue_11_accept_of_a_partial_migration_needs_a_resume_point() {
    let database = test_db("issue_11_accept_partial");
    let project = TestProject::new(&[(
        "migrations/001_x.sql",
        "-- plan: no-transaction\nCREATE TABLE t (id int);\nINSERT INTO t VALUES (1);\nCREATE INDEX CONCURRENTLY t_id ON missing (id);\n",
    )]);
    plan(&database, project.path(), &["apply"]).expect_failed();
    assert_eq!(states(&database), pairs(&[("001_x", "partial")]));

    // The file is edited above the failed statement: a resume would skip the new CREATE TABLE
    // and run the INSERT again.
    project.write(
        "migrations/001_x.sql",
        "-- plan: no-transaction\nCREATE TABLE t (id int);\nCREATE TABLE u (id int);\nINSERT INTO t VALUES (1);\nCREATE INDEX CONCURRENTLY t_id ON t (id);\n",
    );
    plan(&database, project.path(), &["apply"])
        .expect_failed()
        .expect_stderr_has(&["plan::apply::changed_before_resume"]);
    plan(
        &database,
        project.path(),
        &["accept", "001_x", "--reason", "fixed"],
    )
    .expect_invalid()
    .expect_stderr_has(&["plan::accept::resume_point_needed", "--resume-at"]);
    plan(
        &database,
        project.path(),
        &[
            "accept",
            "001_x",
            "--reason",
            " ",
            "--resume-at",
            "statement:4",
        ],
    )
    .expect_invalid()
    .expect_stderr_has(&["plan::accept::empty_reason"]);
    plan(
        &database,
        project.path(),
        &[
            "accept",
            "001_x",
            "--reason",
            "x",
            "--resume-at",
            "statement:9",
        ],
    )
    .expect_invalid()
    .expect_stderr_has(&["plan::accept::bad_resume_point"]);

    // The operator creates u by hand and says the file goes on at its fourth statement.
    database
        .client()
        .batch_execute("CREATE TABLE u (id int)")
        .expect("create u");
    plan(
        &database,
        project.path(),
        &[
            "accept",
            "001_x",
            "--reason",
            "u created by hand",
            "--resume-at",
            "statement:4",
        ],
    )
    .expect_ok();
    plan(&database, project.path(), &["apply"]).expect_ok();
    assert_eq!(query_i64(&database, "SELECT count(*) FROM t"), 1);
    assert_eq!(
        query_i64(
            &database,
            "SELECT count(*) FROM pg_index WHERE indexrelid = 'public.t_id'::regclass AND indisvalid"
        ),
        1
    );
    assert!(
        history(&database).iter().any(|line| line.action == "accept"
            && line
                .detail
                .as_deref()
                .is_some_and(|detail| detail.contains("statement:4"))),
        "{:?}",
        history(&database)
    );

    // Applied and unchanged: nothing to accept.
    plan(
        &database,
        project.path(),
        &["accept", "001_x", "--reason", "again"],
    )
    .expect_failed()
    .expect_stderr_has(&["plan::accept::unchanged"]);
}

/// Finding 6: a renamed applied file is not applied again; a missing one stops apply.
#[test]
fn issue_11_a_renamed_applied_file_is_not_applied_again() {
    let database = test_db("issue_11_renamed");
    let insert = "CREATE TABLE t (id int);\nINSERT INTO t VALUES (1);\n";
    let project = TestProject::new(&[("migrations/001_first.sql", insert)]);
    plan(&database, project.path(), &["apply"]).expect_ok();
    std::fs::rename(
        project.path().join("migrations/001_first.sql"),
        project.path().join("migrations/001_create_t.sql"),
    )
    .expect("rename the file");
    plan(&database, project.path(), &["apply"])
        .expect_failed()
        .expect_stderr_has(&[
            "plan::apply::renamed",
            "001_create_t (was 001_first)",
            "--renamed",
        ]);
    plan(
        &database,
        project.path(),
        &[
            "accept",
            "--renamed",
            "001_first",
            "001_create_t",
            "--reason",
            "clearer name",
        ],
    )
    .expect_ok();
    plan(&database, project.path(), &["apply"]).expect_ok();
    assert_eq!(query_i64(&database, "SELECT count(*) FROM t"), 1);
    assert_eq!(states(&database), pairs(&[("001_create_t", "applied")]));

    // A deleted file (no rename) stops apply, unless allowed.
    project.write("migrations/002_more.sql", "INSERT INTO t VALUES (2);\n");
    std::fs::remove_file(project.path().join("migrations/001_create_t.sql")).expect("delete");
    plan(&database, project.path(), &["apply"])
        .expect_failed()
        .expect_stderr_has(&["plan::apply::missing_file", "001_create_t"]);
    plan(&database, project.path(), &["apply", "--allow-missing"]).expect_ok();
    assert_eq!(query_i64(&database, "SELECT count(*) FROM t"), 2);
}

/// Finding 7: the modes of a file's own wrapping `BEGIN` are honoured; `READ ONLY` is refused.
#[test]
fn issue_11_modes_on_the_wrapping_begin_are_honoured() {
    let database = test_db("issue_11_begin_modes");
    let project = TestProject::new(&[(
        "migrations/001_serializable.sql",
        "BEGIN ISOLATION LEVEL SERIALIZABLE;\nCREATE TABLE seen AS SELECT current_setting('transaction_isolation') AS level;\nCOMMIT;\n",
    )]);
    plan(&database, project.path(), &["apply"]).expect_ok();
    assert_eq!(
        query_text(&database, "SELECT level FROM seen"),
        Some("serializable".to_string())
    );

    // psql's other spelling: BEGIN, then SET TRANSACTION before anything else.
    project.write(
        "migrations/002_set_transaction.sql",
        "BEGIN;\nSET TRANSACTION ISOLATION LEVEL REPEATABLE READ;\nCREATE TABLE seen_too AS SELECT current_setting('transaction_isolation') AS level;\nCOMMIT;\n",
    );
    plan(&database, project.path(), &["apply"]).expect_ok();
    assert_eq!(
        query_text(&database, "SELECT level FROM seen_too"),
        Some("repeatable read".to_string())
    );

    project.write(
        "migrations/003_read_only.sql",
        "BEGIN;\nSET TRANSACTION READ ONLY;\nCREATE TABLE written (id int);\nCOMMIT;\n",
    );
    plan(&database, project.path(), &["apply"])
        .expect_invalid()
        .expect_stderr_has(&["plan::apply::read_only_transaction"]);
    std::fs::remove_file(project.path().join("migrations/003_read_only.sql")).expect("remove 003");
    project.write(
        "migrations/003_read_only.sql",
        "BEGIN READ ONLY;\nCREATE TABLE written (id int);\nCOMMIT;\n",
    );
    plan(&database, project.path(), &["apply"])
        .expect_invalid()
        .expect_stderr_has(&["plan::apply::read_only_transaction"]);
    assert_eq!(
        query_i64(
            &database,
            "SELECT count(*) FROM pg_tables WHERE tablename = 'written'"
        ),
        0
    );
}

/// Finding 10 and the kill loop: a no-transaction file of 3,000 INSERTs and a concurrent
/// index build, SIGKILLed at random points at least ten times, ends with every row once.
#[test]
fn issue_11_a_no_transaction_file_killed_repeatedly_inserts_every_row_exactly_once() {
    let database = test_db("issue_11_kill_loop");
    let mut sql = String::from("-- plan: no-transaction\nCREATE TABLE k (id int);\n");
    for id in 1..=3000 {
        sql.push_str(&format!("INSERT INTO k VALUES ({id});\n"));
    }
    sql.push_str("CREATE INDEX CONCURRENTLY IF NOT EXISTS k_id ON k (id);\n");
    let project = TestProject::new(&[("migrations/001_rows.sql", &sql)]);

    // A small deterministic generator, seeded from the clock and printed, so a failure can be
    // replayed by fixing the seed.
    let mut seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |since| since.as_nanos() as u64)
        | 1;
    eprintln!("kill loop seed: {seed}");
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    // Runs are killed until one gets to the end by itself, so the kills land all through the
    // file, the concurrent index build included, each resuming where the last one stopped.
    // Each kill waits for the run to commit a random number more rows (seen from another
    // session), not for a time: how long a run takes to start and connect depends on the
    // machine's load, and a timed kill either lands before the run did anything or after it
    // finished.
    let mut watcher = database.client();
    let mut committed_rows = move || -> i64 {
        let exists: bool = watcher
            .query_one("SELECT to_regclass('public.k') IS NOT NULL", &[])
            .expect("look for the table")
            .get(0);
        if !exists {
            return -1;
        }
        watcher
            .query_one("SELECT count(*) FROM k", &[])
            .expect("count the committed rows")
            .get(0)
    };
    let mut kills = 0;
    let mut kills_after_the_rows = 0;
    let mut runs = 0;
    let mut rows_at_kills = Vec::new();
    let mut finished = false;
    while !finished && runs < 200 {
        runs += 1;
        let before = committed_rows().max(0);
        let mut child = spawn_plan(&database, project.path(), &["apply"]);
        let pid = Pid::from_raw(i32::try_from(child.id()).expect("pids fit in i32"));
        let target = (before + 1 + (next() % 400) as i64).min(3000);
        let started = std::time::Instant::now();
        while committed_rows() < target
            && started.elapsed() < Duration::from_secs(30)
            && matches!(child.try_wait(), Ok(None))
        {
            std::thread::sleep(Duration::from_millis(2));
        }
        if target == 3000 {
            // Every row is in: land somewhere in the index build or the ledger's last write, a
            // few times, then let a run finish (however slow the machine makes the build).
            kills_after_the_rows += 1;
            std::thread::sleep(Duration::from_millis(next() % 40));
        }
        if kills_after_the_rows <= 5 {
            let _ = kill(pid, Signal::SIGKILL);
        }
        let run = finish(child, &["apply"], Duration::from_secs(30));
        match run.code {
            -1 => {
                kills += 1;
                let exists = query_i64(
                    &database,
                    "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename = 'k'",
                );
                rows_at_kills.push(if exists == 1 {
                    query_i64(&database, "SELECT count(*) FROM k")
                } else {
                    -1
                });
            }
            0 => finished = true,
            _ => panic!(
                "a run failed rather than being killed:\n{}",
                run.transcript()
            ),
        }
    }
    eprintln!("{kills} kills in {runs} runs; rows when each kill landed: {rows_at_kills:?}");
    assert!(finished, "no run finished in {runs} runs");
    assert!(kills >= 10, "only {kills} kills landed in {runs} runs");
    rows_at_kills.dedup();
    assert!(
        rows_at_kills.len() >= 5,
        "the kills should land at different points: {rows_at_kills:?}"
    );
    plan(&database, project.path(), &["apply"]).expect_ok();
    let rows = query_i64(&database, "SELECT count(*) FROM k");
    let distinct = query_i64(&database, "SELECT count(DISTINCT id) FROM k");
    assert_eq!((rows, distinct), (3000, 3000), "after {kills} kills");
    assert_eq!(
        query_i64(
            &database,
            "SELECT count(*) FROM pg_index WHERE indexrelid = 'public.k_id'::regclass AND indisvalid"
        ),
        1
    );
    assert_eq!(states(&database), pairs(&[("001_rows", "applied")]));
}

/// Finding 14: a batch step that never reaches zero rows stops at `max_batches`.
#[test]
fn issue_11_a_batch_that_never_reaches_zero_rows_stops_at_max_batches() {
    let database = test_db("issue_11_runaway_batch");
    for commit in ["transaction", "each"] {
        let project = TestProject::new(&[
            (
                "migrations/001_x.sql",
                "CREATE TABLE IF NOT EXISTS counter (n int);\nINSERT INTO counter SELECT 0 WHERE NOT EXISTS (SELECT FROM counter);\n",
            ),
            (
                "plan.yaml",
                &format!(
                    "migrations:\n  001_x:\n    steps:\n      - batch: UPDATE counter SET n = n + 1\n        commit: {commit}\n        max_batches: 5\n"
                ),
            ),
        ]);
        plan(&database, project.path(), &["apply"])
            .expect_failed()
            .expect_stderr_has(&["ran 5 batches", "max_batches"]);
    }
}

/// Finding 15: in a sequence, a migration numbered below an applied one is out of order.
#[test]
fn issue_11_a_late_migration_numbered_below_an_applied_one_is_refused() {
    let database = test_db("issue_11_out_of_order");
    let project = TestProject::new(&[
        ("migrations/001_a.sql", "CREATE TABLE a (id int);\n"),
        ("migrations/003_c.sql", "CREATE TABLE c (id int);\n"),
    ]);
    plan(&database, project.path(), &["apply"]).expect_ok();
    project.write("migrations/002_b.sql", "CREATE TABLE b (id int);\n");
    plan(&database, project.path(), &["apply"])
        .expect_failed()
        .expect_stderr_has(&["plan::apply::out_of_order", "002_b (before applied 003_c)"]);
    plan(
        &database,
        project.path(),
        &["apply", "--allow-out-of-order"],
    )
    .expect_ok();
    assert_eq!(
        states(&database),
        pairs(&[
            ("001_a", "applied"),
            ("002_b", "applied"),
            ("003_c", "applied")
        ])
    );
}

/// Finding 15: a migration cannot TRUNCATE plan's ledger or history.
#[test]
fn issue_11_a_migration_cannot_truncate_the_ledger() {
    let database = test_db("issue_11_truncate");
    let project = TestProject::new(&[("migrations/001_a.sql", "CREATE TABLE a (id int);\n")]);
    plan(&database, project.path(), &["apply"]).expect_ok();
    for table in ["plan.migrations_history", "plan.migrations"] {
        project.write("migrations/002_wipe.sql", &format!("TRUNCATE {table};\n"));
        plan(&database, project.path(), &["apply"])
            .expect_failed()
            .expect_stderr_has(&["cannot be truncated"]);
        assert_eq!(states(&database), pairs(&[("001_a", "applied")]));
    }
    assert!(
        history(&database)
            .iter()
            .any(|line| line.migration_id == "001_a")
    );
}

/// Finding 15: a failure writing the ledger is the ledger's, not line 1 of the migration.
#[test]
fn issue_11_a_ledger_failure_is_attributed_to_the_ledger() {
    let database = test_db("issue_11_ledger_failure");
    let project = TestProject::new(&[(
        "migrations/001_block.sql",
        "CREATE TABLE a (id int);\nALTER TABLE plan.migrations ADD CONSTRAINT no_block CHECK (id <> '001_block');\n",
    )]);
    // The ledger must exist before 001 can constrain it.
    let first = TestProject::new(&[("migrations/000_init.sql", "SELECT 1;\n")]);
    plan(&database, first.path(), &["apply"]).expect_ok();
    project.write("migrations/000_init.sql", "SELECT 1;\n");
    let run = plan(&database, project.path(), &["apply"])
        .expect_failed()
        .expect_stderr_has(&["cannot record it in the ledger plan.migrations", "no_block"]);
    assert!(
        !run.stderr.contains("1 │ CREATE TABLE"),
        "the diagnostic must not point at line 1:\n{}",
        run.transcript()
    );
    assert_eq!(
        query_i64(
            &database,
            "SELECT count(*) FROM pg_tables WHERE tablename = 'a'"
        ),
        0
    );
}

/// Finding 5: a stray COMMIT after a function body the splitter once misread is refused
/// before anything runs, and the guard catches SQL that ends plan's transaction inside what
/// was sent as one statement.
#[test]
fn issue_11_a_commit_hidden_in_a_statement_never_passes_for_no_trace() {
    let database = test_db("issue_11_hidden_commit");
    let project = TestProject::new(&[(
        "migrations/001_x.sql",
        "CREATE TABLE s (begin int);\n\
         CREATE FUNCTION f(s s) RETURNS int LANGUAGE sql RETURN s.begin;\n\
         CREATE TABLE a (id int);\n\
         COMMIT;\n\
         CREATE TABLE b (id int);\n\
         INSERT INTO missing VALUES (1);\n",
    )]);
    let run = plan(&database, project.path(), &["apply"]);
    assert_ne!(run.code, 0, "{}", run.transcript());
    assert_eq!(
        query_i64(
            &database,
            "SELECT count(*) FROM pg_tables WHERE tablename IN ('s', 'a', 'b')"
        ),
        0,
        "{}",
        run.transcript()
    );
    assert!(ledger(&database).is_empty());

    // The guard itself, on a statement text that holds a COMMIT.
    let mut session = pgplan::internals::Session::connect(database.settings()).expect("connect");
    let mut work = session.begin().expect("begin");
    let id = work.start(Duration::from_secs(1)).expect("start");
    assert_eq!(
        work.run_guarded("CREATE TABLE g1 (id int)", &id)
            .expect("run"),
        pgplan::internals::TransactionState::Ours
    );
    assert_eq!(
        work.run_guarded(
            "CREATE TABLE g2 (id int); COMMIT; CREATE TABLE g3 (id int)",
            &id
        )
        .expect("run"),
        pgplan::internals::TransactionState::Ended
    );
    work.rollback();

    // A COMMIT and then an error in the same message: the guard's query never runs, so plan
    // asks afterwards whether its transaction was still there to be aborted.
    let mut work = session.begin().expect("begin");
    let id = work.start(Duration::from_secs(1)).expect("start");
    assert!(
        work.run_guarded("CREATE TABLE g4 (id int); SELECT 1 / 0", &id)
            .is_err()
    );
    assert!(
        !work.ended_before_error(&id),
        "an error inside plan's transaction"
    );
    work.rollback();
    let mut work = session.begin().expect("begin");
    let id = work.start(Duration::from_secs(1)).expect("start");
    assert!(
        work.run_guarded("CREATE TABLE g5 (id int); COMMIT; SELECT 1 / 0", &id)
            .is_err()
    );
    assert!(work.ended_before_error(&id), "an error after a COMMIT");
    work.rollback();
}

/// Finding 15: `COPY … FROM stdin` with inline data, as pg_dump writes it, works as in psql,
/// in a transactional file and in a no-transaction one; bad data fails at the COPY.
#[test]
fn issue_11_copy_from_stdin_with_inline_data_works_as_in_psql() {
    let database = test_db("issue_11_copy_from_stdin");
    let dump = "CREATE TABLE public.t (id integer, note text);\n\
                COPY public.t (id, note) FROM stdin;\n\
                1\tit's; fine\n\
                2\t\\N\n\
                3\t$$ -- not SQL /*\n\
                \\.\n\
                CREATE TABLE after_copy (id int);\n";
    let project = TestProject::new(&[
        ("migrations/001_dump.sql", dump),
        (
            "migrations/002_outside.sql",
            "-- plan: no-transaction\nCREATE TABLE u (id int);\nCOPY u FROM stdin;\n7\n8\n\\.\nCREATE INDEX CONCURRENTLY u_id ON u (id);\n",
        ),
    ]);
    plan(&database, project.path(), &["apply"]).expect_ok();
    assert_eq!(
        query_text(
            &database,
            "SELECT string_agg(id || '=' || coalesce(note, 'NULL'), '|' ORDER BY id) FROM t"
        ),
        Some("1=it's; fine|2=NULL|3=$$ -- not SQL /*".to_string())
    );
    assert_eq!(query_i64(&database, "SELECT count(*) FROM after_copy"), 0);
    assert_eq!(query_i64(&database, "SELECT sum(id) FROM u"), 15);

    project.write(
        "migrations/003_bad.sql",
        "CREATE TABLE v (id int);\nCOPY v FROM stdin;\n1\nnot a number\n\\.\n",
    );
    plan(&database, project.path(), &["apply"])
        .expect_failed()
        .expect_stderr_has(&[
            "migration 003_bad failed",
            "invalid input syntax for type integer",
        ]);
    assert_eq!(
        query_i64(
            &database,
            "SELECT count(*) FROM pg_tables WHERE tablename = 'v'"
        ),
        0
    );
}

/// Finding 5, end to end: SQL that ends plan's transaction (here a handler that runs
/// `COMMIT`) is caught before the ledger row; the migration is recorded as interrupted, status
/// shows it, apply refuses it until `plan accept --resume-at` says how to go on.
#[test]
fn issue_11_a_migration_that_ends_plans_transaction_is_recorded_as_interrupted() {
    let database = test_db("issue_11_interrupted");
    let project = TestProject::new(&[
        (
            "migrations/001_x.sql",
            "CREATE TABLE committed_early (id int);\n",
        ),
        (
            "plan.yaml",
            "migrations:\n  001_x:\n    steps:\n      - handler: commits\n      - sql: CREATE TABLE after_commit (id int)\n",
        ),
    ]);
    let loaded = pgplan::internals::load_project(project.path()).expect("the project loads");
    let mut handlers = pgplan::Handlers::new();
    handlers.register("commits", |context: &mut pgplan::HandlerContext<'_, '_>| {
        context.run_script("COMMIT")
    });
    // The same, failing after its COMMIT: what came before the COMMIT is still committed.
    handlers.register(
        "commits_then_fails",
        |context: &mut pgplan::HandlerContext<'_, '_>| context.run_script("COMMIT; SELECT 1 / 0"),
    );
    let options = pgplan::internals::ApplyOptions {
        target: None,
        environment: None,
        mode: pgplan::internals::Execution::Live,
        lock_wait: Some(Duration::from_secs(30)),
        allow: pgplan::internals::Allow::default(),
        backup_to: None,
        trace: pgplan::internals::Tracing::Off,
        lint: true,
    };
    let error = pgplan::internals::apply_with_handlers(
        &loaded,
        database.settings(),
        &options,
        &handlers,
        &mut |_| {},
    )
    .expect_err("the migration ended plan's transaction");
    let pgplan::internals::ApplyError::Migration(failure) = error else {
        panic!("expected a migration failure, got {error:?}");
    };
    assert!(
        failure.help.contains("step 1 ended the transaction"),
        "{}",
        failure.help
    );
    assert!(!failure.help.contains("left no trace"), "{}", failure.help);
    // The COMMIT made the file's table permanent: plan says so rather than "no trace".
    assert_eq!(
        query_i64(
            &database,
            "SELECT count(*) FROM pg_tables WHERE tablename = 'committed_early'"
        ),
        1
    );
    assert_eq!(states(&database), pairs(&[("001_x", "partial")]));
    plan(&database, project.path(), &["status"])
        .expect_ok()
        .expect_stdout_has(&["interrupted"]);
    plan(&database, project.path(), &["apply"])
        .expect_failed()
        .expect_stderr_has(&["plan::apply::interrupted", "--resume-at"]);
    // The operator checks, then says the second step is where it goes on.
    plan(
        &database,
        project.path(),
        &[
            "accept",
            "001_x",
            "--reason",
            "checked: the file's table is there",
            "--resume-at",
            "step:2",
        ],
    )
    .expect_ok();
    pgplan::internals::apply_with_handlers(
        &loaded,
        database.settings(),
        &options,
        &handlers,
        &mut |_| {},
    )
    .unwrap_or_else(|error| panic!("the resumed apply failed: {error:?}"));
    assert_eq!(states(&database), pairs(&[("001_x", "applied")]));
    assert_eq!(
        query_i64(
            &database,
            "SELECT count(*) FROM pg_tables WHERE tablename = 'after_commit'"
        ),
        1
    );

    // A handler that commits and then fails is interrupted too, never "left no trace".
    let failing = TestProject::new(&[
        (
            "migrations/001_y.sql",
            "CREATE TABLE committed_before_error (id int);\n",
        ),
        (
            "plan.yaml",
            "migrations:\n  001_y:\n    steps:\n      - handler: commits_then_fails\n",
        ),
    ]);
    let other = test_db("issue_11_interrupted_then_error");
    let loaded = pgplan::internals::load_project(failing.path()).expect("the project loads");
    let error = pgplan::internals::apply_with_handlers(
        &loaded,
        other.settings(),
        &options,
        &handlers,
        &mut |_| {},
    )
    .expect_err("the handler failed");
    let pgplan::internals::ApplyError::Migration(failure) = error else {
        panic!("expected a migration failure, got {error:?}");
    };
    assert!(
        failure.message.contains("division by zero"),
        "{}",
        failure.message
    );
    assert!(!failure.help.contains("left no trace"), "{}", failure.help);
    assert_eq!(
        query_i64(
            &other,
            "SELECT count(*) FROM pg_tables WHERE tablename = 'committed_before_error'"
        ),
        1
    );
    plan(&other, failing.path(), &["status"])
        .expect_ok()
        .expect_stdout_has(&["interrupted"]);
}

/// Findings 2 and 7 for rollbacks: each rollback starts from a clean session, and a rollback
/// file's wrapping `BEGIN` keeps its modes.
#[test]
fn issue_11_rollbacks_start_from_a_clean_session_and_keep_their_begin_modes() {
    let database = test_db("issue_11_rollback_session");
    let project = TestProject::new(&[
        (
            "migrations/001_t.up.sql",
            "CREATE SCHEMA other;\nCREATE TABLE t (id int);\n",
        ),
        (
            "migrations/001_t.down.sql",
            "BEGIN ISOLATION LEVEL REPEATABLE READ;\nCREATE TABLE public.rollback_saw AS SELECT current_setting('transaction_isolation') AS level, current_setting('search_path') AS path;\nDROP TABLE t;\nDROP SCHEMA other;\nCOMMIT;\n",
        ),
        ("migrations/002_u.up.sql", "CREATE TABLE u (id int);\n"),
        (
            "migrations/002_u.down.sql",
            "DROP TABLE u;\nSET search_path TO other;\n",
        ),
    ]);
    plan(&database, project.path(), &["apply"]).expect_ok();
    plan(&database, project.path(), &["rollback", "001_t"]).expect_ok();
    let seen = database
        .client()
        .query_one("SELECT level, path FROM public.rollback_saw", &[])
        .expect("001's rollback recorded what it saw");
    let (level, path): (String, String) = (seen.get(0), seen.get(1));
    assert_eq!(level, "repeatable read");
    assert_eq!(path, "\"$user\", public");
    assert!(ledger(&database).is_empty());
}

/// A migration that releases plan's advisory lock (`pg_advisory_unlock_all()`) lets a second
/// run in while the first goes on; the ledger writes, which expect the row as their run left
/// it, still let each statement commit once: a run that finds the row changed rolls its
/// statement back and stops (which run, and whether it comes to that, depends on timing).
#[test]
fn issue_11_two_runs_that_both_think_they_hold_the_lock_never_both_record_a_statement() {
    let database = test_db("issue_11_lost_lock");
    let project = TestProject::new(&[(
        "migrations/001_a.sql",
        "-- plan: no-transaction\n\
         CREATE TABLE log (v int, pid int DEFAULT pg_backend_pid());\n\
         SELECT pg_advisory_unlock_all();\n\
         SELECT pg_sleep(0.5);\n\
         INSERT INTO log (v) VALUES (1);\n\
         SELECT pg_sleep(0.5);\n\
         INSERT INTO log (v) VALUES (2);\n\
         SELECT pg_sleep(0.5);\n\
         INSERT INTO log (v) VALUES (3);\n",
    )]);
    let first = spawn_plan(&database, project.path(), &["apply"]);
    std::thread::sleep(Duration::from_millis(300));
    let second = plan(&database, project.path(), &["apply"]);
    let first = finish(first, &["apply"], Duration::from_secs(30));
    assert_eq!(
        query_text(
            &database,
            "SELECT string_agg(v::text, ',' ORDER BY v) FROM log"
        ),
        Some("1,2,3".to_string()),
        "first:\n{}\nsecond:\n{}",
        first.transcript(),
        second.transcript()
    );
    plan(&database, project.path(), &["apply"]).expect_ok();
    assert_eq!(states(&database), pairs(&[("001_a", "applied")]));
}

/// Findings 5 and 15, as an attacker found them after the first fixes: `SET
/// standard_conforming_strings = off` made psql's reading of the next statements differ from
/// plan's, hiding a COMMIT; the splitter now follows the setting, so the COMMIT is refused
/// before anything runs. A server whose default is off is refused as a whole.
#[test]
fn issue_11_backslash_strings_cannot_hide_a_commit() {
    let database = test_db("issue_11_standard_strings");
    let project = TestProject::new(&[(
        "migrations/001_a.sql",
        "CREATE TABLE IF NOT EXISTS log (v int);\n\
         SET standard_conforming_strings = off;\n\
         INSERT INTO log SELECT 9 FROM (SELECT concat('a\\', ') x) s; COMMIT; SELECT 1/0; -- ') x) s;\n",
    )]);
    plan(&database, project.path(), &["apply"])
        .expect_invalid()
        .expect_stderr_has(&["plan::apply::transaction_control"]);
    assert_eq!(
        query_i64(
            &database,
            "SELECT count(*) FROM pg_tables WHERE tablename = 'log'"
        ),
        0
    );

    // The same idea through an E'' string continued on the next line.
    project.write(
        "migrations/001_a.sql",
        "CREATE TABLE log (v int);\nSELECT E'x'\n'\\''; COMMIT; --';\n",
    );
    plan(&database, project.path(), &["apply"])
        .expect_invalid()
        .expect_stderr_has(&["plan::apply::transaction_control"]);

    database
        .client()
        .batch_execute(&format!(
            "ALTER DATABASE {} SET standard_conforming_strings = off",
            database.name()
        ))
        .expect("turn standard_conforming_strings off");
    project.write("migrations/001_a.sql", "CREATE TABLE log (v int);\n");
    plan(&database, project.path(), &["apply"])
        .expect_failed()
        .expect_stderr_has(&["plan::db::standard_strings_off"]);
    assert!(ledger(&database).is_empty());
}

/// Finding 2 across runs: a no-transaction file resumed in a new session first replays the
/// `SET`s its statements before the resume point ran, so the rest acts on the same objects as
/// in one run (and the INVALID index a failed concurrent build left is found and dropped).
#[test]
fn issue_11_a_resumed_no_transaction_file_keeps_the_settings_it_made_before() {
    let database = test_db("issue_11_resume_settings");
    let project = TestProject::new(&[
        (
            "migrations/001_base.sql",
            "CREATE TABLE public.a (x int);\n",
        ),
        (
            "migrations/002_s1.sql",
            "-- plan: no-transaction\n\
             CREATE SCHEMA s1;\n\
             SET search_path = s1;\n\
             CREATE TABLE a (x int);\n\
             INSERT INTO a VALUES (1), (1);\n\
             CREATE UNIQUE INDEX CONCURRENTLY ai ON a (x);\n\
             CREATE TABLE b (x int);\n",
        ),
    ]);
    plan(&database, project.path(), &["apply"]).expect_failed();
    database
        .client()
        .batch_execute("DELETE FROM s1.a WHERE ctid = (SELECT max(ctid) FROM s1.a)")
        .expect("fix the data");
    plan(&database, project.path(), &["apply"]).expect_ok();
    assert_eq!(
        query_text(
            &database,
            "SELECT string_agg(n.nspname || '.' || c.relname, ',' ORDER BY n.nspname, c.relname)
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname IN ('public', 's1') AND c.relkind IN ('r', 'i')"
        ),
        Some("public.a,s1.a,s1.ai,s1.b".to_string())
    );
    assert_eq!(
        query_i64(
            &database,
            "SELECT count(*) FROM pg_index WHERE indexrelid = 's1.ai'::regclass AND indisvalid"
        ),
        1
    );
}

/// A second attack: a wrapped file's session `SET` holds for its later steps in one run, so a
/// resume at a step replays it too; and a failure after the file switched role still reaches
/// the history.
#[test]
fn issue_11_a_resume_at_a_step_keeps_the_files_settings_and_failures_are_recorded() {
    let database = test_db("issue_11_resume_step_settings");
    database
        .client()
        .batch_execute("CREATE SCHEMA s")
        .expect("set up");
    let project = TestProject::new(&[
        (
            "migrations/001_x.sql",
            "SET search_path = s, public;\nCREATE TABLE a (x int);\n",
        ),
        (
            "plan.yaml",
            "migrations:\n  001_x:\n    steps:\n      - command: [sh, -c, \"test -f go\"]\n      - sql: CREATE TABLE c (x int)\n",
        ),
    ]);
    plan(&database, project.path(), &["apply"]).expect_failed();
    project.write("go", "");
    plan(&database, project.path(), &["apply"]).expect_ok();
    assert_eq!(
        query_text(
            &database,
            "SELECT string_agg(schemaname || '.' || tablename, ',' ORDER BY tablename)
             FROM pg_tables WHERE tablename IN ('a', 'c')"
        ),
        Some("s.a,s.c".to_string())
    );

    let other = TestProject::new(&[
        ("migrations/001_x.sql", "SELECT 1;\n"),
        (
            "migrations/002_role.sql",
            "-- plan: no-transaction\nSET ROLE issue_11_carl2;\nCREATE TABLE carls (x int);\nSELECT 1 / 0;\n",
        ),
    ]);
    let second = test_db("issue_11_failure_after_role");
    second
        .client()
        .batch_execute(
            "CREATE ROLE issue_11_carl2; GRANT CREATE, USAGE ON SCHEMA public TO issue_11_carl2",
        )
        .expect("set up");
    plan(&second, other.path(), &["apply"]).expect_failed();
    assert!(
        history(&second)
            .iter()
            .any(|line| line.migration_id == "002_role" && line.outcome == "partial"),
        "{:?}",
        history(&second)
    );
}
