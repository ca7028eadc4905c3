//! plan.yaml `wait_for_replicas`: after a migration commits, wait until every streaming standby
//! has replayed it, for at most `max_lag`, so that what reads from the replicas sees the new
//! schema before the next migration (or the deploy that needs it) goes on.
//!
//! Owns: the wait (poll, progress, bound) and [`ReplicasBehind`], the error when a standby is
//! still behind at the bound. Leaves to others: the queries (`db::replicas`), when to wait
//! (`run`, after each migration's commit).
//!
//! The migration is committed and recorded before the wait starts: a standby that lags fails
//! the run, but never undoes or repeats the migration.

use std::time::{Duration, Instant};

use miette::Diagnostic;

use super::outcome::Progress;
use crate::db::replicas::{Standby, Standbys, current_wal_lsn, standbys};
use crate::db::{DbError, Session};
use crate::project::{MigrationId, WaitForReplicas};

/// How often the standbys are asked again while one is behind.
const POLL_INTERVAL: Duration = Duration::from_millis(100);

/// A standby had not replayed a committed migration when `max_lag` ran out, or the role may
/// not see how far the standbys are.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("{message}")]
#[diagnostic(code(plan::apply::replica_lag))]
pub struct ReplicasBehind {
    /// The migration that is committed and recorded, but not yet everywhere.
    pub migration: String,
    /// What is behind, and by how much.
    pub message: String,
    /// What to do.
    #[help]
    pub help: String,
}

/// What one run has said about its standbys: the "no standbys" note comes once.
#[derive(Debug, Default)]
pub(crate) struct ReplicaWaiter {
    said_none: bool,
}

impl ReplicaWaiter {
    /// Waits until every streaming standby has replayed what `id` committed on `session`'s
    /// server, reporting `Progress::WaitingForReplica` while one is behind. With `verbose`, says
    /// once per run when there is no standby to wait for.
    pub(crate) fn wait(
        &mut self,
        session: &mut Session,
        wait: WaitForReplicas,
        id: &MigrationId,
        verbose: bool,
        observe: &mut dyn FnMut(Progress<'_>),
    ) -> Result<(), WaitFailed> {
        let lsn = current_wal_lsn(session)?;
        let started = Instant::now();
        loop {
            let seen = standbys(session, &lsn)?;
            if seen.hidden > 0 {
                return Err(WaitFailed::Behind(hidden(id, &seen)));
            }
            if seen.streaming.is_empty() && !self.said_none && verbose {
                self.said_none = true;
                observe(Progress::NoStandbys);
            }
            let behind = seen.behind();
            let Some(first) = behind.first() else {
                return Ok(());
            };
            let waited = started.elapsed();
            if waited >= wait.max_lag {
                return Err(WaitFailed::Behind(lagging(id, &behind, wait.max_lag)));
            }
            observe(Progress::WaitingForReplica {
                id,
                standby: &first.name,
                behind_bytes: first.behind_bytes,
                waited,
            });
            std::thread::sleep(POLL_INTERVAL.min(wait.max_lag - waited));
        }
    }
}

/// Why a wait ended without every standby having replayed the migration.
#[derive(Debug)]
pub(crate) enum WaitFailed {
    /// The primary could not be asked.
    Db(DbError),
    /// A standby is behind, or cannot be seen.
    Behind(ReplicasBehind),
}

impl From<DbError> for WaitFailed {
    fn from(error: DbError) -> Self {
        WaitFailed::Db(error)
    }
}

/// How each standby in `behind` is described: name, address, bytes behind, replay lag.
fn describe(standby: &Standby) -> String {
    let lag = standby.replay_lag.map_or_else(String::new, |lag| {
        format!(", replay_lag {} ms", lag.as_millis())
    });
    format!(
        "standby {} ({}) is {} bytes of WAL behind it{lag}",
        quoted(&standby.name),
        standby.address,
        standby.behind_bytes
    )
}

fn quoted(name: &str) -> String {
    if name.is_empty() {
        "with no application_name".to_string()
    } else {
        format!("`{name}`")
    }
}

fn lagging(id: &MigrationId, behind: &[&Standby], max_lag: Duration) -> ReplicasBehind {
    let standbys: Vec<String> = behind.iter().map(|standby| describe(standby)).collect();
    ReplicasBehind {
        migration: id.to_string(),
        message: format!(
            "{id} is committed and recorded, but after waiting {} (wait_for_replicas.max_lag) {}",
            seconds(max_lag),
            standbys.join("; ")
        ),
        help: format!(
            "{id} stays applied and a rerun goes on after it without waiting for it again; find why the standby lags (pg_stat_replication on the primary; on the standby, pg_get_wal_replay_pause_state() and its log), or raise wait_for_replicas.max_lag"
        ),
    }
}

fn hidden(id: &MigrationId, seen: &Standbys) -> ReplicasBehind {
    ReplicasBehind {
        migration: id.to_string(),
        message: format!(
            "{id} is committed and recorded, but this role cannot see how far {} in pg_stat_replication {} replayed",
            crate::diagnostic::counted(seen.hidden, "standby", "standbys"),
            if seen.hidden == 1 { "has" } else { "have" }
        ),
        help: "grant the role pg_monitor (or pg_read_all_stats) so that wait_for_replicas can read pg_stat_replication, or remove wait_for_replicas from plan.yaml".to_string(),
    }
}

/// `2s`, `1500ms`: as plan.yaml writes durations.
fn seconds(duration: Duration) -> String {
    if duration.subsec_millis() == 0 {
        format!("{}s", duration.as_secs())
    } else {
        format!("{}ms", duration.as_millis())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A standby named `name` reads as `expect`.
    fn check(standby: Standby, expect: &str) {
        assert_eq!(describe(&standby), expect);
    }

    #[test]
    fn a_standby_is_named_by_application_name_and_address() {
        check(
            Standby {
                name: "replica_1".to_string(),
                address: "10.0.0.7".to_string(),
                behind_bytes: 1200,
                replay_lag: Some(Duration::from_millis(2500)),
            },
            "standby `replica_1` (10.0.0.7) is 1200 bytes of WAL behind it, replay_lag 2500 ms",
        );
        check(
            Standby {
                name: String::new(),
                address: "local socket".to_string(),
                behind_bytes: 8,
                replay_lag: None,
            },
            "standby with no application_name (local socket) is 8 bytes of WAL behind it",
        );
    }

    #[test]
    fn bounds_read_as_plan_yaml_writes_them() {
        assert_eq!(seconds(Duration::from_secs(2)), "2s");
        assert_eq!(seconds(Duration::from_millis(1500)), "1500ms");
    }
}
