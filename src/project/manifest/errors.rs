//! Turning serde_yaml's errors into [`ManifestProblem`]s: the message without its position, a
//! span in the text, and the kind of mistake (an unknown key, step kind or value, a wrong type).
//! Problems found after parsing are `parse`'s.

use std::ops::Range;

use super::duplicates::duplicate_key_spans;
use super::model::ManifestProblem;

/// serde_yaml's message without its ` at line N column M` suffix (the span carries that).
pub(super) fn message_of(error: &serde_yaml::Error) -> String {
    let full = error.to_string();
    match full.rfind(" at line ") {
        Some(position) => full[..position].to_string(),
        None => full,
    }
}

pub(super) fn span_of(error: &serde_yaml::Error, text: &str) -> Range<usize> {
    let start = error
        .location()
        .map_or(0, |location| location.index().min(text.len()));
    let start = floor_char_boundary(text, start);
    let end = text[start..]
        .find(['\n', '\r', ':', ',', ']', '}'])
        .map_or(text.len(), |offset| start + offset);
    if end > start {
        start..end
    } else {
        start..(start + text[start..].chars().next().map_or(0, char::len_utf8))
    }
}

fn floor_char_boundary(text: &str, mut index: usize) -> usize {
    while index > 0 && !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

/// The problem of a first-pass (untyped) error: a repeated key pointed at both occurrences
/// when they can be found, else a syntax error at serde_yaml's position.
pub(super) fn syntax_problem(error: &serde_yaml::Error, text: &str) -> ManifestProblem {
    let message = message_of(error);
    let span = span_of(error, text);
    let repeated = message
        .rfind("duplicate entry with key ")
        .map(|position| unquoted(&message[position + "duplicate entry with key ".len()..]));
    let found = repeated.and_then(|key| duplicate_key_spans(text, span.start, &key));
    match found {
        Some((first, again)) => ManifestProblem::DuplicateKey {
            message,
            first,
            again,
        },
        None => ManifestProblem::Syntax { message, span },
    }
}

/// A key as serde_yaml prints it: a string in Rust's debug quoting, or a number or boolean.
fn unquoted(written: &str) -> String {
    match written
        .strip_prefix('"')
        .and_then(|rest| rest.strip_suffix('"'))
    {
        Some(inner) => inner.replace("\\\"", "\"").replace("\\\\", "\\"),
        None => written.trim_matches('`').to_string(),
    }
}

/// Sorts a typed-parse error into the problem the user made.
pub(super) fn classify(error: &serde_yaml::Error, text: &str) -> ManifestProblem {
    let message = message_of(error);
    let span = span_of(error, text);
    // serde_yaml prefixes the path of the failing value (`migrations.003: ...`).
    let detail = match message.find(": ") {
        Some(colon) if !message[..colon].contains(' ') => &message[colon + 2..],
        _ => message.as_str(),
    };
    if let Some(rest) = detail.strip_prefix("unknown field `") {
        let key = rest.split('`').next().unwrap_or_default().to_string();
        // serde_yaml may place the error at the start of the enclosing mapping (it does for
        // options of a step); the key itself is the first `key:` from there on.
        let span = text[span.start..]
            .match_indices(key.as_str())
            .find(|(offset, _)| {
                text[span.start + offset + key.len()..]
                    .trim_start_matches([' ', '"', '\''])
                    .starts_with(':')
            })
            .map_or(span.clone(), |(offset, _)| {
                span.start + offset..span.start + offset + key.len()
            });
        return ManifestProblem::UnknownKey {
            key,
            expected: backticked(rest.split_once(", expected").map_or("", |(_, list)| list)),
            span,
        };
    }
    if let Some(rest) = detail.strip_prefix("unknown step kind `") {
        let kind = rest.split('`').next().unwrap_or_default().to_string();
        return ManifestProblem::UnknownStepKind { kind, span };
    }
    if let Some(rest) = detail.strip_prefix("unknown variant `") {
        return ManifestProblem::WrongType {
            message: message.clone(),
            span,
            expected: backticked(rest.split_once(", expected").map_or("", |(_, list)| list)),
        };
    }
    ManifestProblem::WrongType {
        message,
        span,
        expected: Vec::new(),
    }
}

/// The names between backticks in serde's "expected one of `a`, `b`" lists.
fn backticked(list: &str) -> Vec<String> {
    list.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}
