//! `plan new`: the next migration of a project, written in the layout the project already uses
//! (seed 000's `_rollback.sql` files, seed 001's `rollback-NNN.sql` and `-- ====` header, `.up.sql`
//! / `.down.sql` pairs, one file with `-- UP` / `-- DOWN` sections, or forward-only files), with
//! the next number at the project's width and a header saying what it is, what it depends on
//! and what it requires.
//!
//! [`scaffold()`] decides the files and their text without touching the disk; [`write()`] creates
//! them (never overwriting one) and reads the project again, removing them if it no longer
//! loads, so a file `plan new` leaves behind is one `plan show` accepts. Reading projects is
//! left to `project`; this module only reads what a loaded Project says about its files.
//!
//! A new migration holds a statement that raises an error in place of its SQL: a project
//! rejects a migration with no SQL, and an unedited template must not apply as a no-op.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use miette::Diagnostic;

use crate::diagnostic::InvalidInput;
use crate::graph::{Graph, OrderMode, OrderModeReason};
use crate::project::{Migration, MigrationId, Project, Rollback};

/// How a project lays out its migrations and rollbacks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// `NNN_name.sql` and `NNN_name_rollback.sql` (seed 000).
    RollbackSuffix,
    /// `NNN_name.sql` with a `-- ====` header and `BEGIN; … COMMIT;`, and `rollback-NNN.sql`
    /// (seed 001).
    RollbackPrefix,
    /// `NNN_name.up.sql` and `NNN_name.down.sql` (seed 002 as files).
    UpDownFiles,
    /// `NNN_name.sql` and `NNN_name.down.sql`.
    DownFile,
    /// `NNN_name.sql` and `NNN_name.rollback.sql`.
    DotRollback,
    /// One file with `-- UP` and `-- DOWN` sections (seed 003).
    Sections,
    /// `NNN_name.sql` only (seed 004); a rollback, when asked for, is `NNN_name.down.sql`.
    ForwardOnly,
}

impl Layout {
    /// The layout of the project's latest migration that shows one, else forward-only.
    pub fn detect(project: &Project) -> Layout {
        project
            .migrations()
            .filter_map(layout_of)
            .last()
            .unwrap_or(Layout::ForwardOnly)
    }

    /// A short description, for the output of `plan new`.
    pub fn describe(self) -> &'static str {
        match self {
            Layout::RollbackSuffix => "NNN_name.sql with NNN_name_rollback.sql",
            Layout::RollbackPrefix => "NNN_name.sql with rollback-NNN.sql",
            Layout::UpDownFiles => "NNN_name.up.sql with NNN_name.down.sql",
            Layout::DownFile => "NNN_name.sql with NNN_name.down.sql",
            Layout::DotRollback => "NNN_name.sql with NNN_name.rollback.sql",
            Layout::Sections => "one file with -- UP and -- DOWN sections",
            Layout::ForwardOnly => "forward-only NNN_name.sql",
        }
    }
}

/// What to create.
#[derive(Clone, Debug)]
pub struct NewMigration {
    /// The name after the number: a word (`add_user_avatar`).
    pub name: String,
    /// What it depends on.
    pub depends: Depends,
    /// Whether it gets a rollback.
    pub rollback: RollbackChoice,
    /// Today's date (`YYYY-MM-DD`), for a project whose headers carry one.
    pub today: String,
}

/// The dependencies of a new migration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Depends {
    /// The current leaves of the graph (nothing in a sequence project, which stays one).
    Leaves,
    /// These migrations.
    These(Vec<MigrationId>),
    /// None, declared (`-- Depends: none`): a new root.
    Nothing,
}

/// Whether a new migration gets a rollback.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RollbackChoice {
    /// When every migration of the project has one.
    AsTheProjectDoes,
    /// Yes (`--rollback`).
    Always,
    /// No (`--no-rollback`).
    Never,
}

/// The files of a new migration, not written yet.
#[derive(Clone, Debug)]
pub struct Scaffold {
    /// The new migration's ID.
    pub id: MigrationId,
    /// The layout followed.
    pub layout: Layout,
    /// Each file to create, the migration first.
    pub files: Vec<NewFile>,
    /// The dependencies written in its header; `None` when it has no dependency line (a
    /// sequence project, where it simply follows the last migration).
    pub dependencies: Option<Vec<MigrationId>>,
    /// The environments it is limited to, because a dependency is.
    pub environments: Option<Vec<String>>,
    /// Whether it has a rollback (a file, or a `-- DOWN` section).
    pub has_rollback: bool,
}

