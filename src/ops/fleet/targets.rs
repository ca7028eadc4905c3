//! Which targets a fleet run goes to: plan.yaml's `fleets: NAME: databases:` list and the rows
//! of its `query:` on its `control:` database, or a `--targets FILE` (one connection string per
//! line); `${VAR}` expanded from the environment, each string resolved as `--database-url` is
//! (the `PG*` variables, the service file and `.pgpass` fill in what it leaves out). With
//! `schemas:`, each database's schemas that query lists are the targets instead: migrations run
//! with `search_path` set to the schema and the ledger is `<schema>.plan_migrations`. Each
//! target is named `host:port/db[/schema]`, a name that never holds a user or a password.

use std::path::Path;
use std::sync::Mutex;

use miette::Diagnostic;

use super::workers::each_index;
use crate::db::connect::Machine;
use crate::db::{ConnectionSettings, DbError, Session, Target, quote_identifier};
use crate::diagnostic::{Classified, ErrorClass};
use crate::project::{Fleet, Project};

/// The ledger table of a schema-per-tenant target, in its schema.
pub(crate) const SCHEMA_LEDGER_TABLE: &str = "plan_migrations";

/// One target of a fleet: a database, or a schema in one.
#[derive(Clone, Debug)]
pub(crate) struct FleetTarget {
    /// `host:port/db` or `host:port/db/schema`, without user or password.
    pub(crate) name: String,
    /// How to reach it (for a schema, with its `search_path`).
    pub(crate) settings: ConnectionSettings,
    /// How to reach its database, without a schema's `search_path`: the schema targets of
    /// one database share it, so `status` reads their ledgers over one connection.
    pub(crate) database: ConnectionSettings,
    /// The schema of a schema-per-tenant target.
    pub(crate) schema: Option<String>,
    /// Why the target is known to be out of reach already: its database could not be asked
    /// for its schemas.
    pub(crate) unreachable: Option<String>,
}

impl FleetTarget {
    /// A whole database.
    fn database(settings: ConnectionSettings) -> FleetTarget {
        FleetTarget {
            name: target_name(&settings),
            database: settings.clone(),
            settings,
            schema: None,
            unreachable: None,
        }
    }

    /// Where plan keeps its state for this target: the project's tracking table in a
    /// database; `<schema>.plan_migrations` for a schema (so each schema has its own ledger
    /// and lock).
    pub(crate) fn plan_target(&self, project: &Project) -> Target {
        match &self.schema {
            Some(schema) => {
                crate::engine::schema_target(project, &self.settings, schema, SCHEMA_LEDGER_TABLE)
            }
            None => crate::engine::target(project, &self.settings),
        }
    }
}

/// A fleet's list of targets that cannot be read: exit 2, nothing run.
#[derive(Debug, thiserror::Error, Diagnostic)]
pub(crate) enum TargetsProblem {
    /// `--fleet NAME` names no fleet of plan.yaml.
    #[error("plan.yaml has no fleet `{name}`")]
    #[diagnostic(code(plan::fleet::unknown), help("{help}"))]
    UnknownFleet {
        /// The name asked for.
        name: String,
        /// The fleets there are, or how to declare one.
        help: String,
    },
    /// The `--targets` file cannot be read.
    #[error("cannot read the targets file {path}: {reason}")]
    #[diagnostic(
        code(plan::fleet::targets_file),
        help(
            "give a file with one connection string per line (blank lines and # comments are skipped)"
        )
    )]
    Unreadable {
        /// The file.
        path: String,
        /// The operating system's reason.
        reason: String,
    },
    /// A `${VAR}` that the environment does not set.
    #[error("{place} uses ${{{variable}}}, which is not set")]
    #[diagnostic(
        code(plan::fleet::unset_variable),
        help("set {variable} in the environment, or write the value in place")
    )]
    UnsetVariable {
        /// Which database of which list.
        place: String,
        /// The variable's name.
        variable: String,
    },
    /// A `${` without its `}`.
    #[error("{place} has a `${{` without its closing `}}`")]
    #[diagnostic(
        code(plan::fleet::unset_variable),
        help("write environment variables as ${{NAME}}")
    )]
    Unclosed {
        /// Which database of which list.
        place: String,
    },
    /// A connection string that does not resolve (its text is not shown: it may hold a password).
    #[error(transparent)]
    #[diagnostic(transparent)]
    Settings(DbError),
    /// The control database could not be asked for the fleet's databases.
    #[error("fleet `{fleet}`: its query on the control database failed: {error}")]
    #[diagnostic(
        code(plan::fleet::control),
        help(
            "check `control:` and `query:` in plan.yaml: the query's first column must be a connection string per database"
        )
    )]
    Control {
        /// The fleet.
        fleet: String,
        /// What went wrong, without the connection string.
        error: DbError,
    },
    /// A list with no target in it.
    #[error("{what} lists no database")]
    #[diagnostic(code(plan::fleet::empty), help("{help}"))]
    Empty {
        /// The file or fleet.
        what: String,
        /// What a list of databases looks like where this one is.
        help: &'static str,
    },
    /// A fleet whose `schemas:` query found no schema in any of its databases: a run over
    /// nothing, which would end "up to date" whatever the query's mistake.
    #[error("fleet `{fleet}`: its `schemas:` query found no schema in {databases}")]
    #[diagnostic(
        code(plan::fleet::empty),
        help(
            "check `schemas:` in plan.yaml: each row's first column is a schema to apply to; nothing was run"
        )
    )]
    NoSchemas {
        /// The fleet.
        fleet: String,
        /// How many databases were asked, in words.
        databases: String,
    },
}

