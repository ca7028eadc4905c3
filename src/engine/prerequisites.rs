//! Prerequisites (`requires`): the whole-plan preflight. Each pending migration's
//! prerequisites are met by what the migrations before it in the plan create, or else must
//! already exist; those are checked in one round of information_schema queries (at most four),
//! so a plan that would fail at step 7 fails before step 1.
//!
//! What a migration creates and drops is read by `sql::effects_of`; `plan check-schema` reports
//! the unmet prerequisites this finds, beside missing objects and drift (ops/check_schema.rs).

use indexmap::IndexSet;

use crate::db::{CatalogObject, SqlError, Transaction, missing_objects};
use crate::diagnostic::Origin;
use crate::object::{ObjectKey, SchemaObjectKind, TableObjectKind};
use crate::project::{Migration, MigrationId, Requirement};
use crate::sql::{ExpectedCatalog, effects_of};

/// A prerequisite that is not met.
#[derive(Clone, Debug)]
pub(crate) struct Unmet {
    /// The migration that needs it.
    pub migration: MigrationId,
    /// What it needs.
    pub requirement: Requirement,
    /// The header line or plan.yaml entry that says so.
    pub origin: Origin,
}

/// The catalog object a requirement names.
pub(crate) fn requirement_object(requirement: &Requirement) -> CatalogObject {
    match requirement {
        Requirement::Schema { schema } => CatalogObject::Schema(schema.clone()),
        Requirement::Table { schema, table } => CatalogObject::Table(schema.clone(), table.clone()),
        Requirement::Column {
            schema,
            table,
            column,
        } => CatalogObject::Column(schema.clone(), table.clone(), column.clone()),
        Requirement::Extension { extension } => CatalogObject::Extension(extension.clone()),
    }
}

/// The objects a requirement is met by (a table requirement is met by a view too).
pub(crate) fn requirement_keys(requirement: &Requirement) -> Vec<ObjectKey> {
    match requirement {
        Requirement::Schema { schema } => vec![ObjectKey::Schema(schema.clone())],
        Requirement::Table { schema, table } => [
            SchemaObjectKind::Table,
            SchemaObjectKind::View,
            SchemaObjectKind::MaterializedView,
            SchemaObjectKind::ForeignTable,
        ]
        .into_iter()
        .map(|kind| ObjectKey::in_schema(kind, schema, table))
        .collect(),
        Requirement::Column {
            schema,
            table,
            column,
        } => vec![ObjectKey::of_table(
            TableObjectKind::Column,
            schema,
            table,
            column,
        )],
        Requirement::Extension { extension } => vec![ObjectKey::Extension(extension.clone())],
    }
}

/// Prerequisites of `pending` (in plan order) that neither the migrations before each one in
/// the list create nor the database holds. One round of catalog queries.
pub(crate) fn unmet_prerequisites(
    work: &mut Transaction<'_>,
    pending: &[&Migration],
) -> Result<Vec<Unmet>, SqlError> {
    checked_prerequisites(work, pending).map(|(unmet, _)| unmet)
}

/// [`unmet_prerequisites`], with the number of catalog queries it ran: one per kind of object
/// left to look up (none when the migrations before provide everything). Counting the kinds of
/// every prerequisite instead overstated `catalog_queries` whenever earlier pending migrations
/// provided some of them.
pub(crate) fn checked_prerequisites(
    work: &mut Transaction<'_>,
    pending: &[&Migration],
) -> Result<(Vec<Unmet>, usize), SqlError> {
    let mut will_exist: ExpectedCatalog<()> = ExpectedCatalog::new();
    let mut to_check: Vec<Unmet> = Vec::new();
    for migration in pending {
        for prerequisite in migration.requires() {
            let provided = requirement_keys(&prerequisite.requirement)
                .iter()
                .any(|key| will_exist.contains(key));
            if !provided {
                to_check.push(Unmet {
                    migration: migration.id().clone(),
                    requirement: prerequisite.requirement.clone(),
                    origin: prerequisite.origin.clone(),
                });
            }
        }
        will_exist.apply(&effects_of(migration), &());
    }
    if to_check.is_empty() {
        return Ok((Vec::new(), 0));
    }
    let objects: Vec<CatalogObject> = to_check
        .iter()
        .map(|unmet| requirement_object(&unmet.requirement))
        .collect::<IndexSet<_>>()
        .into_iter()
        .collect();
    // `missing_objects` runs one query per kind of object present.
    let queries = objects
        .iter()
        .map(std::mem::discriminant)
        .collect::<IndexSet<_>>()
        .len();
    let missing: IndexSet<CatalogObject> = missing_objects(work, &objects)?.into_iter().collect();
    let unmet = to_check
        .into_iter()
        .filter(|unmet| missing.contains(&requirement_object(&unmet.requirement)))
        .collect();
    Ok((unmet, queries))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The objects that meet `requirement`, as users read them.
    fn check(requirement: Requirement, expect: &str) {
        let keys: Vec<String> = requirement_keys(&requirement)
            .iter()
            .map(ObjectKey::to_string)
            .collect();
        assert_eq!(keys.join(", "), expect);
    }

    #[test]
    fn a_table_requirement_is_met_by_a_table_or_anything_read_like_one() {
        check(
            Requirement::Table {
                schema: "s".to_string(),
                table: "t".to_string(),
            },
            "table s.t, view s.t, materialized view s.t, foreign table s.t",
        );
    }

    #[test]
    fn other_requirements_are_met_by_their_own_object() {
        check(
            Requirement::Schema {
                schema: "s".to_string(),
            },
            "schema s",
        );
        check(
            Requirement::Column {
                schema: "s".to_string(),
                table: "t".to_string(),
                column: "c".to_string(),
            },
            "column s.t.c",
        );
        check(
            Requirement::Extension {
                extension: "pgcrypto".to_string(),
            },
            "extension pgcrypto",
        );
    }
}