/// One file to create.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewFile {
    /// Where, inside the project's migrations folder.
    pub path: PathBuf,
    /// Its text.
    pub text: String,
}

/// Why `plan new` created nothing.
#[derive(Debug, thiserror::Error, Diagnostic)]
pub enum ScaffoldError {
    /// The name cannot be part of a migration file name.
    #[error("`{name}` cannot name a migration: {reason}")]
    #[diagnostic(
        code(plan::apply::invalid_migration_name),
        help(
            "write one word of letters, digits, `_` or `-`, starting with a letter (`add_user_avatar`); the number is added for you"
        )
    )]
    InvalidName {
        /// The name given.
        name: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Dependencies declared in a project that is a sequence because nothing declares any.
    #[error(
        "this project is a sequence (no migration declares dependencies), and a dependency line would make it a graph in which the migrations before it no longer depend on each other"
    )]
    #[diagnostic(
        code(plan::apply::sequence_project),
        help(
            "leave out --depends: the new migration follows the last one; or set `order: sequential` in plan.yaml, which keeps the sequence and adds declared dependencies to it"
        )
    )]
    SequenceProject,
    /// The dependencies share no environment.
    #[error("the dependencies run in no common environment: {dependencies}")]
    #[diagnostic(
        code(plan::apply::no_common_environment),
        help("depend on migrations that run in at least one common environment")
    )]
    NoCommonEnvironment {
        /// Each dependency with where it runs.
        dependencies: String,
    },
    /// A file could not be written.
    #[error("could not create {path}: {reason}")]
    #[diagnostic(
        code(plan::apply::scaffold_write),
        help(
            "nothing was left behind; check the folder's permissions, or move the existing file away"
        )
    )]
    Write {
        /// The file.
        path: String,
        /// The operating system's reason.
        reason: String,
    },
    /// The project no longer loads with the new files; they were removed.
    #[error("the new migration would make the project invalid, so it was not created")]
    #[diagnostic(
        code(plan::apply::scaffold_rejected),
        help("the problems are listed below")
    )]
    Rejected {
        /// Every problem of the project with the new files.
        #[related]
        problems: Vec<InvalidInput>,
    },
}

/// A file that could not be written is a failure; every other refusal is about the input.
impl crate::diagnostic::Classified for ScaffoldError {
    fn class(&self) -> crate::diagnostic::ErrorClass {
        match self {
            ScaffoldError::Write { .. } => crate::diagnostic::ErrorClass::Failed,
            _ => crate::diagnostic::ErrorClass::InvalidInput,
        }
    }
}

