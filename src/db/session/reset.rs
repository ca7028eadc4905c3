//! What a migration may leave on a session and how to undo it: the session's [`Identity`] as it
//! started, the settings reset, and [`RESIDUE`], the lookups asked in the same message, turned
//! into cleanup statements by [`cleanup_sql`]. When the reset is sent is `connection`'s and
//! `transaction`'s business.

/// A session's `current_user` and `session_user` as it started.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Identity {
    pub(super) current_user: String,
    pub(super) session_user: String,
}

/// Resets every setting a migration may have changed to the session's default (which keeps
/// what the connection's `options` set). Role and session authorization are not among the
/// settings `RESET ALL` resets: [`RESIDUE`] asks about them.
pub(super) const RESET_SETTINGS: &str = "RESET ALL;\n";

/// Lets the server notice a dead client within a second (PostgreSQL 14 and later), so a
/// killed `plan` does not leave a long statement running with the lock held.
pub(super) const CHECK_CONNECTION: &str = "SET client_connection_check_interval = '1s'";

/// [`NOT_PLANS_STATEMENT`] as a literal, for the constants here to hold it with `concat!`.
macro_rules! not_plans_statement {
    () => {
        "name NOT LIKE 'plan\\_ledger\\_write\\_%' AND name NOT LIKE 'plan\\_begin\\_%'"
    };
}

/// The names of the statements plan itself prepares with SQL's `PREPARE` (the ledger write
/// and begin statement of a migration sent as one message, see `message`), left out of what a
/// migration left: a condition on `pg_prepared_statements.name`.
pub(super) const NOT_PLANS_STATEMENT: &str = not_plans_statement!();

/// What else a migration may have left on the session, as columns 1 to 6 of a query whose column 0
/// is the transaction's ID: `current_user`, `session_user`, whether temporary objects exist (every
/// object depends on its schema, and `pg_depend` is indexed by what is depended on, so this is an
/// index lookup however large the catalog), whether it listens, whether it kept cursors open (`WITH
/// HOLD`), and the `DEALLOCATE` of the statements it prepared with `PREPARE` (plan's own, prepared
/// through the protocol, are not `from_sql`; those of a migration sent as one message are left out
/// by [`NOT_PLANS_STATEMENT`]). Cheap lookups, asked in the same message as the reset;
/// [`cleanup_sql`] turns the answer into what is left to do, which is usually nothing.
pub(super) const RESIDUE: &str = concat!(
    "current_user::text, session_user::text, \
     EXISTS (SELECT FROM pg_catalog.pg_depend \
             WHERE refclassid = 'pg_catalog.pg_namespace'::pg_catalog.regclass \
               AND refobjid = pg_catalog.pg_my_temp_schema())::text, \
     EXISTS (SELECT FROM pg_catalog.pg_listening_channels())::text, \
     EXISTS (SELECT FROM pg_catalog.pg_cursors WHERE is_holdable)::text, \
     (SELECT string_agg('DEALLOCATE ' || quote_ident(name), '; ') \
      FROM pg_catalog.pg_prepared_statements WHERE from_sql AND ",
    not_plans_statement!(),
    ")"
);

/// [`RESIDUE`]'s lookups a message's guard makes (`message`), as columns `temporary`,
/// `cursors` and `prepared`, each true when the migration left some: what only the other path
/// can clean up (and name).
pub(super) const RESIDUE_LOOKUPS: &str = concat!(
    "EXISTS (SELECT FROM pg_catalog.pg_depend \
             WHERE refclassid = 'pg_catalog.pg_namespace'::pg_catalog.regclass \
               AND refobjid = pg_catalog.pg_my_temp_schema()) AS temporary, \
     EXISTS (SELECT FROM pg_catalog.pg_cursors WHERE is_holdable) AS cursors, \
     EXISTS (SELECT FROM pg_catalog.pg_prepared_statements WHERE from_sql AND ",
    not_plans_statement!(),
    ") AS prepared"
);

/// The statements that undo what [`RESIDUE`]'s answer `row` says a migration left, or `None`
/// when it left nothing but settings.
pub(super) fn cleanup_sql(row: &[Option<String>], identity: &Identity) -> Option<String> {
    let column = |index: usize| row.get(index).cloned().flatten();
    let yes = |index: usize| column(index).as_deref() == Some("true");
    let mut cleanup = Vec::new();
    if column(1).as_deref() != Some(identity.current_user.as_str())
        || column(2).as_deref() != Some(identity.session_user.as_str())
    {
        cleanup.push("RESET SESSION AUTHORIZATION; RESET ROLE".to_string());
    }
    if yes(3) {
        cleanup.push("DISCARD TEMP".to_string());
    }
    if yes(4) {
        cleanup.push("UNLISTEN *".to_string());
    }
    if yes(5) {
        cleanup.push("CLOSE ALL".to_string());
    }
    if let Some(deallocate) = column(6) {
        cleanup.push(deallocate);
    }
    (!cleanup.is_empty()).then(|| cleanup.join("; "))
}
