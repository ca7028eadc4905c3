//! Review of issue 18's shared-message apply path: the promises of `plan apply` (each
//! migration commits with its ledger row or not at all, nothing twice, failures named at the
//! right place, no session state reaching the next migration of the same message) attacked
//! with hostile migrations, each compared with `plan -v apply` (statement by statement).
//! Tests marked `#[ignore = "finding N: …"]` fail on the code they were written against.

use std::time::Duration;

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use crate::one_message::places;
use crate::support::cluster::{TestDatabase, test_db};
use crate::support::project::{
    Run, TestProject, finish, history, ledger, ledger_ids, plan, spawn_plan, wait_for,
};

/// The first column of the first row of `sql`, as text.
fn text(database: &TestDatabase, sql: &str) -> String {
    database
        .client()
        .query_one(sql, &[])
        .unwrap_or_else(|error| panic!("{sql}: {error}"))
        .get(0)
}

/// `plan apply` of `project` into a fresh database `name` (shared messages) and `plan -v
/// apply` into `name_v` (statement by statement).
fn both(name: &str, project: &TestProject) -> (TestDatabase, Run, TestDatabase, Run) {
    let one = test_db(name);
    let other = test_db(&format!("{name}_v"));
    let run = plan(&one, project.path(), &["apply"]);
    let verbose = plan(&other, project.path(), &["-v", "apply"]);
    (one, run, other, verbose)
}

/// Both paths apply `project`; `sql` reads the same value after each.
fn applies_alike(name: &str, project: &TestProject, sql: &str) -> String {
    let (one, run, other, verbose) = both(name, project);
    let run = run.expect_ok();
    let verbose = verbose.expect_ok();
    let (got, expected) = (text(&one, sql), text(&other, sql));
    assert_eq!(
        got,
        expected,
        "{sql}\n{}\n{}",
        run.transcript(),
        verbose.transcript()
    );
    assert_eq!(ledger_ids(&one), ledger_ids(&other));
    got
}

/// Both paths fail on `project`, pointing at the same place, which is returned.
fn fails_alike(name: &str, project: &TestProject) -> (Vec<String>, TestDatabase, TestDatabase) {
    let (one, run, other, verbose) = both(name, project);
    let run = run.expect_failed();
    let verbose = verbose.expect_failed();
    let at = places(&run);
    assert!(!at.is_empty(), "{}", run.transcript());
    assert_eq!(
        at,
        places(&verbose),
        "{}\n{}",
        run.transcript(),
        verbose.transcript()
    );
    assert_eq!(ledger_ids(&one), ledger_ids(&other));
    (at, one, other)
}

#[test]
fn session_settings_of_a_migration_do_not_reach_the_next_in_the_message() {
    let project = TestProject::new(&[
        ("migrations/001_schema.sql", "CREATE SCHEMA other;\n"),
        (
            "migrations/002_settings.sql",
            "SET search_path = other;\n\
             SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL SERIALIZABLE;\n\
             DO $$ BEGIN PERFORM set_config('work_mem', '7MB', false); END $$;\n\
             SELECT set_config('application_name', 'leaked', false);\n\
             SET plan.committed = '1:5';\n\
             SET plan.statement = '3';\n",
        ),
        (
            "migrations/003_reads.sql",
            "CREATE TABLE seen AS SELECT current_schema()::text || ',' \
             || current_setting('transaction_isolation') || ',' \
             || current_setting('work_mem') || ',' \
             || (current_setting('application_name') = 'leaked')::text AS v;\n",
        ),
    ]);
    let seen = applies_alike("r18_settings", &project, "SELECT v FROM public.seen");
    assert_eq!(seen, "public,read committed,4MB,false");
}

#[test]
fn a_function_setting_session_state_does_not_leak() {
    let project = TestProject::new(&[
        (
            "migrations/001_fn.sql",
            "CREATE FUNCTION leak() RETURNS void LANGUAGE plpgsql AS $f$\n\
             BEGIN PERFORM set_config('search_path', 'pg_catalog', false);\n\
             PERFORM set_config('default_transaction_read_only', 'on', false); END $f$;\n\
             SELECT leak();\n",
        ),
        (
            "migrations/002_t.sql",
            "CREATE TABLE after_leak (id int);\n",
        ),
    ]);
    let schema = applies_alike(
        "r18_function",
        &project,
        "SELECT table_schema::text FROM information_schema.tables WHERE table_name = 'after_leak'",
    );
    assert_eq!(schema, "public");
}

#[test]
fn a_role_without_rights_on_the_ledger_is_reset_before_the_write() {
    let project = TestProject::new(&[
        (
            "migrations/001_role.sql",
            "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'r18_nobody') \
             THEN CREATE ROLE r18_nobody; END IF; END $$;\n\
             SET ROLE r18_nobody;\n",
        ),
        (
            "migrations/002_who.sql",
            "CREATE TABLE who AS SELECT current_user::text = session_user::text AS same;\n",
        ),
    ]);
    assert_eq!(
        applies_alike("r18_role", &project, "SELECT same::text FROM who"),
        "true"
    );
}

#[test]
fn a_serializable_transaction_of_the_file_runs_serializable() {
    let project = TestProject::new(&[
        ("migrations/001_a.sql", "CREATE TABLE a (id int);\n"),
        (
            "migrations/002_iso.sql",
            "BEGIN;\nSET TRANSACTION ISOLATION LEVEL SERIALIZABLE;\n\
             CREATE TABLE iso AS SELECT current_setting('transaction_isolation') AS v;\nCOMMIT;\n",
        ),
        ("migrations/003_c.sql", "CREATE TABLE c (id int);\n"),
    ]);
    assert_eq!(
        applies_alike("r18_iso", &project, "SELECT v FROM iso"),
        "serializable"
    );
}

