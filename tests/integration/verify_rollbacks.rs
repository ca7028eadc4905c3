//! Catalog snapshots of routines and who `plan verify` blames (issue 11, findings 18 and 19).
//!
//! Procedures, aggregates, window functions and SQL-standard bodies in the snapshot: `plan
//! verify`, `plan baseline` and `plan check-schema` on databases holding them, and each kind's
//! hash changing when the routine is replaced. Then `plan verify` with rollbacks that leave
//! something behind: each migration is blamed only for what its own rollback left, not for a
//! later migration's leftovers that are still there when the walk reaches it.

use pgplan::internals::ObjectKey;
use pgplan::internals::{Catalog, Session};
use serde_json::Value;

use crate::support::cluster::{TestDatabase, render, test_db};
use crate::support::project::{Run, TestProject, plan, plan_with_env};

/// Runs SQL on the database as a person would with psql.
fn by_hand(database: &TestDatabase, sql: &str) {
    database
        .client()
        .batch_execute(sql)
        .unwrap_or_else(|error| panic!("by hand: {sql}: {error}"));
}

/// The catalog of a database as `plan` snapshots it.
fn catalog(database: &TestDatabase) -> Catalog {
    let mut session =
        Session::connect(database.settings()).unwrap_or_else(|error| panic!("{}", render(&error)));
    Catalog::read(&mut session, "plan", "migrations")
        .unwrap_or_else(|error| panic!("{}", render(&error)))
}

/// `plan verify --format json` on `project` (a throwaway cluster), parsed, with the run.
fn verify_json(project: &TestProject) -> (Run, Value) {
    let run = plan_with_env(project.path(), &["verify", "--format", "json"], &[]);
    let json = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|error| panic!("verify JSON: {error}\n{}", run.transcript()));
    (run, json)
}

/// One migration of a verify report: its ID, rollback outcome and differences.
#[derive(Debug, PartialEq, Eq)]
struct Outcome {
    id: String,
    rollback: String,
    left_behind: Vec<String>,
    missing: Vec<String>,
    changed: Vec<String>,
}

/// Each migration of a verify report, in order.
fn outcomes(json: &Value) -> Vec<Outcome> {
    let strings = |value: &Value| -> Vec<String> {
        value
            .as_array()
            .map(|list| {
                list.iter()
                    .map(|item| item.as_str().expect("a string").to_string())
                    .collect()
            })
            .unwrap_or_default()
    };
    json["migrations"]
        .as_array()
        .expect("migrations is a list")
        .iter()
        .map(|migration| Outcome {
            id: migration["id"].as_str().expect("an id").to_string(),
            rollback: migration["rollback"]
                .as_str()
                .expect("an outcome")
                .to_string(),
            left_behind: strings(&migration["left_behind"]),
            missing: strings(&migration["missing"]),
            changed: strings(&migration["changed"]),
        })
        .collect()
}

/// An expected outcome: nothing missing or changed, `left_behind` left behind.
fn outcome(id: &str, rollback: &str, left_behind: &[&str]) -> Outcome {
    Outcome {
        id: id.to_string(),
        rollback: rollback.to_string(),
        left_behind: left_behind.iter().map(|key| key.to_string()).collect(),
        missing: Vec::new(),
        changed: Vec::new(),
    }
}

const ACCOUNTS: &str = "-- UP
CREATE TABLE accounts (id bigint PRIMARY KEY, name text NOT NULL);
-- DOWN
DROP TABLE accounts;
";

/// 002: a procedure; its rollback drops it, or (`leaky`) forgets to.
fn procedure_project(leaky: bool) -> TestProject {
    let down = if leaky {
        "-- DOWN\nSELECT 1;\n"
    } else {
        "-- DOWN\nDROP PROCEDURE rename_account(bigint, text);\n"
    };
    TestProject::new(&[
        ("migrations/001_accounts.sql", ACCOUNTS),
        (
            "migrations/002_rename_account.sql",
            &format!(
                "-- UP
CREATE PROCEDURE rename_account(account bigint, new_name text)
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE accounts SET name = new_name WHERE id = account;
END
$$;
{down}"
            ),
        ),
    ])
}

#[test]
fn issue_11_verify_checks_the_rollback_of_a_procedure() {
    plan_with_env(procedure_project(false).path(), &["verify"], &[])
        .expect_ok()
        .expect_stdout_has(&[
            "002_rename_account  rollback restores the schema",
            "clean: every rollback restores the schema (2 of 2)",
        ]);
    // The rollback really is checked: one that forgets the procedure is caught.
    let project = procedure_project(true);
    let (run, json) = verify_json(&project);
    let run = run.expect_failed();
    assert_eq!(
        outcomes(&json),
        [
            outcome("001_accounts", "restored", &[]),
            outcome(
                "002_rename_account",
                "not_restored",
                &["function public.rename_account(IN account bigint, IN new_name text)"]
            ),
        ],
        "{}",
        run.transcript()
    );
}

