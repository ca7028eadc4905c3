//! `command` steps: a program run without a shell, connected to exactly the migration's
//! database through its environment (never its arguments), in the project folder, killed with
//! its process group after its timeout; its exit code decides. A command commits what it does,
//! so it is a phase of its own: when it runs and how its end is recorded is `phases`'.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::db::ConnectionSettings;
use crate::project::Migration;

/// What a command step gets in its environment besides the connection: what it belongs to.
pub(crate) fn command_environment(
    migration: &Migration,
    environment: Option<&str>,
    index: usize,
) -> Vec<(String, String)> {
    let mut variables = Vec::new();
    variables.push(("PLAN_MIGRATION_ID".to_string(), migration.id().to_string()));
    variables.push(("PLAN_STEP".to_string(), (index + 1).to_string()));
    if let Some(environment) = environment {
        variables.push(("PLAN_ENVIRONMENT".to_string(), environment.to_string()));
    }
    variables
}

/// Runs a program without a shell, connected to exactly the database of `settings` (see
/// `ConnectionSettings::configure_child`: no inherited `PG*` variable reaches it, the password
/// only as `PGPASSWORD`), with `variables` added. `Err` holds why it failed and the tail of its
/// output, scrubbed of the password.
pub(crate) fn run_program(
    argv: &[String],
    directory: &Path,
    settings: &ConnectionSettings,
    variables: &[(String, String)],
    timeout: Option<Duration>,
) -> Result<(), String> {
    let Some((program, arguments)) = argv.split_first() else {
        return Err("the command is empty".to_string());
    };
    let mut command = Command::new(program);
    settings.configure_child(&mut command);
    command
        .args(arguments)
        .current_dir(directory)
        .envs(variables.iter().map(|(name, value)| (name, value)))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let mut child = command
        .spawn()
        .map_err(|error| format!("cannot start {program}: {error}"))?;
    // Drain output on threads, so a chatty program cannot block on a full pipe.
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut text = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut text);
            }
            String::from_utf8_lossy(&text).into_owned()
        })
    };
    let stdout = drain(
        child
            .stdout
            .take()
            .map(|pipe| Box::new(pipe) as Box<dyn Read + Send>),
    );
    let stderr = drain(
        child
            .stderr
            .take()
            .map(|pipe| Box::new(pipe) as Box<dyn Read + Send>),
    );
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Ok(status),
            Ok(None) => {}
            Err(error) => break Err(format!("cannot wait for {program}: {error}")),
        }
        if timeout.is_some_and(|limit| started.elapsed() >= limit) {
            // The whole process group, so a script's children go too.
            let _ = nix::sys::signal::killpg(
                nix::unistd::Pid::from_raw(i32::try_from(child.id()).unwrap_or(0)),
                nix::sys::signal::Signal::SIGKILL,
            );
            let _ = child.wait();
            break Err(format!(
                "{program} did not finish within {} s and was killed",
                timeout.unwrap_or_default().as_secs()
            ));
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    // The program has the password in its environment and may print it.
    let output = settings.scrub(&format!(
        "{}{}",
        stdout.join().unwrap_or_default(),
        stderr.join().unwrap_or_default()
    ));
    let tail: Vec<&str> = output.lines().rev().take(10).collect();
    let tail = tail.into_iter().rev().collect::<Vec<_>>().join("\n");
    match status {
        Ok(status) if status.success() => Ok(()),
        Ok(status) => Err(if tail.is_empty() {
            format!("{program} exited with {status}")
        } else {
            format!("{program} exited with {status}; its last output:\n{tail}")
        }),
        Err(message) => Err(message),
    }
}
