//! `verify`: proves on a scratch database that every rollback restores the schema. The plan is
//! applied one migration at a time, with a catalog snapshot before each; then the migrations
//! are rolled back one by one in reverse order, each rollback's catalog compared with the one
//! taken before that migration was applied; then everything is applied again and compared with
//! the first pass. The result is a [`VerifyReport`] naming every migration whose rollback does
//! not restore the schema and what differs.
//!
//! A rollback that leaves something behind leaves it there for every rollback after it in the
//! walk, all of which compare with catalogs that lack it. Each difference is therefore blamed
//! on the rollback that introduced it only: a rollback is not answerable for a difference that
//! was already there, the same, after the rollback run before it (see
//! `SchemaDifference::introduced`).
//!
//! The scratch database is a throwaway local cluster, or a temporary database created on a
//! server the caller names and dropped afterwards. Nothing here touches any other database.
//!
//! Comparisons use `Catalog` snapshots, which leave out the ledger's own objects by design, so
//! the tracking tables that apply creates are not "left behind". The comparison after applying
//! again looks at which objects exist, not at their definition hashes: a recreated table gets a
//! new OID, and the catalog hashes a foreign key's referenced table by OID, so every foreign
//! key would otherwise read as changed.
//!
//! Leaves to others: applying and rolling back (`run`, `rollback`), reading the catalog
//! (`db::catalog`), and showing the report (`cli/verify.rs`).

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use miette::Diagnostic;

use crate::db::{
    Catalog, CatalogDiff, ClusterOptions, ConnectionSettings, DbError, ScratchCluster, Session,
    quote_identifier,
};
use crate::engine::handler::Handlers;
use crate::engine::plan::Action;
use crate::engine::rollback::{
    RollbackError, RollbackOptions, RollbackProgress, RollbackTarget, rollback,
};
use crate::engine::run::Progress;
use crate::engine::run::{ApplyError, ApplyOptions, Execution, apply_with_handlers};
use crate::engine::{Trace, Tracing};
use crate::load::Loaded;
use crate::object::ObjectKey;
use crate::project::MigrationId;

/// Where to verify.
#[derive(Clone, Debug)]
pub(crate) enum Scratch {
    /// A throwaway cluster started from the local server binaries and removed afterwards.
    ThrowawayCluster,
    /// A temporary database `plan_verify_<random>` created on the server these settings reach
    /// (their database is only connected to, to create and drop it), dropped afterwards.
    TemporaryDatabase(ConnectionSettings),
}

/// What to verify, and where.
#[derive(Clone, Debug)]
pub(crate) struct VerifyOptions {
    /// Only this migration and what it depends on.
    pub target: Option<MigrationId>,
    /// The environment, for migrations limited to some.
    pub environment: Option<String>,
    /// Where.
    pub scratch: Scratch,
    /// Whether to report what the applies and rollbacks send (`VerifyProgress::Trace`).
    pub trace: Tracing,
}

/// Progress of a verification, for the caller to show.
#[derive(Debug)]
pub(crate) enum VerifyProgress<'a> {
    /// The scratch database is ready.
    Ready {
        /// What it is, for people.
        database: &'a str,
        /// How many migrations will be applied and rolled back.
        migrations: usize,
    },
    /// A migration is being applied.
    Applying {
        /// The migration.
        id: &'a MigrationId,
    },
    /// A migration was applied.
    Applied {
        /// The migration.
        id: &'a MigrationId,
        /// How long applying it took.
        took: Duration,
    },
    /// A migration's rollback is running (not sent for a migration without one).
    RollingBack {
        /// The migration.
        id: &'a MigrationId,
    },
    /// A migration was rolled back (or could not be).
    RolledBack {
        /// The migration.
        id: &'a MigrationId,
        /// What its rollback did to the schema.
        check: &'a RollbackCheck,
        /// How long its rollback ran (zero when it has none).
        took: Duration,
    },
    /// Everything is being applied again.
    ApplyingAgain,
    /// Everything was applied again.
    AppliedAgain,
    /// What an apply or rollback of the walk sends, step by step (`VerifyOptions::trace`);
    /// with tracing off, only the warnings the server sends during their SQL.
    Trace(Trace<'a>),
}

/// Where a verification ran.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ScratchKind {
    /// A throwaway local cluster, removed afterwards.
    ThrowawayCluster,
    /// A temporary database on the server `--database-url` named, dropped afterwards.
    TemporaryDatabase,
}

