//! The options every subcommand accepts before or after its name, as git's `-C` and cargo's
//! `--manifest-path` are: `plan --dir db status` and `plan status --dir db` mean the same. Which
//! of them a subcommand reads is declared here, next to the options ([`Uses`]): one it does not
//! read is ignored with a note on stderr (a shell alias `plan --database-url … ` still works
//! for `plan show`), and `--format` is checked against the formats that subcommand prints (a
//! format it cannot print is refused, exit 2).

use std::path::{Path, PathBuf};

use clap::{ArgAction, Args, ValueEnum};
use miette::Diagnostic;

use super::Failure;
use super::args::check_environment;
use super::colour::{ColorChoice, colour_for};
use crate::db::ConnectionSettings;
use crate::diagnostic::{Classified, ErrorClass};
use crate::load::Loaded;
use crate::project::Project;

/// The global options, as clap parses them. Listed after each subcommand's own in `--help`.
#[derive(Debug, Args)]
#[command(next_help_heading = "Global options")]
pub(crate) struct GlobalArgs {
    /// The project folder: holds migrations/ (or plan.yaml's migrations_dir) and plan.yaml.
    /// Default: the current folder.
    #[arg(long, value_name = "DIR", global = true)]
    dir: Option<PathBuf>,
    /// The database, as a postgresql:// URL or key=value string. Default: DATABASE_URL, then the
    /// PG* variables (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE, PGSSLMODE, PGSSLROOTCERT)
    /// and ~/.pgpass, as libpq reads them. Prefer DATABASE_URL or PGPASSWORD for a password:
    /// command lines are visible to other users of the machine. For `verify`: a server on which
    /// to create (and drop) a temporary database instead of a throwaway local cluster. For
    /// `trace`: the database whose schema and pending migrations to trace on a throwaway copy.
    /// For `lint`: the database whose pending migrations to judge, with its tables' sizes.
    #[arg(long, value_name = "URL", global = true)]
    database_url: Option<String>,
    /// The environment (plan.yaml's `environments`): migrations limited to others are skipped,
    /// and its safeguards apply.
    #[arg(long, value_name = "NAME", global = true)]
    env: Option<String>,
    /// Output format: text or json (show, check, status, apply, rollback, check-schema, verify,
    /// trace, accept, baseline, import-history, new), dot or mermaid (graph), text, json, github
    /// or sarif (lint). JSON goes to stdout alone, one object, versioned (docs/json.md).
    #[arg(long, value_enum, value_name = "FORMAT", global = true)]
    format: Option<Format>,
    /// When to colour diagnostics: auto (on a terminal, unless NO_COLOR is set or
    /// CLICOLOR_FORCE asks for colour anyway), always, never.
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorChoice::Auto, global = true)]
    color: ColorChoice,
    /// Say more: -v each statement as it is sent (first line, file:line), server notices,
    /// timings, the lock and ledger steps; -vv the whole SQL of each statement.
    #[arg(short, long, action = ArgAction::Count, global = true, conflicts_with = "quiet")]
    verbose: u8,
    /// Print errors only (and the JSON asked for with --format json).
    #[arg(short, long, global = true)]
    quiet: bool,
}

/// An output format some subcommand prints; each subcommand accepts only its own ([`Uses`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    /// For people.
    Text,
    /// One JSON object on stdout (docs/json.md).
    Json,
    /// Graphviz dot (`plan graph`).
    Dot,
    /// Mermaid (`plan graph`).
    Mermaid,
    /// GitHub Actions workflow annotations (`plan lint`).
    Github,
    /// SARIF 2.1.0, for code-scanning UIs (`plan lint`).
    Sarif,
}

impl Format {
    fn name(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Json => "json",
            Format::Dot => "dot",
            Format::Mermaid => "mermaid",
            Format::Github => "github",
            Format::Sarif => "sarif",
        }
    }
}

/// How much a run says on stderr.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Verbosity {
    /// `-q`: errors only.
    Quiet,
    /// Progress, warnings and summaries.
    Normal,
    /// `-v`: also each statement's first line with its file:line, server notices, timings, and
    /// the lock and ledger steps.
    Verbose,
    /// `-vv`: also each statement's whole SQL.
    VeryVerbose,
}

/// Which global options a subcommand reads. `formats` lists the formats it prints, its default
/// first; empty when it takes no `--format`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Uses {
    /// It reads a project folder.
    pub(crate) dir: bool,
    /// It connects to a database.
    pub(crate) database_url: bool,
    /// It takes an environment.
    pub(crate) env: bool,
    /// The formats it prints, the default first.
    pub(crate) formats: &'static [Format],
    /// Its stdout is the one thing it is run for (a graph, a schema, a completion script, a man
    /// page), not a report beside what it does: `-q` does not silence it, or `plan completions
    /// bash -q > file` would write an empty file.
    pub(crate) prints_a_product: bool,
}

