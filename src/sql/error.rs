//! `LexError`, the one error type of the SQL layer: text that cannot be cut into tokens.
//!
//! Each variant carries the byte offset in the script where the problem starts, never the source
//! itself: the caller knows which file the script came from and attaches it (with a label at
//! [`LexError::offset`]) so the message can name a file and line.

/// SQL text that cannot be cut into statements.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
pub(crate) enum LexError {
    /// A `'...'`, `E'...'`, `U&'...'`, `B'...'`, `X'...'` or `N'...'` constant with no closing quote.
    #[error("unterminated quoted string")]
    #[diagnostic(
        code(plan::sql::unterminated_string),
        help(
            "close the string with `'`; a quote inside a string is written `''` (or `\\'` in an E'...' string)"
        )
    )]
    UnterminatedString {
        /// Byte offset of the string's first character (its prefix or opening quote).
        offset: usize,
    },

    /// A `/* ... */` comment that is never closed.
    #[error("unterminated block comment")]
    #[diagnostic(
        code(plan::sql::unterminated_comment),
        help(
            "close the comment with `*/`; PostgreSQL block comments nest, so every `/*` inside it needs its own `*/`"
        )
    )]
    UnterminatedComment {
        /// Byte offset of the outermost `/*`.
        offset: usize,
    },

    /// A `$tag$ ...` string whose closing `$tag$` never appears.
    #[error("unterminated dollar-quoted string opened by {delimiter}")]
    #[diagnostic(
        code(plan::sql::unterminated_dollar_quote),
        help(
            "close the body with the same delimiter, {delimiter}, spelled exactly (tags are case-sensitive)"
        )
    )]
    UnterminatedDollarQuote {
        /// Byte offset of the opening delimiter.
        offset: usize,
        /// The opening delimiter, such as `$$` or `$body$`.
        delimiter: String,
    },

    /// A `"..."` or `U&"..."` identifier with no closing double quote.
    #[error("unterminated quoted identifier")]
    #[diagnostic(
        code(plan::sql::unterminated_identifier),
        help("close the identifier with `\"`; a double quote inside it is written `\"\"`")
    )]
    UnterminatedIdentifier {
        /// Byte offset of the opening double quote (or of its `U&` prefix).
        offset: usize,
    },

    /// A psql backslash command such as `\i file.sql` or `\set`, which is not SQL.
    #[error("psql meta-command `{command}` is not SQL and cannot be run")]
    #[diagnostic(
        code(plan::sql::meta_command),
        help(
            "plan sends SQL to the server itself, without psql: remove the meta-command, or replace `\\i` with the SQL it includes"
        )
    )]
    MetaCommand {
        /// Byte offset of the backslash.
        offset: usize,
        /// The backslash and the word after it, such as `\i` or `\set`.
        command: String,
    },

    /// A `COPY ... FROM STDIN;` whose inline data is not ended by a line holding only `\.`.
    #[error("COPY ... FROM STDIN has no `\\.` line ending its data")]
    #[diagnostic(
        code(plan::sql::unterminated_copy_data),
        help(
            "the data rows start on the line after the COPY command and end with a line holding only `\\.`, as pg_dump writes them; add that line after the last row"
        )
    )]
    UnterminatedCopyData {
        /// Byte offset of the `COPY` keyword.
        offset: usize,
    },

    /// Text after a `COPY ... FROM STDIN;` on the same line, where psql would run it after the
    /// data: the data starts on the next line.
    #[error("SQL after `COPY ... FROM STDIN;` on the same line")]
    #[diagnostic(
        code(plan::sql::text_after_copy_from_stdin),
        help(
            "end the line after the COPY command's `;`: its data starts on the next line, and psql would run this text only after the data; move it after the `\\.` line"
        )
    )]
    TextAfterCopyFromStdin {
        /// Byte offset of the first character after the `;` that is neither whitespace nor a
        /// comment.
        offset: usize,
    },
}

/// A migration's SQL that cannot be read is invalid input.
impl crate::diagnostic::Classified for LexError {
    fn class(&self) -> crate::diagnostic::ErrorClass {
        crate::diagnostic::ErrorClass::InvalidInput
    }
}

impl LexError {
    /// Byte offset in the script where the offending construct starts.
    pub(crate) fn offset(&self) -> usize {
        match self {
            LexError::UnterminatedString { offset }
            | LexError::UnterminatedComment { offset }
            | LexError::UnterminatedDollarQuote { offset, .. }
            | LexError::UnterminatedIdentifier { offset }
            | LexError::MetaCommand { offset, .. }
            | LexError::UnterminatedCopyData { offset }
            | LexError::TextAfterCopyFromStdin { offset } => *offset,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::LexError;
    use miette::Diagnostic;

    fn check(error: LexError) -> String {
        let code = error
            .code()
            .map(|code| code.to_string())
            .unwrap_or_default();
        let help = error.help().map(|help| help.to_string());
        assert!(
            help.is_some(),
            "every LexError needs a help text: {error:?}"
        );
        format!("{code} @{}: {error}", error.offset())
    }

    #[test]
    fn every_variant_has_a_stable_code_help_and_offset() {
        assert_eq!(
            check(LexError::UnterminatedString { offset: 3 }),
            "plan::sql::unterminated_string @3: unterminated quoted string"
        );
        assert_eq!(
            check(LexError::UnterminatedComment { offset: 4 }),
            "plan::sql::unterminated_comment @4: unterminated block comment"
        );
        assert_eq!(
            check(LexError::UnterminatedDollarQuote {
                offset: 5,
                delimiter: "$body$".into()
            }),
            "plan::sql::unterminated_dollar_quote @5: unterminated dollar-quoted string opened by $body$"
        );
        assert_eq!(
            check(LexError::UnterminatedIdentifier { offset: 6 }),
            "plan::sql::unterminated_identifier @6: unterminated quoted identifier"
        );
        assert_eq!(
            check(LexError::MetaCommand {
                offset: 7,
                command: "\\i".into()
            }),
            "plan::sql::meta_command @7: psql meta-command `\\i` is not SQL and cannot be run"
        );
        assert_eq!(
            check(LexError::UnterminatedCopyData { offset: 8 }),
            "plan::sql::unterminated_copy_data @8: COPY ... FROM STDIN has no `\\.` line ending its data"
        );
        assert_eq!(
            check(LexError::TextAfterCopyFromStdin { offset: 9 }),
            "plan::sql::text_after_copy_from_stdin @9: SQL after `COPY ... FROM STDIN;` on the same line"
        );
    }
}
