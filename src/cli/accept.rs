//! `plan accept`: records in the history that a refused state is deliberate — an applied
//! migration's changed content (`plan accept ID --reason TEXT`), where a partly applied or
//! interrupted one goes on (`--resume-at statement:N|step:N|end`), a file renamed after it was
//! applied (`plan accept --renamed OLD NEW --reason TEXT`).

use std::io::Write;

use clap::Args;

use super::Failure;
use miette::Diagnostic;

use super::Global;
use super::args::resolve_migration;
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
    _err: &mut dyn Write,
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
    match ops::accept(&loaded, &settings, &acceptance, &args.reason) {
        Ok(sentence) => {
            let _ = writeln!(out, "{sentence}");
            Ok(())
        }
        Err(error) => Err(Failure::from(error)),
    }
}