/// In the input, nothing run; but a control database that does not answer is a failure.
impl Classified for TargetsProblem {
    fn class(&self) -> ErrorClass {
        match self {
            TargetsProblem::Control { .. } => ErrorClass::Failed,
            _ => ErrorClass::InvalidInput,
        }
    }
}

/// The targets of plan.yaml's fleet `name`, resolved on `machine`: its databases in the order
/// listed, then those its query returns in the order returned; with `schemas:`, each
/// database's schemas instead of it (asked `parallel` databases at a time).
pub(crate) fn fleet_targets(
    name: &str,
    fleet: &Fleet,
    machine: &dyn Machine,
    parallel: usize,
) -> Result<Vec<FleetTarget>, TargetsProblem> {
    let place = |index: usize| format!("fleet `{name}`, database {}", index + 1);
    let mut databases = fleet
        .databases
        .iter()
        .enumerate()
        .map(|(index, written)| resolve(written, &place(index), machine))
        .collect::<Result<Vec<_>, _>>()?;
    if let Some(query) = &fleet.query {
        let control = resolve(&query.control, &format!("fleet `{name}`, control"), machine)?;
        let listed =
            list(&control.settings, &query.sql, "list the fleet's databases").map_err(|error| {
                TargetsProblem::Control {
                    fleet: name.to_string(),
                    error,
                }
            })?;
        for (index, text) in listed.iter().enumerate() {
            let place = format!("fleet `{name}`, row {} of its query", index + 1);
            let settings = ConnectionSettings::resolve(Some(text), machine)
                .map_err(|error| said_of(error, &place))?;
            databases.push(FleetTarget::database(settings));
        }
    }
    if databases.is_empty() {
        return Err(TargetsProblem::Empty {
            what: format!("fleet `{name}`"),
            help: "give the fleet `databases:`, or a `query:` (run on `control:`) that returns one connection string per row",
        });
    }
    let Some(sql) = &fleet.schemas else {
        return Ok(databases);
    };
    let targets = schema_targets(&databases, sql, parallel);
    if targets.is_empty() {
        return Err(TargetsProblem::NoSchemas {
            fleet: name.to_string(),
            databases: match databases.len() {
                1 => "its database".to_string(),
                count => format!("any of its {count} databases"),
            },
        });
    }
    Ok(targets)
}

/// Each database's schemas that `sql` lists, as targets; a database that cannot be asked is
/// one `unreachable` target.
fn schema_targets(databases: &[FleetTarget], sql: &str, parallel: usize) -> Vec<FleetTarget> {
    let found: Mutex<Vec<Vec<FleetTarget>>> = Mutex::new(vec![Vec::new(); databases.len()]);
    each_index(0..databases.len(), parallel, &|| false, &|index| {
        let database = &databases[index];
        let targets = match list(&database.settings, sql, "list the schemas of the fleet") {
            Ok(schemas) => schemas
                .into_iter()
                .map(|schema| FleetTarget {
                    name: format!("{}/{schema}", database.name),
                    settings: database
                        .settings
                        .with_server_option(&search_path_option(&schema)),
                    database: database.settings.clone(),
                    schema: Some(schema),
                    unreachable: None,
                })
                .collect(),
            Err(error) => vec![FleetTarget {
                unreachable: Some(match error {
                    DbError::Connect { detail, .. } => detail,
                    other => other.to_string(),
                }),
                ..database.clone()
            }],
        };
        if let Ok(mut found) = found.lock() {
            found[index] = targets;
        }
    });
    found.into_inner().unwrap_or_default().concat()
}

