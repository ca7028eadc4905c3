//! Statements: splitting a script at its top-level semicolons, and classifying each statement
//! (transaction control, must run outside a transaction block, or ordinary).
//!
//! Splitting follows psql (`psqlscan.l`), because migration files are written and tested with
//! psql: a `;` ends a statement only outside parentheses and outside the `BEGIN ATOMIC ... END`
//! body of a `CREATE [OR REPLACE] FUNCTION|PROCEDURE` (see `Pending::track_function_body` for
//! where we read such bodies more carefully than psql's heuristic). After `COPY ... FROM STDIN;`
//! the following lines up to a `\.` line are the command's data, as psql reads them, and are
//! never lexed as SQL ([`Statement::copy_data`]). Tokens come from `lexer.rs`; what a statement
//! does is worked out by `parser/`.
//!
//! The splitter also follows the script's own changes to `standard_conforming_strings`
//! ([`Statement::standard_strings_change`]), which decide whether a backslash escapes in a
//! plain `'...'` string: each statement is lexed with the setting in force once the statements
//! before it have run, as the server reads it when it receives the statement.
//!
//! - `model`: [`Statement`] and `StatementToken`, what a script is split into.
//! - `split`: [`split_statements`], psql's statement boundaries and COPY data.
//! - `standard_strings`: `StandardStringsChange`, a statement's change to the setting.
//! - `classify`: [`StatementKind`], what a statement means for its transaction.

mod classify;
mod model;
mod split;
mod standard_strings;
#[cfg(test)]
mod tests;

pub(crate) use classify::StatementKind;
#[cfg(test)]
pub(crate) use model::StatementToken;
pub(crate) use model::{Statement, char_position_to_byte};
pub(crate) use split::split_statements;
