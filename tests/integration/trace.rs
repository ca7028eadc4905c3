//! `plan trace` (issue 15): each migration apply would run, run on a throwaway cluster, with the
//! locks each statement takes and the tables it rewrites as PostgreSQL 15 really takes and
//! rewrites them; the JSON shape; the text; a failure on the copy; tracing the pending
//! migrations of a database from a copy of its schema, without touching it.

use serde_json::Value;

use crate::support::cluster::{password_database, test_db};
use crate::support::project::{FILTERS, TestProject, crate_root, ledger_ids, plan, plan_with_env};

/// The tables every case works on, created by the first migration, so that each later
/// statement finds them existing (locks on relations a migration creates are not reported).
const TABLES: &str = "CREATE TABLE customers (id int PRIMARY KEY);\n\
    CREATE TABLE orders (id int PRIMARY KEY, customer_id int, quantity int, note varchar(50));\n";

/// The statement under test, one per migration, so that each sees only its own locks.
const CASES: [(&str, &str); 8] = [
    (
        "002_index",
        "CREATE INDEX orders_customer ON orders (customer_id);\n",
    ),
    (
        "003_index_concurrently",
        "CREATE INDEX CONCURRENTLY orders_note ON orders (note);\n",
    ),
    (
        "004_foreign_key",
        "ALTER TABLE orders ADD FOREIGN KEY (customer_id) REFERENCES customers (id);\n",
    ),
    (
        "005_bigint",
        "ALTER TABLE orders ALTER COLUMN quantity TYPE bigint;\n",
    ),
    (
        "006_wider_varchar",
        "ALTER TABLE orders ALTER COLUMN note TYPE varchar(100);\n",
    ),
    (
        "007_volatile_default",
        "ALTER TABLE orders ADD COLUMN touched timestamptz DEFAULT clock_timestamp();\n",
    ),
    (
        "008_now_default",
        "ALTER TABLE orders ADD COLUMN created timestamptz DEFAULT now();\n",
    ),
    ("009_nothing", "SELECT 1;\n"),
];

/// A project holding the tables and every case.
fn cases_project() -> TestProject {
    let files: Vec<(String, &str)> = std::iter::once(("001_tables".to_string(), TABLES))
        .chain(CASES.iter().map(|(id, sql)| (id.to_string(), *sql)))
        .map(|(id, sql)| (format!("migrations/{id}.sql"), sql))
        .collect();
    let files: Vec<(&str, &str)> = files
        .iter()
        .map(|(path, sql)| (path.as_str(), *sql))
        .collect();
    TestProject::new(&files)
}

/// What the trace says of the one statement of migration `id`.
struct Seen {
    locks: Vec<(String, String)>,
    rewrites: Vec<String>,
    blocks: String,
    observed: bool,
}

fn statement_of(report: &Value, id: &str) -> Seen {
    let migration = report["migrations"]
        .as_array()
        .expect("migrations")
        .iter()
        .find(|migration| migration["id"] == id)
        .unwrap_or_else(|| panic!("{id} traced: {report:#}"));
    let statements = migration["statements"].as_array().expect("statements");
    assert_eq!(statements.len(), 1, "{migration:#}");
    let statement = &statements[0];
    let text = |value: &Value| value.as_str().expect("a string").to_string();
    Seen {
        locks: statement["locks"]
            .as_array()
            .expect("locks")
            .iter()
            .map(|lock| (text(&lock["relation"]), text(&lock["mode"])))
            .collect(),
        rewrites: statement["rewrites"]
            .as_array()
            .expect("rewrites")
            .iter()
            .map(text)
            .collect(),
        blocks: text(&statement["blocks"]),
        observed: statement["observed"] == true,
    }
}

impl Seen {
    fn holds(&self, relation: &str, mode: &str) -> bool {
        self.locks
            .iter()
            .any(|(held, held_mode)| held == relation && held_mode == mode)
    }
}

