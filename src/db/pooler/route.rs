//! Whether the server process answering plan is connected to plan's own socket, from what the
//! server says of its client end and what this process's operating system says of its own
//! sockets: a pooler or proxy in between answers with the server process it picked, whose
//! client is the pooler.
//!
//! Owns: the server's side ([`ServerView`], [`SERVER_VIEW_SQL`]) and the decision
//! ([`verdict`]). Leaves to others: listing this process's sockets (`sockets`), probing when
//! the evidence decides nothing (`probe`).
//!
//! Over TCP the decision is exact: a server process talks to one client socket, and it is
//! plan's exactly when this process holds a socket whose two ends are the two the server names
//! (address translation between them looks like a proxy, and gets what a proxy gets: the table
//! lock, which holds anywhere). Over a Unix socket the server names no client end; a server
//! that listens on another port number, or in directories that do not hold the socket plan
//! dialled (visible to superusers and `pg_read_all_settings` only), is not the one plan
//! dialled. Otherwise nothing is decided.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};

use super::sockets::{TcpEnds, canonical};
use crate::db::connect::Host;

/// What the server says of the server process answering and its client, in one row of text
/// columns: pid, client address and port, server address and port (all empty over a Unix
/// socket), the server's port, and its socket directories where the role may see them: as
/// `pg_settings` shows them, to superusers and roles with the privileges of
/// `pg_read_all_settings` (a role that may not exist on an old server). Read with
/// `current_setting` rather than from `pg_settings`, which builds a row for every setting the
/// server has: that made this query over a millisecond, on every run.
pub(super) const SERVER_VIEW_SQL: &str = "SELECT pg_backend_pid()::text, \
     host(inet_client_addr()), inet_client_port()::text, \
     host(inet_server_addr()), inet_server_port()::text, \
     current_setting('port'), \
     (SELECT current_setting('unix_socket_directories') FROM pg_roles \
       WHERE rolname = 'pg_read_all_settings' AND pg_has_role(oid, 'USAGE'))";

/// The server's side of the connection, as [`SERVER_VIEW_SQL`] reads it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct ServerView {
    /// The server process answering.
    pub(super) pid: Option<i32>,
    /// Its client's end; `None` over a Unix socket.
    pub(super) client: Option<SocketAddr>,
    /// Its own end; `None` over a Unix socket.
    pub(super) server: Option<SocketAddr>,
    /// The port the server listens on (its Unix sockets are `.s.PGSQL.<port>`).
    pub(super) port: Option<u16>,
    /// The directories of its Unix sockets, when the role may see them.
    pub(super) socket_directories: Option<Vec<PathBuf>>,
}

impl ServerView {
    /// Reads the row [`SERVER_VIEW_SQL`] returns (each column `None` when NULL).
    pub(super) fn from_row(row: &[Option<String>]) -> ServerView {
        let text = |index: usize| row.get(index).cloned().flatten();
        let address = |host: usize, port: usize| {
            let ip: IpAddr = text(host)?.parse().ok()?;
            let port: u16 = text(port)?.parse().ok()?;
            Some(canonical(SocketAddr::new(ip, port)))
        };
        ServerView {
            pid: text(0).and_then(|pid| pid.parse().ok()),
            client: address(1, 2),
            server: address(3, 4),
            port: text(5).and_then(|port| port.parse().ok()),
            socket_directories: text(6).map(|list| socket_directories(&list)),
        }
    }
}

/// `unix_socket_directories`: a comma-separated list, entries optionally double-quoted.
fn socket_directories(list: &str) -> Vec<PathBuf> {
    list.split(',')
        .map(|entry| entry.trim().trim_matches('"'))
        .filter(|entry| !entry.is_empty())
        .map(PathBuf::from)
        .collect()
}