#[test]
fn issue_11_baseline_works_on_a_database_holding_a_procedure() {
    let database = test_db("issue_11_baseline_with_procedure");
    by_hand(
        &database,
        "CREATE TABLE accounts (id bigint PRIMARY KEY, name text NOT NULL);
         CREATE PROCEDURE touch() LANGUAGE sql AS 'SELECT 1';",
    );
    let project = TestProject::new(&[("migrations/001_accounts.sql", ACCOUNTS)]);
    plan(&database, project.path(), &["baseline", "--to", "001"])
        .expect_ok()
        .expect_stdout_has(&["001_accounts"]);
    plan(&database, project.path(), &["status"])
        .expect_ok()
        .expect_stdout_has(&["001_accounts"]);
}

#[test]
fn issue_11_a_procedure_replaced_by_hand_is_drift() {
    let database = test_db("issue_11_procedure_drift");
    let project = procedure_project(false);
    plan(&database, project.path(), &["apply"]).expect_ok();
    plan(&database, project.path(), &["check-schema"])
        .expect_ok()
        .expect_stdout_has(&["\nclean; "]);
    by_hand(
        &database,
        "CREATE OR REPLACE PROCEDURE rename_account(account bigint, new_name text)
         LANGUAGE plpgsql AS $$
         BEGIN
             UPDATE accounts SET name = upper(new_name) WHERE id = account;
         END
         $$;",
    );
    plan(&database, project.path(), &["check-schema"])
        .expect_failed()
        .expect_stdout_has(&[
            // The parser reads CREATE PROCEDURE, so the drift names the migration too.
            "  ~ function public.rename_account(IN account bigint, IN new_name text) (altered outside the plan, created by 002_rename_account)\n",
        ]);
}

#[test]
fn issue_11_every_kind_of_routine_changes_its_snapshot_when_replaced() {
    let database = test_db("issue_11_routine_kinds");
    by_hand(
        &database,
        "CREATE PROCEDURE proc(a int) LANGUAGE plpgsql AS $$ BEGIN RAISE NOTICE '%', a; END $$;
         CREATE FUNCTION atomic(a int) RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT a + 1; END;
         CREATE FUNCTION expression(a int) RETURNS int LANGUAGE sql RETURN a + 1;
         CREATE PROCEDURE atomic_proc(a int) LANGUAGE sql BEGIN ATOMIC SELECT a; END;
         CREATE AGGREGATE total(int) (sfunc = int4pl, stype = int, initcond = '0');
         CREATE FUNCTION numbered() RETURNS bigint LANGUAGE internal WINDOW AS 'window_row_number';
         CREATE FUNCTION plain(a int) RETURNS int LANGUAGE sql AS 'SELECT a';",
    );
    let before = catalog(&database);
    let keys = [
        "function public.proc(IN a integer)",
        "function public.atomic(a integer)",
        "function public.expression(a integer)",
        "function public.atomic_proc(IN a integer)",
        "function public.total(integer)",
        "function public.numbered()",
        "function public.plain(a integer)",
    ];
    for text in keys {
        let key = &ObjectKey::from_catalog_key(text);
        assert!(
            before.contains(key),
            "{key} missing: {:?}",
            before.keys().collect::<Vec<_>>()
        );
    }
    // Replacing each one with another body (an aggregate cannot be replaced in place: it is
    // dropped and created again with another transition function).
    by_hand(
        &database,
        "CREATE OR REPLACE PROCEDURE proc(a int) LANGUAGE plpgsql AS $$ BEGIN RAISE NOTICE 'a=%', a; END $$;
         CREATE OR REPLACE FUNCTION atomic(a int) RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT a + 2; END;
         CREATE OR REPLACE FUNCTION expression(a int) RETURNS int LANGUAGE sql RETURN a + 2;
         CREATE OR REPLACE PROCEDURE atomic_proc(a int) LANGUAGE sql BEGIN ATOMIC SELECT a + 1; END;
         DROP AGGREGATE total(int);
         CREATE AGGREGATE total(int) (sfunc = int4larger, stype = int);
         CREATE OR REPLACE FUNCTION numbered() RETURNS bigint LANGUAGE internal WINDOW AS 'window_rank';",
    );
    let after = catalog(&database);
    for text in keys {
        let key = &ObjectKey::from_catalog_key(text);
        if text == "function public.plain(a integer)" {
            assert_eq!(before.hash_of(key), after.hash_of(key), "{key} untouched");
        } else {
            assert_ne!(
                before.hash_of(key),
                after.hash_of(key),
                "{key} was replaced"
            );
        }
    }
    assert_eq!(before.len(), after.len());
}

