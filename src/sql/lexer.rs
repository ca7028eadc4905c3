//! The PostgreSQL lexer: cuts SQL text into tokens, each with its byte range in the input.
//!
//! It follows the server's `scan.l` and psql's `psqlscan.l` closely enough to know where every
//! string, comment, quoted identifier and dollar quote starts and ends, which is all statement
//! splitting needs. It does not validate tokens the server would reject (a lone `$`, trailing junk
//! after a number): those become ordinary tokens and the server reports them. Splitting into
//! statements lives in `statement/`.
//!
//! Plain `'...'` (and `N'...'`) strings depend on the session's `standard_conforming_strings`
//! ([`StandardStrings`]): on (the default since PostgreSQL 9.1), a backslash in them is an
//! ordinary character; off, it escapes the next character as in `E'...'`. [`tokenize`] assumes
//! on; the crate-private [`TokenStream`] can switch between tokens, which is how the statement
//! splitter follows a script's own `SET standard_conforming_strings`.

use std::ops::Range;

use super::error::LexError;

/// What a [`Token`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum TokenKind {
    /// Spaces, tabs, newlines, form and vertical feeds, and a UTF-8 byte-order mark at the very start.
    Whitespace,
    /// `-- ...` up to, not including, the end of the line.
    LineComment,
    /// `/* ... */`, nested comments included.
    BlockComment,
    /// An unquoted identifier or keyword.
    Identifier,
    /// A `"..."` or `U&"..."` identifier.
    QuotedIdentifier,
    /// A quoted string constant.
    String(StringKind),
    /// A `$$...$$` or `$tag$...$tag$` string.
    DollarString,
    /// A numeric constant.
    Number,
    /// A positional parameter such as `$1`.
    Parameter,
    /// A run of operator characters such as `=`, `<>` or `->>`.
    Operator,
    /// One of `,` `(` `)` `[` `]` `.` `:`, or `..` or `::`.
    Punctuation,
    /// `;`.
    Semicolon,
    /// Any other single character, such as a lone `$` or `{`; the server rejects these.
    Other,
}

/// The flavour of a quoted string constant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum StringKind {
    /// `'...'`, where `''` is a quote; with `standard_conforming_strings` off a backslash
    /// escapes the next character too (see [`StandardStrings`]).
    Standard,
    /// `E'...'`, where a backslash escapes the next character.
    Escape,
    /// `U&'...'`.
    Unicode,
    /// `B'...'`, a bit string.
    Bit,
    /// `X'...'`, a bit string in hexadecimal.
    Hex,
    /// `N'...'`, a national character string; its backslashes read as in a `'...'` string.
    National,
}

/// The session's `standard_conforming_strings`, which decides what a backslash means in a plain
/// `'...'` or `N'...'` string. Every other kind of token reads the same either way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub(crate) enum StandardStrings {
    /// A backslash is an ordinary character (`'a\'` is the two characters `a\`). PostgreSQL's
    /// default since 9.1.
    #[default]
    On,
    /// A backslash escapes the next character, as in `E'...'` (`'a\''` is the two characters
    /// `a'`).
    Off,
}

/// One lexical token: its kind and its byte range in the input.
///
/// The range always lies on `char` boundaries, so `&input[token.span.clone()]` never panics.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Token {
    /// What the token is.
    pub kind: TokenKind,
    /// Byte range of the token in the input.
    pub span: Range<usize>,
}

impl TokenKind {
    /// True for whitespace and comments, which never change what a statement means.
    pub(crate) fn is_trivia(self) -> bool {
        matches!(
            self,
            TokenKind::Whitespace | TokenKind::LineComment | TokenKind::BlockComment
        )
    }
}

