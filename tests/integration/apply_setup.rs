//! What `plan apply` sets up before its first migration (issue 18): the ledger created with
//! its current shape in one go (so its shape is asked about only when it was already there),
//! the snapshot table created and asked for snapshots in one round trip, and the baseline taken
//! once, before the first apply only.

use crate::support::cluster::{TestDatabase, test_db};
use crate::support::project::{TestProject, ledger_ids, plan};

fn texts(database: &TestDatabase, sql: &str) -> Vec<String> {
    database
        .client()
        .query(sql, &[])
        .unwrap_or_else(|error| panic!("{sql}: {error}"))
        .iter()
        .map(|row| row.get(0))
        .collect()
}

/// The reason and batch of each snapshot, oldest first.
fn snapshots(database: &TestDatabase) -> Vec<String> {
    texts(
        database,
        "SELECT reason || ' ' || coalesce(batch::text, '-') FROM plan.migrations_catalog ORDER BY snapshot",
    )
}

/// Whether the ledger has the shape this version creates: the `completed` column and the
/// truncate guards on both tables.
fn current_shape(database: &TestDatabase) -> Vec<String> {
    texts(
        database,
        "SELECT 'completed ' || EXISTS (SELECT FROM pg_attribute WHERE attrelid = 'plan.migrations'::regclass
                                        AND attname = 'completed' AND NOT attisdropped)::text
         UNION ALL
         SELECT 'truncate guards ' || count(*)::text FROM pg_trigger
          WHERE tgname = 'refuse_truncate'
            AND tgrelid IN ('plan.migrations'::regclass, 'plan.migrations_history'::regclass)",
    )
}

#[test]
fn a_fresh_ledger_has_its_shape_and_one_baseline_and_later_runs_add_only_their_snapshot() {
    let database = test_db("apply_setup_fresh");
    database
        .client()
        .batch_execute("CREATE TABLE already_there (id int)")
        .expect("an object before the first apply");
    let project =
        TestProject::new(&[("migrations/001_first.sql", "CREATE TABLE first (id int);\n")]);
    plan(&database, project.path(), &["apply"]).expect_ok();
    assert_eq!(
        current_shape(&database),
        ["completed true", "truncate guards 2"]
    );
    assert_eq!(snapshots(&database), ["baseline -", "apply 1"]);
    // The baseline holds what was there before, and not what the plan made.
    let baseline = texts(
        &database,
        "SELECT key FROM plan.migrations_catalog, jsonb_object_keys(objects) AS key
          WHERE reason = 'baseline' AND key LIKE 'table %' ORDER BY key",
    );
    assert_eq!(baseline, ["table public.already_there"]);

    project.write(
        "migrations/002_second.sql",
        "CREATE TABLE second (id int);\n",
    );
    plan(&database, project.path(), &["apply"]).expect_ok();
    assert_eq!(snapshots(&database), ["baseline -", "apply 1", "apply 2"]);
    assert_eq!(ledger_ids(&database), ["001_first", "002_second"]);
}

#[test]
fn a_ledger_of_an_older_shape_is_still_upgraded() {
    let database = test_db("apply_setup_older");
    let project =
        TestProject::new(&[("migrations/001_first.sql", "CREATE TABLE first (id int);\n")]);
    plan(&database, project.path(), &["apply"]).expect_ok();
    // The shape of a ledger an older version created: no `completed`, no truncate guards.
    database
        .client()
        .batch_execute(
            "ALTER TABLE plan.migrations DROP COLUMN completed;
             DROP TRIGGER refuse_truncate ON plan.migrations;
             DROP TRIGGER refuse_truncate ON plan.migrations_history;",
        )
        .expect("an older ledger's shape");
    assert_eq!(
        current_shape(&database),
        ["completed false", "truncate guards 0"]
    );
    project.write(
        "migrations/002_second.sql",
        "CREATE TABLE second (id int);\n",
    );
    plan(&database, project.path(), &["apply"]).expect_ok();
    assert_eq!(
        current_shape(&database),
        ["completed true", "truncate guards 2"]
    );
    assert_eq!(ledger_ids(&database), ["001_first", "002_second"]);
    assert_eq!(snapshots(&database), ["baseline -", "apply 1", "apply 2"]);
}
