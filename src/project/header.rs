//! Reads a migration file's header: the comment block at its top, where our users already write
//! `-- Dependencies:` lists (seed 001), `-- Migration:` / `-- Description:` lines (seeds 003 and
//! 004) and where `plan` reads `-- depends:`, `-- requires:`, `-- environment:` and `-- plan:`.
//!
//! Only the header is read here; the SQL below it is the business of `sections` and `sql`.

use std::ops::Range;

use indexmap::IndexMap;

use super::lines::{Line, lines};
use super::migration::{Requirement, TransactionMode};

/// What a header declares. Spans are byte ranges in the file.
#[derive(Debug, Default)]
pub(crate) struct Header {
    /// `None` when no dependency line is present; `Some(empty)` for `depends: none`.
    pub(crate) dependencies: Option<Vec<Written>>,
    /// Where the first dependency declaration is, to explain why a project is a graph.
    pub(crate) dependencies_declared_at: Option<Range<usize>>,
    pub(crate) requires: Vec<(Requirement, Range<usize>)>,
    pub(crate) environments: Option<Vec<Written>>,
    /// Where the first environment line is, to name it when plan.yaml says otherwise.
    pub(crate) environments_declared_at: Option<Range<usize>>,
    pub(crate) transaction: Option<TransactionMode>,
    /// Where `no-transaction` is written, to name it when plan.yaml says otherwise.
    pub(crate) transaction_declared_at: Option<Range<usize>>,
    pub(crate) metadata: IndexMap<String, String>,
    pub(crate) problems: Vec<HeaderProblem>,
}

/// A word as written in the file, with its span.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Written {
    pub(crate) text: String,
    pub(crate) span: Range<usize>,
}

/// A header line `plan` cannot make sense of.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum HeaderProblem {
    /// A `requires:` item that is not `table S.T`, `column S.T.C`, `schema S` or `extension E`.
    MalformedRequirement { written: String, span: Range<usize> },
    /// A `plan:` directive other than `no-transaction`.
    UnknownDirective { written: String, span: Range<usize> },
    /// An environment name that is not a plain word.
    MalformedEnvironment { written: String, span: Range<usize> },
}

/// Reads the header of `text`: the leading lines that are blank or `--` comments, stopping at an
/// `-- UP` / `-- DOWN` marker or the first line of SQL.
pub(crate) fn parse(text: &str) -> Header {
    let mut header = Header::default();
    let mut lines = lines(text).peekable();
    while let Some(line) = lines.next() {
        let Some(comment) = comment_of(&line) else {
            if line.content.trim().is_empty() {
                continue;
            }
            break;
        };
        if super::sections::marker_of(&line).is_some() {
            break;
        }
        let Some((key, value)) = key_value(comment.text) else {
            continue;
        };
        // A key with nothing after its colon takes the indented lines below it as its value
        // (seed 001's `-- Dependencies:` followed by `--   - 001_x.sql`).
        let mut values = Vec::new();
        if value.text.is_empty() {
            while let Some(next) = lines.peek() {
                let Some(item) =
                    comment_of(next).and_then(|next_comment| block_item(&next_comment))
                else {
                    break;
                };
                values.push(item);
                lines.next();
            }
        } else {
            values.push(Written {
                text: value.text.to_string(),
                span: comment.start + value.start..comment.start + value.start + value.text.len(),
            });
        }
        header.read(key, values, line.span());
    }
    header
}

/// Where the header of `text` ends, as [`parse`] reads it: the start of the first line that is
/// neither blank nor a `--` comment, or of an `-- UP` / `-- DOWN` marker; the end of `text`
/// when every line is. `plan lint` takes the allow comments before it as the whole file's.
pub(crate) fn header_end(text: &str) -> usize {
    lines(text)
        .find(|line| match comment_of(line) {
            Some(_) => super::sections::marker_of(line).is_some(),
            None => !line.content.trim().is_empty(),
        })
        .map_or(text.len(), |line| line.start)
}

