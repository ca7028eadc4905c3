//! Shell integration (issue 13), through the `plan` binary: `plan completions SHELL` for each
//! shell clap_complete knows, `plan man [SUBCOMMAND]` and `plan man --out DIR`, and the commit
//! and date that `plan --version` carries from build.rs. No database is involved.
//!
//! No snapshot of the scripts or pages: they are generated from every subcommand's options, so
//! they change with any option of any command, and the pages carry the commit's date.

use std::path::Path;
use std::process::{Command, Output};

/// Every subcommand `plan --help` lists, which completions and man pages must cover.
const SUBCOMMANDS: &[&str] = &[
    "show",
    "graph",
    "check",
    "lint",
    "apply",
    "status",
    "rollback",
    "check-schema",
    "accept",
    "verify",
    "trace",
    "import-history",
    "baseline",
    "new",
    "schema",
    "completions",
    "man",
];

/// Runs the `plan` binary with `args`.
fn plan(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_plan"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("the plan binary runs")
}

/// Runs `plan args`, expects exit 0, and returns its stdout.
#[track_caller]
fn stdout_of(args: &[&str]) -> String {
    let output = plan(args);
    assert!(
        output.status.success(),
        "plan {args:?}: {:?}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("stdout is UTF-8")
}

/// The subcommands `plan --help` lists, read from its `Commands:` section.
fn listed_subcommands() -> Vec<String> {
    let help = stdout_of(&["--help"]);
    help.lines()
        .skip_while(|line| !line.starts_with("Commands:"))
        .skip(1)
        .take_while(|line| line.starts_with("  "))
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_string)
        .collect()
}

/// The lines of a roff page from its `.TH` title on: the roff crate puts a two-line preamble
/// (`.ie \n(.g .ds Aq ...`, defining the apostrophe string) before it.
fn from_title(page: &str) -> &str {
    let start = page.find(".TH ").expect("the page has a .TH title");
    let preamble = &page[..start];
    assert!(
        preamble
            .lines()
            .all(|line| line.starts_with(".ie ") || line.starts_with(".el ")),
        "only the Aq preamble before .TH: {preamble:?}"
    );
    &page[start..]
}

#[test]
fn issue_13_subcommand_list_is_current() {
    // Keeps SUBCOMMANDS honest: a new subcommand must be added here, and so be checked below.
    for name in listed_subcommands() {
        assert!(
            SUBCOMMANDS.contains(&name.as_str()),
            "{name} is missing from SUBCOMMANDS"
        );
    }
}

#[test]
fn issue_13_completions_name_every_subcommand_in_every_shell() {
    let subcommands = listed_subcommands();
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let script = stdout_of(&["completions", shell]);
        assert!(!script.trim().is_empty(), "{shell}: empty script");
        for name in SUBCOMMANDS
            .iter()
            .copied()
            .chain(subcommands.iter().map(String::as_str))
        {
            assert!(script.contains(name), "{shell} script does not name {name}");
        }
    }
}

#[test]
fn issue_13_completions_refuse_an_unknown_shell() {
    let output = plan(&["completions", "tcsh"]);
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("invalid value 'tcsh'"), "{stderr}");
    assert!(stderr.contains("bash"), "the shells are listed: {stderr}");
}

#[test]
fn issue_13_man_prints_the_roff_page_of_plan() {
    let page = stdout_of(&["man"]);
    let page = from_title(&page);
    assert!(page.starts_with(".TH plan 1 "), "{page}");
    assert!(page.contains("\n.SH NAME\n"), "{page}");
    for name in SUBCOMMANDS {
        assert!(
            page.contains(&format!("plan\\-{}", name.replace('-', "\\-"))),
            "{name}"
        );
    }
}

#[test]
fn issue_13_man_prints_a_subcommands_page() {
    let page = stdout_of(&["man", "apply"]);
    let page = from_title(&page);
    assert!(page.starts_with(".TH plan-apply 1 "), "{page}");
    assert!(
        page.contains("\\-\\-dry\\-run"),
        "apply's options are on its page"
    );
}