/// What verifying found.
#[derive(Clone, Debug)]
pub(crate) struct VerifyReport {
    /// The scratch database, for people.
    pub database: String,
    /// The scratch database's URL, without a password.
    pub database_url: String,
    /// Which kind of scratch database it was.
    pub scratch: ScratchKind,
    /// Each migration applied, in plan order, with what its rollback did.
    pub migrations: Vec<MigrationCheck>,
    /// Migrations limited to other environments, with where they run.
    pub skipped: Vec<(MigrationId, Vec<String>)>,
    /// Applying everything again after the rollbacks.
    pub applied_again: AppliedAgain,
    /// A temporary database that could not be dropped afterwards, and why.
    pub leftover: Option<String>,
}

/// One migration's rollback, checked.
#[derive(Clone, Debug)]
pub(crate) struct MigrationCheck {
    /// The migration.
    pub id: MigrationId,
    /// What its rollback did.
    pub rollback: RollbackCheck,
}

/// What a migration's rollback did to the schema.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum RollbackCheck {
    /// The schema is as it was before the migration was applied.
    Restored,
    /// It differs from the schema before the migration was applied, in ways that the rollbacks
    /// run before it in the walk did not already leave.
    NotRestored(SchemaDifference),
    /// The migration has no rollback: the walk stopped here.
    NoRollback,
    /// The rollback failed: the walk stopped here.
    Failed {
        /// The error.
        message: String,
    },
    /// Not rolled back, because the walk stopped at a later migration.
    NotVerified {
        /// Where the walk stopped.
        stopped_at: MigrationId,
    },
}

/// How a schema differs from the one expected, each object shown as its key
/// (`column platform.organizations.billing_plan`), in key order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct SchemaDifference {
    /// Objects there now that were not before.
    pub left_behind: Vec<String>,
    /// Objects that were there before and are gone.
    pub missing: Vec<String>,
    /// Objects whose definition differs.
    pub changed: Vec<String>,
}

/// Applying everything again after the rollbacks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum AppliedAgain {
    /// It gave the same objects as the first pass.
    Same,
    /// It gave other objects than the first pass.
    Differs(SchemaDifference),
    /// It failed.
    Failed {
        /// The error.
        message: String,
    },
}

/// Why a verification could not be carried out (as opposed to what it found).
#[derive(Debug, thiserror::Error, Diagnostic)]
pub(crate) enum VerifyError {
    /// The scratch database could not be set up or read.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Db(#[from] DbError),
    /// Applying the plan to the empty scratch database failed.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Apply(#[from] ApplyError),
}

/// Verification that could not run failed.
impl crate::diagnostic::Classified for VerifyError {
    fn class(&self) -> crate::diagnostic::ErrorClass {
        crate::diagnostic::ErrorClass::Failed
    }
}

impl VerifyReport {
    /// Whether every rollback restored the schema and applying again gave the same objects.
    pub(crate) fn is_clean(&self) -> bool {
        self.migrations
            .iter()
            .all(|check| check.rollback == RollbackCheck::Restored)
            && self.applied_again == AppliedAgain::Same
    }

    /// The migrations whose rollback did not restore the schema, or could not run or be
    /// checked.
    pub(crate) fn problems(&self) -> impl Iterator<Item = &MigrationCheck> {
        self.migrations
            .iter()
            .filter(|check| check.rollback != RollbackCheck::Restored)
    }
}

impl SchemaDifference {
    /// From `expected` to `actual`.
    fn between(expected: &Catalog, actual: &Catalog) -> SchemaDifference {
        SchemaDifference::shown(expected.diff(actual))
    }

    /// A catalog difference as users read it, each list in key order.
    fn shown(diff: CatalogDiff) -> SchemaDifference {
        let shown = |keys: Vec<ObjectKey>| keys.iter().map(ObjectKey::to_string).collect();
        SchemaDifference {
            left_behind: shown(diff.added),
            missing: shown(diff.dropped),
            changed: shown(diff.altered),
        }
    }

    /// What a migration's rollback itself left different: from `before` (the catalog before
    /// the migration) to `after` (the catalog after its rollback), less the differences left
    /// by the rollback run just before it in the walk. `earlier` is that rollback's pair: the
    /// catalog before its migration (the next one in plan order) and the catalog after it.
    ///
    /// A difference on an object is that earlier rollback's when the object was the same
    /// before both migrations (this migration did not touch it) and is the same after both
    /// rollbacks (this rollback did not touch it): it is then exactly the difference that was
    /// there already. Anything else this rollback answers for, including an object a later
    /// migration left altered that this migration created and this rollback failed to drop.
    fn introduced(
        before: &Catalog,
        after: &Catalog,
        earlier: Option<(&Catalog, &Catalog)>,
    ) -> SchemaDifference {
        let mut difference = before.diff(after);
        if let Some((before_earlier, after_earlier)) = earlier {
            let own = |key: &ObjectKey| {
                before.hash_of(key) != before_earlier.hash_of(key)
                    || after.hash_of(key) != after_earlier.hash_of(key)
            };
            difference.added.retain(own);
            difference.dropped.retain(own);
            difference.altered.retain(own);
        }
        SchemaDifference::shown(difference)
    }