/// Decides the files of a new migration of `project`. Touches nothing.
pub fn scaffold(
    project: &Project,
    graph: &Graph,
    request: &NewMigration,
) -> Result<Scaffold, ScaffoldError> {
    check_name(&request.name)?;
    let layout = Layout::detect(project);
    let version = next_version(project);
    let id = MigrationId::new(format!("{version}_{}", request.name));
    let dependencies = dependencies(project, graph, &request.depends)?;
    let environments = environments(project, dependencies.as_deref().unwrap_or_default())?;
    let has_rollback = match request.rollback {
        RollbackChoice::Always => true,
        RollbackChoice::Never => false,
        RollbackChoice::AsTheProjectDoes => {
            project.migrations().next().is_some()
                && project
                    .migrations()
                    .all(|migration| migration.rollback().is_some())
        }
    };
    let style = HeaderStyle::of(project, layout);
    let header = Header {
        id: &id,
        version: &version,
        name: &request.name,
        today: &request.today,
        dependencies: match (&request.depends, &dependencies) {
            (Depends::Nothing, _) => Some(Vec::new()),
            (_, Some(list)) if !list.is_empty() => Some(list.clone()),
            _ => None,
        },
        environments: environments.clone(),
        rollback_file: None,
    };
    let folder = project.migrations_dir();
    let mut files = Vec::new();
    match layout {
        Layout::RollbackPrefix => {
            let rollback_name = format!("rollback-{version}.sql");
            let header = Header {
                rollback_file: has_rollback.then_some(rollback_name.as_str()),
                ..header
            };
            files.push(NewFile {
                path: folder.join(format!("{id}.sql")),
                text: format!(
                    "{}\nBEGIN;\n\n{}\nCOMMIT;\n",
                    header.banner(&style),
                    placeholder(&id, Direction::Up)
                ),
            });
            if has_rollback {
                files.push(NewFile {
                    path: folder.join(rollback_name),
                    text: format!(
                        "-- Rollback for migration {version}\nBEGIN;\n\n{}\nCOMMIT;\n",
                        placeholder(&id, Direction::Down)
                    ),
                });
            }
        }
        Layout::Sections => {
            let mut text = format!(
                "{}\n-- UP\n{}",
                header.lines(&style),
                placeholder(&id, Direction::Up)
            );
            if has_rollback {
                text.push_str(&format!("\n-- DOWN\n{}", placeholder(&id, Direction::Down)));
            }
            files.push(NewFile {
                path: folder.join(format!("{id}.sql")),
                text,
            });
        }
        _ => {
            let (up, down) = match layout {
                Layout::RollbackSuffix => (format!("{id}.sql"), format!("{id}_rollback.sql")),
                Layout::UpDownFiles => (format!("{id}.up.sql"), format!("{id}.down.sql")),
                Layout::DotRollback => (format!("{id}.sql"), format!("{id}.rollback.sql")),
                _ => (format!("{id}.sql"), format!("{id}.down.sql")),
            };
            files.push(NewFile {
                path: folder.join(up),
                text: format!(
                    "{}\n{}",
                    header.lines(&style),
                    placeholder(&id, Direction::Up)
                ),
            });
            if has_rollback {
                files.push(NewFile {
                    path: folder.join(down),
                    text: format!("-- Rollback of {id}\n{}", placeholder(&id, Direction::Down)),
                });
            }
        }
    }
    Ok(Scaffold {
        id,
        layout,
        files,
        dependencies,
        environments,
        has_rollback,
    })
}

/// Creates the files of `scaffold` (never replacing one), then reads the project in
/// `project_dir` again; if it no longer loads, removes them and fails with its problems.
pub fn write(scaffold: &Scaffold, project_dir: &Path) -> Result<(), ScaffoldError> {
    let mut written: Vec<&Path> = Vec::new();
    for file in &scaffold.files {
        let created = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&file.path)
            .and_then(|mut handle| std::io::Write::write_all(&mut handle, file.text.as_bytes()));
        if let Err(error) = created {
            // A file that already existed is not ours to remove.
            if error.kind() != std::io::ErrorKind::AlreadyExists {
                let _ = std::fs::remove_file(&file.path);
            }
            remove(&written);
            return Err(ScaffoldError::Write {
                path: file.path.display().to_string(),
                reason: error.to_string(),
            });
        }
        written.push(&file.path);
    }
    if let Err(problems) = crate::load::load_project(project_dir) {
        remove(&written);
        return Err(ScaffoldError::Rejected {
            problems: vec![problems],
        });
    }
    Ok(())
}

/// Today's date in UTC, `YYYY-MM-DD`.
pub fn utc_date(now: SystemTime) -> String {
    let days = now
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs() / 86_400);
    // Howard Hinnant's civil_from_days, for days since 1970-01-01 (never negative here).
    let days = days + 719_468;
    let era = days / 146_097;
    let day_of_era = days % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

fn remove(paths: &[&Path]) {
    for path in paths {
        let _ = std::fs::remove_file(path);
    }
}

