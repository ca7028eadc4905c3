//! The cleanup watchdog: a small `sh` child reading a pipe whose write end only this process
//! holds, which stops the server and deletes the cluster's directory when this process ends
//! however it ends (even SIGKILL), unless told to stand down first. Starting and stopping the
//! server itself is `server`'s job.

use std::io::Write;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};

use super::server::setup_error;
use crate::db::error::DbError;

/// The watchdog, run as `sh -c WATCHDOG_SCRIPT name <directory>` with a pipe on stdin. It
/// learns the server's pid from a `pid=` line, exits on a `stopped` line (the owner cleans up
/// itself), and on end-of-file (the owner died) stops the server and deletes the directory.
const WATCHDOG_SCRIPT: &str = r#"
pid=
while IFS= read -r line; do
  case "$line" in
    stopped) exit 0 ;;
    pid=*) pid="${line#pid=}" ;;
  esac
done
if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
  kill -QUIT "$pid" 2>/dev/null
  tries=0
  while kill -0 "$pid" 2>/dev/null && [ "$tries" -lt 100 ]; do
    sleep 0.1
    tries=$((tries + 1))
  done
  if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null; fi
fi
rm -rf -- "$1"
"#;

pub(super) fn start_watchdog(directory: &Path) -> Result<Child, DbError> {
    Command::new("/bin/sh")
        .arg("-c")
        .arg(WATCHDOG_SCRIPT)
        .arg("plan-scratch-watchdog")
        .arg(directory)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        // Its own process group, so a Ctrl-C aimed at us does not kill the watchdog too.
        .process_group(0)
        .spawn()
        .map_err(|source| setup_error("start the cleanup watchdog (/bin/sh)", source))
}

pub(super) fn tell_watchdog(watchdog: &mut Child, line: &str) {
    if let Some(pipe) = watchdog.stdin.as_mut() {
        // A watchdog that is gone cannot be helped; Drop still cleans up in the common case.
        let _ = writeln!(pipe, "{line}");
    }
}

/// Tells the watchdog to exit without cleaning up, and waits for it.
pub(super) fn dismiss_watchdog(watchdog: &mut Child) {
    if let Some(mut pipe) = watchdog.stdin.take() {
        let _ = pipe.write_all(b"stopped\n");
    }
    let _ = watchdog.wait();
}
