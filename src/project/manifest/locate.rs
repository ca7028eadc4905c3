//! Finding where a key or a value is in plan.yaml's text, by indentation: serde_yaml keeps no
//! positions for values that parse fine, and problems found after parsing still need a line.
//! It understands the block style plan.yaml files are written in and falls back to the nearest
//! enclosing key. Parsing is `parse`'s job.

use std::ops::Range;

use crate::project::lines::lines;

/// The span of the key at `path` (e.g. `["migrations", "003", "depends_on"]`), found by
/// indentation. When a key cannot be found, the span of the deepest key found on the way (the
/// whole file's first line at worst), so that a diagnostic still points somewhere near.
pub(crate) fn locate(text: &str, path: &[&str]) -> Range<usize> {
    let mut block = 0..text.len();
    let mut found = first_line(text);
    let mut parent_indent: Option<usize> = None;
    for key in path {
        let Some((key_span, indent, child_block)) =
            find_key(text, block.clone(), parent_indent, key)
        else {
            return found;
        };
        found = key_span;
        block = child_block;
        parent_indent = Some(indent);
    }
    found
}

/// The span of `value` written under the key at `path`, or the key's span.
pub(crate) fn locate_value(text: &str, path: &[&str], value: &str) -> Range<usize> {
    let key = locate(text, path);
    let Some(parent) = path.last() else {
        return key;
    };
    // The value is on the key's line (flow style) or in the block below it.
    let block_end = block_end(text, key.start);
    let region = &text[key.start..block_end];
    let skip = parent.len();
    let mut search_from = skip.min(region.len());
    while let Some(found) = region[search_from..].find(value) {
        let start = search_from + found;
        let end = start + value.len();
        let before = region[..start].chars().next_back();
        let after = region[end..].chars().next();
        let boundary = |c: Option<char>| c.is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
        if !value.is_empty() && boundary(before) && boundary(after) {
            return key.start + start..key.start + end;
        }
        search_from = end.max(start + 1);
        if search_from >= region.len() {
            break;
        }
    }
    key
}

fn first_line(text: &str) -> Range<usize> {
    0..text.find(['\n', '\r']).unwrap_or(text.len())
}

/// Finds `key:` among the direct children of a block (lines indented more than the parent).
/// Returns the key's span, its indentation and the block of its children.
fn find_key(
    text: &str,
    block: Range<usize>,
    parent_indent: Option<usize>,
    key: &str,
) -> Option<(Range<usize>, usize, Range<usize>)> {
    let mut child_indent: Option<usize> = None;
    for line in lines(&text[block.clone()]) {
        let content = line.content;
        let trimmed = content.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let indent = content.len() - trimmed.len();
        if parent_indent.is_some_and(|parent| indent <= parent) {
            break;
        }
        let child = *child_indent.get_or_insert(indent);
        if indent != child {
            continue;
        }
        let name = trimmed
            .split_once(':')
            .map(|(name, _)| name.trim().trim_matches(['"', '\'']));
        if name == Some(key) {
            let start = block.start + line.start + indent;
            let key_span = start..start + trimmed.find(':').unwrap_or(trimmed.len());
            let children = block.start + line.next..block_end(text, block.start + line.start);
            return Some((key_span, indent, children));
        }
    }
    None
}

/// The end of the block that starts on the line holding `offset`: the start of the next
/// non-blank line indented no deeper than that line.
fn block_end(text: &str, offset: usize) -> usize {
    let line_start = text[..offset].rfind('\n').map_or(0, |newline| newline + 1);
    let first = &text[line_start..];
    let indent = first.len() - first.trim_start_matches(' ').len();
    let mut lines = lines(&text[line_start..]);
    lines.next();
    for line in lines {
        let trimmed = line.content.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let line_indent = line.content.len() - trimmed.len();
        if line_indent <= indent && !trimmed.starts_with("- ") || line_indent < indent {
            return line_start + line.start;
        }
    }
    text.len()
}

/// The spans of the `- ` items directly under the key whose span is `key`.
pub(super) fn list_item_spans(text: &str, key: Range<usize>) -> Vec<Range<usize>> {
    let end = block_end(text, key.start);
    let mut items = Vec::new();
    let mut item_indent = None;
    let line_start = text[..key.start]
        .rfind('\n')
        .map_or(0, |newline| newline + 1);
    for line in lines(&text[line_start..end]).skip(1) {
        let trimmed = line.content.trim_start();
        let indent = line.content.len() - trimmed.len();
        if trimmed.starts_with('-') && *item_indent.get_or_insert(indent) == indent {
            let start = line_start + line.start + indent;
            items.push(start..line_start + line.start + line.content.len());
        }
    }
    items
}
