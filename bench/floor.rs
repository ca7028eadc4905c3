//! The one-message floor of the apply benchmarks: sends each migration as one simple-query message.
#![allow(clippy::print_stderr)]
//!
//! ```text
//! cargo run --release --example floor -- CONNINFO MESSAGES_FILE
//! ```
//!
//! MESSAGES_FILE holds the messages separated by NUL bytes; bench/apply.sh writes one per
//! migration, `BEGIN;` + the migration's file + its ledger insert (or, to roll back, the
//! rollback file + the ledger delete) + `COMMIT;`. Each is sent in one round trip with the
//! simple-query protocol, on one connection, as psql sends a `-c` string (one `-c` per migration
//! would put the whole project on one command line). This is the lower floor of issue 18: what a
//! tool that sends a migration and its ledger row together cannot beat. Exits 1 at the first
//! error, naming the message.

use std::process::ExitCode;

fn run(conninfo: &str, path: &str) -> Result<usize, String> {
    let text =
        std::fs::read_to_string(path).map_err(|error| format!("cannot read {path}: {error}"))?;
    let mut client = postgres::Client::connect(conninfo, postgres::NoTls)
        .map_err(|error| format!("cannot connect: {error}"))?;
    let mut sent = 0;
    for message in text
        .split('\0')
        .filter(|message| !message.trim().is_empty())
    {
        // `batch_execute` is one simple-query message: every statement of it in one round trip.
        client
            .batch_execute(message)
            .map_err(|error| format!("message {}: {error}", sent + 1))?;
        sent += 1;
    }
    Ok(sent)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [conninfo, path] = args.as_slice() else {
        eprintln!("usage: floor CONNINFO MESSAGES_FILE");
        return ExitCode::from(2);
    };
    match run(conninfo, path) {
        Ok(_) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("floor: {message}");
            ExitCode::FAILURE
        }
    }
}
