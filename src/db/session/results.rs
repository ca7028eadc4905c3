//! What running SQL gives back besides success: [`SqlError`], the server's error with what
//! PostgreSQL says about it (or a failure plan found itself), and rows read as texts. Running
//! the SQL is `connection`'s and `transaction`'s job.

use std::fmt;

use postgres::error::SqlState;

use crate::db::error::{describe_postgres_error, server_code_of};

/// An error the server (or the connection) reported while running SQL, with what PostgreSQL
/// says about it, so that `apply` can point at the file, line and column.
#[derive(Debug, Clone)]
pub struct SqlError {
    /// SQLSTATE, when the server answered.
    pub code: Option<String>,
    /// The server's message, or the connection failure.
    pub message: String,
    /// The server's DETAIL.
    pub detail: Option<String>,
    /// The server's HINT.
    pub hint: Option<String>,
    /// The server's CONTEXT (for errors inside functions).
    pub context: Option<String>,
    /// 1-based character position in the statement text sent, when the server gave one.
    pub position: Option<usize>,
    /// Whether the connection itself is gone (terminated backend, network), so nothing more
    /// can be done on this session.
    pub connection_lost: bool,
}

impl SqlError {
    /// A failure plan itself found, with no server error behind it.
    pub fn plan(message: impl Into<String>) -> Self {
        SqlError {
            code: None,
            message: message.into(),
            detail: None,
            hint: None,
            context: None,
            position: None,
            connection_lost: false,
        }
    }

    /// Whether the error is a lock timeout (SQLSTATE 55P03), the one error worth retrying.
    pub fn is_lock_timeout(&self) -> bool {
        self.code.as_deref() == Some(SqlState::LOCK_NOT_AVAILABLE.code())
    }

    /// Whether the statement was cancelled: by `pg_cancel_backend` (an operator's stop) or by
    /// the server's `statement_timeout`, which share a code.
    pub fn is_cancel(&self) -> bool {
        self.code.as_deref() == Some(SqlState::QUERY_CANCELED.code())
    }

    pub(super) fn from_postgres(error: &postgres::Error) -> Self {
        match error.as_db_error() {
            Some(server) => SqlError {
                code: Some(server.code().code().to_string()),
                message: server.message().to_string(),
                detail: server.detail().map(str::to_string),
                hint: server.hint().map(str::to_string),
                context: server.where_().map(str::to_string),
                position: match server.position() {
                    Some(postgres::error::ErrorPosition::Original(position)) => {
                        usize::try_from(*position).ok()
                    }
                    _ => None,
                },
                connection_lost: error.is_closed()
                    || server.code() == &SqlState::ADMIN_SHUTDOWN
                    || server.code() == &SqlState::CRASH_SHUTDOWN,
            },
            None => SqlError {
                code: server_code_of(error),
                message: describe_postgres_error(error, None),
                detail: None,
                hint: None,
                context: None,
                position: None,
                connection_lost: error.is_closed(),
            },
        }
    }
}

impl fmt::Display for SqlError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.message)?;
        if let Some(code) = &self.code {
            write!(formatter, " (SQLSTATE {code})")?;
        }
        Ok(())
    }
}

/// The columns of the last row among `messages`, as texts.
pub(super) fn last_row(messages: &[postgres::SimpleQueryMessage]) -> Option<Vec<Option<String>>> {
    messages.iter().rev().find_map(|message| match message {
        postgres::SimpleQueryMessage::Row(row) => Some(
            (0..row.len())
                .map(|index| row.get(index).map(str::to_string))
                .collect(),
        ),
        _ => None,
    })
}

/// Every column of a row as text; columns must be selected as text (`::text`).
pub(super) fn row_texts(row: &postgres::Row) -> Result<Vec<Option<String>>, SqlError> {
    (0..row.len())
        .map(|index| {
            row.try_get::<_, Option<String>>(index)
                .map_err(|error| SqlError::from_postgres(&error))
        })
        .collect()
}
