//! The backup taken before a production apply: `pg_dump --format=custom` of the target
//! database, written under a temporary name with mode 0600, verified with `pg_restore --list`,
//! then renamed into place. Anything short of a verified archive is an error, so apply fails
//! closed before its first statement.
//!
//! Two stages, so that the caller can show the file and ask for confirmation in between:
//! [`prepare_backup`] finds pg_dump and pg_restore at least as new as the server, creates the
//! folder and reserves the file; [`PendingBackup::take`] dumps and verifies. A pending backup
//! that is dropped without being taken removes its reserved file.
//!
//! The right database: pg_dump and pg_restore get their environment from
//! `ConnectionSettings::configure_child`, which removes every inherited `PG*` variable (an
//! inherited `PGSERVICE` would otherwise override the settings we pass), and the archive's own
//! database name (`pg_restore --list`'s `Dbname:`) must be the target's, or the backup fails
//! and nothing is applied.
//!
//! Secrets: pg_dump gets the connection through the `PG*` environment (`PGPASSWORD` among
//! them), never on its command line, which any user of the machine can read in /proc.
//! What goes in the history and the printed restore command carry no password, and what the
//! tools print is scrubbed of it before it is repeated.
//!
//! Leaves to others: when a backup is needed (`cli`), and recording it in the history
//! (`Ledger::record_backup`).

use std::fs::{self, DirBuilder, OpenOptions};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::SystemTime;

use super::connect::ConnectionSettings;
use super::error::DbError;
use super::session::Session;

/// A verified backup.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Backup {
    /// The archive.
    pub path: PathBuf,
    /// Its size in bytes.
    pub bytes: u64,
    /// How many entries `pg_restore --list` found in it.
    pub entries: usize,
    /// The command that puts the database back as it was when the backup was taken: it drops
    /// and recreates the database from the archive (`pg_restore --clean --create`), connecting
    /// to the `postgres` maintenance database with the same settings as apply, password
    /// excepted (PGPASSWORD or ~/.pgpass supply it).
    pub restore_command: String,
}

/// A backup whose tools were found and whose file is reserved, not yet taken.
#[derive(Debug)]
pub(crate) struct PendingBackup {
    settings: ConnectionSettings,
    pg_dump: PathBuf,
    pg_restore: PathBuf,
    directory: PathBuf,
    final_path: PathBuf,
    partial_path: PathBuf,
    /// Set once `take` has run, so that drop leaves the outcome alone.
    finished: bool,
}

/// Gets a backup ready without dumping anything yet: finds pg_dump and pg_restore at least as
/// new as the server `session` is connected to, creates `directory` (mode 0700 when it is
/// created here), and reserves the file (mode 0600) named after the database, the UTC time
/// and `label`.
pub(crate) fn prepare_backup(
    session: &mut Session,
    settings: &ConnectionSettings,
    directory: &Path,
    label: &str,
) -> Result<PendingBackup, DbError> {
    let server_major = server_major_version(session)?;
    let pg_dump = find_tool("pg_dump", server_major)?;
    let pg_restore = find_tool("pg_restore", server_major)?;
    DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(directory)
        .map_err(|error| {
            failed(
                "create the backup folder",
                &format!("{}: {error}", directory.display()),
            )
        })?;
    let name = format!(
        "{}-{}-{}.dump",
        file_safe(settings.database()),
        utc_stamp(SystemTime::now()),
        file_safe(label)
    );
    let final_path = directory.join(&name);
    if final_path.exists() {
        return Err(failed(
            "reserve the backup file",
            &format!("{} already exists", final_path.display()),
        ));
    }
    let partial_path = directory.join(format!(".{name}.partial"));
    // Created 0600 before pg_dump writes to it: the dump holds every row of the database.
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&partial_path)
        .map_err(|error| {
            failed(
                "create the backup file",
                &format!("{}: {error}", partial_path.display()),
            )
        })?;
    Ok(PendingBackup {
        settings: settings.clone(),
        pg_dump,
        pg_restore,
        directory: directory.to_path_buf(),
        final_path,
        partial_path,
        finished: false,
    })
}

impl PendingBackup {
    /// Where the verified archive will be.
    pub(crate) fn path(&self) -> &Path {
        &self.final_path
    }

    /// The pg_dump that will run.
    pub(crate) fn pg_dump(&self) -> &Path {
        &self.pg_dump
    }

