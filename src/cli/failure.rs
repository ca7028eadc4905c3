//! [`Failure`]: why a subcommand stopped, its exit code, and how it is rendered. The one place
//! that maps outcomes to exit codes: an error's [`ErrorClass`] (which the error itself decides)
//! becomes 2 for invalid input, 1 for a failed operation.

use std::io::Write;

use miette::Diagnostic;

use super::colour::{ColorChoice, colour_for};

use crate::diagnostic::{Classified, ErrorClass, RenderStyle, render_styled};

/// The operation failed (database error, modified applied file, failed check).
pub(crate) const EXIT_FAILED: u8 = 1;
/// Invalid input or usage.
pub(crate) const EXIT_USAGE: u8 = 2;

/// Why a subcommand stopped.
#[derive(Debug)]
pub(crate) struct Failure {
    /// Invalid input (exit 2) or a failed operation (exit 1).
    class: ErrorClass,
    diagnostic: Box<dyn Diagnostic + Send + Sync>,
    /// The subcommand printed its report, which says what failed, before failing (check-schema's
    /// findings, verify's, status --exit-code): in JSON mode that report is the one object on
    /// stdout, and the failure adds none.
    reported: bool,
}

impl Failure {
    /// Renders the failure to `err`, coloured as `--color` decided and wrapped only on a
    /// terminal, and returns its exit code.
    pub(crate) fn report(&self, err: &mut dyn Write, colour: bool) -> u8 {
        let style = RenderStyle {
            colour,
            wrap: RenderStyle::for_stderr().wrap,
        };
        let _ = write!(err, "{}", render_styled(self.diagnostic(), style));
        self.exit_code()
    }

    /// Writes the failure as the one JSON object a command asked for `--format json` prints
    /// when it fails (docs/json.md): `{"format":1,"error":{...}}`.
    pub(crate) fn write_json(&self, out: &mut dyn Write) {
        if self.reported {
            return;
        }
        let object = JsonFailure {
            format: 1,
            error: JsonError::of(self.diagnostic()),
        };
        if let Ok(text) = serde_json::to_string(&object) {
            let _ = writeln!(out, "{text}");
        }
    }

    /// The exit code: 2 for invalid input, 1 for a failed operation.
    pub(crate) fn exit_code(&self) -> u8 {
        match self.class {
            ErrorClass::InvalidInput => EXIT_USAGE,
            ErrorClass::Failed => EXIT_FAILED,
        }
    }

    /// This failure comes after the subcommand's report was printed (see `reported`).
    pub(crate) fn after_report(self) -> Self {
        Failure {
            reported: true,
            ..self
        }
    }

    fn diagnostic(&self) -> &dyn Diagnostic {
        self.diagnostic.as_ref()
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
        Failure {
            class: error.class(),
            diagnostic: Box::new(error),
            reported: false,
        }
    }
}

/// The one object a failing command prints in JSON mode (docs/json.md).
#[derive(serde::Serialize)]
struct JsonFailure {
    format: u32,
    error: JsonError,
}

/// A diagnostic as JSON: its code, message, the file and line of its first label (null when it
/// points nowhere), its help, and the problems it gathers (`problems`, only when there are).
#[derive(serde::Serialize)]
struct JsonError {
    code: Option<String>,
    message: String,
    file: Option<String>,
    line: Option<usize>,
    help: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    problems: Vec<JsonError>,
}

impl JsonError {
    fn of(diagnostic: &dyn Diagnostic) -> Self {
        let (file, line) = location(diagnostic).unzip();
        JsonError {
            code: diagnostic.code().map(|code| code.to_string()),
            message: diagnostic.to_string(),
            file,
            line,
            help: diagnostic.help().map(|help| help.to_string()),
            problems: diagnostic
                .related()
                .map(|related| related.map(JsonError::of).collect())
                .unwrap_or_default(),
        }
    }
}

/// The file and 1-based line a diagnostic's first label points at.
fn location(diagnostic: &dyn Diagnostic) -> Option<(String, usize)> {
    let label = diagnostic.labels()?.next()?;
    let contents = diagnostic
        .source_code()?
        .read_span(label.inner(), 0, 0)
        .ok()?;
    Some((contents.name()?.to_string(), contents.line() + 1))
}

