//! How a project declares a dependency it is missing, in its own style ([`declaration`]): the
//! text to add and where, as an [`Edit`] of one file. `plan check` shows the text in the
//! problem and `--fix` writes it; this file only computes it (it reads no file and writes
//! none).
//!
//! The style is the migration's own when it declares dependencies already: in plan.yaml
//! (`depends_on: [a, b]` gets `, c`; a block list gets a `- c` line), or in its header (a
//! `-- Depends: a` line gets a `-- Depends: c` line below it, written with the same key; seed
//! 001's `-- Dependencies:` block gets a `--   - c.sql` item; `-- depends: none` becomes
//! `-- depends: c`). A migration that declares nothing gets the header line the project's
//! other migrations write, after its leading comments (`-- depends: c` when none does).

use std::ops::Range;
use std::path::PathBuf;

use crate::project::{Migration, MigrationId, Project};

/// The text that declares dependencies, and where it goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Declaration {
    /// The file's name as diagnostics show it (`migrations/007_x.sql`, `plan.yaml`).
    pub file_name: String,
    /// The change to make.
    pub edit: Edit,
}

/// One change to one file: `range` of its text replaced by `text`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Edit {
    /// The file on disk.
    pub path: PathBuf,
    /// The bytes replaced (empty: an insertion).
    pub range: Range<usize>,
    /// What replaces them.
    pub text: String,
}

impl Declaration {
    /// The added text as a person reads it: its lines, without line breaks at its ends.
    pub(crate) fn shown(&self) -> String {
        self.edit
            .text
            .trim_matches(['\r', '\n', ',', ' '])
            .replace("\r\n", "\n")
            .replace('\n', " / ")
    }
}

/// The declaration that makes `migration` depend on each of `creators`, in the project's style.
pub(crate) fn declaration(
    project: &Project,
    migration: &Migration,
    creators: &[&MigrationId],
) -> Declaration {
    if let Some(declaration) = in_manifest(project, migration, creators) {
        return declaration;
    }
    let text = migration.file().text();
    let newline = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let header = header_lines(text);
    let edit_at = |range: Range<usize>, text: String| Declaration {
        file_name: migration.file().name().to_string(),
        edit: Edit {
            path: migration.path().to_path_buf(),
            range,
            text,
        },
    };
    if let Some(key_line) = header
        .iter()
        .rev()
        .find(|line| dependency_key(text, line).is_some())
    {
        let value = dependency_key(text, key_line).unwrap_or(key_line.end..key_line.end);
        let written = &text[value.clone()];
        if written.trim().is_empty() {
            // A block: `-- Dependencies:` then `--   - 001_x.sql` items.
            let items: Vec<&Range<usize>> = header
                .iter()
                .skip_while(|line| *line != key_line)
                .skip(1)
                .take_while(|line| block_item(text, line).is_some())
                .collect();
            let (after, prefix, sql) = match items.last() {
                Some(last) => {
                    let item = block_item(text, last).unwrap_or(last.end..last.end);
                    (
                        last.end,
                        text[last.start..item.start].to_string(),
                        text[item].ends_with(".sql"),
                    )
                }
                None => (key_line.end, "--   - ".to_string(), true),
            };
            let lines: String = creators
                .iter()
                .map(|id| format!("{newline}{prefix}{}", reference(id, sql)))
                .collect();
            return edit_at(after..after, lines);
        }
        let prefix = &text[key_line.start..value.start];
        let sql = written
            .split(',')
            .next_back()
            .is_some_and(|item| item.trim().ends_with(".sql"));
        let listed = join(creators, sql);
        if written.trim().to_ascii_lowercase().starts_with("none") {
            return edit_at(value, listed);
        }
        return edit_at(
            key_line.end..key_line.end,
            format!("{newline}{prefix}{listed}"),
        );
    }
    // Nothing declared in this file: write what the project's other headers write.
    let (prefix, block) = project_style(project);
    let listed = if block {
        creators
            .iter()
            .map(|id| format!("{newline}--   - {}", reference(id, true)))
            .collect::<String>()
    } else {
        join(creators, false)
    };
    let line = format!("{prefix}{listed}");
    match header.iter().rev().find(|line| is_comment(text, line)) {
        Some(last) => edit_at(last.end..last.end, format!("{newline}{line}")),
        None => edit_at(0..0, format!("{line}{newline}")),
    }
}

/// `id` as a dependency list writes it: with `.sql` when the list names files.
fn reference(id: &MigrationId, sql: bool) -> String {
    if sql {
        format!("{id}.sql")
    } else {
        id.to_string()
    }
}

