//! The tracking tables `import-history` reads ([`TABLE_SHAPES`]): the five our users' own
//! runners keep and those of the public tools (Flyway, Sqitch, dbmate, goose, golang-migrate,
//! sqlx, node-pg-migrate, Prisma Migrate, Diesel, morph), each recognised by its table name and
//! columns, with how its rows are read: an SQL expression per value, over the table's own
//! columns. Only names and expressions: finding and reading the table is `foreign.rs`'s job.
//!
//! Each public tool's table is described from its source, cited beside it (and in
//! `tests/fixtures/tools/<tool>/tracking.sql`).

/// How a table's rows say what is applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Rule {
    /// A row per migration applied; a row marked rolled back is not applied unless another row
    /// of the same migration is not (the seed runners, Sqitch, sqlx, Prisma, ...).
    Rows,
    /// Rows are events in order: the latest row of a migration decides (Flyway's UNDO rows,
    /// goose's `is_applied`).
    LatestDecides,
    /// One row, the version reached: every migration whose version is at most it is applied
    /// (golang-migrate).
    UpTo,
}

/// What the tool's checksum is, so that it can be compared with the file now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ToolChecksum {
    /// None kept.
    None,
    /// SHA-256 of the file, hex (seed 004 when it is 64 hex digits; Prisma's `migration.sql`).
    Sha256,
    /// SHA-384 of the file, hex (sqlx's `checksum bytea`, read with `encode(…, 'hex')`).
    Sha384,
    /// Flyway's CRC32 of the file's lines, a signed 32-bit integer (`checksum.rs`).
    FlywayCrc32,
    /// Kept for reference only: not compared (Sqitch's SHA-1 of the deploy script).
    Reference,
}

/// How a value of a row is read: SQL expressions over the table's columns (`None`: the table
/// does not keep it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Reading {
    /// The version (`001`, `1.1`, `20240101120000`).
    pub(super) version: Option<&'static str>,
    /// The migration's name or file name.
    pub(super) name: Option<&'static str>,
    /// When it was applied (a timestamp or timestamptz).
    pub(super) applied_at: Option<&'static str>,
    /// The runner's batch, kept.
    pub(super) batch: Option<&'static str>,
    /// True when the row says the migration is not applied (rolled back, failed, undone).
    pub(super) rolled_back: Option<&'static str>,
    /// The tool's checksum, as text.
    pub(super) checksum: Option<&'static str>,
    /// How long it took, in milliseconds.
    pub(super) duration_ms: Option<&'static str>,
    /// Who applied it.
    pub(super) user: Option<&'static str>,
    /// True while the tool left the database half migrated (golang-migrate's `dirty`).
    pub(super) dirty: Option<&'static str>,
    /// True for a row that marks a baseline (Flyway's `BASELINE`): every versioned migration
    /// up to its version counts as applied.
    pub(super) baseline: Option<&'static str>,
    /// The tool's own ID of the row's migration (Sqitch's `change_id`), which tells apart the
    /// instances of a reworked change.
    pub(super) tool_id: Option<&'static str>,
    /// Which rows are read at all (`WHERE`), when not every one is about a migration.
    pub(super) filter: Option<&'static str>,
    /// The rows' order, oldest first.
    pub(super) order: &'static str,
}

/// A tracking-table shape `import-history` recognises.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TableShape {
    /// Its name for `--from` (`flyway`, `seed-000`).
    pub tool: &'static str,
    /// Which runner keeps it, for people.
    pub runner: &'static str,
    /// The table as that runner creates it, for people.
    pub described: &'static str,
    /// The table's name as the tool creates it, looked for by `--from auto`.
    pub(super) table: &'static str,
    /// The schema the tool keeps it in, when the tool fixes one (Sqitch's `sqitch`).
    pub(super) schema: Option<&'static str>,
    /// The columns a table must have to be read with this shape.
    pub(super) columns: &'static [&'static str],
    /// How its rows are read.
    pub(super) reading: Reading,
    /// How its rows say what is applied.
    pub(super) rule: Rule,
    /// What its checksum is.
    pub(super) checksum: ToolChecksum,
    /// What a row that is not applied is, for the report: `rolled back`, `rolled back or failed`.
    pub skipped: &'static str,
}

