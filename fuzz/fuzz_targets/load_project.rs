//! Loads a whole project from fuzzed bytes, as `plan show` and `plan check` read one, and
//! asserts that nothing panics.
//!
//! The input is a few files separated by NUL bytes; each file is its path relative to the
//! project's root on its first line, then its content (any bytes):
//!
//! ```text
//! plan.yaml\n<yaml>\0migrations/001_a.sql\n<header, -- UP, -- DOWN>\0migrations/rollback-001.sql\n...
//! ```
//!
//! A path that is not a plain relative path (`..`, absolute, odd characters) is replaced by
//! `migrations/NNN_fuzz.sql`, so every input still makes a project. The files are written to a
//! fresh folder under `$PGPLAN_FUZZ_DIR` (default: `/dev/shm` when it exists, else the temporary
//! directory), then: `load_project` (reading the folder and plan.yaml, headers, sections,
//! rollbacks, steps, lexing every script, the graph and its order); on success the graph's
//! closures for every migration (`--to`, rollback) and the parser's effects of every migration
//! (`sql::effects_of`, what `plan check` and check-schema read); on failure the problems
//! rendered as `plan` prints them.
#![no_main]

use std::path::{Path, PathBuf};

use libfuzzer_sys::fuzz_target;
use pgplan::internals;

/// At most this many files per input: enough for plan.yaml, a few migrations, their rollback
/// files and a step file, few enough to keep each run fast.
const MAX_FILES: usize = 12;

fuzz_target!(|data: &[u8]| {
    let dir = scratch_dir();
    write_project(&dir, data);
    exercise(&dir);
});

/// Loads the project in `dir` and walks everything `show` and `check` would compute.
fn exercise(dir: &Path) {
    match internals::load_project(dir) {
        Ok(loaded) => {
            let graph = loaded.graph();
            let mut reached = 0usize;
            for id in graph.order() {
                reached += graph.closure(id).len();
                reached += graph.dependents_closure(id).len();
                reached += graph.dependencies_of(id).len();
            }
            reached += graph.edges().len();
            for migration in loaded.project().migrations() {
                reached += internals::parse_migration(migration);
                let _ = loaded.script(migration);
                let _ = loaded.rollback_script(migration);
            }
            std::hint::black_box(reached);
        }
        Err(invalid) => {
            std::hint::black_box(internals::render_unstyled(&invalid));
        }
    }
}

/// This process's project folder, emptied.
fn scratch_dir() -> PathBuf {
    let base = std::env::var_os("PGPLAN_FUZZ_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let shm = Path::new("/dev/shm");
            if shm.is_dir() {
                shm.to_path_buf()
            } else {
                std::env::temp_dir()
            }
        });
    let dir = base.join(format!("pgplan-fuzz-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("the fuzz folder can be created");
    dir
}

/// Writes the files `data` describes into `dir`. A file that cannot be written (its path
/// clashes with a folder) is skipped: the project is whatever made it to disk.
fn write_project(dir: &Path, data: &[u8]) {
    for (index, chunk) in data.split(|byte| *byte == 0).take(MAX_FILES).enumerate() {
        let (path, content) = match chunk.iter().position(|byte| *byte == b'\n') {
            Some(newline) => (&chunk[..newline], &chunk[newline + 1..]),
            None => (chunk, &[][..]),
        };
        let relative = relative_path(path)
            .unwrap_or_else(|| PathBuf::from(format!("migrations/{index:03}_fuzz.sql")));
        let path = dir.join(relative);
        if let Some(parent) = path.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        let _ = std::fs::write(&path, content);
    }
}

/// `bytes` as a plain relative path: ASCII letters, digits, `_`, `-`, `.`, at most four
/// `/`-separated parts, none of them empty, `.` or `..`.
fn relative_path(bytes: &[u8]) -> Option<PathBuf> {
    let text = std::str::from_utf8(bytes).ok()?;
    if text.is_empty() || text.len() > 100 {
        return None;
    }
    let parts: Vec<&str> = text.split('/').collect();
    let plain = |part: &&str| {
        !part.is_empty()
            && *part != "."
            && *part != ".."
            && part
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || b"_-.".contains(&byte))
    };
    (parts.len() <= 4 && parts.iter().all(plain)).then(|| parts.iter().collect())
}
