//! The statements a session prepared with SQL's `PREPARE` for the migrations it sends as one
//! message (`message`), kept on the session (`connection`) between messages.

/// The statements a session prepared for its messages.
#[derive(Clone, Debug)]
pub(super) struct PreparedStatements {
    /// The ledger write's SQL they were prepared for.
    pub(super) ledger_sql: String,
    /// The lock timeout the begin statement sets, in milliseconds.
    pub(super) lock_timeout: u128,
    /// The name of the prepared ledger write.
    pub(super) ledger_write: String,
    /// The name of the prepared begin statement.
    pub(super) begin: String,
}
