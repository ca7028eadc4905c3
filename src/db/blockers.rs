//! [`BlockerWatch`]: who blocks a session, seen from a second connection while the session waits.
//!
//! When a migration statement gives up on `lock_timeout` (SQLSTATE 55P03), its own session is
//! in an aborted transaction and the lock it waited for is no longer requested, so it can no
//! longer ask who was in the way. A watch started before the last attempt polls
//! `pg_blocking_pids` from another connection and keeps what it saw, so the final error can name
//! the blocking pid and its query.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use super::connect::ConnectionSettings;

/// A background watch of the sessions blocking one backend.
pub(crate) struct BlockerWatch {
    stop: Arc<AtomicBool>,
    seen: Arc<Mutex<Vec<String>>>,
    thread: Option<JoinHandle<()>>,
}

impl BlockerWatch {
    /// Starts watching `backend_pid` every `interval`, over a connection of its own. If that
    /// connection cannot be opened the watch simply sees nothing.
    pub(crate) fn start(
        settings: &ConnectionSettings,
        backend_pid: i32,
        interval: Duration,
    ) -> BlockerWatch {
        let stop = Arc::new(AtomicBool::new(false));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let settings = settings.with_application_name("plan (lock watch)");
        let thread = {
            let stop = Arc::clone(&stop);
            let seen = Arc::clone(&seen);
            std::thread::spawn(move || {
                let Ok(mut client) = settings.connect() else {
                    return;
                };
                while !stop.load(Ordering::Relaxed) {
                    // The unnamed statement: one message, which a transaction pooler sends
                    // to one server connection.
                    let rows = client.query_typed(
                        "SELECT format('pid %s (%s, user %s, %s): %s', pid,
                                       coalesce(nullif(application_name, ''), 'no application name'),
                                       usename, state, left(regexp_replace(query, '\\s+', ' ', 'g'), 200))
                         FROM pg_stat_activity WHERE pid = ANY(pg_blocking_pids($1)) ORDER BY pid",
                        &[(&backend_pid, postgres::types::Type::INT4)],
                    );
                    if let Ok(rows) = rows {
                        let found: Vec<String> =
                            rows.iter().filter_map(|row| row.try_get(0).ok()).collect();
                        if !found.is_empty()
                            && let Ok(mut seen) = seen.lock()
                        {
                            *seen = found;
                        }
                    }
                    std::thread::sleep(interval);
                }
            })
        };
        BlockerWatch {
            stop,
            seen,
            thread: Some(thread),
        }
    }

    /// Stops the watch and returns the blockers it saw last, described for people.
    pub(crate) fn finish(mut self) -> Vec<String> {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        self.seen
            .lock()
            .map(|seen| seen.clone())
            .unwrap_or_default()
    }
}

impl Drop for BlockerWatch {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}
