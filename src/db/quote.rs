//! Quoting SQL identifiers, for the few statements whose object names cannot be bind
//! parameters. A leaf of `db`, so that the files using it (`ledger`, `snapshots`) need not
//! import `db`'s public face, which re-exports them.

/// `name` as a quoted SQL identifier (`"Mixed ""Case"""`), for the few statements whose object
/// names cannot be bind parameters (DDL, `to_regclass` literals).
pub(crate) fn quote_identifier(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}