impl Header {
    fn read(&mut self, key: &str, values: Vec<Written>, line: Range<usize>) {
        match normalise_key(key).as_str() {
            "depends" | "depends-on" | "dependencies" | "depend" => {
                self.dependencies_declared_at.get_or_insert(line);
                let declared = self.dependencies.get_or_insert_with(Vec::new);
                for value in values {
                    declared.extend(dependency_items(&value));
                }
            }
            "requires" | "require" | "prerequisites" => {
                for value in values {
                    for item in split_list(&value) {
                        match parse_requirement(&item.text) {
                            Some(requirement) => self.requires.push((requirement, item.span)),
                            None => self.problems.push(HeaderProblem::MalformedRequirement {
                                written: item.text,
                                span: item.span,
                            }),
                        }
                    }
                }
            }
            "environment" | "environments" | "env" => {
                self.environments_declared_at.get_or_insert(line);
                let environments = self.environments.get_or_insert_with(Vec::new);
                for value in values {
                    for item in split_list(&value) {
                        if is_plain_word(&item.text) {
                            environments.push(item);
                        } else {
                            self.problems.push(HeaderProblem::MalformedEnvironment {
                                written: item.text,
                                span: item.span,
                            });
                        }
                    }
                }
            }
            "plan" => {
                // `-- plan:allow RULE: reason` is `plan lint`'s (`lint/allow.rs` reads it).
                for value in values.into_iter().filter(|value| !is_allow(&value.text)) {
                    for item in split_list(&value) {
                        match item.text.to_lowercase().as_str() {
                            "no-transaction" | "no_transaction" | "notransaction" => {
                                self.transaction = Some(TransactionMode::Outside);
                                self.transaction_declared_at.get_or_insert(line.clone());
                            }
                            _ => self.problems.push(HeaderProblem::UnknownDirective {
                                written: item.text,
                                span: item.span,
                            }),
                        }
                    }
                }
            }
            _ => {
                let joined = values
                    .iter()
                    .map(|value| value.text.as_str())
                    .collect::<Vec<_>>()
                    .join(" ");
                self.metadata
                    .entry(key.to_string())
                    .and_modify(|existing| {
                        existing.push(' ');
                        existing.push_str(&joined);
                    })
                    .or_insert(joined);
            }
        }
    }
}

/// The text of a `--` comment line, and where that text starts in the file.
struct Comment<'a> {
    text: &'a str,
    start: usize,
}

fn comment_of<'a>(line: &Line<'a>) -> Option<Comment<'a>> {
    let indent = line.content.len() - line.content.trim_start().len();
    let rest = line.content[indent..].strip_prefix("--")?;
    Some(Comment {
        text: rest,
        start: line.start + indent + 2,
    })
}

/// A piece of a comment and its offset within the comment text.
struct Piece<'a> {
    text: &'a str,
    start: usize,
}

/// `Key: value`, where the key is a short run of words. Lines like `-- ====` or free prose with
/// a colon late in the sentence are not key-value lines.
fn key_value(comment: &str) -> Option<(&str, Piece<'_>)> {
    let colon = comment.find(':')?;
    let key = comment[..colon].trim();
    let key_is_label = !key.is_empty()
        && key.len() <= 40
        && key.starts_with(|first: char| first.is_ascii_alphabetic())
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, ' ' | '-' | '_'))
        && key.split_whitespace().count() <= 3;
    if !key_is_label {
        return None;
    }
    let after = &comment[colon + 1..];
    let leading = after.len() - after.trim_start().len();
    let text = after.trim();
    Some((
        key,
        Piece {
            text,
            start: colon + 1 + leading,
        },
    ))
}

/// One indented continuation line under a block key: `--   - 001_x.sql` or `--   See file`.
/// A line that is itself `Key: value`, or not indented, ends the block.
fn block_item(comment: &Comment<'_>) -> Option<Written> {
    let indent = comment.text.len() - comment.text.trim_start().len();
    let content = comment.text.trim();
    if indent < 2 || content.is_empty() {
        return None;
    }
    let (content, bullet) = match content.strip_prefix(['-', '*']) {
        Some(rest) => (rest.trim_start(), content.len() - rest.trim_start().len()),
        None if key_value(content).is_some() => return None,
        None => (content, 0),
    };
    let start = comment.start + indent + bullet;
    Some(Written {
        text: content.to_string(),
        span: start..start + content.len(),
    })
}