/// Reports an error clap found in the arguments (or the help and version it prints) and returns
/// its exit code. With `--format json` among the arguments, a usage error is also the JSON error
/// object on stdout, as any other failure is.
pub(crate) fn report_usage_error(
    error: &clap::Error,
    args: &[std::ffi::OsString],
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> u8 {
    let stream: &mut dyn Write = if error.use_stderr() { err } else { &mut *out };
    let rendered = error.render();
    // clap quotes the argument it refused: a URL typed where no argument was expected
    // (`plan status postgresql://app:secret@db/app`, psql's habit) would be echoed whole.
    let passwords = passwords_in(args);
    let text = if colour_asked(args, error.use_stderr()) {
        rendered.ansi().to_string()
    } else {
        rendered.to_string()
    };
    let _ = write!(stream, "{}", without_passwords(&text, &passwords));
    let code = u8::try_from(error.exit_code()).unwrap_or(EXIT_USAGE);
    if error.use_stderr() && asks_for_json(args) {
        let object = JsonFailure {
            format: 1,
            error: JsonError {
                code: Some("plan::cli::usage".to_string()),
                message: usage_message(&without_passwords(&rendered.to_string(), &passwords)),
                file: None,
                line: None,
                help: Some("`plan --help` lists the subcommands and options".to_string()),
                problems: Vec::new(),
            },
        };
        if let Ok(text) = serde_json::to_string(&object) {
            let _ = writeln!(out, "{text}");
        }
    }
    code
}

/// The passwords written in the raw arguments, which clap has not accepted: the password of a
/// URL (`postgresql://user:PASSWORD@host/db`) and the value of a key=value string's
/// `password=`.
fn passwords_in(args: &[std::ffi::OsString]) -> Vec<String> {
    let mut passwords = Vec::new();
    for arg in args.iter().filter_map(|arg| arg.to_str()) {
        if let Some((_, rest)) = arg.split_once("://") {
            let before_query = rest.split('?').next().unwrap_or_default();
            if let Some((userinfo, _)) = before_query.rsplit_once('@')
                && let Some((_, password)) = userinfo.split_once(':')
            {
                passwords.push(password.to_string());
            }
        }
        for (at, _) in arg.match_indices("password=") {
            let value = &arg[at + "password=".len()..];
            let value = match value.strip_prefix('\'') {
                Some(quoted) => quoted.split('\'').next().unwrap_or_default(),
                None => value.split_whitespace().next().unwrap_or_default(),
            };
            passwords.push(value.to_string());
        }
    }
    passwords.retain(|password| !password.is_empty());
    passwords
}

/// `text` with each of `passwords` replaced by `<redacted>`.
fn without_passwords(text: &str, passwords: &[String]) -> String {
    passwords.iter().fold(text.to_string(), |text, password| {
        text.replace(password.as_str(), "<redacted>")
    })
}

/// The one-line message of clap's rendered usage error: its first paragraph, without `error: `,
/// its lines joined. The first line alone can end in a colon with the point on the next
/// (`the following required arguments were not provided:` / `  <NAME>`); the tip and usage
/// paragraphs after it are left out.
fn usage_message(rendered: &str) -> String {
    rendered
        .trim_start_matches("error: ")
        .lines()
        .map(str::trim)
        .take_while(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether clap's own message (a usage error, the help) is coloured: `--color` as written in the
/// raw arguments, which clap has not accepted, else `auto` (see `global::colour_for`), which
/// looks at the stream the message goes to: a usage error goes to stderr, the help and the
/// version to stdout, so `plan --help | less` or `> help.txt` gets no escape codes even with
/// stderr on a terminal.
fn colour_asked(args: &[std::ffi::OsString], to_stderr: bool) -> bool {
    let written = args
        .windows(2)
        .filter(|pair| pair[0] == "--color")
        .filter_map(|pair| pair[1].to_str())
        .chain(
            args.iter()
                .filter_map(|arg| arg.to_str()?.strip_prefix("--color=")),
        )
        .last();
    let choice = match written {
        Some("always") => ColorChoice::Always,
        Some("never") => ColorChoice::Never,
        _ => ColorChoice::Auto,
    };
    let terminal = if to_stderr {
        std::io::IsTerminal::is_terminal(&std::io::stderr())
    } else {
        std::io::IsTerminal::is_terminal(&std::io::stdout())
    };
    colour_for(choice, |name| std::env::var_os(name), terminal)
}

/// Whether the raw arguments say `--format json` (or `--format=json`), read before clap has
/// accepted them.
fn asks_for_json(args: &[std::ffi::OsString]) -> bool {
    args.windows(2)
        .any(|pair| pair[0] == "--format" && pair[1] == "json")
        || args.iter().any(|arg| arg == "--format=json")
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

    /// The JSON message of the usage error clap rendered as `rendered` is `expect`.
    fn check_usage_message(rendered: &str, expect: &str) {
        assert_eq!(usage_message(rendered), expect, "{rendered:?}");
    }

    #[test]
    fn a_usage_message_is_the_first_paragraph_on_one_line() {
        check_usage_message(
            "error: the following required arguments were not provided:\n  --reason <TEXT>\n  <ID>\n\nUsage: plan accept --reason <TEXT> <ID>\n\nFor more information, try '--help'.\n",
            "the following required arguments were not provided: --reason <TEXT> <ID>",
        );
        check_usage_message(
            "error: invalid value 'x' for '--color <WHEN>'\n  [possible values: auto, always, never]\n\nFor more information, try '--help'.\n",
            "invalid value 'x' for '--color <WHEN>' [possible values: auto, always, never]",
        );
        check_usage_message(
            "error: unexpected argument '--bogus' found\n\n  tip: to pass '--bogus' as a value, use '-- --bogus'\n",
            "unexpected argument '--bogus' found",
        );
    }

    /// The passwords found in the arguments `args` are `expect`.
    fn check_passwords(args: &[&str], expect: &[&str]) {
        let args: Vec<std::ffi::OsString> = args.iter().map(Into::into).collect();
        assert_eq!(passwords_in(&args), expect, "{args:?}");
    }

    #[test]
    fn passwords_are_found_in_urls_and_key_value_strings() {
        check_passwords(
            &["plan", "status", "postgresql://app:s3cret@db/app"],
            &["s3cret"],
        );
        check_passwords(&["--database-url=postgres://a:p@ss@h:5/d?x=@"], &["p@ss"]);
        check_passwords(&["host=h password=pw user=u"], &["pw"]);
        check_passwords(&["host=h password='a b'"], &["a b"]);
        check_passwords(&["postgresql://app@db/app", "host=h", "--dir"], &[]);
        assert_eq!(
            without_passwords("unexpected argument 'x://u:pw@h'", &["pw".to_string()]),
            "unexpected argument 'x://u:<redacted>@h'"
        );
    }

    #[test]
    fn failed_operations_exit_1() {
        check(DbError::ClusterUserMissing.into(), EXIT_FAILED);
        check(RollbackError::NothingApplied.into(), EXIT_FAILED);
        check(ArgumentProblem::NotConfirmed.into(), EXIT_FAILED);
    }
}
