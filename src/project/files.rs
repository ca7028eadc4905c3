//! Lists a migrations folder and sorts its `.sql` files into migrations and rollbacks, by the
//! naming conventions our users already follow:
//!
//! - `NNN_name.sql`: a migration (seeds 000–004); `NNN_name.up.sql`: a migration too;
//! - `NNN_name_rollback.sql` (seed 000), `rollback-NNN.sql` (seed 001), `NNN_name.down.sql` and
//!   `NNN_name.rollback.sql`: rollbacks, never migrations themselves;
//! - files named by a `sql:` step in plan.yaml: step files, not migrations;
//! - other tools' names: Flyway's `V1_2__name.sql` (version 1.2), `U1_2__name.sql` (its undo,
//!   a rollback) and `R__name.sql` (a repeatable migration, which plan's own projects use too),
//!   with a `V1__name.sql.conf` beside it saying `executeInTransaction=false`; a folder per
//!   migration, Prisma's `<ts>_name/migration.sql` and Diesel's `<ts>_name/up.sql` with
//!   `down.sql` (and a `metadata.toml` saying `run_in_transaction = false`).
//!
//! Each file says which tool's name it has, if one's ([`MigrationFile::tool`]): the layout is
//! decided from that for the whole folder (`layout.rs`).
//!
//! Nothing that looks like SQL is skipped without a word: a `.SQL` name, an entry that cannot be
//! read (a folder named `x.sql`, a link to itself) and a link leading out of the project folder
//! are problems, not silently left out or read.
//!
//! Files are also decoded here: UTF-8, with a byte order mark accepted and dropped, and no
//! control characters but tab, line endings and form feed. A file that breaks this is shown
//! escaped in its problem, never as raw bytes. Files are read through a `Source`, so the folder
//! may be on disk or in memory.

use std::ops::Range;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::migration::{MigrationId, MigrationKind, Version};
use super::problem::Problem;
use super::source::Source;
use crate::diagnostic::{SourceFile, to_source_span};
use crate::parallel;

/// A migration file, read and decoded.
pub(crate) struct MigrationFile {
    pub(crate) id: MigrationId,
    pub(crate) kind: MigrationKind,
    /// Its version, as its tool reads it from the name.
    pub(crate) version: Option<Version>,
    /// Its place in a plan that orders the migrations itself (Sqitch's), before any version.
    pub(crate) rank: Option<usize>,
    /// The tool whose name it has (`flyway`, `prisma`, `diesel`); `None` for a name any
    /// numbered layout has.
    pub(crate) tool: Option<&'static str>,
    /// The options file beside it that says it runs outside a transaction (Flyway's
    /// `executeInTransaction=false`, Diesel's `run_in_transaction = false`).
    pub(crate) outside_transaction: Option<String>,
    pub(crate) source: SourceFile,
    pub(crate) path: PathBuf,
    pub(crate) checksum: String,
}

/// A rollback file and the migration it names.
pub(crate) struct RollbackFile {
    pub(crate) role: FileRole,
    pub(crate) source: SourceFile,
    /// The tool whose name it has (`flyway` for `U1__x.sql`), if one's.
    pub(crate) tool: Option<&'static str>,
}

/// What a non-migration `.sql` file is for.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum FileRole {
    /// Rolls back the migration this reference (an ID or a version) names.
    RollbackOf(String),
}

/// The folder's files, sorted by name.
#[derive(Default)]
pub(crate) struct Listing {
    pub(crate) migrations: Vec<MigrationFile>,
    pub(crate) rollbacks: Vec<RollbackFile>,
}

/// What a file name says the file is.
#[derive(Debug, PartialEq, Eq)]
enum Name {
    Migration(String),
    /// Flyway's `V1_2__name.sql`: the ID is the stem, the version `1.2`.
    Flyway {
        id: String,
        version: Version,
    },
    /// Flyway's `U1_2__name.sql`: the undo of version 1.2.
    FlywayUndo(String),
    /// `R__name.sql`: a repeatable migration, its ID the stem.
    Repeatable(String),
    Rollback(String),
    /// `.SQL`, `.Sql`, …: the extension as written.
    WrongCase(String),
}

/// How many characters of a line `decode` shows around a bad byte, before and after it.
const SHOWN_BEFORE: usize = 200;
const SHOWN_AFTER: usize = 40;
/// How many characters of each line above it.
const SHOWN_LINE: usize = 200;

/// The tools that keep one folder per migration, when the folder is one of theirs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum MigrationFolders {
    /// Prisma Migrate: `<ts>_name/migration.sql`.
    Prisma,
    /// Diesel: `<ts>_name/up.sql` and `down.sql`.
    Diesel,
}