/// Splits `a, b , c` into its items, keeping each one's span.
fn split_list(value: &Written) -> Vec<Written> {
    let mut items = Vec::new();
    let mut offset = 0;
    for part in value.text.split(',') {
        let leading = part.len() - part.trim_start().len();
        let trimmed = part.trim();
        if !trimmed.is_empty() {
            let start = value.span.start + offset + leading;
            items.push(Written {
                text: trimmed.to_string(),
                span: start..start + trimmed.len(),
            });
        }
        offset += part.len() + 1;
    }
    items
}

/// The references of a dependency value. `none` (also `None (initial migration)`) declares an
/// explicit root and yields nothing; backticks and a leading `Requires` are dropped, as seed 001
/// writes them in prose.
fn dependency_items(value: &Written) -> Vec<Written> {
    split_list(value)
        .into_iter()
        .filter_map(|mut item| {
            if declares_none(&item.text) {
                return None;
            }
            let mut start = item.span.start;
            let mut text = item.text.as_str();
            if text
                .get(..REQUIRES_PREFIX.len())
                .is_some_and(|prefix| prefix.eq_ignore_ascii_case(REQUIRES_PREFIX))
            {
                let rest = text[REQUIRES_PREFIX.len()..].trim_start();
                start += text.len() - rest.len();
                text = rest;
            }
            let unquoted = text.trim_matches('`');
            start += text.find(unquoted).unwrap_or(0);
            item.span = start..start + unquoted.len();
            // A copy only when something was cut: most items are written as they are meant.
            if unquoted.len() != item.text.len() {
                item.text = unquoted.to_string();
            }
            (!item.text.is_empty()).then_some(item)
        })
        .collect()
}

/// Whether a dependency item is `none`, `none (…)` or `none(…)`, in any case: an explicit root.
fn declares_none(item: &str) -> bool {
    let Some(word) = item.get(..4) else {
        return false;
    };
    word.eq_ignore_ascii_case("none") && matches!(item.as_bytes().get(4), None | Some(b' ' | b'('))
}

/// Seed 001 writes dependencies in prose as `Requires 001_x.sql`.
const REQUIRES_PREFIX: &str = "requires ";

/// Whether a `plan:` value is an allow comment (`allow RULE: reason`), which `plan lint` reads
/// (and judges: a malformed one is its problem, not the header's).
fn is_allow(value: &str) -> bool {
    value
        .get(..5)
        .is_some_and(|word| word.eq_ignore_ascii_case("allow"))
        && value[5..]
            .chars()
            .next()
            .is_none_or(|next| next.is_whitespace() || next == ':')
}

fn normalise_key(key: &str) -> String {
    // A key is ASCII (`key_value` reads nothing else as one): one pass, one string.
    key.trim()
        .chars()
        .map(|c| match c {
            ' ' | '_' => '-',
            _ => c.to_ascii_lowercase(),
        })
        .collect()
}

fn is_plain_word(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
}

/// Parses `table S.T`, `column S.T.C`, `schema S` or `extension E`. Unqualified tables are in
/// `public`, as PostgreSQL's default search_path would find them.
pub(crate) fn parse_requirement(text: &str) -> Option<Requirement> {
    let mut words = text.split_whitespace();
    let kind = words.next()?.to_lowercase();
    let name = words.next()?;
    if words.next().is_some() {
        return None;
    }
    let parts = identifier_path(name)?;
    match (kind.as_str(), parts.as_slice()) {
        ("schema", [schema]) => Some(Requirement::Schema {
            schema: schema.clone(),
        }),
        ("extension", [extension]) => Some(Requirement::Extension {
            extension: extension.clone(),
        }),
        ("table", [table]) => Some(Requirement::Table {
            schema: "public".to_string(),
            table: table.clone(),
        }),
        ("table", [schema, table]) => Some(Requirement::Table {
            schema: schema.clone(),
            table: table.clone(),
        }),
        ("column", [table, column]) => Some(Requirement::Column {
            schema: "public".to_string(),
            table: table.clone(),
            column: column.clone(),
        }),
        ("column", [schema, table, column]) => Some(Requirement::Column {
            schema: schema.clone(),
            table: table.clone(),
            column: column.clone(),
        }),
        _ => None,
    }
}

