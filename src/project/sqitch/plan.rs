//! [`parse_plan`]: a `sqitch.plan` read into a [`SqitchPlan`] with every problem Sqitch would
//! refuse, following `_parse` in lib/App/Sqitch/Plan.pm (sqitchers/sqitch): pragmas first,
//! ended by a blank line; then change and tag lines; a change name may repeat only after a tag
//! (a reworked change); tag names are unique and follow a change. Lines are taken apart by
//! `line.rs`, references resolved by `resolve.rs`.

use std::collections::BTreeMap;
use std::ops::Range;

use super::line::{
    Entry, ParsedLine, Piece, is_blank_line, is_blank_or_comment, parse_line, parse_pragma,
};
use super::model::{
    SqitchChange, SqitchPlan, SqitchProblem, SqitchProblemKind, SqitchReference, SqitchTag,
};
use super::name::{is_blank, is_id, is_valid_name};
use super::resolve::resolve;

/// Reads a plan file's text. A UTF-8 byte order mark is skipped and CRLF line ends are read
/// like LF; spans are byte offsets into `text` as given. Fails with every problem found.
pub(crate) fn parse_plan(text: &str) -> Result<SqitchPlan, Vec<SqitchProblem>> {
    let body_start = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let mut reader = Reader::default();
    let mut in_header = true;
    let mut start = body_start;
    for (number, raw) in text[body_start..].split_inclusive('\n').enumerate() {
        let line = raw.trim_end_matches('\n').trim_end_matches('\r');
        let line_start = start;
        start += raw.len();
        let span = line_start..line_start + line.len();
        if in_header {
            if is_blank_or_comment(line) {
                in_header = !is_blank_line(line);
                continue;
            }
            if let Some((name, value)) = parse_pragma(line) {
                reader.pragma(name, value, span);
                continue;
            }
            if line.trim_start_matches(is_blank).starts_with('%') {
                reader.problems.push(SqitchProblem::new(
                    SqitchProblemKind::InvalidPragma,
                    "malformed pragma",
                    span,
                    "write pragmas as `%name=value`, such as `%project=flipr`",
                ));
                continue;
            }
            in_header = false;
            reader.problems.push(SqitchProblem::new(
                SqitchProblemKind::InvalidPragma,
                "the first change follows the pragmas without a blank line",
                span.clone(),
                "Sqitch reads every line before the first blank line as a pragma: insert a blank line above this one",
            ));
        }
        if !is_blank_or_comment(line) {
            reader.entry(parse_line(line, line_start), span, number + 1);
        }
    }
    reader.finish(body_start)
}

/// The plan read so far.
#[derive(Default)]
struct Reader<'a> {
    project: Option<String>,
    uri: Option<String>,
    changes: Vec<SqitchChange>,
    tags: Vec<SqitchTag>,
    /// The line of each tag.
    tag_lines: BTreeMap<&'a str, usize>,
    /// The line of each change name since the last tag: Sqitch's `%tag_changes`.
    section: BTreeMap<&'a str, usize>,
    /// The latest instance of each change name.
    latest: BTreeMap<&'a str, usize>,
    problems: Vec<SqitchProblem>,
}

impl<'a> Reader<'a> {
    /// `%project` and `%uri` are kept; `%syntax-version` and any other pragma are accepted and
    /// ignored, as Sqitch does (it even ignores the version's value); the last of a repeated
    /// pragma wins (`# XXX Die if the pragma is a dupe?`).
    fn pragma(&mut self, name: &str, value: &str, span: Range<usize>) {
        match name {
            "project" => {
                if !is_valid_name(value) {
                    self.problems.push(SqitchProblem::new(
                        SqitchProblemKind::InvalidProject,
                        format!("invalid project name \"{value}\""),
                        span,
                        "project names must not begin with punctuation, contain \"@\", \":\", \"#\", \"\\\", \"[\", \"]\" or blanks, or end in punctuation or digits following punctuation",
                    ));
                }
                // Kept even when invalid, so that it is not reported missing as well.
                self.project = Some(value.to_owned());
            }
            "uri" => self.uri = Some(value.to_owned()),
            _ => {}
        }
    }