    /// Dumps the database into the reserved file, verifies the archive with
    /// `pg_restore --list` (readable, and of the target database), and renames it into place. On any failure the partial file is
    /// removed and nothing is left behind.
    pub(crate) fn take(mut self) -> Result<Backup, DbError> {
        self.finished = true;
        let result = self.dump_and_verify();
        if result.is_err() {
            let _ = fs::remove_file(&self.partial_path);
        }
        result
    }

    fn dump_and_verify(&self) -> Result<Backup, DbError> {
        let mut pg_dump = Command::new(&self.pg_dump);
        self.settings.configure_child(&mut pg_dump);
        let output = pg_dump
            .arg("--format=custom")
            .arg("--no-password")
            .arg("--file")
            .arg(&self.partial_path)
            .stdin(Stdio::null())
            .output()
            .map_err(|error| {
                failed(
                    "run pg_dump",
                    &format!("{}: {error}", self.pg_dump.display()),
                )
            })?;
        if !output.status.success() {
            return Err(failed(
                "dump the database",
                &format!(
                    "{} {}: {}",
                    self.pg_dump.display(),
                    match output.status.code() {
                        Some(code) => format!("exited with code {code}"),
                        None => "was killed by a signal".to_string(),
                    },
                    self.settings
                        .scrub(String::from_utf8_lossy(&output.stderr).trim())
                ),
            ));
        }
        let bytes = fs::metadata(&self.partial_path)
            .map(|metadata| metadata.len())
            .unwrap_or(0);
        if bytes == 0 {
            return Err(failed(
                "dump the database",
                &format!("{} wrote nothing", self.pg_dump.display()),
            ));
        }
        let mut pg_restore = Command::new(&self.pg_restore);
        self.settings.configure_child(&mut pg_restore);
        let listing = pg_restore
            .arg("--list")
            .arg(&self.partial_path)
            .stdin(Stdio::null())
            .output()
            .map_err(|error| {
                failed(
                    "run pg_restore --list",
                    &format!("{}: {error}", self.pg_restore.display()),
                )
            })?;
        let listed = String::from_utf8_lossy(&listing.stdout);
        if !listing.status.success() || !listed.contains("Archive created at") {
            return Err(failed(
                "verify the backup",
                &format!(
                    "pg_restore --list could not read it: {}",
                    self.settings
                        .scrub(String::from_utf8_lossy(&listing.stderr).trim())
                ),
            ));
        }
        check_archive_database(&listed, &self.settings)?;
        let entries = listed
            .lines()
            .filter(|line| !line.trim().is_empty() && !line.starts_with(';'))
            .count();
        fs::rename(&self.partial_path, &self.final_path).map_err(|error| {
            failed(
                "move the backup into place",
                &format!("{}: {error}", self.final_path.display()),
            )
        })?;
        // The rename is durable only once the folder itself is synced.
        if let Ok(folder) = fs::File::open(&self.directory) {
            let _ = folder.sync_all();
        }
        Ok(Backup {
            restore_command: restore_command(&self.pg_restore, &self.settings, &self.final_path),
            path: self.final_path.clone(),
            bytes,
            entries,
        })
    }
}

impl Drop for PendingBackup {
    fn drop(&mut self) {
        // Not taken (the user said no, or an error came first): give the name back.
        if !self.finished {
            let _ = fs::remove_file(&self.partial_path);
        }
    }
}

/// Fails unless the archive listed in `listing` (`pg_restore --list`'s output) is of the
/// database `settings` points at. A mismatch means pg_dump reached another database: the
/// archive would not give back the target, and its restore command would overwrite the other.
fn check_archive_database(listing: &str, settings: &ConnectionSettings) -> Result<(), DbError> {
    // The header pg_restore prints first: `;     dbname: NAME`.
    let archived = listing.lines().find_map(|line| {
        let rest = line.strip_prefix(';')?.trim_start();
        let (label, name) = rest.split_at_checked("dbname:".len())?;
        // One space follows the colon; the name itself may start or end with spaces.
        label
            .eq_ignore_ascii_case("dbname:")
            .then(|| name.strip_prefix(' ').unwrap_or(name))
    });
    let target = settings.database();
    // pg_restore prints a line break in a name as a space (sanitize_line).
    let printed_target = target.replace(['\n', '\r'], " ");
    match archived {
        Some(name) if name == target || name == printed_target => Ok(()),
        found => Err(DbError::BackupWrongDatabase {
            archive_database: found.map_or_else(
                || "(no database name in the archive)".to_string(),
                str::to_string,
            ),
            target_database: target.to_string(),
            target: settings.to_string(),
        }),
    }
}