/// A reading with nothing but the order; each shape fills in what it keeps.
const NOTHING: Reading = Reading {
    version: None,
    name: None,
    applied_at: None,
    batch: None,
    rolled_back: None,
    checksum: None,
    duration_ms: None,
    user: None,
    dirty: None,
    baseline: None,
    tool_id: None,
    filter: None,
    order: "1",
};

/// The shapes known, most specific first: a table is read with the first whose name (for a
/// table found by name) and columns it has.
pub(crate) const TABLE_SHAPES: [TableShape; 15] = [
    TableShape {
        tool: "seed-000",
        runner: "seed 000 (run-migration.js up|down)",
        described: "schema_migrations(version, name, applied_at, rolled_back_at)",
        table: "schema_migrations",
        schema: None,
        columns: &["version", "name", "applied_at", "rolled_back_at"],
        reading: Reading {
            version: Some("version"),
            name: Some("name"),
            applied_at: Some("applied_at"),
            rolled_back: Some("rolled_back_at IS NOT NULL"),
            order: "applied_at NULLS FIRST",
            ..NOTHING
        },
        rule: Rule::Rows,
        checksum: ToolChecksum::None,
        skipped: "rolled back",
    },
    TableShape {
        tool: "seed-004",
        runner: "seed 004 (migrations at server start, with checksums)",
        described: "schema_migrations(id, migration_name, applied_at, checksum, execution_time_ms)",
        table: "schema_migrations",
        schema: None,
        columns: &[
            "migration_name",
            "applied_at",
            "checksum",
            "execution_time_ms",
        ],
        reading: Reading {
            name: Some("migration_name"),
            applied_at: Some("applied_at"),
            checksum: Some("checksum"),
            duration_ms: Some("execution_time_ms"),
            order: "applied_at NULLS FIRST",
            ..NOTHING
        },
        rule: Rule::Rows,
        checksum: ToolChecksum::Sha256,
        skipped: "rolled back",
    },
    TableShape {
        tool: "seed-001",
        runner: "seed 001 (manual tracking beside apply-migration.js)",
        described: "platform.schema_migrations(id, migration_name, applied_at)",
        table: "schema_migrations",
        schema: None,
        columns: &["migration_name", "applied_at"],
        reading: Reading {
            name: Some("migration_name"),
            applied_at: Some("applied_at"),
            order: "applied_at NULLS FIRST",
            ..NOTHING
        },
        rule: Rule::Rows,
        checksum: ToolChecksum::None,
        skipped: "rolled back",
    },
    TableShape {
        tool: "seed-003",
        runner: "seed 003 (npm run migrate, with batches)",
        described: "_migrations(id, name, batch, executed_at)",
        table: "_migrations",
        schema: None,
        columns: &["name", "executed_at", "batch"],
        reading: Reading {
            name: Some("name"),
            applied_at: Some("executed_at"),
            batch: Some("batch"),
            order: "executed_at NULLS FIRST",
            ..NOTHING
        },
        rule: Rule::Rows,
        checksum: ToolChecksum::None,
        skipped: "rolled back",
    },
    TableShape {
        tool: "seed-002",
        runner: "seed 002 (npm run migrate:up)",
        described: "schema_migrations(id, name, executed_at)",
        table: "schema_migrations",
        schema: None,
        columns: &["id", "name", "executed_at"],
        reading: Reading {
            version: Some("id"),
            name: Some("name"),
            applied_at: Some("executed_at"),
            order: "executed_at NULLS FIRST",
            ..NOTHING
        },
        rule: Rule::Rows,
        checksum: ToolChecksum::None,
        skipped: "rolled back",
    },
    // flyway/flyway: flyway-core/src/main/resources/org/flywaydb/core/internal/database/
    // postgresql/createMetaDataTable.sql. Rows in installed_rank order; `type` says what a row
    // is: SCHEMA (Flyway created the schema) names no file; BASELINE (`flyway baseline`, or
    // `baselineOnMigrate`) says the database is at its version, every versioned migration up to
    // it counting as applied (`flyway.rs`); UNDO_* rows undo the version they name, DELETE rows
    // mark it deleted; a row with `success = false` failed. Repeatable rows (R__) have no
    // version and one row per run.
    TableShape {
        tool: "flyway",
        runner: "Flyway",
        described: "flyway_schema_history(installed_rank, version, description, type, script, checksum, installed_by, installed_on, execution_time, success)",
        table: "flyway_schema_history",
        schema: None,
        columns: &[
            "installed_rank",
            "version",
            "description",
            "type",
            "script",
            "checksum",
            "installed_by",
            "installed_on",
            "execution_time",
            "success",
        ],
        reading: Reading {
            version: Some("version"),
            name: Some("script"),
            applied_at: Some("installed_on"),
            rolled_back: Some("NOT success OR type LIKE 'UNDO%' OR type = 'DELETE'"),
            checksum: Some("checksum::text"),
            duration_ms: Some("execution_time"),
            user: Some("installed_by"),
            // SQL_BASELINE: a `B` baseline migration (Flyway Teams) ran; the database is then at
            // its version as after `flyway baseline`.
            baseline: Some("type IN ('BASELINE', 'SQL_BASELINE')"),
            filter: Some("type <> 'SCHEMA'"),
            order: "installed_rank",
            ..NOTHING
        },
        rule: Rule::LatestDecides,
        checksum: ToolChecksum::FlywayCrc32,
        skipped: "failed or undone",
    },
    // sqitchers/sqitch: lib/App/Sqitch/Engine/pg.sql (schema `sqitch`). `changes` holds only
    // the changes deployed now (a revert deletes the row; the full story is in `events`); the
    // rows of other projects are left out by `foreign.rs` (the project is sqitch.plan's). The
    // instances of a reworked change share a name; their `change_id`s tell them apart
    // (`sqitch.rs`).
    TableShape {
        tool: "sqitch",
        runner: "Sqitch",
        described: "sqitch.changes(change_id, script_hash, change, project, note, committed_at, committer_name, committer_email, planned_at, planner_name, planner_email)",
        table: "changes",
        schema: Some("sqitch"),
        columns: &[
            "change_id",
            "script_hash",
            "change",
            "project",
            "committed_at",
            "committer_name",
        ],
        reading: Reading {
            name: Some("change"),
            applied_at: Some("committed_at"),
            checksum: Some("script_hash"),
            user: Some("committer_name"),
            tool_id: Some("change_id"),
            order: "committed_at",
            ..NOTHING
        },
        rule: Rule::Rows,
        checksum: ToolChecksum::Reference,
        skipped: "reverted",
    },
    // pressly/goose: internal/dialect/dialectquery/postgres.go. The row of version 0 is written
    // when goose creates the table; `goose down` deletes the row (older goose inserted one with
    // is_applied = false): the latest row of a version decides.
    TableShape {
        tool: "goose",
        runner: "goose",
        described: "goose_db_version(id, version_id, is_applied, tstamp)",
        table: "goose_db_version",
        schema: None,
        columns: &["id", "version_id", "is_applied", "tstamp"],
        reading: Reading {
            version: Some("version_id"),
            applied_at: Some("tstamp"),
            rolled_back: Some("NOT is_applied"),
            filter: Some("version_id <> 0"),
            order: "id",
            ..NOTHING
        },
        rule: Rule::LatestDecides,
        checksum: ToolChecksum::None,
        skipped: "rolled back",
    },
    // golang-migrate/migrate: database/postgres/postgres.go (ensureVersionTable, SetVersion:
    // the table is truncated and one row written each time).
    TableShape {
        tool: "golang-migrate",
        runner: "golang-migrate",
        described: "schema_migrations(version bigint, dirty boolean), one row: the version reached",
        table: "schema_migrations",
        schema: None,
        columns: &["version", "dirty"],
        reading: Reading {
            version: Some("version"),
            dirty: Some("dirty"),
            order: "version",
            ..NOTHING
        },
        rule: Rule::UpTo,
        checksum: ToolChecksum::None,
        skipped: "rolled back",
    },
    // launchbadge/sqlx: sqlx-postgres/src/migrate.rs (ensure_migrations_table; execution_time
    // in nanoseconds, -1 until measured; a revert deletes the row; success = false is a
    // migration left half applied).
    TableShape {
        tool: "sqlx",
        runner: "sqlx",
        described: "_sqlx_migrations(version, description, installed_on, success, checksum, execution_time)",
        table: "_sqlx_migrations",
        schema: None,
        columns: &[
            "version",
            "description",
            "installed_on",
            "success",
            "checksum",
            "execution_time",
        ],
        reading: Reading {
            version: Some("version"),
            name: Some("description"),
            applied_at: Some("installed_on"),
            rolled_back: Some("NOT success"),
            checksum: Some("encode(checksum, 'hex')"),
            duration_ms: Some("greatest(execution_time, 0) / 1000000"),
            order: "version",
            ..NOTHING
        },
        rule: Rule::Rows,
        checksum: ToolChecksum::Sha384,
        skipped: "failed",
    },
    // salsita/node-pg-migrate: src/runner.ts (ensureMigrationsTable: id SERIAL, name
    // varchar(255), run_on timestamp; a down migration deletes the row).
    TableShape {
        tool: "node-pg-migrate",
        runner: "node-pg-migrate",
        described: "pgmigrations(id, name, run_on)",
        table: "pgmigrations",
        schema: None,
        columns: &["id", "name", "run_on"],
        reading: Reading {
            name: Some("name"),
            applied_at: Some("run_on"),
            order: "id",
            ..NOTHING
        },
        rule: Rule::Rows,
        checksum: ToolChecksum::None,
        skipped: "rolled back",
    },
    // prisma/prisma-engines: schema-engine/connectors/sql-schema-connector/src/flavour/
    // postgres.rs (the _prisma_migrations DDL). finished_at NULL: failed (or still running);
    // rolled_back_at set: `prisma migrate resolve --rolled-back`.
    TableShape {
        tool: "prisma",
        runner: "Prisma Migrate",
        described: "_prisma_migrations(id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count)",
        table: "_prisma_migrations",
        schema: None,
        columns: &[
            "id",
            "checksum",
            "finished_at",
            "migration_name",
            "rolled_back_at",
            "started_at",
        ],
        reading: Reading {
            name: Some("migration_name"),
            applied_at: Some("started_at"),
            rolled_back: Some("rolled_back_at IS NOT NULL OR finished_at IS NULL"),
            checksum: Some("checksum"),
            duration_ms: Some("(extract(epoch FROM finished_at - started_at) * 1000)::bigint"),
            order: "started_at",
            ..NOTHING
        },
        rule: Rule::Rows,
        checksum: ToolChecksum::Sha256,
        skipped: "failed or rolled back",
    },
    // diesel-rs/diesel: diesel_migrations/src/migration/setup_migration_table.sql. The version
    // is the folder name's part before the first `_`, `-` removed (`20240101120000`); a revert
    // deletes the row.
    TableShape {
        tool: "diesel",
        runner: "Diesel",
        described: "__diesel_schema_migrations(version, run_on)",
        table: "__diesel_schema_migrations",
        schema: None,
        columns: &["version", "run_on"],
        reading: Reading {
            version: Some("version"),
            applied_at: Some("run_on"),
            order: "run_on, version",
            ..NOTHING
        },
        rule: Rule::Rows,
        checksum: ToolChecksum::None,
        skipped: "rolled back",
    },
    // mattermost/morph: drivers/postgres/postgres.go (CreateSchemaTableIfNotExists; a down
    // migration deletes the row).
    TableShape {
        tool: "morph",
        runner: "morph (Mattermost)",
        described: "db_migrations(version bigint, name varchar)",
        table: "db_migrations",
        schema: None,
        columns: &["version", "name"],
        reading: Reading {
            version: Some("version"),
            name: Some("name"),
            order: "version",
            ..NOTHING
        },
        rule: Rule::Rows,
        checksum: ToolChecksum::None,
        skipped: "rolled back",
    },
    // amacneil/dbmate: pkg/driver/postgres/postgres.go (CreateMigrationsTable: version
    // varchar(128) primary key; a rollback deletes the row). Last: its one column fits many.
    TableShape {
        tool: "dbmate",
        runner: "dbmate",
        described: "schema_migrations(version varchar(128) primary key)",
        table: "schema_migrations",
        schema: None,
        columns: &["version"],
        reading: Reading {
            version: Some("version"),
            order: "version",
            ..NOTHING
        },
        rule: Rule::Rows,
        checksum: ToolChecksum::None,
        skipped: "rolled back",
    },
];

