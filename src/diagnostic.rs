//! Shared miette plumbing: [`SourceFile`] (a file's display name and text, cheap to clone),
//! span helpers, [`InvalidInput`], the one diagnostic that gathers every problem found in a
//! project so that a run reports them all together, [`Classified`], how every error says
//! whether the input was wrong or the operation failed, and [`render_styled`], how a diagnostic
//! is shown (by `plan`, and by a build script embedding a project): in a [`RenderStyle`], a list
//! of problems top-down with its help last, many problems of one kind as one block.
//!
//! Each layer defines its own error enum; this module only provides what they share.

use std::ops::Range;
use std::sync::Arc;

use std::fmt::Write as _;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, NamedSource,
    Severity, SourceCode, SourceSpan, SpanContents,
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
        let summary = format!(
            "{} in {what}",
            counted(problems.len(), "problem", "problems")
        );
        InvalidInput { summary, problems }
    }

    /// The problems, in the order they were found.
    pub fn problems(&self) -> &[Box<dyn Diagnostic + Send + Sync + 'static>] {
        &self.problems
    }
}

/// `count` followed by `one` or `many`, as a summary counts: "1 problem", "3 problems".
pub(crate) fn counted(count: usize, one: &str, many: &str) -> String {
    if count == 1 {
        format!("1 {one}")
    } else {
        format!("{count} {many}")
    }
}

/// Colours only on a terminal, and never when `NO_COLOR` is set (no-color.org).
pub(crate) fn colour_wanted() -> bool {
    std::env::var_os("NO_COLOR").is_none() && std::io::IsTerminal::is_terminal(&std::io::stderr())
}

/// How [`render_styled`] draws a diagnostic. The command line decides it from `--color` and
/// whether stderr is a terminal; [`RenderStyle::for_stderr`] is the decision without options.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct RenderStyle {
    /// ANSI colours (miette's Unicode theme); plain Unicode when false.
    pub(crate) colour: bool,
    /// Messages and help wrap at [`WRAP_WIDTH`] columns, for a person at a terminal; when false
    /// no line is ever broken, so a long path stays whole in a log or under `grep`.
    pub(crate) wrap: bool,
}

impl RenderStyle {
    /// What suits stderr as it is: colours when it is a terminal and `NO_COLOR` is unset,
    /// wrapping when it is a terminal.
    pub(crate) fn for_stderr() -> Self {
        RenderStyle {
            colour: colour_wanted(),
            wrap: std::io::IsTerminal::is_terminal(&std::io::stderr()),
        }
    }
}

/// The width text wraps at, fixed rather than the terminal's so that output is the same on
/// every machine.
const WRAP_WIDTH: usize = 100;

/// The width given to miette when nothing wraps: miette reads the width only to wrap, and
/// this is far beyond any line while leaving room for the indents it subtracts.
const NO_WRAP_WIDTH: usize = usize::MAX / 2;

/// From how many related problems of one kind (same code, same file) they are shown as one
/// block. Two blocks still read well, each with its own excerpt and help; from three on the
/// repeated code, file and help hide the one thing that differs, the message.
const GROUP_AT: usize = 3;

/// Renders a diagnostic as `plan` prints it (and as a build script embedding a project does,
/// so that the build shows what `plan show` would), styled for stderr as it is
/// ([`RenderStyle::for_stderr`]).
pub(crate) fn render(diagnostic: &dyn Diagnostic) -> String {
    render_styled(diagnostic, RenderStyle::for_stderr())
}

/// Renders a diagnostic as miette's graphical report in `style`, laid out to read top-down
/// (docs/errors.md, "How problems are printed"):
///
/// - a diagnostic with related problems prints its message, then each problem, then its own
///   help last, so that "fix the problems above" follows them (at every level: a cycle inside
///   a list of problems prints its links before its help);
/// - [`GROUP_AT`] or more related problems with the same code and the same file print as one
///   block: a count, every message, one excerpt carrying every label, and the help once.
///
/// Only the layout changes: the diagnostic value keeps every problem, for every other reader.
pub(crate) fn render_styled(diagnostic: &dyn Diagnostic, style: RenderStyle) -> String {
    let renderer = Renderer::new(style);
    let mut out = String::new();
    match renderer.report(&mut out, diagnostic, None, Level::Top) {
        Ok(()) => out,
        Err(_) => format!("error: {diagnostic}\n"),
    }
}

/// Whether a diagnostic is the one reported or one of the problems listed under it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Level {
    Top,
    Related,
}

/// miette's handler, configured once, and the few pieces of layout it does not do itself.
struct Renderer {
    handler: GraphicalReportHandler,
    theme: GraphicalTheme,
    style: RenderStyle,
}