/// What stands between plan and the server process answering it, and how plan knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Intermediary {
    /// plan dialled TCP; the server process's client is a Unix socket.
    ServerSeesSocket,
    /// plan dialled a Unix socket; the server process's client is TCP.
    ServerSeesTcp,
    /// The server process's client is not a socket of this process.
    OtherClient,
    /// The socket plan dialled is for another port than the server's.
    OtherPort {
        /// The port of the socket plan dialled.
        dialled: u16,
        /// The server's.
        server: u16,
    },
    /// The server's socket directories do not hold the socket plan dialled.
    OtherDirectory,
    /// The server process changed between two transactions of one connection.
    ServerProcessChanged,
}

impl fmt::Display for Intermediary {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Intermediary::ServerSeesSocket => formatter.write_str(
                "the server process answering is connected to a Unix socket, not to plan's TCP connection",
            ),
            Intermediary::ServerSeesTcp => formatter.write_str(
                "the server process answering is connected over TCP, not to plan's Unix socket",
            ),
            Intermediary::OtherClient => formatter.write_str(
                "the server process answering is connected to another client than plan's socket",
            ),
            Intermediary::OtherPort { dialled, server } => write!(
                formatter,
                "plan dialled the socket of port {dialled}, the server listens on port {server}"
            ),
            Intermediary::OtherDirectory => formatter.write_str(
                "the server does not listen in the socket directory plan dialled",
            ),
            Intermediary::ServerProcessChanged => formatter
                .write_str("the server process changed between two transactions"),
        }
    }
}

/// What the evidence says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Verdict {
    /// The server process answering is connected to plan's own socket.
    Direct,
    /// Something stands between.
    Between(Intermediary),
    /// The evidence decides nothing.
    Unknown,
}

/// Decides from how plan dialled (`host`, `port`), the server's view, and this process's TCP
/// connections (`None` when they cannot be listed).
pub(super) fn verdict(
    host: &Host,
    port: u16,
    seen: &ServerView,
    connections: Option<&[TcpEnds]>,
) -> Verdict {
    match host {
        Host::Tcp(_) => {
            let (Some(client), Some(server)) = (seen.client, seen.server) else {
                return Verdict::Between(Intermediary::ServerSeesSocket);
            };
            let Some(connections) = connections else {
                return Verdict::Unknown;
            };
            let ends = TcpEnds {
                local: client,
                peer: server,
            };
            if connections.contains(&ends) {
                Verdict::Direct
            } else {
                Verdict::Between(Intermediary::OtherClient)
            }
        }
        Host::Socket(directory) => {
            if seen.client.is_some() {
                return Verdict::Between(Intermediary::ServerSeesTcp);
            }
            if let Some(server) = seen.port
                && server != port
            {
                return Verdict::Between(Intermediary::OtherPort {
                    dialled: port,
                    server,
                });
            }
            match &seen.socket_directories {
                Some(directories) if directories.iter().any(|d| same_directory(d, directory)) => {
                    Verdict::Direct
                }
                Some(_) => Verdict::Between(Intermediary::OtherDirectory),
                None => Verdict::Unknown,
            }
        }
    }
}