impl MigrationFolders {
    fn tool(self) -> &'static str {
        match self {
            MigrationFolders::Prisma => "prisma",
            MigrationFolders::Diesel => "diesel",
        }
    }

    /// The file a migration folder must hold.
    fn up_file(self) -> &'static str {
        match self {
            MigrationFolders::Prisma => "migration.sql",
            MigrationFolders::Diesel => "up.sql",
        }
    }
}

/// How deep Flyway's subfolders are read (Flyway reads its locations recursively); a link
/// loop must not recurse forever.
const FLYWAY_DEPTH: usize = 16;

/// How a migrations folder holds its migrations, beyond `.sql` files directly in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Nesting {
    /// Only the files directly in it (plan's own layouts: a subfolder is not read).
    Flat,
    /// Flyway's: Flyway-named files in its subfolders too, at any depth.
    Flyway,
    /// Flyway's when a Flyway-named file (`V1__x.sql`, `U1__x.sql`) is directly in it, else
    /// flat: decided from the one listing of the folder.
    FlywayIfNamed,
    /// One folder per migration (Prisma's, Diesel's).
    Folders(MigrationFolders),
}

/// Reads every `.sql` file directly in `migrations_dir`; for a Flyway folder, also the
/// Flyway-named files (`V1__x.sql`, `U1__x.sql`, `R__x.sql`) in its subfolders, since Flyway
/// reads its folders recursively; for a Prisma or Diesel folder, its migration folders
/// instead (a `.sql` file beside them is a problem: the tool would not run it). A linked
/// subfolder is never searched.
pub(crate) fn list(
    source: &dyn Source,
    migrations_dir: &Path,
    step_files: &[PathBuf],
    nesting: Nesting,
    problems: &mut Vec<Problem>,
) -> Listing {
    let mut listing = Listing {
        migrations: Vec::new(),
        rollbacks: Vec::new(),
    };
    let entries = match source.list(migrations_dir) {
        Ok(entries) => entries,
        Err(error) => {
            problems.push(Problem::Unreadable {
                path: migrations_dir.to_path_buf(),
                reason: error.to_string(),
            });
            return listing;
        }
    };
    let step_paths: Vec<PathBuf> = step_files
        .iter()
        .map(|step| migrations_dir.join(step))
        .collect();
    let mut paths: Vec<PathBuf> = entries
        .into_iter()
        .filter(|path| !step_paths.contains(path))
        .collect();
    // All in one folder, so comparing the whole paths' bytes orders them by file name, and is
    // cheaper than Path's component-wise comparison (measurable at 10,000 files).
    paths.sort_by(|left, right| left.as_os_str().cmp(right.as_os_str()));
    // Each file is read, hashed and decoded on its own (in parallel: at thousands of files
    // this was most of loading), then the results are taken in name order.
    let nesting = match nesting {
        Nesting::FlywayIfNamed if paths.iter().any(|path| is_flyway_versioned(path)) => {
            Nesting::Flyway
        }
        Nesting::FlywayIfNamed => Nesting::Flat,
        decided => decided,
    };
    let read = parallel::map(&paths, |path| match nesting {
        Nesting::Folders(folders) if is_folder_candidate(path) => {
            read_folder(source, migrations_dir, path, folders)
        }
        Nesting::Folders(folders) if has_sql_extension(path) => Err(vec![Problem::StrayFile {
            name: display_name(source.root(), path),
            tool: folders.tool(),
            help: format!(
                "{} runs only the {} in each migration's own folder: move this file into one (a new migration), or out of the migrations folder; if the folder is not {}'s, say `layout: plan` in plan.yaml",
                folders.tool(),
                folders.up_file(),
                folders.tool()
            ),
        }]),
        Nesting::Flyway if is_folder_candidate(path) && !source.is_link(path) => {
            let walk = FlywayWalk {
                source,
                migrations_dir,
                step_paths: &step_paths,
            };
            walk.subfolder(path, FLYWAY_DEPTH)
        }
        _ => read_entry(source, migrations_dir, path).map(|entry| entry.map(|entry| vec![entry])),
    });
    // Sized once, to the migrations among the entries (rollback files are as many again in
    // many projects): grown from empty, the list of 10,000 files was copied a dozen times, each
    // copy into pages faulted in afresh (about 2 ms of `plan show` at 10,000 migrations).
    listing.migrations.reserve_exact(
        read.iter()
            .flatten()
            .flatten()
            .flatten()
            .filter(|entry| {
                matches!(
                    entry.name,
                    Name::Migration(_) | Name::Flyway { .. } | Name::Repeatable(_)
                )
            })
            .count(),
    );
    for (path, entries) in paths.iter().zip(read) {
        let entries = match entries {
            Ok(Some(entries)) => entries,
            Ok(None) => continue,
            Err(entry_problems) => {
                problems.extend(entry_problems);
                continue;
            }
        };
        for entry in entries {
            let nested = entry.path.is_some();
            let path = entry.path.unwrap_or_else(|| path.clone());
            let (id, kind, version, tool) = match entry.name {
                Name::Migration(id) => {
                    let version = entry_version(&id, entry.tool);
                    (id, MigrationKind::Versioned, version, entry.tool)
                }
                Name::Flyway { id, version } => {
                    (id, MigrationKind::Versioned, Some(version), Some("flyway"))
                }
                Name::Repeatable(id) => (id, MigrationKind::Repeatable, None, entry.tool),
                Name::Rollback(reference) => {
                    listing.rollbacks.push(RollbackFile {
                        role: FileRole::RollbackOf(reference),
                        source: entry.source,
                        tool: entry.tool,
                    });
                    continue;
                }
                Name::FlywayUndo(reference) => {
                    listing.rollbacks.push(RollbackFile {
                        role: FileRole::RollbackOf(reference),
                        source: entry.source,
                        tool: Some("flyway"),
                    });
                    continue;
                }
                Name::WrongCase(_) => continue,
            };
            // A subfolder's options file was looked for beside its migration already.
            let outside_transaction = match (&tool, nested) {
                (Some("flyway"), false) => flyway_options(source, &paths, &path, problems),
                _ => entry.outside_transaction,
            };
            listing.migrations.push(MigrationFile {
                id: MigrationId::new(id),
                kind,
                version,
                rank: None,
                tool,
                outside_transaction,
                source: entry.source,
                path,
                checksum: entry.checksum,
            });
        }
    }
    listing
}

