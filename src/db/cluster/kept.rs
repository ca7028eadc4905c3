//! [`KeptCluster`]: a scratch cluster left running after this process ends (`plan apply
//! --scratch --keep`), with what the person who kept it needs: settings to reach it and the
//! exact shell command that stops it and deletes its files. Letting go of the cluster (the
//! watchdog dismissed, the directory no longer deleted) is `scratch`'s `ScratchCluster::keep`.

use std::path::{Path, PathBuf};

use crate::db::connect::ConnectionSettings;

/// A cluster nobody in this process owns any more: no watchdog, no `Drop`. It runs until
/// someone runs [`KeptCluster::stop_command`].
#[derive(Debug)]
pub(crate) struct KeptCluster {
    directory: PathBuf,
    socket_dir: PathBuf,
    port: u16,
    superuser: String,
    stop_command: String,
}

/// Where a kept cluster lives and how its server was run, as `ScratchCluster::keep` hands it
/// over.
pub(crate) struct KeptParts<'a> {
    pub(crate) bindir: &'a Path,
    pub(crate) directory: &'a Path,
    pub(crate) data_dir: &'a Path,
    pub(crate) socket_dir: &'a Path,
    pub(crate) port: u16,
    pub(crate) superuser: &'a str,
    /// The OS user the server runs as when it is not us (we are root); `pg_ctl` refuses to
    /// run as root, so the stop command switches to that user.
    pub(crate) server_os_user: Option<&'a str>,
}

impl KeptCluster {
    pub(crate) fn new(parts: &KeptParts<'_>) -> KeptCluster {
        KeptCluster {
            directory: parts.directory.to_path_buf(),
            socket_dir: parts.socket_dir.to_path_buf(),
            port: parts.port,
            superuser: parts.superuser.to_string(),
            stop_command: stop_command(parts),
        }
    }

    /// Settings for connecting as the superuser to `database` over the private socket.
    pub(crate) fn settings_for(&self, database: &str) -> ConnectionSettings {
        ConnectionSettings::for_socket(&self.socket_dir, self.port, &self.superuser, database)
    }

    /// The directory holding everything (data, socket, log).
    pub(crate) fn directory(&self) -> &Path {
        &self.directory
    }

    /// A shell command line that stops the server (`pg_ctl stop`, which waits until it has
    /// exited) and then deletes the directory, to be pasted as printed.
    pub(crate) fn stop_command(&self) -> &str {
        &self.stop_command
    }
}

/// `pg_ctl -D DATA stop && rm -rf -- DIRECTORY`, with `pg_ctl` run as the server's OS user
/// when that is not us.
fn stop_command(parts: &KeptParts<'_>) -> String {
    let pg_ctl = format!(
        "{} -D {} stop",
        shell_quote(&parts.bindir.join("pg_ctl").to_string_lossy()),
        shell_quote(&parts.data_dir.to_string_lossy())
    );
    let stop = match parts.server_os_user {
        // `-s /bin/sh`: the account's own shell may be nologin. `cd /`: pg_ctl complains when
        // it cannot enter the current directory, which root's usually is to that user.
        Some(user) => format!(
            "su {} -s /bin/sh -c {}",
            shell_quote(user),
            shell_quote(&format!("cd / && {pg_ctl}"))
        ),
        None => pg_ctl,
    };
    format!(
        "{stop} && rm -rf -- {}",
        shell_quote(&parts.directory.to_string_lossy())
    )
}

/// Quotes `text` for a POSIX shell: left as it is when it holds only characters no shell
/// treats specially, else in single quotes (a `'` inside written `'\''`).
pub(crate) fn shell_quote(text: &str) -> String {
    let plain =
        |character: char| character.is_ascii_alphanumeric() || "_-./=:,+@%".contains(character);
    if !text.is_empty() && text.chars().all(plain) {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_quote(input: &str, expect: &str) {
        assert_eq!(shell_quote(input), expect, "quoting {input:?}");
    }

    fn check_stop(server_os_user: Option<&str>, directory: &str, expect: &str) {
        let directory = Path::new(directory);
        let parts = KeptParts {
            bindir: Path::new("/usr/lib/postgresql/16/bin"),
            directory,
            data_dir: &directory.join("data"),
            socket_dir: &directory.join("socket"),
            port: 5432,
            superuser: "postgres",
            server_os_user,
        };
        assert_eq!(KeptCluster::new(&parts).stop_command(), expect);
    }

    #[test]
    fn shell_quoting_leaves_plain_words_and_quotes_the_rest() {
        check_quote("/tmp/plan-scratch-a1B2/data", "/tmp/plan-scratch-a1B2/data");
        check_quote("", "''");
        check_quote("/tmp/my dir", "'/tmp/my dir'");
        check_quote("a?b&c", "'a?b&c'");
        check_quote("it's", r"'it'\''s'");
    }

    #[test]
    fn the_stop_command_runs_pg_ctl_then_removes_the_directory() {
        check_stop(
            None,
            "/tmp/plan-scratch-x",
            "/usr/lib/postgresql/16/bin/pg_ctl -D /tmp/plan-scratch-x/data stop \
             && rm -rf -- /tmp/plan-scratch-x",
        );
    }

    #[test]
    fn as_root_the_stop_command_runs_pg_ctl_as_the_server_user() {
        check_stop(
            Some("postgres"),
            "/tmp/plan scratch",
            "su postgres -s /bin/sh -c 'cd / && /usr/lib/postgresql/16/bin/pg_ctl -D \
             '\\''/tmp/plan scratch/data'\\'' stop' && rm -rf -- '/tmp/plan scratch'",
        );
    }
}