    fn entry(&mut self, parsed: ParsedLine<'a>, span: Range<usize>, number: usize) {
        self.problems.extend(parsed.problems);
        let Some(name) = parsed.name else {
            return;
        };
        match parsed.entry {
            Entry::Tag => {
                if let Some((brackets, _)) = parsed.brackets {
                    self.problems.push(SqitchProblem::new(
                        SqitchProblemKind::TagWithDependencies,
                        format!("tag \"@{}\" has dependencies", name.text),
                        brackets,
                        "only changes have dependencies: remove the \"[...]\" from the tag",
                    ));
                }
                let Some(after) = self.changes.len().checked_sub(1) else {
                    self.problems.push(SqitchProblem::new(
                        SqitchProblemKind::TagWithoutChange,
                        format!("tag \"@{}\" comes before any change", name.text),
                        span,
                        "a tag marks the change above it: move it below a change",
                    ));
                    return;
                };
                if let Some(first) = self.tag_lines.get(name.text) {
                    self.problems.push(SqitchProblem::new(
                        SqitchProblemKind::DuplicateTag,
                        format!("tag \"@{}\" is already declared on line {first}", name.text),
                        name.span,
                        "tag names are unique in a plan: rename this tag",
                    ));
                    return;
                }
                self.tag_lines.insert(name.text, number);
                self.section.clear();
                self.tags.push(SqitchTag {
                    name: name.text.to_owned(),
                    after,
                    span,
                    planned_at: parsed.planned_at.to_owned(),
                    planner: parsed.planner,
                    note: parsed.note,
                });
            }
            Entry::Change => {
                if let Some(first) = self.section.get(name.text) {
                    self.problems.push(SqitchProblem::new(
                        SqitchProblemKind::DuplicateChange,
                        format!("change \"{}\" is already planned on line {first} with no tag in between", name.text),
                        name.span,
                        "to rework a change, tag the plan between the two (`sqitch tag`, then `sqitch rework`); otherwise rename this one",
                    ));
                    return;
                }
                let (requires, conflicts) = self.references(parsed.brackets);
                let index = self.changes.len();
                // The first instance of a change keeps its name as its ID, and each rework
                // takes the next `name~N`: an ID never moves to another instance as the plan
                // grows, so what a ledger recorded under it stays what it ran.
                let mut id = name.text.to_owned();
                if let Some(&earlier) = self.latest.get(name.text) {
                    self.rework(earlier, index);
                    let instances = self
                        .changes
                        .iter()
                        .filter(|change| change.name == name.text)
                        .count();
                    id = format!("{}~{}", name.text, instances + 1);
                }
                self.section.insert(name.text, number);
                self.latest.insert(name.text, index);
                self.changes.push(SqitchChange {
                    id,
                    name: name.text.to_owned(),
                    script_stem: name.text.to_owned(),
                    rework_tags: Vec::new(),
                    requires,
                    conflicts,
                    planned_at: parsed.planned_at.to_owned(),
                    planner: parsed.planner,
                    note: parsed.note,
                    span,
                });
            }
        }
    }

    /// Names the earlier instance of a change planned again at `index`: its rework tags are
    /// the tags of the changes between, latest first, then its own; the first is the one
    /// `sqitch rework` names the copied scripts after (`_parse` and `rework` in
    /// lib/App/Sqitch/Plan.pm; the tutorial's `insert_user@v1.0.0-dev2.sql`).
    fn rework(&mut self, earlier: usize, index: usize) {
        let tags_of = |change: usize| {
            self.tags
                .iter()
                .filter(move |tag| tag.after == change)
                .map(|tag| tag.name.clone())
        };
        let rework_tags: Vec<String> = (earlier + 1..index)
            .rev()
            .flat_map(tags_of)
            .chain(tags_of(earlier))
            .collect();
        if let Some(change) = self.changes.get_mut(earlier) {
            if let Some(first) = rework_tags.first() {
                change.script_stem = format!("{}@{first}", change.name);
            }
            change.rework_tags = rework_tags;
        }
    }

