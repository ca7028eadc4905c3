//! Connection service files (`pg_service.conf`): finding the service a connection string or
//! `PGSERVICE` names, in the user's file or the system's, and reading its group as libpq does.
//! Leaves the precedence between a service and the other sources to
//! `ConnectionSettings::resolve`.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use super::fields::Fields;
use super::machine::Machine;
use crate::db::error::DbError;

/// The settings of connection service `name`, found as libpq's `parseServiceInfo` finds
/// them: in `PGSERVICEFILE` (which must then exist) or else `~/.pg_service.conf` (if it
/// exists); only when the service is not there, in `pg_service.conf` of `PGSYSCONFDIR` (else
/// the system folder). Not found anywhere is an error, as in libpq.
pub(super) fn fields_from_service(
    name: &str,
    environment: &dyn Machine,
) -> Result<Fields, DbError> {
    let mut searched = Vec::new();
    let user_file = match environment
        .var("PGSERVICEFILE")
        .filter(|path| !path.is_empty())
    {
        Some(path) => Some(PathBuf::from(path)),
        None => environment
            .home_dir()
            .map(|home| home.join(".pg_service.conf"))
            .filter(|path| fs::metadata(path).is_ok()),
    };
    if let Some(path) = user_file {
        let text = fs::read_to_string(&path).map_err(|error| DbError::ServiceFile {
            path: path.clone(),
            problem: format!("it cannot be read: {error}"),
        })?;
        if let Some(fields) = service_in_file(&text, name, &path)? {
            return Ok(fields);
        }
        searched.push(path);
    }
    let system_folder = environment
        .var("PGSYSCONFDIR")
        .filter(|path| !path.is_empty())
        .map(PathBuf::from)
        .or_else(|| environment.default_sysconf_dir());
    if let Some(folder) = system_folder {
        let path = folder.join("pg_service.conf");
        if fs::metadata(&path).is_ok() {
            let text = fs::read_to_string(&path).map_err(|error| DbError::ServiceFile {
                path: path.clone(),
                problem: format!("it cannot be read: {error}"),
            })?;
            if let Some(fields) = service_in_file(&text, name, &path)? {
                return Ok(fields);
            }
        }
        searched.push(path);
    }
    Err(DbError::ServiceNotFound {
        service: name.to_string(),
        searched: if searched.is_empty() {
            "no service file: neither PGSERVICEFILE, ~/.pg_service.conf nor PGSYSCONFDIR"
                .to_string()
        } else {
            searched
                .iter()
                .map(|path| path.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        },
    })
}

/// The settings of group `[name]` in a service file's `text`, or `None` when it has no such
/// group. Read as libpq reads it: blank lines and `#` comments skipped, whitespace around a
/// line ignored (not around `=`), the group ending at the next `[…]` line, and within a group
/// the first value of a keyword kept. `service=` inside a group, LDAP lines and keywords this
/// tool does not support are errors naming the line.
fn service_in_file(text: &str, name: &str, path: &Path) -> Result<Option<Fields>, DbError> {
    let problem_at = |line: usize, problem: String| DbError::ServiceFile {
        path: path.to_path_buf(),
        problem: format!("line {line}: {problem}"),
    };
    let mut fields = Fields::default();
    let mut seen = BTreeSet::new();
    let mut in_group = false;
    let mut found = false;
    for (index, raw) in text.lines().enumerate() {
        let line_number = index + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if line.starts_with('[') {
            if found {
                break;
            }
            in_group = line
                .strip_prefix('[')
                .and_then(|rest| rest.strip_prefix(name))
                .is_some_and(|rest| rest.starts_with(']'));
            found = in_group;
            continue;
        }
        if !in_group {
            continue;
        }
        if line.starts_with("ldap") {
            return Err(problem_at(
                line_number,
                "LDAP lookups are not supported by this tool".to_string(),
            ));
        }
        let Some((keyword, value)) = line.split_once('=') else {
            return Err(problem_at(
                line_number,
                "syntax error: expected keyword=value".to_string(),
            ));
        };
        if keyword == "service" {
            return Err(problem_at(
                line_number,
                "nested service specifications are not supported".to_string(),
            ));
        }
        if !seen.insert(keyword.to_string()) {
            continue;
        }
        let origin = format!("service `{name}` ({}, line {line_number})", path.display());
        fields
            .set(keyword, value.to_string(), &origin)
            .map_err(|problem| problem_at(line_number, format!("`{keyword}`: {problem}")))?;
    }
    Ok(found.then_some(fields))
}

#[cfg(test)]
mod tests {
    use std::fs;

    use crate::db::connect::testing::{
        FakeMachine, check, environment, expect_error, expect_ok, password_file,
    };

    /// A service file in a temporary folder.
    fn service_file(contents: &str) -> tempfile::NamedTempFile {
        password_file(contents, 0o644)
    }

    fn with_service_file(file: &tempfile::NamedTempFile, pairs: &[(&str, &str)]) -> FakeMachine {
        let mut fake = environment(pairs);
        fake.variables.insert(
            "PGSERVICEFILE".to_string(),
            file.path().to_string_lossy().into_owned(),
        );
        fake
    }

    const SERVICES: &str = "# services\n\
        [other]\n\
        dbname=other\n\
        \n\
        [app]\n\
        host=svchost\n\
          port=6001\n\
        user=svcuser\n\
        dbname=svcdb\n\
        dbname=ignored\n\
        password=svcsecret\n\
        options=-c search_path=app\n\
        [app2]\n\
        dbname=app2\n";

    #[test]
    fn issue_11_a_service_fills_what_the_url_leaves_and_outranks_the_environment() {
        let file = service_file(SERVICES);
        let fake = with_service_file(
            &file,
            &[
                ("PGSERVICE", "app"),
                ("PGHOST", "envhost"),
                ("PGPORT", "7000"),
                ("PGDATABASE", "envdb"),
                ("PGSSLMODE", "require"),
                ("PGAPPNAME", "envapp"),
            ],
        );
        // The URL's values first, then the service's (the first dbname in the group), then
        // the variables for what neither gives (sslmode, application_name).
        assert_eq!(
            check(Some("postgresql://urluser@/?port=5999"), &fake),
            "postgresql://urluser@svchost:5999/svcdb?sslmode=require&options=-c%20search_path%3Dapp password=svcsecret app=envapp"
        );
        // With nothing else, the service alone decides.
        let alone = with_service_file(&file, &[("PGSERVICE", "app")]);
        let settings = expect_ok(None, &alone);
        assert_eq!(
            settings.to_string(),
            "postgresql://svcuser@svchost:6001/svcdb?options=-c%20search_path%3Dapp"
        );
        assert_eq!(settings.options(), Some("-c search_path=app"));
    }

    #[test]
    fn issue_11_a_service_named_in_the_url_wins_over_pgservice() {
        let file = service_file(SERVICES);
        let fake = with_service_file(&file, &[("PGSERVICE", "app")]);
        assert_eq!(expect_ok(Some("service=app2"), &fake).database(), "app2");
        assert_eq!(
            expect_ok(Some("postgresql://h?service=app2"), &fake).database(),
            "app2"
        );
    }

    #[test]
    fn issue_11_the_user_service_file_hides_the_system_one_only_for_services_it_defines() {
        let system = tempfile::tempdir().expect("a system folder");
        fs::write(
            system.path().join("pg_service.conf"),
            "[app]\ndbname=from_system\n[system_only]\ndbname=system_only\n",
        )
        .expect("write the system file");
        let home = tempfile::tempdir().expect("a home");
        fs::write(
            home.path().join(".pg_service.conf"),
            "[app]\ndbname=from_home\n",
        )
        .expect("write ~/.pg_service.conf");
        let mut fake = environment(&[("PGSERVICE", "app")]);
        fake.home = Some(home.path().to_path_buf());
        fake.sysconf_dir = Some(system.path().to_path_buf());
        assert_eq!(expect_ok(None, &fake).database(), "from_home");
        fake.variables
            .insert("PGSERVICE".to_string(), "system_only".to_string());
        assert_eq!(expect_ok(None, &fake).database(), "system_only");
        // PGSYSCONFDIR replaces the compiled-in folder.
        let elsewhere = tempfile::tempdir().expect("another folder");
        fs::write(
            elsewhere.path().join("pg_service.conf"),
            "[system_only]\ndbname=from_pgsysconfdir\n",
        )
        .expect("write");
        fake.variables.insert(
            "PGSYSCONFDIR".to_string(),
            elsewhere.path().to_string_lossy().into_owned(),
        );
        assert_eq!(expect_ok(None, &fake).database(), "from_pgsysconfdir");
        // PGSERVICEFILE replaces ~/.pg_service.conf.
        let file = service_file("[app]\ndbname=from_pgservicefile\n");
        fake.variables
            .insert("PGSERVICE".to_string(), "app".to_string());
        fake.variables.insert(
            "PGSERVICEFILE".to_string(),
            file.path().to_string_lossy().into_owned(),
        );
        assert_eq!(expect_ok(None, &fake).database(), "from_pgservicefile");
    }

    #[test]
    fn issue_11_service_problems_are_errors_naming_the_file_and_line() {
        let file = service_file(SERVICES);
        let error = expect_error(None, &with_service_file(&file, &[("PGSERVICE", "nope")]));
        assert_eq!(
            error,
            format!(
                "the connection service `nope` is not defined in {}",
                file.path().display()
            )
        );
        let missing = with_service_file(&file, &[("PGSERVICE", "app")]);
        let mut missing = missing;
        missing.variables.insert(
            "PGSERVICEFILE".to_string(),
            "/nonexistent/pg_service.conf".to_string(),
        );
        let error = expect_error(None, &missing);
        assert!(
            error.starts_with(
                "the connection service file /nonexistent/pg_service.conf cannot be used: it cannot be read"
            ),
            "{error}"
        );
        for (contents, expected) in [
            (
                "[app]\nservice=other\n",
                "line 2: nested service specifications are not supported",
            ),
            (
                "[app]\nhost\n",
                "line 2: syntax error: expected keyword=value",
            ),
            (
                "[app]\nhost =x\n",
                "line 2: `host `: it names a parameter this tool does not support",
            ),
            (
                "[app]\ntarget_session_attrs=any\n",
                "line 2: `target_session_attrs`",
            ),
            (
                "[app]\nldap://ldap.example.com/x\n",
                "line 2: LDAP lookups are not supported",
            ),
        ] {
            let file = service_file(contents);
            let error = expect_error(None, &with_service_file(&file, &[("PGSERVICE", "app")]));
            assert!(error.contains(expected), "{contents:?}: {error}");
        }
        let file = service_file("[app]\nport=http\n");
        let error = expect_error(None, &with_service_file(&file, &[("PGSERVICE", "app")]));
        assert!(
            error.starts_with(&format!(
                "port in service `app` ({}, line 2) is invalid",
                file.path().display()
            )),
            "{error}"
        );
    }
}
