//! What a script is split into: [`Statement`] (its span, text, significant tokens, inline COPY
//! data and the `standard_conforming_strings` it was read with) and [`StatementToken`] (a token
//! made comparable: keywords uppercased, quoted identifiers unquoted, names as PostgreSQL stores
//! them). Also [`char_position_to_byte`], for the server's error positions. Finding statement
//! boundaries is `split`'s job, classifying them `classify`'s, the setting `standard_strings`'s.

use std::ops::Range;

use crate::sql::lexer::{StandardStrings, Token, TokenKind};

/// One SQL statement of a script.
///
/// Its span runs from its first significant token to its terminating `;` inclusive (for a final
/// statement without `;`, to its last significant token), so leading comments belong to no
/// statement and the text is exactly what should be sent to the server.
///
/// A `COPY ... FROM STDIN` statement also owns the data lines that follow it in the script
/// ([`Statement::copy_data`]); they lie after its span and are not part of its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Statement {
    pub(super) span: Range<usize>,
    pub(super) text: String,
    pub(super) tokens: Vec<StatementToken>,
    pub(super) copy_data: Option<CopyData>,
    pub(super) standard_strings: StandardStrings,
}

/// The inline data of a `COPY ... FROM STDIN` statement: its byte range in the script and a copy
/// of those bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct CopyData {
    pub(super) span: Range<usize>,
    pub(super) text: String,
}

/// A significant token of a [`Statement`]: anything but whitespace and comments, and not the
/// terminating `;`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StatementToken {
    pub(super) kind: TokenKind,
    pub(super) span: Range<usize>,
    pub(super) normalized: String,
}

/// Maps PostgreSQL's error position into a byte offset in the statement text.
///
/// The server reports `position` as a 1-based count of characters, not bytes, into the text it
/// was sent. A position one past the last character (the server's "at end of input") maps to
/// `statement_text.len()`. Returns `None` for 0 or a position beyond that.
pub(crate) fn char_position_to_byte(statement_text: &str, position: usize) -> Option<usize> {
    let index = position.checked_sub(1)?;
    statement_text
        .char_indices()
        .map(|(byte, _)| byte)
        .chain(std::iter::once(statement_text.len()))
        .nth(index)
}

impl Statement {
    /// Byte range of the statement in the script it was split from.
    pub(crate) fn span(&self) -> Range<usize> {
        self.span.clone()
    }

    /// The statement's text, including its terminating `;` and any comments inside it.
    pub(crate) fn text(&self) -> &str {
        &self.text
    }

    /// The significant tokens, without the terminating `;`.
    pub(crate) fn tokens(&self) -> &[StatementToken] {
        &self.tokens
    }

    /// The inline data of a `COPY ... FROM STDIN` statement, `None` for every other statement.
    ///
    /// These are the exact bytes psql would send with the COPY protocol after sending
    /// [`Statement::text`]: every line after the COPY command's line, up to but not including
    /// the line holding only `\.`, each with its line ending as written (`\n` or `\r\n`), so a
    /// non-empty value ends with a line ending. It may be empty (no rows). Nothing in it was
    /// read as SQL: `;`, quotes and backslashes in it mean nothing to the splitter.
    ///
    /// To run the statement: send [`Statement::text`] (the command alone), and when the server
    /// answers with CopyInResponse, send these bytes as CopyData (in one or more messages) and
    /// finish with CopyDone; the command's result follows.
    pub(crate) fn copy_data(&self) -> Option<&str> {
        self.copy_data.as_ref().map(|data| data.text.as_str())
    }

    /// Byte range of [`Statement::copy_data`] in the script the statement was split from:
    /// after [`Statement::span`], before the `\.` line. `None` when there is no data.
    pub(crate) fn copy_data_span(&self) -> Option<Range<usize>> {
        self.copy_data.as_ref().map(|data| data.span.clone())
    }

    /// The source text of one of this statement's tokens.
    pub(crate) fn token_text(&self, token: &StatementToken) -> &str {
        let relative = token.span.start.saturating_sub(self.span.start)
            ..token.span.end.saturating_sub(self.span.start);
        self.text.get(relative).unwrap_or("")
    }

    /// The `standard_conforming_strings` its plain strings were read with: the setting the
    /// session must have for the server to read [`Statement::text`] as one statement, the same
    /// way.
    #[cfg(test)]
    pub(crate) fn standard_strings(&self) -> StandardStrings {
        self.standard_strings
    }
}

impl StatementToken {
    /// What the token is.
    #[cfg(test)]
    pub(crate) fn kind(&self) -> TokenKind {
        self.kind
    }