/// Three tables, one per migration; 003's rollback leaves its table behind.
fn three_tables(leaky_002: bool) -> TestProject {
    let email = if leaky_002 {
        // Forgets the column it added.
        "-- UP\nALTER TABLE accounts ADD COLUMN email text;\n-- DOWN\nSELECT 1;\n"
    } else {
        "-- UP\nCREATE TABLE settings (key text);\n-- DOWN\nDROP TABLE settings;\n"
    };
    TestProject::new(&[
        ("migrations/001_accounts.sql", ACCOUNTS),
        ("migrations/002_second.sql", email),
        (
            "migrations/003_notes.sql",
            // Forgets the table it created.
            "-- UP\nCREATE TABLE notes (body text);\n-- DOWN\nSELECT 1;\n",
        ),
    ])
}

#[test]
fn issue_11_verify_blames_only_the_rollback_that_leaves_a_table() {
    let project = three_tables(false);
    let run = plan_with_env(project.path(), &["verify"], &[]).expect_failed();
    let lines: Vec<&str> = run.stdout.lines().map(str::trim).collect();
    for expected in [
        "001_accounts  rollback restores the schema",
        "002_second    rollback restores the schema",
        "003_notes     rollback does NOT restore the schema",
        "left behind: table public.notes",
        "not clean: 2 of 3 rollbacks restore the schema; see 003_notes",
    ] {
        assert!(
            lines.contains(&expected),
            "{expected:?} missing:\n{}",
            run.transcript()
        );
    }
    let (run, json) = verify_json(&project);
    let run = run.expect_failed();
    assert_eq!(
        outcomes(&json),
        [
            outcome("001_accounts", "restored", &[]),
            outcome("002_second", "restored", &[]),
            outcome(
                "003_notes",
                "not_restored",
                &["column public.notes.body", "table public.notes"]
            ),
        ],
        "{}",
        run.transcript()
    );
}

#[test]
fn issue_11_two_leaky_rollbacks_are_each_blamed_for_their_own_leftover() {
    let project = three_tables(true);
    let (run, json) = verify_json(&project);
    let run = run.expect_failed();
    // 001's rollback drops accounts, email column and all: it restores the schema from before
    // it, apart from 003's table, which is 003's to answer for.
    assert_eq!(
        outcomes(&json),
        [
            outcome("001_accounts", "restored", &[]),
            outcome(
                "002_second",
                "not_restored",
                &["column public.accounts.email"]
            ),
            outcome(
                "003_notes",
                "not_restored",
                &["column public.notes.body", "table public.notes"]
            ),
        ],
        "{}",
        run.transcript()
    );
    let run = plan_with_env(project.path(), &["verify"], &[]).expect_failed();
    assert!(
        run.stdout
            .contains("not clean: 1 of 3 rollbacks restore the schema; see 002_second, 003_notes"),
        "{}",
        run.transcript()
    );
}

#[test]
fn issue_11_a_change_past_the_63rd_byte_of_a_definition_changes_the_snapshot() {
    let database = test_db("issue_11_long_definitions");
    by_hand(
        &database,
        "CREATE TABLE orders (id int, quantity int, price numeric,
             CONSTRAINT orders_sane CHECK (quantity >= 0 AND price >= 0 AND quantity < 1000 AND price < 1000));
         CREATE VIEW big_orders AS SELECT id, quantity, price FROM orders WHERE quantity > 10 AND price > 100;
         CREATE FUNCTION order_lines(a int)
             RETURNS TABLE (order_identifier integer, order_quantity integer, order_price numeric)
             LANGUAGE sql AS 'SELECT id, quantity, price FROM orders WHERE id = a';",
    );
    let before = catalog(&database);
    // Each changed only at its end, past the 63 bytes a `name` holds.
    by_hand(
        &database,
        "ALTER TABLE orders DROP CONSTRAINT orders_sane;
         ALTER TABLE orders ADD CONSTRAINT orders_sane
             CHECK (quantity >= 0 AND price >= 0 AND quantity < 1000 AND price < 2000);
         CREATE OR REPLACE VIEW big_orders AS
             SELECT id, quantity, price FROM orders WHERE quantity > 10 AND price > 200;
         CREATE OR REPLACE FUNCTION order_lines(a int)
             RETURNS TABLE (order_identifier integer, order_quantity integer, order_price numeric)
             LANGUAGE sql AS 'SELECT id, quantity, price FROM orders WHERE id = a + 1';",
    );
    let after = catalog(&database);
    for key in [
        "constraint public.orders.orders_sane",
        "view public.big_orders",
        "function public.order_lines(a integer)",
    ] {
        let key = &ObjectKey::from_catalog_key(key);
        assert!(before.contains(key), "{key} missing");
        assert_ne!(before.hash_of(key), after.hash_of(key), "{key} was changed");
    }
}
