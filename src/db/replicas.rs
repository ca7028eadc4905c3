//! The standbys a primary streams to, and how far each is behind a point in its WAL: what
//! plan.yaml's `wait_for_replicas` waits on after each migration commits.
//!
//! Owns: the two queries ([`current_wal_lsn`], [`standbys`]). Leaves to others: the wait, its
//! bound and the error when a standby stays behind (`engine::replica_wait`).
//!
//! A standby counts when the primary's `pg_stat_replication` shows it `streaming`: one still
//! catching up from an archive (`catchup`) or starting (`startup`) is not replaying the
//! primary's latest WAL yet, and waiting on it would fail every run while it is built. A
//! cascading standby streams from another standby and is not seen here.

use std::time::Duration;

use super::error::DbError;
use super::session::Session;

/// One streaming standby, as the primary sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Standby {
    /// Its `application_name` (`cluster_name`, or `walreceiver`, unless its
    /// `primary_conninfo` names one).
    pub(crate) name: String,
    /// Its `client_addr`, or `local socket`.
    pub(crate) address: String,
    /// WAL bytes between what it has replayed and the point asked about; 0 once it is past it.
    pub(crate) behind_bytes: u64,
    /// `replay_lag`: how long its last replayed commit took to be replayed there, when known.
    pub(crate) replay_lag: Option<Duration>,
}

/// What the primary shows of its standbys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Standbys {
    /// Each streaming standby.
    pub(crate) streaming: Vec<Standby>,
    /// Rows this role may not read (without superuser, `pg_monitor` or `pg_read_all_stats`
    /// PostgreSQL hides every column but the pid): standbys whose progress cannot be known.
    pub(crate) hidden: usize,
}

impl Standbys {
    /// The standbys that have not replayed the point yet.
    pub(crate) fn behind(&self) -> Vec<&Standby> {
        self.streaming
            .iter()
            .filter(|standby| standby.behind_bytes > 0)
            .collect()
    }
}

/// The primary's current WAL insert position, as text (`0/3000148`): taken after a commit, a
/// standby that replayed up to it has the commit. Not `pg_current_wal_lsn()`, the position
/// written so far: with `synchronous_commit = off` a commit returns before its record is
/// written, and a standby already past the older position would count as having it.
pub(crate) fn current_wal_lsn(session: &mut Session) -> Result<String, DbError> {
    let rows = session
        .query_texts("SELECT pg_current_wal_insert_lsn()::text", &[])
        .map_err(|error| session.error("read the current WAL position", &error))?;
    Ok(rows
        .into_iter()
        .next()
        .and_then(|row| row.into_iter().next().flatten())
        .unwrap_or_default())
}

/// Every standby in `pg_stat_replication` with how far it is behind `lsn`.
pub(crate) fn standbys(session: &mut Session, lsn: &str) -> Result<Standbys, DbError> {
    let sql = "SELECT state, application_name,
                      coalesce(host(client_addr), 'local socket'),
                      greatest(pg_wal_lsn_diff($1::text::pg_lsn,
                                               coalesce(replay_lsn, '0/0'::pg_lsn)), 0)::bigint::text,
                      (extract(epoch FROM replay_lag) * 1000)::bigint::text
                 FROM pg_stat_replication
                ORDER BY application_name, client_addr";
    let rows = session
        .query_texts(sql, &[lsn])
        .map_err(|error| session.error("read pg_stat_replication", &error))?;
    let mut standbys = Standbys {
        streaming: Vec::new(),
        hidden: 0,
    };
    for row in rows {
        let [state, name, address, behind, lag] = row.as_slice() else {
            continue;
        };
        match state.as_deref() {
            None => standbys.hidden += 1,
            Some("streaming") => standbys.streaming.push(Standby {
                name: name.clone().unwrap_or_default(),
                address: address.clone().unwrap_or_default(),
                behind_bytes: number(behind).unwrap_or(0),
                replay_lag: number(lag).map(Duration::from_millis),
            }),
            Some(_) => {}
        }
    }
    Ok(standbys)
}

fn number(text: &Option<String>) -> Option<u64> {
    text.as_deref().and_then(|text| text.parse().ok())
}
