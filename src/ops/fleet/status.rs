//! `plan status --fleet NAME`: one line per target: up to date, N pending, failed at X, other
//! states (partial, modified, ...), unreachable, or unreadable. A database target is read with
//! one connection and one ledger read (and one history read where something is pending, to say
//! where it last failed); the schema targets of one database are read together over one
//! connection, their ledgers and histories in a few queries (`ledgers`), not one per schema.
//! Connections are made `parallel` at a time; nothing is locked or written.

use std::sync::Mutex;

use serde::Serialize;

use super::ledgers::read_schema_ledgers;
use super::report::{count_each, fleet_json, name_width, summary_line};
use super::targets::FleetTarget;
use super::workers::each_index;
use crate::db::{DbError, Session};
use crate::load::Loaded;
use crate::ops::status::{MigrationStatus, status};

/// One target's state, as `status --fleet` shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct TargetStatus {
    /// `host:port/db`.
    pub(crate) target: String,
    /// `up_to_date`, `pending`, `failed`, `unsettled`, `unreachable` or `unreadable` (connected,
    /// but the ledger could not be read).
    pub(crate) state: &'static str,
    /// How many migrations the next apply would run.
    pub(crate) pending: usize,
    /// The migration the last apply failed at, when the history's last row says so and it is
    /// still not applied.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) failed_at: Option<String>,
    /// The line the text shows after the state.
    pub(crate) detail: String,
}

/// Every target's state, in list order.
#[derive(Clone, Debug)]
pub(crate) struct FleetStatus {
    /// The fleet's name, or the targets file.
    pub(crate) fleet: String,
    /// Each target.
    pub(crate) targets: Vec<TargetStatus>,
}

/// The states a target can be in, in the order totals list them.
const STATES: [&str; 6] = [
    "up_to_date",
    "pending",
    "failed",
    "unsettled",
    "unreachable",
    "unreadable",
];

/// Reads each target's ledger, `parallel` connections at a time: a database target on its
/// own connection, the schema targets of one database together on one.
pub(crate) fn fleet_status(
    loaded: &Loaded,
    fleet: &str,
    targets: &[FleetTarget],
    environment: Option<&str>,
    parallel: usize,
) -> FleetStatus {
    let units = connections(targets);
    let results: Mutex<Vec<Option<TargetStatus>>> = Mutex::new(vec![None; targets.len()]);
    each_index(0..units.len(), parallel, &|| false, &|unit| {
        let read = match &units[unit] {
            Connection::One(index) => {
                vec![(*index, read_one(loaded, &targets[*index], environment))]
            }
            Connection::Schemas(indexes) => read_schemas(loaded, targets, indexes, environment),
        };
        if let Ok(mut results) = results.lock() {
            for (index, shown) in read {
                results[index] = Some(shown);
            }
        }
    });
    let results = results.into_inner().unwrap_or_default();
    FleetStatus {
        fleet: fleet.to_string(),
        targets: results.into_iter().flatten().collect(),
    }
}

/// What one connection of `status --fleet` reads: the indexes of its targets in the list.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Connection {
    /// A database target, or a target already known to be out of reach.
    One(usize),
    /// The schema targets of one database (the same connection settings), in list order.
    Schemas(Vec<usize>),
}

/// The targets grouped into connections, in the order of each connection's first target.
fn connections(targets: &[FleetTarget]) -> Vec<Connection> {
    let mut units: Vec<Connection> = Vec::new();
    // For each unit of schemas: its database's settings.
    let mut databases: Vec<(usize, &crate::db::ConnectionSettings)> = Vec::new();
    for (index, target) in targets.iter().enumerate() {
        if target.schema.is_none() || target.unreachable.is_some() {
            units.push(Connection::One(index));
            continue;
        }
        match databases
            .iter()
            .find(|(_, database)| **database == target.database)
        {
            Some((unit, _)) => {
                if let Connection::Schemas(indexes) = &mut units[*unit] {
                    indexes.push(index);
                }
            }
            None => {
                databases.push((units.len(), &target.database));
                units.push(Connection::Schemas(vec![index]));
            }
        }
    }
    units
}