/// A migration's version as its tool reads the name: the leading digits, or for Diesel's
/// folder (`2024-01-01-120000_x`) the digits before the first `_` with the dashes dropped, as
/// Diesel records it (`20240101120000`).
fn entry_version(id: &str, tool: Option<&str>) -> Option<Version> {
    match tool {
        Some("diesel") => {
            let digits: String = id
                .split('_')
                .next()
                .unwrap_or_default()
                .chars()
                .filter(|ch| *ch != '-')
                .collect();
            Version::of(&digits)
        }
        _ => Version::of(id),
    }
}

/// A migration or rollback file, read.
struct Entry {
    name: Name,
    source: SourceFile,
    checksum: String,
    /// The file's path, when it is not the listed entry's own (a file in a migration folder).
    path: Option<PathBuf>,
    /// The tool whose layout the entry follows, when its name alone does not say.
    tool: Option<&'static str>,
    /// What says it runs outside a transaction, if anything does.
    outside_transaction: Option<String>,
}

/// Whether an entry may be a folder: not hidden, no `.sql` extension. Only those are listed
/// as folders, so a folder of `.sql` files costs nothing more.
fn is_folder_candidate(path: &Path) -> bool {
    path.file_name()
        .and_then(|name| name.to_str())
        .is_some_and(|name| !name.starts_with('.') && !has_sql_extension(path))
}

/// Whether a file is named as Flyway names a versioned or undo migration.
fn is_flyway_versioned(path: &Path) -> bool {
    has_sql_extension(path)
        && path
            .file_stem()
            .and_then(|stem| stem.to_str())
            .is_some_and(|stem| flyway_name(stem).is_some())
}

fn has_sql_extension(path: &Path) -> bool {
    path.extension()
        .is_some_and(|extension| extension.eq_ignore_ascii_case("sql"))
}

/// What a search of a Flyway folder's subfolders needs.
struct FlywayWalk<'a> {
    source: &'a dyn Source,
    migrations_dir: &'a Path,
    /// plan.yaml's `sql:` step files: never migrations, wherever they are.
    step_paths: &'a [PathBuf],
}

