//! `ScratchCluster`: a throwaway PostgreSQL cluster in a private temporary directory, for
//! `plan apply --scratch` and for the test suite.
//!
//! Owns: finding the server binaries, `initdb`, starting `postgres` on a private Unix socket
//! (and optionally loopback TCP with TLS), waiting until it accepts connections, creating and
//! dropping databases, and stopping the server and deleting its files afterwards — even when
//! this process is killed. Leaves to others: what runs inside the databases (`apply`), and
//! how connections are made (`db::connect`).
//!
//! Cleanup has two paths. `Drop` stops the server (immediate shutdown) and removes the
//! directory. But a cluster kept in a `static` (as the test harness does) is never dropped,
//! and a process killed with SIGKILL runs no code at all, so each cluster also has a watchdog:
//! a small `sh` child reading a pipe whose write end only this process holds. When this process
//! ends, however it ends, the kernel closes the pipe, the watchdog reads end-of-file, stops the
//! server and deletes the directory. `Drop` tells the watchdog to exit instead, so exactly one
//! of the two cleans up. A cluster kept on purpose (`ScratchCluster::keep`) dismisses its
//! watchdog and is stopped by neither: it runs until someone runs the command it printed.
//!
//! As root, `initdb` and `postgres` refuse to run, so both run as the `postgres` OS user, which
//! is given ownership of the directory.
//!
//! - `options`: [`ClusterOptions`], `TcpListening`, `ServerTls`: what to start.
//! - `scratch`: [`ScratchCluster`], started, used, dropped (or kept).
//! - `kept`: [`KeptCluster`], a cluster left running on purpose (`apply --scratch --keep`), and
//!   the command that stops and removes it.
//! - `server`: the steps of running `postgres` (binaries, initdb, spawn, wait, stop).
//! - `watchdog`: the cleanup child that outlives a killed process.

mod kept;
pub(crate) mod options;
pub(crate) mod scratch;
mod server;
#[cfg(test)]
mod tests;
mod watchdog;

pub(crate) use kept::{KeptCluster, shell_quote};
pub(crate) use options::ClusterOptions;
pub(crate) use scratch::ScratchCluster;
