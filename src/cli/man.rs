//! `plan man [SUBCOMMAND]`: the roff man page of `plan` or of one subcommand on stdout, and
//! `plan man --out DIR`: one page per command written into DIR (plan.1, plan-apply.1, ...).
//! clap_mangen renders them from the command line's own definition; where to install them is
//! the README's ("Shell completions and man pages").

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Args;
use miette::Diagnostic;

use super::Failure;
use crate::diagnostic::{Classified, ErrorClass};

/// The date a page says it was last changed: the commit's (build.rs), so the same source
/// renders the same page whenever it is built; `unknown` outside a git checkout leaves it out.
const PAGE_DATE: &str = env!("PLAN_GIT_DATE");

/// Arguments of `plan man`.
#[derive(Debug, Args)]
pub(crate) struct ManArgs {
    /// The subcommand whose page to print (`apply` prints plan-apply(1)); `plan`'s own page
    /// without it.
    #[arg(value_name = "SUBCOMMAND", conflicts_with = "out")]
    subcommand: Option<String>,
    /// Write every page into this folder (created when missing) as plan.1, plan-apply.1, ...
    /// instead of printing one.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
}

/// Why `plan man` printed or wrote nothing.
#[derive(Debug, thiserror::Error, Diagnostic)]
pub(crate) enum ManError {
    /// `plan man X` where `plan X` is no subcommand.
    #[error("`{name}` is not a subcommand of plan")]
    #[diagnostic(code(plan::cli::unknown_subcommand), help("the subcommands: {known}"))]
    UnknownSubcommand { name: String, known: String },
    /// A page, or the folder for them, could not be written.
    #[error("cannot write {}: {problem}", path.display())]
    #[diagnostic(
        code(plan::cli::man_not_written),
        help("--out needs a folder this user can create and write in")
    )]
    NotWritten { path: PathBuf, problem: String },
}

impl Classified for ManError {
    fn class(&self) -> ErrorClass {
        match self {
            ManError::UnknownSubcommand { .. } => ErrorClass::InvalidInput,
            ManError::NotWritten { .. } => ErrorClass::Failed,
        }
    }
}

impl ManArgs {
    /// Whether it prints a page (the one thing it is run for), rather than writing them into
    /// `--out` and listing what it wrote (which `-q` silences).
    pub(crate) fn prints_a_page(&self) -> bool {
        self.out.is_none()
    }
}

/// Runs `plan man` for `command`, the whole `plan` command line.
pub(crate) fn run(
    args: ManArgs,
    command: clap::Command,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    let root = prepared(command);
    if let Some(dir) = &args.out {
        let written = write_all(root, dir)?;
        let text: String = written
            .iter()
            .map(|path| format!("wrote {}\n", path.display()))
            .collect();
        let _ = out.write_all(text.as_bytes());
        return Ok(());
    }
    let command = match &args.subcommand {
        None => root,
        Some(name) => find(&root, name)?,
    };
    // A closed pipe (`plan man | head`) is not worth an error.
    let _ = out.write_all(&render(command));
    Ok(())
}

/// `command` as the pages describe it: built, so that each subcommand's name in the pages is
/// `plan-apply`, and without clap's `help` subcommand, which has no page of its own.
fn prepared(command: clap::Command) -> clap::Command {
    let mut command = command.disable_help_subcommand(true);
    command.build();
    command
}

/// The subcommand `name` of `root`.
fn find(root: &clap::Command, name: &str) -> Result<clap::Command, ManError> {
    root.find_subcommand(name)
        .filter(|command| !command.is_hide_set())
        .cloned()
        .ok_or_else(|| ManError::UnknownSubcommand {
            name: name.to_string(),
            known: visible_subcommands(root)
                .map(clap::Command::get_name)
                .collect::<Vec<_>>()
                .join(", "),
        })
}

fn visible_subcommands(command: &clap::Command) -> impl Iterator<Item = &clap::Command> {
    command
        .get_subcommands()
        .filter(|command| !command.is_hide_set())
}

/// `command`'s page, as roff.
fn render(command: clap::Command) -> Vec<u8> {
    let mut page = clap_mangen::Man::new(command)
        .source(format!("plan {}", env!("CARGO_PKG_VERSION")))
        .manual("plan manual");
    if PAGE_DATE != "unknown" {
        page = page.date(PAGE_DATE);
    }
    let mut roff = Vec::new();
    // Writing into memory cannot fail.
    let _ = page.render(&mut roff);
    roff
}

/// Writes the page of `command` and of each of its subcommands into `dir`, creating it;
/// returns the files written, `command`'s first.
fn write_all(command: clap::Command, dir: &Path) -> Result<Vec<PathBuf>, ManError> {
    std::fs::create_dir_all(dir).map_err(|error| ManError::NotWritten {
        path: dir.to_path_buf(),
        problem: error.to_string(),
    })?;
    let mut written = Vec::new();
    let mut pending = vec![command];
    while let Some(command) = pending.pop() {
        let name = command
            .get_display_name()
            .unwrap_or_else(|| command.get_name());
        let path = dir.join(format!("{name}.1"));
        std::fs::write(&path, render(command.clone())).map_err(|error| ManError::NotWritten {
            path: path.clone(),
            problem: error.to_string(),
        })?;
        written.push(path);
        // Reversed onto the stack, so pages are written in the order `plan --help` lists them.
        let subcommands: Vec<_> = visible_subcommands(&command).cloned().collect();
        pending.extend(subcommands.into_iter().rev());
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `plan` with two subcommands and a hidden one.
    fn small_plan() -> clap::Command {
        prepared(
            clap::Command::new("plan")
                .subcommand(clap::Command::new("apply"))
                .subcommand(clap::Command::new("check-schema"))
                .subcommand(clap::Command::new("internal").hide(true)),
        )
    }

    /// `plan man name` finds the page titled `expect`, or fails with the message `expect`.
    fn check(name: &str, expect: Result<&str, &str>) {
        match (find(&small_plan(), name), expect) {
            (Ok(command), Ok(title)) => assert_eq!(command.get_display_name(), Some(title)),
            (Err(error), Err(message)) => {
                assert_eq!(error.to_string(), message);
                let ManError::UnknownSubcommand { known, .. } = error else {
                    panic!("{name}: an unknown subcommand");
                };
                assert_eq!(known, "apply, check-schema");
            }
            (found, expect) => panic!("{name}: {found:?}, expected {expect:?}"),
        }
    }

    #[test]
    fn subcommands_are_found_by_name() {
        check("apply", Ok("plan-apply"));
        check("check-schema", Ok("plan-check-schema"));
        check("aply", Err("`aply` is not a subcommand of plan"));
        // clap's own `help` and hidden subcommands have no page.
        check("help", Err("`help` is not a subcommand of plan"));
        check("internal", Err("`internal` is not a subcommand of plan"));
    }

    #[test]
    fn out_writes_a_page_per_visible_command_in_help_order() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let written = write_all(small_plan(), &dir.path().join("man1")).expect("written");
        let names: Vec<_> = written
            .iter()
            .map(|path| path.file_name().unwrap_or_default().to_string_lossy())
            .collect();
        assert_eq!(names, ["plan.1", "plan-apply.1", "plan-check-schema.1"]);
    }
}
