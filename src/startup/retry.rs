//! [`Retry`]: how long a service keeps trying to reach its database at start-up, and the loop
//! that does it. Only failures that mean "the server is not up yet" are retried (nothing
//! listening, the server starting or shutting down, the database not created yet, too many
//! connections); a wrong password or a bad URL fails at once, since waiting will not fix it.
//!
//! Leaves to others: what an attempt does (`startup`: an apply or a ledger read) and what to do
//! with the final error.

use std::thread;
use std::time::{Duration, Instant};

use crate::db::{ConnectionSettings, DbError};

/// How long to keep trying to reach the database, and how to pause between attempts: the
/// first pause, doubled after each failure up to the longest. Each attempt's connection is
/// also bounded, so that a server that never answers cannot outlast the budget.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Retry {
    budget: Duration,
    first_pause: Duration,
    longest_pause: Duration,
    attempt_timeout: Duration,
}

/// How a run of attempts ended without a result.
#[derive(Debug)]
pub(crate) enum GaveUp<E> {
    /// The database never came up within the budget.
    Unreachable {
        /// Attempts made.
        attempts: u32,
        /// Time from the first attempt to giving up.
        waited: Duration,
        /// Why the last attempt failed.
        last: E,
    },
    /// An attempt failed for a reason waiting will not fix.
    Failed(E),
}

impl Retry {
    /// Keep trying for up to `budget`: pauses of 250 ms doubling up to 5 s, each connection
    /// attempt bounded by 10 s (or what is left of the budget, if less).
    pub fn for_up_to(budget: Duration) -> Retry {
        Retry {
            budget,
            first_pause: Duration::from_millis(250),
            longest_pause: Duration::from_secs(5),
            attempt_timeout: Duration::from_secs(10),
        }
    }

    /// One attempt, no retry: the connection settings' own timeout applies.
    pub fn never() -> Retry {
        Retry {
            budget: Duration::ZERO,
            ..Retry::for_up_to(Duration::ZERO)
        }
    }

    /// The pause after the first failure, and the longest pause.
    pub fn with_pauses(self, first: Duration, longest: Duration) -> Retry {
        Retry {
            first_pause: first,
            longest_pause: longest.max(first),
            ..self
        }
    }

    /// Bounds each connection attempt (it replaces the settings' `connect_timeout` while
    /// retrying; the budget still bounds it).
    pub fn with_attempt_timeout(self, timeout: Duration) -> Retry {
        Retry {
            attempt_timeout: timeout,
            ..self
        }
    }

    /// The total time allowed for reaching the database.
    pub fn budget(&self) -> Duration {
        self.budget
    }

    /// The pause after failed attempt number `attempt` (from 1), before any cut to the budget.
    pub fn pause_after(&self, attempt: u32) -> Duration {
        let doublings = attempt.saturating_sub(1).min(16);
        self.first_pause
            .saturating_mul(1 << doublings)
            .min(self.longest_pause)
    }
}

/// Whether a connection failure means the server is not up yet (so waiting may help): nothing
/// reachable (no server code: refused, no socket file, timed out, unknown host), the server
/// starting up or shutting down (57P03, 57P01, 57P02), the database not created yet (3D000),
/// too many connections (53300), or any connection exception (class 08).
pub fn is_not_up_yet(error: &DbError) -> bool {
    match error {
        DbError::Connect {
            server_code: None, ..
        } => true,
        DbError::Connect {
            server_code: Some(code),
            ..
        } => {
            code.starts_with("08")
                || matches!(
                    code.as_str(),
                    "57P03" | "57P01" | "57P02" | "3D000" | "53300"
                )
        }
        _ => false,
    }
}

