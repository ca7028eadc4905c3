//! Tests of a real scratch cluster: it starts, serves, and is removed on drop, and its watchdog
//! cleans up after a SIGKILLed owner.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use nix::sys::signal::kill;
use nix::unistd::Pid;

use super::scratch::{check_database_name, quote_identifier};
use super::{ClusterOptions, ScratchCluster};
use crate::db::error::DbError;

fn start_socket_cluster() -> ScratchCluster {
    match ScratchCluster::start(&ClusterOptions::socket_only()) {
        Ok(cluster) => cluster,
        Err(error) => panic!("could not start a scratch cluster: {error}"),
    }
}

fn process_exists(pid: u32) -> bool {
    let raw_pid = i32::try_from(pid).expect("pids fit in i32");
    kill(Pid::from_raw(raw_pid), None).is_ok()
}

#[test]
fn cluster_accepts_connections_and_is_removed_on_drop() {
    let started = Instant::now();
    let cluster = start_socket_cluster();
    let start_time = started.elapsed();
    let directory = cluster.directory().to_path_buf();
    let pid = cluster.server_pid();
    let settings = cluster
        .create_database("cluster_unit_test")
        .expect("create database");
    let mut client = settings.connect().expect("connect");
    let row = client
        .query_one("SELECT current_database(), current_setting('fsync')", &[])
        .expect("query");
    assert_eq!(row.get::<_, String>(0), "cluster_unit_test");
    assert_eq!(row.get::<_, String>(1), "off");
    drop(client);
    cluster
        .drop_database_if_exists("cluster_unit_test")
        .expect("drop database");
    cluster
        .drop_database_if_exists("cluster_unit_test")
        .expect("dropping a missing database is fine");
    drop(cluster);
    assert!(!directory.exists(), "{} still exists", directory.display());
    assert!(!process_exists(pid), "server {pid} still runs");
    eprintln!("scratch cluster start took {start_time:?}");
}

#[test]
fn bad_database_names_are_rejected_before_reaching_the_server() {
    assert!(matches!(
        check_database_name(&"x".repeat(64)),
        Err(DbError::InvalidDatabaseName { .. })
    ));
    assert!(check_database_name("it's \"fine\"").is_ok());
    assert_eq!(quote_identifier("a\"b"), "\"a\"\"b\"");
}

/// Not a test by itself: the body of `watchdog_cleans_up_after_sigkill`'s child process,
/// which that test runs with `PLAN_WATCHDOG_CHILD` set. Without it, it returns at once.
#[test]
fn watchdog_child_process_helper() {
    if std::env::var_os("PLAN_WATCHDOG_CHILD").is_none() {
        return;
    }
    let cluster = start_socket_cluster();
    println!(
        "cluster directory={} pid={}",
        cluster.directory().display(),
        cluster.server_pid()
    );
    std::io::stdout().flush().expect("flush");
    thread::sleep(Duration::from_secs(120));
}

#[test]
fn watchdog_cleans_up_after_sigkill() {
    let mut child = Command::new(std::env::current_exe().expect("test binary path"))
        .args([
            "--exact",
            "db::cluster::tests::watchdog_child_process_helper",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("PLAN_WATCHDOG_CHILD", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn the child test process");
    let stdout = child.stdout.take().expect("piped stdout");
    let line = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .find_map(|line| {
            // libtest prints `test <name> ... ` on the same line first.
            let (_, report) = line.split_once("cluster directory=")?;
            Some(report.to_string())
        })
        .expect("the child reports its cluster");
    let (directory, pid) = line.rsplit_once(" pid=").expect("directory and pid");
    let directory = PathBuf::from(directory);
    let pid: u32 = pid.parse().expect("pid");
    assert!(directory.exists());
    assert!(process_exists(pid));

    child.kill().expect("SIGKILL the child");
    child.wait().expect("reap the child");

    let deadline = Instant::now() + Duration::from_secs(30);
    while (directory.exists() || process_exists(pid)) && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(50));
    }
    assert!(!process_exists(pid), "server {pid} survived its owner");
    assert!(
        !directory.exists(),
        "{} survived its owner",
        directory.display()
    );
}
