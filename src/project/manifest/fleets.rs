//! plan.yaml's `fleets:` key: named lists of databases one `plan apply --fleet NAME` runs the
//! plan over, with how many go first as a canary, how many run at once and what a failure
//! does to the rest (docs/fleets.md). Its serde form, its checked form ([`Fleet`]) and the
//! check between them. The connection strings are kept as written: `${VAR}` is expanded, and
//! each string resolved, only when a fleet runs (`ops::fleet::targets`), so that reading the
//! project needs no environment.

use std::ops::Range;

use indexmap::IndexMap;
use serde::Deserialize;

use super::locate::{locate, locate_value};

/// What a fleet does with the targets not yet done once one fails.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum OnError {
    /// Start no other target; those running finish the migration they are in and stop there.
    Stop,
    /// Go on with every other target.
    Continue,
}

/// One fleet under `fleets:`, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Fleet {
    /// Connection strings (URLs or `key=value` lists) as written, `${VAR}` unexpanded.
    pub(crate) databases: Vec<String>,
    /// A query run on `control` whose rows' first column are more connection strings.
    pub(crate) query: Option<ControlQuery>,
    /// A query run in each database whose rows' first column are schema names: each schema
    /// is then a target (schema-per-tenant), instead of the database.
    pub(crate) schemas: Option<String>,
    /// How many targets, from the first, run before the others start; 0 for none.
    pub(crate) canary: usize,
    /// How many targets run at once (one connection each), at least 1.
    pub(crate) parallel: usize,
    /// What a failure does to the targets not yet done.
    pub(crate) on_error: OnError,
}

/// `query:` and the `control:` database it runs on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ControlQuery {
    /// The query, as written.
    pub(crate) sql: String,
    /// The control database's connection string, `${VAR}` unexpanded.
    pub(crate) control: String,
}

/// A fleet as serde reads it.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFleet {
    pub(super) databases: Option<Vec<String>>,
    pub(super) query: Option<String>,
    pub(super) control: Option<String>,
    pub(super) schemas: Option<String>,
    pub(super) canary: Option<usize>,
    pub(super) parallel: Option<usize>,
    pub(super) on_error: Option<OnError>,
}

/// A fleet that parses but means nothing; `parse` makes it a `ManifestProblem::Invalid`.
#[derive(Debug)]
pub(super) struct FleetProblem {
    pub(super) message: String,
    pub(super) help: String,
    pub(super) span: Range<usize>,
}

/// Checks each fleet of `raw` (plan.yaml's `fleets:`), adding what is wrong to `problems`.
pub(super) fn read_fleets(
    text: &str,
    raw: IndexMap<String, Option<RawFleet>>,
    problems: &mut Vec<FleetProblem>,
) -> IndexMap<String, Fleet> {
    let mut fleets = IndexMap::new();
    for (name, fleet) in raw {
        let fleet = fleet.unwrap_or_default();
        let databases = fleet.databases.unwrap_or_default();
        let query = match (fleet.query, fleet.control) {
            (Some(sql), Some(control)) => Some(ControlQuery { sql, control }),
            (None, None) => None,
            (Some(_), None) => {
                problems.push(FleetProblem {
                    message: format!("fleet `{name}` has a `query:` but no `control:` to run it on"),
                    help: "add `control:` with the connection string of the database that holds the list, e.g. `control: ${CONTROL_DATABASE_URL}`".to_string(),
                    span: locate(text, &["fleets", &name, "query"]),
                });
                None
            }
            (None, Some(_)) => {
                problems.push(FleetProblem {
                    message: format!("fleet `{name}` has a `control:` but no `query:` to run there"),
                    help: "add `query:`, a SELECT whose first column is a connection string per database".to_string(),
                    span: locate(text, &["fleets", &name, "control"]),
                });
                None
            }
        };
        if databases.is_empty() && query.is_none() {
            problems.push(FleetProblem {
                message: format!("fleet `{name}` lists no databases"),
                help: "list its connection strings under `databases:`, e.g. \
                       `databases: [postgresql://app@db1/tenant_a]`, or give a `query:` and its `control:` database"
                    .to_string(),
                span: locate(text, &["fleets", &name]),
            });
        }
        let parallel = fleet.parallel.unwrap_or(1);
        if parallel == 0 {
            problems.push(FleetProblem {
                message: format!("fleet `{name}`: `parallel: 0` would run no target"),
                help: "write how many targets run at once, at least 1 (the default)".to_string(),
                span: value_span(text, &name, "parallel", "0"),
            });
        }
        fleets.insert(
            name,
            Fleet {
                databases,
                query,
                schemas: fleet.schemas,
                canary: fleet.canary.unwrap_or(0),
                parallel: parallel.max(1),
                on_error: fleet.on_error.unwrap_or(OnError::Stop),
            },
        );
    }
    fleets
}

fn value_span(text: &str, fleet: &str, key: &str, value: &str) -> Range<usize> {
    locate_value(text, &["fleets", fleet, key], value)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads `yaml` (the mapping under `fleets:`) and shows each fleet or problem.
    fn check(yaml: &str, expect: &[&str]) {
        let text = format!("fleets:\n{yaml}");
        let raw: IndexMap<String, Option<RawFleet>> =
            serde_yaml::from_str(yaml).expect("the test's YAML parses");
        let mut problems = Vec::new();
        let fleets = read_fleets(&text, raw, &mut problems);
        let mut said: Vec<String> = fleets
            .iter()
            .map(|(name, fleet)| {
                format!(
                    "{name}: {} databases, canary {}, parallel {}, {:?}",
                    fleet.databases.len(),
                    fleet.canary,
                    fleet.parallel,
                    fleet.on_error
                )
            })
            .collect();
        said.extend(problems.iter().map(|problem| problem.message.clone()));
        assert_eq!(said, expect);
    }

    #[test]
    fn fleets_default_to_one_at_a_time_no_canary_and_stop() {
        check(
            "  tenants:\n    databases: [a, b]\n",
            &["tenants: 2 databases, canary 0, parallel 1, Stop"],
        );
        check(
            "  shards:\n    databases: [a]\n    canary: 1\n    parallel: 4\n    on_error: continue\n",
            &["shards: 1 databases, canary 1, parallel 4, Continue"],
        );
    }

    #[test]
    fn a_query_needs_its_control_database_and_stands_for_databases() {
        check(
            "  q:\n    query: SELECT 1\n    control: x\n    schemas: SELECT 2\n",
            &["q: 0 databases, canary 0, parallel 1, Stop"],
        );
        check(
            "  q:\n    query: SELECT 1\n  c:\n    control: x\n",
            &[
                "q: 0 databases, canary 0, parallel 1, Stop",
                "c: 0 databases, canary 0, parallel 1, Stop",
                "fleet `q` has a `query:` but no `control:` to run it on",
                "fleet `q` lists no databases",
                "fleet `c` has a `control:` but no `query:` to run there",
                "fleet `c` lists no databases",
            ],
        );
    }

    #[test]
    fn a_fleet_without_databases_or_with_parallel_0_is_a_problem() {
        check(
            "  empty: {}\n  none:\n    databases: [a]\n    parallel: 0\n",
            &[
                "empty: 0 databases, canary 0, parallel 1, Stop",
                "none: 1 databases, canary 0, parallel 1, Stop",
                "fleet `empty` lists no databases",
                "fleet `none`: `parallel: 0` would run no target",
            ],
        );
    }
}
