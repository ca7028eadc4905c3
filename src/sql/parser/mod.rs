//! The PostgreSQL parser behind `plan` ([`parse`]): the one module that knows the grammar
//! crate (`squawk-syntax`, pinned). It turns a script into what each statement does
//! ([`StatementFacts`]), in our own types only, so that the crate can be swapped by rewriting
//! this folder:
//! - this file: the tree of a script (`parse_tree`) and its statements' facts ([`parse`]);
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

mod reader;
mod syntax;
#[cfg(test)]
mod tests;

use squawk_syntax::{SyntaxKind, SyntaxNode};

use super::facts::{Opaque, StatementFacts};
use reader::statement_facts;

/// Every statement of `text` with what it does, in order. Total: never fails and never
/// panics; what cannot be read comes back [`Opaque`].
pub(crate) fn parse(text: &str) -> Vec<StatementFacts> {
    let (root, errors) = parse_tree(text);
    let mut statements = Vec::new();
    for node in root.children() {
        let range = node.text_range();
        let span = usize::from(range.start())..usize::from(range.end());
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

/// The syntax tree of `text` and the lexer's and parser's errors, as (start, end, message).
///
/// What `SourceFile::parse` does, without `Parse::errors()`'s validation pass: that walks the
/// whole tree again for semantic checks (an empty DISTINCT ON, a bad literal) that PostgreSQL
/// makes anyway, and it took about a third of the time of parsing a project. Only the errors
/// that mean the grammar could not read a statement make it opaque.
fn parse_tree(text: &str) -> (SyntaxNode, Vec<(usize, usize, String)>) {
    let lexed = squawk_parser::LexedStr::new(text);
    let input = lexed.to_input();
    let output = squawk_parser::EntryPoint::SourceFile.parse(&input);
    let mut builder = rowan::GreenNodeBuilder::new();
    let mut errors = Vec::new();
    let raw = |kind: SyntaxKind| rowan::SyntaxKind(kind.into());
    lexed.intersperse_trivia(&output, &mut |step| match step {
        squawk_parser::StrStep::Token { kind, text } => builder.token(raw(kind), text),
        squawk_parser::StrStep::Enter { kind } => builder.start_node(raw(kind)),
        squawk_parser::StrStep::Exit => builder.finish_node(),
        squawk_parser::StrStep::Error { msg, pos } => errors.push((pos, pos, msg.to_string())),
    });
    for (range, message) in lexed.errors() {
        let start = usize::try_from(range.start).unwrap_or(usize::MAX);
        let end = usize::try_from(range.end).unwrap_or(usize::MAX);
        errors.push((start, end, message.to_string()));
    }
    (SyntaxNode::new_root(builder.finish()), errors)
}
