//! Which migration file a row of another runner's table names (by name, `version_name` or
//! version, through the project's own resolution), and which of a migration's rows decides
//! its state when the runner wrote several.

use indexmap::IndexMap;

use super::foreign::ForeignRow;
use crate::project::{MigrationId, Project, Resolution};

/// The migration a row names: its name (with or without `.sql`), else `version_name`, else
/// its version alone. `Err` carries a help line.
pub(super) fn match_row<'p>(
    project: &'p Project,
    row: &ForeignRow,
) -> Result<&'p MigrationId, String> {
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

/// The row that decides each migration's state: its latest row that is not rolled back, else
/// its latest row. Rows are in time order.
pub(super) fn rows_by_id<'p, 'r>(
    project: &'p Project,
    rows: &'r [ForeignRow],
) -> IndexMap<&'p MigrationId, &'r ForeignRow> {
    let mut chosen: IndexMap<&MigrationId, &ForeignRow> = IndexMap::new();
    for row in rows {
        let Ok(id) = match_row(project, row) else {
            continue;
        };
        let replace = match chosen.get(id) {
            None => true,
            Some(kept) => !row.rolled_back || kept.rolled_back,
        };
        if replace {
            chosen.insert(id, row);
        }
    }
    chosen
}