/// The names `--from` takes besides SCHEMA.TABLE: `auto` and each shape's tool.
pub(crate) const AUTO: &str = "auto";

impl TableShape {
    /// The first known shape whose columns are all among `columns` (and, for a table found by
    /// its name, whose table name is `table`).
    pub(crate) fn recognise(columns: &[String], table: Option<&str>) -> Option<&'static Self> {
        TABLE_SHAPES
            .iter()
            .find(|shape| table.is_none_or(|table| table == shape.table) && shape.fits(columns))
    }

    /// Whether a table with `columns` has every column this shape reads.
    pub(crate) fn fits(&self, columns: &[String]) -> bool {
        self.columns
            .iter()
            .all(|wanted| columns.iter().any(|column| column == wanted))
    }

    /// The shape `--from NAME` names, if NAME is a tool's name.
    pub(crate) fn of_tool(name: &str) -> Option<&'static Self> {
        TABLE_SHAPES.iter().find(|shape| shape.tool == name)
    }

    /// The tool names `--from` takes, for messages.
    pub(crate) fn tool_names() -> String {
        let mut names = vec![AUTO];
        names.extend(TABLE_SHAPES.iter().map(|shape| shape.tool));
        names.join(", ")
    }
}

/// The tables `--from auto` looks for, as people know them (`sqitch.changes`), each once.
pub(crate) fn tables_looked_for() -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for shape in &TABLE_SHAPES {
        let name = match shape.schema {
            Some(schema) => format!("{schema}.{}", shape.table),
            None => shape.table.to_string(),
        };
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

/// The table names `--from auto` looks for (each once).
pub(crate) fn table_names() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = Vec::new();
    for shape in &TABLE_SHAPES {
        if !names.contains(&shape.table) {
            names.push(shape.table);
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    fn columns(names: &str) -> Vec<String> {
        names.split(", ").map(str::to_string).collect()
    }

    /// The runner whose shape a table called `table` with `names` is read with, or `unknown`.
    fn check_shape(table: &str, names: &str) -> &'static str {
        TableShape::recognise(&columns(names), Some(table)).map_or("unknown", |shape| shape.runner)
    }

    #[test]
    fn each_seed_table_is_read_with_its_own_shape() {
        let seen = [
            (
                "schema_migrations",
                "version, name, applied_at, rolled_back_at",
            ),
            (
                "schema_migrations",
                "id, migration_name, applied_at, checksum, execution_time_ms",
            ),
            ("schema_migrations", "id, migration_name, applied_at"),
            ("_migrations", "id, name, batch, executed_at"),
            ("schema_migrations", "id, name, executed_at"),
            ("schema_migrations", "id, filename, run_on"),
        ]
        .map(|(table, names)| check_shape(table, names));
        insta::assert_snapshot!(seen.join("\n"), @r"
        seed 000 (run-migration.js up|down)
        seed 004 (migrations at server start, with checksums)
        seed 001 (manual tracking beside apply-migration.js)
        seed 003 (npm run migrate, with batches)
        seed 002 (npm run migrate:up)
        unknown
        ");
    }

    #[test]
    fn each_tool_table_is_read_with_its_own_shape() {
        let seen = [
            (
                "flyway_schema_history",
                "installed_rank, version, description, type, script, checksum, installed_by, installed_on, execution_time, success",
            ),
            (
                "changes",
                "change_id, script_hash, change, project, note, committed_at, committer_name, committer_email, planned_at, planner_name, planner_email",
            ),
            ("schema_migrations", "version"),
            ("schema_migrations", "version, dirty"),
            ("goose_db_version", "id, version_id, is_applied, tstamp"),
            (
                "_sqlx_migrations",
                "version, description, installed_on, success, checksum, execution_time",
            ),
            ("pgmigrations", "id, name, run_on"),
            (
                "_prisma_migrations",
                "id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count",
            ),
            ("__diesel_schema_migrations", "version, run_on"),
            ("db_migrations", "version, name"),
            ("pgmigrations", "version"),
        ]
        .map(|(table, names)| check_shape(table, names));
        insta::assert_snapshot!(seen.join("\n"), @r"
        Flyway
        Sqitch
        dbmate
        golang-migrate
        goose
        sqlx
        node-pg-migrate
        Prisma Migrate
        Diesel
        morph (Mattermost)
        unknown
        ");
    }

    #[test]
    fn a_tool_is_named_by_its_from_name() {
        assert_eq!(
            TableShape::of_tool("golang-migrate").map(|shape| shape.table),
            Some("schema_migrations")
        );
        assert_eq!(TableShape::of_tool("liquibase"), None);
        assert!(TableShape::tool_names().starts_with("auto, seed-000"));
    }
}