/// `pg_restore --clean --if-exists --create` through the maintenance database: it drops the
/// database (refusing while anyone is connected) and recreates it from the archive, so that
/// objects created after the backup go too, which `--clean` alone would leave behind.
fn restore_command(pg_restore: &Path, settings: &ConnectionSettings, archive: &Path) -> String {
    format!(
        "{} --clean --if-exists --create --exit-on-error --dbname={} {}",
        shell_quote(&pg_restore.to_string_lossy()),
        shell_quote(&settings.with_database("postgres").to_string()),
        shell_quote(&archive.to_string_lossy())
    )
}

/// Quotes `text` for a POSIX shell when it holds anything but plain characters.
fn shell_quote(text: &str) -> String {
    let plain = !text.is_empty()
        && text.chars().all(|c| {
            c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/' | ':' | '@' | '=' | ',')
        });
    if plain {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}

fn failed(action: &str, detail: &str) -> DbError {
    DbError::Backup {
        action: action.to_string(),
        detail: detail.to_string(),
    }
}

pub(super) fn server_major_version(session: &mut Session) -> Result<u32, DbError> {
    let rows = session
        .query_texts("SELECT current_setting('server_version_num')", &[])
        .map_err(|error| session.error("read the server version", &error))?;
    let number: u32 = rows
        .first()
        .and_then(|row| row.first().cloned().flatten())
        .and_then(|text| text.parse().ok())
        .unwrap_or(0);
    Ok(number / 10_000)
}

/// Finds a client tool at least as new as the server: `PG_BINDIR`, `pg_config --bindir`, the
/// newest `/usr/lib/postgresql/*/bin`, then `PATH`. pg_dump refuses to dump a newer server, and
/// an older one would be caught only after the apply window opened.
pub(super) fn find_tool(tool: &str, server_major: u32) -> Result<PathBuf, DbError> {
    let mut candidates: Vec<PathBuf> = Vec::new();
    if let Some(directory) = std::env::var_os("PG_BINDIR").filter(|value| !value.is_empty()) {
        candidates.push(PathBuf::from(directory).join(tool));
    }
    if let Ok(output) = Command::new("pg_config")
        .arg("--bindir")
        .stderr(Stdio::null())
        .output()
        && output.status.success()
    {
        candidates.push(PathBuf::from(String::from_utf8_lossy(&output.stdout).trim()).join(tool));
    }
    let mut installed: Vec<(u32, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let major = entry
                .file_name()
                .to_str()?
                .split('.')
                .next()?
                .parse()
                .ok()?;
            Some((major, entry.path().join("bin").join(tool)))
        })
        .collect();
    installed.sort();
    candidates.extend(installed.into_iter().rev().map(|(_, path)| path));
    if let Some(path) = std::env::var_os("PATH") {
        candidates.extend(std::env::split_paths(&path).map(|directory| directory.join(tool)));
    }
    first_new_enough(tool, server_major, candidates)
}

/// The first of `candidates` that exists and is of `server_major` or newer; else an error
/// listing what was found and its version.
fn first_new_enough(
    tool: &str,
    server_major: u32,
    candidates: Vec<PathBuf>,
) -> Result<PathBuf, DbError> {
    let mut too_old = Vec::new();
    for candidate in candidates
        .into_iter()
        .filter(|candidate| candidate.is_file())
    {
        match tool_major_version(&candidate) {
            Some(major) if major >= server_major => return Ok(candidate),
            Some(major) => too_old.push(format!("{} ({major})", candidate.display())),
            None => too_old.push(format!("{} (version unreadable)", candidate.display())),
        }
    }
    Err(DbError::BackupToolMissing {
        tool: tool.to_string(),
        server_major,
        found: if too_old.is_empty() {
            "none".to_string()
        } else {
            too_old.join(", ")
        },
    })
}

/// `pg_dump (PostgreSQL) 15.18 (Debian …)` → 15.
fn tool_major_version(path: &Path) -> Option<u32> {
    let output = Command::new(path)
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&output.stdout);
    let version = text
        .split_whitespace()
        .find(|word| word.starts_with(|c: char| c.is_ascii_digit()))?;
    version.split('.').next()?.parse().ok()
}