#[test]
fn trace_observes_the_locks_and_rewrites_postgresql_takes() {
    let project = cases_project();
    let run = plan_with_env(project.path(), &["trace", "--format", "json"], &[]).expect_ok();
    let report: Value = serde_json::from_str(&run.stdout).expect("JSON on stdout");
    let seen = |id: &str| statement_of(&report, id);
    let context = run.transcript();

    let index = seen("002_index");
    assert!(index.holds("public.orders", "ShareLock"), "{context}");
    assert!(index.rewrites.is_empty(), "{context}");
    assert_eq!(index.blocks, "writes", "{context}");

    // Run outside a transaction, and seen while it waits for the tables' writers.
    let concurrently = seen("003_index_concurrently");
    assert!(concurrently.observed, "{context}");
    assert!(
        concurrently.holds("public.orders", "ShareUpdateExclusiveLock"),
        "{context}"
    );
    assert_eq!(concurrently.blocks, "none", "{context}");

    let foreign_key = seen("004_foreign_key");
    assert!(
        foreign_key.holds("public.orders", "ShareRowExclusiveLock"),
        "{context}"
    );
    assert!(
        foreign_key.holds("public.customers", "ShareRowExclusiveLock"),
        "{context}"
    );
    assert_eq!(foreign_key.blocks, "writes", "{context}");

    let bigint = seen("005_bigint");
    assert!(
        bigint.holds("public.orders", "AccessExclusiveLock"),
        "{context}"
    );
    assert!(
        bigint.rewrites.contains(&"public.orders".to_string()),
        "{context}"
    );
    assert_eq!(bigint.blocks, "reads_and_writes", "{context}");

    let wider = seen("006_wider_varchar");
    assert!(
        wider.holds("public.orders", "AccessExclusiveLock"),
        "{context}"
    );
    assert!(wider.rewrites.is_empty(), "{context}");

    let volatile = seen("007_volatile_default");
    assert!(
        volatile.holds("public.orders", "AccessExclusiveLock"),
        "{context}"
    );
    assert!(
        volatile.rewrites.contains(&"public.orders".to_string()),
        "{context}"
    );

    let now = seen("008_now_default");
    assert!(
        now.holds("public.orders", "AccessExclusiveLock"),
        "{context}"
    );
    assert!(now.rewrites.is_empty(), "{context}");

    let nothing = seen("009_nothing");
    assert!(nothing.locks.is_empty(), "{context}");
    assert_eq!(nothing.blocks, "none", "{context}");
}

#[test]
fn trace_json_has_the_documented_shape() {
    let project = TestProject::new(&[
        ("migrations/001_orders.sql", TABLES),
        (
            "migrations/002_index.sql",
            "-- a comment first\nCREATE INDEX orders_customer ON orders (customer_id);\n",
        ),
    ]);
    let run = plan_with_env(
        project.path(),
        &["trace", "--format", "json", "--to", "002_index"],
        &[],
    )
    .expect_ok();
    let report: Value = serde_json::from_str(&run.stdout).expect("JSON on stdout");
    let keys = |value: &Value| -> Vec<String> {
        let mut keys: Vec<String> = value
            .as_object()
            .expect("an object")
            .keys()
            .cloned()
            .collect();
        keys.sort();
        keys
    };
    assert_eq!(keys(&report), ["format", "migrations", "schema_from"]);
    assert_eq!(report["format"], 1);
    assert_eq!(report["schema_from"], "empty");
    let migrations = report["migrations"].as_array().expect("migrations");
    assert_eq!(migrations.len(), 2);
    let migration = &migrations[1];
    assert_eq!(
        keys(migration),
        ["blocks", "id", "statements", "transaction"]
    );
    assert_eq!(migration["id"], "002_index");
    assert_eq!(migration["transaction"], true);
    assert_eq!(migration["blocks"], "writes");
    let statement = &migration["statements"][0];
    assert_eq!(
        keys(statement),
        [
            "blocks", "file", "line", "locks", "ms", "observed", "rewrites"
        ]
    );
    assert_eq!(statement["file"], "migrations/002_index.sql");
    assert_eq!(statement["line"], 2);
    assert_eq!(
        statement["locks"],
        serde_json::json!([{"relation": "public.orders", "mode": "ShareLock"}])
    );
    assert_eq!(statement["rewrites"], serde_json::json!([]));
    assert_eq!(statement["blocks"], "writes");
    assert!(statement["ms"].is_u64(), "{statement}");
    assert_eq!(statement["observed"], true);
    // Every field printed is documented in docs/json.md's section.
    let doc = std::fs::read_to_string(crate_root().join("docs/json.md")).expect("docs/json.md");
    let section = doc
        .split("\n## ")
        .find(|section| section.starts_with("`plan trace`"))
        .expect("docs/json.md has a `plan trace` section");
    let lock = &statement["locks"][0];
    for key in [&report, migration, statement, lock]
        .into_iter()
        .flat_map(keys)
    {
        assert!(
            section.contains(&format!("`{key}`")),
            "`{key}` is not in docs/json.md's `plan trace` section"
        );
    }
}