/// Cuts `sql` into tokens, trivia included, so the spans of all tokens cover the input exactly.
///
/// Reads plain strings with `standard_conforming_strings` on ([`StandardStrings::On`]).
///
/// Fails on the first string, comment, quoted identifier or dollar quote that is never closed,
/// and on a psql meta-command (an unquoted backslash), reporting where it starts.
///
/// All of `sql` is read as SQL: the inline data after a `COPY ... FROM STDIN` (which holds
/// backslashes such as `\N` and `\.`) fails here. `split_statements` (in `statement/`, which
/// builds on this file and not the other way round) knows where such data lies and steps over it.
pub(crate) fn tokenize(sql: &str) -> Result<Vec<Token>, LexError> {
    let mut stream = TokenStream::new(sql);
    let mut tokens = Vec::new();
    while let Some(token) = stream.next_token()? {
        tokens.push(token);
    }
    Ok(tokens)
}

/// The tokens of a script one at a time, from a position the reader may move forward: the
/// statement splitter jumps over the inline data of `COPY ... FROM STDIN`, which is not SQL.
pub(crate) struct TokenStream<'a> {
    lexer: Lexer<'a>,
}

impl<'a> TokenStream<'a> {
    /// A stream of the tokens of `sql`, from its start.
    pub(crate) fn new(sql: &'a str) -> TokenStream<'a> {
        TokenStream {
            lexer: Lexer {
                sql,
                position: 0,
                standard_strings: StandardStrings::On,
            },
        }
    }

    /// Reads the plain strings of the tokens that follow according to `standard_strings`: the
    /// splitter switches between statements, as the server's setting changes.
    pub(crate) fn set_standard_strings(&mut self, standard_strings: StandardStrings) {
        self.lexer.standard_strings = standard_strings;
    }

    /// The next token, or `None` at the end of the input.
    pub(crate) fn next_token(&mut self) -> Result<Option<Token>, LexError> {
        self.lexer.next_token()
    }

    /// Continues lexing at byte `position`, which must lie on a char boundary at or after the
    /// end of the last token returned (anything else is ignored, so the stream never goes back
    /// and never cuts a character).
    pub(crate) fn resume_at(&mut self, position: usize) {
        if position >= self.lexer.position && self.lexer.sql.is_char_boundary(position) {
            self.lexer.position = position;
        }
    }
}

const BYTE_ORDER_MARK: &str = "\u{feff}";

/// Characters PostgreSQL allows in multi-character operators.
const OPERATOR_CHARS: &[u8] = b"~!@#^&|`?+-*/%<>=";

/// The scanning state: the input and how far we are.
///
/// Every delimiter the lexer looks for is ASCII, and every byte of a multi-byte character is
/// `>= 0x80`, which the lexer only ever consumes as a whole run (identifier or tag characters).
/// So each token ends either at an ASCII byte or at the end of input: always a char boundary.
struct Lexer<'a> {
    sql: &'a str,
    position: usize,
    standard_strings: StandardStrings,
}