#[test]
fn a_comment_only_migration_and_a_large_one_are_recorded_once() {
    let big = format!(
        "CREATE TABLE big (v text);\nINSERT INTO big VALUES ('{}');\n",
        "x".repeat(2 * 1024 * 1024)
    );
    let project = TestProject::new(&[
        ("migrations/001_a.sql", "CREATE TABLE a (id int);\n"),
        (
            "migrations/002_comment.sql",
            "-- nothing to do\n/* at all */\n",
        ),
        ("migrations/003_big.sql", &big),
        (
            "migrations/004_d.sql",
            "CREATE TABLE d (id int) -- no semicolon",
        ),
    ]);
    let size = applies_alike("r18_sizes", &project, "SELECT length(v)::text FROM big");
    assert_eq!(size, (2 * 1024 * 1024).to_string());
}

#[test]
fn an_error_without_position_in_the_fortieth_of_sixty_four_is_named_there() {
    let mut files: Vec<(String, String)> = (1..=64)
        .map(|n| {
            (
                format!("migrations/{n:03}_m.sql"),
                format!("CREATE TABLE m{n} (id int primary key);\n"),
            )
        })
        .collect();
    files[39].1 = "CREATE TABLE m40 (id int primary key);\n\
                   INSERT INTO m40 VALUES (1);\n\
                   INSERT INTO m40 VALUES (1);\n"
        .to_string();
    let files: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let project = TestProject::new(&files);
    let (at, one, _) = fails_alike("r18_forty", &project);
    assert!(at[0].contains("migrations/040_m.sql:3:"), "{at:?}");
    assert_eq!(ledger_ids(&one).len(), 39);
    assert_eq!(
        text(
            &one,
            "SELECT count(*)::text FROM pg_tables WHERE tablename ~ '^m[0-9]+$'"
        ),
        "39"
    );
    // Each committed one has exactly one history row of its apply, none of the failed one
    // twice.
    let applied = history(&one)
        .into_iter()
        .filter(|line| line.outcome == "ok" || line.outcome == "applied")
        .count();
    assert!(applied <= 39, "{:?}", history(&one));
}

#[test]
fn a_syntax_error_in_the_fortieth_runs_nothing_of_the_message() {
    let mut files: Vec<(String, String)> = (1..=64)
        .map(|n| {
            (
                format!("migrations/{n:03}_m.sql"),
                format!("CREATE TABLE m{n} (id int);\n"),
            )
        })
        .collect();
    files[39].1 = "CREATE TABLE m40 (id int);\nSELECT 1 FROM WHERE;\n".to_string();
    let files: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let project = TestProject::new(&files);
    let (at, one, _) = fails_alike("r18_syntax40", &project);
    assert!(at[0].contains("migrations/040_m.sql:2:"), "{at:?}");
    assert_eq!(ledger_ids(&one).len(), 39);
}

#[test]
fn transaction_control_hidden_in_a_procedure_or_do_block_fails_alike() {
    let project = TestProject::new(&[
        ("migrations/001_a.sql", "CREATE TABLE a (id int);\n"),
        (
            "migrations/002_proc.sql",
            "CREATE PROCEDURE p() LANGUAGE plpgsql AS $$ BEGIN COMMIT; END $$;\nCALL p();\n",
        ),
        ("migrations/003_c.sql", "CREATE TABLE c (id int);\n"),
    ]);
    let (at, one, _) = fails_alike("r18_proc", &project);
    assert!(at[0].contains("migrations/002_proc.sql:2:"), "{at:?}");
    assert_eq!(ledger_ids(&one), ["001_a"]);
    assert_eq!(
        text(
            &one,
            "SELECT count(*)::text FROM pg_proc WHERE proname = 'p'"
        ),
        "0"
    );
}

#[test]
fn a_migration_resetting_plans_settings_still_commits_once() {
    let project = TestProject::new(&[
        (
            "migrations/001_a.sql",
            "CREATE TABLE a (id int);\nINSERT INTO a VALUES (1);\n",
        ),
        (
            "migrations/002_reset.sql",
            "INSERT INTO a VALUES (2);\nRESET ALL;\n",
        ),
        (
            "migrations/003_token.sql",
            "INSERT INTO a VALUES (3);\nRESET plan.transaction;\nSET plan.committed = '';\n",
        ),
        ("migrations/004_d.sql", "INSERT INTO a VALUES (4);\n"),
    ]);
    let rows = applies_alike(
        "r18_reset",
        &project,
        "SELECT string_agg(id::text, ',' ORDER BY id) FROM a",
    );
    assert_eq!(rows, "1,2,3,4");
}

#[test]
fn a_migration_leaving_a_prepared_statement_or_cursor_commits_once() {
    let project = TestProject::new(&[
        ("migrations/001_a.sql", "CREATE TABLE a (id int);\n"),
        (
            "migrations/002_prep.sql",
            "INSERT INTO a VALUES (2);\nPREPARE mine AS SELECT 1;\n\
             DECLARE c CURSOR WITH HOLD FOR SELECT 1;\n\
             CREATE TEMP TABLE tmp (id int) ON COMMIT DROP;\n",
        ),
        (
            "migrations/003_c.sql",
            "INSERT INTO a SELECT 3 WHERE NOT EXISTS (SELECT FROM pg_prepared_statements WHERE name = 'mine');\n",
        ),
    ]);
    let rows = applies_alike(
        "r18_prep",
        &project,
        "SELECT string_agg(id::text, ',' ORDER BY id) FROM a",
    );
    assert_eq!(rows, "2,3");
}

