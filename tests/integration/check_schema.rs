//! `plan check-schema` and the prerequisite checks of `plan apply` against a real database
//! (issue 4): the worked example clean after apply, changes made by hand reported with the
//! migration that created the object, the baseline rule, the snapshot a rollback records, the
//! whole-plan preflight (nothing runs, file and line named), the check inside each migration's
//! transaction, and a number of catalog queries that does not grow with the plan, counted by
//! the server itself.
//!
//! Every change "by hand" is made with a client of the test's own, as a person with psql would.

use std::path::Path;

use pgplan::internals::{Catalog, Session};
use pgplan::internals::{ObjectKey, SchemaObjectKind, TableObjectKind};
use serde_json::Value;

use crate::support::cluster::{TestDatabase, render, test_db};
use crate::support::project::{
    FILTERS, Run, TestProject, crate_root, history, ledger_ids, plan, public_tables, user_objects,
};

/// The worked example (the repository's own migrations/ and plan.yaml) in a folder of its own.
fn worked_example() -> TestProject {
    let root = crate_root();
    let project = TestProject::new(&[(
        "plan.yaml",
        &std::fs::read_to_string(root.join("plan.yaml")).expect("read plan.yaml"),
    )]);
    let mut names: Vec<String> = std::fs::read_dir(root.join("migrations"))
        .expect("list migrations/")
        .map(|entry| {
            entry
                .expect("a directory entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    for name in names {
        let path = format!("migrations/{name}");
        let text = std::fs::read_to_string(root.join(&path))
            .unwrap_or_else(|error| panic!("read {path}: {error}"));
        project.write(&path, &text);
    }
    project
}

/// Runs SQL on the database as a person would with psql.
fn by_hand(database: &TestDatabase, sql: &str) {
    database
        .client()
        .batch_execute(sql)
        .unwrap_or_else(|error| panic!("by hand: {sql}: {error}"));
}

/// `plan check-schema --format json`, parsed.
fn check_json(database: &TestDatabase, dir: &Path) -> (Run, Value) {
    let run = plan(database, dir, &["check-schema", "--format", "json"]);
    let json = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|error| panic!("check-schema JSON: {error}\n{}", run.transcript()));
    (run, json)
}

/// `(object, created_by)` of a JSON list of findings.
fn objects(list: &Value) -> Vec<(String, Option<String>)> {
    list.as_array()
        .unwrap_or_else(|| panic!("expected a list, got {list}"))
        .iter()
        .map(|entry| {
            (
                entry["object"].as_str().expect("an object").to_string(),
                entry["created_by"].as_str().map(str::to_string),
            )
        })
        .collect()
}

fn found(object: &str, created_by: Option<&str>) -> (String, Option<String>) {
    (object.to_string(), created_by.map(str::to_string))
}

/// `(migration, requires, declared_at)` of each unmet prerequisite in the JSON.
fn unmet(json: &Value) -> Vec<(String, String, String)> {
    json["unmet_prerequisites"]
        .as_array()
        .expect("unmet_prerequisites is a list")
        .iter()
        .map(|entry| {
            let field = |name: &str| entry[name].as_str().expect("a string").to_string();
            (field("migration"), field("requires"), field("declared_at"))
        })
        .collect()
}

/// Why each recorded catalog snapshot was taken, oldest first.
fn snapshot_reasons(database: &TestDatabase) -> Vec<String> {
    database
        .client()
        .query(
            "SELECT reason FROM plan.migrations_catalog ORDER BY snapshot",
            &[],
        )
        .expect("read the catalog snapshots")
        .iter()
        .map(|row| row.get(0))
        .collect()
}

/// The shared filters, plus one for JSON: the shared `?host=` filter also takes the closing
/// quote of the `database` string, which this puts back.
fn json_filters() -> Vec<(&'static str, &'static str)> {
    let mut filters = FILTERS.to_vec();
    filters.push((r"\?host=\[socket\],", r#"?host=[socket]","#));
    filters
}

#[test]
fn the_worked_example_is_clean_right_after_apply() {
    let database = test_db("check_schema_clean_after_apply");
    let project = worked_example();
    plan(&database, project.path(), &["apply"]).expect_ok();

    let run = plan(&database, project.path(), &["check-schema"])
        .expect_ok()
        .expect_stdout_has(&["all met", "all present", "  none\n", "\nclean; "]);
    insta::with_settings!({filters => FILTERS.to_vec()}, {
        insta::assert_snapshot!("check_schema_clean_worked_example", run.transcript());
    });
    let (run, json) = check_json(&database, project.path());
    let run = run.expect_ok();
    assert_eq!(json["clean"], true, "{}", run.transcript());
    assert_eq!(json["findings"], 0, "{}", run.transcript());
    assert!(json["drift"]["since"].is_string(), "{}", run.transcript());
    assert_eq!(snapshot_reasons(&database), ["baseline", "apply"]);
}

#[test]
fn changes_made_by_hand_are_reported_with_the_migration_that_created_them() {
    let database = test_db("check_schema_changes_by_hand");
    let project = worked_example();
    plan(&database, project.path(), &["apply"]).expect_ok();
    by_hand(
        &database,
        "ALTER TABLE platform.organizations DROP COLUMN billing_plan;
         CREATE TABLE public.by_hand (id int PRIMARY KEY, note text);
         DROP INDEX platform.idx_invoices_organization_id_issued;
         ALTER TABLE platform.invoices ALTER COLUMN currency TYPE varchar(3);",
    );

    let text = plan(&database, project.path(), &["check-schema"])
        .expect_failed()
        .expect_stdout_has(&[
            "  missing: column platform.organizations.billing_plan (created by 002_platform_billing_schema)\n",
            "  missing: index platform.idx_invoices_organization_id_issued (created by 002_platform_billing_schema)\n",
            "  + table public.by_hand (added outside the plan)\n",
            "  ~ column platform.invoices.currency (altered outside the plan, created by 002_platform_billing_schema)\n",
        ])
        .expect_stderr_has(&["plan::cli::schema_findings"]);
    insta::with_settings!({filters => FILTERS.to_vec()}, {
        insta::assert_snapshot!("check_schema_changes_by_hand_text", text.transcript());
    });

    let (run, json) = check_json(&database, project.path());
    let run = run.expect_failed();
    insta::with_settings!({filters => json_filters()}, {
        insta::assert_snapshot!("check_schema_changes_by_hand_json", run.stdout);
    });
    assert_eq!(json["clean"], false);
    assert_eq!(
        objects(&json["missing_objects"]),
        [
            found(
                "column platform.organizations.billing_plan",
                Some("002_platform_billing_schema")
            ),
            found(
                "index platform.idx_invoices_organization_id_issued",
                Some("002_platform_billing_schema")
            ),
        ]
    );
    let added = objects(&json["drift"]["added"]);
    assert!(
        added.contains(&found("table public.by_hand", None)),
        "{added:?}"
    );
    assert!(
        added.iter().all(|(object, _)| object.contains("by_hand")),
        "only the hand-made table and its parts are new: {added:?}"
    );
    // A missing object is reported once, as missing, not again as dropped.
    assert_eq!(objects(&json["drift"]["dropped"]), []);
    assert_eq!(
        objects(&json["drift"]["altered"]),
        [found(
            "column platform.invoices.currency",
            Some("002_platform_billing_schema")
        )]
    );
    assert_eq!(json["findings"], 2 + added.len() + 1);
}

#[test]
fn objects_that_predate_the_first_apply_are_the_baseline_not_drift() {
    let database = test_db("check_schema_baseline");
    // A base schema some other system owns, there before the plan's first apply.
    by_hand(
        &database,
        "CREATE TABLE public.legacy (id int PRIMARY KEY, note text);
         CREATE INDEX legacy_note ON public.legacy (note);",
    );
    let project = worked_example();
    plan(&database, project.path(), &["apply", "--to", "001"]).expect_ok();
    // Made by hand after the first apply: the second apply's snapshot takes it in, but it is
    // not part of the baseline.
    by_hand(&database, "CREATE TABLE public.later (id int);");
    plan(&database, project.path(), &["apply"]).expect_ok();
    assert_eq!(snapshot_reasons(&database), ["baseline", "apply", "apply"]);
    plan(&database, project.path(), &["check-schema"]).expect_ok();

    by_hand(
        &database,
        "ALTER TABLE public.legacy ALTER COLUMN note TYPE varchar(10);",
    );
    plan(&database, project.path(), &["check-schema"])
        .expect_ok()
        .expect_stdout_has(&["\nclean; "]);
    by_hand(&database, "DROP TABLE public.legacy;");
    let run = plan(&database, project.path(), &["check-schema"])
        .expect_ok()
        .expect_stdout_has(&["\nclean; "]);
    assert!(!run.stdout.contains("legacy"), "{}", run.transcript());

    by_hand(&database, "DROP TABLE public.later;");
    plan(&database, project.path(), &["check-schema"])
        .expect_failed()
        .expect_stdout_has(&[
            "  - table public.later (dropped outside the plan)\n",
            "  - column public.later.id (dropped outside the plan)\n",
        ]);
}

#[test]
fn check_schema_is_clean_again_after_rollback_last_batch() {
    let database = test_db("check_schema_after_rollback");
    let project = worked_example();
    plan(&database, project.path(), &["apply"]).expect_ok();
    by_hand(
        &database,
        "ALTER TABLE platform.organizations DROP COLUMN billing_plan;
         CREATE TABLE public.by_hand (id int);",
    );
    plan(&database, project.path(), &["check-schema"]).expect_failed();

    plan(&database, project.path(), &["rollback", "--last-batch"]).expect_ok();
    assert_eq!(ledger_ids(&database), Vec::<String>::new());
    assert_eq!(
        snapshot_reasons(&database),
        ["baseline", "apply", "rollback"]
    );
    // Drift is counted from the latest run: the rollback's snapshot took in the hand-made
    // table, which is still there.
    assert_eq!(public_tables(&database), ["by_hand"]);
    let (run, json) = check_json(&database, project.path());
    let run = run.expect_ok();
    assert_eq!(json["clean"], true, "{}", run.transcript());
    assert_eq!(objects(&json["missing_objects"]), []);
    assert_eq!(objects(&json["drift"]["added"]), []);
}

/// 001 creates `public.users` without `nickname`; 002 requires that column.
fn nickname_project() -> TestProject {
    TestProject::new(&[
        (
            "migrations/001_users.sql",
            "-- depends: none\nCREATE TABLE public.users (id int PRIMARY KEY);\n",
        ),
        (
            "migrations/002_nickname_index.sql",
            "-- depends: 001\n\
             -- requires: column public.users.nickname\n\
             CREATE INDEX users_nickname ON public.users (nickname);\n",
        ),
    ])
}

#[test]
fn a_prerequisite_nothing_creates_fails_preflight_before_any_statement() {
    let database = test_db("check_schema_preflight_fails");
    let project = nickname_project();
    let run = plan(&database, project.path(), &["apply"])
        .expect_failed()
        .expect_stderr_has(&[
            "plan::apply::preflight",
            "nothing was applied",
            "002_nickname_index requires column public.users.nickname",
            "[migrations/002_nickname_index.sql:2:",
        ]);
    insta::with_settings!({filters => FILTERS.to_vec()}, {
        insta::assert_snapshot!("check_schema_preflight_header", run.transcript());
    });
    // 001 would have run first: it did not, and nothing else did.
    assert_eq!(public_tables(&database), Vec::<String>::new());
    assert_eq!(user_objects(&database), Vec::<String>::new());
    assert_eq!(ledger_ids(&database), Vec::<String>::new());
    assert_eq!(history(&database), []);
}

#[test]
fn a_prerequisite_an_earlier_pending_migration_creates_passes_preflight_and_applies() {
    let database = test_db("check_schema_preflight_provided");
    let project = TestProject::new(&[
        (
            "migrations/001_app.sql",
            "-- depends: none\n\
             CREATE SCHEMA app;\n\
             CREATE TABLE app.users (id int PRIMARY KEY);\n",
        ),
        (
            "migrations/002_nickname.sql",
            "-- depends: 001\nALTER TABLE app.users ADD COLUMN nickname text;\n",
        ),
        (
            "migrations/003_nickname_index.sql",
            "-- depends: 002\n\
             -- requires: schema app, table app.users, column app.users.nickname\n\
             CREATE INDEX users_nickname ON app.users (nickname);\n",
        ),
    ]);
    // Everything 003 needs comes from 001 and 002: nothing to look up in the catalog but the
    // comparison with the last snapshot.
    let (run, json) = check_json(&database, project.path());
    let run = run.expect_ok();
    assert_eq!(unmet(&json), [], "{}", run.transcript());
    assert_eq!(json["catalog_queries"], 1, "{}", run.transcript());

    plan(&database, project.path(), &["apply"])
        .expect_ok()
        .expect_stdout_has(&["applied 3 migrations in batch 1"]);
    assert_eq!(
        ledger_ids(&database),
        ["001_app", "002_nickname", "003_nickname_index"]
    );
    plan(&database, project.path(), &["check-schema"]).expect_ok();
}

#[test]
fn a_plan_yaml_prerequisite_that_fails_preflight_names_its_plan_yaml_line() {
    let database = test_db("check_schema_preflight_plan_yaml");
    let project = TestProject::new(&[
        (
            "migrations/001_users.sql",
            "CREATE TABLE public.users (id int PRIMARY KEY);\n",
        ),
        (
            "migrations/002_nickname_index.sql",
            "CREATE INDEX users_nickname ON public.users (nickname);\n",
        ),
        (
            "plan.yaml",
            "migrations:\n\
             \x20 002_nickname_index:\n\
             \x20   requires:\n\
             \x20     tables: [public.users]\n\
             \x20     columns:\n\
             \x20       - public.users.id\n\
             \x20       - public.users.nickname\n",
        ),
    ]);
    let run = plan(&database, project.path(), &["apply"])
        .expect_failed()
        .expect_stderr_has(&[
            "plan::apply::preflight",
            "002_nickname_index requires column public.users.nickname",
            "[plan.yaml:7:",
        ]);
    insta::with_settings!({filters => FILTERS.to_vec()}, {
        insta::assert_snapshot!("check_schema_preflight_plan_yaml", run.transcript());
    });
    assert_eq!(user_objects(&database), Vec::<String>::new());
    assert_eq!(ledger_ids(&database), Vec::<String>::new());
}

#[test]
fn check_schema_lists_unmet_prerequisites_of_pending_migrations_with_their_line() {
    let database = test_db("check_schema_lists_unmet");
    by_hand(&database, "CREATE TABLE public.accounts (id int);");
    let project = TestProject::new(&[
        (
            "migrations/001_users.sql",
            "CREATE TABLE public.users (id int PRIMARY KEY);\n",
        ),
        (
            "migrations/002_nickname_index.sql",
            "-- Purpose: an index on a column nobody creates\n\
             -- requires: table public.accounts\n\
             -- requires: column public.users.nickname\n\
             CREATE INDEX users_nickname ON public.users (nickname);\n",
        ),
        ("migrations/003_profiles.sql", "SELECT 1;\n"),
        (
            "plan.yaml",
            "migrations:\n\
             \x20 003_profiles:\n\
             \x20   requires: {tables: [public.profiles], extensions: [plpgsql]}\n",
        ),
    ]);
    let run = plan(&database, project.path(), &["check-schema"])
        .expect_failed()
        .expect_stderr_has(&["plan::cli::schema_findings", "2 problem(s)"]);
    insta::with_settings!({filters => FILTERS.to_vec()}, {
        insta::assert_snapshot!("check_schema_unmet_text", run.transcript());
    });
    let (run, json) = check_json(&database, project.path());
    let run = run.expect_failed();
    let expected = |migration: &str, requires: &str, at: &str| {
        (migration.to_string(), requires.to_string(), at.to_string())
    };
    assert_eq!(
        unmet(&json),
        [
            expected(
                "002_nickname_index",
                "column public.users.nickname",
                "migrations/002_nickname_index.sql:3"
            ),
            expected("003_profiles", "table public.profiles", "plan.yaml:3"),
        ],
        "{}",
        run.transcript()
    );
    // No apply ran: there is no snapshot to compare with yet.
    assert_eq!(json["drift"], Value::Null);
    // The check looked and changed nothing: no ledger, no tables of the plan.
    assert_eq!(public_tables(&database), ["accounts"]);
    assert!(!crate::support::project::ledger_exists(
        &mut database.client()
    ));
}

#[test]
fn a_prerequisite_missing_when_its_migration_starts_stops_it_inside_its_transaction() {
    let database = test_db("check_schema_in_transaction");
    // `users` exists already, without `nickname`. 001's CREATE TABLE IF NOT EXISTS names the
    // column, so the preflight (which reads SQL, not the outcome) counts it as created; at run
    // time the statement does nothing, and 002's own check, inside its transaction, finds the
    // column missing. The same check catches a column dropped by another session between the
    // preflight and the migration.
    by_hand(&database, "CREATE TABLE public.users (id int PRIMARY KEY);");
    let project = TestProject::new(&[
        (
            "migrations/001_users.sql",
            "-- depends: none\n\
             CREATE TABLE IF NOT EXISTS public.users (id int PRIMARY KEY, nickname text);\n\
             CREATE TABLE public.audit (id int);\n",
        ),
        (
            "migrations/002_nickname_index.sql",
            "-- depends: 001\n\
             -- requires: column public.users.nickname\n\
             CREATE INDEX users_nickname ON public.users (nickname);\n",
        ),
    ]);
    let run = plan(&database, project.path(), &["apply"])
        .expect_failed()
        .expect_stderr_has(&[
            "plan::apply::migration_failed",
            "migration 002_nickname_index failed: it requires column public.users.nickname",
            "[migrations/002_nickname_index.sql:2:",
        ]);
    insta::with_settings!({filters => FILTERS.to_vec()}, {
        insta::assert_snapshot!("check_schema_in_transaction", run.transcript());
    });
    assert_eq!(ledger_ids(&database), ["001_users"]);
    assert_eq!(public_tables(&database), ["audit", "users"]);
    let index: bool = database
        .client()
        .query_one(
            "SELECT to_regclass('public.users_nickname') IS NOT NULL",
            &[],
        )
        .expect("look for the index")
        .get(0);
    assert!(!index, "002 must leave no trace");
    let failed: Vec<_> = history(&database)
        .into_iter()
        .filter(|line| line.outcome != "ok")
        .map(|line| (line.migration_id, line.detail))
        .collect();
    assert_eq!(
        failed,
        [(
            "002_nickname_index".to_string(),
            Some(
                "it requires column public.users.nickname, which the database does not have"
                    .to_string()
            )
        )]
    );
}

#[test]
fn a_scratch_table_its_migration_drops_again_is_not_reported_missing() {
    let database = test_db("check_schema_scratch_tables");
    let project = TestProject::new(&[(
        "migrations/001_users.sql",
        "CREATE TABLE public.users (id int PRIMARY KEY);\n\
         CREATE TEMP TABLE scratch AS SELECT 1 AS one;\n\
         CREATE TABLE public.staging (id int);\n\
         INSERT INTO public.users SELECT id FROM public.staging;\n\
         DROP TABLE public.staging;\n",
    )]);
    plan(&database, project.path(), &["apply"]).expect_ok();
    plan(&database, project.path(), &["check-schema"])
        .expect_ok()
        .expect_stdout_has(&["all present", "\nclean; "]);
    by_hand(&database, "DROP TABLE public.users;");
    plan(&database, project.path(), &["check-schema"])
        .expect_failed()
        .expect_stdout_has(&["  missing: table public.users (created by 001_users)\n"]);
}

#[test]
fn a_composite_type_is_not_reported_missing_but_a_dropped_enum_is() {
    let database = test_db("check_schema_types");
    let project = TestProject::new(&[(
        "migrations/001_types.sql",
        "CREATE TYPE public.address AS (street text, city text);\n\
         CREATE TYPE public.mood AS ENUM ('ok', 'sad');\n",
    )]);
    plan(&database, project.path(), &["apply"]).expect_ok();
    plan(&database, project.path(), &["check-schema"])
        .expect_ok()
        .expect_stdout_has(&["all present"]);
    by_hand(&database, "DROP TYPE public.mood;");
    plan(&database, project.path(), &["check-schema"])
        .expect_failed()
        .expect_stdout_has(&["  missing: type public.mood (created by 001_types)\n"]);
}

#[test]
fn an_index_goes_with_the_table_a_later_migration_drops() {
    let database = test_db("check_schema_dropped_table_index");
    let project = TestProject::new(&[
        (
            "migrations/001_old_orders.sql",
            "CREATE TABLE public.old_orders (id int PRIMARY KEY, placed_at date);\n\
             CREATE INDEX old_orders_placed ON public.old_orders (placed_at);\n",
        ),
        (
            "migrations/002_drop_old_orders.sql",
            "DROP TABLE public.old_orders;\n",
        ),
    ]);
    plan(&database, project.path(), &["apply"]).expect_ok();
    plan(&database, project.path(), &["check-schema"])
        .expect_ok()
        .expect_stdout_has(&["all present", "\nclean; "]);
}

#[test]
fn a_partial_migration_is_not_expected_to_have_created_what_it_has_not_run() {
    let database = test_db("check_schema_partial_migration");
    let project = TestProject::new(&[
        (
            "migrations/001_orders.sql",
            "CREATE TABLE public.orders (id int PRIMARY KEY, account_id int);\n",
        ),
        (
            "migrations/002_indexes.sql",
            "-- plan: no-transaction\n\
             CREATE INDEX CONCURRENTLY orders_account ON public.orders (account_id);\n\
             CREATE INDEX CONCURRENTLY invoices_account ON public.invoices (account_id);\n",
        ),
    ]);
    plan(&database, project.path(), &["apply"])
        .expect_failed()
        .expect_stderr_has(&["plan::apply::migration_failed", "42P01"]);
    let (run, json) = check_json(&database, project.path());
    // 002 stopped before its second statement: `invoices_account` is not missing, it is not
    // made yet.
    assert_eq!(
        objects(&json["missing_objects"]),
        [],
        "{}",
        run.transcript()
    );
    assert_eq!(unmet(&json), [], "{}", run.transcript());

    by_hand(
        &database,
        "CREATE TABLE public.invoices (id int, account_id int);",
    );
    plan(&database, project.path(), &["apply"]).expect_ok();
    by_hand(&database, "DROP INDEX public.invoices_account;");
    plan(&database, project.path(), &["check-schema"])
        .expect_failed()
        .expect_stdout_has(&[
            "  missing: index public.invoices_account (created by 002_indexes)\n",
        ]);
}

/// A project whose pending migrations declare `count` prerequisites (a multiple of 10), ten
/// per file and of every kind: the schema `app`, the extension plpgsql, four tables and four
/// columns of `app`, all of which exist (see [`base_schema`]).
fn prerequisite_project(count: usize) -> TestProject {
    let project = TestProject::new(&[]);
    for file in 0..count / 10 {
        let tables: Vec<String> = (1..=4).map(|n| format!("app.t{}", file * 4 + n)).collect();
        let columns: Vec<String> = tables.iter().map(|table| format!("{table}.c")).collect();
        project.write(
            &format!("migrations/{:03}_needs.sql", file + 1),
            &format!(
                "-- requires: schema app, extension plpgsql\n\
                 -- requires: table {}\n\
                 -- requires: column {}\n\
                 SELECT 1;\n",
                tables.join(", table "),
                columns.join(", column ")
            ),
        );
    }
    project
}

/// `app.t1` … `app.t100`, each with a column `c`.
fn base_schema(database: &TestDatabase) {
    by_hand(
        database,
        "CREATE SCHEMA app;
         DO $$ BEGIN
             FOR n IN 1..100 LOOP
                 EXECUTE format('CREATE TABLE app.t%s (id int PRIMARY KEY, c int)', n);
             END LOOP;
         END $$;",
    );
}

/// The statements the server received from `plan check-schema --format json`, and the JSON.
fn logged_check(database: &TestDatabase, dir: &Path) -> (Vec<String>, Value) {
    let ((run, json), statements) = database.logged(|| check_json(database, dir));
    run.expect_ok();
    (statements, json)
}

/// Statements that read the catalog: information_schema or pg_extension lookups, and the
/// comparison with the last snapshot (built on the `covered_namespace` CTE).
fn catalog_statements(statements: &[String]) -> usize {
    statements
        .iter()
        .filter(|statement| {
            statement.contains("information_schema.")
                || statement.contains("FROM pg_extension WHERE")
                || statement.contains("covered_namespace")
        })
        .count()
}

#[test]
fn catalog_queries_do_not_grow_with_the_number_of_prerequisites() {
    // One test, one database at a time: the log is shared by the whole cluster, and only the
    // database measured has log_statement set.
    let small_database = test_db("check_schema_queries_10");
    base_schema(&small_database);
    let small_project = prerequisite_project(10);
    let (small, small_json) = logged_check(&small_database, small_project.path());

    let large_database = test_db("check_schema_queries_200");
    base_schema(&large_database);
    let large_project = prerequisite_project(200);
    let (large, large_json) = logged_check(&large_database, large_project.path());

    // Four kinds of prerequisite, one query each, and the comparison with the last snapshot.
    assert_eq!(small_json["catalog_queries"], 5, "{small_json}");
    assert_eq!(large_json["catalog_queries"], 5, "{large_json}");
    assert_eq!(catalog_statements(&small), 5, "{small:#?}");
    assert_eq!(catalog_statements(&large), 5, "{large:#?}");
    assert_eq!(
        small.len(),
        large.len(),
        "every statement, not only catalog reads:\n{small:#?}\n{large:#?}"
    );
    assert_eq!(small_json["findings"], 0);
    assert_eq!(large_json["findings"], 0);

    // All prerequisites provided by earlier pending migrations: nothing to look up, and the
    // report says so (it used to count the kinds named, not the queries run).
    let example_database = test_db("check_schema_queries_provided");
    let example = worked_example();
    let (provided, provided_json) = logged_check(&example_database, example.path());
    assert_eq!(provided_json["catalog_queries"], 1, "{provided_json}");
    assert_eq!(catalog_statements(&provided), 1, "{provided:#?}");
}

/// Names with a space and a dot, which no split of a text key can take apart, are read from
/// the server by parts: check-schema names each missing object exactly, once, and the snapshot
/// recorded after the apply keeps its text keys and reads back to the same JSON.
#[test]
fn objects_whose_names_hold_spaces_and_dots_are_named_exactly_as_missing() {
    let database = test_db("check_schema_names_with_spaces_and_dots");
    let project = TestProject::new(&[(
        "migrations/001_odd_names.sql",
        "CREATE SCHEMA \"a.b\";\n\
         CREATE TABLE \"a.b\".\"my table\" (id int PRIMARY KEY, \"e.mail\" text);\n\
         CREATE MATERIALIZED VIEW \"a.b\".\"m v\" AS SELECT 1 AS one;\n\
         CREATE INDEX \"my.index\" ON \"a.b\".\"my table\" (\"e.mail\");\n\
         CREATE FUNCTION \"a.b\".\"f.g\"(x int) RETURNS int LANGUAGE sql AS 'SELECT x';\n",
    )]);
    plan(&database, project.path(), &["apply"]).expect_ok();
    plan(&database, project.path(), &["check-schema"])
        .expect_ok()
        .expect_stdout_has(&["all present", "\nclean; "]);

    // The snapshot the apply recorded, as stored, against the catalog read now by parts.
    let mut session =
        Session::connect(database.settings()).unwrap_or_else(|error| panic!("{}", render(&error)));
    let fresh = Catalog::read(&mut session, "plan", "migrations")
        .unwrap_or_else(|error| panic!("{}", render(&error)));
    let _ = session.close();
    let table = ObjectKey::in_schema(SchemaObjectKind::Table, "a.b", "my table");
    assert!(
        fresh.contains(&table),
        "{:?}",
        fresh.keys().collect::<Vec<_>>()
    );
    assert!(fresh.contains(&ObjectKey::of_table(
        TableObjectKind::Column,
        "a.b",
        "my table",
        "e.mail"
    )));
    assert!(fresh.names(&ObjectKey::function("a.b", "f.g")));
    let stored: String = database
        .client()
        .query_one(
            "SELECT objects::text FROM plan.migrations_catalog ORDER BY snapshot DESC LIMIT 1",
            &[],
        )
        .expect("read the latest snapshot")
        .get(0);
    let as_json = |text: &str| -> Value { serde_json::from_str(text).expect("JSON") };
    assert_eq!(as_json(&fresh.to_json()), as_json(&stored));
    let read_back = Catalog::from_json(&stored).expect("a stored snapshot");
    assert_eq!(read_back.to_json(), fresh.to_json());
    assert_eq!(read_back.fingerprint(), fresh.fingerprint());
    assert!(read_back.contains(&ObjectKey::from_catalog_key("table a.b.my table")));

    by_hand(
        &database,
        "DROP MATERIALIZED VIEW \"a.b\".\"m v\";
         DROP INDEX \"a.b\".\"my.index\";
         ALTER TABLE \"a.b\".\"my table\" DROP COLUMN \"e.mail\";
         DROP FUNCTION \"a.b\".\"f.g\"(int);",
    );
    let text = plan(&database, project.path(), &["check-schema"])
        .expect_failed()
        .expect_stdout_has(&[
            "  missing: column a.b.my table.e.mail (created by 001_odd_names)\n",
            "  missing: function a.b.f.g (created by 001_odd_names)\n",
            "  missing: index a.b.my.index (created by 001_odd_names)\n",
            "  missing: materialized view a.b.m v (created by 001_odd_names)\n",
        ]);
    let (_, json) = check_json(&database, project.path());
    assert_eq!(
        objects(&json["missing_objects"]),
        [
            found("column a.b.my table.e.mail", Some("001_odd_names")),
            found("function a.b.f.g", Some("001_odd_names")),
            found("index a.b.my.index", Some("001_odd_names")),
            found("materialized view a.b.m v", Some("001_odd_names")),
        ],
        "{}",
        text.transcript()
    );
    // Each is reported once, as missing. A function's overload is listed by the catalog with
    // its arguments and found as the plan's; the view's column, which no key of the plan
    // names, went with it.
    assert_eq!(
        objects(&json["drift"]["dropped"]),
        [
            found("column a.b.m v.one", None),
            found("function a.b.f.g(x integer)", Some("001_odd_names")),
        ],
        "{}",
        text.transcript()
    );
    assert_eq!(objects(&json["drift"]["added"]), []);
}
