//! Bringing a ledger created by an earlier version of plan up to this one's shape: the
//! `completed` column and TRUNCATE guards ([`Ledger::upgrade`]), and CHECK constraints widened
//! for actions and states added since (`backup`, `import`, `baseline`, `rolling_back`).
//! Creating a ledger from nothing is `tables`'s job.

use super::tables::{HISTORY_ACTIONS, LEDGER_STATES, Ledger};
use crate::db::error::DbError;
use crate::db::quote::quote_identifier;
use crate::db::session::Session;

impl Ledger {
    /// Brings a ledger created by an earlier version of plan up to this one's shape: the
    /// `completed` column (progress of a partial migration, proven before a resume) and the
    /// triggers that refuse TRUNCATE. One catalog query when there is nothing to do. Call with
    /// the lock held, as [`Ledger::ensure`] says.
    pub fn upgrade(&self, session: &mut Session) -> Result<(), DbError> {
        let table = self.table_sql().replace('\'', "''");
        let history = self.history_sql().replace('\'', "''");
        let sql = format!(
            "SELECT (EXISTS (SELECT FROM pg_attribute WHERE attrelid = to_regclass('{table}')
                                 AND attname = 'completed' AND NOT attisdropped))::text,
                    (SELECT count(*) FROM pg_trigger
                     WHERE tgname = 'refuse_truncate'
                       AND tgrelid IN (to_regclass('{table}'), to_regclass('{history}')))::text"
        );
        let rows = session
            .query_texts(&sql, &[])
            .map_err(|error| session.error("read the ledger's shape", &error))?;
        let row = rows.into_iter().next().unwrap_or_default();
        let has_completed = row.first().cloned().flatten().as_deref() == Some("true");
        let truncate_guards = row.get(1).cloned().flatten().as_deref() == Some("2");
        if has_completed && truncate_guards {
            return Ok(());
        }
        let mut sql = String::from("BEGIN;\n");
        if !has_completed {
            sql.push_str(&format!(
                "ALTER TABLE {} ADD COLUMN IF NOT EXISTS completed text;\n",
                self.table_sql()
            ));
        }
        if !truncate_guards {
            for table in [self.table_sql(), self.history_sql()] {
                sql.push_str(&format!(
                    "DROP TRIGGER IF EXISTS refuse_truncate ON {table};\n"
                ));
            }
            sql.push_str(&self.truncate_guards_sql());
        }
        sql.push_str("COMMIT;");
        session.run(&sql).map_err(|error| {
            let _ = session.run("ROLLBACK");
            session.error(&format!("upgrade the ledger {}", self.name()), &error)
        })
    }

    pub(super) fn has_completed_column(&self, session: &mut Session) -> Result<bool, DbError> {
        let sql = format!(
            "SELECT EXISTS (SELECT FROM pg_attribute WHERE attrelid = to_regclass('{}')
                            AND attname = 'completed' AND NOT attisdropped)",
            self.table_sql().replace('\'', "''")
        );
        session
            .query_bool(&sql)
            .map_err(|error| session.error("read the ledger's shape", &error))
    }

    /// Creates the ledger when missing and widens the history's action list of a ledger
    /// created by an earlier version, so that `import` and `baseline` rows fit. Call with the
    /// lock held, as [`Ledger::ensure`] says.
    pub fn ensure_all_actions(&self, session: &mut Session) -> Result<(), DbError> {
        self.ensure(session)?;
        self.allow_backup_action(session)
    }

    /// Widens a ledger created by an earlier version so it can record a rollback's progress.
    /// Call with the lock held, as [`Ledger::ensure`] says.
    pub fn prepare_rollback_progress(&self, session: &mut Session) -> Result<(), DbError> {
        self.allow_rolling_back_state(session)
    }

    /// Replaces the history's `action` CHECK constraint of a ledger created by an earlier
    /// version, whose list lacks `backup`. A no-op on a ledger created by this one.
    pub(super) fn allow_backup_action(&self, session: &mut Session) -> Result<(), DbError> {
        self.widen_check(
            session,
            &Widening {
                table: self.history_sql(),
                column: "action",
                needed: "backup",
                list: HISTORY_ACTIONS,
                constraint: format!("{}_history_action_check", self.table),
                doing: "allow backups in the ledger history",
            },
        )
    }

    /// Replaces the tracking table's `state` CHECK constraint of a ledger created by an earlier
    /// version, whose list lacks `rolling_back`. A no-op on a ledger created by this one.
    pub(super) fn allow_rolling_back_state(&self, session: &mut Session) -> Result<(), DbError> {
        self.widen_check(
            session,
            &Widening {
                table: self.table_sql(),
                column: "state",
                needed: "rolling_back",
                list: LEDGER_STATES,
                constraint: format!("{}_state_check", self.table),
                doing: "allow partial rollbacks in the ledger",
            },
        )
    }

    /// Replaces a CHECK (`column` IN (...)) constraint of a ledger created by an earlier
    /// version when its list lacks `needed`, by one with today's list. A no-op otherwise.
    fn widen_check(&self, session: &mut Session, widening: &Widening<'_>) -> Result<(), DbError> {
        let Widening {
            table,
            column,
            needed,
            list,
            constraint,
            doing,
        } = widening;
        let literal = table.replace('\'', "''");
        let rows = session
            .query_texts(
                &format!(
                    "SELECT conname::text, pg_get_constraintdef(oid) FROM pg_constraint
                     WHERE conrelid = to_regclass('{literal}') AND contype = 'c'
                       AND pg_get_constraintdef(oid) LIKE '%{column}%'"
                ),
                &[],
            )
            .map_err(|error| session.error("read the ledger's constraints", &error))?;
        let outdated: Vec<String> = rows
            .into_iter()
            .filter_map(|row| {
                let mut columns = row.into_iter();
                let name = columns.next().flatten()?;
                let definition = columns.next().flatten()?;
                (!definition.contains(&format!("'{needed}'"))).then_some(name)
            })
            .collect();
        if outdated.is_empty() {
            return Ok(());
        }
        let drops: Vec<String> = outdated
            .iter()
            .map(|name| format!("DROP CONSTRAINT {}", quote_identifier(name)))
            .collect();
        let sql = format!(
            "ALTER TABLE {table} {drops}, ADD CONSTRAINT {name} CHECK ({column} IN ({list}))",
            drops = drops.join(", "),
            name = quote_identifier(constraint),
        );
        session
            .run(&sql)
            .map_err(|error| session.error(doing, &error))
    }
}

/// A CHECK constraint of an older ledger to widen: see `Ledger::widen_check`.
struct Widening<'a> {
    /// The table, quoted.
    table: String,
    /// The checked column.
    column: &'a str,
    /// The value an older list lacks.
    needed: &'a str,
    /// Today's list, as SQL.
    list: &'a str,
    /// The constraint's name.
    constraint: String,
    /// What is being done, for the error.
    doing: &'a str,
}