/// Whether two paths name one directory (through links, when both resolve).
fn same_directory(server: &Path, dialled: &Path) -> bool {
    if server == dialled {
        return true;
    }
    match (server.canonicalize(), dialled.canonicalize()) {
        (Ok(server), Ok(dialled)) => server == dialled,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address(text: &str) -> SocketAddr {
        text.parse().unwrap_or(SocketAddr::from(([0; 4], 0)))
    }

    fn tcp_view(client: &str, server: &str) -> ServerView {
        ServerView {
            pid: Some(42),
            client: Some(address(client)),
            server: Some(address(server)),
            port: Some(5432),
            socket_directories: None,
        }
    }

    fn socket_view(port: u16, directories: Option<&[&str]>) -> ServerView {
        ServerView {
            pid: Some(42),
            client: None,
            server: None,
            port: Some(port),
            socket_directories: directories.map(|list| list.iter().map(PathBuf::from).collect()),
        }
    }

    fn ours(local: &str, peer: &str) -> TcpEnds {
        TcpEnds {
            local: address(local),
            peer: address(peer),
        }
    }

    /// `verdict(host, port, seen, connections)` is `expect`.
    fn check(
        host: Host,
        port: u16,
        seen: &ServerView,
        connections: Option<&[TcpEnds]>,
        expect: Verdict,
    ) {
        assert_eq!(verdict(&host, port, seen, connections), expect, "{seen:?}");
    }

    #[test]
    fn over_tcp_the_server_process_is_plans_exactly_when_this_process_holds_its_client_end() {
        let tcp = || Host::Tcp("db".into());
        let mine = [ours("10.0.0.5:40000", "10.0.0.9:5432")];
        let seen = tcp_view("10.0.0.5:40000", "10.0.0.9:5432");
        check(tcp(), 5432, &seen, Some(&mine), Verdict::Direct);
        // A pooler on another machine: the server sees the pooler's end.
        let pooled = tcp_view("10.0.0.7:51000", "10.0.0.9:5432");
        check(
            tcp(),
            6432,
            &pooled,
            Some(&mine),
            Verdict::Between(Intermediary::OtherClient),
        );
        // The same local port towards another peer is another connection.
        let same_port = tcp_view("10.0.0.5:40000", "10.0.0.8:5432");
        check(
            tcp(),
            5432,
            &same_port,
            Some(&mine),
            Verdict::Between(Intermediary::OtherClient),
        );
        // The pooler reaches the server through its Unix socket.
        check(
            tcp(),
            6432,
            &socket_view(5432, None),
            Some(&mine),
            Verdict::Between(Intermediary::ServerSeesSocket),
        );
        // Without the list of this process's sockets, nothing is decided.
        check(tcp(), 5432, &seen, None, Verdict::Unknown);
    }

    #[test]
    fn over_a_unix_socket_the_port_and_the_directories_decide_when_visible() {
        let socket = || Host::Socket(PathBuf::from("/run/postgresql"));
        check(
            socket(),
            5432,
            &socket_view(5432, Some(&["/run/postgresql", "/tmp"])),
            None,
            Verdict::Direct,
        );
        check(
            socket(),
            5432,
            &socket_view(5432, Some(&["/tmp"])),
            None,
            Verdict::Between(Intermediary::OtherDirectory),
        );
        check(
            socket(),
            6432,
            &socket_view(5432, None),
            None,
            Verdict::Between(Intermediary::OtherPort {
                dialled: 6432,
                server: 5432,
            }),
        );
        check(
            socket(),
            5432,
            &socket_view(5432, None),
            None,
            Verdict::Unknown,
        );
        check(
            socket(),
            5432,
            &tcp_view("127.0.0.1:40000", "127.0.0.1:5432"),
            None,
            Verdict::Between(Intermediary::ServerSeesTcp),
        );
    }

    #[test]
    fn the_row_is_read_with_mapped_addresses_as_ipv4_and_quoted_directories() {
        let row = [
            Some("4242".to_string()),
            Some("::ffff:127.0.0.1".to_string()),
            Some("40000".to_string()),
            Some("127.0.0.1".to_string()),
            Some("5432".to_string()),
            Some("5432".to_string()),
            Some("\"/run/postgresql\", /tmp".to_string()),
        ];
        let seen = ServerView::from_row(&row);
        assert_eq!(seen.pid, Some(4242));
        assert_eq!(seen.client, Some(address("127.0.0.1:40000")));
        assert_eq!(seen.server, Some(address("127.0.0.1:5432")));
        assert_eq!(
            seen.socket_directories,
            Some(vec![
                PathBuf::from("/run/postgresql"),
                PathBuf::from("/tmp")
            ])
        );
        let unix = ServerView::from_row(&[
            Some("1".into()),
            None,
            None,
            None,
            None,
            Some("5432".into()),
            None,
        ]);
        assert_eq!(unix.client, None);
        assert_eq!(unix.socket_directories, None);
    }
}
