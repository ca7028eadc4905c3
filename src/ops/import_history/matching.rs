//! Which migration file a row of another runner's table names (by name, `version_name` or
//! version, through the project's own resolution), and which of a migration's rows decides
//! its state when the runner wrote several.

use indexmap::IndexMap;

use super::foreign::ForeignRow;
use super::shapes::Rule;
use crate::project::migration::Version;
use crate::project::{MigrationId, Project, Resolution};

/// The migration a row names: the one the import worked out for it (a version a baseline
/// covers, an instance of a reworked Sqitch change), else its name (with or without `.sql`),
/// else `version_name`, else its version alone, else (Diesel's `20240101120000`) the migration
/// whose name starts with that version written with dashes (`2024-01-01-120000_x`). `Err`
/// carries a help line.
pub(super) fn match_row<'p>(
    project: &'p Project,
    row: &ForeignRow,
) -> Result<&'p MigrationId, String> {
    if let Some(migration) = row.instance.as_ref().and_then(|id| project.migration(id)) {
        return Ok(migration.id());
    }
    let mut candidates: Vec<String> = Vec::new();
    if let Some(name) = &row.name {
        candidates.push(name.clone());
        if let Some(version) = &row.version {
            candidates.push(format!("{version}_{name}"));
        }
    }
    if let Some(version) = &row.version {
        candidates.push(version.clone());
    }
    let mut ambiguous: Option<Vec<&MigrationId>> = None;
    let mut closest: Option<&MigrationId> = None;
    for candidate in &candidates {
        match project.resolve(candidate) {
            Resolution::Found(id) => return Ok(id),
            Resolution::Ambiguous(ids) => {
                ambiguous.get_or_insert(ids);
            }
            Resolution::Missing(close) => {
                closest = closest.or(close);
            }
        }
    }
    if ambiguous.is_none()
        && let Some(version) = &row.version
        && let Some(id) = by_dashed_version(project, version)
    {
        return Ok(id);
    }
    Err(match (ambiguous, closest) {
        (Some(ids), _) => format!(
            "it matches more than one file: {}",
            ids.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        (None, Some(close)) => format!("no migration file has this name; did you mean {close}?"),
        (None, None) => "no migration file has this name".to_string(),
    })
}

/// Whether `version` is at most `reached`, comparing as Flyway and golang-migrate do: by
/// value part by part, `1.0` being `1`.
pub(super) fn at_most(version: &Version, reached: &Version) -> bool {
    version < reached || version.significant() == reached.significant()
}

/// The one migration whose ID's part before the first `_`, dashes removed, is `version`, as
/// Diesel stores a folder's version.
fn by_dashed_version<'p>(project: &'p Project, version: &str) -> Option<&'p MigrationId> {
    let mut found = project
        .migrations()
        .map(|migration| migration.id())
        .filter(|id| {
            let prefix = id.as_str().split('_').next().unwrap_or_default();
            prefix.contains('-') && prefix.replace('-', "") == version
        });
    let first = found.next()?;
    found.next().is_none().then_some(first)
}

/// The row that decides each migration's state. Rows are in time order. Under
/// [`Rule::LatestDecides`] it is the latest row; otherwise the latest row that is not rolled
/// back, else the latest row.
pub(super) fn rows_by_id<'p, 'r>(
    project: &'p Project,
    rows: &'r [ForeignRow],
    rule: Rule,
) -> IndexMap<&'p MigrationId, &'r ForeignRow> {
    let mut chosen: IndexMap<&MigrationId, &ForeignRow> = IndexMap::new();
    for row in rows {
        let Ok(id) = match_row(project, row) else {
            continue;
        };
        let replace = match chosen.get(id) {
            None => true,
            Some(kept) => rule == Rule::LatestDecides || !row.rolled_back || kept.rolled_back,
        };
        if replace {
            chosen.insert(id, row);
        }
    }
    chosen
}