/// Splits `a.b."C d"` into identifiers, folding unquoted ones to lower case as PostgreSQL does.
fn identifier_path(text: &str) -> Option<Vec<String>> {
    let mut parts = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        let mut part = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next()? {
                    '"' if chars.peek() == Some(&'"') => {
                        chars.next();
                        part.push('"');
                    }
                    '"' => break,
                    other => part.push(other),
                }
            }
            if part.is_empty() {
                return None;
            }
        } else {
            while let Some(&next) = chars.peek() {
                if next == '.' {
                    break;
                }
                let valid = if part.is_empty() {
                    next.is_alphabetic() || next == '_'
                } else {
                    next.is_alphanumeric() || next == '_' || next == '$'
                };
                if !valid {
                    return None;
                }
                part.push(next.to_ascii_lowercase());
                chars.next();
            }
            if part.is_empty() {
                return None;
            }
        }
        parts.push(part);
        match chars.next() {
            None => return Some(parts),
            Some('.') => continue,
            Some(_) => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parses `text`, asserting it has no problems, and renders what it declares.
    fn expect_ok(text: &str) -> String {
        let header = parse(text);
        assert!(
            header.problems.is_empty(),
            "problems: {:?}",
            header.problems
        );
        render(text, &header)
    }

    /// Parses `text`, asserting it has problems, and renders them with the text they point at.
    fn expect_problems(text: &str) -> Vec<String> {
        let header = parse(text);
        assert!(!header.problems.is_empty(), "expected problems in {text:?}");
        header
            .problems
            .iter()
            .map(|problem| match problem {
                HeaderProblem::MalformedRequirement { span, .. } => {
                    format!("requirement {:?}", &text[span.clone()])
                }
                HeaderProblem::UnknownDirective { span, .. } => {
                    format!("directive {:?}", &text[span.clone()])
                }
                HeaderProblem::MalformedEnvironment { span, .. } => {
                    format!("environment {:?}", &text[span.clone()])
                }
            })
            .collect()
    }

    fn render(text: &str, header: &Header) -> String {
        let mut out = String::new();
        match &header.dependencies {
            None => out.push_str("depends: (undeclared)\n"),
            Some(list) => {
                let items: Vec<String> = list
                    .iter()
                    .map(|item| {
                        assert_eq!(&text[item.span.clone()], item.text, "span matches text");
                        item.text.clone()
                    })
                    .collect();
                out.push_str(&format!("depends: [{}]\n", items.join(", ")));
            }
        }
        for (requirement, _) in &header.requires {
            out.push_str(&format!("requires: {requirement}\n"));
        }
        if let Some(environments) = &header.environments {
            let names: Vec<&str> = environments.iter().map(|e| e.text.as_str()).collect();
            out.push_str(&format!("environments: {}\n", names.join(", ")));
        }
        if let Some(transaction) = header.transaction {
            out.push_str(&format!("transaction: {transaction:?}\n"));
        }
        for (key, value) in &header.metadata {
            out.push_str(&format!("{key} = {value}\n"));
        }
        out
    }

    #[test]
    fn seed_001_block_form_is_read_with_spans() {
        let text = "\
-- ============================================
-- Migration: 005 - Add Project Limits
-- ============================================
-- Purpose: Add resource limits tracking for projects
--
-- Dependencies:
--   - 001_create_platform_schema.sql
--   - 003_user_management_and_permissions.sql
--
-- Rollback:
--   See rollback-005.sql
-- ============================================

BEGIN;
-- Depends: not-a-header-any-more
COMMIT;
";
        insta::assert_snapshot!(expect_ok(text), @r"
        depends: [001_create_platform_schema.sql, 003_user_management_and_permissions.sql]
        Migration = 005 - Add Project Limits
        Purpose = Add resource limits tracking for projects
        Rollback = See rollback-005.sql
        ");
    }

    #[test]
    fn inline_forms_and_directives_are_read_in_any_case() {
        let text = "-- depends: 001, 002_b.sql\r\n-- Depends-On: 003\r\n-- REQUIRES: table platform.orgs, column orgs.\"Billing\"\r\n-- environment: production, staging\r\n-- plan: no-transaction\r\nSELECT 1;\r\n";
        insta::assert_snapshot!(expect_ok(text), @r#"
        depends: [001, 002_b.sql, 003]
        requires: table platform.orgs
        requires: column public.orgs.Billing
        environments: production, staging
        transaction: Outside
        "#);
    }

    #[test]
    fn none_declares_an_explicit_root() {
        assert_eq!(
            expect_ok("-- Dependencies: None (initial migration)\nSELECT 1;"),
            "depends: []\n"
        );
        assert_eq!(expect_ok("-- depends: none\n"), "depends: []\n");
        assert_eq!(expect_ok("-- depends: NONE(first)\n"), "depends: []\n");
        // Only the word itself: a migration whose name starts with it is a dependency.
        assert_eq!(
            expect_ok("-- depends: nonexistent_table, `none_x`, Requires `001_a.sql`\n"),
            "depends: [nonexistent_table, none_x, 001_a.sql]\n"
        );
    }

    #[test]
    fn header_stops_at_an_up_marker() {
        let text = "-- Migration: 002_add_user_avatar.sql\n-- Description: Add avatar\n\n-- UP\n-- depends: 001\nALTER TABLE users ADD COLUMN a text;\n";
        insta::assert_snapshot!(expect_ok(text), @r"
        depends: (undeclared)
        Migration = 002_add_user_avatar.sql
        Description = Add avatar
        ");
    }

    #[test]
    fn malformed_requirements_and_directives_are_problems_at_their_text() {
        let text = "-- requires: tabel x.y, column t, table a.b.c.d\n-- plan: no-transactoin\n-- environment: prod uction\n";
        assert_eq!(
            expect_problems(text),
            [
                "requirement \"tabel x.y\"",
                "requirement \"column t\"",
                "requirement \"table a.b.c.d\"",
                "directive \"no-transactoin\"",
                "environment \"prod uction\"",
            ]
        );
    }

    #[test]
    fn allow_comments_are_lint_s_not_unknown_directives() {
        assert_eq!(
            expect_ok(
                "-- plan:allow ban-drop-column, ban-drop-table: archived first\n-- plan: Allow x: y\nSELECT 1;"
            ),
            "depends: (undeclared)\n"
        );
        assert_eq!(
            expect_problems("-- plan: allowance\n"),
            ["directive \"allowance\""]
        );
    }

    #[test]
    fn the_header_ends_at_the_first_sql_line_or_marker() {
        let check = |text: &str, expect: usize| assert_eq!(header_end(text), expect, "{text:?}");
        check("-- a\n\n-- b\nSELECT 1;\n", 11);
        check("-- a\n-- UP\nSELECT 1;\n", 5);
        check("SELECT 1;\n", 0);
        check("-- only comments\n", 17);
    }

    #[test]
    fn prose_with_colons_is_not_metadata() {
        assert_eq!(
            expect_ok("-- Note that this migration, unlike the others, does: stuff\nSELECT 1;"),
            "depends: (undeclared)\n"
        );
    }

    proptest::proptest! {
        #[test]
        fn never_panics_and_spans_stay_in_bounds(text in "(--[ -~\\t]{0,30}\r?\n|[ -~]{0,20}\n){0,12}") {
            let header = parse(&text);
            for item in header.dependencies.iter().flatten() {
                proptest::prop_assert_eq!(&text[item.span.clone()], item.text.as_str());
            }
            for (_, span) in &header.requires {
                proptest::prop_assert!(text.get(span.clone()).is_some());
            }
        }

        #[test]
        fn arbitrary_unicode_never_panics(text in "\\PC{0,200}") {
            let _ = parse(&text);
        }
    }
}
