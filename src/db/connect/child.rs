//! Child processes (pg_dump, pg_restore, a `command` step): pointing one at exactly the
//! database resolved, with no inherited `PG*` variable beside the resolved ones and the
//! password only in `PGPASSWORD`; and scrubbing the password from what a child printed.
//! Leaves running the child to its caller.

use std::process::Command;

use super::url::{lowercase_escapes, percent_encode};
use super::{ConnectionSettings, PASSWORD_MASK, Secret};

impl ConnectionSettings {
    /// Points a child process (`pg_dump`, `pg_restore`, a `command` step) at exactly this
    /// database: every `PG*` variable it would inherit from us is removed, with
    /// `DATABASE_URL`, and each resolved setting is set as its `PG*` variable. Otherwise libpq
    /// in the child would let an inherited `PGSERVICE` (or `PGHOSTADDR`, `PGOPTIONS`, …)
    /// override what we set. The password travels only here (`PGPASSWORD`), never on a
    /// command line. Call it before adding the child's own variables.
    pub(crate) fn configure_child(&self, command: &mut Command) {
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("PG") {
                command.env_remove(&name);
            }
        }
        command.env_remove("DATABASE_URL");
        command.envs(self.child_variables());
    }

    /// `text` (what a child printed) with the password, and its URL-encoded forms, replaced by
    /// `PASSWORD_MASK`. Children get the password in their environment, and a failing one
    /// may print it; nothing it printed is repeated without passing through here.
    pub(crate) fn scrub(&self, text: &str) -> String {
        let Some(Secret(password)) = &self.password else {
            return text.to_string();
        };
        if password.is_empty() {
            return text.to_string();
        }
        let encoded = percent_encode(password);
        // `%2f` decodes like `%2F`: lowercase escapes are the other usual spelling.
        let lowercase_escapes = lowercase_escapes(&encoded);
        let mut forms: Vec<&str> = Vec::new();
        for form in [password.as_str(), &encoded, &lowercase_escapes] {
            if !forms.contains(&form) {
                forms.push(form);
            }
        }
        // Longest first, so that a form containing another is masked whole.
        forms.sort_by_key(|form| std::cmp::Reverse(form.len()));
        let mut scrubbed = text.to_string();
        for form in forms {
            scrubbed = scrubbed.replace(form, PASSWORD_MASK);
        }
        scrubbed
    }

    /// The variables [`ConnectionSettings::configure_child`] sets: each resolved setting as
    /// libpq's variable for it.
    fn child_variables(&self) -> Vec<(String, String)> {
        let mut variables = vec![
            ("PGHOST".to_string(), self.host.to_string()),
            ("PGPORT".to_string(), self.port.to_string()),
            ("PGUSER".to_string(), self.user.clone()),
            ("PGDATABASE".to_string(), self.database.clone()),
            ("PGSSLMODE".to_string(), self.ssl_mode.as_str().to_string()),
        ];
        if let Some(password) = &self.password {
            variables.push(("PGPASSWORD".to_string(), password.0.clone()));
        }
        let paths = [
            ("PGSSLROOTCERT", &self.ssl_root_cert),
            ("PGSSLCERT", &self.extras.ssl_cert),
            ("PGSSLKEY", &self.extras.ssl_key),
            ("PGPASSFILE", &self.extras.password_file),
        ];
        for (name, path) in paths {
            if let Some(path) = path {
                variables.push((name.to_string(), path.to_string_lossy().into_owned()));
            }
        }
        if let Some(application_name) = &self.application_name {
            variables.push(("PGAPPNAME".to_string(), application_name.clone()));
        }
        if let Some(options) = &self.extras.options {
            variables.push(("PGOPTIONS".to_string(), options.clone()));
        }
        if let Some(timeout) = self.connect_timeout {
            // libpq counts whole seconds and reads 0 as "no limit": round up, never to 0.
            let seconds = timeout.as_secs() + u64::from(timeout.subsec_nanos() > 0);
            variables.push(("PGCONNECT_TIMEOUT".to_string(), seconds.max(1).to_string()));
        }
        variables
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::connect::testing::{environment, expect_ok};

    /// What `configure_child` does to a command: `NAME=value` for what it sets, `-NAME` for
    /// what it removes, sorted.
    fn child_environment(settings: &ConnectionSettings) -> Vec<String> {
        let mut command = Command::new("true");
        settings.configure_child(&mut command);
        let mut rendered: Vec<String> = command
            .get_envs()
            .map(|(name, value)| match value {
                Some(value) => format!("{}={}", name.to_string_lossy(), value.to_string_lossy()),
                None => format!("-{}", name.to_string_lossy()),
            })
            .collect();
        rendered.sort();
        rendered
    }

    #[test]
    fn issue_11_a_child_gets_every_resolved_setting_and_no_inherited_connection() {
        let settings = expect_ok(
            Some(
                "postgresql://u:hunter2@h:6000/d?sslmode=verify-full&sslrootcert=/ca.pem\
                 &sslcert=/c.crt&sslkey=/c.key&options=-c%20search_path%3Dapp\
                 &application_name=app&connect_timeout=7",
            ),
            &environment(&[]),
        );
        let rendered = child_environment(&settings);
        // Whatever PG* variables this test process has, each is removed or replaced.
        for (name, _) in std::env::vars_os() {
            let name = name.to_string_lossy();
            if name.starts_with("PG") {
                assert!(
                    rendered
                        .iter()
                        .any(|line| line == &format!("-{name}")
                            || line.starts_with(&format!("{name}="))),
                    "{name} is inherited: {rendered:?}"
                );
            }
        }
        let set: Vec<&String> = rendered
            .iter()
            .filter(|line| !line.starts_with('-'))
            .collect();
        assert_eq!(
            set,
            [
                "PGAPPNAME=app",
                "PGCONNECT_TIMEOUT=7",
                "PGDATABASE=d",
                "PGHOST=h",
                "PGOPTIONS=-c search_path=app",
                "PGPASSWORD=hunter2",
                "PGPORT=6000",
                "PGSSLCERT=/c.crt",
                "PGSSLKEY=/c.key",
                "PGSSLMODE=verify-full",
                "PGSSLROOTCERT=/ca.pem",
                "PGUSER=u",
            ]
        );
        assert!(
            rendered.contains(&"-DATABASE_URL".to_string()),
            "{rendered:?}"
        );
        // The default timeout reaches children too; a timeout of 0 (no limit) sets none.
        let default = expect_ok(Some("postgresql://u@h/d"), &environment(&[]));
        assert!(child_environment(&default).contains(&"PGCONNECT_TIMEOUT=10".to_string()));
        let unlimited = expect_ok(
            Some("postgresql://u@h/d?connect_timeout=0"),
            &environment(&[]),
        );
        assert!(
            !child_environment(&unlimited)
                .iter()
                .any(|line| line.starts_with("PGCONNECT_TIMEOUT="))
        );
    }

    #[test]
    fn issue_11_scrub_masks_the_password_and_its_url_encoded_forms() {
        let settings = expect_ok(
            Some("postgresql://u:p%40ss%2Fw%C3%B6rd@h/d"),
            &environment(&[]),
        );
        let printed =
            "raw p@ss/wörd; url postgresql://u:p%40ss%2Fw%C3%B6rd@h/d; lower p%40ss%2fw%c3%b6rd";
        assert_eq!(
            settings.scrub(printed),
            "raw <redacted>; url postgresql://u:<redacted>@h/d; lower <redacted>"
        );
        let without = expect_ok(Some("postgresql://u@h/d"), &environment(&[]));
        assert_eq!(without.scrub(printed), printed);
    }
}