    /// Byte range of the token in the script (not in the statement text).
    #[cfg(test)]
    pub(crate) fn span(&self) -> Range<usize> {
        self.span.clone()
    }

    /// The token made comparable: an unquoted word in ASCII uppercase (`CREATE`), a quoted
    /// identifier as the name it denotes (`"a""b"` gives `a"b`), anything else as written.
    #[cfg(test)]
    pub(crate) fn normalized(&self) -> &str {
        &self.normalized
    }

    /// True when this is the unquoted word `keyword`, compared ignoring ASCII case.
    ///
    /// A quoted identifier is never a keyword: `"BEGIN"` is a name.
    pub(crate) fn is_keyword(&self, keyword: &str) -> bool {
        self.kind == TokenKind::Identifier && self.normalized.eq_ignore_ascii_case(keyword)
    }

    /// True when this is the punctuation or operator `symbol`, such as `(` or `=`.
    pub(crate) fn is_symbol(&self, symbol: &str) -> bool {
        matches!(
            self.kind,
            TokenKind::Punctuation | TokenKind::Operator | TokenKind::Semicolon
        ) && self.normalized == symbol
    }

    /// The name this token denotes, if it is an identifier, as PostgreSQL stores it: unquoted
    /// words fold to lowercase, quoted ones keep their case, and both are cut to 63 bytes.
    pub(crate) fn name(&self) -> Option<String> {
        let name = match self.kind {
            TokenKind::Identifier => self.normalized.to_ascii_lowercase(),
            TokenKind::QuotedIdentifier => self.normalized.clone(),
            _ => return None,
        };
        Some(truncate_identifier(name))
    }

    /// The keyword form used for matching: a quoted identifier becomes `"`, which no keyword
    /// equals, so `"BEGIN"` cannot be mistaken for `BEGIN`.
    pub(super) fn word(&self) -> &str {
        match self.kind {
            TokenKind::QuotedIdentifier => "\"",
            _ => &self.normalized,
        }
    }

    pub(super) fn new(sql: &str, token: Token) -> StatementToken {
        let source = sql.get(token.span.clone()).unwrap_or("");
        let normalized = match token.kind {
            TokenKind::Identifier => source.to_ascii_uppercase(),
            TokenKind::QuotedIdentifier => unquote_identifier(source),
            _ => source.to_owned(),
        };
        StatementToken {
            kind: token.kind,
            span: token.span,
            normalized,
        }
    }
}

/// PostgreSQL's NAMEDATALEN is 64: names are silently cut to 63 bytes, at a character boundary.
const MAX_IDENTIFIER_BYTES: usize = 63;

fn truncate_identifier(mut name: String) -> String {
    if name.len() > MAX_IDENTIFIER_BYTES {
        let mut cut = MAX_IDENTIFIER_BYTES;
        while !name.is_char_boundary(cut) {
            cut -= 1;
        }
        name.truncate(cut);
    }
    name
}

/// `"a""b"` → `a"b`; `U&"d\0061t"` → `dat` (with the default `\` escape character).
fn unquote_identifier(source: &str) -> String {
    let (unicode, quoted) = match source.get(..2) {
        Some(prefix) if prefix.eq_ignore_ascii_case("u&") => (true, &source[2..]),
        _ => (false, source),
    };
    let inner = quoted
        .strip_prefix('"')
        .and_then(|rest| rest.strip_suffix('"'))
        .unwrap_or(quoted);
    let unescaped = inner.replace("\"\"", "\"");
    if unicode {
        decode_unicode_escapes(&unescaped).unwrap_or(unescaped)
    } else {
        unescaped
    }
}

/// Decodes `\XXXX`, `\+XXXXXX` and `\\`; `None` if an escape is malformed, so the caller can
/// keep the text as written (the server will reject it anyway).
pub(super) fn decode_unicode_escapes(text: &str) -> Option<String> {
    let mut decoded = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(found) = rest.find('\\') {
        decoded.push_str(&rest[..found]);
        let after = &rest[found + 1..];
        let (digits, skip) = if let Some(escaped) = after.strip_prefix('\\') {
            decoded.push('\\');
            rest = escaped;
            continue;
        } else if let Some(long) = after.strip_prefix('+') {
            (long.get(..6)?, 7)
        } else {
            (after.get(..4)?, 4)
        };
        if !digits.bytes().all(|byte| byte.is_ascii_hexdigit()) {
            return None;
        }
        let code = u32::from_str_radix(digits, 16).ok()?;
        decoded.push(char::from_u32(code)?);
        rest = &after[skip..];
    }
    decoded.push_str(rest);
    Some(decoded)
}