/// The first column of each row `sql` returns at `settings`, nulls left out.
fn list(settings: &ConnectionSettings, sql: &str, action: &str) -> Result<Vec<String>, DbError> {
    let mut session = Session::connect(settings)?;
    let rows = session
        .query_texts(sql, &[])
        .map_err(|error| session.error(action, &error))?;
    let _ = session.close();
    Ok(rows
        .into_iter()
        .filter_map(|row| row.into_iter().next().flatten())
        .collect())
}

/// `-c search_path=<schema>`, quoted for the server and escaped for the options string (where
/// any whitespace the server's `isspace` knows, a tab or a newline as well as a space,
/// separates options unless a backslash precedes it). The server keeps the quoted name as its
/// `search_path`, which apply checks (`Session::require_search_path`) before it runs anything.
fn search_path_option(schema: &str) -> String {
    let quoted = quote_identifier(schema);
    let mut escaped = String::with_capacity(quoted.len());
    for character in quoted.chars() {
        if character == '\\' || matches!(character, ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c') {
            escaped.push('\\');
        }
        escaped.push(character);
    }
    format!("-c search_path={escaped}")
}

/// The targets of a `--targets` file: one connection string per line, blank lines and lines
/// starting with `#` skipped.
pub(crate) fn file_targets(
    path: &Path,
    machine: &dyn Machine,
) -> Result<Vec<FleetTarget>, TargetsProblem> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|error| TargetsProblem::Unreadable {
        path: shown.clone(),
        reason: error.to_string(),
    })?;
    let targets = text
        .lines()
        .enumerate()
        .filter(|(_, line)| {
            let line = line.trim();
            !line.is_empty() && !line.starts_with('#')
        })
        .map(|(number, line)| {
            resolve(
                line.trim(),
                &format!("{shown} line {}", number + 1),
                machine,
            )
        })
        .collect::<Result<Vec<_>, _>>()?;
    if targets.is_empty() {
        return Err(TargetsProblem::Empty {
            what: shown,
            help: "give one connection string per line",
        });
    }
    Ok(targets)
}

/// One connection string, expanded and resolved; `place` says where it was written.
fn resolve(
    written: &str,
    place: &str,
    machine: &dyn Machine,
) -> Result<FleetTarget, TargetsProblem> {
    let expanded = expand(written, place, &|name| machine.var(name))?;
    let settings = ConnectionSettings::resolve(Some(&expanded), machine)
        .map_err(|error| said_of(error, place))?;
    Ok(FleetTarget::database(settings))
}

/// A connection string's error said of `place` (the list and the line or row), not of
/// `--database-url`, which `ConnectionSettings::resolve` names for the string it is given:
/// a bad URL, and a bad setting in it (`the port in --database-url`).
fn said_of(error: DbError, place: &str) -> TargetsProblem {
    TargetsProblem::Settings(match error {
        DbError::InvalidUrl { problem, .. } => DbError::InvalidUrl {
            origin: place.to_string(),
            problem,
        },
        DbError::InvalidSetting { origin, problem } => DbError::InvalidSetting {
            origin: origin.replace("--database-url", place),
            problem,
        },
        other => other,
    })
}

/// `host:port/db`: where the target is, with no user or password. A Unix socket's host is its
/// directory.
pub(crate) fn target_name(settings: &ConnectionSettings) -> String {
    format!(
        "{}:{}/{}",
        settings.host(),
        settings.port(),
        settings.database()
    )
}

