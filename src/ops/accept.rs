//! `plan accept`: the one way to tell plan that the ledger should trust something it would
//! otherwise refuse — an applied migration changed on purpose, a partly applied one changed or
//! interrupted together with where to go on, or a file renamed after it was applied. Each
//! acceptance is a history row with its reason; nothing of the schema changes.

use std::time::{Duration, SystemTime};

use miette::Diagnostic;

use crate::db::{
    self, DbError, Event, Expected, HistoryOutcome, LedgerState, PartialProgress, ResumePoint,
};
use crate::db::{ConnectionSettings, Ledger, Session};
use crate::engine::plan::short;
use crate::engine::record::{completed_units, written};
use crate::engine::rollback::locked_session;
use crate::load::Loaded;
use crate::project::{Migration, MigrationId, Project};
use crate::sql::script::Script;

/// What to accept.
#[derive(Clone, Debug)]
pub(crate) enum Acceptance<'a> {
    /// The current content of a migration the ledger holds. A partly applied (or
    /// interrupted) one also needs the point to go on from.
    Changed {
        /// The migration.
        id: &'a MigrationId,
        /// Where a partly applied migration goes on; `None` for an applied one.
        resume_at: Option<ResumeAt>,
    },
    /// A migration's file renamed after it was applied: the ledger row moves to the new ID.
    Renamed {
        /// The ID the ledger holds, whose file is gone.
        old: &'a str,
        /// The migration as the project names it now.
        new: &'a MigrationId,
    },
}

/// Where a partly applied migration goes on (`--resume-at`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ResumeAt {
    /// Run the file from this statement (1-based) on, then its steps.
    Statement(usize),
    /// The file is done: run the steps from this one (1-based) on.
    Step(usize),
    /// Everything is done: record the migration as applied.
    End,
}

impl ResumeAt {
    /// Reads `statement:N`, `step:N` or `end`.
    pub(crate) fn parse(written: &str) -> Option<ResumeAt> {
        let written = written.trim();
        if written.eq_ignore_ascii_case("end") {
            return Some(ResumeAt::End);
        }
        let (kind, number) = written.split_once(':')?;
        let number: usize = number.trim().parse().ok().filter(|number| *number > 0)?;
        match kind.trim().to_ascii_lowercase().as_str() {
            "statement" => Some(ResumeAt::Statement(number)),
            "step" => Some(ResumeAt::Step(number)),
            _ => None,
        }
    }
}

impl std::fmt::Display for ResumeAt {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ResumeAt::Statement(number) => write!(formatter, "statement:{number}"),
            ResumeAt::Step(number) => write!(formatter, "step:{number}"),
            ResumeAt::End => formatter.write_str("end"),
        }
    }
}

/// Why an acceptance was refused. Nothing was recorded.
#[derive(Debug, thiserror::Error, Diagnostic)]
pub(crate) enum AcceptError {
    /// Connecting, the lock or the ledger failed.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Db(#[from] DbError),
    /// No reason, or only spaces.
    #[error("an acceptance needs a reason")]
    #[diagnostic(
        code(plan::accept::empty_reason),
        help("say why the change is safe with --reason \"...\"; it is kept in the history")
    )]
    EmptyReason,
    /// The ledger does not hold the migration.
    #[error(
        "migration {id} is not applied; only an applied or partly applied migration can be accepted"
    )]
    #[diagnostic(code(plan::apply::accept_not_applied))]
    NotApplied {
        /// The migration.
        id: String,
    },
    /// The migration is applied and unchanged: nothing to accept.
    #[error(
        "migration {id} has not changed since it was applied (checksum {checksum}); there is nothing to accept"
    )]
    #[diagnostic(
        code(plan::accept::unchanged),
        help("`plan status` shows which migrations changed")
    )]
    Unchanged {
        /// The migration.
        id: String,
        /// Its checksum.
        checksum: String,
    },
    /// A partly applied migration accepted without saying where it goes on.
    #[error("migration {id} is partly applied ({state}); accepting it needs --resume-at")]
    #[diagnostic(code(plan::accept::resume_point_needed), help("{help}"))]
    ResumePointNeeded {
        /// The migration.
        id: String,
        /// How far the ledger says it got.
        state: String,
        /// The choices.
        help: String,
    },
    /// A rollback of the migration stopped part-way.
    #[error("migration {id} is partly rolled back; finish the rollback before accepting anything")]
    #[diagnostic(
        code(plan::accept::rolling_back),
        help("`plan rollback {id}` resumes the rollback where it stopped")
    )]
    RollingBack {
        /// The migration.
        id: String,
    },
    /// `--resume-at` for an applied migration, or a point it does not have.
    #[error("migration {id} cannot resume at {resume_at}: {why}")]
    #[diagnostic(code(plan::accept::bad_resume_point), help("{help}"))]
    BadResumePoint {
        /// The migration.
        id: String,
        /// The point given.
        resume_at: String,
        /// Why not.
        why: String,
        /// The choices.
        help: String,
    },
    /// `--renamed OLD NEW` where that is no rename.
    #[error("{old} → {new} is not a rename: {why}")]
    #[diagnostic(
        code(plan::accept::not_a_rename),
        help(
            "`--renamed OLD NEW` moves the ledger row of OLD (applied, file gone) to NEW (pending, same content)"
        )
    )]
    NotARename {
        /// The old ID.
        old: String,
        /// The new ID.
        new: String,
        /// Why not.
        why: String,
    },
}

