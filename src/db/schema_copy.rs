//! A database's schema copied into another (an empty one on a scratch cluster), for `plan
//! trace`: `pg_dump --schema-only --format=custom` of the source, restored with `pg_restore
//! --no-owner --no-privileges --exit-on-error`, then the rows of the ledger's own tables (the
//! tracking table, its history and catalog snapshots) dumped and restored the same way with
//! `--data-only`, so that the copy's ledger says what the source's says and an apply on the copy
//! runs exactly what it would run on the source. No other table's rows are read.
//!
//! Secrets as in `backup`: pg_dump and pg_restore get their connection through the `PG*`
//! environment (`ConnectionSettings::configure_child`), never their command line, and what
//! they print is scrubbed of the password before it is repeated. The archives go to a private
//! temporary folder, removed afterwards.

use std::path::Path;
use std::process::{Command, Stdio};

use super::backup::{find_tool, server_major_version};
use super::connect::ConnectionSettings;
use super::error::DbError;
use super::locks::LedgerTables;
use super::quote::quote_identifier;
use super::session::Session;

/// Copies the schema of the database `source` reaches, and the rows of its ledger's tables
/// when it has a ledger, into the database `into` reaches.
pub(crate) fn copy_schema(
    source: &ConnectionSettings,
    into: &ConnectionSettings,
    ledger: LedgerTables<'_>,
) -> Result<(), DbError> {
    let failed = |action: &str, detail: String| DbError::SchemaCopy {
        source_database: source.to_string(),
        action: action.to_string(),
        detail: source.scrub(&detail),
    };
    let mut session = Session::connect(source)?;
    let major = server_major_version(&mut session)?;
    let ledger_tables = existing_ledger_tables(&mut session, ledger)?;
    session.close()?;
    let pg_dump = find_tool("pg_dump", major)?;
    let pg_restore = find_tool("pg_restore", major)?;
    let folder = tempfile::Builder::new()
        .prefix("plan-trace-")
        .tempdir()
        .map_err(|error| failed("create a temporary folder", error.to_string()))?;

    let schema = folder.path().join("schema.dump");
    run(
        Command::new(&pg_dump)
            .args([
                "--schema-only",
                "--format=custom",
                "--no-password",
                "--file",
            ])
            .arg(&schema),
        source,
    )
    .map_err(|detail| failed("dump the schema with pg_dump", detail))?;
    restore(&pg_restore, &schema, &["--schema-only"], into)
        .map_err(|detail| failed("restore the schema with pg_restore", detail))?;

    if !ledger_tables.is_empty() {
        let rows = folder.path().join("ledger.dump");
        let mut dump = Command::new(&pg_dump);
        dump.args(["--data-only", "--format=custom", "--no-password", "--file"])
            .arg(&rows);
        for table in &ledger_tables {
            dump.arg("--table").arg(table);
        }
        run(&mut dump, source).map_err(|detail| failed("dump the ledger's rows", detail))?;
        restore(&pg_restore, &rows, &["--data-only"], into)
            .map_err(|detail| failed("restore the ledger's rows", detail))?;
    }
    Ok(())
}

/// The ledger's tables the source holds, as pg_dump `--table` patterns (double-quoted, so
/// matched literally).
fn existing_ledger_tables(
    session: &mut Session,
    ledger: LedgerTables<'_>,
) -> Result<Vec<String>, DbError> {
    let mut found = Vec::new();
    for table in [
        ledger.table.to_string(),
        format!("{}_history", ledger.table),
        format!("{}_catalog", ledger.table),
    ] {
        let name = format!(
            "{}.{}",
            quote_identifier(ledger.schema),
            quote_identifier(&table)
        );
        let rows = session
            .query_texts("SELECT pg_catalog.to_regclass($1)::text", &[&name])
            .map_err(|error| session.error("look for the ledger's tables", &error))?;
        if rows
            .first()
            .and_then(|row| row.first())
            .is_some_and(Option::is_some)
        {
            found.push(name);
        }
    }
    Ok(found)
}

/// Restores `archive` into the database `into` reaches, stopping at the first error.
fn restore(
    pg_restore: &Path,
    archive: &Path,
    what: &[&str],
    into: &ConnectionSettings,
) -> Result<(), String> {
    run(
        Command::new(pg_restore)
            .args(what)
            .args([
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "--no-password",
            ])
            .arg("--dbname")
            .arg(into.database())
            .arg(archive),
        into,
    )
}

/// Runs `command` pointed at the database `settings` reach; what it printed when it fails.
fn run(command: &mut Command, settings: &ConnectionSettings) -> Result<(), String> {
    settings.configure_child(command);
    let program = command.get_program().to_string_lossy().into_owned();
    let output = command
        .stdin(Stdio::null())
        .output()
        .map_err(|error| format!("{program}: {error}"))?;
    if output.status.success() {
        return Ok(());
    }
    Err(format!(
        "{program} {}: {}",
        match output.status.code() {
            Some(code) => format!("exited with code {code}"),
            None => "was killed by a signal".to_string(),
        },
        settings.scrub(String::from_utf8_lossy(&output.stderr).trim())
    ))
}
