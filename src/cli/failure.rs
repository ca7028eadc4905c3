//! [`Failure`]: why a subcommand stopped, its exit code, and how it is rendered. The one place
//! that maps outcomes to exit codes: an error's [`ErrorClass`] (which the error itself decides)
//! becomes 2 for invalid input, 1 for a failed operation.

use std::io::Write;

use miette::Diagnostic;

use crate::diagnostic::{Classified, ErrorClass, render};

/// The operation failed (database error, modified applied file, failed check).
pub(crate) const EXIT_FAILED: u8 = 1;
/// Invalid input or usage.
pub(crate) const EXIT_USAGE: u8 = 2;

/// Why a subcommand stopped.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The input (project files, plan.yaml, arguments) is invalid: exit 2.
    Invalid(Box<dyn Diagnostic + Send + Sync>),
    /// The operation failed: exit 1.
    Failed(Box<dyn Diagnostic + Send + Sync>),
}

impl Failure {
    /// Renders the failure to `err` and returns its exit code.
    pub(crate) fn report(&self, err: &mut dyn Write) -> u8 {
        let _ = write!(err, "{}", render(self.diagnostic()));
        self.exit_code()
    }

    /// The exit code: 2 for invalid input, 1 for a failed operation.
    pub(crate) fn exit_code(&self) -> u8 {
        match self {
            Failure::Invalid(_) => EXIT_USAGE,
            Failure::Failed(_) => EXIT_FAILED,
        }
    }

    fn diagnostic(&self) -> &dyn Diagnostic {
        match self {
            Failure::Invalid(diagnostic) | Failure::Failed(diagnostic) => diagnostic.as_ref(),
        }
    }
}

/// The one mapping from an error to an exit code: each error says whether it is invalid input
/// or a failed operation (`Classified`), next to its definition; the command line only
/// follows it, so a subcommand ends with `?` on any error.
impl<E> From<E> for Failure
where
    E: Diagnostic + Classified + Send + Sync + 'static,
{
    fn from(error: E) -> Self {
        match error.class() {
            ErrorClass::InvalidInput => Failure::Invalid(Box::new(error)),
            ErrorClass::Failed => Failure::Failed(Box::new(error)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::args::ArgumentProblem;
    use crate::db::DbError;
    use crate::diagnostic::InvalidInput;
    use crate::engine::rollback::RollbackError;
    use crate::ops::accept::AcceptError;
    use crate::ops::new::request::ScaffoldError;

    /// `failure`'s exit code is `expect`.
    fn check(failure: Failure, expect: u8) {
        assert_eq!(failure.exit_code(), expect, "{failure:?}");
    }

    #[test]
    fn input_problems_exit_2() {
        check(
            InvalidInput::new("migrations/", Vec::new()).into(),
            EXIT_USAGE,
        );
        check(
            DbError::InvalidUrl {
                origin: "--database-url".to_string(),
                problem: "no host".to_string(),
            }
            .into(),
            EXIT_USAGE,
        );
        check(AcceptError::EmptyReason.into(), EXIT_USAGE);
        check(ScaffoldError::SequenceProject.into(), EXIT_USAGE);
    }

    #[test]
    fn failed_operations_exit_1() {
        check(DbError::ClusterUserMissing.into(), EXIT_FAILED);
        check(RollbackError::NothingApplied.into(), EXIT_FAILED);
        check(ArgumentProblem::NotConfirmed.into(), EXIT_FAILED);
    }
}
