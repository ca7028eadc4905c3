//! What a statement means for the transaction it would run in ([`StatementKind`],
//! [`Statement::kind`]): transaction control, a statement PostgreSQL refuses inside a
//! transaction block (and why), or anything else, read from its leading keywords. Finding
//! statements is `split`'s job.

use super::model::{Statement, StatementToken};
use crate::sql::lexer::{StringKind, TokenKind};

/// What a statement means for the transaction it would run in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum StatementKind {
    /// `BEGIN [WORK | TRANSACTION] [modes]` or `START TRANSACTION [modes]`.
    Begin,
    /// `COMMIT` or `END`, optionally with `WORK`/`TRANSACTION` and `AND NO CHAIN`.
    Commit,
    /// `ROLLBACK` or `ABORT`, optionally with `WORK`/`TRANSACTION` and `AND NO CHAIN`
    /// (never `ROLLBACK TO SAVEPOINT`, which is [`StatementKind::Other`]).
    Rollback,
    /// Ends the transaction in a way that cannot simply be stripped: `COMMIT AND CHAIN`,
    /// `ROLLBACK AND CHAIN`, `PREPARE TRANSACTION`.
    ChainedTransactionControl,
    /// PostgreSQL refuses to run this inside a transaction block.
    NoTransaction {
        /// Why, as a short sentence such as "CREATE INDEX CONCURRENTLY cannot run inside a
        /// transaction block".
        reason: &'static str,
    },
    /// Everything else, including `SAVEPOINT`, `RELEASE` and `ROLLBACK TO SAVEPOINT`.
    Other,
}

impl Statement {
    /// Classifies the statement by its leading keywords.
    pub(crate) fn kind(&self) -> StatementKind {
        let words: Vec<&str> = self.tokens.iter().map(StatementToken::word).collect();
        if let Some(kind) = transaction_control(&words) {
            return kind;
        }
        match no_transaction_reason(&words, &self.tokens) {
            Some(reason) => StatementKind::NoTransaction { reason },
            None => StatementKind::Other,
        }
    }
}

pub(super) fn transaction_control(words: &[&str]) -> Option<StatementKind> {
    let kind = match words {
        ["BEGIN", "ATOMIC", ..] => return None,
        ["BEGIN", ..] | ["START", "TRANSACTION", ..] => StatementKind::Begin,
        ["COMMIT" | "ROLLBACK", "PREPARED", ..] => return None,
        ["PREPARE", "TRANSACTION", ..] => StatementKind::ChainedTransactionControl,
        ["COMMIT" | "END", rest @ ..] => chained_or(skip_work(rest), StatementKind::Commit),
        ["ROLLBACK" | "ABORT", rest @ ..] => {
            let rest = skip_work(rest);
            if rest.first() == Some(&"TO") {
                // ROLLBACK TO [SAVEPOINT] x undoes part of the transaction and keeps it open.
                return None;
            }
            chained_or(rest, StatementKind::Rollback)
        }
        _ => return None,
    };
    Some(kind)
}

fn skip_work<'a, 'b>(rest: &'a [&'b str]) -> &'a [&'b str] {
    match rest {
        ["WORK" | "TRANSACTION", rest @ ..] => rest,
        _ => rest,
    }
}

fn chained_or(rest: &[&str], plain: StatementKind) -> StatementKind {
    match rest {
        ["AND", "CHAIN", ..] => StatementKind::ChainedTransactionControl,
        _ => plain,
    }
}

/// Statements PostgreSQL (15) runs through `PreventInTransactionBlock`, as far as the words of
/// the statement can tell. Ones that depend on the catalog (REINDEX or CLUSTER of a partitioned
/// table) are not recognised.
fn no_transaction_reason(words: &[&str], tokens: &[StatementToken]) -> Option<&'static str> {
    let reason = match words {
        ["VACUUM", ..] => "VACUUM cannot run inside a transaction block",
        ["CREATE", "INDEX", "CONCURRENTLY", ..]
        | ["CREATE", "UNIQUE", "INDEX", "CONCURRENTLY", ..] => {
            "CREATE INDEX CONCURRENTLY cannot run inside a transaction block"
        }
        ["DROP", "INDEX", "CONCURRENTLY", ..] => {
            "DROP INDEX CONCURRENTLY cannot run inside a transaction block"
        }
        ["REINDEX", ..] => return reindex_reason(tokens),
        ["CLUSTER", ..] => return cluster_reason(tokens),
        ["ALTER", "SYSTEM", ..] => "ALTER SYSTEM cannot run inside a transaction block",
        ["CREATE", "DATABASE", ..] => "CREATE DATABASE cannot run inside a transaction block",
        ["DROP", "DATABASE", ..] => "DROP DATABASE cannot run inside a transaction block",
        ["ALTER", "DATABASE", _, "SET" | "WITH", "TABLESPACE", ..]
        | ["ALTER", "DATABASE", _, "TABLESPACE", ..] => {
            "ALTER DATABASE SET TABLESPACE cannot run inside a transaction block"
        }
        ["CREATE", "TABLESPACE", ..] => "CREATE TABLESPACE cannot run inside a transaction block",
        ["DROP", "TABLESPACE", ..] => "DROP TABLESPACE cannot run inside a transaction block",
        ["CREATE", "SUBSCRIPTION", ..] => {
            // Only creating the replication slot is non-transactional; `connect = false`
            // implies `create_slot = false`.
            if option_is_false(tokens, "create_slot") || option_is_false(tokens, "connect") {
                return None;
            }
            "CREATE SUBSCRIPTION with create_slot = true (the default) cannot run inside a transaction block"
        }
        ["ALTER", "SUBSCRIPTION", _, "REFRESH", "PUBLICATION", ..] => {
            "ALTER SUBSCRIPTION ... REFRESH PUBLICATION cannot run inside a transaction block"
        }
        [
            "ALTER",
            "SUBSCRIPTION",
            _,
            "SET" | "ADD" | "DROP",
            "PUBLICATION",
            ..,
        ] => {
            if option_is_false(tokens, "refresh") {
                return None;
            }
            "ALTER SUBSCRIPTION ... PUBLICATION with refresh = true (the default) cannot run inside a transaction block"
        }
        ["DROP", "SUBSCRIPTION", ..] => {
            "DROP SUBSCRIPTION of a subscription with a replication slot cannot run inside a transaction block"
        }
        ["ALTER", "TABLE", ..] if detaches_concurrently(words) => {
            "ALTER TABLE ... DETACH PARTITION ... CONCURRENTLY cannot run inside a transaction block"
        }
        ["DISCARD", "ALL", ..] => "DISCARD ALL cannot run inside a transaction block",
        ["COMMIT", "PREPARED", ..] => "COMMIT PREPARED cannot run inside a transaction block",
        ["ROLLBACK", "PREPARED", ..] => "ROLLBACK PREPARED cannot run inside a transaction block",
        _ => return None,
    };
    Some(reason)
}

