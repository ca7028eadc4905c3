//! Which migration tool's layout a folder follows ([`Layout`]), decided once for the whole
//! folder from what each file shows: its name (Flyway's `V1__x.sql`, a Prisma or Diesel folder),
//! its markers and directives (dbmate's `-- migrate:up`, goose's `-- +goose Up`, sqlx's
//! `-- no-transaction`, …), or a `sqitch.plan`. plan.yaml's `layout:` names it instead.
//!
//! A folder showing two tools' layouts is a problem naming both: each tool would read the other's
//! files its own way (or not at all), so no order or meaning is safe to pick. A Flyway folder's
//! file that Flyway would not run (not `V…__`, `U…__` or `R__`) is a problem too: where it sorts
//! among the versions is anyone's guess.
//!
//! Leaves to others: reading the names and markers (`files.rs`, `sections.rs`) and Sqitch's plan
//! (`sqitch.rs`).

use std::fmt;
use std::ops::Range;

use crate::diagnostic::{SourceFile, to_source_span};

use super::problem::Problem;

/// A migration tool whose folder layout plan reads as it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Layout {
    /// Numbered files, `NNN_name.sql` with rollbacks beside them or `-- UP` / `-- DOWN`
    /// sections: plan's own, our users' runners', and golang-migrate's, sqlx's and morph's
    /// names when no directive of theirs says which.
    Plan,
    /// Flyway: `V1_2__name.sql`, `U1_2__name.sql`, `R__name.sql`.
    Flyway,
    /// Sqitch: `sqitch.plan` with `deploy/`, `revert/`, `verify/`.
    Sqitch,
    /// dbmate: `<timestamp>_name.sql` with `-- migrate:up` / `-- migrate:down`.
    Dbmate,
    /// goose: `<version>_name.sql` with `-- +goose Up` / `-- +goose Down`.
    Goose,
    /// sql-migrate: `-- +migrate Up` / `-- +migrate Down`.
    SqlMigrate,
    /// golang-migrate: `<version>_name.up.sql` / `.down.sql`.
    GolangMigrate,
    /// sqlx: `<version>_name.sql` or `.up.sql` / `.down.sql`, `-- no-transaction` first.
    Sqlx,
    /// node-pg-migrate (SQL): `<timestamp>_name.sql` with `-- Up Migration` / `-- Down Migration`.
    NodePgMigrate,
    /// Prisma Migrate: `<timestamp>_name/migration.sql`.
    Prisma,
    /// Diesel: `<timestamp>_name/up.sql` with `down.sql`.
    Diesel,
    /// morph (Mattermost): golang-migrate's names, `-- morph:nontransactional`.
    Morph,
}

impl Layout {
    /// Every layout, in the order the docs list them.
    pub const ALL: [Layout; 12] = [
        Layout::Plan,
        Layout::Flyway,
        Layout::Sqitch,
        Layout::Dbmate,
        Layout::Goose,
        Layout::SqlMigrate,
        Layout::GolangMigrate,
        Layout::Sqlx,
        Layout::NodePgMigrate,
        Layout::Prisma,
        Layout::Diesel,
        Layout::Morph,
    ];

    /// The name plan.yaml's `layout:` and messages use: the tool's own name.
    pub fn name(self) -> &'static str {
        match self {
            Layout::Plan => "plan",
            Layout::Flyway => "flyway",
            Layout::Sqitch => "sqitch",
            Layout::Dbmate => "dbmate",
            Layout::Goose => "goose",
            Layout::SqlMigrate => "sql-migrate",
            Layout::GolangMigrate => "golang-migrate",
            Layout::Sqlx => "sqlx",
            Layout::NodePgMigrate => "node-pg-migrate",
            Layout::Prisma => "prisma",
            Layout::Diesel => "diesel",
            Layout::Morph => "morph",
        }
    }

    /// The layout of this name, as plan.yaml writes it.
    pub fn from_name(name: &str) -> Option<Layout> {
        Layout::ALL
            .into_iter()
            .find(|layout| layout.name().eq_ignore_ascii_case(name.trim()))
    }

    /// Every name, for a help line.
    pub(crate) fn names() -> String {
        Layout::ALL
            .iter()
            .map(|layout| layout.name())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Whether a file showing `tool`'s syntax belongs in this layout. golang-migrate's, sqlx's
    /// and morph's names are plan's own, so plan's layout takes their directives too.
    fn accepts(self, tool: &str) -> bool {
        self.name() == tool || (self == Layout::Plan && matches!(tool, "sqlx" | "morph"))
    }
}

impl fmt::Display for Layout {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.name())
    }
}