/// The request itself being wrong is invalid input; the database refusing it is a failure.
impl crate::diagnostic::Classified for AcceptError {
    fn class(&self) -> crate::diagnostic::ErrorClass {
        if self.is_invalid_input() {
            crate::diagnostic::ErrorClass::InvalidInput
        } else {
            crate::diagnostic::ErrorClass::Failed
        }
    }
}

impl AcceptError {
    /// Whether the request itself is wrong (exit 2) rather than the database refusing it.
    pub(crate) fn is_invalid_input(&self) -> bool {
        matches!(
            self,
            AcceptError::EmptyReason
                | AcceptError::ResumePointNeeded { .. }
                | AcceptError::BadResumePoint { .. }
                | AcceptError::NotARename { .. }
        )
    }
}

/// Records `acceptance` with `reason`, under the advisory lock, as a history row. Returns a
/// sentence saying what was recorded.
pub(crate) fn accept(
    loaded: &Loaded,
    settings: &ConnectionSettings,
    acceptance: &Acceptance<'_>,
    reason: &str,
    on_wait: &mut dyn FnMut(&crate::db::LockWaiting<'_>),
) -> Result<String, AcceptError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(AcceptError::EmptyReason);
    }
    let project = loaded.project();
    // Accepting is a few rows under the lock: it waits for a run that holds it, as long as it
    // takes, telling `on_wait`.
    let (database, mut session) = locked_session(project, settings, None, on_wait)?;
    let ledger = database.ledger();
    let result = match acceptance {
        Acceptance::Changed { id, resume_at } => {
            accept_changed(loaded, ledger, &mut session, id, *resume_at, reason)
        }
        Acceptance::Renamed { old, new } => {
            accept_rename(project, ledger, &mut session, old, new, reason)
        }
    };
    let closed = session.close();
    let sentence = result?;
    closed?;
    Ok(sentence)
}

fn accept_changed(
    loaded: &Loaded,
    ledger: &Ledger,
    session: &mut Session,
    id: &MigrationId,
    resume_at: Option<ResumeAt>,
    reason: &str,
) -> Result<String, AcceptError> {
    let not_applied = || AcceptError::NotApplied { id: id.to_string() };
    let migration = loaded.project().migration(id).ok_or_else(not_applied)?;
    let script = loaded.script(migration);
    let rows = ledger.read(session)?;
    let row = rows
        .iter()
        .find(|row| row.id == id.as_str())
        .ok_or_else(not_applied)?;
    let event = |detail| accept_event(migration, row.batch, detail);
    let was_at = match row.state {
        LedgerState::Applied => {
            if let Some(resume_at) = resume_at {
                return Err(AcceptError::BadResumePoint {
                    id: id.to_string(),
                    resume_at: resume_at.to_string(),
                    why: "it is applied completely".to_string(),
                    help: "leave out --resume-at to accept its changed content".to_string(),
                });
            }
            if row.checksum == migration.checksum() {
                return Err(AcceptError::Unchanged {
                    id: id.to_string(),
                    checksum: short(&row.checksum),
                });
            }
            let detail = format!(
                "accepted a changed migration (was {}): {reason}",
                row.checksum
            );
            let result = session.begin().and_then(|mut work| {
                ledger.record_checksum(
                    &mut work,
                    id.as_str(),
                    migration.checksum(),
                    &event(&detail),
                )?;
                work.commit()
            });
            result.map_err(|error| session.error("record the accepted checksum", &error))?;
            return Ok(format!(
                "accepted the current content of {id}; recorded in the history"
            ));
        }
        LedgerState::Partial(at) => at,
        LedgerState::RollingBack { .. } => {
            return Err(AcceptError::RollingBack { id: id.to_string() });
        }
    };
    let state = match was_at.next_step {
        None => format!("it stopped before statement {}", was_at.next_statement + 1),
        Some(done) => format!("its file and {done} step(s) are done"),
    };
    let Some(resume_at) = resume_at else {
        return Err(AcceptError::ResumePointNeeded {
            id: id.to_string(),
            state,
            help: resume_help(migration, script),
        });
    };
    let statements = script.statements.len();
    let steps = migration.steps().len();
    let out_of_range = |why: String| AcceptError::BadResumePoint {
        id: id.to_string(),
        resume_at: resume_at.to_string(),
        why,
        help: resume_help(migration, script),
    };
    let detail = format!(
        "accepted a partly applied migration (was {}, {state}) to resume at {resume_at}: {reason}",
        row.checksum
    );
    let result = match resume_at {
        ResumeAt::End => session.begin().and_then(|mut work| {
            ledger.record_finished(
                &mut work,
                id.as_str(),
                migration.checksum(),
                &event(&detail),
            )?;
            work.commit()
        }),
        ResumeAt::Statement(number) | ResumeAt::Step(number) => {
            let at = match resume_at {
                ResumeAt::Statement(number) if number <= statements => {
                    ResumePoint::at_statement(number - 1)
                }
                ResumeAt::Statement(_) => {
                    return Err(out_of_range(format!(
                        "its file has {statements} statement(s)"
                    )));
                }
                _ if number <= steps => ResumePoint::after_steps(number - 1),
                _ => return Err(out_of_range(format!("it has {steps} step(s)"))),
            };
            let completed = completed_units(migration, script, at);
            // Under the lock, the row is as read above; the write checks it all the same.
            let was = row.completed.join("\n");
            session.begin().and_then(|mut work| {
                ledger
                    .record_progress(
                        &mut work,
                        id.as_str(),
                        migration.checksum(),
                        row.batch,
                        &PartialProgress {
                            at,
                            completed: &completed,
                            replacing: Expected::Partial(&was),
                        },
                        row.environment.as_deref(),
                    )
                    .and_then(written)?;
                ledger.record_event(&mut work, &event(&detail))?;
                work.commit()
            })
        }
    };
    result.map_err(|error| session.error("record the acceptance", &error))?;
    Ok(match resume_at {
        ResumeAt::End => format!("recorded {id} as applied; recorded in the history"),
        _ => format!("{id} will resume at {resume_at} on the next apply; recorded in the history"),
    })
}