/// The layout one migration shows, if it shows one.
fn layout_of(migration: &Migration) -> Option<Layout> {
    let file_name = |path: &str| -> String {
        path.rsplit(['/', '\\'])
            .next()
            .unwrap_or(path)
            .to_ascii_lowercase()
    };
    let up_file = migration
        .path()
        .file_name()
        .map(|name| name.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    match migration.rollback() {
        Some(Rollback::Section { .. }) => Some(Layout::Sections),
        Some(Rollback::File(file)) => {
            let name = file_name(file.name());
            Some(
                if name.starts_with("rollback-") || name.starts_with("rollback_") {
                    Layout::RollbackPrefix
                } else if name.ends_with("_rollback.sql") {
                    Layout::RollbackSuffix
                } else if name.ends_with(".rollback.sql") {
                    Layout::DotRollback
                } else if up_file.ends_with(".up.sql") {
                    Layout::UpDownFiles
                } else {
                    Layout::DownFile
                },
            )
        }
        None if up_file.ends_with(".up.sql") => Some(Layout::UpDownFiles),
        None if has_up_marker(migration) => Some(Layout::Sections),
        None => None,
    }
}

/// Whether the file has an `-- UP` line (a seed 003 file without a `-- DOWN` section).
fn has_up_marker(migration: &Migration) -> bool {
    migration.file().text().lines().any(|line| {
        let line = line.trim();
        line.strip_prefix("--")
            .is_some_and(|rest| rest.trim().eq_ignore_ascii_case("up"))
    })
}

fn check_name(name: &str) -> Result<(), ScaffoldError> {
    let invalid = |reason: &str| {
        Err(ScaffoldError::InvalidName {
            name: name.to_string(),
            reason: reason.to_string(),
        })
    };
    let Some(first) = name.chars().next() else {
        return invalid("it is empty");
    };
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-')))
    {
        return invalid(&format!("it contains {bad:?}"));
    }
    if !first.is_ascii_alphabetic() {
        return invalid("it does not start with a letter");
    }
    if name.to_ascii_lowercase().ends_with("_rollback") {
        return invalid("a file ending in `_rollback.sql` is read as a rollback");
    }
    if name.len() > 100 {
        return invalid("it is longer than 100 characters");
    }
    Ok(())
}

/// The version after the highest one, at the width the project writes it (`001` when there
/// is none).
fn next_version(project: &Project) -> String {
    let Some(latest) = project.migrations().filter_map(Migration::version).max() else {
        return "001".to_string();
    };
    let width = latest.as_str().len();
    format!("{:0>width$}", increment(latest.significant()))
}

/// A decimal string plus one, without parsing (versions can have any number of digits).
fn increment(digits: &str) -> String {
    let mut bytes: Vec<u8> = digits.bytes().collect();
    for byte in bytes.iter_mut().rev() {
        if *byte == b'9' {
            *byte = b'0';
        } else {
            *byte += 1;
            return String::from_utf8_lossy(&bytes).into_owned();
        }
    }
    format!("1{}", String::from_utf8_lossy(&bytes))
}

/// The dependencies to declare: `None` for no dependency line.
fn dependencies(
    project: &Project,
    graph: &Graph,
    depends: &Depends,
) -> Result<Option<Vec<MigrationId>>, ScaffoldError> {
    let unforced_sequence = *graph.mode() == OrderMode::Sequence
        && *graph.mode_reason() == OrderModeReason::NothingDeclared;
    match depends {
        Depends::Leaves if *graph.mode() == OrderMode::Sequence => Ok(None),
        Depends::Leaves => {
            // A migration that runs everywhere cannot depend on one limited to some
            // environments, so those are left out of the leaves it depends on.
            let everywhere = |id: &MigrationId| {
                project
                    .migration(id)
                    .is_some_and(|migration| migration.environments().is_none())
            };
            Ok(Some(
                graph
                    .order()
                    .iter()
                    .filter(|id| everywhere(id))
                    .filter(|id| {
                        graph
                            .dependents_of(id)
                            .iter()
                            .all(|(dependent, _)| !everywhere(dependent))
                    })
                    .cloned()
                    .collect(),
            ))
        }
        Depends::These(_) | Depends::Nothing if unforced_sequence => {
            Err(ScaffoldError::SequenceProject)
        }
        Depends::These(ids) => {
            let mut unique: Vec<MigrationId> = Vec::new();
            for id in ids {
                if !unique.contains(id) {
                    unique.push(id.clone());
                }
            }
            Ok(Some(unique))
        }
        Depends::Nothing => Ok(Some(Vec::new())),
    }
}

/// The environments a migration depending on `dependencies` must be limited to: those every
/// limited dependency runs in; `None` when no dependency is limited.
fn environments(
    project: &Project,
    dependencies: &[MigrationId],
) -> Result<Option<Vec<String>>, ScaffoldError> {
    let limited: Vec<(&MigrationId, &[String])> = dependencies
        .iter()
        .filter_map(|id| Some((id, project.migration(id)?.environments()?)))
        .collect();
    let Some((_, first)) = limited.first() else {
        return Ok(None);
    };
    let common: Vec<String> = first
        .iter()
        .filter(|name| limited.iter().all(|(_, list)| list.contains(name)))
        .cloned()
        .collect();
    if common.is_empty() {
        return Err(ScaffoldError::NoCommonEnvironment {
            dependencies: limited
                .iter()
                .map(|(id, list)| format!("{id} ({})", list.join(", ")))
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    Ok(Some(common))
}

/// How the project's latest migration writes its header, so the new one looks the same.
struct HeaderStyle {
    /// `Purpose` (seed 001) or `Description`.
    description_key: &'static str,
    /// `Created` (seed 003) or `Date` (seed 004), when the project dates its migrations.
    date_key: Option<&'static str>,
    /// How the `Migration:` line names it.
    migration_line: MigrationLine,
    /// Seed 001's block: `-- Dependencies:` then `--   - 001_x.sql` lines.
    dependency_block: bool,
}

enum MigrationLine {
    /// `005_add_limits`.
    Id,
    /// `005_add_limits.sql` (seed 003).
    FileName,
    /// `005 - Add Limits` (seed 001).
    Titled,
}

impl HeaderStyle {
    fn of(project: &Project, layout: Layout) -> HeaderStyle {
        let latest = project.migrations().last();
        let has = |key: &str| {
            latest.is_some_and(|migration| {
                migration
                    .metadata()
                    .keys()
                    .any(|known| known.eq_ignore_ascii_case(key))
            })
        };
        let written = latest.and_then(|migration| {
            migration
                .metadata()
                .iter()
                .find(|(key, _)| key.eq_ignore_ascii_case("migration"))
                .map(|(_, value)| value.clone())
        });
        let seed_001 = layout == Layout::RollbackPrefix;
        HeaderStyle {
            description_key: if has("purpose") || (seed_001 && !has("description")) {
                "Purpose"
            } else {
                "Description"
            },
            date_key: if has("created") {
                Some("Created")
            } else if has("date") {
                Some("Date")
            } else {
                None
            },
            migration_line: match written.as_deref() {
                Some(value) if value.ends_with(".sql") => MigrationLine::FileName,
                Some(value) if value.contains(" - ") => MigrationLine::Titled,
                Some(_) => MigrationLine::Id,
                None if seed_001 => MigrationLine::Titled,
                None => MigrationLine::Id,
            },
            dependency_block: seed_001,
        }
    }
}

/// The header's content.
struct Header<'a> {
    id: &'a MigrationId,
    version: &'a str,
    name: &'a str,
    today: &'a str,
    /// `None`: no dependency line; `Some(empty)`: `none`.
    dependencies: Option<Vec<MigrationId>>,
    environments: Option<Vec<String>>,
    rollback_file: Option<&'a str>,
}

impl Header<'_> {
    fn migration_value(&self, style: &HeaderStyle) -> String {
        match style.migration_line {
            MigrationLine::Id => self.id.to_string(),
            MigrationLine::FileName => format!("{}.sql", self.id),
            MigrationLine::Titled => format!("{} - {}", self.version, title(self.name)),
        }
    }

    /// `-- Key: value` lines, ending with a blank line.
    fn lines(&self, style: &HeaderStyle) -> String {
        let mut text = format!("-- Migration: {}\n", self.migration_value(style));
        text.push_str(&format!(
            "-- {}: {}\n",
            style.description_key,
            sentence(self.name)
        ));
        if let Some(key) = style.date_key {
            text.push_str(&format!("-- {key}: {}\n", self.today));
        }
        text.push_str(&self.dependency_lines(style));
        text.push_str(&self.environment_line());
        text.push_str("-- Requires:\n");
        text
    }

    /// Seed 001's banner: `-- ====` lines around the header, ending with a blank line.
    fn banner(&self, style: &HeaderStyle) -> String {
        const RULE: &str = "-- ============================================\n";
        let mut text = format!(
            "{RULE}-- Migration: {}\n{RULE}",
            self.migration_value(style)
        );
        text.push_str(&format!(
            "-- {}: {}\n--\n",
            style.description_key,
            sentence(self.name)
        ));
        if let Some(key) = style.date_key {
            text.push_str(&format!("-- {key}: {}\n--\n", self.today));
        }
        text.push_str(&self.dependency_lines(style));
        text.push_str(&self.environment_line());
        text.push_str("-- Requires:\n");
        if let Some(file) = self.rollback_file {
            text.push_str(&format!("--\n-- Rollback:\n--   See {file}\n"));
        }
        text.push_str(RULE);
        text
    }

    fn dependency_lines(&self, style: &HeaderStyle) -> String {
        match &self.dependencies {
            None => String::new(),
            Some(list) if list.is_empty() && style.dependency_block => {
                "-- Dependencies: None\n".to_string()
            }
            Some(list) if list.is_empty() => "-- Depends: none\n".to_string(),
            Some(list) if style.dependency_block => {
                let mut text = "-- Dependencies:\n".to_string();
                for id in list {
                    text.push_str(&format!("--   - {id}.sql\n"));
                }
                text
            }
            Some(list) => format!(
                "-- Depends: {}\n",
                list.iter()
                    .map(MigrationId::as_str)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }

    fn environment_line(&self) -> String {
        match &self.environments {
            Some(names) => format!("-- Environment: {}\n", names.join(", ")),
            None => String::new(),
        }
    }
}

#[derive(Clone, Copy)]
enum Direction {
    Up,
    Down,
}

/// The statement standing in for SQL not written yet: it fails, naming the file's migration.
fn placeholder(id: &MigrationId, direction: Direction) -> String {
    let (what, stops, message) = match direction {
        Direction::Up => (
            "the migration's SQL",
            "plan apply",
            format!("migration {id} is still the template written by plan new"),
        ),
        Direction::Down => (
            "SQL that undoes the migration",
            "plan rollback",
            format!("the rollback of {id} is still the template written by plan new"),
        ),
    };
    format!(
        "-- Replace the statement below with {what}; until then it stops {stops}.\nDO $$ BEGIN RAISE EXCEPTION '{message}'; END $$;\n"
    )
}

/// `add_project_limits` → `Add project limits`.
fn sentence(name: &str) -> String {
    let words: Vec<&str> = name
        .split(['_', '-'])
        .filter(|word| !word.is_empty())
        .collect();
    let joined = words.join(" ");
    let mut chars = joined.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => joined,
    }
}

/// `add_project_limits` → `Add Project Limits`.
fn title(name: &str) -> String {
    name.split(['_', '-'])
        .filter(|word| !word.is_empty())
        .map(|word| {
            let mut chars = word.chars();
            match chars.next() {
                Some(first) => first.to_uppercase().chain(chars).collect(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The error a name gets, or `ok`.
    fn check_name_text(name: &str) -> String {
        match check_name(name) {
            Ok(()) => "ok".to_string(),
            Err(error) => error.to_string(),
        }
    }

    #[test]
    fn names_are_single_words_starting_with_a_letter() {
        let seen = [
            "add_user_avatar",
            "Add-Index2",
            "",
            "005_add",
            "add user",
            "../escape",
            "undo_rollback",
        ]
        .map(check_name_text);
        insta::assert_snapshot!(seen.join("\n"), @r"
        ok
        ok
        `` cannot name a migration: it is empty
        `005_add` cannot name a migration: it does not start with a letter
        `add user` cannot name a migration: it contains ' '
        `../escape` cannot name a migration: it contains '.'
        `undo_rollback` cannot name a migration: a file ending in `_rollback.sql` is read as a rollback
        ");
    }

    #[test]
    fn versions_increment_at_any_width() {
        assert_eq!(increment("1"), "2");
        assert_eq!(increment("9"), "10");
        assert_eq!(increment("199"), "200");
        assert_eq!(
            increment("99999999999999999999999"),
            "100000000000000000000000"
        );
    }

    #[test]
    fn dates_are_civil_dates_in_utc() {
        let at = |seconds: u64| utc_date(UNIX_EPOCH + std::time::Duration::from_secs(seconds));
        assert_eq!(at(0), "1970-01-01");
        assert_eq!(at(951_782_400), "2000-02-29");
        assert_eq!(at(1_768_867_200), "2026-01-20");
    }

    #[test]
    fn names_read_as_sentences_and_titles() {
        assert_eq!(sentence("add_project_limits"), "Add project limits");
        assert_eq!(title("add_project-limits"), "Add Project Limits");
    }
}