impl FlywayWalk<'_> {
    /// The Flyway-named files in a subfolder and its subfolders (`None` for a file, or a
    /// folder with none): Flyway finds its migrations at any depth of its locations. Other
    /// files there are left alone, and linked folders are not searched.
    fn subfolder(&self, folder: &Path, depth: usize) -> Result<Option<Vec<Entry>>, Vec<Problem>> {
        let FlywayWalk {
            source, step_paths, ..
        } = *self;
        let Ok(mut children) = source.list(folder) else {
            return Ok(None);
        };
        if depth == 0 {
            return Ok(None);
        }
        children.retain(|child| !step_paths.contains(child));
        children.sort_by(|left, right| left.as_os_str().cmp(right.as_os_str()));
        let mut entries = Vec::new();
        let mut problems = Vec::new();
        for child in &children {
            let found = if is_folder_candidate(child) {
                if source.is_link(child) {
                    Ok(None)
                } else {
                    self.subfolder(child, depth - 1)
                }
            } else {
                self.file(child, &children)
            };
            match found {
                Ok(Some(found)) => entries.extend(found),
                Ok(None) => {}
                Err(found) => problems.extend(found),
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok((!entries.is_empty()).then_some(entries))
    }

    /// A file in a subfolder: read when Flyway would run it, with its `.sql.conf` among the
    /// files beside it.
    fn file(&self, child: &Path, beside: &[PathBuf]) -> Result<Option<Vec<Entry>>, Vec<Problem>> {
        let flyway = child
            .file_stem()
            .and_then(|stem| stem.to_str())
            .is_some_and(|stem| {
                flyway_name(stem).is_some()
                    || stem
                        .strip_prefix("R__")
                        .is_some_and(|rest| !rest.is_empty())
            });
        if !flyway || child.extension().is_none_or(|extension| extension != "sql") {
            return Ok(None);
        }
        let Some(mut entry) = read_entry(self.source, self.migrations_dir, child)? else {
            return Ok(None);
        };
        let mut problems = Vec::new();
        entry.path = Some(child.to_path_buf());
        entry.outside_transaction = flyway_options(self.source, beside, child, &mut problems);
        if problems.is_empty() {
            Ok(Some(vec![entry]))
        } else {
            Err(problems)
        }
    }
}

/// A folder holding one migration of a tool that keeps one folder per migration: Prisma's
/// (`migration.sql`) or Diesel's (`up.sql`, with `down.sql` and `metadata.toml`). A folder
/// without its migration file is a problem, not skipped: the tool refuses it too. `None` for a
/// file.
fn read_folder(
    source: &dyn Source,
    migrations_dir: &Path,
    folder: &Path,
    folders: MigrationFolders,
) -> Result<Option<Vec<Entry>>, Vec<Problem>> {
    let Ok(children) = source.list(folder) else {
        // Not a folder: a file without `.sql` (README, migration_lock.toml) is not ours.
        return Ok(None);
    };
    let Some(id) = folder.file_name().and_then(|name| name.to_str()) else {
        return Ok(None);
    };
    let has = |name: &str| {
        children
            .iter()
            .any(|child| child.file_name().is_some_and(|file| file == name))
    };
    let (tool, up_name) = (folders.tool(), folders.up_file());
    if !has(up_name) {
        return Err(vec![Problem::StrayFile {
            name: display_name(source.root(), folder),
            tool,
            help: format!(
                "{tool} runs a migration folder's {up_name}, and refuses a folder without one: add it, or move the folder out of the migrations folder"
            ),
        }]);
    }
    let mut entries = Vec::new();
    let mut problems = Vec::new();
    let outside_transaction = if tool == "diesel" && has("metadata.toml") {
        let path = folder.join("metadata.toml");
        match source.read(&path) {
            Ok(bytes) => diesel_outside_transaction(&String::from_utf8_lossy(&bytes))
                .then(|| display_name(source.root(), &path)),
            Err(error) => {
                problems.push(unreadable(display_name(source.root(), &path), &error));
                None
            }
        }
    } else {
        None
    };
    for (file, name) in [
        (up_name, Name::Migration(id.to_string())),
        ("down.sql", Name::Rollback(id.to_string())),
    ] {
        if !has(file) {
            continue;
        }
        let path = folder.join(file);
        match read_file(source, migrations_dir, &path) {
            Ok((source, checksum)) => entries.push(Entry {
                name,
                source,
                checksum,
                path: Some(path),
                tool: Some(tool),
                outside_transaction: outside_transaction.clone(),
            }),
            Err(file_problems) => problems.extend(file_problems),
        }
    }
    if problems.is_empty() {
        Ok(Some(entries))
    } else {
        Err(problems)
    }
}

/// Whether Diesel's `metadata.toml` says `run_in_transaction = false`.
fn diesel_outside_transaction(text: &str) -> bool {
    text.lines().any(|line| {
        let line = line.split('#').next().unwrap_or_default();
        let Some((key, value)) = line.split_once('=') else {
            return false;
        };
        key.trim() == "run_in_transaction" && value.trim() == "false"
    })
}

/// Flyway's per-script options: the name of `V1__x.sql.conf` when it sits beside the
/// migration (among `listed`, the folder's paths sorted by their bytes, as `list` and
/// `FlywayWalk::subfolder` sort them) and says `executeInTransaction=false`.
fn flyway_options(
    source: &dyn Source,
    listed: &[PathBuf],
    migration: &Path,
    problems: &mut Vec<Problem>,
) -> Option<String> {
    let mut options = migration.as_os_str().to_owned();
    options.push(".conf");
    let options = PathBuf::from(options);
    // A search, not a scan per migration: at thousands of Flyway files, quadratic.
    if listed
        .binary_search_by(|path| path.as_os_str().cmp(options.as_os_str()))
        .is_err()
    {
        return None;
    }
    let name = display_name(source.root(), &options);
    match source.read(&options) {
        Ok(bytes) => String::from_utf8_lossy(&bytes)
            .lines()
            .any(|line| {
                let Some((key, value)) = line.split_once('=') else {
                    return false;
                };
                key.trim() == "executeInTransaction" && value.trim().eq_ignore_ascii_case("false")
            })
            .then_some(name),
        Err(error) => {
            problems.push(unreadable(name, &error));
            None
        }
    }
}

/// The entry at `path` read: `None` when it is not a migration or rollback file, its problems
/// when it cannot be one.
fn read_entry(
    source: &dyn Source,
    migrations_dir: &Path,
    path: &Path,
) -> Result<Option<Entry>, Vec<Problem>> {
    let root = source.root();
    let Some(file_name) = path.file_name() else {
        return Ok(None);
    };
    let Some(file_name) = file_name.to_str() else {
        // A name that is not UTF-8 cannot be an ID; one that looks like SQL is reported.
        let bytes = file_name.as_encoded_bytes();
        if bytes.len() > 4 && bytes[bytes.len() - 4..].eq_ignore_ascii_case(b".sql") {
            return Err(vec![Problem::UnreadableFile {
                name: display_name(root, path),
                reason: "its name is not UTF-8".to_string(),
                help: "rename it: a migration's name is its ID, and IDs are text".to_string(),
            }]);
        }
        return Ok(None);
    };
    let Some(name) = classify(file_name) else {
        return Ok(None);
    };
    if let Name::WrongCase(extension) = &name {
        let stem = &file_name[..file_name.len() - extension.len()];
        return Err(vec![Problem::SqlExtensionCase {
            renamed: format!("{stem}.sql"),
            extension: extension.clone(),
            name: display_name(root, path),
        }]);
    }
    let (source, checksum) = read_file(source, migrations_dir, path)?;
    Ok(Some(Entry {
        name,
        source,
        checksum,
        path: None,
        tool: None,
        outside_transaction: None,
    }))
}

/// A `.sql` file read, decoded and hashed; its problems when it cannot be.
pub(crate) fn read_sql_file(
    source: &dyn Source,
    migrations_dir: &Path,
    path: &Path,
) -> Result<(SourceFile, String), Vec<Problem>> {
    read_file(source, migrations_dir, path)
}

fn read_file(
    source: &dyn Source,
    migrations_dir: &Path,
    path: &Path,
) -> Result<(SourceFile, String), Vec<Problem>> {
    let display = display_name(source.root(), path);
    let bytes = match source.read_unlinked(path, migrations_dir) {
        Some(bytes) => bytes,
        None => {
            if let Some(target) = source.link_outside(path, migrations_dir) {
                return Err(vec![Problem::LinkOutsideProject {
                    name: display,
                    target,
                }]);
            }
            match source.read(path) {
                Ok(bytes) => bytes,
                Err(error) => return Err(vec![unreadable(display, &error)]),
            }
        }
    };
    let checksum = hex(&Sha256::digest(&bytes));
    let mut problems = Vec::new();
    match decode(&display, bytes, &mut problems) {
        Some(source) => Ok((source, checksum)),
        None => Err(problems),
    }
}

/// The problem for a `.sql` entry that cannot be read, with what to do about it.
fn unreadable(name: String, error: &std::io::Error) -> Problem {
    use std::io::ErrorKind;
    let (reason, help) = match error.kind() {
        ErrorKind::IsADirectory => (
            "it is a folder, not a file".to_string(),
            "rename the folder so that its name does not end in .sql, or move it out of the migrations folder",
        ),
        ErrorKind::PermissionDenied => (
            error.to_string(),
            "make the file readable by the user running plan",
        ),
        _ => (
            error.to_string(),
            "a symbolic link that leads nowhere (to itself, to a missing file, in a loop) cannot be read: replace it with the file it stands for, or remove it",
        ),
    };
    Problem::UnreadableFile {
        name,
        reason,
        help: help.to_string(),
    }
}

/// Decodes a file as UTF-8, dropping a byte order mark. A file that is not UTF-8, or holds a
/// control character, is a problem pointing at its first bad byte, shown escaped.
pub(crate) fn decode(
    display: &str,
    bytes: Vec<u8>,
    problems: &mut Vec<Problem>,
) -> Option<SourceFile> {
    let bytes = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
        Some(rest) => rest.to_vec(),
        None => bytes,
    };
    match String::from_utf8(bytes) {
        Ok(text) => match text.char_indices().find(|(_, ch)| is_control(*ch)) {
            None => Some(SourceFile::new(display, text)),
            Some((offset, ch)) => {
                let (shown, span) = shown_around(text.as_bytes(), offset..offset + ch.len_utf8());
                problems.push(Problem::ControlCharacter {
                    name: display.to_string(),
                    character: format!("U+{:04X}", u32::from(ch)),
                    span: to_source_span(&span),
                    file: SourceFile::new(display, shown),
                });
                None
            }
        },
        Err(error) => {
            let valid = error.utf8_error().valid_up_to();
            let length = error.utf8_error().error_len().unwrap_or(1);
            let (shown, span) = shown_around(error.as_bytes(), valid..valid + length);
            problems.push(Problem::NotUtf8 {
                name: display.to_string(),
                span: to_source_span(&span),
                file: SourceFile::new(display, shown),
            });
            None
        }
    }
}

