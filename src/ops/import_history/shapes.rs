//! The five tracking-table shapes our users' runners keep ([`TABLE_SHAPES`]), by the columns
//! `import-history` needs from each, and which one a table is read with. Only names: finding
//! and reading the table is `foreign.rs`'s job.

/// A tracking-table shape `import-history` recognises, by the columns it needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TableShape {
    /// The seed README that describes the runner (`seed 000`).
    pub seed: &'static str,
    /// Which runner keeps it.
    pub runner: &'static str,
    /// The table as that runner creates it.
    pub described: &'static str,
    /// The column holding a version (`001`), read with the name when the name alone matches
    /// no file.
    pub(super) version: Option<&'static str>,
    /// The column naming the migration.
    pub(super) name: &'static str,
    /// When it was applied.
    pub(super) applied_at: &'static str,
    /// The runner's batch, kept.
    pub(super) batch: Option<&'static str>,
    /// Set when the runner rolled the migration back: such a row is not applied.
    pub(super) rolled_back_at: Option<&'static str>,
    /// The runner's checksum of the file (SHA-256 hex), compared with the file now.
    pub(super) checksum: Option<&'static str>,
    /// How long the migration took.
    pub(super) duration_ms: Option<&'static str>,
}

/// The shapes known, most specific first: a table is read with the first whose columns it has.
pub(crate) const TABLE_SHAPES: [TableShape; 5] = [
    TableShape {
        seed: "seed 000",
        runner: "seed 000 (run-migration.js up|down)",
        described: "schema_migrations(version, name, applied_at, rolled_back_at)",
        version: Some("version"),
        name: "name",
        applied_at: "applied_at",
        batch: None,
        rolled_back_at: Some("rolled_back_at"),
        checksum: None,
        duration_ms: None,
    },
    TableShape {
        seed: "seed 004",
        runner: "seed 004 (migrations at server start, with checksums)",
        described: "schema_migrations(id, migration_name, applied_at, checksum, execution_time_ms)",
        version: None,
        name: "migration_name",
        applied_at: "applied_at",
        batch: None,
        rolled_back_at: None,
        checksum: Some("checksum"),
        duration_ms: Some("execution_time_ms"),
    },
    TableShape {
        seed: "seed 001",
        runner: "seed 001 (manual tracking beside apply-migration.js)",
        described: "platform.schema_migrations(id, migration_name, applied_at)",
        version: None,
        name: "migration_name",
        applied_at: "applied_at",
        batch: None,
        rolled_back_at: None,
        checksum: None,
        duration_ms: None,
    },
    TableShape {
        seed: "seed 003",
        runner: "seed 003 (npm run migrate, with batches)",
        described: "_migrations(id, name, batch, executed_at)",
        version: None,
        name: "name",
        applied_at: "executed_at",
        batch: Some("batch"),
        rolled_back_at: None,
        checksum: None,
        duration_ms: None,
    },
    TableShape {
        seed: "seed 002",
        runner: "seed 002 (npm run migrate:up)",
        described: "schema_migrations(id, name, executed_at)",
        version: Some("id"),
        name: "name",
        applied_at: "executed_at",
        batch: None,
        rolled_back_at: None,
        checksum: None,
        duration_ms: None,
    },
];

impl TableShape {
    /// The columns a table must have to be read with this shape.
    fn required(&self) -> Vec<&'static str> {
        [
            self.version,
            Some(self.name),
            Some(self.applied_at),
            self.batch,
            self.rolled_back_at,
            self.checksum,
            self.duration_ms,
        ]
        .into_iter()
        .flatten()
        .collect()
    }

    /// The first known shape whose columns are all among `columns`.
    pub(crate) fn recognise(columns: &[String]) -> Option<&'static TableShape> {
        TABLE_SHAPES.iter().find(|shape| {
            shape
                .required()
                .iter()
                .all(|wanted| columns.iter().any(|column| column == wanted))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn columns(names: &str) -> Vec<String> {
        names.split(", ").map(str::to_string).collect()
    }

    /// The runner whose shape `names` is read with, or `unknown`.
    fn check_shape(names: &str) -> &'static str {
        TableShape::recognise(&columns(names)).map_or("unknown", |shape| shape.runner)
    }

    #[test]
    fn each_seed_table_is_read_with_its_own_shape() {
        let seen = [
            "version, name, applied_at, rolled_back_at",
            "id, migration_name, applied_at, checksum, execution_time_ms",
            "id, migration_name, applied_at",
            "id, name, batch, executed_at",
            "id, name, executed_at",
            "id, filename, run_on",
        ]
        .map(check_shape);
        insta::assert_snapshot!(seen.join("\n"), @r"
        seed 000 (run-migration.js up|down)
        seed 004 (migrations at server start, with checksums)
        seed 001 (manual tracking beside apply-migration.js)
        seed 003 (npm run migrate, with batches)
        seed 002 (npm run migrate:up)
        unknown
        ");
    }
}