#[test]
fn a_tiny_statement_timeout_of_one_migration_does_not_reach_the_next() {
    let project = TestProject::new(&[
        ("migrations/001_a.sql", "CREATE TABLE a (id int);\n"),
        (
            "migrations/002_timeout.sql",
            "SET statement_timeout = '300ms';\n",
        ),
        (
            "migrations/003_slow.sql",
            "SELECT pg_sleep(1);\nCREATE TABLE c (id int);\n",
        ),
    ]);
    applies_alike("r18_timeout", &project, "SELECT count(*)::text FROM c");
}

#[test]
#[ignore = "finding 5, by design (docs/headers.md: advisory locks a migration takes itself are not reset): a session advisory lock of a migration stays held for the next, on both paths"]
fn an_advisory_lock_taken_by_a_migration_does_not_reach_the_next() {
    let project = TestProject::new(&[
        (
            "migrations/001_lock.sql",
            "SELECT pg_advisory_lock(18018);\n",
        ),
        (
            "migrations/002_reads.sql",
            "CREATE TABLE held AS SELECT count(*) AS n FROM pg_locks \
             WHERE locktype = 'advisory' AND objid = 18018 AND pid = pg_backend_pid();\n",
        ),
    ]);
    let held = applies_alike("r18_advisory", &project, "SELECT n::text FROM held");
    assert_eq!(held, "0");
}

#[test]

fn standard_conforming_strings_changed_without_its_name_reads_strings_alike() {
    let project = TestProject::new(&[
        ("migrations/001_a.sql", "CREATE TABLE a (id int);\n"),
        (
            "migrations/002_scs.sql",
            "SELECT set_config('standard_' || 'conforming_strings', 'off', false);\n\
             CREATE TABLE s AS SELECT 'a\\\\b'::text AS v;\n",
        ),
    ]);
    applies_alike("r18_scs", &project, "SELECT v FROM s");
}

#[test]
fn a_migration_killing_its_own_connection_is_understood_by_the_next_run() {
    let project = TestProject::new(&[
        ("migrations/001_a.sql", "CREATE TABLE a (id int);\n"),
        (
            "migrations/002_kill.sql",
            "CREATE TABLE b (id int);\nSELECT pg_terminate_backend(pg_backend_pid());\n",
        ),
        ("migrations/003_c.sql", "CREATE TABLE c (id int);\n"),
    ]);
    let database = test_db("r18_kill");
    let run = plan(&database, project.path(), &["apply"]).expect_failed();
    assert!(run.stderr.contains("002_kill"), "{}", run.transcript());
    assert_eq!(ledger_ids(&database), ["001_a"], "{}", run.transcript());
    assert_eq!(
        text(
            &database,
            "SELECT count(*)::text FROM pg_tables WHERE tablename IN ('b', 'c')"
        ),
        "0"
    );
    project.write("migrations/002_kill.sql", "CREATE TABLE b (id int);\n");
    let again = plan(&database, project.path(), &["apply"]).expect_ok();
    assert_eq!(
        ledger_ids(&database),
        ["001_a", "002_kill", "003_c"],
        "{}",
        again.transcript()
    );
    assert!(
        ledger(&database).iter().all(|line| line.state == "applied"),
        "{:?}",
        ledger(&database)
    );
}

#[test]
fn sql_function_bodies_and_rules_split_alike() {
    let project = TestProject::new(&[
        (
            "migrations/001_t.sql",
            "CREATE TABLE t (id int);\nCREATE TABLE u (id int);\n",
        ),
        (
            "migrations/002_atomic.sql",
            "CREATE FUNCTION f() RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT 1;\nEND;\n\
             CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO u VALUES (1); INSERT INTO u VALUES (2));\n\
             CREATE TABLE a$$b (id int);\nCREATE TABLE \"q\"\"ü\" (id int); -- $$\n",
        ),
        ("migrations/003_c.sql", "INSERT INTO t VALUES (1);\n"),
    ]);
    let rows = applies_alike(
        "r18_atomic",
        &project,
        "SELECT f()::text || ',' || (SELECT count(*) FROM u)",
    );
    assert_eq!(rows, "1,2");
}

#[test]
fn names_with_quotes_and_unicode_are_recorded_as_named() {
    let project = TestProject::new(&[
        ("migrations/001_a.sql", "CREATE TABLE a (id int);\n"),
        ("migrations/002_it's_ü.sql", "CREATE TABLE b (id int);\n"),
        ("migrations/003_c.sql", "CREATE TABLE c (id int);\n"),
    ]);
    let (one, run, other, verbose) = both("r18_names", &project);
    assert_eq!(
        run.code,
        verbose.code,
        "{}\n{}",
        run.transcript(),
        verbose.transcript()
    );
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert_eq!(ledger_ids(&one), ["001_a", "002_it's_ü", "003_c"]);
    assert_eq!(ledger_ids(&one), ledger_ids(&other));
}

/// `ALTER DATABASE … SET name = value` on `database`, as a DBA (or an earlier migration)
/// would: it is the default every new session, and `RESET ALL`, starts from.
fn database_default(database: &TestDatabase, name: &str, value: &str) {
    database
        .client()
        .batch_execute(&format!(
            "ALTER DATABASE \"{}\" SET {name} = '{value}'",
            database.name()
        ))
        .expect("set the database's default");
}

