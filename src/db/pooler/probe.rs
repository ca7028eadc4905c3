//! The probe for a transaction pooler, when the evidence of `route` decides nothing: a pooler
//! with one idle server connection would hand it back every time, so before each new ask of
//! `pg_backend_pid()` another client connection opens a transaction and keeps it open: behind
//! a transaction pooler it takes a server connection (often the one just released, as
//! PgBouncer hands out the most recently used first), and the first connection's next
//! transaction gets another. Behind a transaction pooler the pid changes or another client
//! gets the first's server process; on a server, or behind a session pooler, neither can
//! happen. A probe is not proof: concurrent clients may keep handing the same server
//! connection back.
//!
//! Owns: the probe ([`server_process_moves`]).

use postgres::Client;

use crate::db::connect::ConnectionSettings;
use crate::db::error::{DbError, describe_postgres_error, server_code_of};

/// How many other connections the probe opens at most, each holding a transaction open while
/// the first asks its pid again: under concurrent runs another client may take the server
/// connection just released, so one round can miss the pooler; three rarely do.
const ROUNDS: usize = 3;

/// Whether the server process serving `client`, opened with `settings`, moves between its
/// transactions or serves other connections (`first`: the pid it answered first).
pub(super) fn server_process_moves(
    client: &mut Client,
    settings: &ConnectionSettings,
    first: Option<i32>,
) -> Result<bool, DbError> {
    let target = settings.to_string();
    let settings = settings.with_application_name("plan (pooler probe)");
    // Each other connection holds its transaction (and, behind a pooler, a server connection)
    // until the probe ends. When one cannot be opened (a connection limit), the rounds so far
    // decide.
    let mut others = Vec::new();
    let mut found = false;
    for _ in 0..ROUNDS {
        let Ok(mut other) = settings.connect() else {
            break;
        };
        let messages = other
            .simple_query("BEGIN; SELECT pg_backend_pid()::text")
            .map_err(|error| query_error(&error, &target))?;
        let other_pid = pid_of(&messages);
        others.push(other);
        let again = backend_pid(client, &target)?;
        if pooled(first, again, other_pid) {
            found = true;
            break;
        }
    }
    for mut other in others {
        let _ = other.batch_execute("ROLLBACK");
    }
    Ok(found)
}

/// The decision: the pid changed between two transactions, or another client was served by
/// this client's server process.
fn pooled(first: Option<i32>, second: Option<i32>, other: Option<i32>) -> bool {
    first != second || (other.is_some() && other == first)
}

fn backend_pid(client: &mut Client, target: &str) -> Result<Option<i32>, DbError> {
    let messages = client
        .simple_query("SELECT pg_backend_pid()::text")
        .map_err(|error| query_error(&error, target))?;
    Ok(pid_of(&messages))
}

fn pid_of(messages: &[postgres::SimpleQueryMessage]) -> Option<i32> {
    messages.iter().find_map(|message| match message {
        postgres::SimpleQueryMessage::Row(row) => row.get(0).and_then(|pid| pid.parse().ok()),
        _ => None,
    })
}

fn query_error(error: &postgres::Error, target: &str) -> DbError {
    DbError::Query {
        action: "ask the server process's pid (to detect a transaction pooler)".to_string(),
        target: target.to_string(),
        detail: describe_postgres_error(error, None),
        server_code: server_code_of(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `pooled(first, second, other)` is `expect`.
    fn check(first: i32, second: i32, other: Option<i32>, expect: bool) {
        assert_eq!(
            pooled(Some(first), Some(second), other),
            expect,
            "{first} {second} {other:?}"
        );
    }

    #[test]
    fn a_changed_pid_or_a_shared_server_process_means_a_transaction_pooler() {
        check(10, 10, Some(11), false);
        check(10, 10, None, false);
        check(10, 11, Some(10), true);
        check(10, 11, Some(12), true);
        check(10, 10, Some(10), true);
    }
}
