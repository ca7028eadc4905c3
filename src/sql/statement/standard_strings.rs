//! A statement's change to `standard_conforming_strings` ([`StandardStringsChange`],
//! [`Statement::standard_strings_change`]), read as the server reads `SET` and `RESET`: the
//! setting's value in every spelling the server takes for a boolean. The splitter uses it to
//! lex the statements that follow; lexing itself is the lexer's job.

use super::model::{Statement, StatementToken, decode_unicode_escapes};
use crate::sql::lexer::{StandardStrings, StringKind, TokenKind};

/// How a statement changes the session's `standard_conforming_strings`
/// ([`Statement::standard_strings_change`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct StandardStringsChange {
    /// The new setting, or `None` for the session's default: `RESET standard_conforming_strings`,
    /// `SET standard_conforming_strings TO DEFAULT`, `RESET ALL` and `DISCARD ALL`.
    pub value: Option<StandardStrings>,
    /// `SET LOCAL`: the server keeps the value only until the end of the current transaction
    /// (and ignores it, with a warning, outside a transaction block).
    pub local: bool,
}

impl Statement {
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
    pub(crate) fn standard_strings_change(&self) -> Option<StandardStringsChange> {
        standard_strings_change(&self.tokens, self.standard_strings)
    }
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
    if let [scope, after @ ..] = rest
        && (scope.is_keyword("LOCAL") || scope.is_keyword("SESSION"))
    {
        local = scope.is_keyword("LOCAL");
        rest = after;
    }
    let [name, to, value @ ..] = rest else {
        return None;
    };
    if name.name().as_deref() != Some(STANDARD_STRINGS_NAME)
        || !(to.is_keyword("TO") || to.is_symbol("="))
    {
        return None;
    }
    if let [default] = value
        && default.is_keyword("DEFAULT")
    {
        return Some(StandardStringsChange { value: None, local });
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
pub(super) fn parse_bool(value: &str) -> Option<bool> {
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
