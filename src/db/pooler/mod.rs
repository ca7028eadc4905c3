//! Whether a pooler or proxy stands between plan and the server: PgBouncer's `pool_mode =
//! transaction` and the poolers that work like it serve a client connection by whichever
//! server connection is free at each transaction, so a session advisory lock is not held
//! across transactions and a statement prepared in one is missing (or, worse, another
//! client's) in the next.
//!
//! Owns: the decision ([`intermediary`]). Leaves to others: what plan does then (the table
//! lock and no named prepared statements, `session::connection`).
//!
//! First the evidence, which costs one query: the server names the client end of the server
//! process answering, and this process's operating system names its own sockets (`route`,
//! `sockets`); over TCP that decides exactly, over a Unix socket it often does. Only when it
//! decides nothing does plan probe, asking the server process in several transactions while
//! other connections hold transactions open (`probe`), which a pooler handing the same server
//! connection back can fool; a session that took the advisory lock then also checks its
//! server process at the start of every transaction (`session::transaction`).

mod probe;
mod route;
mod sockets;

use postgres::{Client, SimpleQueryMessage};

pub(crate) use route::Intermediary;
use route::{SERVER_VIEW_SQL, ServerView, Verdict, verdict};

use crate::db::connect::{ConnectionSettings, Host};
use crate::db::error::{DbError, describe_postgres_error, server_code_of};

/// What stands between `client`, opened with `settings`, and the server process answering it,
/// or `None` when it is connected to the server itself.
pub(crate) fn intermediary(
    client: &mut Client,
    settings: &ConnectionSettings,
) -> Result<Option<Intermediary>, DbError> {
    let target = settings.to_string();
    let messages = client
        .simple_query(SERVER_VIEW_SQL)
        .map_err(|error| query_error(&error, &target))?;
    let seen = ServerView::from_row(&first_row(&messages));
    let connections = match settings.host() {
        Host::Tcp(_) => sockets::open_tcp_connections(),
        Host::Socket(_) => None,
    };
    Ok(
        match verdict(
            settings.host(),
            settings.port(),
            &seen,
            connections.as_deref(),
        ) {
            Verdict::Direct => None,
            Verdict::Between(intermediary) => Some(intermediary),
            Verdict::Unknown => probe::server_process_moves(client, settings, seen.pid)?
                .then_some(Intermediary::ServerProcessChanged),
        },
    )
}

/// The first row's columns as text (`None` for NULL), empty without a row.
fn first_row(messages: &[SimpleQueryMessage]) -> Vec<Option<String>> {
    messages
        .iter()
        .find_map(|message| match message {
            SimpleQueryMessage::Row(row) => Some(
                (0..row.len())
                    .map(|index| row.get(index).map(str::to_string))
                    .collect(),
            ),
            _ => None,
        })
        .unwrap_or_default()
}

fn query_error(error: &postgres::Error, target: &str) -> DbError {
    DbError::Query {
        action: "ask which server process answers (to detect a pooler)".to_string(),
        target: target.to_string(),
        detail: describe_postgres_error(error, None),
        server_code: server_code_of(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::cluster::{ClusterOptions, ScratchCluster};

    /// Over the server's own socket, what `settings`' role is shown and what is decided: the
    /// socket directories are shown to a superuser, whose evidence then says "direct"; a plain
    /// role is not shown them and is probed, which finds the server itself too.
    fn check(settings: &ConnectionSettings, sees_directories: bool) {
        let mut client = settings.connect().unwrap_or_else(|error| panic!("{error}"));
        let messages = client
            .simple_query(SERVER_VIEW_SQL)
            .unwrap_or_else(|error| panic!("{error}"));
        let seen = ServerView::from_row(&first_row(&messages));
        let expect = if sees_directories {
            Verdict::Direct
        } else {
            Verdict::Unknown
        };
        assert_eq!(
            verdict(settings.host(), settings.port(), &seen, None),
            expect,
            "{} saw {seen:?}",
            settings.user()
        );
        let decided = intermediary(&mut client, settings).unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(decided, None, "{}", settings.user());
    }

    #[test]
    fn the_socket_directories_are_shown_to_the_roles_pg_settings_shows_them_to() {
        let cluster = ScratchCluster::start(&ClusterOptions::socket_only())
            .unwrap_or_else(|error| panic!("could not start a scratch cluster: {error}"));
        let settings = cluster
            .create_database("pooler_view")
            .unwrap_or_else(|error| panic!("{error}"));
        let mut admin = settings.connect().unwrap_or_else(|error| panic!("{error}"));
        admin
            .batch_execute(
                "CREATE ROLE plain LOGIN; CREATE ROLE reader LOGIN; \
                 GRANT pg_read_all_settings TO reader",
            )
            .unwrap_or_else(|error| panic!("{error}"));
        check(&settings, true);
        check(&settings.with_user("reader"), true);
        check(&settings.with_user("plain"), false);
    }
}
