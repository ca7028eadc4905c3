//! One line of a plan file taken apart the way Sqitch's `_parse` does
//! (lib/App/Sqitch/Plan.pm of sqitchers/sqitch): a pragma `%name=value`, or a change or tag
//! line `name [deps] timestamp Planner <email> # note`. What the pieces mean across lines
//! (duplicates, references) is `plan.rs`'s and `resolve.rs`'s.

use std::ops::Range;

use super::model::{SqitchProblem, SqitchProblemKind};
use super::name::{
    TIMESTAMP_LEN, is_blank, is_punct, is_reserved, is_valid_name, looks_like_id,
    starts_with_timestamp, timestamp_error,
};

/// Whether a line is a change or a tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Entry {
    /// `name ...`, or the legacy `+name` / `-name` (the operator only changes how
    /// `sqitch plan` labels it; the engine deploys it like any change).
    Change,
    /// `@name ...`.
    Tag,
}

/// A piece of a line and where it sits in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Piece<'a> {
    /// The text.
    pub(super) text: &'a str,
    /// Its bytes in the plan file.
    pub(super) span: Range<usize>,
}

/// A change or tag line, as far as it could be read, with what is wrong with it.
#[derive(Debug)]
pub(super) struct ParsedLine<'a> {
    /// Change or tag.
    pub(super) entry: Entry,
    /// The name (without `@`), kept even when invalid so that later lines are judged
    /// against it rather than reporting it missing again; `None` when there is none.
    pub(super) name: Option<Piece<'a>>,
    /// The `[...]` and its entries, split on blanks.
    pub(super) brackets: Option<(Range<usize>, Vec<Piece<'a>>)>,
    /// The timestamp as written, empty when missing.
    pub(super) planned_at: &'a str,
    /// `Name <email>`, empty when missing.
    pub(super) planner: String,
    /// The unescaped note.
    pub(super) note: String,
    /// What is wrong with the line itself.
    pub(super) problems: Vec<SqitchProblem>,
}

/// A line that holds nothing but blanks and perhaps a `#` comment.
pub(super) fn is_blank_or_comment(line: &str) -> bool {
    let rest = line.trim_start_matches(is_blank);
    rest.is_empty() || rest.starts_with('#')
}

/// A line of blanks only: in the header, it ends the pragmas.
pub(super) fn is_blank_line(line: &str) -> bool {
    line.chars().all(is_blank)
}

/// A pragma's name and value (`1` when it has no `=value`, as in Sqitch), or `None` when the
/// line is not shaped like one.
pub(super) fn parse_pragma(line: &str) -> Option<(&str, &str)> {
    let (body, _) = split_note(line);
    let rest = body
        .trim_start_matches(is_blank)
        .strip_prefix('%')?
        .trim_start_matches(is_blank);
    let (name, value) = match rest.split_once('=') {
        Some((name, value)) => (
            name.trim_end_matches(is_blank),
            value.trim_start_matches(is_blank),
        ),
        None => (rest, "1"),
    };
    let first = name.chars().next()?;
    let last = name.chars().last()?;
    let shaped =
        !value.is_empty() && !is_punct(first) && !is_punct(last) && !name.contains(is_blank);
    shaped.then_some((name, value))
}