impl Renderer {
    fn new(style: RenderStyle) -> Self {
        let theme = if style.colour {
            GraphicalTheme::unicode()
        } else {
            GraphicalTheme::unicode_nocolor()
        };
        let width = if style.wrap {
            WRAP_WIDTH
        } else {
            NO_WRAP_WIDTH
        };
        let handler = GraphicalReportHandler::new_themed(theme.clone())
            .with_width(width)
            .with_wrap_lines(style.wrap)
            .with_links(false);
        Renderer {
            handler,
            theme,
            style,
        }
    }

    /// Writes `diagnostic` (pointing into `parent_source` when it has no source of its own):
    /// its message, its related problems (grouped), then its help.
    fn report(
        &self,
        out: &mut String,
        diagnostic: &dyn Diagnostic,
        parent_source: Option<&dyn SourceCode>,
        level: Level,
    ) -> std::fmt::Result {
        let source = diagnostic.source_code().or(parent_source);
        let related: Vec<&dyn Diagnostic> = diagnostic
            .related()
            .map(|related| related.collect())
            .unwrap_or_default();
        if level == Level::Related {
            // miette's own heading for a related problem.
            let heading = match diagnostic.severity() {
                Some(Severity::Warning) => "Warning: ",
                Some(Severity::Advice) => "Advice: ",
                Some(Severity::Error) | None => "Error: ",
            };
            write!(out, "\n{heading}")?;
            if diagnostic.code().is_none() {
                writeln!(out)?;
            }
        }
        let head = Part {
            diagnostic,
            source,
            with_help: related.is_empty(),
        };
        self.handler.render_report(out, &head)?;
        if related.is_empty() {
            return Ok(());
        }
        for item in group(&related, source) {
            match &item {
                Item::One(problem) => self.report(out, *problem, source, Level::Related)?,
                Item::Group(group) => self.report(out, group, source, Level::Related)?,
            }
        }
        match diagnostic.help() {
            Some(help) => self.write_help(out, &help.to_string()),
            None => Ok(()),
        }
    }

    /// Writes `help` after a blank line, as miette writes a help: `help:` in the help colour,
    /// continuation lines under the text, wrapped when the style wraps.
    fn write_help(&self, out: &mut String, help: &str) -> std::fmt::Result {
        const LABEL: &str = "  help: ";
        const INDENT: &str = "        ";
        writeln!(out)?;
        let width = WRAP_WIDTH - 2 - INDENT.len();
        let lines: Vec<String> = help
            .lines()
            .flat_map(|line| {
                if self.style.wrap {
                    wrap_words(line, width)
                } else {
                    vec![line.to_string()]
                }
            })
            .collect();
        for (index, line) in lines.iter().enumerate() {
            if index == 0 {
                write!(out, "{}", self.theme.styles.help.style(LABEL))?;
            } else {
                out.push_str(INDENT);
            }
            writeln!(out, "{line}")?;
        }
        Ok(())
    }
}

/// `text` broken at spaces into lines of at most `width` characters; a word longer than that
/// keeps a line of its own rather than being cut.
fn wrap_words(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ').filter(|word| !word.is_empty()) {
        let needed = line.chars().count() + 1 + word.chars().count();
        if !line.is_empty() && needed > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    lines.push(line);
    lines
}

/// A related problem as printed: alone, or with others of its kind.
enum Item<'a> {
    One(&'a dyn Diagnostic),
    Group(Group<'a>),
}

/// `related` in order, those of one kind ([`kind`]) gathered into one [`Group`] at the place
/// of the first when there are [`GROUP_AT`] or more of them.
fn group<'a>(
    related: &[&'a dyn Diagnostic],
    parent_source: Option<&'a dyn SourceCode>,
) -> Vec<Item<'a>> {
    let kinds: Vec<Option<Kind>> = related
        .iter()
        .map(|problem| kind(*problem, parent_source))
        .collect();
    let mut items = Vec::new();
    let mut taken = vec![false; related.len()];
    for (index, problem) in related.iter().enumerate() {
        if taken[index] {
            continue;
        }
        let same: Vec<usize> = match &kinds[index] {
            Some(wanted) => (index..related.len())
                .filter(|&other| kinds[other].as_ref() == Some(wanted))
                .collect(),
            None => Vec::new(),
        };
        if same.len() < GROUP_AT {
            items.push(Item::One(*problem));
            continue;
        }
        for &member in &same {
            taken[member] = true;
        }
        let file = kinds[index].as_ref().and_then(|kind| kind.file.clone());
        items.push(Item::Group(Group {
            members: same.iter().map(|&member| related[member]).collect(),
            file,
        }));
    }
    items
}