/// The schema targets `indexes` of one database, their ledgers read over one connection.
/// When that read fails past connecting, each is read on its own instead, so that a schema
/// whose ledger cannot be read is the only one said to be unreadable.
fn read_schemas(
    loaded: &Loaded,
    targets: &[FleetTarget],
    indexes: &[usize],
    environment: Option<&str>,
) -> Vec<(usize, TargetStatus)> {
    let Some(first) = indexes.first().map(|index| &targets[*index]) else {
        return Vec::new();
    };
    let schemas: Vec<&str> = indexes
        .iter()
        .map(|index| targets[*index].schema.as_deref().unwrap_or_default())
        .collect();
    let read = Session::connect(&first.database).and_then(|mut session| {
        let ledgers = read_schema_ledgers(&mut session, &schemas)?;
        let _ = session.close();
        Ok(ledgers)
    });
    match read {
        Ok(ledgers) => indexes
            .iter()
            .zip(ledgers)
            .map(|(index, ledger)| {
                let lines = status(loaded, &ledger.rows, environment);
                (*index, shown(&targets[*index], &lines, ledger.last_failed))
            })
            .collect(),
        Err(DbError::Connect { detail, .. }) => indexes
            .iter()
            .map(|index| {
                let mut shown = unread(&targets[*index]);
                shown.state = "unreachable";
                shown.detail = detail.clone();
                (*index, shown)
            })
            .collect(),
        Err(_) => indexes
            .iter()
            .map(|index| (*index, read_one(loaded, &targets[*index], environment)))
            .collect(),
    }
}

/// A target's line before its ledger is read.
fn unread(target: &FleetTarget) -> TargetStatus {
    TargetStatus {
        target: target.name.clone(),
        state: "up_to_date",
        pending: 0,
        failed_at: None,
        detail: String::new(),
    }
}

fn read_one(loaded: &Loaded, target: &FleetTarget, environment: Option<&str>) -> TargetStatus {
    let mut shown = unread(target);
    if let Some(error) = &target.unreachable {
        shown.state = "unreachable";
        shown.detail = error.clone();
        return shown;
    }
    let database = target.plan_target(loaded.project());
    let read = database.connect().and_then(|mut session| {
        let rows = database.ledger().read(&mut session)?;
        let lines = status(loaded, &rows, environment);
        let unsettled = lines.iter().any(|line| !line.state.is_settled());
        let last = if unsettled {
            last_failure(&mut session, &database)?
        } else {
            None
        };
        let _ = session.close();
        Ok((lines, last))
    });
    match read {
        Ok((lines, last_failed)) => self::shown(target, &lines, last_failed),
        Err(DbError::Connect { detail, .. }) => {
            shown.state = "unreachable";
            shown.detail = detail;
            shown
        }
        Err(other) => {
            shown.state = "unreadable";
            shown.detail = other.to_string();
            shown
        }
    }
}

/// A target's line from its migrations' states and the migration its history's last row
/// says failed to apply.
fn shown(
    target: &FleetTarget,
    lines: &[MigrationStatus],
    last_failed: Option<String>,
) -> TargetStatus {
    let mut shown = unread(target);
    let pending: Vec<&str> = lines
        .iter()
        .filter(|line| line.state.name() == "pending")
        .map(|line| line.id.as_str())
        .collect();
    shown.pending = pending.len();
    let mut others: indexmap::IndexMap<&str, usize> = indexmap::IndexMap::new();
    for line in lines
        .iter()
        .filter(|line| !line.state.is_settled() && line.state.name() != "pending")
    {
        *others.entry(line.state.name()).or_default() += 1;
    }
    let failed_at = last_failed.filter(|id| pending.contains(&id.as_str()));
    let pending_phrase = match pending.first() {
        Some(next) => format!("{} pending, next {next}", pending.len()),
        None => String::new(),
    };
    if !others.is_empty() {
        shown.state = "unsettled";
        let said: Vec<String> = others
            .iter()
            .map(|(state, count)| format!("{count} {}", state.replace('_', " ")))
            .collect();
        shown.detail = [said.join(", "), pending_phrase]
            .into_iter()
            .filter(|part| !part.is_empty())
            .collect::<Vec<_>>()
            .join("; ");
    } else if let Some(failed) = failed_at {
        shown.state = "failed";
        shown.detail = format!("failed at {failed}; {pending_phrase}");
        shown.failed_at = Some(failed);
    } else if !pending.is_empty() {
        shown.state = "pending";
        shown.detail = pending_phrase;
    }
    shown
}