fn file_safe(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// `20261122T033012Z`.
fn utc_stamp(time: SystemTime) -> String {
    let seconds = time
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|since| since.as_secs())
        .unwrap_or(0);
    let days = seconds / 86_400;
    let rest = seconds % 86_400;
    let (year, month, day) = civil_from_days(days as i64);
    format!(
        "{year:04}{month:02}{day:02}T{:02}{:02}{:02}Z",
        rest / 3600,
        (rest % 3600) / 60,
        rest % 60
    )
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_index + 2) / 5 + 1) as u32;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    /// A fake tool in a temporary folder that answers `--version` like PostgreSQL's.
    fn fake_tool(directory: &Path, name: &str, version: &str) -> PathBuf {
        let path = directory.join(name);
        std::fs::write(
            &path,
            format!("#!/bin/sh\necho '{name} (PostgreSQL) {version}'\n"),
        )
        .expect("write the fake tool");
        let mut permissions = std::fs::metadata(&path)
            .expect("the fake tool")
            .permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
        std::fs::set_permissions(&path, permissions).expect("make it executable");
        path
    }

    #[test]
    fn a_pg_dump_older_than_the_server_is_refused_and_named() {
        let folder = tempfile::tempdir().expect("a temporary folder");
        let old = fake_tool(folder.path(), "pg_dump", "14.11 (Debian 14.11-1)");
        let missing = folder.path().join("nowhere/pg_dump");
        let error = first_new_enough("pg_dump", 15, vec![missing, old.clone()])
            .expect_err("a pg_dump of 14 cannot dump a server of 15");
        let text = error.to_string();
        assert!(
            text.contains("no pg_dump of PostgreSQL 15 or newer"),
            "{text}"
        );
        assert!(text.contains(&format!("{} (14)", old.display())), "{text}");
    }

    #[test]
    fn the_first_pg_dump_as_new_as_the_server_is_chosen() {
        let older = tempfile::tempdir().expect("a temporary folder");
        let newer = tempfile::tempdir().expect("a temporary folder");
        let old = fake_tool(older.path(), "pg_dump", "14.11");
        let new = fake_tool(newer.path(), "pg_dump", "16.2");
        assert_eq!(
            first_new_enough("pg_dump", 15, vec![old, new.clone()]).expect("16 dumps 15"),
            new
        );
    }

    use super::*;
    use std::time::Duration;

    #[test]
    fn stamps_are_utc_and_sortable() {
        let time = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_318_212);
        assert_eq!(utc_stamp(time), "20261122T033012Z");
        assert_eq!(utc_stamp(SystemTime::UNIX_EPOCH), "19700101T000000Z");
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    }

    #[test]
    fn file_names_keep_only_safe_characters() {
        assert_eq!(file_safe("app db/../x"), "app_db____x");
    }

    /// The start of a real listing (pg_restore 15), of a database named `app db`.
    const LISTING: &str = ";\n; Archive created at 2026-12-06 09:00:00 UTC\n;     dbname: app db\n;     TOC Entries: 9\n;     Compression: -1\n;\n; Selected TOC Entries:\n;\n215; 1259 16390 TABLE public things postgres\n";

    #[test]
    fn issue_11_an_archive_of_the_target_database_passes_the_name_check() {
        let settings = ConnectionSettings::for_tcp("db", 5432, "app", "app db");
        assert!(check_archive_database(LISTING, &settings).is_ok());
    }

    #[test]
    fn issue_11_an_archive_of_another_database_is_refused_naming_both() {
        let settings = ConnectionSettings::for_tcp("db", 5432, "app", "app");
        let error = check_archive_database(LISTING, &settings)
            .expect_err("an archive of `app db` is not a backup of `app`");
        assert_eq!(
            error.to_string(),
            "the backup holds database `app db`, not `app`, the database apply would change \
             (postgresql://app@db:5432/app)"
        );
        let error = check_archive_database("; Archive created at x\n", &settings)
            .expect_err("an archive naming no database is refused");
        assert!(
            error
                .to_string()
                .contains("(no database name in the archive)"),
            "{error}"
        );
    }

    #[test]
    fn the_restore_command_is_quoted_and_holds_no_password() {
        let settings = ConnectionSettings::for_tcp("db.example.com", 5432, "app", "shop")
            .with_password("s3cret'pw");
        let command = restore_command(
            Path::new("/usr/lib/postgresql/16/bin/pg_restore"),
            &settings,
            Path::new("/srv/backups/it's here.dump"),
        );
        assert_eq!(
            command,
            "/usr/lib/postgresql/16/bin/pg_restore --clean --if-exists --create --exit-on-error \
             --dbname=postgresql://app@db.example.com:5432/postgres '/srv/backups/it'\\''s here.dump'"
        );
        assert!(!command.contains("s3cret"));
    }
}
