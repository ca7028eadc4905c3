//! The PostgreSQL parser behind `plan` ([`parse`]): the one module that knows the grammar
//! crate (`squawk-syntax`, pinned). It turns a script into what each statement does
//! ([`StatementFacts`]), in our own types only, so that the crate can be swapped by rewriting
//! this folder:
//! - this file: a script's statements' facts ([`parse`]);
//! - `tree.rs`: `Tree`, the syntax tree of a script, held flat;
//! - `typed.rs`: the few questions asked of `squawk-syntax`'s typed tree (a string literal's
//!   value, a `DO` block's and a SQL function's body);
//! - `reader.rs`: `Reader`, what one statement creates, alters, renames, drops and uses;
//! - `syntax.rs`: what the tree says about names, constraints, columns and calls;
//! - `tests.rs`: the facts of each kind of statement, the differential test against the
//!   lexer, and the proptests.
//!
//! The grammar is error tolerant: a statement it cannot read is reported as [`Opaque`] with the
//! parser's message, and the statements around it are still read. What is followed: every
//! `CREATE`/`ALTER`/`DROP` of a schema, extension, table (its columns and constraints), view,
//! materialized view, index, sequence, type, domain, function, procedure and trigger; `RENAME`
//! of those and `ALTER TABLE … SET SCHEMA`; relations, types, functions and sequences a
//! statement uses (anywhere in it, a SQL function's body included); `search_path`; and the
//! statements written literally in a PL/pgSQL `DO` block (`EXECUTE` in one is opaque).

mod actions;
mod reader;
mod syntax;
#[cfg(test)]
mod tests;
mod tree;
mod typed;

use squawk_parser::EntryPoint;

use super::actions::StatementActions;
use super::facts::{Opaque, StatementFacts};
use reader::statement_facts;
use tree::Tree;

/// Every statement of `text` with what it does, in order. Total: never fails and never
/// panics; what cannot be read comes back [`Opaque`].
///
/// The lexer's and parser's errors are kept; `squawk-syntax`'s validation pass is not run: it
/// walks the whole tree again for semantic checks (an empty DISTINCT ON, a bad literal) that
/// PostgreSQL makes anyway. Only the errors that mean the grammar could not read a statement
/// make it opaque.
pub(crate) fn parse(text: &str) -> Vec<StatementFacts> {
    let (tree, errors) = Tree::parse(text, EntryPoint::SourceFile);
    let mut statements = Vec::new();
    for node in tree.root().iter().flat_map(|root| root.children()) {
        let span = node.text_range();
        let mut facts = statement_facts(&node);
        facts.span = span.clone();
        let error = errors.iter().find(|(start, end, _)| {
            (*start >= span.start && *start < span.end)
                || (*start == *end && *start == span.end && span.end == text.len())
        });
        if let Some((_, _, message)) = error {
            // What the grammar recovered around an error is a guess: none of it is kept.
            facts = StatementFacts {
                span: facts.span,
                no_transaction: facts.no_transaction,
                opaque: Some(Opaque {
                    reason: format!("the parser cannot read it: {message}"),
                }),
                ..StatementFacts::default()
            };
        }
        statements.push(facts);
    }
    statements
}

/// Every statement of `text` with its [`Action`](super::actions::Action)s, for `plan lint`.
/// A statement the grammar cannot read has none, and says so.
pub(crate) fn read_actions(text: &str) -> Vec<StatementActions> {
    let (tree, errors) = Tree::parse(text, EntryPoint::SourceFile);
    tree.root()
        .iter()
        .flat_map(|root| root.children())
        .map(|node| {
            let span = node.text_range();
            let unreadable = errors
                .iter()
                .any(|(start, _, _)| *start >= span.start && *start < span.end);
            StatementActions {
                actions: if unreadable {
                    Vec::new()
                } else {
                    actions::statement_actions(&node)
                },
                // Only these can set it (`SET`, `RESET`, `SELECT set_config(…)`, a DO block's
                // own `SET`): reading every statement's facts for it doubled lint's time.
                search_path: if unreadable
                    || !matches!(
                        node.kind(),
                        squawk_syntax::SyntaxKind::SET
                            | squawk_syntax::SyntaxKind::RESET
                            | squawk_syntax::SyntaxKind::SELECT
                            | squawk_syntax::SyntaxKind::DO
                    ) {
                    None
                } else {
                    statement_facts(&node).search_path
                },
                span,
                unreadable,
            }
        })
        .collect()
}