/// A character no SQL text file holds: a control character other than tab, line feed, carriage
/// return and form feed. Terminals act on some of them (escape sequences), so they are never
/// shown raw.
fn is_control(ch: char) -> bool {
    ch.is_control() && !matches!(ch, '\t' | '\n' | '\r' | '\u{c}')
}

/// The text a problem shows for a file with a bad byte (or character) at `bad`: its lines up to
/// the bad one, so that line numbers hold, each escaped and cut short, and the bad line cut
/// around the bad byte; with the span of the bad byte's escape in it.
fn shown_around(bytes: &[u8], bad: Range<usize>) -> (String, Range<usize>) {
    let line_start = bytes[..bad.start]
        .iter()
        .rposition(|&byte| byte == b'\n')
        .map_or(0, |newline| newline + 1);
    let line_end = bytes[bad.end..]
        .iter()
        .position(|&byte| byte == b'\n')
        .map_or(bytes.len(), |newline| bad.end + newline);
    let mut shown = String::new();
    for line in bytes[..line_start].split_inclusive(|&byte| byte == b'\n') {
        let line = line.strip_suffix(b"\n").unwrap_or(line);
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        shown.push_str(&escaped(line, Cut::End(SHOWN_LINE)));
        shown.push('\n');
    }
    shown.push_str(&escaped(
        &bytes[line_start..bad.start],
        Cut::Start(SHOWN_BEFORE),
    ));
    let span_start = shown.len();
    shown.push_str(&escaped(&bytes[bad.clone()], Cut::End(1)));
    let span = span_start..shown.len();
    let after = &bytes[bad.end..line_end];
    let after = after.strip_suffix(b"\r").unwrap_or(after);
    shown.push_str(&escaped(after, Cut::End(SHOWN_AFTER)));
    shown.push('\n');
    (shown, span)
}