impl Lexer<'_> {
    fn byte_at(&self, index: usize) -> Option<u8> {
        self.sql.as_bytes().get(index).copied()
    }

    fn next_token(&mut self) -> Result<Option<Token>, LexError> {
        let start = self.position;
        let Some(byte) = self.byte_at(start) else {
            return Ok(None);
        };
        let kind = if start == 0 && self.sql.starts_with(BYTE_ORDER_MARK) {
            // Editors on Windows like to start files with a BOM; the server would take it for an
            // identifier character, so we treat it as the whitespace it is meant to be.
            self.position = BYTE_ORDER_MARK.len();
            self.skip_while(is_space);
            TokenKind::Whitespace
        } else {
            self.scan(start, byte)?
        };
        Ok(Some(Token {
            kind,
            span: start..self.position,
        }))
    }

    fn scan(&mut self, start: usize, byte: u8) -> Result<TokenKind, LexError> {
        let next = self.byte_at(start + 1);
        let kind = match byte {
            _ if is_space(byte) => {
                self.skip_while(is_space);
                TokenKind::Whitespace
            }
            b'-' if next == Some(b'-') => {
                self.skip_while(|byte| byte != b'\n' && byte != b'\r');
                TokenKind::LineComment
            }
            b'/' if next == Some(b'*') => self.block_comment(start)?,
            b'\'' => {
                self.position = start + 1;
                self.quoted_string(start, StringKind::Standard)?
            }
            b'"' => {
                self.position = start + 1;
                self.quoted_identifier(start)?
            }
            b'$' => self.dollar(start)?,
            b'\\' => return Err(self.meta_command(start)),
            b'0'..=b'9' => self.number(start),
            b'.' if next.is_some_and(|byte| byte.is_ascii_digit()) => self.number(start),
            b';' => {
                self.position = start + 1;
                TokenKind::Semicolon
            }
            // `..` (PL/pgSQL ranges) and `::` (casts) are single tokens, as in scan.l.
            b'.' | b':' if next == Some(byte) => {
                self.position = start + 2;
                TokenKind::Punctuation
            }
            b',' | b'(' | b')' | b'[' | b']' | b'.' | b':' => {
                self.position = start + 1;
                TokenKind::Punctuation
            }
            _ if OPERATOR_CHARS.contains(&byte) => self.operator(start),
            _ if is_identifier_start(byte) => self.identifier_or_prefixed(start)?,
            _ => {
                // Only ASCII bytes reach here (all bytes >= 0x80 start identifiers).
                self.position = start + 1;
                TokenKind::Other
            }
        };
        Ok(kind)
    }

    fn skip_while(&mut self, keep: impl Fn(u8) -> bool) {
        while self.byte_at(self.position).is_some_and(&keep) {
            self.position += 1;
        }
    }

    fn block_comment(&mut self, start: usize) -> Result<TokenKind, LexError> {
        // Unlike the SQL standard's flat comments, PostgreSQL's nest: `/* a /* b */ c */` is one.
        let bytes = self.sql.as_bytes();
        let mut depth = 0usize;
        let mut index = start;
        while index < bytes.len() {
            match bytes.get(index..index + 2) {
                Some(b"/*") => {
                    depth += 1;
                    index += 2;
                }
                Some(b"*/") => {
                    depth -= 1;
                    index += 2;
                    if depth == 0 {
                        self.position = index;
                        return Ok(TokenKind::BlockComment);
                    }
                }
                _ => index += 1,
            }
        }
        Err(LexError::UnterminatedComment { offset: start })
    }

    /// Scans a single-quoted body; `self.position` is just after the opening quote.
    fn quoted_string(&mut self, start: usize, kind: StringKind) -> Result<TokenKind, LexError> {
        // The server's scan.l opens `'` and the `'` after `N` in its escape state (`xe`) when
        // standard_conforming_strings is off, and psql's psqlscan.l copies that.
        let backslash_escapes = match kind {
            StringKind::Escape => true,
            StringKind::Standard | StringKind::National => {
                self.standard_strings == StandardStrings::Off
            }
            StringKind::Unicode | StringKind::Bit | StringKind::Hex => false,
        };
        loop {
            match self.byte_at(self.position) {
                None => return Err(LexError::UnterminatedString { offset: start }),
                Some(b'\\') if backslash_escapes => {
                    // Skipping one byte is enough even before a multi-byte character: its
                    // continuation bytes can be neither a quote nor a backslash.
                    if self.byte_at(self.position + 1).is_none() {
                        return Err(LexError::UnterminatedString { offset: start });
                    }
                    self.position += 2;
                }
                Some(b'\'') if self.byte_at(self.position + 1) == Some(b'\'') => {
                    self.position += 2;
                }
                Some(b'\'') => {
                    self.position += 1;
                    // `'a'` then whitespace holding a newline then `'b'` is one constant, and
                    // its continuation keeps the first part's escape rules (scan.l's
                    // `quotecontinue`): `E'x'` + newline + `'\''` is one escaped string, not
                    // a plain string that ends later.
                    match self.string_continuation(self.position) {
                        Some(next) => self.position = next,
                        None => return Ok(TokenKind::String(kind)),
                    }
                }
                Some(_) => self.position += 1,
            }
        }
    }

    /// Where a string constant continues after its closing quote at `from`: just past the
    /// next part's opening quote, when only whitespace holding a newline (and `--` comments)
    /// stands between them, as scan.l's `{quote}{whitespace_with_newline}{quote}` says.
    fn string_continuation(&self, from: usize) -> Option<usize> {
        let mut position = from;
        let mut newline = false;
        loop {
            match self.byte_at(position) {
                Some(b' ' | b'\t' | b'\x0c' | b'\r') => position += 1,
                Some(b'\n') => {
                    newline = true;
                    position += 1;
                }
                Some(b'-') if self.byte_at(position + 1) == Some(b'-') => {
                    while !matches!(self.byte_at(position), None | Some(b'\n')) {
                        position += 1;
                    }
                }
                Some(b'\'') if newline => return Some(position + 1),
                _ => return None,
            }
        }
    }

    /// Scans a double-quoted body; `self.position` is just after the opening quote.
    fn quoted_identifier(&mut self, start: usize) -> Result<TokenKind, LexError> {
        loop {
            match self.byte_at(self.position) {
                None => return Err(LexError::UnterminatedIdentifier { offset: start }),
                Some(b'"') if self.byte_at(self.position + 1) == Some(b'"') => {
                    self.position += 2;
                }
                Some(b'"') => {
                    self.position += 1;
                    return Ok(TokenKind::QuotedIdentifier);
                }
                Some(_) => self.position += 1,
            }
        }
    }

    fn dollar(&mut self, start: usize) -> Result<TokenKind, LexError> {
        let next = self.byte_at(start + 1);
        if next.is_some_and(|byte| byte.is_ascii_digit()) {
            self.position = start + 1;
            self.skip_while(|byte| byte.is_ascii_digit());
            return Ok(TokenKind::Parameter);
        }
        // A tag is `$`, then optionally an identifier that cannot contain `$` or start with a
        // digit, then `$`. Anything else leaves a lone `$` (and the server rejects it).
        self.position = start + 1;
        if next.is_some_and(is_identifier_start) {
            self.skip_while(|byte| is_identifier_start(byte) || byte.is_ascii_digit());
        }
        if self.byte_at(self.position) != Some(b'$') {
            self.position = start + 1;
            return Ok(TokenKind::Other);
        }
        self.position += 1;
        let delimiter = &self.sql[start..self.position];
        // The body ends at the first occurrence of the exact opening delimiter, even one glued
        // to other text: the server's lexer (`<xdolq>` in scan.l) behaves the same way.
        match self.sql[self.position..].find(delimiter) {
            Some(found) => {
                self.position += found + delimiter.len();
                Ok(TokenKind::DollarString)
            }
            None => Err(LexError::UnterminatedDollarQuote {
                offset: start,
                delimiter: delimiter.to_owned(),
            }),
        }
    }

    fn meta_command(&self, start: usize) -> LexError {
        // psql treats any unquoted backslash as the start of a meta-command, and the server
        // has no use for one, so there is no SQL that this rejects wrongly.
        let rest = &self.sql[start + 1..];
        let word_end = rest
            .find(|character: char| character.is_whitespace() || character == '\\')
            .unwrap_or(rest.len());
        let word = if word_end == 0 {
            // `\\` is itself a (separator) command.
            rest.get(..1).unwrap_or("")
        } else {
            &rest[..word_end]
        };
        LexError::MetaCommand {
            offset: start,
            command: format!("\\{word}"),
        }
    }

    fn number(&mut self, start: usize) -> TokenKind {
        self.position = start;
        let bytes = self.sql.as_bytes();
        let radix_prefix = matches!(
            bytes.get(start..start + 2),
            Some(b"0x" | b"0X" | b"0o" | b"0O" | b"0b" | b"0B")
        );
        if radix_prefix {
            // PostgreSQL 16 hexadecimal, octal and binary integers, with `_` separators.
            self.position = start + 2;
            self.skip_while(|byte| byte.is_ascii_alphanumeric() || byte == b'_');
            return TokenKind::Number;
        }
        self.skip_while(|byte| byte.is_ascii_digit() || byte == b'_');
        // `1..10` is an integer followed by `..`, not a decimal.
        if self.byte_at(self.position) == Some(b'.')
            && self.byte_at(self.position + 1) != Some(b'.')
        {
            self.position += 1;
            self.skip_while(|byte| byte.is_ascii_digit() || byte == b'_');
        }
        if matches!(self.byte_at(self.position), Some(b'e' | b'E')) {
            let after_sign = match self.byte_at(self.position + 1) {
                Some(b'+' | b'-') => self.position + 2,
                _ => self.position + 1,
            };
            if self
                .byte_at(after_sign)
                .is_some_and(|byte| byte.is_ascii_digit())
            {
                self.position = after_sign;
                self.skip_while(|byte| byte.is_ascii_digit() || byte == b'_');
            }
        }
        TokenKind::Number
    }

    fn operator(&mut self, start: usize) -> TokenKind {
        // An operator stops where a comment starts: `*/*` is `*` then a comment, as in scan.l.
        self.position = start + 1;
        while let Some(byte) = self.byte_at(self.position) {
            let next = self.byte_at(self.position + 1);
            let comment_starts =
                (byte == b'-' && next == Some(b'-')) || (byte == b'/' && next == Some(b'*'));
            if !OPERATOR_CHARS.contains(&byte) || comment_starts {
                break;
            }
            self.position += 1;
        }
        TokenKind::Operator
    }

    fn identifier_or_prefixed(&mut self, start: usize) -> Result<TokenKind, LexError> {
        self.position = start + 1;
        self.skip_while(is_identifier_continue);
        if self.position != start + 1 {
            return Ok(TokenKind::Identifier);
        }
        // A one-letter word glued to a quote is a string prefix: E'..', B'..', X'..', N'..',
        // U&'..' and U&"..".
        let letter = self.sql.as_bytes()[start].to_ascii_lowercase();
        let next = self.byte_at(start + 1);
        let prefixed = match (letter, next) {
            (b'e', Some(b'\'')) => Some(StringKind::Escape),
            (b'b', Some(b'\'')) => Some(StringKind::Bit),
            (b'x', Some(b'\'')) => Some(StringKind::Hex),
            (b'n', Some(b'\'')) => Some(StringKind::National),
            _ => None,
        };
        if let Some(kind) = prefixed {
            self.position = start + 2;
            return self.quoted_string(start, kind);
        }
        if letter == b'u' && next == Some(b'&') {
            match self.byte_at(start + 2) {
                Some(b'\'') => {
                    self.position = start + 3;
                    return self.quoted_string(start, StringKind::Unicode);
                }
                Some(b'"') => {
                    self.position = start + 3;
                    return self.quoted_identifier(start);
                }
                _ => {}
            }
        }
        Ok(TokenKind::Identifier)
    }
}