#[test]

fn a_database_default_for_plans_committed_marker_does_not_skip_a_migration() {
    let project = TestProject::new(&[
        (
            "migrations/001_dup.sql",
            "CREATE TABLE dup (id int primary key);\nINSERT INTO dup VALUES (1);\nINSERT INTO dup VALUES (1);\n",
        ),
        ("migrations/002_b.sql", "CREATE TABLE b (id int);\n"),
    ]);
    let one = test_db("r18_committed_default");
    let other = test_db("r18_committed_default_v");
    database_default(&one, "plan.committed", "1:0");
    database_default(&other, "plan.committed", "1:0");
    let run = plan(&one, project.path(), &["apply"]);
    let dup = "SELECT count(*)::text FROM pg_tables WHERE tablename = 'dup'";
    assert_eq!(
        (run.code, ledger_ids(&one).join(","), text(&one, dup)),
        (1, String::new(), "0".to_string()),
        "{}",
        run.transcript()
    );
    let verbose = plan(&other, project.path(), &["-v", "apply"]).expect_failed();
    assert_eq!(
        places(&run),
        places(&verbose),
        "{}\n{}",
        run.transcript(),
        verbose.transcript()
    );
    assert!(
        places(&run)[0].contains("001_dup.sql:3:"),
        "{}",
        run.transcript()
    );
    assert!(ledger_ids(&one).is_empty(), "{}", run.transcript());
    assert_eq!(
        text(
            &one,
            "SELECT count(*)::text FROM pg_tables WHERE tablename = 'b'"
        ),
        "0",
        "{}",
        run.transcript()
    );
}

#[test]

fn a_database_default_for_plans_statement_marker_is_not_taken_for_a_commit() {
    let project = TestProject::new(&[
        ("migrations/001_a.sql", "CREATE TABLE a (id int);\n"),
        (
            "migrations/002_dup.sql",
            "CREATE TABLE dup (id int primary key);\nINSERT INTO dup VALUES (1);\nINSERT INTO dup VALUES (1);\n",
        ),
        ("migrations/003_c.sql", "CREATE TABLE c (id int);\n"),
    ]);
    let one = test_db("r18_statement_default");
    let other = test_db("r18_statement_default_v");
    database_default(&one, "plan.statement", "0");
    database_default(&other, "plan.statement", "0");
    let run = plan(&one, project.path(), &["apply"]).expect_failed();
    let verbose = plan(&other, project.path(), &["-v", "apply"]).expect_failed();
    assert_eq!(
        places(&run),
        places(&verbose),
        "{}\n{}",
        run.transcript(),
        verbose.transcript()
    );
    assert_eq!(ledger(&one), ledger(&other), "{}", run.transcript());
    assert_eq!(ledger_ids(&one), ["001_a"], "{}", run.transcript());
    assert_eq!(
        text(
            &one,
            "SELECT count(*)::text FROM pg_tables WHERE tablename IN ('dup', 'c')"
        ),
        "0"
    );
}

#[test]
fn a_migration_releasing_every_advisory_lock_is_not_applied_unlocked() {
    let project = TestProject::new(&[
        (
            "migrations/001_unlock.sql",
            "SELECT pg_advisory_unlock_all();\n",
        ),
        (
            "migrations/002_reads.sql",
            "CREATE TABLE locked AS SELECT count(*) AS n FROM pg_locks \
             WHERE locktype = 'advisory' AND pid = pg_backend_pid();\n",
        ),
    ]);
    let (one, run, other, verbose) = both("r18_unlock_all", &project);
    assert_eq!(
        run.code,
        verbose.code,
        "{}\n{}",
        run.transcript(),
        verbose.transcript()
    );
    // The lock's loss is found when plan releases it, on both paths: the run fails.
    assert_eq!(run.code, 1, "{}", run.transcript());
    assert!(
        run.stderr.contains("did not hold it any more"),
        "{}",
        run.transcript()
    );
    assert_eq!(ledger_ids(&one), ledger_ids(&other));
}

#[test]

fn a_migration_deallocating_all_from_a_do_block_commits_once() {
    let project = TestProject::new(&[
        ("migrations/001_a.sql", "CREATE TABLE a (id int);\n"),
        (
            "migrations/002_dealloc.sql",
            "INSERT INTO a VALUES (2);\nDO $$ BEGIN EXECUTE 'DEALLOCATE ' || 'ALL'; END $$;\n",
        ),
        ("migrations/003_c.sql", "INSERT INTO a VALUES (3);\n"),
    ]);
    let (one, run, other, verbose) = both("r18_dealloc_do", &project);
    assert_eq!(
        run.code,
        verbose.code,
        "{}\n{}",
        run.transcript(),
        verbose.transcript()
    );
    assert_eq!(
        ledger_ids(&one),
        ledger_ids(&other),
        "{}\n{}",
        run.transcript(),
        verbose.transcript()
    );
    let rows = "SELECT coalesce(string_agg(id::text, ',' ORDER BY id), '') FROM a";
    assert_eq!(text(&one, rows), text(&other, rows), "{}", run.transcript());
}

#[test]
fn error_positions_after_unicode_and_crlf_point_where_the_other_path_points() {
    let project = TestProject::new(&[
        (
            "migrations/001_a.sql",
            "CREATE TABLE \"ü🎉\" (id int); -- 🎉🎉\r\n",
        ),
        (
            "migrations/002_b.sql",
            "-- ß 🎉 é\r\nCREATE TABLE b (\"ñ\" int);\r\nSELECT '🎉' AS x, ñ_missing FROM b;\r\n",
        ),
        ("migrations/003_c.sql", "CREATE TABLE c (id int);\n"),
    ]);
    let (at, one, _) = fails_alike("r18_unicode", &project);
    assert!(at[0].contains("migrations/002_b.sql:3:"), "{at:?}");
    assert_eq!(ledger_ids(&one), ["001_a"]);
}