/// Which end of a piece of text to keep, and how many characters of it.
#[derive(Clone, Copy)]
enum Cut {
    Start(usize),
    End(usize),
}

/// `bytes` as printable text: control characters and bytes that are not UTF-8 escaped (`\x1B`,
/// `\xE9`, `\u{9B}`), cut to the number of characters `cut` keeps, with `…` where it was cut.
fn escaped(bytes: &[u8], cut: Cut) -> String {
    let mut pieces: Vec<String> = Vec::new();
    for chunk in bytes.utf8_chunks() {
        for ch in chunk.valid().chars() {
            pieces.push(if is_control(ch) {
                let code = u32::from(ch);
                if code < 0x80 {
                    format!("\\x{code:02X}")
                } else {
                    format!("\\u{{{code:X}}}")
                }
            } else {
                ch.to_string()
            });
        }
        pieces.extend(chunk.invalid().iter().map(|byte| format!("\\x{byte:02X}")));
    }
    match cut {
        Cut::End(keep) if pieces.len() > keep => format!("{}…", pieces[..keep].concat()),
        Cut::Start(keep) if pieces.len() > keep => {
            format!("…{}", pieces[pieces.len() - keep..].concat())
        }
        _ => pieces.concat(),
    }
}

/// The path as the user should read it: relative to the project folder when inside it.
fn display_name(root: &Path, path: &Path) -> String {
    let relative = path.strip_prefix(root).unwrap_or(path);
    relative.display().to_string()
}