/// Takes a change or tag line apart; `start` is its offset in the file.
pub(super) fn parse_line(line: &str, start: usize) -> ParsedLine<'_> {
    let (body, raw_note) = split_note(line);
    let mut parsed = ParsedLine {
        entry: Entry::Change,
        name: None,
        brackets: None,
        planned_at: "",
        planner: String::new(),
        note: raw_note.map(unescape_note).unwrap_or_default(),
        problems: Vec::new(),
    };
    let span = |range: Range<usize>| start + range.start..start + range.end;
    let line_span = start..start + line.len();
    let mut problem = |kind, message: String, at: Range<usize>, help: &str| {
        parsed
            .problems
            .push(SqitchProblem::new(kind, message, at, help));
    };

    let mut at = skip_blanks(body, 0);
    if body[at..].starts_with('@') {
        parsed.entry = Entry::Tag;
        at += 1;
    } else if body[at..].starts_with(['+', '-']) {
        at = skip_blanks(body, at + 1);
    }
    let what = match parsed.entry {
        Entry::Change => "change",
        Entry::Tag => "tag",
    };
    let name_end = body[at..]
        .find(|c: char| is_blank(c) || c == '[')
        .map_or(body.len(), |offset| at + offset);
    let name = &body[at..name_end];
    if name.is_empty() {
        problem(
            SqitchProblemKind::InvalidName,
            format!("{what} line without a name"),
            line_span,
            "start the line with the name, as `sqitch add` writes it: `name [dependencies] 2024-01-01T00:00:00Z Your Name <you@example.com> # note`",
        );
        return parsed;
    }
    let name_span = span(at..name_end);
    if !is_valid_name(name) {
        problem(
            SqitchProblemKind::InvalidName,
            format!("invalid {what} name \"{name}\""),
            name_span.clone(),
            "Sqitch names must not begin with punctuation, contain \"@\", \":\", \"#\", \"\\\", \"[\", \"]\" or blanks, or end in punctuation or digits following punctuation",
        );
    } else if is_reserved(name) {
        problem(
            SqitchProblemKind::ReservedName,
            format!("\"{name}\" is a reserved name"),
            name_span.clone(),
            "HEAD and ROOT name positions in a Sqitch plan; rename the change or tag",
        );
    } else if looks_like_id(name) {
        problem(
            SqitchProblemKind::IdLikeName,
            format!("\"{name}\" could be confused with a change ID"),
            name_span.clone(),
            "Sqitch refuses names that start with 40 hex digits; rename it",
        );
    } else if parsed.entry == Entry::Tag && name.contains('/') {
        problem(
            SqitchProblemKind::TagWithSlash,
            format!("tag \"{name}\" contains \"/\""),
            name_span.clone(),
            "a tag names script files (`name@tag.sql`), so Sqitch refuses \"/\" in it; rename the tag",
        );
    }
    parsed.name = Some(Piece {
        text: name,
        span: name_span,
    });

    at = skip_blanks(body, name_end);
    if body[at..].starts_with('[') {
        let Some(close) = body[at..].find(']').map(|offset| at + offset) else {
            problem(
                SqitchProblemKind::MalformedLine,
                "unclosed \"[\"".to_owned(),
                span(at..body.len()),
                "close the dependency list with \"]\" before the timestamp",
            );
            return parsed;
        };
        let entries = words(&body[at + 1..close], start + at + 1);
        if entries.is_empty() {
            problem(
                SqitchProblemKind::MalformedLine,
                "empty dependency list".to_owned(),
                span(at..close + 1),
                "name at least one change in \"[...]\", or remove the brackets",
            );
        }
        parsed.brackets = Some((span(at..close + 1), entries));
        at = skip_blanks(body, close + 1);
    }

    let rest = &body[at..];
    if !starts_with_timestamp(rest) {
        match rest
            .char_indices()
            .find(|&(offset, _)| starts_with_timestamp(&rest[offset..]))
        {
            Some((offset, _)) => problem(
                SqitchProblemKind::MalformedLine,
                format!(
                    "unexpected \"{}\" before the timestamp",
                    rest[..offset].trim_end_matches(is_blank)
                ),
                span(at..at + rest[..offset].trim_end_matches(is_blank).len()),
                "a change line is `name [dependencies] timestamp planner # note`; move or remove this text (a note goes after \"#\")",
            ),
            None => problem(
                SqitchProblemKind::MissingTimestamp,
                if rest.contains('<') {
                    "missing timestamp"
                } else {
                    "missing timestamp and planner"
                }
                .to_owned(),
                if rest.is_empty() {
                    line_span
                } else {
                    span(at..body.len())
                },
                "after the name and dependencies, write the planning time and planner: `2024-01-01T00:00:00Z Your Name <you@example.com>`",
            ),
        }
        return parsed;
    }
    parsed.planned_at = &rest[..TIMESTAMP_LEN];
    if let Some(reason) = timestamp_error(parsed.planned_at) {
        problem(
            SqitchProblemKind::BadTimestamp,
            format!("invalid timestamp \"{}\": {reason}", parsed.planned_at),
            span(at..at + TIMESTAMP_LEN),
            "write a real UTC time as YYYY-MM-DDTHH:MM:SSZ",
        );
    }
    at = skip_blanks(body, at + TIMESTAMP_LEN);
    match planner(&body[at..]) {
        Some(planner) => parsed.planner = planner,
        None => problem(
            SqitchProblemKind::MissingPlanner,
            if at == body.len() {
                "missing planner name and email".to_owned()
            } else {
                format!("\"{}\" is not a planner", &body[at..])
            },
            if at == body.len() {
                line_span
            } else {
                span(at..body.len())
            },
            "after the timestamp, write who planned the change: `Your Name <you@example.com>`",
        ),
    }
    parsed
}

/// The line before its note (trailing blanks removed), and the note's raw text after the
/// first `#`: Sqitch strips the note first, so a `#` anywhere starts it.
fn split_note(line: &str) -> (&str, Option<&str>) {
    match line.split_once('#') {
        Some((body, note)) => (body.trim_end_matches(is_blank), Some(note)),
        None => (line.trim_end_matches(is_blank), None),
    }
}

/// A note trimmed, with `\n`, `\r` and `\\` unescaped (`BUILDARGS` in
/// lib/App/Sqitch/Plan/Line.pm).
fn unescape_note(raw: &str) -> String {
    let mut note = String::new();
    let mut chars = raw.trim().chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            note.push(c);
            continue;
        }
        let rest = chars.as_str();
        match rest.chars().next() {
            Some('n') => note.push('\n'),
            Some('r') => note.push('\r'),
            Some('\\') => note.push('\\'),
            _ => {
                note.push('\\');
                continue;
            }
        }
        chars.next();
    }
    note
}

/// `Name <email>` as Sqitch's `$planner_re` reads it: a name without `<`, at least one blank,
/// then `<email>` ending the line. The name must hold more than blanks.
fn planner(text: &str) -> Option<String> {
    let (name, email) = text.split_once('<')?;
    let email = email.strip_suffix('>')?;
    let name_ok = name.ends_with(is_blank) && !name.trim_matches(is_blank).is_empty();
    let email_ok = !email.is_empty() && !email.contains('>');
    (name_ok && email_ok).then(|| format!("{} <{email}>", name.trim_matches(is_blank)))
}

fn skip_blanks(text: &str, from: usize) -> usize {
    text[from..]
        .find(|c: char| !is_blank(c))
        .map_or(text.len(), |offset| from + offset)
}

/// The blank-separated words of `text`, which starts at `offset` in the file.
fn words(text: &str, offset: usize) -> Vec<Piece<'_>> {
    let mut pieces = Vec::new();
    let mut at = skip_blanks(text, 0);
    while at < text.len() {
        let end = text[at..]
            .find(is_blank)
            .map_or(text.len(), |length| at + length);
        pieces.push(Piece {
            text: &text[at..end],
            span: offset + at..offset + end,
        });
        at = skip_blanks(text, end);
    }
    pieces
}
