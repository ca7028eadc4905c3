//! `plan accept`: records in the history that a refused state is deliberate — an applied
//! migration's changed content (`plan accept ID --reason TEXT`), where a partly applied or
//! interrupted one goes on (`--resume-at statement:N|step:N|end`), a file renamed after it was
//! applied (`plan accept --renamed OLD NEW --reason TEXT`). With `--format json` the sentence
//! saying what was recorded comes as one object ([`ShownAcceptance`], docs/json.md#plan-accept).

use std::io::Write;

use clap::Args;
use serde::Serialize;

use super::Failure;
use miette::Diagnostic;

use super::Global;
use super::args::resolve_migration;
use super::progress_bar::LockWaitNotice;
use crate::diagnostic::{Classified, ErrorClass};
use crate::ops::{self, Acceptance, ResumeAt};

/// A `plan accept` argument that cannot be used.
#[derive(Debug, thiserror::Error, Diagnostic)]
enum AcceptArgumentProblem {
    /// `--resume-at` that is none of the forms.
    #[error("`--resume-at {written}` is not a resume point")]
    #[diagnostic(
        code(plan::cli::bad_resume_point),
        help("write `statement:N`, `step:N` (N from 1) or `end`")
    )]
    BadResumePoint { written: String },
    /// `--renamed` without two IDs.
    #[error("--renamed takes two IDs: the old one and the new one")]
    #[diagnostic(code(plan::cli::renamed_needs_two))]
    RenamedNeedsTwo,
}

/// Arguments that cannot be used are invalid input.
impl Classified for AcceptArgumentProblem {
    fn class(&self) -> ErrorClass {
        ErrorClass::InvalidInput
    }
}

/// Arguments of `plan accept`.
#[derive(Debug, Args)]
pub(crate) struct AcceptArgs {
    /// The migration whose current content is accepted.
    #[arg(
        value_name = "ID",
        required_unless_present = "renamed",
        conflicts_with = "renamed"
    )]
    id: Option<String>,
    /// For a partly applied or interrupted migration: where it goes on — `statement:N` (run
    /// the file from statement N), `step:N` (the file is done; run steps from N) or `end`
    /// (record it as applied). Check the database first.
    #[arg(long, value_name = "POINT", conflicts_with = "renamed")]
    resume_at: Option<String>,
    /// A migration renamed after it was applied: its ledger row moves from OLD to NEW.
    #[arg(long, num_args = 2, value_names = ["OLD", "NEW"])]
    renamed: Option<Vec<String>>,
    /// Why this is safe; recorded in the history.
    #[arg(long, value_name = "TEXT")]
    reason: String,
}

/// Runs `plan accept`.
pub(crate) fn run(
    args: AcceptArgs,
    global: &Global,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), Failure> {
    let loaded = global.load()?;
    let project = loaded.project();
    let resume_at = args
        .resume_at
        .as_deref()
        .map(|written| {
            ResumeAt::parse(written).ok_or_else(|| {
                Failure::from(AcceptArgumentProblem::BadResumePoint {
                    written: written.to_string(),
                })
            })
        })
        .transpose()?;
    let id;
    let acceptance = match (&args.renamed, &args.id) {
        (Some(names), _) => {
            let [old, new] = names.as_slice() else {
                return Err(Failure::from(AcceptArgumentProblem::RenamedNeedsTwo));
            };
            id = resolve_migration(project, new)?;
            Acceptance::Renamed { old, new: &id }
        }
        (None, Some(written)) => {
            id = resolve_migration(project, written)?;
            Acceptance::Changed { id: &id, resume_at }
        }
        // clap requires one of the two.
        (None, None) => return Err(Failure::from(AcceptArgumentProblem::RenamedNeedsTwo)),
    };
    let settings = global.settings("accept")?;
    let mut lock_wait = LockWaitNotice::default();
    let sentence = ops::accept(
        &loaded,
        &settings,
        &acceptance,
        &args.reason,
        &mut |waiting| {
            if let Some(line) = lock_wait.line(waiting.holder, waiting.waited) {
                let _ = writeln!(err, "{line}");
            }
        },
    )?;
    if global.json() {
        let shown = ShownAcceptance {
            format: 1,
            database: settings.to_string(),
            migration: id.to_string(),
            accepted: match (&acceptance, resume_at) {
                (Acceptance::Renamed { .. }, _) => "renamed",
                (_, Some(_)) => "resume_point",
                (_, None) => "changed",
            },
            resume_at: args.resume_at.clone(),
            renamed_from: match &acceptance {
                Acceptance::Renamed { old, .. } => Some(old.to_string()),
                Acceptance::Changed { .. } => None,
            },
            reason: args.reason.trim().to_string(),
            message: sentence,
        };
        let _ = serde_json::to_writer_pretty(&mut *out, &shown)
            .map_err(std::io::Error::other)
            .and_then(|()| writeln!(out));
    } else {
        let _ = writeln!(out, "{sentence}");
    }
    Ok(())
}

/// The report of `plan accept --format json`: one object, `format` 1 (docs/json.md).
#[derive(Debug, Serialize)]
struct ShownAcceptance {
    format: u32,
    /// The database, as a URL without the password.
    database: String,
    /// The migration accepted (for a rename, the new ID).
    migration: String,
    /// `changed`, `resume_point` or `renamed`.
    accepted: &'static str,
    /// `--resume-at` as given.
    resume_at: Option<String>,
    /// For a rename, the old ID.
    renamed_from: Option<String>,
    /// The reason recorded in the history.
    reason: String,
    /// What was recorded, for people.
    message: String,
}
