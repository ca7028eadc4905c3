//! PostgreSQL SQL, read two ways. Pure: no I/O.
//!
//! - `lexer.rs` cuts text into `Token`s with byte spans, knowing PostgreSQL's quoting rules
//!   (nested comments, `E''` strings, dollar quotes, quoted identifiers).
//! - `statement/` groups tokens into [`Statement`]s the way psql does, and says which ones are
//!   transaction control or must run outside a transaction block ([`StatementKind`]).
//!   It follows the script's own `SET standard_conforming_strings` (`StandardStrings`). This
//!   is what runs: the lexer is the right tool for splitting and positions.
//! - `parser/` is the PostgreSQL grammar (the `squawk-syntax` crate, behind this one folder):
//!   what each statement does, as `facts.rs`'s types (names as written, unresolved), with
//!   `naming.rs`'s rules for the names PostgreSQL gives unnamed constraints.
//! - `effects.rs`: what a migration's SQL does ([`effects_of`]), per statement and summed, as
//!   [`ObjectKey`](crate::object::ObjectKey)s (the vocabulary it shares with `db/`) resolved
//!   through the migration's `search_path`.
//! - `expected.rs`: the catalog a run of migrations should leave ([`ExpectedCatalog`]), their
//!   effects applied statement by statement (renames, drops with what they take along,
//!   `CASCADE`), shared by check-schema, baseline and apply's preflight.
//! - `error.rs` holds `LexError`; offsets are bytes into the script, the caller attaches the file.
//! - `script.rs`: a migration's SQL as it will run ([`script::Script`], wrapped in a transaction
//!   or statement by statement), with the problems that make it unrunnable as written.
//!
//! This layer never talks to a database and never reads files.

pub(crate) mod actions;
mod effects;
pub(crate) mod error;
mod expected;
mod facts;
mod lexer;
mod naming;
mod parser;
pub(crate) mod script;
mod statement;

pub(crate) use effects::{
    SqlText, StatementEffects, effects_in_schema, effects_of, migration_texts, statement_effects,
};
pub(crate) use expected::ExpectedCatalog;
pub(crate) use facts::QualifiedName;
pub(crate) use lexer::tokenize;
pub(crate) use parser::read_actions;
pub(crate) use statement::{Statement, StatementKind, char_position_to_byte, split_statements};
