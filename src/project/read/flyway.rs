//! What a Flyway folder refuses, as Flyway does: a `.sql` file Flyway would not run
//! ([`not_flyway_names`]), and two migrations with one version ([`duplicate_versions`]).

use indexmap::IndexMap;

use crate::project::migration::{Migration, MigrationId, Version};
use crate::project::problem::Problem;

/// Flyway migrations sharing a version (`V1__a`, `V1.0__b`): in version order, each after the
/// first names it.
pub(super) fn duplicate_versions(migrations: &IndexMap<MigrationId, Migration>) -> Vec<Problem> {
    let mut versioned: Vec<(&Version, &Migration)> = migrations
        .values()
        .filter_map(|migration| Some((migration.version.as_ref()?, migration)))
        .collect();
    versioned.sort_by(|left, right| left.0.cmp(right.0));
    versioned
        .windows(2)
        .filter(|pair| pair[0].0.significant() == pair[1].0.significant())
        .map(|pair| Problem::DuplicateVersion {
            version: pair[1].0.as_str().to_string(),
            first: pair[0].1.file.name().to_string(),
            second: pair[1].1.file.name().to_string(),
        })
        .collect()
}

/// The files of a Flyway folder that Flyway would not run: every migration without a Flyway
/// name (`V…__`, or `R__`, which is plan's own too).
pub(super) fn not_flyway_names(migrations: &IndexMap<MigrationId, Migration>) -> Vec<Problem> {
    migrations
        .values()
        .filter(|migration| {
            !migration.is_repeatable()
                && (!migration.id.as_str().starts_with('V') || migration.version.is_none())
        })
        .map(|migration| {
            let id = migration.id.as_str();
            // `002_users` becomes `V2__users`; Flyway's other prefixes (`B2__base`) keep their
            // version and description.
            let (version, description) = match id
                .split_once("__")
                .filter(|(prefix, _)| prefix.len() > 1 && Version::of(&prefix[1..]).is_some())
                .map(|(prefix, description)| (&prefix[1..], description))
                .or_else(|| id.split_once('_'))
            {
                Some((version, description)) if Version::of(version).is_some() => (
                    version.trim_start_matches('0'),
                    description.trim_start_matches('_'),
                ),
                _ => ("1", id),
            };
            Problem::NotAFlywayName {
                name: migration.file.name().to_string(),
                example: format!(
                    "V{}__{description}.sql",
                    if version.is_empty() { "0" } else { version }
                ),
            }
        })
        .collect()
}
