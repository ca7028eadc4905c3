//! Allow comments (docs/lint.md#allow-comments): `-- plan:allow RULE[, RULE]: reason` written on
//! a statement's line or directly above it silences those rules' findings in that statement;
//! written in the file's header (its leading comment block, as `project` reads it) it silences
//! them in the whole file. [`Allows::read`] finds them with the SQL lexer, so text inside a
//! string or a dollar quote is never taken for one, and refuses an unknown rule or a missing
//! reason ([`AllowProblem`]); [`Allows::apply`] sets the findings they allow aside with their
//! reason and adds an `unused-allow` warning for each rule an allow named that allowed nothing.
//! `plan show` lists them ([`allows_of`]).

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use miette::{Diagnostic, SourceSpan};

use super::{Finding, Rule};
use crate::diagnostic::{SourceFile, closest, to_source_span};
use crate::project::{Migration, MigrationId, header_end};
use crate::sql::{split_statements, tokenize};

/// One `-- plan:allow` comment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Allow {
    /// The rules it allows, as written.
    pub rules: Vec<Rule>,
    /// Why, as written after the colon.
    pub reason: String,
    /// The comment's bytes in the migration's file.
    pub span: Range<usize>,
    /// Where it applies.
    pub reach: Reach,
}

/// Where an allow applies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Reach {
    /// Written in the header: the whole file, and the migration's `sql` steps.
    File,
    /// The statements it is written on or directly above: their bytes in the file (none when
    /// it stands near no statement, so that it allows nothing and is reported).
    Statements(Vec<Range<usize>>),
}

impl Allow {
    /// Whether it allows a finding of `rule` at byte `at` of its file.
    fn covers(&self, rule: Rule, at: usize) -> bool {
        self.rules.contains(&rule)
            && match &self.reach {
                Reach::File => true,
                Reach::Statements(statements) => {
                    statements.iter().any(|statement| statement.contains(&at))
                }
            }
    }
}

/// An allow comment `plan lint` cannot use: the run stops before linting anything.
#[derive(Debug, thiserror::Error, Diagnostic)]
pub(crate) enum AllowProblem {
    /// A name that is no rule's, or no name at all.
    #[error("{message}")]
    #[diagnostic(code(plan::lint::unknown_rule), help("{help}"))]
    UnknownRule {
        /// What is wrong, naming the name.
        message: String,
        /// A close rule name, then every rule name.
        help: String,
        #[source_code]
        file: SourceFile,
        #[label("not a rule")]
        span: SourceSpan,
    },
    /// No colon, or nothing after it.
    #[error("`plan:allow` without a reason")]
    #[diagnostic(
        code(plan::lint::allow_without_reason),
        help(
            "write why after a colon: `-- plan:allow RULE[, RULE]: reason`; the reason is shown by `plan show` and `plan lint --format json`"
        )
    )]
    WithoutReason {
        #[source_code]
        file: SourceFile,
        #[label("no reason")]
        span: SourceSpan,
    },
}

/// The allow comments of the migrations `plan lint` judges, read before anything is linted.
#[derive(Debug, Default)]
pub(crate) struct Allows {
    /// Per migration, in plan order: its id, its file and its allows.
    migrations: Vec<(MigrationId, SourceFile, Vec<Allow>)>,
}

/// A finding an allow comment set aside, with the allow's reason.
#[derive(Clone, Debug)]
pub(crate) struct Allowed {
    pub finding: Finding,
    pub reason: String,
}

/// What `plan lint` reports once allows are applied.
#[derive(Debug, Default)]
pub(crate) struct Allowing {
    /// The findings no allow allows, with an `unused-allow` warning after each migration's own
    /// for every allow that allowed nothing.
    pub findings: Vec<Finding>,
    /// The findings allowed, in the order they were found.
    pub allowed: Vec<Allowed>,
}