/// The history row of an acceptance of `migration`.
fn accept_event<'a>(migration: &'a Migration, batch: i32, detail: &'a str) -> Event<'a> {
    Event {
        migration_id: migration.id().as_str(),
        action: db::HistoryAction::Accept,
        outcome: HistoryOutcome::Ok,
        checksum: Some(migration.checksum()),
        batch: Some(batch),
        started_at: SystemTime::now(),
        duration: Duration::ZERO,
        environment: None,
        detail: Some(detail),
    }
}

/// The resume points a migration has.
fn resume_help(migration: &Migration, script: &Script) -> String {
    let statements = script.statements.len();
    let steps = migration.steps().len();
    let mut choices = vec![format!(
        "`--resume-at statement:N` (N from 1 to {statements}) to run the file from statement N"
    )];
    if steps > 0 {
        choices.push(format!(
            "`--resume-at step:N` (N from 1 to {steps}) when the file is done, to run the steps from N"
        ));
    }
    choices.push("`--resume-at end` when everything is done".to_string());
    format!(
        "check the database first, then say where to go on: {}",
        choices.join("; ")
    )
}

fn accept_rename(
    project: &Project,
    ledger: &Ledger,
    session: &mut Session,
    old: &str,
    new: &MigrationId,
    reason: &str,
) -> Result<String, AcceptError> {
    let refuse = |why: &str| AcceptError::NotARename {
        old: old.to_string(),
        new: new.to_string(),
        why: why.to_string(),
    };
    if project.migration(&MigrationId::new(old)).is_some() {
        return Err(refuse("the old migration still has its file"));
    }
    let migration = project
        .migration(new)
        .ok_or_else(|| refuse("the new migration is not in the project"))?;
    let rows = ledger.read(session)?;
    if rows.iter().any(|row| row.id == new.as_str()) {
        return Err(refuse("the new migration is already in the ledger"));
    }
    let row = rows
        .iter()
        .find(|row| row.id == old)
        .ok_or_else(|| refuse("the ledger holds no migration with the old ID"))?;
    if row.checksum != migration.checksum() && row.checksum != migration.file_checksum() {
        return Err(refuse(&format!(
            "their content differs (applied {}, now {})",
            short(&row.checksum),
            short(migration.checksum())
        )));
    }
    let detail = format!("renamed from {old} to {new}: {reason}");
    let event = accept_event(migration, row.batch, &detail);
    let result = session.begin().and_then(|mut work| {
        ledger.record_rename(&mut work, (old, new.as_str()), migration.checksum(), &event)?;
        work.commit()
    });
    result.map_err(|error| session.error("record the rename", &error))?;
    Ok(format!(
        "recorded {old} as renamed to {new}; recorded in the history"
    ))
}