/// `REINDEX [(options)] {INDEX|TABLE|SCHEMA|DATABASE|SYSTEM} [CONCURRENTLY] name`; since
/// PostgreSQL 14 `CONCURRENTLY` may also be one of the parenthesised options.
fn reindex_reason(tokens: &[StatementToken]) -> Option<&'static str> {
    let mut index = 1;
    let mut concurrently = false;
    if tokens.get(index).is_some_and(|token| token.is_symbol("(")) {
        let close = matching_paren(tokens, index)?;
        let options = &tokens[index + 1..close];
        concurrently = options.iter().enumerate().any(|(position, token)| {
            token.is_keyword("CONCURRENTLY")
                && !options.get(position + 1).is_some_and(is_false_value)
        });
        index = close + 1;
    }
    let target = tokens.get(index)?;
    if tokens
        .get(index + 1)
        .is_some_and(|token| token.is_keyword("CONCURRENTLY"))
    {
        concurrently = true;
    }
    if target.is_keyword("SCHEMA") {
        Some("REINDEX SCHEMA cannot run inside a transaction block")
    } else if target.is_keyword("DATABASE") {
        Some("REINDEX DATABASE cannot run inside a transaction block")
    } else if target.is_keyword("SYSTEM") {
        Some("REINDEX SYSTEM cannot run inside a transaction block")
    } else if concurrently {
        Some("REINDEX CONCURRENTLY cannot run inside a transaction block")
    } else {
        None
    }
}

/// `CLUSTER [VERBOSE]` or `CLUSTER (options)` with no table reclusters every table, one
/// transaction each.
fn cluster_reason(tokens: &[StatementToken]) -> Option<&'static str> {
    let mut index = 1;
    if tokens
        .get(index)
        .is_some_and(|token| token.is_keyword("VERBOSE"))
    {
        index += 1;
    } else if tokens.get(index).is_some_and(|token| token.is_symbol("(")) {
        index = matching_paren(tokens, index)? + 1;
    }
    if index >= tokens.len() {
        Some("CLUSTER without a table name cannot run inside a transaction block")
    } else {
        None
    }
}

fn detaches_concurrently(words: &[&str]) -> bool {
    let mut depth = 0usize;
    let mut detaching = false;
    for word in words {
        match *word {
            "(" => depth += 1,
            ")" => depth = depth.saturating_sub(1),
            "," if depth == 0 => detaching = false,
            "DETACH" if depth == 0 => detaching = true,
            "CONCURRENTLY" if depth == 0 && detaching => return true,
            _ => {}
        }
    }
    false
}

/// Index of the `)` matching the `(` at `open`.
fn matching_paren(tokens: &[StatementToken], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (index, token) in tokens.iter().enumerate().skip(open) {
        if token.is_symbol("(") {
            depth += 1;
        } else if token.is_symbol(")") {
            depth -= 1;
            if depth == 0 {
                return Some(index);
            }
        }
    }
    None
}

/// True when a `name = value` (or `name value`) option somewhere in the statement is false.
///
/// Option names are matched anywhere in the statement's words, which is safe for the WITH
/// clauses this is used on: their option names are not otherwise keywords of those statements.
fn option_is_false(tokens: &[StatementToken], name: &str) -> bool {
    tokens.iter().enumerate().any(|(index, token)| {
        let named = token.is_keyword(name)
            || (token.kind == TokenKind::QuotedIdentifier && token.normalized == name);
        if !named {
            return false;
        }
        let value = match tokens.get(index + 1) {
            Some(next) if next.is_symbol("=") => tokens.get(index + 2),
            next => next,
        };
        value.is_some_and(is_false_value)
    })
}

/// How `defGetBoolean` spells false: `false`, `off` or `0`, bare or quoted.
fn is_false_value(token: &StatementToken) -> bool {
    let text = match token.kind {
        TokenKind::Identifier | TokenKind::Number => token.normalized.as_str(),
        TokenKind::String(StringKind::Standard) => token
            .normalized
            .strip_prefix('\'')
            .and_then(|rest| rest.strip_suffix('\''))
            .unwrap_or(""),
        _ => return false,
    };
    ["false", "off", "0"]
        .iter()
        .any(|spelling| text.eq_ignore_ascii_case(spelling))
}
