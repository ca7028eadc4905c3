//! The password file (`~/.pgpass`, `PGPASSFILE`): read as libpq reads it, ignored unless
//! private. Leaves when it is consulted (only when no password was given) to
//! `ConnectionSettings::resolve`.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use super::machine::{DEFAULT_SOCKET_DIR, Machine};
use super::{ConnectionSettings, Host, Secret};

impl ConnectionSettings {
    /// Reads the password from the password file (`PGPASSFILE`, else `~/.pgpass`) and
    /// remembers which file was consulted, to hand it on to children. Called only when no
    /// password was given at all, as libpq does.
    pub(super) fn read_password_file(&mut self, environment: &dyn Machine) {
        let password_file = environment
            .var("PGPASSFILE")
            .filter(|path| !path.is_empty())
            .map(PathBuf::from)
            .or_else(|| environment.home_dir().map(|home| home.join(".pgpass")));
        if let Some(password_file) = password_file {
            self.password = password_from_file(&password_file, self).map(Secret);
            self.extras.password_file = Some(password_file);
        }
    }
}

/// Looks the password up in a libpq password file. Follows libpq: the file is ignored unless
/// it is a regular file with no group or other permissions; lines are
/// `host:port:database:user:password`, `*` matches anything, `\` escapes `:` and `\`, and the
/// first matching line wins. For a socket in the default directory the host to match is
/// `localhost`; other socket directories match by their path.
fn password_from_file(path: &Path, settings: &ConnectionSettings) -> Option<String> {
    let metadata = fs::metadata(path).ok()?;
    if !metadata.is_file() || metadata.permissions().mode() & 0o077 != 0 {
        return None;
    }
    let contents = fs::read_to_string(path).ok()?;
    let host = match &settings.host {
        Host::Socket(directory) if directory == Path::new(DEFAULT_SOCKET_DIR) => {
            "localhost".to_string()
        }
        other => other.to_string(),
    };
    let port = settings.port.to_string();
    let wanted = [
        host.as_str(),
        port.as_str(),
        settings.database.as_str(),
        settings.user.as_str(),
    ];
    contents.lines().find_map(|line| {
        if line.is_empty() || line.starts_with('#') {
            return None;
        }
        let fields = split_password_line(line);
        let [host, port, database, user, password] = fields.as_slice() else {
            return None;
        };
        let matches = [host, port, database, user]
            .iter()
            .zip(wanted)
            .all(|(field, value)| field.is_wildcard || field.text == value);
        (matches && !password.text.is_empty()).then(|| password.text.clone())
    })
}

/// One `:`-separated field of a password-file line, unescaped.
struct PasswordFileField {
    text: String,
    /// The field was exactly `*`; an escaped `\*` is a literal star instead.
    is_wildcard: bool,
}

/// Splits a password-file line into at most five fields. As in libpq, an unescaped `:` after
/// the password ends it.
fn split_password_line(line: &str) -> Vec<PasswordFileField> {
    let mut fields = Vec::new();
    let mut raw = String::new();
    let mut text = String::new();
    let mut characters = line.chars();
    loop {
        match characters.next() {
            Some('\\') => {
                raw.push('\\');
                if let Some(escaped) = characters.next() {
                    raw.push(escaped);
                    text.push(escaped);
                }
            }
            separator @ (Some(':') | None) => {
                fields.push(PasswordFileField {
                    is_wildcard: raw == "*",
                    text: std::mem::take(&mut text),
                });
                raw.clear();
                if separator.is_none() || fields.len() == 5 {
                    break;
                }
            }
            Some(c) => {
                raw.push(c);
                text.push(c);
            }
        }
    }
    fields
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use crate::db::connect::machine::DEFAULT_SOCKET_DIR;
    use crate::db::connect::testing::{FakeMachine, check, environment, expect_ok, password_file};

    fn with_password_file(file: &tempfile::NamedTempFile, pairs: &[(&str, &str)]) -> FakeMachine {
        let mut fake = environment(pairs);
        fake.variables.insert(
            "PGPASSFILE".to_string(),
            file.path().to_string_lossy().into_owned(),
        );
        fake
    }

    #[test]
    fn password_file_first_matching_line_wins_with_wildcards_and_escapes() {
        let file = password_file(
            "# comment\n\
             otherhost:*:*:u:wrong\n\
             db\\:1:5432:*:u:pa\\:ss\\\\word\n\
             *:*:*:u:fallback\n",
            0o600,
        );
        let fake = with_password_file(&file, &[]);
        assert_eq!(
            expect_ok(Some("postgresql://u@db%3A1/x"), &fake)
                .password
                .map(|secret| secret.0),
            Some(r"pa:ss\word".to_string())
        );
        assert_eq!(
            expect_ok(Some("postgresql://u@elsewhere/x"), &fake)
                .password
                .map(|secret| secret.0),
            Some("fallback".to_string())
        );
    }

    #[test]
    fn password_file_is_ignored_when_group_or_others_can_read_it() {
        let file = password_file("*:*:*:*:secret\n", 0o644);
        let fake = with_password_file(&file, &[]);
        assert!(!expect_ok(Some("postgresql://u@h/d"), &fake).has_password());
    }

    #[test]
    fn password_file_is_not_read_when_a_password_was_given() {
        let file = password_file("*:*:*:*:from-file\n", 0o600);
        let fake = with_password_file(&file, &[("PGPASSWORD", "from-env")]);
        assert_eq!(
            check(Some("postgresql://u@h/d"), &fake),
            "postgresql://u@h:5432/d password=from-env app=-"
        );
    }

    #[test]
    fn default_socket_directory_matches_localhost_in_password_file() {
        let file = password_file("localhost:5432:*:u:socket-secret\n", 0o600);
        let mut fake = with_password_file(&file, &[("PGUSER", "u")]);
        fake.socket_dir = Some(PathBuf::from(DEFAULT_SOCKET_DIR));
        assert_eq!(
            expect_ok(None, &fake).password.map(|secret| secret.0),
            Some("socket-secret".to_string())
        );
    }

    #[test]
    fn escaped_star_matches_only_a_literal_star() {
        let file = password_file("\\*:*:*:*:literal\n", 0o600);
        let fake = with_password_file(&file, &[]);
        assert!(!expect_ok(Some("postgresql://u@h/d"), &fake).has_password());
    }
}