/// What makes problems one kind: the same code, in the same file (none when they point
/// nowhere).
#[derive(PartialEq, Eq)]
struct Kind {
    code: String,
    file: Option<String>,
}

/// The kind of `problem`, or `None` when it is never grouped: it has no code, or more to show
/// than a message, labels and a help (problems of its own, or a cause).
fn kind(problem: &dyn Diagnostic, parent_source: Option<&dyn SourceCode>) -> Option<Kind> {
    let code = problem.code()?.to_string();
    let has_related = problem
        .related()
        .is_some_and(|mut related| related.next().is_some());
    if has_related || problem.diagnostic_source().is_some() || problem.source().is_some() {
        return None;
    }
    let file = problem.labels().and_then(|mut labels| {
        let first = labels.next()?;
        let source = problem.source_code().or(parent_source)?;
        let contents = source.read_span(first.inner(), 0, 0).ok()?;
        contents.name().map(str::to_string)
    });
    Some(Kind { code, file })
}

/// Several related problems of one kind shown as one: a count, each message (with its help
/// when they differ), one excerpt with every label, and the help once when they share it.
/// Borrows the problems; the source is the first one's, which is the file they share.
struct Group<'a> {
    members: Vec<&'a dyn Diagnostic>,
    file: Option<String>,
}

impl Group<'_> {
    /// The help every member gives, when they all give the same.
    fn shared_help(&self) -> Option<String> {
        let mut helps = self
            .members
            .iter()
            .map(|member| member.help().map(|help| help.to_string()));
        let first = helps.next()??;
        helps
            .all(|help| help.as_deref() == Some(first.as_str()))
            .then_some(first)
    }
}

impl std::fmt::Display for Group<'_> {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "{} problems of one kind", self.members.len())?;
        if let Some(file) = &self.file {
            write!(formatter, " in {file}")?;
        }
        let own_helps = self.shared_help().is_none();
        for member in &self.members {
            write!(formatter, "\n- {member}")?;
            if let Some(help) = member.help().filter(|_| own_helps) {
                write!(formatter, "\n  help: {help}")?;
            }
        }
        Ok(())
    }
}

impl std::fmt::Debug for Group<'_> {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "Group({self})")
    }
}

impl std::error::Error for Group<'_> {}

impl Diagnostic for Group<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn std::fmt::Display + 'b>> {
        self.members.first()?.code()
    }

    fn severity(&self) -> Option<Severity> {
        self.members.first()?.severity()
    }

    fn help<'b>(&'b self) -> Option<Box<dyn std::fmt::Display + 'b>> {
        self.shared_help()
            .map(|help| Box::new(help) as Box<dyn std::fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.members.first()?.source_code()
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let labels: Vec<LabeledSpan> = self
            .members
            .iter()
            .flat_map(|member| member.labels().into_iter().flatten())
            .collect();
        if labels.is_empty() {
            None
        } else {
            Some(Box::new(labels.into_iter()))
        }
    }
}

/// One diagnostic without its related problems (they are printed after it, one by one),
/// pointing into `source`, with or without its help (printed after them).
struct Part<'a> {
    diagnostic: &'a dyn Diagnostic,
    source: Option<&'a dyn SourceCode>,
    with_help: bool,
}

impl std::fmt::Display for Part<'_> {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "{}", self.diagnostic)
    }
}

impl std::fmt::Debug for Part<'_> {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "Part({})", self.diagnostic)
    }
}

impl std::error::Error for Part<'_> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.diagnostic.source()
    }
}