    /// The entries of `[...]`, split into requirements and conflicts (`Depend->parse`).
    fn references(
        &mut self,
        brackets: Option<(Range<usize>, Vec<Piece<'a>>)>,
    ) -> (Vec<SqitchReference>, Vec<SqitchReference>) {
        let (mut requires, mut conflicts) = (Vec::new(), Vec::new());
        let mut seen = Vec::new();
        for entry in brackets.map(|(_, entries)| entries).unwrap_or_default() {
            if seen.contains(&entry.text) {
                self.problems.push(SqitchProblem::new(
                    SqitchProblemKind::DuplicateDependency,
                    format!("dependency \"{}\" is listed twice", entry.text),
                    entry.span,
                    "remove the repeated entry",
                ));
                continue;
            }
            seen.push(entry.text);
            match reference(&entry) {
                Some((true, reference)) => conflicts.push(reference),
                Some((false, reference)) => requires.push(reference),
                None => self.problems.push(SqitchProblem::new(
                    SqitchProblemKind::BadDependency,
                    format!("\"{}\" is not a valid dependency", entry.text),
                    entry.span,
                    "write `change`, `change@tag`, `@tag` or `project:change`, with `!` in front for a conflict",
                )),
            }
        }
        (requires, conflicts)
    }

    fn finish(mut self, body_start: usize) -> Result<SqitchPlan, Vec<SqitchProblem>> {
        let project = self.project.take().unwrap_or_else(|| {
            self.problems.push(SqitchProblem::new(
                SqitchProblemKind::MissingProject,
                "the plan has no %project pragma",
                body_start..body_start,
                "start sqitch.plan with `%syntax-version=1.0.0`, `%project=<name>` and a blank line; Sqitch refuses a plan without a project",
            ));
            String::new()
        });
        let unresolved = resolve(&project, &mut self.changes, &self.tags);
        self.problems.extend(unresolved);
        if !self.problems.is_empty() {
            self.problems.sort_by_key(|problem| problem.span.start);
            return Err(self.problems);
        }
        Ok(SqitchPlan {
            project,
            uri: self.uri,
            changes: self.changes,
            tags: self.tags,
        })
    }
}

/// One `[...]` entry: `!`? then `project:`? then a change ID, `change`, `change@tag` or
/// `@tag`; whether it is a conflict, or `None` when it is none of these.
fn reference(entry: &Piece<'_>) -> Option<(bool, SqitchReference)> {
    let (conflict, spec) = match entry.text.strip_prefix('!') {
        Some(spec) => (true, spec),
        None => (false, entry.text),
    };
    let (project, target) = match spec.split_once(':') {
        Some((project, target)) => (Some(project), target),
        None => (None, spec),
    };
    let name = |text: &str| is_valid_name(text).then(|| text.to_owned());
    let project = match project {
        Some(project) => Some(name(project)?),
        None => None,
    };
    let mut reference = SqitchReference {
        project,
        change: None,
        tag: None,
        id: None,
        span: entry.span.clone(),
        resolved: None,
    };
    if is_id(target) {
        reference.id = Some(target.to_owned());
        return Some((conflict, reference));
    }
    let (change, tag) = match target.split_once('@') {
        Some((change, tag)) => (change, Some(name(tag)?)),
        None => (target, None),
    };
    reference.change = match change {
        "" if tag.is_some() => None,
        change => Some(name(change)?),
    };
    reference.tag = tag;
    Some((conflict, reference))
}
