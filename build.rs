//! Build script: the commit and commit date that `plan --version` prints, as the environment
//! variables `PLAN_GIT_COMMIT` and `PLAN_GIT_DATE` of the crate's compilation; and, on Linux,
//! link/hot-text.ld for the linker of the `plan` binary (see [`hot_text`]).
//!
//! Built from a git checkout (the package's own folder holds `.git`, a directory or a
//! worktree's file), git is asked; anywhere else (a crates.io package, a vendored copy, git not
//! installed, a repository git refuses to read) both are `unknown`. It never fails the build
//! and never needs the network. It reruns when HEAD moves: when `.git/HEAD` changes (another
//! branch checked out) or the ref it points to does (a commit on the branch).

use std::path::{Path, PathBuf};
use std::process::Command;

/// What both values are when git cannot say.
const UNKNOWN: &str = "unknown";

fn main() {
    let package = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let mut instructions = vec!["cargo::rerun-if-changed=build.rs".to_string()];
    let (commit, date) = if package.join(".git").exists() {
        instructions.extend(
            watched_files(&package)
                .iter()
                .map(|path| format!("cargo::rerun-if-changed={}", path.display())),
        );
        (
            git(&package, &["rev-parse", "--short=12", "HEAD"]),
            git(
                &package,
                &["show", "-s", "--format=%cd", "--date=short", "HEAD"],
            ),
        )
    } else {
        (None, None)
    };
    instructions.push(format!(
        "cargo::rustc-env=PLAN_GIT_COMMIT={}",
        commit.as_deref().unwrap_or(UNKNOWN)
    ));
    instructions.push(format!(
        "cargo::rustc-env=PLAN_GIT_DATE={}",
        date.as_deref().unwrap_or(UNKNOWN)
    ));
    instructions.extend(hot_text(&package));
    // Cargo reads a build script's instructions from its stdout.
    for instruction in instructions {
        println!("{instruction}");
    }
}

/// The linker script that lays out the functions `plan` runs in its common commands together at
/// the start of its code (link/hot-text.ld, written by bench/hot-text.sh). The kernel maps a
/// program's code 64 KB around each page it first touches: spread over the whole binary, the
/// functions `plan apply` runs kept 5.0 of its 6.25 MB of code resident; together, 2.0
/// (docs/performance.md, "Hot code together"). Only on Linux, where both linkers Rust uses by
/// default (LLD, GNU ld) read the script's `INSERT`; `PLAN_HOT_TEXT=off` leaves it out for
/// another linker. The binary gets it in every profile, so the tests run a `plan` linked
/// with it.
fn hot_text(package: &Path) -> Vec<String> {
    let mut instructions = vec!["cargo::rerun-if-env-changed=PLAN_HOT_TEXT".to_string()];
    let script = package.join("link").join("hot-text.ld");
    let linux = std::env::var("CARGO_CFG_TARGET_OS").is_ok_and(|os| os == "linux");
    let wanted = !std::env::var("PLAN_HOT_TEXT").is_ok_and(|value| value == "off");
    if linux && wanted && script.exists() {
        instructions.push(format!("cargo::rerun-if-changed={}", script.display()));
        // `-Xlinker`, not `-Wl,`: a comma in the path would split it.
        instructions.push("cargo::rustc-link-arg-bins=-Xlinker".to_string());
        instructions.push(format!(
            "cargo::rustc-link-arg-bins=--script={}",
            script.display()
        ));
    }
    instructions
}

/// The files whose change means HEAD moved: HEAD itself and, when HEAD names a branch, that
/// branch's ref file, or the folder it would be created in when the ref is packed (a commit
/// then writes a loose ref there). Only paths that exist: cargo reruns the script on every
/// build for a watched path that does not.
fn watched_files(package: &Path) -> Vec<PathBuf> {
    let mut paths = Vec::new();
    // `--git-path` resolves a worktree's HEAD to its own folder and its refs to the main
    // repository's, where a plain `.git/refs/...` would not.
    paths.extend(git_path(package, "HEAD"));
    if let Some(branch) = git(package, &["symbolic-ref", "-q", "HEAD"]) {
        if let Some(loose) = git_path(package, &branch) {
            paths.push(loose);
        } else if let Some(folder) = Path::new(&branch).parent() {
            paths.extend(git_path(package, &folder.to_string_lossy()));
            paths.extend(git_path(package, "packed-refs"));
        }
    }
    paths
}

/// The path of `name` inside the git directory, when it exists.
fn git_path(package: &Path, name: &str) -> Option<PathBuf> {
    let path = package.join(git(package, &["rev-parse", "--git-path", name])?);
    path.exists().then_some(path)
}

/// `git args` run in `package`: its first line of output, or `None` when git is missing, fails
/// or prints nothing.
fn git(package: &Path, args: &[&str]) -> Option<String> {
    let output = Command::new("git")
        .arg("-C")
        .arg(package)
        .args(args)
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    let text = String::from_utf8(output.stdout).ok()?;
    let line = text.lines().next()?.trim();
    // A value with spaces would break the `plan <version> (<commit> <date>)` shape.
    (!line.is_empty() && !line.contains(char::is_whitespace)).then(|| line.to_string())
}