#[test]
fn trace_text_names_each_statement_its_locks_and_rewrites() {
    let project = TestProject::new(&[
        ("migrations/001_orders.sql", TABLES),
        (
            "migrations/002_orders_changes.sql",
            "CREATE INDEX orders_customer ON orders (customer_id);\n\
             ALTER TABLE orders ALTER COLUMN quantity TYPE bigint;\n",
        ),
        (
            "migrations/003_orders_note_index.sql",
            "CREATE INDEX CONCURRENTLY orders_note ON orders (note);\n",
        ),
    ]);
    let run = plan_with_env(project.path(), &["trace"], &[]).expect_ok();
    insta::with_settings!({filters => FILTERS.to_vec()}, {
        insta::assert_snapshot!("trace_text", run.transcript());
    });
}

#[test]
fn a_statement_that_fails_on_the_copy_is_named_with_its_line() {
    let project = TestProject::new(&[
        ("migrations/001_orders.sql", TABLES),
        (
            "migrations/002_typo.sql",
            "CREATE INDEX orders_customer ON orders (customer_id);\n\
             ALTER TABLE orders ALTER COLUMN quantiy TYPE bigint;\n",
        ),
    ]);
    let run = plan_with_env(project.path(), &["trace"], &[])
        .expect_failed()
        .expect_stderr_has(&[
            "plan::trace::statement_failed",
            "migrations/002_typo.sql:2",
            "quantiy",
        ]);
    assert!(run.stdout.is_empty(), "{}", run.transcript());
    plan_with_env(project.path(), &["trace", "--to", "003_missing"], &[]).expect_invalid();
}

#[test]
fn with_a_database_only_its_pending_migrations_are_traced_on_a_copy() {
    let database = test_db("trace_pending_of_a_database");
    let project = TestProject::new(&[
        ("migrations/001_orders.sql", TABLES),
        (
            "migrations/002_index.sql",
            "CREATE INDEX orders_customer ON orders (customer_id);\n",
        ),
    ]);
    plan(&database, project.path(), &["apply", "--to", "001_orders"]).expect_ok();
    let run = plan(&database, project.path(), &["trace", "--format", "json"]).expect_ok();
    let report: Value = serde_json::from_str(&run.stdout).expect("JSON on stdout");
    assert_eq!(report["schema_from"], "database", "{}", run.transcript());
    let ids: Vec<&str> = report["migrations"]
        .as_array()
        .expect("migrations")
        .iter()
        .filter_map(|migration| migration["id"].as_str())
        .collect();
    assert_eq!(ids, ["002_index"], "{}", run.transcript());
    // The table it locks is the database's, copied: it existed before the migration.
    assert!(
        statement_of(&report, "002_index").holds("public.orders", "ShareLock"),
        "{}",
        run.transcript()
    );
    // Nothing ran on the database itself.
    assert_eq!(ledger_ids(&database), ["001_orders"]);
    let mut client = database.client();
    let indexes: i64 = client
        .query_one(
            "SELECT count(*) FROM pg_indexes WHERE indexname = 'orders_customer'",
            &[],
        )
        .expect("count indexes")
        .get(0);
    assert_eq!(indexes, 0);
}

#[test]
fn tracing_a_database_behind_a_password_never_shows_it() {
    let (role, password) = ("trace_owner", "trace-Secret-7f3a");
    let url = password_database("trace_password", role, password);
    let project = TestProject::new(&[
        ("migrations/001_orders.sql", TABLES),
        (
            "migrations/002_index.sql",
            "CREATE INDEX orders_customer ON orders (customer_id);\n",
        ),
    ]);
    let env = [("PGPASSWORD", password)];
    plan_with_env(
        project.path(),
        &["apply", "--to", "001_orders", "--database-url", &url],
        &env,
    )
    .expect_ok();
    for format in ["text", "json"] {
        let run = plan_with_env(
            project.path(),
            &["trace", "--format", format, "--database-url", &url],
            &env,
        )
        .expect_ok();
        assert!(
            run.stdout.contains("002_index") && !run.stdout.contains("001_orders"),
            "{}",
            run.transcript()
        );
        assert!(!run.transcript().contains(password), "{}", run.transcript());
    }
}