fn join(ids: &[&MigrationId], sql: bool) -> String {
    ids.iter()
        .map(|id| reference(id, sql))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The declaration in plan.yaml, when the migration's dependencies are declared there and not
/// in its header.
fn in_manifest(
    project: &Project,
    migration: &Migration,
    creators: &[&MigrationId],
) -> Option<Declaration> {
    let declared = migration.dependencies()?;
    if declared
        .iter()
        .any(|dependency| dependency.origin.file.name() == migration.file().name())
    {
        return None;
    }
    let last = declared.last()?;
    let manifest = &last.origin.file;
    let text = manifest.text();
    let after = text.get(last.origin.span.end..)?;
    let closing = after.trim_start_matches([' ', '\'', '"']);
    let end = last.origin.span.end + (after.len() - closing.len());
    let edit = if closing.starts_with([',', ']']) {
        Edit {
            path: project.root().join(manifest.name()),
            range: end..end,
            text: format!(", {}", join(creators, false)),
        }
    } else {
        // A block list: a `- id` line below the last one, indented as it is.
        let line_start = text[..last.origin.span.start]
            .rfind('\n')
            .map_or(0, |at| at + 1);
        let line_end = text[end..].find('\n').map_or(text.len(), |at| end + at);
        let item = text[line_start..last.origin.span.start].trim_end_matches(['\'', '"']);
        let lines: String = creators.iter().map(|id| format!("\n{item}{id}")).collect();
        Edit {
            path: project.root().join(manifest.name()),
            range: line_end..line_end,
            text: lines,
        }
    };
    Some(Declaration {
        file_name: manifest.name().to_string(),
        edit,
    })
}

/// How the project's headers declare dependencies: the key line's text up to its value
/// (`-- Depends: `), and whether it is seed 001's block. `-- depends: ` when no header does.
fn project_style(project: &Project) -> (String, bool) {
    let migrations: Vec<&Migration> = project.migrations().collect();
    for migration in migrations.into_iter().rev() {
        let text = migration.file().text();
        for line in header_lines(text) {
            if let Some(value) = dependency_key(text, &line) {
                let block = text[value.clone()].trim().is_empty();
                return (text[line.start..value.start].to_string(), block);
            }
        }
    }
    ("-- depends: ".to_string(), false)
}

/// The leading lines of `text` that are blank or `--` comments (without their line break),
/// up to a section marker or the first line of SQL.
fn header_lines(text: &str) -> Vec<Range<usize>> {
    let mut lines = Vec::new();
    let mut start = 0;
    while start < text.len() {
        let end = text[start..].find('\n').map_or(text.len(), |at| start + at);
        let content_end = if end > start && text.as_bytes()[end - 1] == b'\r' {
            end - 1
        } else {
            end
        };
        let line = start..content_end;
        let content = text[line.clone()].trim();
        if !content.is_empty() && (!content.starts_with("--") || is_marker(content)) {
            break;
        }
        lines.push(line);
        start = end + 1;
    }
    lines
}

fn is_comment(text: &str, line: &Range<usize>) -> bool {
    text[line.clone()].trim_start().starts_with("--")
}

/// `-- UP`, `-- +goose Down`, …: where the header ends.
fn is_marker(content: &str) -> bool {
    let rest = content.trim_start_matches('-').trim();
    let rest = rest
        .strip_prefix("+goose")
        .or_else(|| rest.strip_prefix("+migrate"))
        .map_or(rest, str::trim_start);
    rest.eq_ignore_ascii_case("up") || rest.eq_ignore_ascii_case("down")
}

/// The value's range when `line` is a dependency key line (`-- Depends: …`, `-- Dependencies:`,
/// `-- depends on: …`), as the header reader's keys are.
fn dependency_key(text: &str, line: &Range<usize>) -> Option<Range<usize>> {
    let content = &text[line.clone()];
    let after_dashes = content.trim_start().strip_prefix("--")?;
    let colon = after_dashes.find(':')?;
    let key: String = after_dashes[..colon]
        .trim()
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c == ' ' || c == '_' { '-' } else { c })
        .collect();
    if !matches!(
        key.as_str(),
        "depends" | "depends-on" | "dependencies" | "depend"
    ) {
        return None;
    }
    let value_start = content.len() - after_dashes.len() + colon + 1;
    let value = &content[value_start..];
    let leading = value.len() - value.trim_start().len();
    let start = line.start + value_start + leading;
    Some(start..line.start + value_start + value.trim_end().len())
}

/// The item's range when `line` is an indented block item (`--   - 001_x.sql`).
fn block_item(text: &str, line: &Range<usize>) -> Option<Range<usize>> {
    let content = &text[line.clone()];
    let after_dashes = content.trim_start().strip_prefix("--")?;
    let indent = after_dashes.len() - after_dashes.trim_start().len();
    let item = after_dashes.trim();
    if indent < 2 || item.is_empty() || dependency_key(text, line).is_some() {
        return None;
    }
    let item = item
        .strip_prefix(['-', '*'])
        .map_or(item, str::trim_start)
        .trim_matches('`');
    let start = line.start + content.find(item)?;
    Some(start..start + item.len())
}
