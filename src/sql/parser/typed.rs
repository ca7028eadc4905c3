//! What only `squawk-syntax`'s typed tree knows, asked of one statement's text: a string
//! literal's value (every escape form PostgreSQL has), a `DO` block's body and language, a
//! SQL-language function's body. These are rare next to the statements [`super::tree::Tree`]
//! reads, so building the typed tree for them alone costs little.

use squawk_syntax::ast::{self, AstNode};
use squawk_syntax::{SyntaxKind, SyntaxNode};

/// The value of the string literal `literal` (its source text: `'a''b'`, `E'\n'`, `$$x$$`).
pub(super) fn string_value(literal: &str) -> Option<String> {
    let root = typed_root(&format!("SELECT {literal}"));
    let node = root
        .descendants()
        .find(|part| part.kind() == SyntaxKind::LITERAL)?;
    let decoded = ast::Literal::cast(node)?.decoded_value()?;
    Some(decoded.text().to_string())
}

/// The body of a `DO` statement.
pub(super) enum DoBody {
    /// A PL/pgSQL body's text, decoded from its literal.
    Plpgsql(String),
    /// Another language's, or a body that cannot be decoded.
    Other,
}

/// The body of the `DO` statement `statement` (its source text).
pub(super) fn do_body(statement: &str) -> DoBody {
    let root = typed_root(statement);
    let body = root
        .descendants()
        .find_map(ast::Do::cast)
        .and_then(|block| block.plpgsql());
    match body {
        Some(body) => DoBody::Plpgsql(body.syntax().text().to_string()),
        None => DoBody::Other,
    }
}

/// The body of `statement`, a `CREATE FUNCTION | PROCEDURE … LANGUAGE sql AS '…'`, as text.
pub(super) fn sql_body(statement: &str) -> Option<String> {
    let root = typed_root(statement);
    let node = root.descendants().find(|part| {
        matches!(
            part.kind(),
            SyntaxKind::CREATE_FUNCTION | SyntaxKind::CREATE_PROCEDURE
        )
    })?;
    let body = ast::CreateFunction::cast(node.clone())
        .and_then(|function| function.sql_body())
        .or_else(|| ast::CreateProcedure::cast(node).and_then(|procedure| procedure.sql_body()))?;
    Some(body.syntax().text().to_string())
}

/// The typed tree of `text`: `SourceFile::parse` without its validation pass, whose semantic
/// checks are not wanted here.
fn typed_root(text: &str) -> SyntaxNode {
    let lexed = squawk_parser::LexedStr::new(text);
    let output = squawk_parser::EntryPoint::SourceFile.parse(&lexed.to_input());
    let mut builder = rowan::GreenNodeBuilder::new();
    let raw = |kind: SyntaxKind| rowan::SyntaxKind(kind.into());
    lexed.intersperse_trivia(&output, &mut |step| match step {
        squawk_parser::StrStep::Token { kind, text } => builder.token(raw(kind), text),
        squawk_parser::StrStep::Enter { kind } => builder.start_node(raw(kind)),
        squawk_parser::StrStep::Exit => builder.finish_node(),
        squawk_parser::StrStep::Error { .. } => {}
    });
    SyntaxNode::new_root(builder.finish())
}