#[test]
fn durations_and_history_of_a_shared_message_are_per_migration() {
    let project = TestProject::new(&[
        ("migrations/001_a.sql", "CREATE TABLE a (id int);\n"),
        ("migrations/002_slow.sql", "SELECT pg_sleep(0.4);\n"),
        ("migrations/003_c.sql", "CREATE TABLE c (id int);\n"),
    ]);
    let database = test_db("r18_durations");
    plan(&database, project.path(), &["apply"]).expect_ok();
    let mut client = database.client();
    let rows = client
        .query(
            "SELECT m.id, m.duration_ms, h.duration_ms, \
             (extract(epoch FROM h.finished_at - h.started_at) * 1000)::bigint, \
             h.started_at >= lag(h.finished_at) OVER (ORDER BY h.event) IS NOT FALSE, \
             m.applied_at = h.started_at \
             FROM plan.migrations m JOIN plan.migrations_history h ON h.migration_id = m.id \
             ORDER BY h.event",
            &[],
        )
        .expect("read the ledger");
    assert_eq!(rows.len(), 3);
    for row in &rows {
        let (id, ledger, history, span, ordered): (String, i64, i64, i64, bool) =
            (row.get(0), row.get(1), row.get(2), row.get(3), row.get(4));
        // The write times the migration once: the ledger row and the history row hold the
        // same start and duration.
        let same_start: bool = row.get(5);
        assert!(
            same_start,
            "{id}: the ledger and history disagree on its start"
        );
        assert_eq!(ledger, history, "{id}");
        assert!((span - history).abs() <= 1, "{id}: {span} vs {history}");
        assert!(ordered, "{id} started before the one before it finished");
        if id == "002_slow" {
            assert!(history >= 400, "{id}: {history}");
        } else {
            assert!(history < 400, "{id}: {history}");
        }
    }
}

#[test]
fn a_ledger_row_inserted_meanwhile_by_a_migration_stops_alike() {
    let project = TestProject::new(&[
        ("migrations/001_a.sql", "CREATE TABLE a (id int);\n"),
        (
            "migrations/002_forge.sql",
            "INSERT INTO plan.migrations (id, checksum, batch) VALUES ('003_c', 'forged', 1);\n",
        ),
        ("migrations/003_c.sql", "CREATE TABLE c (id int);\n"),
    ]);
    let (one, run, other, verbose) = both("r18_forged", &project);
    assert_eq!(
        run.code,
        verbose.code,
        "{}\n{}",
        run.transcript(),
        verbose.transcript()
    );
    assert_eq!(
        ledger(&one),
        ledger(&other),
        "{}\n{}",
        run.transcript(),
        verbose.transcript()
    );
    let c = "SELECT count(*)::text FROM pg_tables WHERE tablename = 'c'";
    assert_eq!(text(&one, c), text(&other, c));
}

#[test]
fn set_transaction_read_only_in_the_middle_fails_or_goes_alike() {
    let project = TestProject::new(&[
        ("migrations/001_a.sql", "CREATE TABLE a (id int);\n"),
        (
            "migrations/002_ro.sql",
            "SET TRANSACTION READ ONLY;\nSELECT 1;\n",
        ),
        ("migrations/003_c.sql", "CREATE TABLE c (id int);\n"),
    ]);
    let (one, run, other, verbose) = both("r18_read_only", &project);
    assert_eq!(
        run.code,
        verbose.code,
        "{}\n{}",
        run.transcript(),
        verbose.transcript()
    );
    assert_eq!(
        places(&run),
        places(&verbose),
        "{}\n{}",
        run.transcript(),
        verbose.transcript()
    );
    assert_eq!(ledger(&one), ledger(&other));
}

#[test]
fn an_unterminated_comment_at_the_end_of_a_file_is_refused_alike() {
    let project = TestProject::new(&[
        ("migrations/001_a.sql", "CREATE TABLE a (id int);\n"),
        (
            "migrations/002_open.sql",
            "CREATE TABLE b (id int);\n/* never closed\n",
        ),
        ("migrations/003_c.sql", "CREATE TABLE c (id int);\n"),
    ]);
    let (one, run, other, verbose) = both("r18_open_comment", &project);
    assert_eq!(
        run.code,
        verbose.code,
        "{}\n{}",
        run.transcript(),
        verbose.transcript()
    );
    assert_eq!(
        ledger(&one),
        ledger(&other),
        "{}\n{}",
        run.transcript(),
        verbose.transcript()
    );
}

