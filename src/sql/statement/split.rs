//! Splitting a script into [`Statement`]s at its top-level semicolons as psql does: the state
//! psql keeps to decide whether a `;` ends a statement (parentheses, `BEGIN ATOMIC` bodies, read
//! by the server's grammar where psql's heuristic misfires), the data lines of `COPY ... FROM
//! STDIN`, and the switch of lexing when a statement changes `standard_conforming_strings`.
//! Tokens come from the lexer; what the statements mean is `classify`'s and `standard_strings`'s.

use std::ops::Range;

use super::model::{CopyData, Statement, StatementToken};
use crate::sql::error::LexError;
use crate::sql::lexer::{StandardStrings, Token, TokenKind, TokenStream, tokenize};

/// Splits a script into statements at its top-level semicolons, starting with
/// `standard_conforming_strings` on: [`split_statements_with`] with [`StandardStrings::On`].
pub(crate) fn split_statements(sql: &str) -> Result<Vec<Statement>, LexError> {
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
/// [`StandardStringsChange::local`](super::standard_strings::StandardStringsChange::local) lets the caller refuse it. Changes made any other way
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
pub(crate) fn split_statements_with(
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
        if matches!(word, "CREATE" | "OR" | "REPLACE" | "FUNCTION" | "PROCEDURE")
            && let Some(slot) = self.leading_words.get_mut(self.word_count)
        {
            *slot = word.as_bytes()[0];
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