/// `text` with each `${NAME}` replaced by `var(NAME)`; `$` not followed by `{` stays as it is.
/// A value that lands inside one field is written so that it stays that field's, whatever it
/// holds: in a URL's user name or password (`postgresql://app:${PASSWORD}@db/x`) or a query
/// parameter's value (`?password=${PASSWORD}`) it is percent-encoded (a password holding `/`,
/// `?`, `#`, `&` or `%` would otherwise end the field early, and the rest of it be read as the
/// host, port and database name, the target's name, which is printed everywhere); in a
/// `key=value` list's value (`password=${PASSWORD}`, quoted or not) its backslashes, quotes and
/// white space are backslash-escaped, as libpq reads them. A value standing for a whole URL or
/// for whole settings (`${DATABASE_URL}`, `host=db ${MORE}`) is written as it is.
fn expand(
    text: &str,
    place: &str,
    var: &dyn Fn(&str) -> Option<String>,
) -> Result<String, TargetsProblem> {
    let user_information = user_information(text);
    let mut expanded = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let at = text.len() - rest.len() + start;
        expanded.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            return Err(TargetsProblem::Unclosed {
                place: place.to_string(),
            });
        };
        let name = &after[..end];
        let value = var(name).ok_or_else(|| TargetsProblem::UnsetVariable {
            place: place.to_string(),
            variable: name.to_string(),
        })?;
        let in_user_information = user_information
            .as_ref()
            .is_some_and(|range| range.contains(&at));
        if in_user_information || in_url_query_value(text, at) {
            expanded.push_str(&percent_encode(&value));
        } else if in_key_value_value(text, at) {
            expanded.push_str(&backslash_escape(&value));
        } else {
            expanded.push_str(&value);
        }
        rest = &after[end + 1..];
    }
    expanded.push_str(rest);
    Ok(expanded)
}

/// Where a `postgresql://` (or `postgres://`) URL as written keeps its user information
/// (`user:password`, before the authority's last `@`), as byte offsets in `text`.
fn user_information(text: &str) -> Option<std::ops::Range<usize>> {
    let lead = text.len() - text.trim_start().len();
    let after_scheme = ["postgresql://", "postgres://"]
        .iter()
        .find_map(|scheme| text[lead..].strip_prefix(scheme))?;
    let start = text.len() - after_scheme.len();
    let authority = after_scheme
        .find(['/', '?'])
        .map_or(after_scheme, |end| &after_scheme[..end]);
    let end = authority.rfind('@')?;
    Some(start..start + end)
}

/// Whether byte `at` of a URL (`text`, as written) is in a query parameter's value.
fn in_url_query_value(text: &str, at: usize) -> bool {
    let trimmed = text.trim_start();
    if !(trimmed.starts_with("postgresql://") || trimmed.starts_with("postgres://")) {
        return false;
    }
    let before = &text[..at];
    let Some(query) = before.find('?') else {
        return false;
    };
    let parameter = before[query + 1..].rsplit('&').next().unwrap_or_default();
    parameter.contains('=')
}

/// Whether byte `at` of a `key=value` list (`text`, as written) is inside a setting's value,
/// read as libpq reads the list (single quotes, backslash escapes).
fn in_key_value_value(text: &str, at: usize) -> bool {
    let trimmed = text.trim_start();
    if trimmed.starts_with("postgresql://") || trimmed.starts_with("postgres://") {
        return false;
    }
    #[derive(PartialEq)]
    enum Place {
        Between,
        Keyword,
        Equals,
        Unquoted,
        Quoted,
    }
    let mut place = Place::Between;
    let mut characters = text[..at].chars();
    while let Some(c) = characters.next() {
        place = match place {
            Place::Between | Place::Keyword if c == '=' => Place::Equals,
            Place::Between if c.is_whitespace() => Place::Between,
            Place::Between | Place::Keyword => Place::Keyword,
            Place::Equals if c.is_whitespace() => Place::Equals,
            Place::Equals if c == '\'' => Place::Quoted,
            Place::Equals | Place::Unquoted if c.is_whitespace() => Place::Between,
            Place::Equals | Place::Unquoted => {
                if c == '\\' {
                    characters.next();
                }
                Place::Unquoted
            }
            Place::Quoted if c == '\'' => Place::Between,
            Place::Quoted => {
                if c == '\\' {
                    characters.next();
                }
                Place::Quoted
            }
        };
    }
    matches!(place, Place::Equals | Place::Unquoted | Place::Quoted)
}