    /// Whether nothing differs.
    pub(crate) fn is_empty(&self) -> bool {
        self.left_behind.is_empty() && self.missing.is_empty() && self.changed.is_empty()
    }
}

/// Verifies `project` (or `options.target` and its dependencies) on a scratch database, with
/// `handlers` for its `handler` steps.
pub(crate) fn verify(
    loaded: &Loaded,
    options: &VerifyOptions,
    handlers: &Handlers,
    observe: &mut dyn FnMut(VerifyProgress<'_>),
) -> Result<VerifyReport, VerifyError> {
    let run = Verification {
        loaded,
        options,
        handlers,
    };
    match &options.scratch {
        Scratch::ThrowawayCluster => {
            let cluster = ScratchCluster::start(&ClusterOptions::socket_only())?;
            let settings = cluster.create_database("plan_verify")?;
            let database = format!(
                "a throwaway cluster in {} (removed afterwards)",
                cluster.directory().display()
            );
            // `cluster` stops and is deleted when it drops, after the walk.
            walk(
                &run,
                &settings,
                (database, ScratchKind::ThrowawayCluster),
                observe,
            )
        }
        Scratch::TemporaryDatabase(server) => {
            let name = temporary_name();
            let settings = server.with_database(&name);
            run_admin(
                server,
                &format!("CREATE DATABASE {}", quote_identifier(&name)),
            )?;
            let database = format!("the temporary database {settings} (dropped afterwards)");
            let result = walk(
                &run,
                &settings,
                (database, ScratchKind::TemporaryDatabase),
                observe,
            );
            let dropped = run_admin(
                server,
                &format!(
                    "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                    quote_identifier(&name)
                ),
            );
            let mut report = result?;
            if let Err(error) = dropped {
                report.leftover = Some(format!("{name} could not be dropped: {error}"));
            }
            Ok(report)
        }
    }
}

/// Passes what an apply of the walk sends on to `observe`; the rest of its progress is the
/// walk's to tell.
fn forward(progress: Progress<'_>, observe: &mut dyn FnMut(VerifyProgress<'_>)) {
    if let Progress::Trace(trace) = progress {
        observe(VerifyProgress::Trace(trace));
    }
}

/// What is verified, with what.
struct Verification<'a> {
    loaded: &'a Loaded,
    options: &'a VerifyOptions,
    handlers: &'a Handlers,
}