/// Sorts a file name into migration or rollback; `None` for files that are not `.sql`.
fn classify(file_name: &str) -> Option<Name> {
    if file_name.starts_with('.') {
        return None;
    }
    let Some(stem) = file_name.strip_suffix(".sql") else {
        let extension = file_name.get(file_name.len().checked_sub(4)?..)?;
        return (extension.eq_ignore_ascii_case(".sql") && file_name.len() > 4)
            .then(|| Name::WrongCase(extension.to_string()));
    };
    if stem.is_empty() {
        return None;
    }
    for prefix in ["rollback-", "rollback_"] {
        if let Some(target) = stem.strip_prefix(prefix).filter(|rest| !rest.is_empty()) {
            return Some(Name::Rollback(target.to_string()));
        }
    }
    for suffix in ["_rollback", ".rollback", ".down"] {
        if let Some(target) = stem.strip_suffix(suffix).filter(|rest| !rest.is_empty()) {
            return Some(Name::Rollback(target.to_string()));
        }
    }
    if let Some(name) = flyway_name(stem) {
        return Some(name);
    }
    // Flyway's repeatable migrations; plan's own projects name them the same way.
    if stem
        .strip_prefix("R__")
        .is_some_and(|rest| !rest.is_empty())
    {
        return Some(Name::Repeatable(stem.to_string()));
    }
    if let Some(id) = stem.strip_suffix(".up").filter(|rest| !rest.is_empty()) {
        return Some(Name::Migration(id.to_string()));
    }
    Some(Name::Migration(stem.to_string()))
}

/// Flyway's versioned (`V1_2__name`) and undo (`U1_2__name`) names: a capital prefix, a version
/// of digits separated by `.` or `_`, two underscores, a description.
fn flyway_name(stem: &str) -> Option<Name> {
    let prefix = stem.chars().next()?;
    if prefix != 'V' && prefix != 'U' {
        return None;
    }
    // Flyway accepts an empty description (`V1__.sql`).
    let (version, _description) = stem[1..].split_once("__")?;
    let parsed = Version::dotted(version)?;
    Some(if prefix == 'V' {
        Name::Flyway {
            id: stem.to_string(),
            version: parsed,
        }
    } else {
        Name::FlywayUndo(format!("V{}", parsed.as_str()))
    })
}