/// Runs `attempt` until it succeeds, fails for a reason other than the database not being up
/// yet (`not_up_yet` says which), or the budget is spent. Each failure is logged through
/// `tracing`, with the pause before the next attempt.
pub(crate) fn until_reachable<T, E: std::fmt::Display>(
    retry: &Retry,
    settings: &ConnectionSettings,
    mut attempt: impl FnMut(&ConnectionSettings) -> Result<T, E>,
    not_up_yet: impl Fn(&E) -> bool,
) -> Result<T, GaveUp<E>> {
    let started = Instant::now();
    let mut attempts: u32 = 0;
    loop {
        attempts += 1;
        let remaining = retry.budget.saturating_sub(started.elapsed());
        let bounded = if retry.budget.is_zero() {
            settings.clone()
        } else {
            // At least a second: libpq's connect_timeout counts whole seconds.
            let timeout = retry
                .attempt_timeout
                .min(remaining)
                .max(Duration::from_secs(1));
            settings.with_connect_timeout(timeout)
        };
        let last = match attempt(&bounded) {
            Ok(value) => return Ok(value),
            Err(error) if not_up_yet(&error) => error,
            Err(error) => return Err(GaveUp::Failed(error)),
        };
        let waited = started.elapsed();
        let remaining = retry.budget.saturating_sub(waited);
        if remaining.is_zero() {
            tracing::error!(
                attempts,
                waited_ms = millis(waited),
                error = %last,
                "the database did not come up within the retry budget"
            );
            return Err(GaveUp::Unreachable {
                attempts,
                waited,
                last,
            });
        }
        let pause = retry.pause_after(attempts).min(remaining);
        tracing::warn!(
            attempt = attempts,
            retry_in_ms = millis(pause),
            error = %last,
            "the database is not up yet; retrying"
        );
        thread::sleep(pause);
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_pauses(retry: &Retry) -> String {
        let pauses: Vec<String> = (1..=7)
            .map(|attempt| format!("{}ms", retry.pause_after(attempt).as_millis()))
            .collect();
        pauses.join(" ")
    }

    fn connect_error(server_code: Option<&str>) -> DbError {
        DbError::Connect {
            target: "postgresql://app@db:5432/app".to_string(),
            detail: "test".to_string(),
            server_code: server_code.map(str::to_string),
        }
    }

    #[test]
    fn pauses_double_up_to_the_longest() {
        assert_eq!(
            check_pauses(&Retry::for_up_to(Duration::from_secs(60))),
            "250ms 500ms 1000ms 2000ms 4000ms 5000ms 5000ms"
        );
        assert_eq!(
            check_pauses(
                &Retry::for_up_to(Duration::from_secs(5))
                    .with_pauses(Duration::from_millis(100), Duration::from_millis(300))
            ),
            "100ms 200ms 300ms 300ms 300ms 300ms 300ms"
        );
    }

    #[test]
    fn only_a_server_not_up_yet_is_worth_waiting_for() {
        let retried: Vec<Option<&str>> = [
            None,
            Some("57P03"),
            Some("3D000"),
            Some("53300"),
            Some("08006"),
            Some("28P01"),
            Some("28000"),
            Some("42501"),
        ]
        .into_iter()
        .filter(|code| is_not_up_yet(&connect_error(*code)))
        .collect();
        assert_eq!(
            retried,
            [
                None,
                Some("57P03"),
                Some("3D000"),
                Some("53300"),
                Some("08006")
            ]
        );
        assert!(!is_not_up_yet(&DbError::InvalidSetting {
            origin: "PGPORT".to_string(),
            problem: "not a number".to_string(),
        }));
    }

    #[test]
    fn a_failure_that_waiting_cannot_fix_ends_the_retries_at_once() {
        let settings = ConnectionSettings::for_tcp("db", 5432, "app", "app");
        let mut attempts = 0;
        let result: Result<(), GaveUp<DbError>> = until_reachable(
            &Retry::for_up_to(Duration::from_secs(60)),
            &settings,
            |_| {
                attempts += 1;
                Err(connect_error(Some("28P01")))
            },
            is_not_up_yet,
        );
        assert_eq!(attempts, 1);
        assert!(matches!(result, Err(GaveUp::Failed(_))), "{result:?}");
    }

    #[test]
    fn the_budget_bounds_the_attempts() {
        let settings = ConnectionSettings::for_tcp("db", 5432, "app", "app");
        let retry = Retry::for_up_to(Duration::from_millis(300))
            .with_pauses(Duration::from_millis(50), Duration::from_millis(50));
        let started = Instant::now();
        let result: Result<(), GaveUp<DbError>> = until_reachable(
            &retry,
            &settings,
            |_| Err(connect_error(None)),
            is_not_up_yet,
        );
        match result {
            Err(GaveUp::Unreachable { attempts, .. }) => assert!(attempts >= 3, "{attempts}"),
            other => panic!("expected to give up, got {other:?}"),
        }
        assert!(started.elapsed() < Duration::from_secs(2));
    }

    #[test]
    fn success_after_failures_returns_the_value() {
        let settings = ConnectionSettings::for_tcp("db", 5432, "app", "app");
        let retry = Retry::for_up_to(Duration::from_secs(5))
            .with_pauses(Duration::from_millis(10), Duration::from_millis(10));
        let mut attempts = 0;
        let result: Result<u32, GaveUp<DbError>> = until_reachable(
            &retry,
            &settings,
            |_| {
                attempts += 1;
                if attempts < 3 {
                    Err(connect_error(Some("57P03")))
                } else {
                    Ok(attempts)
                }
            },
            is_not_up_yet,
        );
        assert_eq!(result.ok(), Some(3));
    }
}