#[test]
fn ctrl_c_in_the_middle_of_a_message_leaves_a_state_the_next_run_understands() {
    let project = TestProject::new(&[
        (
            "migrations/001_a.sql",
            "CREATE TABLE log (m text);\nINSERT INTO log VALUES ('001');\n",
        ),
        (
            "migrations/002_slow.sql",
            "INSERT INTO log VALUES ('002');\nSELECT pg_sleep(60);\n",
        ),
        ("migrations/003_c.sql", "INSERT INTO log VALUES ('003');\n"),
    ]);
    let database = test_db("r18_ctrl_c");
    let child = spawn_plan(&database, project.path(), &["apply"]);
    let pid = Pid::from_raw(i32::try_from(child.id()).expect("pids fit in i32"));
    let mut client = database.client();
    wait_for(
        "the migration's pg_sleep in pg_stat_activity",
        Duration::from_secs(20),
        || {
            client
                .query_opt(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() \
                     AND pid <> pg_backend_pid() AND state = 'active' AND wait_event = 'PgSleep'",
                    &[],
                )
                .expect("read pg_stat_activity")
                .map(|row| row.get::<_, i32>(0))
        },
    );
    kill(pid, Signal::SIGINT).expect("interrupt plan");
    let stopped = finish(child, &["apply"], Duration::from_secs(30));
    assert_ne!(stopped.code, 0, "{}", stopped.transcript());
    assert_eq!(ledger_ids(&database), ["001_a"], "{}", stopped.transcript());
    project.write(
        "migrations/002_slow.sql",
        "INSERT INTO log VALUES ('002');\n",
    );
    let again = plan(&database, project.path(), &["apply"]).expect_ok();
    assert_eq!(
        ledger_ids(&database),
        ["001_a", "002_slow", "003_c"],
        "{}",
        again.transcript()
    );
    assert_eq!(
        text(&database, "SELECT string_agg(m, ',' ORDER BY m) FROM log"),
        "001,002,003"
    );
}

#[test]
fn listen_and_session_authorization_do_not_reach_the_next_in_the_message() {
    let project = TestProject::new(&[
        (
            "migrations/001_listen.sql",
            "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'r18_someone') \
             THEN CREATE ROLE r18_someone; END IF; END $$;\n\
             LISTEN r18_channel;\nSET SESSION AUTHORIZATION r18_someone;\n",
        ),
        (
            "migrations/002_reads.sql",
            "CREATE TABLE state AS SELECT (SELECT count(*) FROM pg_listening_channels()) || ',' \
             || (session_user = current_user)::text AS v;\n",
        ),
    ]);
    assert_eq!(
        applies_alike("r18_listen", &project, "SELECT v FROM state"),
        "0,true"
    );
}

#[test]
fn a_failure_in_the_second_message_counts_the_first_messages_commits() {
    let mut files: Vec<(String, String)> = (1..=100)
        .map(|n| {
            (
                format!("migrations/{n:03}_m.sql"),
                format!("CREATE TABLE m{n} (id int primary key);\n"),
            )
        })
        .collect();
    files[65].1 = "CREATE TABLE m66 (id int primary key);\n\
                   INSERT INTO m66 VALUES (1), (1);\n"
        .to_string();
    let files: Vec<(&str, &str)> = files
        .iter()
        .map(|(path, text)| (path.as_str(), text.as_str()))
        .collect();
    let project = TestProject::new(&files);
    let (at, one, _) = fails_alike("r18_second_message", &project);
    assert!(at[0].contains("migrations/066_m.sql:2:"), "{at:?}");
    assert_eq!(ledger_ids(&one).len(), 65);
}

/// Transaction control the file spells differently (`END`, `ABORT`, `COMMIT AND CHAIN`,
/// `PREPARE TRANSACTION`), next to migrations sharing its message.
fn transaction_control(name: &str, control: &str) {
    let project = TestProject::new(&[
        ("migrations/001_a.sql", "CREATE TABLE a (id int);\n"),
        (
            "migrations/002_ctl.sql",
            &format!("CREATE TABLE x (id int);\n{control};\nCREATE TABLE y (id int);\n"),
        ),
        ("migrations/003_c.sql", "CREATE TABLE c (id int);\n"),
    ]);
    let (one, run, other, verbose) = both(name, &project);
    let all = || format!("{}\n{}", run.transcript(), verbose.transcript());
    assert_eq!(run.code, verbose.code, "{}", all());
    assert_eq!(places(&run), places(&verbose), "{}", all());
    assert_eq!(ledger(&one), ledger(&other), "{}", all());
    let tables = "SELECT coalesce(string_agg(tablename::text, ',' ORDER BY tablename), '') \
                  FROM pg_tables WHERE schemaname = 'public'";
    assert_eq!(text(&one, tables), text(&other, tables), "{}", all());
}

#[test]
fn end_is_transaction_control_alike() {
    transaction_control("r18_end", "END");
}

#[test]
fn abort_is_transaction_control_alike() {
    transaction_control("r18_abort", "ABORT");
}

#[test]
fn commit_and_chain_is_transaction_control_alike() {
    transaction_control("r18_chain", "COMMIT AND CHAIN");
}

#[test]
fn prepare_transaction_is_transaction_control_alike() {
    transaction_control("r18_prepare_tx", "PREPARE TRANSACTION 'r18'");
}

#[test]
fn rollback_to_a_savepoint_is_not_transaction_control() {
    transaction_control(
        "r18_savepoint",
        "SAVEPOINT s;\nCREATE TABLE z (id int);\nROLLBACK TO SAVEPOINT s;\nRELEASE SAVEPOINT s",
    );
}

