//! Every relative link in README.md and docs/*.md resolves inside the repository (issue 13): the
//! file or folder exists and does not lie outside the crate, and a `#anchor` into a Markdown
//! file (or within the same file) names one of its headings (as GitHub makes anchors of them)
//! or an `<a id="…">`. Links in fenced code blocks and inline code are not links; absolute URLs
//! (`https:`, `mailto:`) are not checked.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::support::project::crate_root;

/// The Markdown files checked: README.md and every `.md` directly in docs/.
fn documents() -> Vec<PathBuf> {
    let root = crate_root();
    let mut files = vec![root.join("README.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root.join("docs"))
        .expect("list docs/")
        .map(|entry| entry.expect("an entry").path())
        .filter(|path| path.extension().is_some_and(|extension| extension == "md"))
        .collect();
    docs.sort();
    files.extend(docs);
    files
}

/// The text of `markdown` with fenced code blocks and inline code blanked out, line by line
/// (so line numbers stay right).
fn prose_lines(markdown: &str) -> Vec<String> {
    let mut fence: Option<String> = None;
    markdown
        .lines()
        .map(|line| {
            let trimmed = line.trim_start();
            if let Some(open) = &fence {
                if trimmed.starts_with(open.as_str()) {
                    fence = None;
                }
                return String::new();
            }
            for marker in ["```", "~~~"] {
                if trimmed.starts_with(marker) {
                    let width = trimmed
                        .chars()
                        .take_while(|c| *c == marker.as_bytes()[0] as char)
                        .count();
                    fence = Some(marker[..1].repeat(width));
                    return String::new();
                }
            }
            without_inline_code(line)
        })
        .collect()
}

/// `line` with every `` `code` `` span (of any number of backticks) replaced by nothing.
fn without_inline_code(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(start) = rest.find('`') {
        out.push_str(&rest[..start]);
        let ticks = rest[start..].chars().take_while(|c| *c == '`').count();
        let after = &rest[start + ticks..];
        let closing = "`".repeat(ticks);
        match after.find(&closing) {
            Some(end) => rest = &after[end + ticks..],
            None => {
                out.push_str(&rest[start..]);
                return out;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The link destinations of one line of prose: `[text](dest)`, `![alt](dest)` and reference
/// definitions `[label]: dest`.
fn destinations(line: &str) -> Vec<String> {
    let mut found = Vec::new();
    let trimmed = line.trim_start();
    if trimmed.starts_with('[')
        && let Some(close) = trimmed.find("]:")
    {
        let dest = trimmed[close + 2..].split_whitespace().next().unwrap_or("");
        found.push(dest.trim_matches(['<', '>']).to_string());
    }
    let bytes = line.as_bytes();
    let mut index = 0;
    while let Some(offset) = line[index..].find("](") {
        let start = index + offset + 2;
        let mut depth = 0usize;
        let mut end = start;
        while end < bytes.len() {
            match bytes[end] {
                b'(' => depth += 1,
                b')' if depth == 0 => break,
                b')' => depth -= 1,
                _ => {}
            }
            end += 1;
        }
        let inside = line[start..end].trim_start();
        // `(<dest with spaces>)`, or `(dest "title")`: the destination is the first word.
        let dest = match inside.strip_prefix('<') {
            Some(bracketed) => bracketed.split('>').next().unwrap_or(""),
            None => inside.split_whitespace().next().unwrap_or(""),
        };
        found.push(dest.to_string());
        index = end.min(line.len());
    }
    found
}

/// GitHub's anchor for a heading: lower case, punctuation dropped (`-` and `_` kept), spaces
/// made `-`.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            '-' | '_' => Some(c),
            _ if c.is_alphanumeric() => Some(c),
            _ => None,
        })
        .collect()
}

/// The anchors of a Markdown file: its headings' (numbered `-1`, `-2` when repeated, as GitHub
/// does) and every `id="…"` / `name="…"` of an HTML tag.
fn anchors(markdown: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut fence = false;
    for line in markdown.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            fence = !fence;
            continue;
        }
        if fence {
            continue;
        }
        if let Some(heading) = trimmed.strip_prefix('#') {
            let text = heading.trim_start_matches('#');
            if text.starts_with(' ') {
                let base = slug(&text.replace('`', ""));
                let mut anchor = base.clone();
                let mut n = 0;
                while found.contains(&anchor) {
                    n += 1;
                    anchor = format!("{base}-{n}");
                }
                found.insert(anchor);
            }
        }
        for attribute in ["id=\"", "name=\""] {
            let mut rest = line;
            while let Some(start) = rest.find(attribute) {
                let value = &rest[start + attribute.len()..];
                let Some(end) = value.find('"') else { break };
                found.insert(value[..end].to_string());
                rest = &value[end..];
            }
        }
    }
    found
}

/// Each broken relative link of `document`, as `file:line: dest (why)`, and how many relative
/// links it has.
fn broken_links(document: &Path, root: &Path) -> (Vec<String>, usize) {
    let text = std::fs::read_to_string(document).expect("read the document");
    let shown = document
        .strip_prefix(root)
        .unwrap_or(document)
        .display()
        .to_string();
    let folder = document.parent().expect("a folder");
    let canonical_root = root.canonicalize().expect("the crate root");
    let mut broken = Vec::new();
    let mut checked = 0;
    for (number, line) in prose_lines(&text).iter().enumerate() {
        for dest in destinations(line) {
            let is_absolute = dest.contains("://")
                || dest.starts_with("mailto:")
                || dest.starts_with("tel:")
                || dest.is_empty();
            if is_absolute {
                continue;
            }
            checked += 1;
            let (path, anchor) = match dest.split_once('#') {
                Some((path, anchor)) => (path, Some(anchor)),
                None => (dest.as_str(), None),
            };
            let mut problem = |why: String| {
                broken.push(format!("{shown}:{}: {dest} ({why})", number + 1));
            };
            let target = if path.is_empty() {
                document.to_path_buf()
            } else if let Some(inside) = path.strip_prefix('/') {
                root.join(inside)
            } else {
                folder.join(path)
            };
            let Ok(resolved) = target.canonicalize() else {
                problem("no such file".to_string());
                continue;
            };
            if !resolved.starts_with(&canonical_root) {
                problem("outside the repository".to_string());
                continue;
            }
            let Some(anchor) = anchor else { continue };
            if resolved
                .extension()
                .is_none_or(|extension| extension != "md")
            {
                continue;
            }
            let target_text = std::fs::read_to_string(&resolved).expect("read the target");
            if !anchors(&target_text).contains(anchor) {
                problem(format!("no heading or id `{anchor}` there"));
            }
        }
    }
    (broken, checked)
}

#[test]
fn issue_13_every_relative_link_in_the_docs_resolves_inside_the_repository() {
    let root = crate_root();
    let documents = documents();
    assert!(
        documents.len() > 5,
        "README.md and docs/*.md: {documents:?}"
    );
    let mut broken: Vec<String> = Vec::new();
    let mut checked = 0;
    for document in &documents {
        let (found, links) = broken_links(document, &root);
        broken.extend(found);
        checked += links;
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
    // The docs link to each other a lot (errors.md alone over a hundred times): finding few
    // would mean the reader missed them, not that they are fine.
    assert!(checked > 100, "only {checked} relative links found");
}

#[test]
fn the_link_reader_finds_links_and_anchors_as_github_does() {
    assert_eq!(
        destinations("see [a](docs/a.md#x) and [b](<b c.md> \"t\"), `[c](no.md)`"),
        ["docs/a.md#x", "b c.md", "no.md"]
    );
    assert_eq!(
        destinations(&without_inline_code("see `[c](no.md)` and [d](d.md)")),
        ["d.md"]
    );
    assert_eq!(destinations("[label]: ../x.md"), ["../x.md"]);
    let found = anchors(
        "# Plan file\n## `plan::apply::modified`\n## Ordering\n## Ordering\n<a id=\"plan-x\"></a>\n```\n# not a heading\n```\n",
    );
    let expected: BTreeSet<String> = [
        "plan-file",
        "planapplymodified",
        "ordering",
        "ordering-1",
        "plan-x",
    ]
    .iter()
    .map(|anchor| anchor.to_string())
    .collect();
    assert_eq!(found, expected);
}