fn hex(bytes: &[u8]) -> String {
    // Two digits looked up per byte: a `write!` per byte was a formatter call each, 320,000 of
    // them for 10,000 migrations.
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_checksum_is_lower_case_hex_two_digits_a_byte() {
        assert_eq!(hex(&[0x00, 0x0f, 0xa5, 0xff, 0x10]), "000fa5ff10");
        assert_eq!(hex(&[]), "");
        assert_eq!(
            hex(&Sha256::digest(b"")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    fn check(file_name: &str) -> String {
        match classify(file_name) {
            None => "ignored".to_string(),
            Some(Name::Migration(id)) => format!("migration {id}"),
            Some(Name::Repeatable(id)) => format!("repeatable {id}"),
            Some(Name::Flyway { id, version }) => {
                format!("migration {id} version {}", version.as_str())
            }
            Some(Name::FlywayUndo(target)) => format!("rollback of {target}"),
            Some(Name::Rollback(target)) => format!("rollback of {target}"),
            Some(Name::WrongCase(extension)) => format!("not read: {extension}"),
        }
    }

    #[test]
    fn every_seed_layout_is_recognised() {
        let names = [
            "001_admin_center_schema.sql",
            "001_admin_center_schema_rollback.sql",
            "rollback-005.sql",
            "002_users.down.sql",
            "002_users.up.sql",
            "003_x.rollback.sql",
            "README.md",
            ".hidden.sql",
            ".sql",
            "rollback-.sql",
            "004_x.SQL",
            "005_x.up.Sql",
            ".SQL",
            "x.sql.bak",
            "R__views.sql",
            "R__.sql",
            "V1__init.sql",
            "V1_1__add.sql",
            "V2024.01.15.1__x.sql",
            "U1_1__add.sql",
            "V1__.sql",
            "Vx__y.sql",
            "v1__lower.sql",
        ];
        let seen: Vec<String> = names.iter().map(|name| check(name)).collect();
        insta::assert_snapshot!(seen.join("\n"), @r"
        migration 001_admin_center_schema
        rollback of 001_admin_center_schema
        rollback of 005
        rollback of 002_users
        migration 002_users
        rollback of 003_x
        ignored
        ignored
        ignored
        migration rollback-
        not read: .SQL
        not read: .Sql
        ignored
        ignored
        repeatable R__views
        migration R__
        migration V1__init version 1
        migration V1_1__add version 1.1
        migration V2024.01.15.1__x version 2024.01.15.1
        rollback of V1.1
        migration V1__ version 1
        migration Vx__y
        migration v1__lower
        ");
    }

    #[test]
    fn a_byte_order_mark_is_dropped_and_invalid_utf8_is_a_problem_on_its_line() {
        let mut problems = Vec::new();
        let file = decode("a.sql", b"\xEF\xBB\xBFSELECT 1;".to_vec(), &mut problems);
        assert_eq!(
            file.map(|file| file.text().to_string()),
            Some("SELECT 1;".to_string())
        );
        assert!(
            decode(
                "b.sql",
                b"SELECT 1;\nSELECT '\xff';\n".to_vec(),
                &mut problems
            )
            .is_none()
        );
        match problems.as_slice() {
            [Problem::NotUtf8 { file, span, .. }] => {
                assert_eq!(file.line_of(span.offset()), 2);
            }
            other => panic!("expected one NotUtf8 problem, got {other:?}"),
        }
    }

    /// What `decode` shows for `bytes`: the problem's code, and its source text and label.
    fn shown(bytes: &[u8]) -> String {
        let mut problems = Vec::new();
        assert!(decode("x.sql", bytes.to_vec(), &mut problems).is_none());
        match problems.as_slice() {
            [Problem::NotUtf8 { file, span, .. }]
            | [Problem::ControlCharacter { file, span, .. }] => {
                let start = span.offset();
                format!(
                    "{} [{}]",
                    file.text(),
                    &file.text()[start..start + span.len()]
                )
            }
            other => panic!("expected one problem, got {other:?}"),
        }
    }

    #[test]
    fn issue_11_binary_content_is_shown_escaped_never_raw() {
        // Before: the bytes reached the terminal as they were, escape sequences included.
        assert_eq!(
            shown(b"SELECT 1; -- \x1b[2J\x1b]0;title\x07\nSELECT 2;\n"),
            "SELECT 1; -- \\x1B[2J\\x1B]0;title\\x07\n [\\x1B]"
        );
        assert_eq!(
            shown("-- \u{9b}31m\n".as_bytes()),
            "-- \\u{9B}31m\n [\\u{9B}]"
        );
        assert_eq!(
            shown(b"\x00\x1b[1m\r\nSELECT '\xe9\xff\x1b';\r\nmore\n"),
            "\\x00\\x1B[1m\nSELECT '\\xE9\\xFF\\x1B';\n [\\xE9]"
        );
        // Tabs, line endings and form feeds are text.
        let mut problems = Vec::new();
        assert!(decode("x.sql", b"SELECT\t1;\r\n\x0c\n".to_vec(), &mut problems).is_some());
        assert!(problems.is_empty());
    }

    #[test]
    fn issue_11_a_long_binary_line_is_cut_around_its_bad_byte() {
        let mut bytes = vec![b'a'; 10_000];
        bytes[5_000] = 0xff;
        let text = shown(&bytes);
        assert!(
            text.starts_with('…') && text.ends_with("…\n [\\xFF]"),
            "{text}"
        );
        assert_eq!(
            text.chars().count(),
            1 + SHOWN_BEFORE + 4 + SHOWN_AFTER + 1 + 1 + " [\\xFF]".len()
        );
    }

    #[test]
    fn issue_11_an_unreadable_entry_says_what_to_do() {
        use std::io::{Error, ErrorKind};
        let help = |kind: ErrorKind| match unreadable("x.sql".to_string(), &Error::from(kind)) {
            Problem::UnreadableFile { reason, help, .. } => format!("{reason} / {help}"),
            other => panic!("{other:?}"),
        };
        assert!(help(ErrorKind::IsADirectory).starts_with("it is a folder, not a file / rename"));
        assert!(
            help(ErrorKind::PermissionDenied)
                .ends_with("make the file readable by the user running plan")
        );
        assert!(help(ErrorKind::NotFound).contains("symbolic link that leads nowhere"));
    }
}