fn is_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

/// `[A-Za-z_]` or any byte of a multi-byte character, as in PostgreSQL's `ident_start`.
fn is_identifier_start(byte: u8) -> bool {
    byte.is_ascii_alphabetic() || byte == b'_' || byte >= 0x80
}

/// `ident_cont`: identifiers may contain digits and `$`, which is why `a$b$` is one identifier
/// and not the start of a dollar quote.
fn is_identifier_continue(byte: u8) -> bool {
    is_identifier_start(byte) || byte.is_ascii_digit() || byte == b'$'
}

#[cfg(test)]
mod tests {
    use super::{StandardStrings, StringKind, TokenKind, TokenStream, tokenize};
    use crate::sql::error::LexError;
    use proptest::prelude::*;

    /// Renders the significant tokens of `sql` as `Kind:text` words, asserting lexing succeeds.
    fn check(sql: &str) -> String {
        let tokens = match tokenize(sql) {
            Ok(tokens) => tokens,
            Err(error) => panic!("expected {sql:?} to lex, got {error:?}"),
        };
        tokens
            .iter()
            .filter(|token| token.kind != TokenKind::Whitespace)
            .map(|token| format!("{:?}:{}", token.kind, &sql[token.span.clone()]))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Asserts lexing `sql` fails, and returns the error.
    fn check_error(sql: &str) -> LexError {
        match tokenize(sql) {
            Ok(tokens) => panic!("expected {sql:?} to fail, got {tokens:?}"),
            Err(error) => error,
        }
    }

    #[test]
    fn words_numbers_and_punctuation() {
        assert_eq!(
            check("SELECT a.b, 1.5e3 FROM t;"),
            "Identifier:SELECT Identifier:a Punctuation:. Identifier:b Punctuation:, \
             Number:1.5e3 Identifier:FROM Identifier:t Semicolon:;"
        );
        assert_eq!(
            check("1..10 .5 0x1F 1_000"),
            "Number:1 Punctuation:.. Number:10 Number:.5 Number:0x1F Number:1_000"
        );
        assert_eq!(
            check("x::int"),
            "Identifier:x Punctuation::: Identifier:int"
        );
    }

    #[test]
    fn line_comments_stop_at_either_line_ending() {
        assert_eq!(
            check("a -- b; c\r\nd"),
            "Identifier:a LineComment:-- b; c Identifier:d"
        );
    }

    #[test]
    fn block_comments_nest() {
        assert_eq!(
            check("a /* x /* y; */ z; */ b"),
            "Identifier:a BlockComment:/* x /* y; */ z; */ Identifier:b"
        );
        assert_eq!(check("/*/ x */"), "BlockComment:/*/ x */");
        assert_eq!(check("/**/"), "BlockComment:/**/");
    }

    #[test]
    fn operators_stop_where_comments_start() {
        assert_eq!(
            check("a=-- c\n1"),
            "Identifier:a Operator:= LineComment:-- c Number:1"
        );
        assert_eq!(
            check("a*/* c */b"),
            "Identifier:a Operator:* BlockComment:/* c */ Identifier:b"
        );
        assert_eq!(
            check("j->>'k'"),
            "Identifier:j Operator:->> String(Standard):'k'"
        );
    }

    #[test]
    fn standard_strings_double_their_quotes_and_keep_backslashes() {
        assert_eq!(check("'it''s; ok'"), "String(Standard):'it''s; ok'");
        assert_eq!(check(r"'a\' b"), r"String(Standard):'a\' Identifier:b");
        assert_eq!(check("''''"), "String(Standard):''''");
    }

    #[test]
    fn escape_strings_honour_backslashes() {
        assert_eq!(check(r"E'\''"), r"String(Escape):E'\''");
        assert_eq!(check(r"e'a\\' x"), r"String(Escape):e'a\\' Identifier:x");
        assert_eq!(check(r"E'semi\;colon'"), r"String(Escape):E'semi\;colon'");
        assert_eq!(check(r"E'é\é'"), r"String(Escape):E'é\é'");
    }

    #[test]
    fn prefixed_strings() {
        assert_eq!(
            check(r"U&'d\0061t' B'0101' X'1F' N'x'"),
            r"String(Unicode):U&'d\0061t' String(Bit):B'0101' String(Hex):X'1F' String(National):N'x'"
        );
        // Prefix letters only count when they are the whole word.
        assert_eq!(check("be'x'"), "Identifier:be String(Standard):'x'");
        assert_eq!(check("U & x"), "Identifier:U Operator:& Identifier:x");
    }

    #[test]
    fn quoted_identifiers_double_their_quotes() {
        assert_eq!(check(r#""a;b""#), r#"QuotedIdentifier:"a;b""#);
        assert_eq!(
            check(r#""say ""hi""" x"#),
            r#"QuotedIdentifier:"say ""hi""" Identifier:x"#
        );
        assert_eq!(check(r#"U&"d\0061t""#), r#"QuotedIdentifier:U&"d\0061t""#);
    }

    #[test]
    fn dollar_quotes_with_and_without_tags() {
        assert_eq!(check("$$a; 'b$$"), "DollarString:$$a; 'b$$");
        assert_eq!(check("$fn$ $$ ; $fn$"), "DollarString:$fn$ $$ ; $fn$");
        assert_eq!(
            check("$outer$ x $inner$ ; $inner$ y $outer$;"),
            "DollarString:$outer$ x $inner$ ; $inner$ y $outer$ Semicolon:;"
        );
        // Tags are case-sensitive.
        assert_eq!(check("$a$ $A$ $a$"), "DollarString:$a$ $A$ $a$");
        assert_eq!(check("$é$x$é$"), "DollarString:$é$x$é$");
    }

    #[test]
    fn dollar_digit_is_a_parameter_not_a_quote() {
        assert_eq!(check("$1 + $23"), "Parameter:$1 Operator:+ Parameter:$23");
        // A tag may not start with a digit, so `$1$` is a parameter and a lone `$`.
        assert_eq!(check("$1$"), "Parameter:$1 Other:$");
    }

    #[test]
    fn dollars_inside_identifiers_do_not_open_quotes() {
        assert_eq!(check("a$b$ c"), "Identifier:a$b$ Identifier:c");
        assert_eq!(check("$ x"), "Other:$ Identifier:x");
        assert_eq!(check("$a b"), "Other:$ Identifier:a Identifier:b");
    }

    #[test]
    fn byte_order_mark_at_start_is_whitespace() {
        let sql = "\u{feff}SELECT 1";
        let tokens = tokenize(sql).unwrap();
        assert_eq!(tokens[0].kind, TokenKind::Whitespace);
        assert_eq!(tokens[0].span, 0..3);
        assert_eq!(check(sql), "Identifier:SELECT Number:1");
    }

    #[test]
    fn non_ascii_letters_are_identifier_characters() {
        assert_eq!(
            check("café = 'é'"),
            "Identifier:café Operator:= String(Standard):'é'"
        );
    }

    #[test]
    fn unterminated_constructs_report_where_they_start() {
        assert_eq!(check_error("x 'abc").offset(), 2);
        assert!(matches!(
            check_error("x 'abc"),
            LexError::UnterminatedString { .. }
        ));
        assert!(matches!(
            check_error(r"E'abc\'"),
            LexError::UnterminatedString { offset: 0 }
        ));
        assert!(matches!(
            check_error("E'\\"),
            LexError::UnterminatedString { offset: 0 }
        ));
        assert!(matches!(
            check_error("/* a /* b */"),
            LexError::UnterminatedComment { offset: 0 }
        ));
        assert!(matches!(
            check_error(r#"a "b"#),
            LexError::UnterminatedIdentifier { offset: 2 }
        ));
        assert!(matches!(
            check_error(r#"U&"b"#),
            LexError::UnterminatedIdentifier { offset: 0 }
        ));
        assert_eq!(
            check_error("AS $body$ x $BODY$"),
            LexError::UnterminatedDollarQuote {
                offset: 3,
                delimiter: "$body$".into()
            }
        );
    }

    #[test]
    fn backslash_outside_quotes_is_a_meta_command() {
        assert_eq!(
            check_error("SELECT 1;\n\\i other.sql\n"),
            LexError::MetaCommand {
                offset: 10,
                command: "\\i".into()
            }
        );
        assert_eq!(
            check_error("\\set ON_ERROR_STOP on"),
            LexError::MetaCommand {
                offset: 0,
                command: "\\set".into()
            }
        );
        assert_eq!(
            check_error("\\\\"),
            LexError::MetaCommand {
                offset: 0,
                command: "\\\\".into()
            }
        );
        // Inside quotes and comments a backslash is just text.
        assert_eq!(
            check(r"'\i' -- \i"),
            r"String(Standard):'\i' LineComment:-- \i"
        );
    }

    /// Like `check`, reading plain strings with standard_conforming_strings off.
    fn check_off(sql: &str) -> String {
        let mut stream = TokenStream::new(sql);
        stream.set_standard_strings(StandardStrings::Off);
        let mut words = Vec::new();
        loop {
            match stream.next_token() {
                Ok(Some(token)) if token.kind == TokenKind::Whitespace => {}
                Ok(Some(token)) => {
                    words.push(format!("{:?}:{}", token.kind, &sql[token.span.clone()]));
                }
                Ok(None) => return words.join(" "),
                Err(error) => panic!("expected {sql:?} to lex, got {error:?}"),
            }
        }
    }

    #[test]
    fn issue_11_with_standard_strings_off_plain_and_national_strings_escape() {
        assert_eq!(check_off(r"'a\' b'"), r"String(Standard):'a\' b'");
        assert_eq!(
            check_off(r"'a\\' b"),
            r"String(Standard):'a\\' Identifier:b"
        );
        assert_eq!(check_off(r"N'a\' b'"), r"String(National):N'a\' b'");
        assert_eq!(check_off("'it''s'"), "String(Standard):'it''s'");
        // Other quotes read the same either way.
        for sql in [r"E'a\'' x", r"U&'a\' x", r"B'\' X'\' x", r#""a\" $$\$$"#] {
            assert_eq!(check_off(sql), check(sql), "{sql}");
        }
    }

    #[test]
    fn issue_11_a_string_continued_after_a_newline_keeps_its_escapes() {
        // One constant: the continuation is read with E'...'s backslash escapes.
        assert_eq!(
            check("E'x'\n'\\''; COMMIT; --'"),
            "String(Escape):E'x'\n'\\'' Semicolon:; Identifier:COMMIT Semicolon:; LineComment:--'"
        );
        // A comment may stand between the parts; without a newline there is no continuation.
        assert_eq!(
            check("'a' -- note\n  'b' x"),
            "String(Standard):'a' -- note\n  'b' Identifier:x"
        );
        assert_eq!(
            check("'a' 'b'"),
            "String(Standard):'a' String(Standard):'b'"
        );
    }

    #[test]
    fn issue_11_the_stream_switches_between_tokens() {
        let sql = r"'a\' 'b\'' 'c\'";
        let mut stream = TokenStream::new(sql);
        let first = stream.next_token().unwrap().unwrap();
        assert_eq!(&sql[first.span], r"'a\'");
        stream.set_standard_strings(StandardStrings::Off);
        stream.next_token().unwrap();
        let second = stream.next_token().unwrap().unwrap();
        assert_eq!(&sql[second.span], r"'b\''");
        stream.set_standard_strings(StandardStrings::On);
        stream.next_token().unwrap();
        let third = stream.next_token().unwrap().unwrap();
        assert_eq!(&sql[third.span], r"'c\'");
    }

    #[test]
    fn string_kinds_are_distinct() {
        let tokens = tokenize("E'a' 'b'").unwrap();
        assert_eq!(tokens[0].kind, TokenKind::String(StringKind::Escape));
        assert_eq!(tokens[2].kind, TokenKind::String(StringKind::Standard));
    }

    proptest! {
        #[test]
        fn lexing_never_panics(sql in any::<String>()) {
            let _ = tokenize(&sql);
        }

        #[test]
        fn lexing_with_standard_strings_off_never_panics(sql in any::<String>()) {
            let mut stream = TokenStream::new(&sql);
            stream.set_standard_strings(StandardStrings::Off);
            while let Ok(Some(_)) = stream.next_token() {}
        }

        #[test]
        fn tokens_cover_sql_like_input_exactly(
            sql in r#"[a-zE$'"/*;\\\-&U_0-9 \n().é]{0,48}"#,
        ) {
            if let Ok(tokens) = tokenize(&sql) {
                let mut expected_start = 0;
                for token in &tokens {
                    prop_assert_eq!(token.span.start, expected_start);
                    prop_assert!(token.span.end > token.span.start);
                    prop_assert!(sql.get(token.span.clone()).is_some());
                    expected_start = token.span.end;
                }
                prop_assert_eq!(expected_start, sql.len());
            }
        }
    }
}
