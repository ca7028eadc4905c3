//! `plan baseline --to ID`: records ID and everything it depends on as applied without running
//! them, after checking against the catalog (one query) that what they create and need is there.
//!
//! It holds the advisory lock, writes the ledger in one transaction (history action
//! `baseline`) and records a catalog snapshot, as `import-history` does (`adopt.rs`); a refused
//! run changes nothing. What migrations create and drop is read by `sql::effects_of`, what a
//! prerequisite is met by is the engine's (`engine::prerequisites`).

use indexmap::{IndexMap, IndexSet};

use super::adopt::{AdoptError, MissingForBaseline, open_session, record};
use crate::db::ledger::Adopted;
use crate::db::{self, Catalog, ConnectionSettings, LedgerState};
use crate::engine::prerequisites::requirement_keys;
use crate::engine::{self, Execution};
use crate::graph::Graph;
use crate::object::ObjectKey;
use crate::project::{MigrationId, Project, Requirement};
use crate::sql::{ExpectedCatalog, effects_of};

/// What `baseline` should record.
#[derive(Clone, Debug)]
pub(crate) struct BaselineOptions {
    /// This migration and everything it depends on.
    pub target: MigrationId,
    /// The environment (`--env`): every migration recorded must run in it.
    pub environment: Option<String>,
    /// Record, or only check.
    pub mode: Execution,
}

/// What `baseline` checked and did.
#[derive(Clone, Debug, Default)]
pub(crate) struct BaselineReport {
    /// Migrations recorded (or, in a dry run, to record), in plan order.
    pub recorded: Vec<MigrationId>,
    /// Migrations of the closure the ledger already holds (applied or partly applied).
    pub already_recorded: Vec<MigrationId>,
    /// The batch recorded, when anything was.
    pub batch: Option<i32>,
    /// How many objects were checked.
    pub objects_checked: usize,
    /// How many catalog queries the check ran.
    pub catalog_queries: usize,
}

/// Records `options.target` and its dependencies as applied without running them, after
/// checking that the objects they create and need are in the database: see the module
/// documentation.
pub(crate) fn baseline(
    project: &Project,
    graph: &Graph,
    settings: &ConnectionSettings,
    options: &BaselineOptions,
) -> Result<BaselineReport, AdoptError> {
    let closure: Vec<&MigrationId> = graph.closure(&options.target);
    for id in &closure {
        let Some(migration) = project.migration(id) else {
            continue;
        };
        if !migration.runs_in(options.environment.as_deref()) {
            return Err(AdoptError::OtherEnvironment {
                id: id.to_string(),
                only: migration.environments().unwrap_or_default().join(", "),
                environment: match &options.environment {
                    Some(name) => format!("in {name}"),
                    None => "without --env".to_string(),
                },
            });
        }
    }
    let database = engine::target(project, settings);
    let ledger = database.ledger();
    let mut session = open_session(&database, options.mode)?;
    let ledger_rows = ledger.read(&mut session)?;
    let catalog = Catalog::read(
        &mut session,
        database.ledger_schema(),
        database.ledger_table(),
    )?;
    let mut report = BaselineReport {
        catalog_queries: 1,
        ..BaselineReport::default()
    };
    let recorded: IndexSet<&str> = ledger_rows.iter().map(|row| row.id.as_str()).collect();
    for id in &closure {
        if recorded.contains(id.as_str()) {
            report.already_recorded.push((*id).clone());
        } else {
            report.recorded.push((*id).clone());
        }
    }
    let applied: IndexSet<&str> = ledger_rows
        .iter()
        .filter(|row| row.state == LedgerState::Applied)
        .map(|row| row.id.as_str())
        .collect();
    let (missing, checked) =
        missing_for_baseline(project, graph, &applied, &report.recorded, &catalog);
    report.objects_checked = checked;
    if !missing.is_empty() {
        let _ = session.close();
        return Err(AdoptError::MissingObjects {
            target: options.target.to_string(),
            missing,
        });
    }
    if options.mode == Execution::Live && !report.recorded.is_empty() {
        let batch = if ledger.exists(&mut session)? {
            ledger.next_batch(&mut session)?
        } else {
            1
        };
        let detail = format!(
            "recorded by plan baseline --to {} without running it; its objects were found in the database",
            options.target
        );
        let adopted: Vec<Adopted<'_>> = report
            .recorded
            .iter()
            .filter_map(|id| project.migration(id))
            .map(|migration| Adopted {
                id: migration.id().as_str(),
                checksum: migration.checksum(),
                batch,
                applied_at: None,
                duration_ms: 0,
                environment: options.environment.as_deref(),
                detail: &detail,
            })
            .collect();
        record(
            &mut session,
            &database,
            db::HistoryAction::Baseline,
            &adopted,
            Some(batch),
        )?;
        report.batch = Some(batch);
    }
    session.close()?;
    Ok(report)
}

/// The objects that `to_record` create (as what is applied after the baseline leaves them)
/// and the prerequisites they need, missing from `catalog`; and how many were checked. Pure.
fn missing_for_baseline(
    project: &Project,
    graph: &Graph,
    applied: &IndexSet<&str>,
    to_record: &[MigrationId],
    catalog: &Catalog,
) -> (Vec<MissingForBaseline>, usize) {
    let recording: IndexSet<&str> = to_record.iter().map(MigrationId::as_str).collect();
    // What every migration applied after the baseline built, in plan order, minus what later
    // ones dropped: check-schema's expectation, so that a baseline it accepts is clean there.
    let mut built: ExpectedCatalog<&MigrationId> = ExpectedCatalog::new();
    let mut needed: IndexMap<String, (Requirement, &MigrationId)> = IndexMap::new();
    for id in graph.order() {
        if !applied.contains(id.as_str()) && !recording.contains(id.as_str()) {
            continue;
        }
        let Some(migration) = project.migration(id) else {
            continue;
        };
        if recording.contains(id.as_str()) {
            for prerequisite in migration.requires() {
                let keys = requirement_keys(&prerequisite.requirement);
                if !keys.iter().any(|key| built.contains(key)) {
                    needed.insert(
                        prerequisite.requirement.to_string(),
                        (prerequisite.requirement.clone(), id),
                    );
                }
            }
        }
        let removed = built.apply(&effects_of(migration), &id);
        needed.retain(|_, (requirement, _)| {
            !requirement_keys(requirement)
                .iter()
                .any(|key| removed.covers(key))
        });
    }
    // The catalog lists a function by its overloads, whose arguments are not read here.
    let present = |key: &ObjectKey| catalog.names(key);
    let mut missing = Vec::new();
    let mut checked = 0;
    for (key, expected) in built.iter() {
        let id = expected.created_by;
        // Opaque code after it may have dropped it: its absence proves nothing.
        if !recording.contains(id.as_str()) || expected.unverifiable.is_some() {
            continue;
        }
        checked += 1;
        if !present(key) {
            missing.push(MissingForBaseline {
                object: key.to_string(),
                relation: "created by",
                migration: id.to_string(),
            });
        }
    }
    for (shown, (requirement, id)) in &needed {
        checked += 1;
        // plpgsql is installed everywhere and left out of the catalog snapshot.
        let installed =
            matches!(requirement, Requirement::Extension { extension } if extension == "plpgsql");
        if !installed && !requirement_keys(requirement).iter().any(&present) {
            missing.push(MissingForBaseline {
                object: shown.clone(),
                relation: "required by",
                migration: id.to_string(),
            });
        }
    }
    (missing, checked)
}
