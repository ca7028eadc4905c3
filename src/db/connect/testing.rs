//! Test helpers shared by the files of `connect`: a fake [`Machine`] and resolving
//! settings from it as text.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

use super::{ConnectionSettings, Machine};

/// A fake environment: variables from a map, a fixed OS user and home.
pub(super) struct FakeMachine {
    pub(super) variables: BTreeMap<String, String>,
    pub(super) socket_dir: Option<PathBuf>,
    pub(super) home: Option<PathBuf>,
    pub(super) sysconf_dir: Option<PathBuf>,
}

pub(super) fn environment(pairs: &[(&str, &str)]) -> FakeMachine {
    FakeMachine {
        variables: pairs
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect(),
        socket_dir: None,
        home: None,
        sysconf_dir: None,
    }
}

impl Machine for FakeMachine {
    fn var(&self, name: &str) -> Option<String> {
        self.variables.get(name).cloned()
    }
    fn os_user(&self) -> Option<String> {
        Some("osuser".to_string())
    }
    fn home_dir(&self) -> Option<PathBuf> {
        self.home.clone()
    }
    fn default_socket_dir(&self) -> Option<PathBuf> {
        self.socket_dir.clone()
    }
    fn default_sysconf_dir(&self) -> Option<PathBuf> {
        self.sysconf_dir.clone()
    }
}

/// Resolves and renders the settings as one line of text, including whether a password
/// was found and what it is, so tests compare text to text.
pub(super) fn check(url: Option<&str>, environment: &FakeMachine) -> String {
    let settings = expect_ok(url, environment);
    let password = settings
        .password
        .as_ref()
        .map_or("none".to_string(), |secret| secret.0.clone());
    format!(
        "{settings} password={password} app={}",
        settings.application_name().unwrap_or("-")
    )
}

pub(super) fn expect_ok(url: Option<&str>, environment: &FakeMachine) -> ConnectionSettings {
    match ConnectionSettings::resolve(url, environment) {
        Ok(settings) => settings,
        Err(error) => panic!("expected settings, got error: {error}"),
    }
}

pub(super) fn expect_error(url: Option<&str>, environment: &FakeMachine) -> String {
    match ConnectionSettings::resolve(url, environment) {
        Ok(settings) => panic!("expected an error, got {settings}"),
        Err(error) => error.to_string(),
    }
}

pub(super) fn password_file(contents: &str, mode: u32) -> tempfile::NamedTempFile {
    let mut file = tempfile::NamedTempFile::new().expect("temp file");
    file.write_all(contents.as_bytes()).expect("write pgpass");
    fs::set_permissions(file.path(), fs::Permissions::from_mode(mode)).expect("chmod");
    file
}