/// `text` with backslashes, single quotes and white space backslash-escaped, as a `key=value`
/// list's value (quoted or not) keeps them.
fn backslash_escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if c == '\\' || c == '\'' || c.is_whitespace() {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// `text` with every byte but the unreserved ones of a URL (letters, digits, `-._~`) written
/// as `%XX`.
fn percent_encode(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `expand` makes of `text` with `A=alpha`, `EMPTY=` set, or its error.
    fn check(text: &str, expect: &str) {
        let var = |name: &str| match name {
            "A" => Some("alpha".to_string()),
            "EMPTY" => Some(String::new()),
            _ => None,
        };
        let said = match expand(text, "line 1", &var) {
            Ok(expanded) => expanded,
            Err(problem) => problem.to_string(),
        };
        assert_eq!(said, expect);
    }

    #[test]
    fn variables_expand_and_an_unset_one_is_named() {
        check(
            "postgresql://${A}@h/${A}_db",
            "postgresql://alpha@h/alpha_db",
        );
        check("x${EMPTY}y", "xy");
        check("cost $5 and $A", "cost $5 and $A");
        check("${MISSING}", "line 1 uses ${MISSING}, which is not set");
        check("${A", "line 1 has a `${` without its closing `}`");
    }

    #[test]
    fn a_value_in_a_urls_user_information_is_percent_encoded() {
        let var = |name: &str| match name {
            "PW" => Some("1234/x?y#z%@".to_string()),
            "URL" => Some("postgresql://u:p@h/d".to_string()),
            "DB" => Some("tenant_a".to_string()),
            _ => None,
        };
        let said = |text: &str| expand(text, "line 1", &var).unwrap_or_default();
        assert_eq!(
            said("postgresql://app:${PW}@db3/${DB}"),
            "postgresql://app:1234%2Fx%3Fy%23z%25%40@db3/tenant_a"
        );
        assert_eq!(
            said(" postgres://${DB}:${PW}@db3"),
            " postgres://tenant_a:1234%2Fx%3Fy%23z%25%40@db3"
        );
        // A whole URL, a key=value list and a URL without user information stay as they are.
        assert_eq!(said("${URL}"), "postgresql://u:p@h/d");
        assert_eq!(
            said("host=db3 password=${DB}"),
            "host=db3 password=tenant_a"
        );
        assert_eq!(
            said("postgresql://db3/${DB}?password=${PW}&sslmode=disable"),
            "postgresql://db3/tenant_a?password=1234%2Fx%3Fy%23z%25%40&sslmode=disable"
        );
        assert_eq!(
            said("postgresql://db3/${DB}?x=@"),
            "postgresql://db3/tenant_a?x=@"
        );
    }

    #[test]
    fn a_value_in_a_key_value_lists_value_is_backslash_escaped() {
        let var = |name: &str| match name {
            "PW" => Some("it's a \\secret".to_string()),
            "MORE" => Some("dbname=x user=y".to_string()),
            _ => None,
        };
        let said = |text: &str| expand(text, "line 1", &var).unwrap_or_default();
        assert_eq!(
            said("host=db3 password=${PW} dbname=x"),
            "host=db3 password=it\\'s\\ a\\ \\\\secret dbname=x"
        );
        assert_eq!(
            said("host=db3 password = '${PW}'"),
            "host=db3 password = 'it\\'s\\ a\\ \\\\secret'"
        );
        // Whole settings stay as they are.
        assert_eq!(said("host=db3 ${MORE}"), "host=db3 dbname=x user=y");
        assert_eq!(said("host='a b' ${MORE}"), "host='a b' dbname=x user=y");
    }

    #[test]
    fn a_schema_becomes_a_quoted_escaped_search_path() {
        assert_eq!(
            search_path_option("tenant_a"),
            "-c search_path=\"tenant_a\""
        );
        assert_eq!(
            search_path_option("Tenant B"),
            "-c search_path=\"Tenant\\ B\""
        );
        // The server splits the options at any whitespace, not only at a space.
        assert_eq!(
            search_path_option("a\tb\nc"),
            "-c search_path=\"a\\\tb\\\nc\""
        );
    }

    #[test]
    fn a_target_is_named_without_its_user_or_password() {
        let settings =
            ConnectionSettings::for_tcp("db1", 5433, "app", "tenant_a").with_password("secret");
        assert_eq!(target_name(&settings), "db1:5433/tenant_a");
    }
}