impl Uses {
    /// A subcommand that reads no global option but the output ones (`--color`, `-v`, `-q`).
    pub(crate) const NOTHING: Uses = Uses {
        dir: false,
        database_url: false,
        env: false,
        formats: &[],
        prints_a_product: false,
    };
    /// Text for people, or JSON.
    pub(crate) const TEXT_OR_JSON: &'static [Format] = &[Format::Text, Format::Json];
}

/// A global option the subcommand given cannot honour.
#[derive(Debug, thiserror::Error, Diagnostic)]
pub(crate) enum GlobalOptionProblem {
    /// `--format` for a subcommand that prints one fixed format (schema, completions, man).
    #[error("`plan {command}` has no --format: it prints one fixed format")]
    #[diagnostic(code(plan::cli::unsupported_format), help("nothing was done"))]
    NoFormat {
        /// The subcommand.
        command: String,
    },
    /// `--format` names a format this subcommand does not print.
    #[error("`plan {command}` prints {accepted}, not {asked}")]
    #[diagnostic(code(plan::cli::unsupported_format), help("nothing was done"))]
    UnsupportedFormat {
        /// The subcommand.
        command: String,
        /// The formats it prints.
        accepted: String,
        /// The format asked for.
        asked: &'static str,
    },
}

/// `-q` on one side of the subcommand and `-v` on the other: clap refuses the two together only
/// when they are written on the same side.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("the argument '--quiet' cannot be used with '--verbose'")]
#[diagnostic(
    code(plan::cli::usage),
    help("give one of them; `plan --help` lists the subcommands and options")
)]
pub(crate) struct QuietAndVerbose;

/// A usage error, as clap's own.
impl Classified for QuietAndVerbose {
    fn class(&self) -> ErrorClass {
        ErrorClass::InvalidInput
    }
}

/// A global option that takes a value given twice, on either side of the subcommand: clap takes
/// the subcommand's side silently (`plan --dir a status --dir b` reads `b`), and refuses the two
/// only on one side.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("the argument '{option}' was given more than once")]
#[diagnostic(
    code(plan::cli::usage),
    help("give it once, before or after the subcommand; nothing was done")
)]
pub(crate) struct RepeatedOption {
    /// The option, as `--dir`.
    option: &'static str,
}

/// A usage error, as clap's own.
impl Classified for RepeatedOption {
    fn class(&self) -> ErrorClass {
        ErrorClass::InvalidInput
    }
}

/// The global options that take a value.
const VALUED: [&str; 5] = ["--dir", "--database-url", "--env", "--format", "--color"];

/// Refuses a global option that takes a value written more than once in `args` (the program
/// name first), before `--`: see [`RepeatedOption`].
pub(crate) fn refuse_repeated(args: &[std::ffi::OsString]) -> Result<(), Failure> {
    let words: Vec<&str> = args
        .iter()
        .skip(1)
        .map(|arg| arg.to_str().unwrap_or_default())
        .take_while(|arg| *arg != "--")
        .collect();
    for option in VALUED {
        let mut seen = 0;
        let mut words = words.iter();
        while let Some(word) = words.next() {
            if *word == option {
                seen += 1;
                // Its value may look like an option (`--env --dir`): skip it.
                words.next();
            } else if word
                .strip_prefix(option)
                .is_some_and(|rest| rest.starts_with('='))
            {
                seen += 1;
            }
        }
        if seen > 1 {
            return Err(Failure::from(RepeatedOption { option }));
        }
    }
    Ok(())
}

/// Both are usage errors.
impl Classified for GlobalOptionProblem {
    fn class(&self) -> ErrorClass {
        ErrorClass::InvalidInput
    }
}

/// The global options once checked against the subcommand they were given to.
#[derive(Debug)]
pub(crate) struct Global {
    dir: PathBuf,
    database_url: Option<String>,
    env: Option<String>,
    /// The format the subcommand prints in: the one asked for, or its default.
    pub(crate) format: Format,
    /// How much to say.
    pub(crate) verbosity: Verbosity,
    /// Whether stderr is a terminal: progress bars, wrapped diagnostics.
    pub(crate) stderr_is_terminal: bool,
    /// The options given that this subcommand does not read (`--env` to `plan graph`).
    ignored: Vec<&'static str>,
}

impl GlobalArgs {
    /// Whether JSON was asked for, whatever the subcommand prints: a failing command then still
    /// prints one JSON object.
    pub(crate) fn wants_json(&self) -> bool {
        self.format == Some(Format::Json)
    }

    /// Whether diagnostics are coloured, from `--color`, `NO_COLOR`, `CLICOLOR_FORCE` and
    /// whether stderr is a terminal.
    pub(crate) fn colour(&self) -> bool {
        colour_for(
            self.color,
            |name| std::env::var_os(name),
            std::io::IsTerminal::is_terminal(&std::io::stderr()),
        )
    }

