//! The project cache behind `plan status` (issue 18; docs/performance.md, "The project cache"),
//! against a real database: over an unchanged folder, status from the cache's digest says
//! exactly what a full read says, in text and JSON; any change to the folder (a file edited,
//! added, removed, a new plan.yaml) shows on the very next run; a ledger row that needs a
//! migration's SQL, and an unknown `--env`, go the full way with the same output and exit code.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::support::cluster::{TestDatabase, test_db};
use crate::support::project::{Run, TestProject, plan_with_env};

/// `plan ARGS` in `dir` with the project cache in `cache` (`None`: turned off), no database.
pub(crate) fn run_in(dir: &Path, cache: Option<&Path>, args: &[&str]) -> Run {
    match cache {
        Some(cache) => plan_with_env(
            dir,
            args,
            &[("XDG_CACHE_HOME", cache.to_str().expect("a UTF-8 path"))],
        ),
        None => plan_with_env(dir, args, &[("PLAN_CACHE", "off")]),
    }
}

/// [`run_in`] against `database`.
fn run(database: &TestDatabase, dir: &Path, cache: Option<&Path>, args: &[&str]) -> Run {
    let url = database.url();
    let mut all = vec!["--database-url", url.as_str()];
    all.extend_from_slice(args);
    run_in(dir, cache, &all)
}

/// The entries in the cache folder `cache`.
pub(crate) fn entries(cache: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(cache.join("plan"))
        .map(|listing| {
            listing
                .filter_map(Result::ok)
                .map(|entry| entry.path())
                .collect()
        })
        .unwrap_or_default()
}

/// `plan status` (text, then JSON) with the cache in `cache` says what it says without a
/// cache: stdout, stderr and exit code.
#[track_caller]
fn same_with_and_without(database: &TestDatabase, dir: &Path, cache: &Path, extra: &[&str]) {
    for format in ["text", "json"] {
        let mut args = vec!["status", "--exit-code", "--format", format];
        args.extend_from_slice(extra);
        let cached = run(database, dir, Some(cache), &args);
        let full = run(database, dir, None, &args);
        assert_eq!(
            (cached.code, &cached.stdout, &cached.stderr),
            (full.code, &full.stdout, &full.stderr),
            "plan {}",
            args.join(" ")
        );
    }
}

#[test]
fn issue_18_status_from_the_project_cache_says_what_a_full_read_says_and_sees_every_change() {
    let database = test_db("issue_18_project_cache");
    let cache = tempfile::tempdir().expect("a cache folder");
    let project = TestProject::new(&[
        ("migrations/001_a.sql", "CREATE TABLE a (id int);\n"),
        (
            "migrations/002_b.sql",
            "-- depends: 001_a\nCREATE TABLE b (id int);\n",
        ),
        (
            "migrations/003_prod.sql",
            "-- environment: production\nCREATE TABLE p (id int);\n",
        ),
        ("migrations/004_after.sql", "CREATE TABLE q (id int);\n"),
        (
            "migrations/R__view.sql",
            "CREATE OR REPLACE VIEW v AS SELECT 1 AS one;\n",
        ),
        (
            "plan.yaml",
            "environments:\n  production: {}\n  staging: {}\n",
        ),
    ]);
    let dir = project.path();
    run(&database, dir, None, &["apply", "--to", "002_b"]).expect_ok();
    // The time of each row as the server writes it in UTC (plan formats it itself).
    let server: String = database
        .client()
        .query_one(
            "SELECT to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS \"UTC\"') \
             FROM plan.migrations WHERE id = '001_a'",
            &[],
        )
        .expect("the ledger row")
        .get(0);
    let shown = run(&database, dir, None, &["status", "--format", "json"]).expect_ok();
    let json: serde_json::Value = serde_json::from_str(&shown.stdout).expect("status JSON");
    assert_eq!(
        json["migrations"][0]["applied_at"],
        server.as_str(),
        "{json}"
    );

    // Files written a moment ago are read every time: a change within the file system's
    // clock tick could keep their stamps. Once they are older than that margin (3 s), the
    // read is kept.
    run(&database, dir, Some(cache.path()), &["status"]).expect_ok();
    assert_eq!(
        entries(cache.path()),
        Vec::<PathBuf>::new(),
        "nothing kept yet"
    );
    std::thread::sleep(Duration::from_millis(3_500));
    run(&database, dir, Some(cache.path()), &["status"]).expect_ok();
    assert_eq!(entries(cache.path()).len(), 1, "the read is kept");
    same_with_and_without(&database, dir, cache.path(), &[]);
    same_with_and_without(&database, dir, cache.path(), &["--env", "production"]);
    // An environment the project does not declare: the same usage error, exit 2.
    same_with_and_without(&database, dir, cache.path(), &["--env", "nowhere"]);

    // A file edited after it was applied: modified, on the next run.
    project.write(
        "migrations/001_a.sql",
        "CREATE TABLE a (id int, note text);\n",
    );
    run(&database, dir, Some(cache.path()), &["status"])
        .expect_ok()
        .expect_stdout_has(&["modified"]);
    same_with_and_without(&database, dir, cache.path(), &[]);
    project.write("migrations/001_a.sql", "CREATE TABLE a (id int);\n");

    // A file added, a file removed, plan.yaml changed: each seen at once.
    project.write("migrations/005_new.sql", "CREATE TABLE n (id int);\n");
    run(&database, dir, Some(cache.path()), &["status"])
        .expect_ok()
        .expect_stdout_has(&["005_new", "pending"]);
    std::fs::remove_file(dir.join("migrations/002_b.sql")).expect("remove 002");
    run(&database, dir, Some(cache.path()), &["status"])
        .expect_ok()
        .expect_stdout_has(&["file missing"]);
    same_with_and_without(&database, dir, cache.path(), &[]);
    project.write(
        "migrations/002_b.sql",
        "-- depends: 001_a\nCREATE TABLE b (id int);\n",
    );
    project.write("plan.yaml", "environments:\n  production: {}\n");
    run(
        &database,
        dir,
        Some(cache.path()),
        &["status", "--env", "staging"],
    )
    .expect_invalid();
    // The ledger moved (plan.yaml changed, so the kept digest no longer holds): the new ledger
    // is read, not the one the digest names.
    project.write(
        "plan.yaml",
        "environments:\n  production: {}\n  staging: {}\ntracking_table: elsewhere.ledger\n",
    );
    let moved = run(&database, dir, Some(cache.path()), &["status"]).expect_ok();
    assert!(
        moved.stdout.contains(": 0 applied, 5 pending"),
        "nothing is applied in the new ledger:\n{}",
        moved.stdout
    );
    same_with_and_without(&database, dir, cache.path(), &[]);
    project.write(
        "plan.yaml",
        "environments:\n  production: {}\n  staging: {}\n",
    );

    // Settled again, and a migration stopped part-way outside a transaction: its state needs
    // its SQL (which statement is next), so status reads the folder for it.
    project.write(
        "migrations/006_partial.sql",
        "-- plan: no-transaction\nCREATE TABLE s (id int);\nSELECT 1/0;\n",
    );
    std::thread::sleep(Duration::from_millis(3_500));
    run(&database, dir, Some(cache.path()), &["status"]).expect_ok();
    run(&database, dir, None, &["apply"]).expect_failed();
    let cached = run(&database, dir, Some(cache.path()), &["status"]).expect_ok();
    assert!(
        cached.stdout.contains("partial"),
        "a partial migration shows as such:\n{}",
        cached.stdout
    );
    same_with_and_without(&database, dir, cache.path(), &[]);
}