/// Applies one by one, rolls back one by one, applies again.
fn walk(
    run: &Verification<'_>,
    settings: &ConnectionSettings,
    (database, scratch): (String, ScratchKind),
    observe: &mut dyn FnMut(VerifyProgress<'_>),
) -> Result<VerifyReport, VerifyError> {
    let Verification {
        loaded,
        options,
        handlers,
    } = *run;
    let project = loaded.project();
    let table = project.manifest().tracking_table();
    let read_catalog = || -> Result<Catalog, DbError> {
        let mut session = Session::connect(settings)?;
        let catalog = Catalog::read(&mut session, &table.schema, &table.table)?;
        session.close()?;
        Ok(catalog)
    };
    let apply_options = |target: Option<&MigrationId>, mode: Execution| ApplyOptions {
        target: target.cloned(),
        environment: options.environment.clone(),
        mode,
        lock_wait: None,
        allow: crate::engine::Allow::default(),
        backup_to: None,
        trace: options.trace,
        lint: false,
    };

    // The plan on the empty database: what runs, in order, and what is skipped.
    let mut order: Vec<MigrationId> = Vec::new();
    let mut skipped: Vec<(MigrationId, Vec<String>)> = Vec::new();
    apply_with_handlers(
        loaded,
        settings,
        &apply_options(options.target.as_ref(), Execution::DryRun),
        handlers,
        &mut |progress| {
            if let crate::engine::run::Progress::Planned { plan, .. } = progress {
                for step in plan.steps() {
                    match &step.action {
                        Action::Skip { only } => {
                            skipped.push((step.migration.id().clone(), only.clone()));
                        }
                        _ => order.push(step.migration.id().clone()),
                    }
                }
            }
        },
    )?;
    observe(VerifyProgress::Ready {
        database: &database,
        migrations: order.len(),
    });

    // Forward, one migration per run: each run's target is the next migration, whose
    // dependencies are all applied already, so it applies exactly that one.
    let mut before: Vec<Catalog> = Vec::with_capacity(order.len());
    for id in &order {
        before.push(read_catalog()?);
        observe(VerifyProgress::Applying { id });
        let started = Instant::now();
        apply_with_handlers(
            loaded,
            settings,
            &apply_options(Some(id), Execution::Live),
            handlers,
            &mut |progress| forward(progress, observe),
        )?;
        observe(VerifyProgress::Applied {
            id,
            took: started.elapsed(),
        });
    }
    let after_first_pass = read_catalog()?;

    // Backward, in reverse plan order, until a migration cannot be rolled back. The catalog
    // after the previous rollback is kept, so that what it left is not blamed on the next.
    let mut checks: Vec<Option<RollbackCheck>> = vec![None; order.len()];
    let mut stopped_at: Option<MigrationId> = None;
    let mut after_previous: Option<Catalog> = None;
    for (index, id) in order.iter().enumerate().rev() {
        // The rollback, if the migration has one, and how long it ran. A repeatable migration
        // has none, whatever it was written with (the walk stops there, as at any other).
        let ran = project
            .migration(id)
            .filter(|migration| !migration.is_repeatable())
            .and_then(|migration| migration.rollback())
            .map(|_| {
                observe(VerifyProgress::RollingBack { id });
                let started = Instant::now();
                let result = rollback(
                    loaded,
                    settings,
                    &RollbackTarget::Migration(id.clone()),
                    RollbackOptions {
                        environment: options.environment.as_deref(),
                        tracing: options.trace,
                        lock_wait: None,
                    },
                    &mut |progress| {
                        if let RollbackProgress::Trace(trace) = progress {
                            observe(VerifyProgress::Trace(trace));
                        }
                    },
                );
                (result, started.elapsed())
            });
        let (check, took) = match ran {
            None => (RollbackCheck::NoRollback, Duration::ZERO),
            Some((Ok(_), took)) => {
                let after = read_catalog()?;
                // The walk goes down one migration at a time and stops at the first that
                // cannot be rolled back, so the previous rollback is always index + 1's.
                let earlier = after_previous
                    .as_ref()
                    .zip(before.get(index + 1))
                    .map(|(after_earlier, before_earlier)| (before_earlier, after_earlier));
                let difference = SchemaDifference::introduced(&before[index], &after, earlier);
                after_previous = Some(after);
                let check = if difference.is_empty() {
                    RollbackCheck::Restored
                } else {
                    RollbackCheck::NotRestored(difference)
                };
                (check, took)
            }
            Some((Err(RollbackError::Db(error)), _)) => return Err(error.into()),
            Some((Err(error), took)) => (
                RollbackCheck::Failed {
                    message: one_line(&error),
                },
                took,
            ),
        };
        observe(VerifyProgress::RolledBack {
            id,
            check: &check,
            took,
        });
        let stops = matches!(
            check,
            RollbackCheck::NoRollback | RollbackCheck::Failed { .. }
        );
        checks[index] = Some(check);
        if stops {
            stopped_at = Some(id.clone());
            break;
        }
    }

    // Applying again must work after the rollbacks, and give the same objects.
    observe(VerifyProgress::ApplyingAgain);
    let applied_again = match apply_with_handlers(
        loaded,
        settings,
        &apply_options(options.target.as_ref(), Execution::Live),
        handlers,
        &mut |progress| forward(progress, observe),
    ) {
        Ok(_) => {
            let difference = SchemaDifference::between(&after_first_pass, &read_catalog()?);
            if difference.left_behind.is_empty() && difference.missing.is_empty() {
                AppliedAgain::Same
            } else {
                AppliedAgain::Differs(SchemaDifference {
                    changed: Vec::new(),
                    ..difference
                })
            }
        }
        Err(ApplyError::Db(error)) => return Err(error.into()),
        Err(error) => AppliedAgain::Failed {
            message: one_line(&error),
        },
    };
    observe(VerifyProgress::AppliedAgain);

    let migrations = order
        .into_iter()
        .zip(checks)
        .map(|(id, check)| MigrationCheck {
            id,
            rollback: check.unwrap_or_else(|| RollbackCheck::NotVerified {
                stopped_at: stopped_at.clone().unwrap_or_else(|| MigrationId::new("")),
            }),
        })
        .collect();
    Ok(VerifyReport {
        database,
        database_url: settings.to_string(),
        scratch,
        migrations,
        skipped,
        applied_again,
        leftover: None,
    })
}

/// An error's message with its help, on one line, for the report.
fn one_line(error: &dyn Diagnostic) -> String {
    let mut text = error.to_string();
    if let Some(help) = error.help() {
        let help = help.to_string();
        if !help.is_empty() {
            text.push_str(" (");
            text.push_str(&help.replace('\n', "; "));
            text.push(')');
        }
    }
    text
}

/// Runs one statement outside a transaction on the database `settings` names.
fn run_admin(settings: &ConnectionSettings, statement: &str) -> Result<(), DbError> {
    let mut session = Session::connect(settings)?;
    session
        .run(statement)
        .map_err(|error| session.error(statement, &error))?;
    session.close()
}

/// `plan_verify_` and twelve hex digits from the clock and the process id: unique enough that
/// two verifications on one server never collide.
fn temporary_name() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_nanos();
    let mixed = (nanos as u64) ^ (u64::from(std::process::id()) << 40);
    format!("plan_verify_{:012x}", mixed & 0xffff_ffff_ffff)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog(objects: &[(&str, &str)]) -> Catalog {
        Catalog::from_objects(
            objects
                .iter()
                .map(|(key, hash)| (ObjectKey::from_catalog_key(key), hash.to_string())),
        )
    }

    #[test]
    fn a_difference_names_what_was_left_behind_missing_and_changed() {
        let before = catalog(&[("table public.a", "1"), ("column public.a.x", "2")]);
        let after = catalog(&[
            ("table public.a", "1"),
            ("column public.a.x", "3"),
            ("column public.a.email", "4"),
        ]);
        let difference = SchemaDifference::between(&before, &after);
        assert_eq!(difference.left_behind, ["column public.a.email"]);
        assert_eq!(difference.changed, ["column public.a.x"]);
        assert!(difference.missing.is_empty());
        assert!(SchemaDifference::between(&before, &before).is_empty());
    }

    #[test]
    fn a_later_rollbacks_leftover_is_not_blamed_on_the_earlier_migrations() {
        // 001 creates a, 002 creates b, 003 creates notes; 003's rollback leaves notes.
        let before_001 = catalog(&[]);
        let before_002 = catalog(&[("table public.a", "1")]);
        let before_003 = catalog(&[("table public.a", "1"), ("table public.b", "2")]);
        let after_003 = catalog(&[
            ("table public.a", "1"),
            ("table public.b", "2"),
            ("table public.notes", "3"),
        ]);
        let after_002 = catalog(&[("table public.a", "1"), ("table public.notes", "3")]);
        let after_001 = catalog(&[("table public.notes", "3")]);
        let blamed_003 = SchemaDifference::introduced(&before_003, &after_003, None);
        assert_eq!(blamed_003.left_behind, ["table public.notes"]);
        let earlier = Some((&before_003, &after_003));
        assert!(SchemaDifference::introduced(&before_002, &after_002, earlier).is_empty());
        let earlier = Some((&before_002, &after_002));
        assert!(SchemaDifference::introduced(&before_001, &after_001, earlier).is_empty());
    }

    #[test]
    fn a_rollback_answers_for_what_it_touched_even_where_a_later_one_left_a_difference() {
        // 002 adds column e; 003 alters e and its rollback leaves it altered; 002's rollback
        // then forgets to drop e: that is 002's leftover, although e already differed.
        let before_002 = catalog(&[("table public.a", "1")]);
        let before_003 = catalog(&[("table public.a", "1"), ("column public.a.e", "2")]);
        let after_003 = catalog(&[("table public.a", "1"), ("column public.a.e", "3")]);
        let after_002 = after_003.clone();
        let earlier = Some((&before_003, &after_003));
        let blamed = SchemaDifference::introduced(&before_002, &after_002, earlier);
        assert_eq!(blamed.left_behind, ["column public.a.e"]);
        // And a leftover the rollback changes further is its own change too.
        let after_002 = catalog(&[("table public.a", "1"), ("column public.a.e", "4")]);
        let before_002 = before_003.clone();
        let blamed = SchemaDifference::introduced(&before_002, &after_002, earlier);
        assert_eq!(blamed.changed, ["column public.a.e"]);
    }

    #[test]
    fn temporary_names_are_valid_identifiers() {
        let name = temporary_name();
        assert!(name.starts_with("plan_verify_"), "{name}");
        assert_eq!(name.len(), "plan_verify_".len() + 12);
        assert!(name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
    }
}