    /// Checks the options against what `command` reads, and resolves its format.
    pub(crate) fn resolve(self, command: &str, uses: Uses) -> Result<Global, Failure> {
        let given: [(&'static str, bool, bool); 3] = [
            ("--dir", self.dir.is_some(), uses.dir),
            (
                "--database-url",
                self.database_url.is_some(),
                uses.database_url,
            ),
            ("--env", self.env.is_some(), uses.env),
        ];
        let ignored = given
            .iter()
            .filter(|(_, present, used)| *present && !*used)
            .map(|(option, _, _)| *option)
            .collect();
        let format = match (self.format, uses.formats.first()) {
            (None, Some(default)) => *default,
            (None, None) => Format::Text,
            (Some(asked), _) if uses.formats.contains(&asked) => asked,
            (Some(_), _) if uses.formats.is_empty() => {
                return Err(Failure::from(GlobalOptionProblem::NoFormat {
                    command: command.to_string(),
                }));
            }
            (Some(asked), _) => {
                return Err(Failure::from(GlobalOptionProblem::UnsupportedFormat {
                    command: command.to_string(),
                    accepted: uses
                        .formats
                        .iter()
                        .map(|format| format.name())
                        .collect::<Vec<_>>()
                        .join(" or "),
                    asked: asked.name(),
                }));
            }
        };
        let verbosity = match (self.quiet, self.verbose) {
            (true, 0) => Verbosity::Quiet,
            (true, _) => return Err(Failure::from(QuietAndVerbose)),
            (false, 0) => Verbosity::Normal,
            (false, 1) => Verbosity::Verbose,
            (false, _) => Verbosity::VeryVerbose,
        };
        Ok(Global {
            dir: self.dir.unwrap_or_else(|| PathBuf::from(".")),
            database_url: self.database_url,
            env: self.env,
            format,
            verbosity,
            stderr_is_terminal: std::io::IsTerminal::is_terminal(&std::io::stderr()),
            ignored,
        })
    }
}

impl Global {
    /// Notes on `err` the options given that `command` does not read.
    pub(crate) fn note_ignored(&self, command: &str, err: &mut dyn std::io::Write) {
        for option in &self.ignored {
            let _ = writeln!(err, "note: `plan {command}` does not use {option}; ignored");
        }
    }

    /// The project folder (`--dir`, default `.`).
    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    /// Loads the project and its graph; invalid input is exit 2 with every problem listed.
    pub(crate) fn load(&self) -> Result<Loaded, Failure> {
        crate::load::load_project(&self.dir).map_err(Failure::from)
    }

    /// `--database-url` as given.
    pub(crate) fn database_url(&self) -> Option<&str> {
        self.database_url.as_deref()
    }

    /// The connection settings (`--database-url`, else DATABASE_URL, else the PG* variables),
    /// with `plan <command>` as the application name so other sessions (and the lock-waiting
    /// message) can tell who holds the lock.
    pub(crate) fn settings(&self, command: &str) -> Result<ConnectionSettings, Failure> {
        let settings = ConnectionSettings::from_process_environment(self.database_url())?;
        Ok(match settings.application_name() {
            Some(_) => settings,
            None => settings.with_application_name(&format!("plan {command}")),
        })
    }

    /// Whether the user named a database: `--database-url`, or `DATABASE_URL` or a libpq
    /// variable naming a server, database or service. `PGUSER`, `PGPORT` or `PGPASSWORD` alone
    /// name none: they only say how to connect. Commands that also work without a database
    /// (`lint`, `trace`) then use it rather than trying the local default server.
    pub(crate) fn names_a_database(&self) -> bool {
        const DATABASE_VARIABLES: [&str; 5] = [
            "DATABASE_URL",
            "PGHOST",
            "PGHOSTADDR",
            "PGDATABASE",
            "PGSERVICE",
        ];
        self.database_url().is_some()
            || DATABASE_VARIABLES
                .iter()
                .any(|name| std::env::var_os(name).is_some_and(|value| !value.is_empty()))
    }

    /// `--env` as given.
    pub(crate) fn env(&self) -> Option<&str> {
        self.env.as_deref()
    }

    /// `--env`, checked against the project's environments.
    pub(crate) fn checked_env(&self, project: &Project) -> Result<Option<&str>, Failure> {
        check_environment(project, self.env())?;
        Ok(self.env())
    }

    /// Whether the subcommand prints JSON.
    pub(crate) fn json(&self) -> bool {
        self.format == Format::Json
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether `refuse_repeated` refuses `args` (without the program name).
    fn check(args: &[&str], refused: bool) {
        let args: Vec<std::ffi::OsString> = std::iter::once("plan")
            .chain(args.iter().copied())
            .map(Into::into)
            .collect();
        assert_eq!(refuse_repeated(&args).is_err(), refused, "{args:?}");
    }

    #[test]
    fn a_valued_global_option_twice_on_either_side_is_refused() {
        check(&["--dir", "a", "status", "--dir", "b"], true);
        check(&["--format=json", "show", "--format", "text"], true);
        check(&["show", "--env", "a", "--env=b"], true);
        check(&["--dir", "a", "status", "--env", "x"], false);
        // A value that looks like an option is a value.
        check(&["accept", "x", "--reason", "--dir", "--dir", "a"], false);
        check(&["show", "--env", "--dir", "--dir", "a"], false);
        // After `--`, words are not options.
        check(&["show", "--dir", "a", "--", "--dir"], false);
    }
}
