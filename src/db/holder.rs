//! `LockHolder`: who holds the lock, as plain data, and how it reads in a message
//! (`pid 1234 (plan apply, user app, started 12s ago, idle)` for the advisory lock; the owner
//! and expiry of the row for the table lock, its [`Lease`]).
//!
//! A leaf of `db`: `lock` finds the holder while waiting and `error` shows it in
//! `DbError::LockTimeout`; keeping it here, importing nothing from the crate, is what keeps
//! `error` from depending on `lock` (which depends on `connect`, which depends on `error`).

use std::fmt;
use std::time::Duration;

/// Who holds the lock. The advisory lock's holder comes from `pg_locks` joined with
/// `pg_stat_activity`, and fields other than `pid` are `None` when the server hides them
/// (another role's session, without `pg_read_all_stats`). The table lock's holder is its
/// row, in `lease`.
#[derive(Debug, Clone, PartialEq)]
pub struct LockHolder {
    /// The backend process id (what `pg_terminate_backend` takes); 0 for the table lock,
    /// whose holder is named by `lease` instead.
    pub pid: i32,
    /// The holder's `application_name`, e.g. `plan apply`.
    pub application_name: Option<String>,
    /// The role it is connected as.
    pub user: Option<String>,
    /// The client address, or `None` for a Unix-socket client or a hidden one.
    pub client_address: Option<String>,
    /// `active`, `idle`, `idle in transaction`, …
    pub state: Option<String>,
    /// How long ago its session started (roughly how long it has held the lock).
    pub session_age: Option<Duration>,
    /// How long ago its current or last statement started.
    pub query_age: Option<Duration>,
    /// For the table lock (plan.yaml `lock: table`): the lock row.
    pub lease: Option<Lease>,
}

/// The table lock's row: who holds it and until when, in the server's time.
#[derive(Debug, Clone, PartialEq)]
pub struct Lease {
    /// The holding run: `run <id>, pid <pid> on <host>`.
    pub owner: String,
    /// When it took the lock.
    pub acquired_at: String,
    /// When it last renewed it.
    pub heartbeat_at: String,
    /// When the lock expires unless renewed before.
    pub expires_at: String,
}

impl fmt::Display for LockHolder {
    /// `pid 1234 (plan apply, user app, started 12s ago, idle)`.
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(lease) = &self.lease {
            return write!(
                formatter,
                "{} (since {}, renewed at {}, expires at {} unless renewed)",
                lease.owner, lease.acquired_at, lease.heartbeat_at, lease.expires_at
            );
        }
        write!(formatter, "pid {}", self.pid)?;
        let mut details = Vec::new();
        if let Some(name) = self
            .application_name
            .as_deref()
            .filter(|name| !name.is_empty())
        {
            details.push(name.to_string());
        }
        if let Some(user) = &self.user {
            details.push(format!("user {user}"));
        }
        if let Some(address) = &self.client_address {
            details.push(format!("from {address}"));
        }
        if let Some(age) = self.session_age {
            details.push(format!("started {}s ago", age.as_secs()));
        }
        if let Some(state) = &self.state {
            details.push(state.clone());
        }
        if !details.is_empty() {
            write!(formatter, " ({})", details.join(", "))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holder_display_names_pid_application_and_age() {
        let holder = LockHolder {
            pid: 1234,
            application_name: Some("plan apply".to_string()),
            user: Some("app".to_string()),
            client_address: None,
            state: Some("idle".to_string()),
            session_age: Some(Duration::from_millis(12_400)),
            query_age: Some(Duration::from_secs(1)),
            lease: None,
        };
        assert_eq!(
            holder.to_string(),
            "pid 1234 (plan apply, user app, started 12s ago, idle)"
        );
        let hidden = LockHolder {
            pid: 99,
            application_name: None,
            user: None,
            client_address: None,
            state: None,
            session_age: None,
            query_age: None,
            lease: None,
        };
        assert_eq!(hidden.to_string(), "pid 99");
        let row = LockHolder {
            pid: 0,
            lease: Some(Lease {
                owner: "run 00ff, pid 7 on web1".to_string(),
                acquired_at: "12:00:00+00".to_string(),
                heartbeat_at: "12:00:20+00".to_string(),
                expires_at: "12:01:20+00".to_string(),
            }),
            ..hidden
        };
        assert_eq!(
            row.to_string(),
            "run 00ff, pid 7 on web1 (since 12:00:00+00, renewed at 12:00:20+00, expires at 12:01:20+00 unless renewed)"
        );
    }
}
