//! Flyway's baseline: a `BASELINE` row (written by `flyway baseline`, or by `migrate` with
//! `baselineOnMigrate`) says the database is at its version. Flyway never runs a versioned
//! migration at or below it: `ResolvedMigration.getState` (flyway-core/src/main/java/org/
//! flywaydb/core/api/resolver/ResolvedMigration.java) calls one below the applied baseline
//! `BELOW_BASELINE` and one at it `BASELINE_IGNORED`, comparing versions part by part, the
//! newest baseline row deciding (`getAppliedVersionedMigrations` in internal/info/
//! MigrationInfoServiceImpl.java). Repeatable migrations have no version and run after it.
//!
//! So the row becomes one row per versioned migration up to its version, each applied at the
//! baseline's time, by its user, which the import then records like any other.

use super::foreign::ForeignRow;
use super::matching::at_most;
use crate::project::Project;
use crate::project::migration::Version;

/// `rows` with each baseline row that succeeded replaced by a row for every versioned
/// migration of `project` at or below its version, in version order, at the baseline's place
/// (a later row of such a version, an undo, still decides). A baseline row that failed, or
/// whose version Flyway could not have written, covers nothing.
pub(super) fn expand_baselines(project: &Project, rows: Vec<ForeignRow>) -> Vec<ForeignRow> {
    let mut expanded = Vec::with_capacity(rows.len());
    for row in rows {
        if !row.baseline {
            expanded.push(row);
            continue;
        }
        let Some(reached) = row.version.as_deref().and_then(Version::dotted) else {
            continue;
        };
        if row.rolled_back {
            continue;
        }
        let mut covered: Vec<_> = project
            .migrations()
            .filter(|migration| !migration.is_repeatable())
            .filter_map(|migration| {
                let version = migration.version()?;
                at_most(version, &reached).then_some((version, migration.id()))
            })
            .collect();
        covered.sort();
        for (_, id) in covered {
            expanded.push(ForeignRow {
                instance: Some(id.clone()),
                how: Some(format!(
                    "Flyway's baseline at version {} covers it",
                    reached.as_str()
                )),
                baseline: false,
                ..row.clone()
            });
        }
    }
    expanded
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::{ProjectFiles, load_files};

    /// A project of `names` under migrations/, each creating nothing much.
    fn project_of(names: &[&str]) -> Project {
        let mut files = ProjectFiles::new();
        for name in names {
            files.insert(&format!("migrations/{name}"), b"SELECT 1;\n".to_vec());
        }
        load_files(&files).expect("the project loads")
    }

    fn baseline(version: &str, success: bool) -> ForeignRow {
        ForeignRow {
            version: Some(version.to_string()),
            name: Some("<< Flyway Baseline >>".to_string()),
            applied_at: Some("2024-01-15T10:00:00.000000Z".to_string()),
            rolled_back: !success,
            user: Some("postgres".to_string()),
            baseline: true,
            ..ForeignRow::default()
        }
    }

    /// The migrations each row stands for, the rows being expanded in `files`' project.
    fn check(files: &[&str], rows: Vec<ForeignRow>, expect: &[&str]) {
        let project = project_of(files);
        let covered: Vec<String> = expand_baselines(&project, rows)
            .into_iter()
            .map(|row| match row.instance {
                Some(id) => id.to_string(),
                None => row.written(),
            })
            .collect();
        assert_eq!(covered, expect);
    }

    #[test]
    fn a_baseline_covers_the_versions_up_to_its_own_compared_part_by_part() {
        let files = [
            "V1__a.sql",
            "V1_1__b.sql",
            "V2__c.sql",
            "V10__d.sql",
            "R__views.sql",
        ];
        check(
            &files,
            vec![baseline("2", true)],
            &["V1__a", "V1_1__b", "V2__c"],
        );
        check(&files, vec![baseline("1.1", true)], &["V1__a", "V1_1__b"]);
        check(
            &files,
            vec![baseline("2.0", true)],
            &["V1__a", "V1_1__b", "V2__c"],
        );
        check(
            &files,
            vec![baseline("10", true)],
            &["V1__a", "V1_1__b", "V2__c", "V10__d"],
        );
    }

    #[test]
    fn a_failed_baseline_covers_nothing_and_other_rows_stay_in_place() {
        let files = ["V1__a.sql", "V2__b.sql", "V3__c.sql"];
        check(&files, vec![baseline("2", false)], &[]);
        let later = ForeignRow {
            version: Some("3".to_string()),
            name: Some("V3__c.sql".to_string()),
            ..ForeignRow::default()
        };
        check(
            &files,
            vec![baseline("2", true), later],
            &["V1__a", "V2__b", "V3__c.sql"],
        );
    }

    #[test]
    fn the_covered_rows_keep_the_baselines_time_and_user_and_say_why() {
        let project = project_of(&["V1__a.sql"]);
        let rows = expand_baselines(&project, vec![baseline("1", true)]);
        let row = &rows[0];
        assert_eq!(
            (
                row.applied_at.as_deref(),
                row.user.as_deref(),
                row.how.as_deref(),
                row.written()
            ),
            (
                Some("2024-01-15T10:00:00.000000Z"),
                Some("postgres"),
                Some("Flyway's baseline at version 1 covers it"),
                "1 << Flyway Baseline >>".to_string()
            )
        );
    }
}
