//! Statements: splitting a script at its top-level semicolons, and classifying each statement
//! (transaction control, must run outside a transaction block, or ordinary).
//!
//! Splitting follows psql (`psqlscan.l`), because migration files are written and tested with
//! psql: a `;` ends a statement only outside parentheses and outside the `BEGIN ATOMIC ... END`
//! body of a `CREATE [OR REPLACE] FUNCTION|PROCEDURE` (see `Pending::track_function_body` for
//! where we read such bodies more carefully than psql's heuristic). After `COPY ... FROM STDIN;`
//! the following lines up to a `\.` line are the command's data, as psql reads them, and are
//! never lexed as SQL ([`Statement::copy_data`]). Tokens come from `lexer.rs`; what a statement
//! creates is worked out in `objects.rs`.
//!
//! The splitter also follows the script's own changes to `standard_conforming_strings`
//! ([`Statement::standard_strings_change`]), which decide whether a backslash escapes in a
//! plain `'...'` string: each statement is lexed with the setting in force once the statements
//! before it have run, as the server reads it when it receives the statement.

use std::ops::Range;

use super::error::LexError;
use super::lexer::{StandardStrings, StringKind, Token, TokenKind, TokenStream, tokenize};

/// One SQL statement of a script.
///
/// Its span runs from its first significant token to its terminating `;` inclusive (for a final
/// statement without `;`, to its last significant token), so leading comments belong to no
/// statement and the text is exactly what should be sent to the server.
///
/// A `COPY ... FROM STDIN` statement also owns the data lines that follow it in the script
/// ([`Statement::copy_data`]); they lie after its span and are not part of its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    span: Range<usize>,
    text: String,
    tokens: Vec<StatementToken>,
    copy_data: Option<CopyData>,
    standard_strings: StandardStrings,
}

/// How a statement changes the session's `standard_conforming_strings`
/// ([`Statement::standard_strings_change`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StandardStringsChange {
    /// The new setting, or `None` for the session's default: `RESET standard_conforming_strings`,
    /// `SET standard_conforming_strings TO DEFAULT`, `RESET ALL` and `DISCARD ALL`.
    pub value: Option<StandardStrings>,
    /// `SET LOCAL`: the server keeps the value only until the end of the current transaction
    /// (and ignores it, with a warning, outside a transaction block).
    pub local: bool,
}

/// The inline data of a `COPY ... FROM STDIN` statement: its byte range in the script and a copy
/// of those bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
struct CopyData {
    span: Range<usize>,
    text: String,
}

/// A significant token of a [`Statement`]: anything but whitespace and comments, and not the
/// terminating `;`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementToken {
    kind: TokenKind,
    span: Range<usize>,
    normalized: String,
}

/// What a statement means for the transaction it would run in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatementKind {
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

/// Splits a script into statements at its top-level semicolons, starting with
/// `standard_conforming_strings` on: [`split_statements_with`] with [`StandardStrings::On`].
pub fn split_statements(sql: &str) -> Result<Vec<Statement>, LexError> {
    split_statements_with(sql, StandardStrings::On)
}

/// Splits a script into statements at its top-level semicolons, reading plain `'...'` strings
/// with `standard_conforming_strings` as `start` until a statement of the script changes it.
///
/// `start` is the session's setting when the script begins, and its default: after a statement
/// that changes the setting ([`Statement::standard_strings_change`]) the statements that follow
/// are lexed with the new value, or with `start` again after `RESET` or `TO DEFAULT`. `SET LOCAL`
/// counts as `SET` up to the end of the script: a migration runs in one transaction, which
/// ends after its last statement, and plan refuses transaction control inside it; a `SET LOCAL`
/// in a file run outside a transaction is the exception (the server ignores it), and
/// [`StandardStringsChange::local`] lets the caller refuse it. Changes made any other way
/// (`set_config(...)`, a function's `SET` clause running its body) are not followed.
///
/// psql itself re-reads the setting only at the start of each input line, so on the rest of
/// the line holding the SET it still splits the old way; we switch at the next statement, as
/// the server does when each statement is sent on its own, so every text we produce is one
/// statement to the server.
///
/// Empty statements (`;;`) and comment-only stretches are dropped. Fails on the first
/// unterminated string, comment, quoted identifier or dollar quote, and on a psql meta-command.
///
/// A `COPY ... FROM STDIN;` takes the lines after its own as its data, up to a line holding only
/// `\.` ([`Statement::copy_data`]); splitting resumes after that line. Fails when that line is
/// missing ([`LexError::UnterminatedCopyData`]) and when SQL follows the COPY's `;` on its line
/// ([`LexError::TextAfterCopyFromStdin`]).
pub fn split_statements_with(
    sql: &str,
    start: StandardStrings,
) -> Result<Vec<Statement>, LexError> {
    let mut statements = Vec::new();
    let mut pending = Pending::default();
    let mut tokens = TokenStream::new(sql);
    let mut standard_strings = start;
    tokens.set_standard_strings(standard_strings);
    while let Some(token) = tokens.next_token()? {
        if token.kind.is_trivia() {
            continue;
        }
        if token.kind == TokenKind::Semicolon && pending.semicolon_ends_statement() {
            let finished = std::mem::take(&mut pending);
            let end = Some(token.span.end);
            if let Some(mut statement) = finished.into_statement(sql, end, standard_strings) {
                if copies_from_stdin(&statement.tokens) {
                    let (data, resume) = inline_copy_data(sql, &statement.span)?;
                    statement.copy_data = Some(data);
                    tokens.resume_at(resume);
                }
                // The server applies the setting when the statement has run, and reads the
                // next statement with it; the lexer has not looked past this `;` yet.
                if let Some(change) = statement.standard_strings_change() {
                    standard_strings = change.value.unwrap_or(start);
                    tokens.set_standard_strings(standard_strings);
                }
                statements.push(statement);
            }
            continue;
        }
        pending.push(sql, token);
    }
    if let Some(statement) = pending.into_statement(sql, None, standard_strings) {
        if copies_from_stdin(&statement.tokens) {
            // Without its `;` the command ends the script: no line is left for data.
            return Err(LexError::UnterminatedCopyData {
                offset: statement.span.start,
            });
        }
        statements.push(statement);
    }
    Ok(statements)
}

/// True for `COPY ... FROM STDIN`: `COPY` first, then `FROM STDIN` outside parentheses (so
/// `COPY (SELECT ... FROM stdin) TO STDOUT` is not one). `STDIN` is the keyword only: the server
/// reads `FROM 'stdin'` as a file name and rejects `FROM "stdin"`; psql's own `pstdin` exists
/// only in its `\copy` meta-command, which is not SQL.
fn copies_from_stdin(tokens: &[StatementToken]) -> bool {
    if !tokens.first().is_some_and(|token| token.is_keyword("COPY")) {
        return false;
    }
    let mut depth = 0usize;
    for (index, token) in tokens.iter().enumerate() {
        if token.is_symbol("(") {
            depth += 1;
        } else if token.is_symbol(")") {
            depth = depth.saturating_sub(1);
        } else if depth == 0
            && token.is_keyword("FROM")
            && tokens
                .get(index + 1)
                .is_some_and(|next| next.is_keyword("STDIN"))
        {
            return true;
        }
    }
    false
}

/// The data of the `COPY ... FROM STDIN` at `command` (its span, ending with its `;`), and the
/// byte where SQL resumes after it.
///
/// psql sends the command, and when the server asks for data it reads it from the script
/// itself (`handleCopyIn` in psql's copy.c): line by line, starting with the line after the
/// one holding the command's `;`, up to a line that is exactly `\.` (with `\n` or `\r\n`),
/// which is not sent. The rest of the command's own line is SQL that psql runs after the
/// data; we refuse it rather than reorder the script. Unlike psql, which would take
/// everything up to the end of the file as data, we require the `\.` line: without it the
/// statements after the COPY would silently become rows.
fn inline_copy_data(sql: &str, command: &Range<usize>) -> Result<(CopyData, usize), LexError> {
    let after_command = command.end;
    let rest = sql.get(after_command..).unwrap_or("");
    let line_end = rest
        .find('\n')
        .map_or(sql.len(), |found| after_command + found);
    let rest_of_line = sql.get(after_command..line_end).unwrap_or("");
    let stray = match tokenize(rest_of_line) {
        Ok(tokens) => tokens
            .iter()
            .find(|token| !token.kind.is_trivia() && token.kind != TokenKind::Semicolon)
            .map(|token| token.span.start),
        Err(error) => Some(error.offset()),
    };
    if let Some(offset) = stray {
        return Err(LexError::TextAfterCopyFromStdin {
            offset: after_command + offset,
        });
    }
    let unterminated = LexError::UnterminatedCopyData {
        offset: command.start,
    };
    if line_end == sql.len() {
        return Err(unterminated);
    }
    let data_start = line_end + 1;
    let mut line_start = data_start;
    while line_start < sql.len() {
        let line_end = sql[line_start..]
            .find('\n')
            .map_or(sql.len(), |found| line_start + found + 1);
        let line = &sql[line_start..line_end];
        // A final `\.` without a newline ends the data too: psql would send it, and the server
        // reads it as the end-of-data marker.
        if matches!(line, "\\.\n" | "\\.\r\n" | "\\.") {
            let data = CopyData {
                span: data_start..line_start,
                text: sql[data_start..line_start].to_owned(),
            };
            return Ok((data, line_end));
        }
        line_start = line_end;
    }
    Err(unterminated)
}

