//! Finding both occurrences of a key that plan.yaml repeats in one mapping. serde_yaml reports a
//! duplicate key at the start of the mapping holding it, which is the first key of that mapping,
//! not the repeated one; this module reads the mapping's keys from there (block or flow style)
//! so that a diagnostic can point at the first occurrence and at the repetition. Reading the
//! error itself is `errors`'s.

use std::ops::Range;

use crate::project::lines::lines;

/// The first two occurrences of `key` among the keys of the mapping starting at byte
/// `mapping_start`, or `None` when they cannot be made out (the caller then keeps serde_yaml's
/// single position).
pub(super) fn duplicate_key_spans(
    text: &str,
    mapping_start: usize,
    key: &str,
) -> Option<(Range<usize>, Range<usize>)> {
    if !text.is_char_boundary(mapping_start) || mapping_start >= text.len() {
        return None;
    }
    let keys = if text[mapping_start..].starts_with('{') {
        flow_keys(text, mapping_start)
    } else {
        block_keys(text, mapping_start)
    };
    let mut found = keys
        .into_iter()
        .filter(|(name, _)| name == key)
        .map(|(_, span)| span);
    let first = found.next()?;
    let again = found.next()?;
    Some((first, again))
}

/// The keys of a block mapping whose first key starts at `start`: the lines below it whose key
/// sits in the same column, up to the first line indented less.
fn block_keys(text: &str, start: usize) -> Vec<(String, Range<usize>)> {
    let line_start = text[..start].rfind('\n').map_or(0, |newline| newline + 1);
    let column = start - line_start;
    let mut keys: Vec<(String, Range<usize>)> = key_at(text, start).into_iter().collect();
    let first_line_end = text[start..]
        .find('\n')
        .map_or(text.len(), |newline| start + newline + 1);
    for line in lines(&text[first_line_end..]) {
        let trimmed = line.content.trim_start_matches(' ');
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let indent = line.content.len() - trimmed.len();
        if indent < column {
            break;
        }
        // Deeper lines belong to a value; a `-` in the key column is a sequence value written
        // without indentation (`steps:` then `- sql: x`).
        if indent > column || trimmed.starts_with('-') {
            continue;
        }
        keys.extend(key_at(text, first_line_end + line.start + indent));
    }
    keys
}

/// The key written at `start` (`name:`, `"name":` or `'name':`) and its span.
fn key_at(text: &str, start: usize) -> Option<(String, Range<usize>)> {
    let rest = &text[start..];
    let line = &rest[..rest.find(['\n', '\r']).unwrap_or(rest.len())];
    if let Some(quote) = line.chars().next().filter(|c| *c == '"' || *c == '\'') {
        let close = line[1..].find(quote)? + 1;
        let after = line[close + 1..].trim_start();
        after.starts_with(':').then(|| {
            let name = line[1..close].replace("\\\"", "\"").replace("\\\\", "\\");
            (name, start..start + close + 1)
        })
    } else {
        let colon = line
            .match_indices(':')
            .map(|(offset, _)| offset)
            .find(|offset| line[offset + 1..].is_empty() || line[offset + 1..].starts_with(' '))?;
        let name = line[..colon].trim_end();
        (!name.is_empty()).then(|| (name.to_string(), start..start + name.len()))
    }
}

/// The keys of a flow mapping (`{a: 1, b: 2}`) whose `{` is at `start`, at its own depth only.
fn flow_keys(text: &str, start: usize) -> Vec<(String, Range<usize>)> {
    let mut keys = Vec::new();
    let mut depth = 0usize;
    let mut expect_key = false;
    let mut quote: Option<char> = None;
    let mut key_start: Option<usize> = None;
    for (offset, c) in text[start..].char_indices() {
        let at = start + offset;
        if let Some(open) = quote {
            if c == open {
                quote = None;
            }
            continue;
        }
        if depth == 1 && expect_key && !c.is_whitespace() {
            expect_key = false;
            if c != '}' && c != ',' {
                key_start = Some(at);
            }
        }
        match c {
            '"' | '\'' => quote = Some(c),
            '{' | '[' => depth += 1,
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    break;
                }
            }
            ',' if depth == 1 => {
                expect_key = true;
                key_start = None;
            }
            ':' if depth == 1 => {
                if let Some(begin) = key_start.take() {
                    let written = text[begin..at].trim_end();
                    let name = written.trim_matches(['"', '\'']).to_string();
                    keys.push((name, begin..begin + written.len()));
                }
            }
            _ => {}
        }
        if c == '{' && depth == 1 {
            expect_key = true;
        }
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The text of both occurrences and their line numbers, found from the mapping at `at`.
    fn check(text: &str, at: &str, key: &str, expect: Option<(&str, usize, &str, usize)>) {
        let start = text.find(at).expect("the mapping's start is in the text");
        let found = duplicate_key_spans(text, start, key).map(|(first, again)| {
            let line = |offset: usize| text[..offset].matches('\n').count() + 1;
            (
                &text[first.clone()],
                line(first.start),
                &text[again.clone()],
                line(again.start),
            )
        });
        assert_eq!(found, expect);
    }

    #[test]
    fn top_level_keys() {
        check(
            "order: graph\nmigrations:\n  001_a: {}\norder: sequential\n",
            "order",
            "order",
            Some(("order", 1, "order", 4)),
        );
    }

    #[test]
    fn keys_of_a_migration_entry() {
        check(
            "migrations:\n  001_a:\n    transaction: true\n    steps:\n    - sql: x.sql\n    transaction: false\n  002_b: {}\n",
            "transaction",
            "transaction",
            Some(("transaction", 3, "transaction", 6)),
        );
    }

    #[test]
    fn quoted_and_flow_keys() {
        check(
            "migrations:\n  \"003\": {}\n  '003': {}\n",
            "\"003\"",
            "003",
            Some(("\"003\"", 2, "'003'", 3)),
        );
        check(
            "environments:\n  production: {backup: none, confirm: true, backup: required}\n",
            "{backup",
            "backup",
            Some(("backup", 2, "backup", 2)),
        );
    }

    #[test]
    fn keys_of_a_step_in_a_list() {
        check(
            "steps:\n  - batch: x\n    pause: 1s\n    pause: 2s\n",
            "batch",
            "pause",
            Some(("pause", 3, "pause", 4)),
        );
    }

    #[test]
    fn nested_keys_of_the_same_name_do_not_count() {
        check(
            "migrations:\n  001_a:\n    steps: []\n  002_b:\n    steps: []\n",
            "001_a",
            "steps",
            None,
        );
    }
}