#[test]
fn issue_13_man_refuses_an_unknown_subcommand() {
    let output = plan(&["man", "aply"]);
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert!(output.stdout.is_empty(), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("plan::cli::unknown_subcommand"), "{stderr}");
    assert!(
        stderr.contains("`aply` is not a subcommand of plan"),
        "{stderr}"
    );
    assert!(
        stderr.contains("apply"),
        "the subcommands are listed: {stderr}"
    );
}

#[test]
fn issue_13_man_out_writes_one_page_per_subcommand() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    // A folder that does not exist yet: `--out` creates it.
    let out = dir.path().join("man1");
    let printed = stdout_of(&["man", "--out", out.to_str().expect("UTF-8 path")]);
    let mut expected: Vec<String> = std::iter::once("plan.1".to_string())
        .chain(SUBCOMMANDS.iter().map(|name| format!("plan-{name}.1")))
        .collect();
    let mut files: Vec<String> = std::fs::read_dir(&out)
        .expect("the folder was created")
        .map(|entry| {
            entry
                .expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    files.sort();
    expected.sort();
    assert_eq!(files, expected);
    for file in &files {
        let path = out.join(file);
        let page = std::fs::read_to_string(&path).expect("a page");
        let title = file.trim_end_matches(".1");
        assert!(
            from_title(&page).starts_with(&format!(".TH {title} 1 ")),
            "{file}: {page}"
        );
        assert!(
            printed.contains(&format!("wrote {}\n", path.display())),
            "{printed}"
        );
    }
}

#[test]
fn issue_13_man_out_into_an_unwritable_place_fails() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    // A file where the folder should be.
    let file = dir.path().join("taken");
    std::fs::write(&file, "").expect("write the file");
    let output = plan(&["man", "--out", file.to_str().expect("UTF-8 path")]);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("plan::cli::man_not_written"), "{stderr}");
}

#[test]
fn issue_13_version_carries_commit_and_date() {
    let version = stdout_of(&["--version"]);
    let line = version.strip_suffix('\n').expect("one line");
    check_version(line);
    // In this repository's checkout, build.rs found the commit: 12 hex digits and a
    // YYYY-MM-DD date. Outside one (a crates.io package) both are `unknown`.
    // Only when git can read this checkout: a checkout owned by another user makes git refuse
    // ("dubious ownership"), and then build.rs says `unknown` too.
    let git_reads_it = std::process::Command::new("git")
        .args(["-C", env!("CARGO_MANIFEST_DIR"), "rev-parse", "HEAD"])
        .output()
        .is_ok_and(|output| output.status.success());
    if git_reads_it && Path::new(env!("CARGO_MANIFEST_DIR")).join(".git").exists() {
        let inner = &line[line.find('(').expect("(") + 1..line.len() - 1];
        let (commit, date) = inner.split_once(' ').expect("commit and date");
        assert!(
            commit.len() == 12 && commit.chars().all(|c| c.is_ascii_hexdigit()),
            "{line}"
        );
        assert!(
            date.len() == 10
                && date.char_indices().all(|(i, c)| if i == 4 || i == 7 {
                    c == '-'
                } else {
                    c.is_ascii_digit()
                }),
            "{line}"
        );
    }
}

/// `line` has the shape `^plan \d+\.\d+\.\d+ \(\S+ \S+\)$`.
#[track_caller]
fn check_version(line: &str) {
    let rest = line
        .strip_prefix("plan ")
        .unwrap_or_else(|| panic!("{line}"));
    let (number, rest) = rest.split_once(' ').unwrap_or_else(|| panic!("{line}"));
    let parts: Vec<&str> = number.split('.').collect();
    assert!(
        parts.len() == 3
            && parts
                .iter()
                .all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_digit())),
        "{line}"
    );
    let inner = rest
        .strip_prefix('(')
        .and_then(|rest| rest.strip_suffix(')'))
        .unwrap_or_else(|| panic!("{line}"));
    let words: Vec<&str> = inner.split(' ').collect();
    assert!(
        words.len() == 2
            && words
                .iter()
                .all(|word| !word.is_empty() && !word.contains(char::is_whitespace)),
        "{line}"
    );
}
