//! `plan check-schema`: unmet prerequisites of pending migrations, objects applied migrations
//! created that are now missing, and drift since the last recorded snapshot (objects that
//! predate the plan's first apply are the baseline, not drift).
//!
//! The prerequisite check itself is the engine's preflight (engine/prerequisites.rs); what a
//! migration creates and drops is read by `sql::effects_of`, and what the applied ones should
//! have left is `sql::ExpectedCatalog`'s, which baseline and the preflight share.

use indexmap::IndexSet;

use crate::db::{ChangeKind, ConnectionSettings, DbError, LedgerState, Target};
use crate::engine;
use crate::engine::prerequisites::{Unmet, checked_prerequisites};
use crate::graph::Graph;
use crate::object::ObjectKey;
use crate::project::{Migration, MigrationId, Project};
use crate::sql::{ExpectedCatalog, effects_in_schema, effects_of};

/// An object an applied migration created that the database no longer has.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct MissingObject {
    /// The migration that created it.
    pub migration: MigrationId,
    /// The object, as `kind name`.
    pub object: String,
}

/// An object an applied migration created that the database does not have, after code the
/// parser cannot read ran (dynamic SQL in a `DO` block, a statement it cannot parse): that
/// code may have dropped or renamed it, so it is not reported missing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct UnverifiableObject {
    /// The migration that created it.
    pub migration: MigrationId,
    /// The object, as `kind name`.
    pub object: String,
    /// The migration whose opaque code ran after it was created (the last one).
    pub opaque_in: MigrationId,
    /// Why that code cannot be read.
    pub reason: String,
}

/// Drift since the last recorded snapshot, each object with the migration that created it
/// when one did.
#[derive(Clone, Debug, Default)]
pub(crate) struct Drift {
    /// When the snapshot compared against was recorded.
    pub since: Option<String>,
    /// Added outside the plan.
    pub added: Vec<String>,
    /// Dropped outside the plan.
    pub dropped: Vec<(String, Option<MigrationId>)>,
    /// Changed outside the plan.
    pub altered: Vec<(String, Option<MigrationId>)>,
}

/// What `plan check-schema` found.
#[derive(Clone, Debug, Default)]
pub(crate) struct SchemaReport {
    /// Prerequisites of pending migrations that nothing provides.
    pub unmet: Vec<Unmet>,
    /// Objects applied migrations created that are gone.
    pub missing: Vec<MissingObject>,
    /// Objects applied migrations created that are gone, where opaque code ran after them:
    /// not findings.
    pub unverifiable: Vec<UnverifiableObject>,
    /// Changes outside the plan; `None` when no snapshot was recorded yet.
    pub drift: Option<Drift>,
    /// How many catalog queries the check ran.
    pub catalog_queries: usize,
}

impl SchemaReport {
    /// Whether there is nothing to report.
    pub(crate) fn is_clean(&self) -> bool {
        self.unmet.is_empty()
            && self.missing.is_empty()
            && self.drift.as_ref().is_none_or(|drift| {
                drift.added.is_empty() && drift.dropped.is_empty() && drift.altered.is_empty()
            })
    }
}

/// Checks `project` against the database: see the module documentation.
pub(crate) fn check_schema(
    project: &Project,
    graph: &Graph,
    settings: &ConnectionSettings,
    environment: Option<&str>,
) -> Result<SchemaReport, DbError> {
    let database = engine::target(project, settings);
    check_schema_at(project, graph, &database, environment)
}

/// The same at `database`, its ledger where it keeps it. At a fleet's schema target
/// (`Target::home_schema`) the migrations ran with `search_path` set to it, so their
/// unqualified names are in it; its catalog snapshots cover that schema alone
/// (`CatalogScope::LedgerSchema`), so the other tenants' applies are not its drift.
pub(crate) fn check_schema_at(
    project: &Project,
    graph: &Graph,
    database: &Target,
    environment: Option<&str>,
) -> Result<SchemaReport, DbError> {
    let home = database.home_schema();
    let mut session = database.connect()?;
    let mut report = SchemaReport::default();
    let rows = database.ledger().read(&mut session)?;
    // A partial migration (stopped part-way through work that commits as it goes) has not run
    // all its SQL, so what its later statements create is not missing yet; apply resumes it
    // and its preflight checks its prerequisites, so it counts as pending here too. Counting
    // it as applied reported the objects of its unrun statements as missing.
    let applied: IndexSet<&str> = rows
        .iter()
        .filter(|row| row.state == LedgerState::Applied)
        .map(|row| row.id.as_str())
        .collect();

    let pending: Vec<&Migration> = graph
        .order()
        .iter()
        .filter(|id| !applied.contains(id.as_str()))
        .filter_map(|id| project.migration(id))
        .filter(|migration| migration.runs_in(environment))
        .collect();
    let (unmet, queries) = session
        .begin()
        .and_then(|mut work| {
            let checked = checked_prerequisites(&mut work, &pending)?;
            work.rollback();
            Ok(checked)
        })
        .map_err(|error| session.error("check prerequisites", &error))?;
    report.unmet = unmet;
    report.catalog_queries += queries;

    // What the applied migrations built, in plan order, statement by statement.
    let mut built: ExpectedCatalog<MigrationId> = ExpectedCatalog::new();
    for id in graph
        .order()
        .iter()
        .filter(|id| applied.contains(id.as_str()))
    {
        let Some(migration) = project.migration(id) else {
            continue;
        };
        let effects = match home {
            Some(schema) => effects_in_schema(migration, schema),
            None => effects_of(migration),
        };
        built.apply(&effects, id);
    }
    let expected: Vec<ObjectKey> = built.keys().cloned().collect();
    let comparison =
        database
            .snapshots()
            .compare(&mut session, database.ledger_table(), &expected)?;
    for key in &comparison.missing {
        let Some(expected) = built.get(key) else {
            continue;
        };
        match &expected.unverifiable {
            None => report.missing.push(MissingObject {
                migration: expected.created_by.clone(),
                object: key.to_string(),
            }),
            Some(opaque) => report.unverifiable.push(UnverifiableObject {
                migration: expected.created_by.clone(),
                object: key.to_string(),
                opaque_in: opaque.migration.clone(),
                reason: opaque.reason.clone(),
            }),
        }
    }
    // A function's key names every overload, which the catalog lists apart.
    let created_by = |changed: &ObjectKey| -> Option<MigrationId> {
        built
            .iter()
            .find(|(key, _)| key.names(changed))
            .map(|(_, expected)| expected.created_by.clone())
    };
    if comparison.since.is_some() {
        let mut drift = Drift {
            since: comparison.since.clone(),
            ..Drift::default()
        };
        for change in &comparison.changes {
            let by = created_by(&change.key);
            // Objects of a base schema that predates the plan are not the plan's to watch, and
            // a missing object is already reported as such.
            let reported_missing = comparison.missing.contains(&change.key);
            if (change.in_baseline && by.is_none()) || reported_missing {
                continue;
            }
            let shown = change.key.to_string();
            match change.kind {
                ChangeKind::Added => drift.added.push(shown),
                ChangeKind::Dropped => drift.dropped.push((shown, by)),
                ChangeKind::Altered => drift.altered.push((shown, by)),
            }
        }
        report.drift = Some(drift);
    }
    report.catalog_queries += 1;
    let _ = session.close();
    Ok(report)
}
