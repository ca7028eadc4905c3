//! [`Failure`]: why a subcommand stopped, its exit code, and how it is rendered. The one place
//! that maps outcomes to exit codes.

use std::io::Write;

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme};

/// The operation failed (database error, modified applied file, failed check).
pub(crate) const EXIT_FAILED: u8 = 1;
/// Invalid input or usage.
pub(crate) const EXIT_USAGE: u8 = 2;

/// Why a subcommand stopped.
#[derive(Debug)]
pub enum Failure {
    /// The input (project files, plan.yaml, arguments) is invalid: exit 2.
    Invalid(Box<dyn Diagnostic + Send + Sync>),
    /// The operation failed: exit 1.
    Failed(Box<dyn Diagnostic + Send + Sync>),
}

impl Failure {
    /// An input problem.
    pub fn invalid(diagnostic: impl Diagnostic + Send + Sync + 'static) -> Self {
        Failure::Invalid(Box::new(diagnostic))
    }

    /// An operation that failed.
    pub fn failed(diagnostic: impl Diagnostic + Send + Sync + 'static) -> Self {
        Failure::Failed(Box::new(diagnostic))
    }

    /// Renders the failure to `err` and returns its exit code.
    pub(crate) fn report(&self, err: &mut dyn Write) -> u8 {
        let (diagnostic, code) = match self {
            Failure::Invalid(diagnostic) => (diagnostic, EXIT_USAGE),
            Failure::Failed(diagnostic) => (diagnostic, EXIT_FAILED),
        };
        let _ = write!(err, "{}", render(diagnostic.as_ref()));
        code
    }
}

/// Adopting a database fails on bad input (an unknown table shape, a bad `--from`) or in the
/// operation; the error knows which.
impl From<crate::ops::AdoptError> for Failure {
    fn from(error: crate::ops::AdoptError) -> Self {
        if error.is_invalid_input() {
            Failure::invalid(error)
        } else {
            Failure::failed(error)
        }
    }
}

/// Colours only on a terminal, and never when `NO_COLOR` is set (no-color.org).
pub(crate) fn colour_wanted() -> bool {
    std::env::var_os("NO_COLOR").is_none() && std::io::IsTerminal::is_terminal(&std::io::stderr())
}

/// Renders a diagnostic as miette's graphical report: colours on a terminal unless `NO_COLOR`
/// is set, plain Unicode otherwise, a fixed width so that output is the same everywhere.
pub(crate) fn render(diagnostic: &dyn Diagnostic) -> String {
    let theme = if colour_wanted() {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(100)
        .with_links(false);
    let mut out = String::new();
    match handler.render_report(&mut out, diagnostic) {
        Ok(()) => out,
        Err(_) => format!("error: {diagnostic}\n"),
    }
}