#[test]
fn a_lock_timeout_in_the_fortieth_of_a_message_is_retried_and_nothing_runs_twice() {
    let database = test_db("r18_lock_forty");
    let project = TestProject::new(&[
        (
            "migrations/001_t.sql",
            "CREATE TABLE t (id int);\nCREATE TABLE log (m int);\n",
        ),
        ("plan.yaml", "lock_timeout: 200ms\n"),
    ]);
    plan(&database, project.path(), &["apply"]).expect_ok();
    for n in 2..=61 {
        let text = if n == 41 {
            "INSERT INTO log VALUES (41);\nALTER TABLE t ADD COLUMN name text;\n".to_string()
        } else {
            format!("INSERT INTO log VALUES ({n});\n")
        };
        project.write(&format!("migrations/{n:03}_m.sql"), &text);
    }
    let run = crate::one_message::apply_through_a_lock_timeout(&database, &project, "t");
    assert_eq!(ledger_ids(&database).len(), 61, "{}", run.transcript());
    assert_eq!(
        text(
            &database,
            "SELECT (count(*) || ',' || count(DISTINCT m))::text FROM log"
        ),
        "60,60",
        "{}",
        run.transcript()
    );
    let applied_twice = history(&database)
        .iter()
        .filter(|line| line.outcome == "ok")
        .fold(std::collections::BTreeMap::new(), |mut seen, line| {
            *seen.entry(line.migration_id.clone()).or_insert(0) += 1;
            seen
        })
        .into_iter()
        .filter(|(_, times)| *times > 1)
        .count();
    assert_eq!(applied_twice, 0, "{:?}", history(&database));
}

#[test]
fn markers_set_by_a_migration_on_the_other_path_do_not_reach_a_message() {
    // `-- raise` sends 002 the statement-by-statement way; the markers it sets for the
    // session must be gone before the next message (tag 2) reads them.
    let project = TestProject::new(&[
        ("migrations/001_a.sql", "CREATE TABLE a (id int);\n"),
        (
            "migrations/002_marks.sql",
            "-- raise\nSELECT set_config('plan.committed', '2:0', false), \
             set_config('plan.statement', '0', false);\n",
        ),
        (
            "migrations/003_dup.sql",
            "CREATE TABLE dup (id int primary key);\nINSERT INTO dup VALUES (1), (1);\n",
        ),
        ("migrations/004_d.sql", "CREATE TABLE d (id int);\n"),
    ]);
    let (at, one, _) = fails_alike("r18_marks_other_path", &project);
    assert!(at[0].contains("003_dup.sql:2:"), "{at:?}");
    assert_eq!(ledger_ids(&one), ["001_a", "002_marks"]);
    assert_eq!(
        text(
            &one,
            "SELECT count(*)::text FROM pg_tables WHERE tablename IN ('dup', 'd')"
        ),
        "0"
    );
}

#[test]
fn unterminated_quotes_are_refused_alike() {
    for (name, open) in [
        ("r18_open_dollar", "SELECT $q$never closed\n"),
        ("r18_open_quote", "SELECT 'never closed\n"),
        ("r18_open_ident", "SELECT \"never closed\n"),
    ] {
        let project = TestProject::new(&[
            ("migrations/001_a.sql", "CREATE TABLE a (id int);\n"),
            ("migrations/002_open.sql", open),
            ("migrations/003_c.sql", "CREATE TABLE c (id int);\n"),
        ]);
        let (one, run, other, verbose) = both(name, &project);
        let all = format!("{}\n{}", run.transcript(), verbose.transcript());
        assert_eq!(run.code, verbose.code, "{all}");
        assert_eq!(places(&run), places(&verbose), "{all}");
        assert_eq!(ledger(&one), ledger(&other), "{all}");
    }
}

#[test]
fn transaction_modes_of_the_file_go_alike() {
    for (name, wrapped) in [
        ("r18_empty_tx", "BEGIN;\nCOMMIT;\n"),
        (
            "r18_repeatable",
            "BEGIN ISOLATION LEVEL REPEATABLE READ;\nCREATE TABLE b AS SELECT current_setting('transaction_isolation') AS v;\nCOMMIT;\n",
        ),
        ("r18_read_only_tx", "BEGIN READ ONLY;\nSELECT 1;\nCOMMIT;\n"),
        (
            "r18_deferrable",
            "START TRANSACTION ISOLATION LEVEL SERIALIZABLE, READ WRITE, DEFERRABLE;\nCREATE TABLE b (id int);\nCOMMIT;\n",
        ),
    ] {
        let project = TestProject::new(&[
            ("migrations/001_a.sql", "CREATE TABLE a (id int);\n"),
            ("migrations/002_tx.sql", wrapped),
            ("migrations/003_c.sql", "CREATE TABLE c (id int);\n"),
        ]);
        let (one, run, other, verbose) = both(name, &project);
        let all = format!("{}\n{}", run.transcript(), verbose.transcript());
        assert_eq!(run.code, verbose.code, "{all}");
        assert_eq!(places(&run), places(&verbose), "{all}");
        assert_eq!(ledger(&one), ledger(&other), "{all}");
        let tables = "SELECT coalesce(string_agg(tablename::text, ',' ORDER BY tablename), '') \
                      FROM pg_tables WHERE schemaname = 'public'";
        assert_eq!(text(&one, tables), text(&other, tables), "{all}");
    }
}

#[test]
fn a_nul_character_in_a_migration_is_handled_alike() {
    let project = TestProject::new(&[
        ("migrations/001_a.sql", "CREATE TABLE a (id int);\n"),
        (
            "migrations/002_nul.sql",
            "CREATE TABLE b (id int); -- \u{0}\n",
        ),
        ("migrations/003_c.sql", "CREATE TABLE c (id int);\n"),
    ]);
    let (one, run, other, verbose) = both("r18_nul", &project);
    let all = format!("{}\n{}", run.transcript(), verbose.transcript());
    assert_eq!(run.code, verbose.code, "{all}");
    assert_eq!(ledger(&one), ledger(&other), "{all}");
    assert!(!run.stderr.contains("connection"), "{all}");
}