impl Allows {
    /// The allow comments of `migrations`, or every problem with them.
    pub(crate) fn read(migrations: &[&Migration]) -> Result<Allows, Vec<AllowProblem>> {
        let mut allows = Allows::default();
        let mut problems = Vec::new();
        for migration in migrations {
            match allows_of(migration) {
                Ok(found) => allows.migrations.push((
                    migration.id().clone(),
                    migration.file().clone(),
                    found,
                )),
                Err(found) => problems.extend(found),
            }
        }
        if problems.is_empty() {
            Ok(allows)
        } else {
            Err(problems)
        }
    }

    /// Sets aside the `findings` an allow covers and reports the allows that covered nothing.
    pub(crate) fn apply(&self, findings: Vec<Finding>) -> Allowing {
        let index: BTreeMap<&MigrationId, usize> = self
            .migrations
            .iter()
            .enumerate()
            .map(|(at, (id, _, _))| (id, at))
            .collect();
        // Per migration, then one for findings of a migration not read (none in practice).
        let mut kept: Vec<Vec<Finding>> = vec![Vec::new(); self.migrations.len() + 1];
        let mut used: BTreeSet<(usize, usize, &'static str)> = BTreeSet::new();
        let mut allowed = Vec::new();
        for finding in findings {
            let Some(&at) = index.get(&finding.migration) else {
                kept[self.migrations.len()].push(finding);
                continue;
            };
            let (_, file, allows) = &self.migrations[at];
            // A finding elsewhere (a `sql` step's, at its declaration) is in the migration but
            // on no statement of its file: only the header's allows, for the whole migration,
            // reach it.
            let in_file = finding.file.name() == file.name();
            let covering = allows.iter().position(|allow| {
                if in_file {
                    allow.covers(finding.rule, finding.span.start)
                } else {
                    allow.reach == Reach::File && allow.rules.contains(&finding.rule)
                }
            });
            match covering {
                Some(which) => {
                    used.insert((at, which, finding.rule.name()));
                    allowed.push(Allowed {
                        reason: allows[which].reason.clone(),
                        finding,
                    });
                }
                None => kept[at].push(finding),
            }
        }
        for (at, (id, file, allows)) in self.migrations.iter().enumerate() {
            for (which, allow) in allows.iter().enumerate() {
                let unused: Vec<&str> = allow
                    .rules
                    .iter()
                    .filter(|rule| !used.contains(&(at, which, rule.name())))
                    .map(|rule| rule.name())
                    .collect();
                if !unused.is_empty() {
                    kept[at].push(unused_allow(id, file, allow, &unused));
                }
            }
        }
        Allowing {
            findings: kept.into_iter().flatten().collect(),
            allowed,
        }
    }
}

/// The `unused-allow` warning for the rules of `allow` that allowed nothing.
fn unused_allow(id: &MigrationId, file: &SourceFile, allow: &Allow, unused: &[&str]) -> Finding {
    let (whose, help) = match allow.reach {
        Reach::File => (
            "in this file",
            "remove the rule from the comment: nothing in the file needs it any more",
        ),
        Reach::Statements(_) => (
            "here",
            "remove it, or move it onto the line of the statement it is for or the line above",
        ),
    };
    Finding {
        rule: Rule::UnusedAllow,
        severity: Rule::UnusedAllow.severity(),
        migration: id.clone(),
        file: file.clone(),
        span: allow.span.clone(),
        message: format!(
            "`plan:allow {}` allowed nothing: no such finding {whose}",
            unused.join(", ")
        ),
        help: help.to_string(),
        table: None,
        lock: None,
        estimated_rows: None,
        size_bytes: None,
    }
}

/// The allow comments of `migration`'s forward SQL and header, or every problem with them.
pub(crate) fn allows_of(migration: &Migration) -> Result<Vec<Allow>, Vec<AllowProblem>> {
    let file = migration.file();
    let text = file.text();
    if !mentions_allow(text) {
        return Ok(Vec::new());
    }
    let header = header_end(text);
    let statements = statements_of(migration);
    let mut allows = Vec::new();
    let mut problems = Vec::new();
    for comment in comments_of(migration, header) {
        let Some(read) = text
            .get(comment.start + 2..comment.end)
            .and_then(|body| read_allow(body, comment.start + 2))
        else {
            continue;
        };
        match read {
            Ok((rules, reason)) => {
                let reach = if comment.start < header {
                    Reach::File
                } else {
                    Reach::Statements(reached(text, &comment, &statements))
                };
                allows.push(Allow {
                    rules,
                    reason,
                    span: comment,
                    reach,
                });
            }
            Err(misreads) => problems.extend(
                misreads
                    .into_iter()
                    .map(|misread| misread.problem(file, &comment)),
            ),
        }
    }
    if problems.is_empty() {
        Ok(allows)
    } else {
        Err(problems)
    }
}

/// A cheap first look: most files hold no allow, and lexing them again is wasted. One
/// comparison per byte (`byte | 0x20` is `a` for `a` and `A` only), the word compared only
/// where it could start: comparing a window at every byte was about a tenth of the samples of
/// `plan show`'s writing at 10,000 migrations.
fn mentions_allow(text: &str) -> bool {
    let bytes = text.as_bytes();
    (0..bytes.len().saturating_sub(4)).any(|start| {
        bytes[start] | 0x20 == b'a' && bytes[start..start + 5].eq_ignore_ascii_case(b"allow")
    })
}

/// The statements of the forward SQL, as byte ranges in the file.
fn statements_of(migration: &Migration) -> Vec<Range<usize>> {
    let base = migration.up_offset();
    // A loaded project's SQL lexes: a failure here leaves no statement for an allow to reach.
    split_statements(migration.up_sql())
        .unwrap_or_default()
        .iter()
        .map(|statement| {
            let span = statement.span();
            base + span.start..base + span.end
        })
        .collect()
}

/// The `--` comments of the header (before byte `header`) and of the forward SQL after it, as
/// byte ranges in the file. `COPY … FROM STDIN` data is not SQL: it is skipped, up to and
/// including its closing `\.` line.
fn comments_of(migration: &Migration, header: usize) -> Vec<Range<usize>> {
    let text = migration.file().text();
    let up = migration.up_sql();
    let base = migration.up_offset();
    let mut parts: Vec<Range<usize>> = Vec::new();
    parts.push(0..header.min(text.len()));
    let mut start = 0;
    for statement in split_statements(up).unwrap_or_default() {
        if let Some(data) = statement.copy_data_span() {
            parts.push(base + start..base + data.start);
            start = up
                .get(data.end..)
                .and_then(|rest| rest.find('\n'))
                .map_or(up.len(), |newline| data.end + newline + 1);
        }
    }
    parts.push(base + start..base + up.len());
    let mut comments: Vec<Range<usize>> = Vec::new();
    for (index, part) in parts.into_iter().enumerate() {
        let Some(sql) = text.get(part.clone()) else {
            continue;
        };
        for token in tokenize(sql).unwrap_or_default() {
            let span = part.start + token.span.start..part.start + token.span.end;
            let is_line_comment = token.kind.is_trivia() && sql[token.span].starts_with("--");
            // The header was read on its own; the SQL parts start over it when no `-- UP`.
            if is_line_comment && (index == 0 || span.start >= header) {
                comments.push(span);
            }
        }
    }
    comments.sort_by_key(|span| span.start);
    comments.dedup();
    comments
}

/// The statements an allow comment outside the header reaches: those with a line in common
/// with it, and, when it stands on a line of its own, the statement right below it (only
/// comment lines between, no blank line).
fn reached(text: &str, comment: &Range<usize>, statements: &[Range<usize>]) -> Vec<Range<usize>> {
    let line_of = |offset: usize| crate::diagnostic::line_of(text, offset);
    let line = line_of(comment.start);
    let mut reached: Vec<Range<usize>> = statements
        .iter()
        .filter(|statement| {
            line_of(statement.start) <= line && line <= line_of(statement.end.saturating_sub(1))
        })
        .cloned()
        .collect();
    let line_start = text
        .get(..comment.start)
        .and_then(|before| before.rfind('\n'))
        .map_or(0, |newline| newline + 1);
    let own_line = text
        .get(line_start..comment.start)
        .is_some_and(|before| before.trim().is_empty());
    if own_line
        && let Some(next) = statements.iter().find(|next| next.start >= comment.end)
        && !reached.contains(next)
        && text
            .get(comment.end..next.start)
            .is_some_and(only_comment_lines)
    {
        reached.push(next.clone());
    }
    reached
}

/// Whether `gap` (from the end of a comment to the next statement) holds only line breaks,
/// blanks and `--` comments, with no blank line.
fn only_comment_lines(gap: &str) -> bool {
    tokenize(gap).is_ok_and(|tokens| {
        tokens.iter().all(|token| {
            let written = &gap[token.span.clone()];
            token.kind.is_trivia()
                && !written.starts_with("/*")
                && written.matches('\n').count() <= 1
        })
    })
}

/// What is wrong with one allow comment, before its file is attached.
#[derive(Debug, PartialEq, Eq)]
enum Misread {
    /// A rule name that is none (its bytes in the file).
    UnknownRule { name: String, span: Range<usize> },
    /// No rule named at all.
    NoRule,
    /// No colon, or nothing after it.
    NoReason,
}

impl Misread {
    fn problem(self, file: &SourceFile, comment: &Range<usize>) -> AllowProblem {
        let names = || {
            Rule::ALL
                .iter()
                .filter(|rule| **rule != Rule::UnusedAllow)
                .map(|rule| rule.name())
        };
        let every = format!("the rules: {}", names().collect::<Vec<_>>().join(", "));
        match self {
            Misread::UnknownRule { name, span } => AllowProblem::UnknownRule {
                help: match closest(&name, names()) {
                    Some(close) => format!("did you mean `{close}`? {every}"),
                    None => every,
                },
                message: format!("`plan:allow` names `{name}`, which is not a lint rule"),
                file: file.clone(),
                span: to_source_span(&span),
            },
            Misread::NoRule => AllowProblem::UnknownRule {
                message: "`plan:allow` names no rule".to_string(),
                help: format!("write `-- plan:allow RULE[, RULE]: reason`; {every}"),
                file: file.clone(),
                span: to_source_span(comment),
            },
            Misread::NoReason => AllowProblem::WithoutReason {
                file: file.clone(),
                span: to_source_span(comment),
            },
        }
    }
}

/// An allow comment read: its rules and reason, or what is wrong with it.
type Read = Result<(Vec<Rule>, String), Vec<Misread>>;

/// Reads a comment's text after its `--` (`start`: that text's first byte in the file): `None`
/// when it is no allow comment.
fn read_allow(body: &str, start: usize) -> Option<Read> {
    let rest = body.trim_start();
    let rest = strip_word(rest, "plan")?.trim_start().strip_prefix(':')?;
    let rest = strip_word(rest.trim_start(), "allow")?;
    if rest
        .chars()
        .next()
        .is_some_and(|next| !next.is_whitespace() && next != ':')
    {
        return None;
    }
    let rest_start = start + body.len() - rest.len();
    let Some(colon) = rest.find(':') else {
        return Some(Err(vec![Misread::NoReason]));
    };
    let mut rules = Vec::new();
    let mut misreads = Vec::new();
    let mut offset = 0;
    for item in rest[..colon].split(',') {
        let name = item.trim();
        let leading = item.len() - item.trim_start().len();
        let at = rest_start + offset + leading;
        offset += item.len() + 1;
        if name.is_empty() {
            continue;
        }
        match Rule::named(name) {
            Some(rule) => rules.push(rule),
            None => misreads.push(Misread::UnknownRule {
                name: name.to_string(),
                span: at..at + name.len(),
            }),
        }
    }
    if rules.is_empty() && misreads.is_empty() {
        misreads.push(Misread::NoRule);
    }
    let reason = rest[colon + 1..].trim();
    if reason.is_empty() {
        misreads.push(Misread::NoReason);
    }
    Some(if misreads.is_empty() {
        Ok((rules, reason.to_string()))
    } else {
        Err(misreads)
    })
}

/// `text` without its leading `word`, compared without case.
fn strip_word<'a>(text: &'a str, word: &str) -> Option<&'a str> {
    text.get(..word.len())
        .filter(|head| head.eq_ignore_ascii_case(word))
        .map(|_| &text[word.len()..])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first look finds the word in any case, anywhere, the last five bytes included, and
    /// nothing in text without it (shorter than the word, or cut short).
    #[test]
    fn the_first_look_finds_allow_in_any_case_anywhere() {
        for text in [
            "allow",
            "-- plan: allow(ban-drop-table)",
            "-- PLAN: ALLOW(x)",
            "select 1; -- Allow",
            "xxallOW",
            "A\u{e9}allow",
        ] {
            assert!(mentions_allow(text), "{text:?}");
        }
        for text in [
            "",
            "a",
            "allo",
            "SELECT 1; -- allo",
            "a l l o w",
            "\u{e9}\u{e9}\u{e9}",
        ] {
            assert!(!mentions_allow(text), "{text:?}");
        }
    }

    /// A project of `001_orders` (creating `orders`) and `002_judged` holding `sql`.
    fn project(sql: &str) -> crate::load::Loaded {
        let dir = crate::testing::project_dir(&[
            (
                "migrations/001_orders.sql",
                "CREATE TABLE orders (id int PRIMARY KEY, note text);\nCREATE TABLE old (id int);\n",
            ),
            ("migrations/002_judged.sql", sql),
        ]);
        match crate::load::load_project(dir.path()) {
            Ok(loaded) => loaded,
            Err(invalid) => panic!("expected a valid project: {invalid:?}"),
        }
    }

    /// Lints `sql` as `002_judged` and lists, as `rule at line`, what is reported and, after
    /// `|`, what is allowed (`rule at line (reason)`).
    fn check(sql: &str, expect: &[&str]) {
        let loaded = project(sql);
        let migrations: Vec<&Migration> = loaded.project().migrations().collect();
        let allows = match Allows::read(&migrations) {
            Ok(allows) => allows,
            Err(problems) => panic!("expected valid allows: {problems:?}"),
        };
        let allowing = allows.apply(super::super::lint(&loaded, &migrations, None));
        let mut got: Vec<String> = allowing
            .findings
            .iter()
            .map(|finding| format!("{} at {}", finding.rule.name(), finding.line()))
            .collect();
        got.push("|".to_string());
        got.extend(allowing.allowed.iter().map(|allowed| {
            format!(
                "{} at {} ({})",
                allowed.finding.rule.name(),
                allowed.finding.line(),
                allowed.reason
            )
        }));
        assert_eq!(got, expect, "{sql}");
    }

    /// The problems of `sql`'s allows, as `code at line: message`.
    fn check_problems(sql: &str, expect: &[&str]) {
        let loaded = project(sql);
        let migrations: Vec<&Migration> = loaded.project().migrations().collect();
        let problems = match Allows::read(&migrations) {
            Ok(_) => panic!("expected problems in {sql}"),
            Err(problems) => problems,
        };
        let got: Vec<String> = problems
            .iter()
            .map(|problem| {
                let (file, span) = match problem {
                    AllowProblem::UnknownRule { file, span, .. }
                    | AllowProblem::WithoutReason { file, span, .. } => (file, span),
                };
                format!(
                    "{} at {}: {problem}",
                    problem
                        .code()
                        .map(|code| code.to_string())
                        .unwrap_or_default(),
                    file.line_of(span.offset())
                )
            })
            .collect();
        assert_eq!(got, expect, "{sql}");
    }

    #[test]
    fn a_header_allow_covers_the_migrations_sql_steps() {
        let dir = crate::testing::project_dir(&[
            (
                "migrations/001_orders.sql",
                "CREATE TABLE orders (id int);\n",
            ),
            (
                "migrations/002_more.sql",
                "-- depends: 001_orders\n-- plan:allow ban-drop-table: archived\nSELECT 1;\n-- plan:allow require-concurrent-index-creation: not here\nSELECT 2;\n",
            ),
            (
                "plan.yaml",
                "migrations:\n  002_more:\n    steps:\n      - sql: \"DROP TABLE orders; CREATE INDEX ON orders (id)\"\n",
            ),
        ]);
        let loaded = match crate::load::load_project(dir.path()) {
            Ok(loaded) => loaded,
            Err(invalid) => panic!("expected a valid project: {invalid:?}"),
        };
        let migrations: Vec<&Migration> = loaded.project().migrations().collect();
        let allows = match Allows::read(&migrations) {
            Ok(allows) => allows,
            Err(problems) => panic!("expected valid allows: {problems:?}"),
        };
        let allowing = allows.apply(super::super::lint(&loaded, &migrations, None));
        let got: Vec<String> = allowing
            .findings
            .iter()
            .map(|finding| format!("{} at {}", finding.rule.name(), finding.file.name()))
            .collect();
        // Only the header's allow reaches a step: one on a statement's line is that statement's.
        assert_eq!(
            got,
            [
                "require-concurrent-index-creation at plan.yaml",
                "unused-allow at migrations/002_more.sql"
            ]
        );
        assert_eq!(allowing.allowed.len(), 1);
    }

    #[test]
    fn every_rule_is_found_by_its_name() {
        for rule in Rule::ALL {
            assert_eq!(Rule::named(rule.name()), Some(*rule));
        }
        assert_eq!(Rule::named("ban-drop-everything"), None);
    }

    #[test]
    fn an_allow_on_the_line_above_or_the_same_line_allows_that_statement_only() {
        check(
            "-- depends: 001_orders\nSELECT 1;\n-- plan:allow ban-drop-column: the app stopped reading it in 4.2\nALTER TABLE orders DROP COLUMN note;\nDROP TABLE old; -- plan:allow ban-drop-table: archived\nALTER TABLE orders RENAME TO purchases;\n",
            &[
                "renaming-table at 6",
                "|",
                "ban-drop-column at 4 (the app stopped reading it in 4.2)",
                "ban-drop-table at 5 (archived)",
            ],
        );
    }

    #[test]
    fn a_trailing_allow_does_not_reach_the_next_statement() {
        check(
            "-- depends: 001_orders\nSELECT 1; -- plan:allow ban-drop-table: not this one\nDROP TABLE old;\n",
            &["ban-drop-table at 3", "unused-allow at 2", "|"],
        );
    }

    #[test]
    fn an_allow_reaches_through_comment_lines_but_not_a_blank_line() {
        check(
            "-- depends: 001_orders\nSELECT 1;\n-- plan:allow ban-drop-table: archived\n-- plan:allow ban-drop-column: unused since 4.2\nALTER TABLE orders DROP COLUMN note;\nDROP TABLE old;\n",
            &[
                "ban-drop-table at 6",
                "unused-allow at 3",
                "|",
                "ban-drop-column at 5 (unused since 4.2)",
            ],
        );
        check(
            "-- depends: 001_orders\nSELECT 1;\n-- plan:allow ban-drop-table: archived\n\nDROP TABLE old;\n",
            &["ban-drop-table at 5", "unused-allow at 3", "|"],
        );
    }

    #[test]
    fn an_allow_inside_a_statement_reaches_it() {
        check(
            "-- depends: 001_orders\nSELECT 1;\nALTER TABLE orders\n  -- plan:allow ban-drop-column: unused since 4.2\n  DROP COLUMN note;\n",
            &["|", "ban-drop-column at 5 (unused since 4.2)"],
        );
    }

    #[test]
    fn a_header_allow_covers_the_whole_file() {
        check(
            "-- depends: 001_orders\n-- plan:allow ban-drop-column, ban-drop-table: the cleanup release\n\nSELECT 1;\nALTER TABLE orders DROP COLUMN note;\nDROP TABLE old;\n",
            &[
                "|",
                "ban-drop-column at 5 (the cleanup release)",
                "ban-drop-table at 6 (the cleanup release)",
            ],
        );
    }

    #[test]
    fn an_allow_that_allowed_nothing_is_a_warning_naming_the_unused_rules() {
        let loaded = project(
            "-- depends: 001_orders\nSELECT 1;\n-- plan:allow ban-drop-table, renaming-table: archived\nDROP TABLE old;\n",
        );
        let migrations: Vec<&Migration> = loaded.project().migrations().collect();
        let allows = Allows::read(&migrations).unwrap_or_default();
        let allowing = allows.apply(super::super::lint(&loaded, &migrations, None));
        let [unused] = allowing.findings.as_slice() else {
            panic!("expected one finding: {:?}", allowing.findings);
        };
        assert_eq!(unused.rule, Rule::UnusedAllow);
        assert_eq!(unused.severity, super::super::Severity::Warning);
        assert_eq!(
            unused.message,
            "`plan:allow renaming-table` allowed nothing: no such finding here"
        );
        assert_eq!((unused.line(), unused.column()), (3, 1));
    }

    #[test]
    fn text_in_strings_and_dollar_quotes_is_no_allow() {
        check(
            "-- depends: 001_orders\nSELECT '\n-- plan:allow ban-drop-table: in a string\n';\nDROP TABLE old;\nDO $$ BEGIN\n-- plan:allow ban-drop-table: in a body\nEND $$;\n",
            &["ban-drop-table at 5", "|"],
        );
    }

    #[test]
    fn copy_data_is_skipped() {
        check(
            "-- depends: 001_orders\nCOPY old (id) FROM STDIN;\n1\n\\.\n-- plan:allow ban-drop-table: archived\nDROP TABLE old;\n",
            &["|", "ban-drop-table at 6 (archived)"],
        );
    }

    #[test]
    fn an_unknown_rule_or_a_missing_reason_is_a_problem_at_its_line() {
        check_problems(
            "-- depends: 001_orders\nSELECT 1;\n-- plan:allow ban-drop-colum: typo\nALTER TABLE orders DROP COLUMN note;\n-- plan:allow ban-drop-table\n-- plan:allow ban-drop-table:   \nDROP TABLE old;\n-- plan:allow : why\nSELECT 1;\n",
            &[
                "plan::lint::unknown_rule at 3: `plan:allow` names `ban-drop-colum`, which is not a lint rule",
                "plan::lint::allow_without_reason at 5: `plan:allow` without a reason",
                "plan::lint::allow_without_reason at 6: `plan:allow` without a reason",
                "plan::lint::unknown_rule at 8: `plan:allow` names no rule",
            ],
        );
    }

    #[test]
    fn the_syntax_is_read_loosely_around_plan_and_allow_only() {
        let read = |body: &str| read_allow(body, 0);
        assert_eq!(
            read(" PLAN: Allow prefer-repack: nightly"),
            Some(Ok((vec![Rule::PreferRepack], "nightly".to_string())))
        );
        assert_eq!(read(" plan: no-transaction"), None);
        assert_eq!(read(" plan:allowance x: y"), None);
        assert_eq!(read(" see plan:allow x: y"), None);
        assert_eq!(
            read(" plan:allow nope: y"),
            Some(Err(vec![Misread::UnknownRule {
                name: "nope".to_string(),
                span: 12..16
            }]))
        );
    }

    #[test]
    fn show_reads_the_allows_with_their_reach() {
        let loaded = project(
            "-- depends: 001_orders\n-- plan:allow ban-drop-column: nightly window\nSELECT 1;\nDROP TABLE old; -- plan:allow ban-drop-table: small\n",
        );
        let Some(migration) = loaded.project().migrations().nth(1) else {
            panic!("two migrations");
        };
        let allows = allows_of(migration).unwrap_or_default();
        let shown: Vec<(String, bool)> = allows
            .iter()
            .map(|allow| (allow.reason.clone(), allow.reach == Reach::File))
            .collect();
        assert_eq!(
            shown,
            [
                ("nightly window".to_string(), true),
                ("small".to_string(), false)
            ]
        );
    }
}