/// Maps PostgreSQL's error position into a byte offset in the statement text.
///
/// The server reports `position` as a 1-based count of characters, not bytes, into the text it
/// was sent. A position one past the last character (the server's "at end of input") maps to
/// `statement_text.len()`. Returns `None` for 0 or a position beyond that.
pub fn char_position_to_byte(statement_text: &str, position: usize) -> Option<usize> {
    let index = position.checked_sub(1)?;
    statement_text
        .char_indices()
        .map(|(byte, _)| byte)
        .chain(std::iter::once(statement_text.len()))
        .nth(index)
}

impl Statement {
    /// Byte range of the statement in the script it was split from.
    pub fn span(&self) -> Range<usize> {
        self.span.clone()
    }

    /// The statement's text, including its terminating `;` and any comments inside it.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The significant tokens, without the terminating `;`.
    pub fn tokens(&self) -> &[StatementToken] {
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
    pub fn copy_data(&self) -> Option<&str> {
        self.copy_data.as_ref().map(|data| data.text.as_str())
    }

    /// Byte range of [`Statement::copy_data`] in the script the statement was split from:
    /// after [`Statement::span`], before the `\.` line. `None` when there is no data.
    pub fn copy_data_span(&self) -> Option<Range<usize>> {
        self.copy_data.as_ref().map(|data| data.span.clone())
    }

    /// The source text of one of this statement's tokens.
    pub fn token_text(&self, token: &StatementToken) -> &str {
        let relative = token.span.start.saturating_sub(self.span.start)
            ..token.span.end.saturating_sub(self.span.start);
        self.text.get(relative).unwrap_or("")
    }

    /// The `standard_conforming_strings` its plain strings were read with: the setting the
    /// session must have for the server to read [`Statement::text`] as one statement, the same
    /// way.
    pub fn standard_strings(&self) -> StandardStrings {
        self.standard_strings
    }

    /// How this statement changes `standard_conforming_strings`, if it does:
    ///
    /// - `SET [SESSION | LOCAL] standard_conforming_strings {TO | =} value`, the name bare or
    ///   double-quoted, with a value the server accepts for a boolean (`on`, `off`, `true`,
    ///   `false`, `yes`, `no`, `1`, `0`, or an unambiguous prefix such as `t`, `f`, `of`, any
    ///   case, bare, quoted or as a string constant such as `'off'`);
    /// - `SET [SESSION | LOCAL] standard_conforming_strings {TO | =} DEFAULT`,
    ///   `RESET standard_conforming_strings`, `RESET ALL` and `DISCARD ALL`: back to the
    ///   session's default (`value: None`).
    ///
    /// A value the server would reject (`SET standard_conforming_strings = maybe`) changes
    /// nothing, as on the server, where the statement fails. Other settings, `SHOW`, and a
    /// function's `SET` clause are `None`.
    pub fn standard_strings_change(&self) -> Option<StandardStringsChange> {
        standard_strings_change(&self.tokens, self.standard_strings)
    }

    /// Classifies the statement by its leading keywords.
    pub fn kind(&self) -> StatementKind {
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

impl StatementToken {
    /// What the token is.
    pub fn kind(&self) -> TokenKind {
        self.kind
    }

    /// Byte range of the token in the script (not in the statement text).
    pub fn span(&self) -> Range<usize> {
        self.span.clone()
    }

    /// The token made comparable: an unquoted word in ASCII uppercase (`CREATE`), a quoted
    /// identifier as the name it denotes (`"a""b"` gives `a"b`), anything else as written.
    pub fn normalized(&self) -> &str {
        &self.normalized
    }

    /// True when this is the unquoted word `keyword`, compared ignoring ASCII case.
    ///
    /// A quoted identifier is never a keyword: `"BEGIN"` is a name.
    pub fn is_keyword(&self, keyword: &str) -> bool {
        self.kind == TokenKind::Identifier && self.normalized.eq_ignore_ascii_case(keyword)
    }

    /// True when this is the punctuation or operator `symbol`, such as `(` or `=`.
    pub fn is_symbol(&self, symbol: &str) -> bool {
        matches!(
            self.kind,
            TokenKind::Punctuation | TokenKind::Operator | TokenKind::Semicolon
        ) && self.normalized == symbol
    }

    /// The name this token denotes, if it is an identifier, as PostgreSQL stores it: unquoted
    /// words fold to lowercase, quoted ones keep their case, and both are cut to 63 bytes.
    pub fn name(&self) -> Option<String> {
        let name = match self.kind {
            TokenKind::Identifier => self.normalized.to_ascii_lowercase(),
            TokenKind::QuotedIdentifier => self.normalized.clone(),
            _ => return None,
        };
        Some(truncate_identifier(name))
    }

    /// The keyword form used for matching: a quoted identifier becomes `"`, which no keyword
    /// equals, so `"BEGIN"` cannot be mistaken for `BEGIN`.
    fn word(&self) -> &str {
        match self.kind {
            TokenKind::QuotedIdentifier => "\"",
            _ => &self.normalized,
        }
    }

    fn new(sql: &str, token: Token) -> StatementToken {
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
fn decode_unicode_escapes(text: &str) -> Option<String> {
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

/// The statement being collected, and psql's state for deciding whether a `;` ends it.
#[derive(Default)]
struct Pending {
    tokens: Vec<StatementToken>,
    paren_depth: usize,
    /// 1 inside a `BEGIN ATOMIC` body, plus one per CASE open in it; `;` ends nothing while > 0.
    begin_depth: usize,
    /// psql's `identifiers`: the first letters of the leading words, kept only for CREATE, OR,
    /// REPLACE, FUNCTION and PROCEDURE, to recognise `CREATE [OR REPLACE] FUNCTION|PROCEDURE`.
    leading_words: [u8; 4],
    word_count: usize,
}

impl Pending {
    fn semicolon_ends_statement(&self) -> bool {
        self.paren_depth == 0 && self.begin_depth == 0
    }

    fn push(&mut self, sql: &str, token: Token) {
        let token = StatementToken::new(sql, token);
        match token.kind {
            TokenKind::Punctuation if token.normalized == "(" => self.paren_depth += 1,
            TokenKind::Punctuation if token.normalized == ")" => {
                self.paren_depth = self.paren_depth.saturating_sub(1);
            }
            TokenKind::Identifier => self.track_function_body(&token),
            _ => {}
        }
        self.tokens.push(token);
    }

    /// Tracks SQL-standard function bodies (`BEGIN ATOMIC ... END`), inside which `;` ends nothing.
    ///
    /// The statement is recognised as psql does (`psqlscan.l`, rule `{identifier}`): psql
    /// remembers the first letters of the statement's first four identifiers when they are
    /// CREATE, OR, REPLACE, FUNCTION or PROCEDURE, and looks for blocks only when they spell
    /// `CREATE [OR REPLACE] FUNCTION|PROCEDURE` and only outside parentheses. Quoted
    /// identifiers never count (psql's rule matches unquoted words only).
    ///
    /// Inside such a statement psql counts every `begin` and `case` (the latter once inside a
    /// block) as an opener and every `end` as a closer. That heuristic misreads names: psql 15
    /// glues `CREATE FUNCTION f(s t) RETURNS int RETURN s.begin; COMMIT; ...` into one message
    /// (whose COMMIT then runs inside it), and cuts `BEGIN ATOMIC SELECT t.end FROM t; ...
    /// END;` at its first `;`, sending the body's `END;` alone, as a COMMIT. We follow the
    /// server's grammar instead (`opt_routine_body` in gram.y), which is where psql's
    /// heuristic is aiming:
    ///
    /// - only `BEGIN ATOMIC` opens a body; any other `begin` is a name;
    /// - inside a body, `CASE` opens a CASE expression, closed by the next `END`;
    /// - the body's own `END` always follows a `;` or `ATOMIC` (every statement in a body ends
    ///   with `;`), so an `END` after anything else, outside a CASE, is a column label;
    /// - a word after `.` (`s.begin`, `t.end`, `x.case`) or `AS` (`AS end`) is a name.
    ///
    /// So we split exactly where psql does except where psql's heuristic misfires, and there
    /// we split where the server sees statement boundaries: never inside a real body.
    fn track_function_body(&mut self, token: &StatementToken) {
        let word = token.normalized.as_str();
        if matches!(word, "CREATE" | "OR" | "REPLACE" | "FUNCTION" | "PROCEDURE") {
            if let Some(slot) = self.leading_words.get_mut(self.word_count) {
                *slot = word.as_bytes()[0];
            }
        }
        self.word_count += 1;
        let in_function = matches!(
            self.leading_words,
            [b'C', b'F' | b'P', _, _] | [b'C', b'O', b'R', b'F' | b'P']
        );
        if !in_function || self.paren_depth != 0 {
            return;
        }
        let (previous, before_previous) = match self.tokens.as_slice() {
            [.., before, last] => (Some(last), Some(before)),
            [last] => (Some(last), None),
            [] => (None, None),
        };
        if is_name_position(previous) {
            return;
        }
        match word {
            "ATOMIC"
                if previous.is_some_and(|token| token.is_keyword("BEGIN"))
                    && !is_name_position(before_previous) =>
            {
                self.begin_depth += 1;
            }
            "CASE" if self.begin_depth >= 1 => self.begin_depth += 1,
            // Inside a CASE, END closes it.
            "END" if self.begin_depth >= 2 => self.begin_depth -= 1,
            "END"
                if self.begin_depth == 1
                    && previous.is_some_and(|token| {
                        token.kind == TokenKind::Semicolon || token.is_keyword("ATOMIC")
                    }) =>
            {
                self.begin_depth = 0;
            }
            _ => {}
        }
    }

    /// `end` is the byte after the terminating `;`, or `None` at end of input;
    /// `standard_strings` is the setting its tokens were read with.
    fn into_statement(
        self,
        sql: &str,
        end: Option<usize>,
        standard_strings: StandardStrings,
    ) -> Option<Statement> {
        let start = self.tokens.first()?.span.start;
        let end = end.or_else(|| self.tokens.last().map(|token| token.span.end))?;
        let text = sql
            .get(start..end)
            .expect("statement spans start and end at token boundaries")
            .to_owned();
        Some(Statement {
            span: start..end,
            text,
            tokens: self.tokens,
            copy_data: None,
            standard_strings,
        })
    }
}

/// True when a word after `previous` can only be a name: after `.` it is a qualified name's
/// part (`s.begin`), after `AS` a column label (`AS end`), whatever keyword it spells.
fn is_name_position(previous: Option<&StatementToken>) -> bool {
    previous.is_some_and(|token| token.is_symbol(".") || token.is_keyword("AS"))
}

/// The name of the setting, as `StatementToken::name` gives it.
const STANDARD_STRINGS_NAME: &str = "standard_conforming_strings";

/// See [`Statement::standard_strings_change`]. The grammar is `VariableSetStmt` and
/// `VariableResetStmt` in gram.y: `SET [LOCAL | SESSION] name {TO | =} var_value`, where a
/// boolean setting takes exactly one value.
/// `standard_strings` is the setting the statement was read with, which decides what its `'...'`
/// value means.
fn standard_strings_change(
    tokens: &[StatementToken],
    standard_strings: StandardStrings,
) -> Option<StandardStringsChange> {
    let reset = StandardStringsChange {
        value: None,
        local: false,
    };
    let first = tokens.first()?;
    if first.is_keyword("RESET") || first.is_keyword("DISCARD") {
        return match tokens {
            [_, all] if all.is_keyword("ALL") => Some(reset),
            [reset_word, name]
                if reset_word.is_keyword("RESET")
                    && name.name().as_deref() == Some(STANDARD_STRINGS_NAME) =>
            {
                Some(reset)
            }
            _ => None,
        };
    }
    if !first.is_keyword("SET") {
        return None;
    }
    let mut rest = &tokens[1..];
    let mut local = false;
    if let [scope, after @ ..] = rest {
        if scope.is_keyword("LOCAL") || scope.is_keyword("SESSION") {
            local = scope.is_keyword("LOCAL");
            rest = after;
        }
    }
    let [name, to, value @ ..] = rest else {
        return None;
    };
    if name.name().as_deref() != Some(STANDARD_STRINGS_NAME)
        || !(to.is_keyword("TO") || to.is_symbol("="))
    {
        return None;
    }
    if let [default] = value {
        if default.is_keyword("DEFAULT") {
            return Some(StandardStringsChange { value: None, local });
        }
    }
    let on = parse_bool(&setting_value(value, standard_strings)?)?;
    let value = Some(if on {
        StandardStrings::On
    } else {
        StandardStrings::Off
    });
    Some(StandardStringsChange { value, local })
}

/// The text the server hands the setting for `var_value`: a word as it reads it, a string
/// constant's value, or an integer as `%d` prints it (a decimal stays as written). `None` for
/// anything else, which the server rejects.
fn setting_value(value: &[StatementToken], standard_strings: StandardStrings) -> Option<String> {
    match value {
        [sign, number] if number.kind == TokenKind::Number && sign.is_symbol("-") => {
            Some(integer_value(&number.normalized).map_or_else(
                || format!("-{}", number.normalized),
                |integer| (-integer).to_string(),
            ))
        }
        [sign, number] if number.kind == TokenKind::Number && sign.is_symbol("+") => Some(
            integer_value(&number.normalized)
                .map_or_else(|| number.normalized.clone(), |integer| integer.to_string()),
        ),
        [token] => match token.kind {
            TokenKind::Number => Some(
                integer_value(&token.normalized)
                    .map_or_else(|| token.normalized.clone(), |integer| integer.to_string()),
            ),
            // Unquoted words fold to lowercase, quoted ones keep their case (the server's
            // boolean parser ignores case anyway); the 63-byte cut changes no boolean.
            TokenKind::Identifier | TokenKind::QuotedIdentifier => token.name(),
            TokenKind::String(kind) => string_value(&token.normalized, kind, standard_strings),
            TokenKind::DollarString => dollar_string_value(&token.normalized),
            _ => None,
        },
        _ => None,
    }
}

/// An integer constant's value as scan.l reads it (`process_integer_literal`): decimal or, since
/// PostgreSQL 16, `0x`/`0o`/`0b`, with `_` separators; `None` past 32 bits, where the server
/// keeps the text as a decimal.
fn integer_value(text: &str) -> Option<i64> {
    let digits: String = text.chars().filter(|character| *character != '_').collect();
    let lower = digits.to_ascii_lowercase();
    let parsed = if let Some(hex) = lower.strip_prefix("0x") {
        i64::from_str_radix(hex, 16)
    } else if let Some(octal) = lower.strip_prefix("0o") {
        i64::from_str_radix(octal, 8)
    } else if let Some(binary) = lower.strip_prefix("0b") {
        i64::from_str_radix(binary, 2)
    } else {
        lower.parse::<i64>()
    };
    parsed.ok().filter(|value| i32::try_from(*value).is_ok())
}

/// A quoted string constant's value, its backslashes read as the server reads them with
/// `standard_strings`. `None` for strings the grammar does not take as a setting's value (bit
/// strings, `N'...'`).
fn string_value(
    source: &str,
    kind: StringKind,
    standard_strings: StandardStrings,
) -> Option<String> {
    let body = match kind {
        StringKind::Standard => source.get(1..source.len().checked_sub(1)?)?,
        StringKind::Escape => source.get(2..source.len().checked_sub(1)?)?,
        StringKind::Unicode => {
            let body = source
                .get(3..source.len().checked_sub(1)?)?
                .replace("''", "'");
            return decode_unicode_escapes(&body);
        }
        StringKind::Bit | StringKind::Hex | StringKind::National => return None,
    };
    let body = body.replace("''", "'");
    if kind == StringKind::Standard && standard_strings == StandardStrings::On {
        return Some(body);
    }
    decode_backslash_escapes(&body)
}

/// `$tag$body$tag$` → `body`.
fn dollar_string_value(source: &str) -> Option<String> {
    let tag_end = source.get(1..)?.find('$')? + 2;
    let tag = source.get(..tag_end)?;
    source
        .get(tag_end..source.len().checked_sub(tag.len())?)
        .map(str::to_owned)
}

/// The value of an `E'...'` body (quotes already undoubled): `\b \f \n \r \t`, octal
/// `\ooo`, hexadecimal `\xhh`, `\uXXXX`, `\UXXXXXXXX`, and `\` before anything else
/// standing for that character. `None` for an escape the server rejects.
fn decode_backslash_escapes(body: &str) -> Option<String> {
    let mut decoded = String::with_capacity(body.len());
    let mut characters = body.chars().peekable();
    while let Some(character) = characters.next() {
        if character != '\\' {
            decoded.push(character);
            continue;
        }
        let escaped = characters.next()?;
        let (radix, max_digits) = match escaped {
            'b' => {
                decoded.push('\u{8}');
                continue;
            }
            'f' => {
                decoded.push('\u{c}');
                continue;
            }
            'n' => {
                decoded.push('\n');
                continue;
            }
            'r' => {
                decoded.push('\r');
                continue;
            }
            't' => {
                decoded.push('\t');
                continue;
            }
            '0'..='7' => (8, 2),
            'x' if characters.peek().is_some_and(char::is_ascii_hexdigit) => (16, 2),
            'u' => (16, 4),
            'U' => (16, 8),
            other => {
                decoded.push(other);
                continue;
            }
        };
        let mut digits = String::new();
        if radix == 8 {
            digits.push(escaped);
        }
        let exact = matches!(escaped, 'u' | 'U');
        while digits.len() < max_digits + usize::from(radix == 8)
            && characters.peek().is_some_and(|next| next.is_digit(radix))
        {
            digits.extend(characters.next());
        }
        if exact && digits.len() != max_digits {
            return None;
        }
        decoded.push(char::from_u32(u32::from_str_radix(&digits, radix).ok()?)?);
    }
    Some(decoded)
}

/// PostgreSQL's `parse_bool_with_len` (bool.c), which the server uses for boolean settings:
/// `true`, `false`, `yes`, `no` or any non-empty prefix of them, `on`, `off` or `of`, `1`, `0`,
/// ignoring ASCII case and nothing else (no trimming).
fn parse_bool(value: &str) -> Option<bool> {
    let lower = value.to_ascii_lowercase();
    let prefix_of = |word: &str| !lower.is_empty() && word.starts_with(lower.as_str());
    match lower.as_bytes().first()? {
        b't' if prefix_of("true") => Some(true),
        b'f' if prefix_of("false") => Some(false),
        b'y' if prefix_of("yes") => Some(true),
        b'n' if prefix_of("no") => Some(false),
        // `o` alone is ambiguous; at least two letters are compared.
        b'o' if lower == "on" => Some(true),
        b'o' if lower.len() >= 2 && prefix_of("off") => Some(false),
        b'1' if lower.len() == 1 => Some(true),
        b'0' if lower.len() == 1 => Some(false),
        _ => None,
    }
}

fn transaction_control(words: &[&str]) -> Option<StatementKind> {
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

#[cfg(test)]
mod tests {
    use super::{
        StandardStrings, StandardStringsChange, StatementKind, char_position_to_byte,
        split_statements, split_statements_with,
    };
    use crate::sql::LexError;
    use proptest::prelude::*;

    /// The statement texts of `sql`, asserting it splits.
    fn check(sql: &str) -> Vec<String> {
        match split_statements(sql) {
            Ok(statements) => statements
                .iter()
                .map(|statement| statement.text().to_owned())
                .collect(),
            Err(error) => panic!("expected {sql:?} to split, got {error:?}"),
        }
    }

    /// The error splitting `sql`, asserting it fails.
    fn check_error(sql: &str) -> LexError {
        match split_statements(sql) {
            Ok(statements) => panic!("expected {sql:?} to fail, got {statements:?}"),
            Err(error) => error,
        }
    }

    /// The kind of the single statement in `sql`.
    fn kind(sql: &str) -> StatementKind {
        let statements = split_statements(sql).unwrap();
        assert_eq!(statements.len(), 1, "expected one statement in {sql:?}");
        statements[0].kind()
    }

    fn no_transaction(sql: &str) -> &'static str {
        match kind(sql) {
            StatementKind::NoTransaction { reason } => reason,
            other => panic!("expected {sql:?} to need no transaction, got {other:?}"),
        }
    }

    #[test]
    fn splits_at_top_level_semicolons() {
        assert_eq!(check("SELECT 1; SELECT 2;"), ["SELECT 1;", "SELECT 2;"]);
        assert_eq!(check("SELECT 1;\nSELECT 2"), ["SELECT 1;", "SELECT 2"]);
        assert_eq!(check("SELECT 2 -- trailing\n"), ["SELECT 2"]);
    }

    #[test]
    fn drops_empty_and_comment_only_statements() {
        assert_eq!(check(";;  ; -- nothing\n/* here */;"), Vec::<String>::new());
        assert_eq!(check(""), Vec::<String>::new());
        assert_eq!(check("SELECT 1;; ;SELECT 2;"), ["SELECT 1;", "SELECT 2;"]);
    }

    #[test]
    fn comments_inside_a_statement_stay_in_its_text() {
        assert_eq!(
            check("-- lead\nSELECT /* a; */ 1 -- b;\n;"),
            ["SELECT /* a; */ 1 -- b;\n;"]
        );
    }

    #[test]
    fn semicolons_inside_quotes_comments_and_identifiers_do_not_split() {
        let sql = concat!(
            "SELECT 'a;b', E'c\\';d', \"e;f\", $$g;h$$, $t$ $$;$$ $t$, U&'i;j' /* k; /* l; */ m; */;\n",
            "SELECT 2;"
        );
        assert_eq!(
            check(sql),
            [
                "SELECT 'a;b', E'c\\';d', \"e;f\", $$g;h$$, $t$ $$;$$ $t$, U&'i;j' /* k; /* l; */ m; */;",
                "SELECT 2;"
            ]
        );
    }

    #[test]
    fn semicolons_inside_parentheses_do_not_split_as_in_psql() {
        assert_eq!(
            check("SELECT (1; 2); SELECT 3;"),
            ["SELECT (1; 2);", "SELECT 3;"]
        );
    }

    #[test]
    fn plpgsql_body_in_dollar_quotes_is_one_statement() {
        let sql = "CREATE FUNCTION f() RETURNS int AS $$\nBEGIN\n  RETURN 1;\nEND;\n$$ LANGUAGE plpgsql;\nSELECT f();";
        let statements = check(sql);
        assert_eq!(statements.len(), 2);
        assert!(statements[0].ends_with("plpgsql;"));
        assert_eq!(
            kind("CREATE FUNCTION f() RETURNS int AS $$ BEGIN RETURN 1; END $$ LANGUAGE plpgsql;"),
            StatementKind::Other
        );
    }

    #[test]
    fn begin_atomic_body_keeps_its_semicolons() {
        let function = "CREATE FUNCTION f() RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT 1;\n  SELECT CASE WHEN true THEN 2 END;\nEND;";
        let procedure = "CREATE OR REPLACE PROCEDURE p() LANGUAGE sql BEGIN ATOMIC INSERT INTO t VALUES (1); END;";
        let sql = format!("{function}\n{procedure}\nSELECT 3;");
        assert_eq!(check(&sql), [function, procedure, "SELECT 3;"]);
    }

    #[test]
    fn begin_outside_a_function_is_transaction_control() {
        assert_eq!(
            check("BEGIN; SELECT 1; END;"),
            ["BEGIN;", "SELECT 1;", "END;"]
        );
        // A parameter named begin, inside parentheses, opens no block.
        assert_eq!(
            check("CREATE FUNCTION f(begin int) RETURNS int RETURN 1; SELECT 2;"),
            [
                "CREATE FUNCTION f(begin int) RETURNS int RETURN 1;",
                "SELECT 2;"
            ]
        );
    }

    #[test]
    fn issue_11_qualified_begin_in_a_return_body_opens_no_block() {
        // psql 15 glues the three statements after this CREATE FUNCTION into one message (its
        // heuristic counts any `begin`), and the server then runs the COMMIT inside it.
        let sql =
            "CREATE FUNCTION f(s s) RETURNS int RETURN s.begin;\nSELECT 1;\nCOMMIT;\nSELECT 2;";
        assert_eq!(
            check(sql),
            [
                "CREATE FUNCTION f(s s) RETURNS int RETURN s.begin;",
                "SELECT 1;",
                "COMMIT;",
                "SELECT 2;"
            ]
        );
        assert_eq!(
            split_statements(sql).unwrap()[2].kind(),
            StatementKind::Commit
        );
        assert_eq!(
            check("CREATE OR REPLACE FUNCTION s.begin() RETURNS int RETURN 1; COMMIT;"),
            [
                "CREATE OR REPLACE FUNCTION s.begin() RETURNS int RETURN 1;",
                "COMMIT;"
            ]
        );
    }

    #[test]
    fn issue_11_begin_as_a_name_opens_no_block() {
        for function in [
            // A parameter named begin, used in a RETURN body.
            "CREATE FUNCTION f(begin int) RETURNS int LANGUAGE sql RETURN begin + 1;",
            // A function named begin.
            "CREATE FUNCTION begin() RETURNS int LANGUAGE sql RETURN 1;",
            "CREATE PROCEDURE begin() LANGUAGE sql AS $$ SELECT 1 $$;",
            "CREATE FUNCTION \"begin\"() RETURNS int LANGUAGE sql RETURN 1;",
            // A column alias inside a body: only `BEGIN ATOMIC` opens one.
            "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1 AS begin; END;",
            "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT s.begin FROM s; END;",
        ] {
            assert_eq!(
                check(&format!("{function}\nCOMMIT;")),
                [function, "COMMIT;"],
                "{function}"
            );
        }
    }

    #[test]
    fn issue_11_begin_column_outside_a_function_is_an_ordinary_word() {
        assert_eq!(
            check(
                "CREATE TABLE t (begin int, \"end\" int, atomic int);\nSELECT s.begin, s.end, t.case FROM s;\nSELECT begin FROM t;\nCOMMIT;"
            ),
            [
                "CREATE TABLE t (begin int, \"end\" int, atomic int);",
                "SELECT s.begin, s.end, t.case FROM s;",
                "SELECT begin FROM t;",
                "COMMIT;"
            ]
        );
    }

    #[test]
    fn issue_11_end_used_as_a_name_does_not_close_a_body() {
        // psql 15 ends each of these statements at the first `;` inside the body, then sends
        // the body's `END;` on its own: a COMMIT. The server reads each as one statement.
        for function in [
            "CREATE FUNCTION g() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT t.end FROM t; SELECT 2; END;",
            "CREATE FUNCTION h() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1 AS end; END;",
            // A bare column label: `end` after an expression, not after `;`.
            "CREATE FUNCTION k() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1 end; END;",
            "CREATE PROCEDURE p() LANGUAGE sql BEGIN ATOMIC UPDATE t SET \"end\" = x.end FROM x; END;",
        ] {
            assert_eq!(
                check(&format!("{function}\nCOMMIT;")),
                [function, "COMMIT;"],
                "{function}"
            );
        }
    }

    #[test]
    fn issue_11_case_used_as_a_name_opens_nothing() {
        for function in [
            "CREATE FUNCTION g() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT t.case FROM t; END;",
            "CREATE FUNCTION h() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1 AS case; END;",
            "CREATE FUNCTION h2() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT begin.case + begin.begin FROM t AS begin; SELECT 1 AS case; END;",
        ] {
            assert_eq!(
                check(&format!("{function}\nCOMMIT;")),
                [function, "COMMIT;"],
                "{function}"
            );
        }
    }

    #[test]
    fn issue_11_case_end_inside_a_body_still_nests() {
        let function = "CREATE FUNCTION f(x int) RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT CASE WHEN x > 0 THEN CASE x WHEN 1 THEN 1 ELSE 2 END ELSE 0 END AS end;\n  SELECT CASE WHEN t.end THEN 1 END FROM t;\nEND;";
        assert_eq!(
            check(&format!("{function}\nCOMMIT;")),
            [function, "COMMIT;"]
        );
        // An empty body.
        assert_eq!(
            check("CREATE PROCEDURE p() LANGUAGE sql BEGIN ATOMIC END; COMMIT;"),
            [
                "CREATE PROCEDURE p() LANGUAGE sql BEGIN ATOMIC END;",
                "COMMIT;"
            ]
        );
        // CASE in an ordinary statement never counts, whatever follows.
        assert_eq!(
            check("SELECT CASE WHEN true THEN 1 END; COMMIT;"),
            ["SELECT CASE WHEN true THEN 1 END;", "COMMIT;"]
        );
    }

    #[test]
    fn issue_11_plpgsql_keywords_in_dollar_quotes_are_opaque() {
        let function = "CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$\nBEGIN\n  IF true THEN NULL; END IF;\n  LOOP EXIT; END LOOP;\n  CASE WHEN true THEN NULL; END CASE;\nEND\n$$;";
        assert_eq!(
            check(&format!("{function}\nCOMMIT;")),
            [function, "COMMIT;"]
        );
    }

    /// `(text, copy data)` of each statement of `sql`, asserting it splits.
    fn check_copy(sql: &str) -> Vec<(String, Option<String>)> {
        match split_statements(sql) {
            Ok(statements) => statements
                .iter()
                .map(|statement| {
                    (
                        statement.text().to_owned(),
                        statement.copy_data().map(str::to_owned),
                    )
                })
                .collect(),
            Err(error) => panic!("expected {sql:?} to split, got {error:?}"),
        }
    }

    fn plain(text: &str) -> (String, Option<String>) {
        (text.to_owned(), None)
    }

    fn copy(text: &str, data: &str) -> (String, Option<String>) {
        (text.to_owned(), Some(data.to_owned()))
    }

    #[test]
    fn issue_11_copy_from_stdin_owns_its_data_lines() {
        // As pg_dump writes it. The data holds what SQL would choke on: `;`, an unmatched
        // quote, `$$`, `--`, `/*` and backslashes (`\N` is NULL, `\t` a tab).
        let data = "1\tit's; fine\t\\N\n2\t$$ -- /* \"x\t\\t\\\\\n";
        let sql = format!(
            "SET client_encoding = 'UTF8';\n\nCOPY public.t (a, b, c) FROM stdin;\n{data}\\.\n\nSELECT pg_catalog.setval('public.t_a_seq', 2, true);\n"
        );
        assert_eq!(
            check_copy(&sql),
            [
                plain("SET client_encoding = 'UTF8';"),
                copy("COPY public.t (a, b, c) FROM stdin;", data),
                plain("SELECT pg_catalog.setval('public.t_a_seq', 2, true);"),
            ]
        );
        let statements = split_statements(&sql).unwrap();
        let copy_statement = &statements[1];
        assert_eq!(copy_statement.kind(), StatementKind::Other);
        let span = copy_statement.copy_data_span().unwrap();
        assert_eq!(&sql[span.clone()], data);
        assert_eq!(span.start, copy_statement.span().end + 1);
        assert_eq!(&sql[span.end..span.end + 3], "\\.\n");
        assert_eq!(statements[0].copy_data(), None);
        assert_eq!(statements[0].copy_data_span(), None);
    }

    #[test]
    fn issue_11_copy_from_stdin_is_recognised_however_it_is_written() {
        for command in [
            "copy t from STDIN;",
            "COPY t FROM stdin WITH (FORMAT csv, HEADER true);",
            "COPY t FROM STDIN CSV HEADER;",
            "COPY t (a) FROM STDIN WHERE a > 0;",
            "COPY /* c */ t\n  FROM -- where\n  stdin;",
            "COPY stdin FROM stdin;",
        ] {
            assert_eq!(
                check_copy(&format!("{command}\n1\n\\.\nSELECT 1;")),
                [copy(command, "1\n"), plain("SELECT 1;")],
                "{command}"
            );
        }
    }

    #[test]
    fn issue_11_other_copies_have_no_data() {
        for command in [
            "COPY t TO STDOUT;",
            "COPY t FROM '/tmp/stdin';",
            "COPY (SELECT a FROM stdin) TO STDOUT;",
            "SELECT a FROM stdin;",
            "COPY t FROM PROGRAM 'cat';",
        ] {
            assert_eq!(
                check_copy(&format!("{command}\nSELECT 1;")),
                [plain(command), plain("SELECT 1;")],
                "{command}"
            );
        }
    }

    #[test]
    fn issue_11_copy_data_ends_only_at_a_line_holding_just_backslash_dot() {
        // `\.` inside a line, followed by text, or indented is data; CSV quotes do not protect
        // a `\.` line (psql ends the data there too).
        let data = "a\\.b\n\\.x\n \\.\n\"q\n";
        assert_eq!(
            check_copy(&format!("COPY t FROM stdin;\n{data}\\.\nSELECT 1;")),
            [copy("COPY t FROM stdin;", data), plain("SELECT 1;")]
        );
        // CRLF lines keep their endings; `\.\r\n` ends the data.
        assert_eq!(
            check_copy("COPY t FROM stdin;\r\n1\r\n2\r\n\\.\r\nSELECT 1;\r\n"),
            [copy("COPY t FROM stdin;", "1\r\n2\r\n"), plain("SELECT 1;")]
        );
        // No rows; and `\.` as the file's last line without a newline.
        assert_eq!(
            check_copy("COPY t FROM stdin;\n\\.\nCOPY u FROM stdin;\n1\n\\."),
            [
                copy("COPY t FROM stdin;", ""),
                copy("COPY u FROM stdin;", "1\n")
            ]
        );
        // A comment after the command's `;` is fine.
        assert_eq!(
            check_copy("COPY t FROM stdin; -- rows\n1\n\\.\n"),
            [copy("COPY t FROM stdin;", "1\n")]
        );
    }

    #[test]
    fn issue_11_copy_from_stdin_without_its_end_line_is_an_error_at_the_copy() {
        for (sql, offset) in [
            ("SELECT 1;\nCOPY t FROM stdin;\n1\n2\n", 10),
            ("SELECT 1;\nCOPY t FROM stdin;", 10),
            ("SELECT 1;\ncopy t from stdin", 10),
            ("COPY t FROM stdin;\n1\n\\.x\n \\.\n", 0),
        ] {
            assert_eq!(
                check_error(sql),
                LexError::UnterminatedCopyData { offset },
                "{sql:?}"
            );
        }
    }

    #[test]
    fn issue_11_sql_after_copy_from_stdin_on_its_line_is_an_error() {
        assert_eq!(
            check_error("COPY t FROM stdin; SELECT 1;\n1\n\\.\n"),
            LexError::TextAfterCopyFromStdin { offset: 19 }
        );
        assert_eq!(
            check_error("COPY t FROM stdin; /* a\n*/\n1\n\\.\n"),
            LexError::TextAfterCopyFromStdin { offset: 19 }
        );
    }

    /// Where a transaction-control statement hides inside `statement` after one of its own
    /// top-level semicolons: the mark of statements glued together, as when a misread `begin`
    /// kept a block open. The `END` closing a `BEGIN ATOMIC` body, last in its statement, is
    /// not one.
    fn glued_transaction_control(statement: &super::Statement) -> Option<usize> {
        let tokens = statement.tokens();
        let mut depth = 0usize;
        let mut segments: Vec<&[super::StatementToken]> = Vec::new();
        let mut start = None;
        for (index, token) in tokens.iter().enumerate() {
            if token.is_symbol("(") {
                depth += 1;
            } else if token.is_symbol(")") {
                depth = depth.saturating_sub(1);
            } else if depth == 0 && token.kind() == crate::sql::TokenKind::Semicolon {
                if let Some(start) = start {
                    segments.push(&tokens[start..index]);
                }
                start = Some(index + 1);
            }
        }
        if let Some(start) = start {
            segments.push(&tokens[start..]);
        }
        let last = segments.len().saturating_sub(1);
        segments.iter().enumerate().find_map(|(position, segment)| {
            let words: Vec<&str> = segment.iter().map(super::StatementToken::word).collect();
            let closes_body = position == last && words == ["END"];
            let control = super::transaction_control(&words).is_some();
            (control && !closes_body).then(|| segment[0].span().start)
        })
    }

    #[test]
    fn issue_11_the_glue_guard_sees_a_commit_inside_a_statement() {
        // A body that really holds a COMMIT (the server refuses it, but the splitter keeps it
        // in one statement): the guard below must notice it.
        let sql =
            "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; COMMIT; END;";
        let statements = split_statements(sql).unwrap();
        assert_eq!(statements.len(), 1);
        assert_eq!(
            glued_transaction_control(&statements[0]),
            sql.find("COMMIT")
        );
        let fine = "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END;";
        assert_eq!(
            glued_transaction_control(&split_statements(fine).unwrap()[0]),
            None
        );
    }

    /// Every `.sql` file under `folder`, at any depth, in a stable order.
    fn sql_files(folder: &std::path::Path, found: &mut Vec<std::path::PathBuf>) {
        let Ok(entries) = std::fs::read_dir(folder) else {
            return;
        };
        let mut paths: Vec<_> = entries
            .filter_map(|entry| entry.ok())
            .map(|entry| entry.path())
            .collect();
        paths.sort();
        for path in paths {
            if path.is_dir() {
                sql_files(&path, found);
            } else if path.extension().is_some_and(|extension| extension == "sql") {
                found.push(path);
            }
        }
    }

    #[test]
    fn issue_11_no_fixture_or_example_glues_transaction_control() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        sql_files(&root.join("tests/fixtures"), &mut files);
        sql_files(&root.join("migrations"), &mut files);
        let mut split = 0;
        for file in &files {
            // Fixtures of bad input (not UTF-8, unterminated SQL) are other tests' business.
            let Ok(text) = std::fs::read_to_string(file) else {
                continue;
            };
            let Ok(statements) = split_statements(&text) else {
                continue;
            };
            split += 1;
            for statement in &statements {
                if let Some(offset) = glued_transaction_control(statement) {
                    let line = text[..offset].lines().count().max(1);
                    panic!(
                        "{}:{line}: a transaction-control statement is glued into the statement starting at byte {}:\n{}",
                        file.display(),
                        statement.span().start,
                        statement.text()
                    );
                }
            }
        }
        // The folders exist and hold SQL: a guard over nothing guards nothing.
        assert!(split >= 40, "only {split} of {} files split", files.len());
    }

    /// The statement texts of `sql` split starting with `start`, asserting it splits.
    fn check_with(sql: &str, start: StandardStrings) -> Vec<String> {
        match split_statements_with(sql, start) {
            Ok(statements) => statements
                .iter()
                .map(|statement| statement.text().to_owned())
                .collect(),
            Err(error) => panic!("expected {sql:?} to split, got {error:?}"),
        }
    }

    /// What the single statement `sql` does to standard_conforming_strings.
    fn change(sql: &str) -> Option<StandardStringsChange> {
        let statements = split_statements(sql).unwrap();
        assert_eq!(statements.len(), 1, "expected one statement in {sql:?}");
        statements[0].standard_strings_change()
    }

    fn set_to(value: StandardStrings) -> Option<StandardStringsChange> {
        Some(StandardStringsChange {
            value: Some(value),
            local: false,
        })
    }

    const BACK_TO_DEFAULT: Option<StandardStringsChange> = Some(StandardStringsChange {
        value: None,
        local: false,
    });

    #[test]
    fn issue_11_standard_conforming_strings_off_makes_backslashes_escape_in_plain_strings() {
        // With the setting off the server reads `'a\', '` as one string, so the `;` after it
        // ends the INSERT and the COMMIT is a statement of its own.
        let sql = "SET standard_conforming_strings = off;\nINSERT INTO log SELECT 9 FROM (SELECT concat('a\\', ') x) s; COMMIT; SELECT 1/0; -- ') x) s;\n";
        let statements = split_statements(sql).unwrap();
        let texts: Vec<&str> = statements
            .iter()
            .map(|statement| statement.text())
            .collect();
        assert_eq!(
            texts,
            [
                "SET standard_conforming_strings = off;",
                "INSERT INTO log SELECT 9 FROM (SELECT concat('a\\', ') x) s;",
                "COMMIT;",
                "SELECT 1/0;"
            ]
        );
        assert_eq!(statements[2].kind(), StatementKind::Commit);
        assert_eq!(statements[0].standard_strings(), StandardStrings::On);
        assert_eq!(statements[1].standard_strings(), StandardStrings::Off);
        assert_eq!(
            statements[0].standard_strings_change(),
            set_to(StandardStrings::Off)
        );
        assert_eq!(statements[1].standard_strings_change(), None);
        for statement in &statements {
            assert_eq!(glued_transaction_control(statement), None);
        }
        // With the setting on (no SET) the same line is one statement, as before.
        let line = &sql[sql.find("INSERT").unwrap()..];
        assert_eq!(check(line).len(), 1);
    }

    #[test]
    fn issue_11_standard_conforming_strings_on_again_stops_backslash_escapes() {
        let sql = "SET standard_conforming_strings = off;\nSELECT 'it\\'s; fine';\nSET SESSION standard_conforming_strings TO on;\nSELECT 'a\\'; SELECT 2;";
        assert_eq!(
            check(sql),
            [
                "SET standard_conforming_strings = off;",
                "SELECT 'it\\'s; fine';",
                "SET SESSION standard_conforming_strings TO on;",
                "SELECT 'a\\';",
                "SELECT 2;"
            ]
        );
        // The SET statement's own line: the statement after it is read with the new setting.
        assert_eq!(
            check("set standard_conforming_strings to 'off'; SELECT 'a\\'; b'; SELECT 2;"),
            [
                "set standard_conforming_strings to 'off';",
                "SELECT 'a\\'; b';",
                "SELECT 2;"
            ]
        );
    }

    #[test]
    fn issue_11_reset_and_default_return_to_the_starting_setting() {
        for reset in [
            "RESET standard_conforming_strings;",
            "reset \"standard_conforming_strings\";",
            "SET standard_conforming_strings TO DEFAULT;",
            "SET LOCAL standard_conforming_strings = default;",
            "RESET ALL;",
            "DISCARD ALL;",
        ] {
            let sql =
                format!("SET standard_conforming_strings = off;\n{reset}\nSELECT 'a\\'; SELECT 2;");
            assert_eq!(
                check(&sql),
                [
                    "SET standard_conforming_strings = off;",
                    reset,
                    "SELECT 'a\\';",
                    "SELECT 2;"
                ],
                "{reset}"
            );
            // Starting with the setting off, the default is off.
            let sql =
                format!("SET standard_conforming_strings = on;\n{reset}\nSELECT 'a\\'; SELECT 2;'");
            assert_eq!(
                check_with(&sql, StandardStrings::Off),
                [
                    "SET standard_conforming_strings = on;",
                    reset,
                    "SELECT 'a\\'; SELECT 2;'"
                ],
                "{reset}"
            );
        }
        assert_eq!(change("RESET standard_conforming_strings"), BACK_TO_DEFAULT);
        assert_eq!(change("DISCARD ALL"), BACK_TO_DEFAULT);
        assert_eq!(
            change("SET LOCAL standard_conforming_strings TO DEFAULT"),
            Some(StandardStringsChange {
                value: None,
                local: true
            })
        );
    }

    #[test]
    fn issue_11_every_spelling_of_a_boolean_switches_the_setting() {
        for value in [
            "off",
            "OFF",
            "of",
            "'off'",
            "'Off'",
            "\"off\"",
            "false",
            "FALSE",
            "f",
            "fal",
            "'f'",
            "no",
            "n",
            "'NO'",
            "0",
            "00",
            "-0",
            "+0",
            "0x0",
            "E'off'",
            "E'\\x6ff'",
            "$$off$$",
            "$v$of$v$",
            "U&'\\006ff'",
        ] {
            assert_eq!(
                change(&format!("SET standard_conforming_strings = {value}")),
                set_to(StandardStrings::Off),
                "{value}"
            );
        }
        for value in [
            "on", "ON", "'on'", "true", "t", "TR", "yes", "y", "'Y'", "1", "+1", "0b1", "\"ON\"",
            "E'on'",
        ] {
            assert_eq!(
                change(&format!("SET standard_conforming_strings TO {value}")),
                set_to(StandardStrings::On),
                "{value}"
            );
        }
    }

    #[test]
    fn issue_11_set_local_counts_as_set_and_says_so() {
        assert_eq!(
            change("SET LOCAL standard_conforming_strings = off"),
            Some(StandardStringsChange {
                value: Some(StandardStrings::Off),
                local: true
            })
        );
        assert_eq!(
            change("SET SESSION standard_conforming_strings = off"),
            set_to(StandardStrings::Off)
        );
        assert_eq!(
            check("SET LOCAL standard_conforming_strings = off; SELECT 'a\\'; b';"),
            [
                "SET LOCAL standard_conforming_strings = off;",
                "SELECT 'a\\'; b';"
            ]
        );
    }

    #[test]
    fn issue_11_other_statements_leave_standard_conforming_strings_alone() {
        for statement in [
            "SET client_encoding = 'off'",
            "SET standard_conforming_string = off",
            "SET \"Standard_Conforming_Strings\" = off",
            "SET x.standard_conforming_strings = off",
            "SET standard_conforming_strings = maybe",
            "SET standard_conforming_strings = o",
            "SET standard_conforming_strings = ''",
            "SET standard_conforming_strings = ' off'",
            "SET standard_conforming_strings = offf",
            "SET standard_conforming_strings = 2",
            "SET standard_conforming_strings = -1",
            "SET standard_conforming_strings = 0.0",
            "SET standard_conforming_strings = on, off",
            "SET standard_conforming_strings off",
            "SET standard_conforming_strings FROM CURRENT",
            "SET LOCAL",
            "SHOW standard_conforming_strings",
            "RESET client_encoding",
            "DISCARD PLANS",
            "SELECT set_config('x', 'off', false)",
            "ALTER DATABASE d SET standard_conforming_strings = off",
            "ALTER ROLE r SET standard_conforming_strings = off",
            "CREATE FUNCTION f() RETURNS int LANGUAGE sql SET standard_conforming_strings = off RETURN 1",
        ] {
            assert_eq!(change(statement), None, "{statement}");
            let sql = format!("{statement};\nSELECT 'a\\'; SELECT 2;");
            assert_eq!(
                check(&sql),
                [
                    format!("{statement};").as_str(),
                    "SELECT 'a\\';",
                    "SELECT 2;"
                ],
                "{statement}"
            );
        }
    }

    #[test]
    fn issue_11_split_statements_with_off_escapes_from_the_start() {
        let sql = "SELECT 'a\\', '; SELECT 2; -- ';";
        assert_eq!(
            check_with(sql, StandardStrings::Off),
            ["SELECT 'a\\', ';", "SELECT 2;"]
        );
        assert_eq!(check_with(sql, StandardStrings::On), [sql]);
        assert_eq!(check(sql), [sql]);
    }

    #[test]
    fn issue_11_setting_off_leaves_other_quotes_alone() {
        // E'' strings escape either way; dollar quotes, quoted identifiers, U&'' and bit
        // strings never do; N'' strings follow the setting like plain ones.
        let sql = "SELECT E'a\\';b', $$c\\$$, \"d\\\", U&'e\\', B'0', X'f', N'g\\';h';\nSELECT 2;";
        assert_eq!(
            check_with(sql, StandardStrings::Off),
            [
                "SELECT E'a\\';b', $$c\\$$, \"d\\\", U&'e\\', B'0', X'f', N'g\\';h';",
                "SELECT 2;"
            ]
        );
        assert!(matches!(
            split_statements_with("SELECT 'a\\", StandardStrings::Off),
            Err(LexError::UnterminatedString { offset: 7 })
        ));
    }

    #[test]
    fn parse_bool_follows_postgresql() {
        for (text, expected) in [
            ("true", Some(true)),
            ("TrUe", Some(true)),
            ("t", Some(true)),
            ("yes", Some(true)),
            ("on", Some(true)),
            ("1", Some(true)),
            ("false", Some(false)),
            ("fa", Some(false)),
            ("no", Some(false)),
            ("of", Some(false)),
            ("off", Some(false)),
            ("0", Some(false)),
            ("o", None),
            ("", None),
            ("truex", None),
            ("onn", None),
            ("offf", None),
            ("01", None),
            (" on", None),
        ] {
            assert_eq!(super::parse_bool(text), expected, "{text:?}");
        }
    }

    #[test]
    fn crlf_input_splits_cleanly() {
        assert_eq!(
            check("SELECT 1;\r\n-- c\r\nSELECT\r\n 2;\r\n"),
            ["SELECT 1;", "SELECT\r\n 2;"]
        );
    }

    #[test]
    fn byte_order_mark_is_not_part_of_the_first_statement() {
        let statements = split_statements("\u{feff}BEGIN;\nSELECT 1;").unwrap();
        assert_eq!(statements[0].text(), "BEGIN;");
        assert_eq!(statements[0].span(), 3..9);
        assert_eq!(statements[0].kind(), StatementKind::Begin);
    }

    #[test]
    fn seed_style_file_with_header_and_outer_transaction() {
        let sql = "\
-- =====================================================================
-- Seed: reference data for the billing schema
-- Author: someone; reviewed: someone else
-- =====================================================================

BEGIN;

INSERT INTO billing.plan (name) VALUES ('free'), ('pro; annual');
-- a comment between statements
INSERT INTO billing.plan (name) VALUES ($$it's$$);

COMMIT;
";
        let statements = split_statements(sql).unwrap();
        let kinds: Vec<StatementKind> = statements
            .iter()
            .map(|statement| statement.kind())
            .collect();
        assert_eq!(
            kinds,
            [
                StatementKind::Begin,
                StatementKind::Other,
                StatementKind::Other,
                StatementKind::Commit
            ]
        );
        assert_eq!(statements[0].span().start, sql.find("BEGIN;").unwrap());
        assert_eq!(
            statements[1].text(),
            "INSERT INTO billing.plan (name) VALUES ('free'), ('pro; annual');"
        );
        assert_eq!(statements[3].text(), "COMMIT;");
    }

    #[test]
    fn errors_carry_offsets_into_the_script() {
        assert_eq!(check_error("SELECT 1;\nSELECT 'x").offset(), 17);
        assert!(matches!(
            check_error("SELECT 1;\n\\i other.sql\n"),
            LexError::MetaCommand { offset: 10, .. }
        ));
    }

    #[test]
    fn transaction_control_statements() {
        for sql in [
            "BEGIN",
            "begin;",
            "BEGIN WORK",
            "BEGIN TRANSACTION ISOLATION LEVEL SERIALIZABLE",
            "START TRANSACTION;",
        ] {
            assert_eq!(kind(sql), StatementKind::Begin, "{sql}");
        }
        for sql in [
            "COMMIT",
            "COMMIT WORK",
            "COMMIT TRANSACTION",
            "END",
            "end transaction;",
            "COMMIT AND NO CHAIN",
        ] {
            assert_eq!(kind(sql), StatementKind::Commit, "{sql}");
        }
        for sql in ["ROLLBACK", "ROLLBACK WORK", "ABORT", "abort transaction"] {
            assert_eq!(kind(sql), StatementKind::Rollback, "{sql}");
        }
        for sql in [
            "COMMIT AND CHAIN",
            "ROLLBACK WORK AND CHAIN",
            "PREPARE TRANSACTION 'x'",
        ] {
            assert_eq!(kind(sql), StatementKind::ChainedTransactionControl, "{sql}");
        }
        for sql in [
            "ROLLBACK TO SAVEPOINT s",
            "ROLLBACK TO s",
            "ROLLBACK WORK TO SAVEPOINT s",
            "SAVEPOINT s",
            "RELEASE SAVEPOINT s",
            "RELEASE s",
            "\"begin\"",
            "PREPARE q AS SELECT 1",
            "SET TRANSACTION READ ONLY",
        ] {
            assert_eq!(kind(sql), StatementKind::Other, "{sql}");
        }
    }

    #[test]
    fn statements_that_cannot_run_in_a_transaction() {
        assert_eq!(
            no_transaction("CREATE INDEX CONCURRENTLY i ON t (c)"),
            "CREATE INDEX CONCURRENTLY cannot run inside a transaction block"
        );
        for sql in [
            "create unique index concurrently if not exists i on t (c)",
            "DROP INDEX CONCURRENTLY IF EXISTS i",
            "REINDEX INDEX CONCURRENTLY i",
            "REINDEX (VERBOSE, CONCURRENTLY) TABLE t",
            "REINDEX SCHEMA s",
            "REINDEX DATABASE d",
            "REINDEX SYSTEM",
            "VACUUM",
            "VACUUM (ANALYZE) t",
            "ALTER SYSTEM SET work_mem = '64MB'",
            "CREATE DATABASE d",
            "DROP DATABASE IF EXISTS d",
            "ALTER DATABASE d SET TABLESPACE ts",
            "CREATE TABLESPACE ts LOCATION '/x'",
            "DROP TABLESPACE ts",
            "CLUSTER",
            "CLUSTER VERBOSE",
            "CLUSTER (VERBOSE)",
            "CREATE SUBSCRIPTION s CONNECTION 'c' PUBLICATION p",
            "CREATE SUBSCRIPTION s CONNECTION 'c' PUBLICATION p WITH (create_slot = true)",
            "ALTER SUBSCRIPTION s REFRESH PUBLICATION",
            "ALTER SUBSCRIPTION s SET PUBLICATION p",
            "ALTER SUBSCRIPTION s ADD PUBLICATION p WITH (copy_data = false)",
            "DROP SUBSCRIPTION s",
            "ALTER TABLE t DETACH PARTITION p CONCURRENTLY",
            "DISCARD ALL",
            "COMMIT PREPARED 'x'",
            "ROLLBACK PREPARED 'x'",
        ] {
            let reason = no_transaction(sql);
            assert!(
                reason.ends_with("cannot run inside a transaction block"),
                "{sql}: {reason}"
            );
        }
    }

    #[test]
    fn statements_that_may_run_in_a_transaction() {
        for sql in [
            "CREATE INDEX i ON t (c)",
            "CREATE UNIQUE INDEX i ON t (c)",
            "DROP INDEX i",
            "REINDEX TABLE t",
            "REINDEX (CONCURRENTLY false) TABLE t",
            "ANALYZE t",
            "ALTER DATABASE d SET work_mem = '1MB'",
            "ALTER DATABASE d SET default_tablespace = ts",
            "ALTER TABLESPACE ts RENAME TO u",
            "CLUSTER t",
            "CLUSTER VERBOSE t USING i",
            "CREATE SUBSCRIPTION s CONNECTION 'c' PUBLICATION p WITH (create_slot = false)",
            "CREATE SUBSCRIPTION s CONNECTION 'c' PUBLICATION p WITH (connect = off, slot_name = NONE)",
            "ALTER SUBSCRIPTION s SET PUBLICATION p WITH (refresh = false)",
            "ALTER SUBSCRIPTION s ENABLE",
            "ALTER SUBSCRIPTION s DISABLE",
            "ALTER SUBSCRIPTION s SET (slot_name = NONE)",
            "ALTER TABLE t DETACH PARTITION p",
            "ALTER TYPE mood ADD VALUE 'meh'",
            "REFRESH MATERIALIZED VIEW CONCURRENTLY v",
            "DISCARD PLANS",
            "SELECT 'CREATE INDEX CONCURRENTLY'",
        ] {
            assert_eq!(kind(sql), StatementKind::Other, "{sql}");
        }
    }

    #[test]
    fn token_normalisation() {
        let statements = split_statements("create TABLE \"My\"\"T\" (Ab int);").unwrap();
        let tokens = statements[0].tokens();
        assert_eq!(tokens[0].normalized(), "CREATE");
        assert!(tokens[1].is_keyword("table"));
        assert_eq!(tokens[2].normalized(), "My\"T");
        assert!(!tokens[2].is_keyword("MY\"T"));
        assert_eq!(tokens[2].name().as_deref(), Some("My\"T"));
        assert_eq!(tokens[4].name().as_deref(), Some("ab"));
        assert_eq!(statements[0].token_text(&tokens[4]), "Ab");
    }

    #[test]
    fn unicode_quoted_identifiers_are_decoded() {
        let statements = split_statements(r#"SELECT U&"d\0061t\+000061";"#).unwrap();
        assert_eq!(statements[0].tokens()[1].name().as_deref(), Some("data"));
    }

    #[test]
    fn long_names_are_cut_like_postgresql_does() {
        let long = "é".repeat(40);
        let statements = split_statements(&format!("SELECT \"{long}\";")).unwrap();
        let name = statements[0].tokens()[1].name().unwrap();
        assert_eq!(name.len(), 62);
        assert_eq!(name, "é".repeat(31));
    }

    #[test]
    fn char_positions_map_to_byte_offsets() {
        let text = "SELECT 'é', 'ü' FROM nope";
        assert_eq!(char_position_to_byte(text, 1), Some(0));
        // Position 22 is the `n` of `nope`: two 2-byte characters precede it.
        assert_eq!(char_position_to_byte(text, 22), Some(23));
        assert_eq!(&text[23..], "nope");
        assert_eq!(char_position_to_byte(text, 9), Some(8));
        assert_eq!(char_position_to_byte(text, 10), Some(10));
        // One past the end is "at end of input".
        let characters = text.chars().count();
        assert_eq!(
            char_position_to_byte(text, characters + 1),
            Some(text.len())
        );
        assert_eq!(char_position_to_byte(text, characters + 2), None);
        assert_eq!(char_position_to_byte(text, 0), None);
        assert_eq!(char_position_to_byte("", 1), Some(0));
        assert_eq!(char_position_to_byte("🙂x", 2), Some(4));
    }

    /// Complete statements, each starting with a significant token and ending with `;`.
    const KNOWN_STATEMENTS: &[&str] = &[
        "SELECT 1;",
        "BEGIN;",
        "COMMIT;",
        "INSERT INTO t VALUES ('a;b', E'it\\'s;', \"x;y\");",
        "CREATE FUNCTION f() RETURNS int AS $$ BEGIN RETURN 1; END $$ LANGUAGE plpgsql;",
        "CREATE FUNCTION g() RETURNS int AS $fn$ SELECT $$;$$; $fn$ LANGUAGE sql;",
        "CREATE FUNCTION h() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END;",
        "SELECT /* a; /* nested; */ b; */ 2;",
        "SELECT $1 + $2 -- c;\n;",
        "CREATE INDEX CONCURRENTLY i ON t (c);",
        "UPDATE t SET é = 'ü;' WHERE x = U&'\\00e9';",
        "SELECT (1; 2);",
        "CREATE FUNCTION b(s s) RETURNS int RETURN s.begin;",
        "CREATE FUNCTION e() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT t.end AS case FROM t; SELECT CASE WHEN true THEN 1 END AS end; END;",
    ];

    /// Pieces of scripts with COPY data, glued at random by the span property below.
    const COPY_PIECES: &[&str] = &[
        "COPY t FROM stdin;",
        "COPY t FROM stdin; -- c",
        "\n",
        "\r\n",
        "\\.",
        "1\t'a;",
        "\\N",
        "SELECT 1;",
        "é",
    ];

    const SEPARATORS: &[&str] = &[
        "",
        " ",
        "\n",
        "\r\n",
        "\n-- note; here\n",
        "/* c; */",
        "\n\n;\n",
    ];

    proptest! {
        #[test]
        fn splitting_never_panics(sql in any::<String>()) {
            if let Ok(statements) = split_statements(&sql) {
                for statement in &statements {
                    let _ = statement.kind();
                    let _ = crate::sql::created_objects(statement);
                }
            }
        }

        #[test]
        fn statement_spans_are_ordered_in_bounds_and_on_char_boundaries(
            sql in prop_oneof![
                any::<String>(),
                r#"[a-zE$'"/*;\\\-&U_0-9 \n().é]{0,64}"#,
                prop::collection::vec(prop::sample::select(COPY_PIECES), 0..12)
                    .prop_map(|pieces| pieces.concat()),
            ],
        ) {
            if let Ok(statements) = split_statements(&sql) {
                let mut previous_end = 0;
                for statement in &statements {
                    let span = statement.span();
                    prop_assert!(span.start >= previous_end);
                    prop_assert!(span.start < span.end);
                    prop_assert!(span.end <= sql.len());
                    prop_assert_eq!(sql.get(span.clone()), Some(statement.text()));
                    for token in statement.tokens() {
                        prop_assert!(token.span().start >= span.start && token.span().end <= span.end);
                    }
                    previous_end = span.end;
                    if let Some(data) = statement.copy_data_span() {
                        prop_assert!(data.start > span.end && data.end <= sql.len());
                        prop_assert_eq!(sql.get(data.clone()), statement.copy_data());
                        previous_end = data.end;
                    }
                }
            }
        }

        #[test]
        fn splitting_with_standard_strings_off_never_panics(sql in any::<String>()) {
            if let Ok(statements) = split_statements_with(&sql, StandardStrings::Off) {
                for statement in &statements {
                    let _ = statement.standard_strings_change();
                }
            }
        }

        #[test]
        fn a_script_of_known_statements_splits_back_into_them_whatever_the_setting(
            parts in prop::collection::vec((0..KNOWN_STATEMENTS.len(), 0..SEPARATORS.len()), 0..10),
        ) {
            // No known statement has a backslash in a plain string, so the setting (and a
            // switch between statements) changes nothing.
            let mut script = String::new();
            let mut expected = Vec::new();
            for (index, (statement, separator)) in parts.into_iter().enumerate() {
                script.push_str(SEPARATORS[separator]);
                if index % 3 == 1 {
                    let switch = ["SET standard_conforming_strings = on;", "SET LOCAL standard_conforming_strings TO 'off';", "RESET standard_conforming_strings;"][statement % 3];
                    script.push_str(switch);
                    script.push('\n');
                    expected.push(switch.to_owned());
                }
                script.push_str(KNOWN_STATEMENTS[statement]);
                expected.push(KNOWN_STATEMENTS[statement].to_owned());
            }
            for start in [StandardStrings::On, StandardStrings::Off] {
                prop_assert_eq!(check_with(&script, start), expected.clone());
            }
        }

        #[test]
        fn a_script_of_known_statements_splits_back_into_them(
            parts in prop::collection::vec((0..KNOWN_STATEMENTS.len(), 0..SEPARATORS.len()), 0..10),
            trailer in 0..SEPARATORS.len(),
        ) {
            let mut script = String::new();
            let mut expected = Vec::new();
            for (statement, separator) in parts {
                script.push_str(SEPARATORS[separator]);
                // Two statements need something between them only if the first lacks `;`,
                // and every known statement ends with one.
                script.push_str(KNOWN_STATEMENTS[statement]);
                expected.push(KNOWN_STATEMENTS[statement].to_owned());
            }
            script.push_str(SEPARATORS[trailer]);
            prop_assert_eq!(check(&script), expected);
        }
    }
}