#[test]
fn issue_18_a_cache_folder_others_may_write_to_is_not_used() {
    let database = test_db("issue_18_project_cache_shared");
    let cache = tempfile::tempdir().expect("a cache folder");
    let shared = cache.path().join("plan");
    std::fs::create_dir(&shared).expect("the cache folder");
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o777))
        .expect("open the folder to everyone");
    let project = TestProject::new(&[("migrations/001_a.sql", "CREATE TABLE a (id int);\n")]);
    std::thread::sleep(Duration::from_millis(3_500));
    run(&database, project.path(), Some(cache.path()), &["status"]).expect_ok();
    assert_eq!(entries(cache.path()), Vec::<PathBuf>::new());
}

#[test]
fn issue_18_show_from_the_project_cache_writes_what_a_full_read_writes() {
    let cache = tempfile::tempdir().expect("a cache folder");
    let project = TestProject::new(&[
        (
            "migrations/001_users.sql",
            "CREATE TABLE users (id int PRIMARY KEY);\n",
        ),
        (
            "migrations/002_orders.sql",
            "CREATE TABLE orders (id int, user_id int REFERENCES users);\n",
        ),
        (
            "migrations/003_prod.sql",
            "-- environment: production\nCREATE INDEX orders_user ON orders (user_id);\n",
        ),
        ("plan.yaml", "environments:\n  production: {}\n"),
    ]);
    let dir = project.path();
    let variants: [&[&str]; 5] = [
        &["show"],
        &["show", "--format", "json"],
        &["show", "--to", "002"],
        &["show", "--env", "production"],
        &["show", "--to", "nothing"],
    ];
    let same = |what: &str| {
        for args in variants {
            let cached = run_in(dir, Some(cache.path()), args);
            let full = run_in(dir, None, args);
            assert_eq!(
                (cached.code, &cached.stdout, &cached.stderr),
                (full.code, &full.stdout, &full.stderr),
                "{what}: plan {}",
                args.join(" ")
            );
        }
    };
    same("files just written");
    assert_eq!(
        entries(cache.path()),
        Vec::<PathBuf>::new(),
        "nothing kept yet"
    );
    std::thread::sleep(Duration::from_millis(3_500));
    same("first settled read");
    // One entry per set of options that succeeded (an unknown --to is not kept).
    assert_eq!(
        entries(cache.path()).len(),
        4,
        "{:?}",
        entries(cache.path())
    );
    same("from the cache");
    // A new migration that uses orders: shown at once, with the dependency inferred.
    project.write(
        "migrations/004_totals.sql",
        "ALTER TABLE orders ADD COLUMN total numeric;\n",
    );
    let shown = run_in(dir, Some(cache.path()), &["show"]).expect_ok();
    assert!(shown.stdout.contains("004_totals"), "{}", shown.stdout);
    same("a file added");
}
