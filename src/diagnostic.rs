//! Shared miette plumbing: [`SourceFile`] (a file's display name and text, cheap to clone),
//! span helpers, [`InvalidInput`], the one diagnostic that gathers every problem found in a
//! project so that a run reports them all together, [`Classified`], how every error says
//! whether the input was wrong or the operation failed, and [`render`], how a diagnostic is
//! shown (by `plan`, and by a build script embedding a project).
//!
//! Each layer defines its own error enum; this module only provides what they share.

use std::ops::Range;
use std::sync::Arc;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, MietteError, NamedSource, SourceCode,
    SourceSpan, SpanContents,
};

/// A file a diagnostic can point into: its name as the user should read it (relative to the
/// project folder) and its text. Clones share the text.
#[derive(Clone)]
pub struct SourceFile {
    inner: Arc<NamedSource<String>>,
}

impl SourceFile {
    /// Wraps `text` under the display name `name` (for example `migrations/001_init.sql`).
    pub fn new(name: impl AsRef<str>, text: String) -> Self {
        SourceFile {
            inner: Arc::new(NamedSource::new(name, text)),
        }
    }

    /// The display name, as used in diagnostics.
    pub fn name(&self) -> &str {
        self.inner.name()
    }

    /// The whole text.
    pub fn text(&self) -> &str {
        self.inner.inner()
    }

    /// The 1-based line number holding byte `offset`.
    pub fn line_of(&self, offset: usize) -> usize {
        line_of(self.text(), offset)
    }

    /// `name:line`, the form people paste into an editor.
    pub fn location(&self, offset: usize) -> String {
        format!("{}:{}", self.name(), self.line_of(offset))
    }
}

impl std::fmt::Debug for SourceFile {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("SourceFile")
            .field("name", &self.name())
            .finish_non_exhaustive()
    }
}

impl SourceCode for SourceFile {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        self.inner
            .read_span(span, context_lines_before, context_lines_after)
    }
}

/// A place in a file: the file and a byte range in it. Every dependency, requirement and step
/// keeps one so that later layers (the graph, apply) can point back at the line that declared it.
#[derive(Clone, Debug)]
pub(crate) struct Origin {
    /// The file holding the declaration.
    pub file: SourceFile,
    /// Byte range of the declaration in `file`.
    pub span: Range<usize>,
}

impl Origin {
    /// A place in `file`.
    pub(crate) fn new(file: SourceFile, span: Range<usize>) -> Self {
        Origin { file, span }
    }

    /// The span in miette's form.
    pub(crate) fn source_span(&self) -> SourceSpan {
        to_source_span(&self.span)
    }

    /// `name:line` of the start of the span.
    pub(crate) fn location(&self) -> String {
        self.file.location(self.span.start)
    }
}

/// Converts a byte range into miette's span type.
pub(crate) fn to_source_span(span: &Range<usize>) -> SourceSpan {
    SourceSpan::from(span.start..span.end)
}

/// The 1-based line number holding byte `offset` of `text`.
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// The closest of `candidates` to `wanted`, when it is close enough to be worth suggesting.
pub(crate) fn closest<'a>(
    wanted: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let wanted_lower = wanted.to_lowercase();
    candidates
        .into_iter()
        .map(|candidate| {
            let score = strsim::jaro_winkler(&wanted_lower, &candidate.to_lowercase());
            (score, candidate)
        })
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|left, right| left.0.total_cmp(&right.0).then(right.1.cmp(left.1)))
        .map(|(_, candidate)| candidate)
}

/// Every problem found in one run over a project's input, reported together. Rendering it shows
/// each problem with its file, line and help.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("{summary}")]
#[diagnostic(
    code(plan::invalid_input),
    help("fix the problems above; nothing was run and no database was touched")
)]
pub struct InvalidInput {
    summary: String,
    #[related]
    problems: Vec<Box<dyn Diagnostic + Send + Sync + 'static>>,
}

impl InvalidInput {
    /// Gathers `problems` found while reading `what` (a folder or file, as the user named it).
    pub fn new(what: &str, problems: Vec<Box<dyn Diagnostic + Send + Sync + 'static>>) -> Self {
        let summary = match problems.len() {
            1 => format!("1 problem in {what}"),
            count => format!("{count} problems in {what}"),
        };
        InvalidInput { summary, problems }
    }

    /// The problems, in the order they were found.
    pub fn problems(&self) -> &[Box<dyn Diagnostic + Send + Sync + 'static>] {
        &self.problems
    }
}

/// Colours only on a terminal, and never when `NO_COLOR` is set (no-color.org).
pub(crate) fn colour_wanted() -> bool {
    std::env::var_os("NO_COLOR").is_none() && std::io::IsTerminal::is_terminal(&std::io::stderr())
}

/// Renders a diagnostic as miette's graphical report, as `plan` prints it (and as a build script
/// embedding a project does, so that the build shows what `plan show` would): colours on a
/// terminal unless `NO_COLOR` is set, plain Unicode otherwise, a fixed width so that output is
/// the same everywhere.
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

/// Whose fault an error is: the input's (the project, the arguments, the connection settings:
/// running again unchanged fails again) or the operation's (the database, the disk, a check
/// that found something). The command line turns it into the exit code (2 and 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ErrorClass {
    /// The input is invalid; nothing was done because of it.
    InvalidInput,
    /// The operation was attempted and failed.
    Failed,
}

/// An error that knows its [`ErrorClass`]. Every error type the command line can report
/// implements it, next to its definition, deciding per variant where they differ; the command
/// line maps the class to an exit code in one place (`cli::Failure`).
pub(crate) trait Classified {
    /// Whether this error is invalid input or a failed operation.
    fn class(&self) -> ErrorClass;
}

impl Classified for InvalidInput {
    fn class(&self) -> ErrorClass {
        ErrorClass::InvalidInput
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_of_counts_newlines_before_the_offset() {
        let text = "a\nbb\nccc";
        assert_eq!(line_of(text, 0), 1);
        assert_eq!(line_of(text, 2), 2);
        assert_eq!(line_of(text, 5), 3);
        assert_eq!(line_of(text, 999), 3);
    }

    #[test]
    fn closest_suggests_only_near_names() {
        let names = ["depends_on", "requires", "environments"];
        assert_eq!(closest("depend_on", names), Some("depends_on"));
        assert_eq!(closest("zzz", names), None);
    }
}