/// The layout in force and why: for `plan show` to say.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DetectedLayout {
    /// The layout.
    pub layout: Layout,
    /// Why: `plan.yaml says so`, or the first file that shows it (`V1__init.sql`); `None`
    /// when nothing shows any tool's layout.
    pub evidence: Option<String>,
}

impl DetectedLayout {
    /// plan's own layout, nothing showing another.
    pub(crate) fn plan() -> DetectedLayout {
        DetectedLayout {
            layout: Layout::Plan,
            evidence: None,
        }
    }
}

/// Sqitch's layout, which its `sqitch.plan` decides.
pub(crate) fn sqitch() -> DetectedLayout {
    DetectedLayout {
        layout: Layout::Sqitch,
        evidence: Some("sqitch.plan".to_string()),
    }
}

/// One file showing a tool's layout: the tool, the file and where in it.
#[derive(Clone, Debug)]
pub(crate) struct Evidence {
    /// The tool (`flyway`, `dbmate`, …).
    pub(crate) tool: &'static str,
    /// The file.
    pub(crate) file: SourceFile,
    /// The line that shows it, or an empty span at the start for a name.
    pub(crate) span: Range<usize>,
}

/// The layout of a folder: plan.yaml's `declared` one, else the one tool its files show.
/// Files showing another tool's layout than the one in force are problems, each naming the
/// file that decided the layout.
pub(crate) fn detect(
    declared: Option<Layout>,
    evidence: &[Evidence],
    problems: &mut Vec<Problem>,
) -> DetectedLayout {
    let (layout, decided_by) = match declared {
        Some(layout) => (layout, None),
        None => match evidence.first() {
            Some(first) => match Layout::from_name(first.tool) {
                Some(layout) => (layout, Some(first)),
                None => return DetectedLayout::plan(),
            },
            None => return DetectedLayout::plan(),
        },
    };
    for other in evidence {
        if layout.accepts(other.tool) {
            continue;
        }
        problems.push(Problem::MixedLayouts {
            layout: layout.name(),
            decided_by: match decided_by {
                Some(first) => first.file.name().to_string(),
                None => "plan.yaml's layout:".to_string(),
            },
            tool: other.tool,
            name: other.file.name().to_string(),
            file: other.file.clone(),
            span: to_source_span(&other.span),
        });
    }
    DetectedLayout {
        layout,
        evidence: Some(match decided_by {
            Some(first) => first.file.name().to_string(),
            None => "plan.yaml's layout:".to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn evidence(tool: &'static str, name: &str) -> Evidence {
        Evidence {
            tool,
            file: SourceFile::new(name, "SELECT 1;\n".to_string()),
            span: 0..0,
        }
    }

    /// The layout found and the problems' files, for `declared` and the evidence given.
    fn check(declared: Option<Layout>, found: &[(&'static str, &str)]) -> String {
        let evidence: Vec<Evidence> = found
            .iter()
            .map(|(tool, name)| evidence(tool, name))
            .collect();
        let mut problems = Vec::new();
        let detected = detect(declared, &evidence, &mut problems);
        let mut shown = format!("{} ({:?})", detected.layout, detected.evidence);
        for problem in problems {
            shown.push_str(&format!("; {problem}"));
        }
        shown
    }

    #[test]
    fn a_folder_takes_the_layout_its_files_show() {
        insta::assert_snapshot!([
            check(None, &[]),
            check(None, &[("flyway", "sql/V1__init.sql"), ("flyway", "sql/V2__x.sql")]),
            check(None, &[("sqlx", "migrations/1_x.sql")]),
            check(None, &[("dbmate", "db/migrations/1_x.sql"), ("goose", "db/migrations/2_y.sql")]),
            check(Some(Layout::Goose), &[("goose", "1_x.sql")]),
            check(Some(Layout::Plan), &[("morph", "1_x.up.sql"), ("flyway", "V2__y.sql")]),
        ]
        .join("\n"), @r#"
        plan (None)
        flyway (Some("sql/V1__init.sql"))
        sqlx (Some("migrations/1_x.sql"))
        dbmate (Some("db/migrations/1_x.sql")); db/migrations/2_y.sql follows goose's layout in a folder that follows dbmate's (decided by db/migrations/1_x.sql)
        goose (Some("plan.yaml's layout:"))
        plan (Some("plan.yaml's layout:")); V2__y.sql follows flyway's layout in a folder that follows plan's (decided by plan.yaml's layout:)
        "#);
    }

    #[test]
    fn every_layout_has_a_name_that_reads_back() {
        for layout in Layout::ALL {
            assert_eq!(Layout::from_name(layout.name()), Some(layout));
        }
        assert_eq!(Layout::from_name(" Flyway "), Some(Layout::Flyway));
        assert_eq!(Layout::from_name("liquibase"), None);
    }
}