#[test]
fn a_migration_selecting_plans_duration_column_is_applied_once_with_its_duration() {
    let project = TestProject::new(&[
        ("migrations/001_a.sql", "CREATE TABLE a (id int);\n"),
        (
            "migrations/002_echo.sql",
            "SELECT 9999999 AS plan_duration_ms, 'x' AS plan_guard;\n",
        ),
        ("migrations/003_c.sql", "CREATE TABLE c (id int);\n"),
    ]);
    let (one, run, other, verbose) = both("r18_duration_column", &project);
    let all = format!("{}\n{}", run.transcript(), verbose.transcript());
    assert_eq!((run.code, verbose.code), (0, 0), "{all}");
    assert_eq!(ledger(&one), ledger(&other), "{all}");
    let longest = "SELECT max(duration_ms)::text FROM plan.migrations";
    assert!(text(&one, longest).len() < 5, "{all}");
    assert!(
        !run.stdout.contains("9999999") && !run.stderr.contains("9999999"),
        "{all}"
    );
}

#[test]
fn nested_comments_and_case_inside_atomic_bodies_split_alike() {
    for (name, body) in [
        (
            "r18_nested_comment",
            "CREATE TABLE b (id int); /* outer /* inner */ still comment; COMMIT; */\nCREATE TABLE b2 (id int);\n",
        ),
        (
            "r18_atomic_case",
            "CREATE FUNCTION f(x int) RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT CASE WHEN x > 0 THEN 1 ELSE 0 END;\n  SELECT CASE WHEN x > 1 THEN 2 END;\nEND;\nCREATE TABLE b (id int);\n",
        ),
    ] {
        let project = TestProject::new(&[
            ("migrations/001_a.sql", "CREATE TABLE a (id int);\n"),
            ("migrations/002_body.sql", body),
            ("migrations/003_c.sql", "CREATE TABLE c (id int);\n"),
        ]);
        let (one, run, other, verbose) = both(name, &project);
        let all = format!("{}\n{}", run.transcript(), verbose.transcript());
        assert_eq!((run.code, verbose.code), (0, 0), "{all}");
        assert_eq!(ledger(&one), ledger(&other), "{all}");
        let tables = "SELECT coalesce(string_agg(tablename::text, ',' ORDER BY tablename), '') \
                      FROM pg_tables WHERE schemaname = 'public'";
        assert_eq!(text(&one, tables), text(&other, tables), "{all}");
    }
}

#[test]

fn a_project_setting_plans_committed_default_does_not_skip_a_migration_later() {
    let database = test_db("r18_committed_by_migration");
    let project = TestProject::new(&[(
        "migrations/001_set.sql",
        "DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET plan.committed = %L', \
         current_database(), '1:0'); END $$;\n",
    )]);
    plan(&database, project.path(), &["apply"]).expect_ok();
    project.write(
        "migrations/002_dup.sql",
        "CREATE TABLE dup (id int primary key);\nINSERT INTO dup VALUES (1), (1);\n",
    );
    project.write("migrations/003_c.sql", "CREATE TABLE c (id int);\n");
    let run = plan(&database, project.path(), &["apply"]);
    assert_eq!(
        (run.code, ledger_ids(&database).join(",")),
        (1, "001_set".to_string()),
        "{}",
        run.transcript()
    );
}

#[test]
fn a_trigger_swallowing_a_ledger_row_does_not_let_a_migration_run_twice() {
    let project = TestProject::new(&[
        (
            "migrations/001_skip.sql",
            "CREATE TABLE log (m int);\n\
             CREATE FUNCTION plan_skip() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
             IF NEW.id = '003_c' THEN RETURN NULL; END IF; RETURN NEW; END $$;\n\
             CREATE TRIGGER skip BEFORE INSERT ON plan.migrations FOR EACH ROW \
             EXECUTE FUNCTION plan_skip();\n",
        ),
        ("migrations/002_b.sql", "INSERT INTO log VALUES (2);\n"),
        ("migrations/003_c.sql", "INSERT INTO log VALUES (3);\n"),
    ]);
    let (one, run, other, verbose) = both("r18_swallow", &project);
    let all = format!("{}\n{}", run.transcript(), verbose.transcript());
    assert_eq!(run.code, verbose.code, "{all}");
    assert_ne!(run.code, 0, "{all}");
    assert_eq!(ledger(&one), ledger(&other), "{all}");
    let again = plan(&one, project.path(), &["apply"]);
    let log = "SELECT coalesce(string_agg(m::text, ',' ORDER BY m), '') FROM log";
    assert_eq!(text(&one, log), "2", "{}", again.transcript());
}

#[test]
fn unclosed_parentheses_and_empty_statements_go_alike() {
    for (name, body, ok) in [
        ("r18_paren", "CREATE TABLE b (id int);\nSELECT (1\n", false),
        ("r18_semicolons", ";\n;;\n", true),
        ("r18_blank", "\n  \n", false),
    ] {
        let project = TestProject::new(&[
            ("migrations/001_a.sql", "CREATE TABLE a (id int);\n"),
            ("migrations/002_x.sql", body),
            ("migrations/003_c.sql", "CREATE TABLE c (id int);\n"),
        ]);
        let (one, run, other, verbose) = both(name, &project);
        let all = format!("{}\n{}", run.transcript(), verbose.transcript());
        assert_eq!(run.code, verbose.code, "{all}");
        assert_eq!(run.code == 0, ok, "{all}");
        assert_eq!(places(&run), places(&verbose), "{all}");
        assert_eq!(ledger(&one), ledger(&other), "{all}");
    }
}
