//! The TCP connections this process has open, each as the operating system names its two ends:
//! the evidence that the server process answering plan is connected to plan itself.
//!
//! Owns: listing them ([`open_tcp_connections`]). Leaves to others: what a match means
//! (`route`).
//!
//! The list comes from the process's descriptor table (`/dev/fd`, which Linux and the BSDs
//! provide), asking each descriptor its own and its peer's address: a descriptor that is not a
//! connected socket answers neither and is passed over. Without `/dev/fd` there is no list, and
//! the caller falls back to probing.

use std::net::{IpAddr, SocketAddr};
use std::os::fd::RawFd;

use nix::sys::socket::{SockaddrStorage, getpeername, getsockname};

/// One TCP connection's two ends, as this side's operating system names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct TcpEnds {
    /// This process's end.
    pub(super) local: SocketAddr,
    /// The other end: the server, or whatever stands in front of it.
    pub(super) peer: SocketAddr,
}

impl TcpEnds {
    /// Both ends with IPv4-mapped IPv6 addresses (`::ffff:10.0.0.1`) written as IPv4, as a
    /// dual-stack server may see an IPv4 client.
    pub(super) fn canonical(self) -> TcpEnds {
        TcpEnds {
            local: canonical(self.local),
            peer: canonical(self.peer),
        }
    }
}

/// `address` with an IPv4-mapped IPv6 address written as IPv4.
pub(super) fn canonical(address: SocketAddr) -> SocketAddr {
    match address.ip() {
        IpAddr::V6(ip) => match ip.to_ipv4_mapped() {
            Some(v4) => SocketAddr::new(IpAddr::V4(v4), address.port()),
            None => address,
        },
        IpAddr::V4(_) => address,
    }
}

/// Every TCP connection this process has open, or `None` when its descriptors cannot be
/// listed.
pub(super) fn open_tcp_connections() -> Option<Vec<TcpEnds>> {
    let entries = std::fs::read_dir("/dev/fd").ok()?;
    let mut connections = Vec::new();
    for entry in entries.flatten() {
        let Some(descriptor) = entry
            .file_name()
            .to_str()
            .and_then(|name| name.parse::<RawFd>().ok())
        else {
            continue;
        };
        if let Some(ends) = tcp_ends(descriptor) {
            connections.push(ends.canonical());
        }
    }
    Some(connections)
}

/// The two ends of `descriptor` when it is a connected TCP socket. The descriptor may have
/// been closed (or reused) by another thread since it was listed: then it answers for
/// whatever it is now, which is still one of this process's own.
fn tcp_ends(descriptor: RawFd) -> Option<TcpEnds> {
    let peer = internet_address(getpeername::<SockaddrStorage>(descriptor).ok()?)?;
    let local = internet_address(getsockname::<SockaddrStorage>(descriptor).ok()?)?;
    Some(TcpEnds { local, peer })
}

fn internet_address(address: SockaddrStorage) -> Option<SocketAddr> {
    if let Some(v4) = address.as_sockaddr_in() {
        return Some(SocketAddr::V4((*v4).into()));
    }
    address
        .as_sockaddr_in6()
        .map(|v6| SocketAddr::V6((*v6).into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{TcpListener, TcpStream};

    #[test]
    fn a_connection_this_process_opened_is_listed_with_both_ends() {
        let Ok(listener) = TcpListener::bind("127.0.0.1:0") else {
            return; // no loopback here: nothing to prove
        };
        let Ok(address) = listener.local_addr() else {
            return;
        };
        let Ok(stream) = TcpStream::connect(address) else {
            return;
        };
        let Ok(local) = stream.local_addr() else {
            return;
        };
        let listed = open_tcp_connections().unwrap_or_default();
        assert!(
            listed.contains(&TcpEnds {
                local,
                peer: address
            }),
            "{listed:?}"
        );
    }

    #[test]
    fn ipv4_mapped_addresses_are_written_as_ipv4() {
        let mapped: SocketAddr = "[::ffff:10.1.2.3]:5432"
            .parse()
            .unwrap_or(SocketAddr::from(([0; 4], 0)));
        assert_eq!(canonical(mapped), SocketAddr::from(([10, 1, 2, 3], 5432)));
        let v6: SocketAddr = "[::1]:5432"
            .parse()
            .unwrap_or(SocketAddr::from(([0; 4], 0)));
        assert_eq!(canonical(v6), v6);
    }
}