impl Diagnostic for Part<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn std::fmt::Display + 'b>> {
        self.diagnostic.code()
    }

    fn severity(&self) -> Option<Severity> {
        self.diagnostic.severity()
    }

    fn help<'b>(&'b self) -> Option<Box<dyn std::fmt::Display + 'b>> {
        if self.with_help {
            self.diagnostic.help()
        } else {
            None
        }
    }

    fn url<'b>(&'b self) -> Option<Box<dyn std::fmt::Display + 'b>> {
        self.diagnostic.url()
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.diagnostic.labels()
    }

    fn diagnostic_source(&self) -> Option<&dyn Diagnostic> {
        self.diagnostic.diagnostic_source()
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

    /// A diagnostic made up for a test: a code, a message, perhaps a help, a label in a file,
    /// and problems of its own.
    #[derive(Debug)]
    struct Made {
        code: &'static str,
        message: String,
        help: Option<&'static str>,
        place: Option<(SourceFile, Range<usize>)>,
        related: Vec<Made>,
    }

    /// A problem with a code and a message, nothing else.
    fn made(code: &'static str, message: &str) -> Made {
        Made {
            code,
            message: message.to_string(),
            help: None,
            place: None,
            related: Vec::new(),
        }
    }

    impl Made {
        fn help(mut self, help: &'static str) -> Self {
            self.help = Some(help);
            self
        }

        /// Labels `span` of `file` "here".
        fn at(mut self, file: &SourceFile, span: Range<usize>) -> Self {
            self.place = Some((file.clone(), span));
            self
        }

        fn related(mut self, related: Vec<Made>) -> Self {
            self.related = related;
            self
        }
    }

    impl std::fmt::Display for Made {
        fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            formatter.write_str(&self.message)
        }
    }

    impl std::error::Error for Made {}

    impl Diagnostic for Made {
        fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
            Some(Box::new(self.code))
        }

        fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
            self.help
                .map(|help| Box::new(help) as Box<dyn std::fmt::Display>)
        }

        fn source_code(&self) -> Option<&dyn SourceCode> {
            self.place.as_ref().map(|(file, _)| file as &dyn SourceCode)
        }

        fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
            let (_, span) = self.place.as_ref()?;
            let label = LabeledSpan::new_with_span(Some("here".to_string()), span.clone());
            Some(Box::new(std::iter::once(label)))
        }

        fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
            if self.related.is_empty() {
                return None;
            }
            Some(Box::new(
                self.related.iter().map(|made| made as &dyn Diagnostic),
            ))
        }
    }

    /// Renders `diagnostic` as a log gets it (no colour, no wrapping) and compares.
    #[track_caller]
    fn check(diagnostic: &Made, expect: &str) {
        let style = RenderStyle {
            colour: false,
            wrap: false,
        };
        assert_eq!(render_styled(diagnostic, style), expect);
    }

    /// A list of problems found in `migrations/`, with the help that speaks of them.
    fn list(related: Vec<Made>) -> Made {
        made("plan::list", &format!("{} problems", related.len()))
            .help("fix the problems above")
            .related(related)
    }

    #[test]
    fn a_list_prints_its_summary_then_each_problem_then_its_help() {
        check(
            &list(vec![
                made("plan::one", "first").help("do one"),
                made("plan::two", "second"),
            ]),
            "plan::list\n\n  × 2 problems\n\
             \nError: plan::one\n\n  × first\n  help: do one\n\
             \nError: plan::two\n\n  × second\n\
             \n  help: fix the problems above\n",
        );
    }

    #[test]
    fn a_nested_list_prints_its_help_after_its_own_problems() {
        let cycle = made("plan::cycle", "a cycle")
            .help("remove one link above")
            .related(vec![
                made("plan::link", "a → b"),
                made("plan::link", "b → a"),
            ]);
        check(
            &list(vec![cycle]),
            "plan::list\n\n  × 1 problems\n\
             \nError: plan::cycle\n\n  × a cycle\n\
             \nError: plan::link\n\n  × a → b\n\
             \nError: plan::link\n\n  × b → a\n\
             \n  help: remove one link above\n\
             \n  help: fix the problems above\n",
        );
    }

    #[test]
    fn three_problems_of_one_kind_in_one_file_print_as_one_block_with_one_excerpt() {
        let file = SourceFile::new("plan.yaml", "depends_on: [7, 8, 9]\n".to_string());
        let unknown = |name: &str, at: usize| {
            made("plan::unknown", &format!("no {name}"))
                .help("check the name")
                .at(&file, at..at + 1)
        };
        check(
            &list(vec![unknown("7", 13), unknown("8", 16), unknown("9", 19)]),
            "plan::list\n\n  × 3 problems\n\
             \nError: plan::unknown\n\n  × 3 problems of one kind in plan.yaml\n\
             \u{20} │ - no 7\n\
             \u{20} │ - no 8\n\
             \u{20} │ - no 9\n\
             \u{20}  ╭─[plan.yaml:1:14]\n\
             \u{20}1 │ depends_on: [7, 8, 9]\n\
             \u{20}  ·              ┬  ┬  ┬\n\
             \u{20}  ·              │  │  ╰── here\n\
             \u{20}  ·              │  ╰── here\n\
             \u{20}  ·              ╰── here\n\
             \u{20}  ╰────\n\
             \u{20} help: check the name\n\
             \n  help: fix the problems above\n",
        );
    }

    #[test]
    fn two_problems_of_one_kind_stay_two_blocks() {
        check(
            &list(vec![made("plan::same", "one"), made("plan::same", "two")]),
            "plan::list\n\n  × 2 problems\n\
             \nError: plan::same\n\n  × one\n\
             \nError: plan::same\n\n  × two\n\
             \n  help: fix the problems above\n",
        );
    }

    #[test]
    fn a_group_stands_where_its_first_problem_was_and_lists_helps_that_differ() {
        check(
            &list(vec![
                made("plan::missing", "no a").help("create a"),
                made("plan::other", "elsewhere"),
                made("plan::missing", "no b").help("create b"),
                made("plan::missing", "no c").help("create c"),
            ]),
            "plan::list\n\n  × 4 problems\n\
             \nError: plan::missing\n\n  × 3 problems of one kind\n\
             \u{20} │ - no a\n  │   help: create a\n\
             \u{20} │ - no b\n  │   help: create b\n\
             \u{20} │ - no c\n  │   help: create c\n\
             \nError: plan::other\n\n  × elsewhere\n\
             \n  help: fix the problems above\n",
        );
    }

    #[test]
    fn problems_of_one_code_in_different_files_are_not_one_kind() {
        let first = SourceFile::new("a.sql", "x\n".to_string());
        let second = SourceFile::new("b.sql", "y\n".to_string());
        let rendered = render_styled(
            &list(vec![
                made("plan::bad", "bad a").at(&first, 0..1),
                made("plan::bad", "bad b").at(&second, 0..1),
                made("plan::bad", "bad a again").at(&first, 0..1),
            ]),
            RenderStyle {
                colour: false,
                wrap: false,
            },
        );
        assert_eq!(
            rendered.matches("Error: plan::bad").count(),
            3,
            "{rendered}"
        );
        assert!(!rendered.contains("of one kind"), "{rendered}");
    }

    /// A problem about a path of 300 characters, with a help long enough to wrap.
    fn long_path() -> (String, Made) {
        let path = format!("/{}/db/migrations", "x".repeat(285));
        assert_eq!(path.len(), 300);
        let problem = made("plan::unreadable", &format!("cannot read {path}"))
            .help("check that the path exists and is readable; --dir picks the project folder, and a relative one is read from the folder plan runs in");
        (path, problem)
    }

    #[test]
    fn without_wrapping_a_long_path_stays_on_one_line() {
        let (path, problem) = long_path();
        let style = RenderStyle {
            colour: false,
            wrap: false,
        };
        let rendered = render_styled(&problem, style);
        assert!(
            rendered
                .lines()
                .any(|line| line == format!("  × cannot read {path}")),
            "{rendered}"
        );
        assert!(
            rendered
                .lines()
                .all(|line| line.len() < 400 && !line.starts_with("        "))
        );
    }

    #[test]
    fn wrapping_keeps_lines_within_the_width() {
        let (path, problem) = long_path();
        let style = RenderStyle {
            colour: false,
            wrap: true,
        };
        let rendered = render_styled(&list(vec![problem]), style);
        assert!(!rendered.contains(&path), "{rendered}");
        assert!(
            rendered
                .lines()
                .all(|line| line.chars().count() <= WRAP_WIDTH),
            "{rendered}"
        );
        assert!(
            rendered.contains("\n        "),
            "the help continues: {rendered}"
        );
    }

    #[test]
    fn colour_is_escape_codes_only_when_asked_for() {
        let problem = list(vec![made("plan::one", "first").help("do one")]);
        let plain = render_styled(
            &problem,
            RenderStyle {
                colour: false,
                wrap: false,
            },
        );
        let coloured = render_styled(
            &problem,
            RenderStyle {
                colour: true,
                wrap: false,
            },
        );
        assert!(!plain.contains('\u{1b}'), "{plain}");
        assert!(coloured.contains('\u{1b}'), "{coloured}");
    }

    #[test]
    fn wrap_words_breaks_at_spaces_and_keeps_long_words_whole() {
        assert_eq!(wrap_words("aa bb cc", 5), ["aa bb", "cc"]);
        assert_eq!(wrap_words("aa bbbbbbb cc", 5), ["aa", "bbbbbbb", "cc"]);
        assert_eq!(wrap_words("", 5), [""]);
    }

    #[test]
    fn counted_says_one_or_many() {
        assert_eq!(counted(1, "problem", "problems"), "1 problem");
        assert_eq!(counted(3, "problem", "problems"), "3 problems");
        assert_eq!(counted(0, "problem", "problems"), "0 problems");
    }

    #[test]
    fn closest_suggests_only_near_names() {
        let names = ["depends_on", "requires", "environments"];
        assert_eq!(closest("depend_on", names), Some("depends_on"));
        assert_eq!(closest("zzz", names), None);
    }
}