/// The migration the history's last row says failed to apply, if it does.
fn last_failure(
    session: &mut Session,
    database: &crate::db::Target,
) -> Result<Option<String>, DbError> {
    let last = database.ledger().history(session, 1)?;
    Ok(last
        .into_iter()
        .next()
        .filter(|row| row.action == "apply" && row.outcome == "failed")
        .map(|row| row.migration_id))
}

impl FleetStatus {
    /// Whether every target is up to date (what `--exit-code` asks).
    pub(crate) fn all_up_to_date(&self) -> bool {
        self.targets
            .iter()
            .all(|target| target.state == "up_to_date")
    }

    /// How many targets are in each state.
    pub(crate) fn totals(&self) -> indexmap::IndexMap<&'static str, usize> {
        count_each(
            &STATES,
            self.targets.iter().map(|target| target.state),
            |state| state,
        )
    }

    /// The JSON object (docs/json.md#plan-status---fleet), pretty-printed.
    pub(crate) fn to_json(&self) -> String {
        fleet_json(&self.fleet, &self.targets, self.totals())
    }

    /// A summary line, then one line per target.
    pub(crate) fn to_text(&self) -> String {
        let mut text = summary_line(&self.fleet, self.targets.len(), &self.totals());
        let width = name_width(self.targets.iter().map(|target| target.target.as_str()));
        for target in &self.targets {
            let line = format!(
                "  {:<width$}  {:<11}  {}",
                target.target,
                target.state.replace('_', " "),
                target.detail
            );
            text.push_str(line.trim_end());
            text.push('\n');
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(target: &str, state: &'static str, detail: &str) -> TargetStatus {
        TargetStatus {
            target: target.to_string(),
            state,
            pending: 0,
            failed_at: None,
            detail: detail.to_string(),
        }
    }

    /// The text of a fleet status of `targets`.
    fn check(targets: Vec<TargetStatus>, expect: &str) {
        let status = FleetStatus {
            fleet: "tenants".to_string(),
            targets,
        };
        assert_eq!(status.to_text(), expect);
    }

    /// A target of database `db` on host `h`, in `schema` when given; `unreachable` when
    /// its database could not list its schemas.
    fn target(db: &str, schema: Option<&str>, unreachable: bool) -> FleetTarget {
        let database = crate::db::ConnectionSettings::for_tcp("h", 5432, "app", db);
        FleetTarget {
            name: format!("h:5432/{db}/{}", schema.unwrap_or_default()),
            settings: database.with_server_option(&format!("-c search_path={schema:?}")),
            database,
            schema: schema.map(str::to_string),
            unreachable: unreachable.then(|| "refused".to_string()),
        }
    }

    #[test]
    fn the_schemas_of_one_database_share_a_connection_in_list_order() {
        let targets = [
            target("a", Some("t1"), false),
            target("b", Some("t1"), false),
            target("a", Some("t2"), false),
            target("c", None, false),
            target("d", Some("t1"), true),
            target("b", Some("t2"), false),
            target("a", Some("t3"), false),
        ];
        assert_eq!(
            connections(&targets),
            [
                Connection::Schemas(vec![0, 2, 6]),
                Connection::Schemas(vec![1, 5]),
                Connection::One(3),
                Connection::One(4),
            ]
        );
    }

    #[test]
    fn one_line_per_target_after_the_totals() {
        check(
            vec![
                line("db:1/a", "up_to_date", ""),
                line(
                    "db:1/bb",
                    "failed",
                    "failed at 002_b; 2 pending, next 002_b",
                ),
                line("db:2/c", "unreachable", "connection refused"),
            ],
            "fleet tenants: 3 targets: 1 up to date, 1 failed, 1 unreachable\n\
             \x20 db:1/a   up to date\n\
             \x20 db:1/bb  failed       failed at 002_b; 2 pending, next 002_b\n\
             \x20 db:2/c   unreachable  connection refused\n",
        );
    }
}
