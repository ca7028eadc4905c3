//! Reads `plan.yaml`, the optional project file, into a [`Manifest`]. The only module that uses
//! `serde_yaml`.
//!
//! serde_yaml reports where a syntax or type error is, but keeps no positions for values that
//! parse fine. Problems found after parsing (an unknown dependency, a missing step file) still
//! need a line, so `locate` finds a key path in the text by indentation. It understands the
//! block style that plan.yaml files are written in, and falls back to the nearest enclosing key.

use std::fmt;
use std::ops::Range;
use std::path::PathBuf;
use std::time::Duration;

use indexmap::IndexMap;
use serde::Deserialize;
use serde::de::{self, MapAccess, Visitor};

use super::header::{Written, parse_requirement};
use super::lines::lines;
use super::migration::{BatchCommit, Requirement, TransactionMode};
use crate::diagnostic::SourceFile;

/// The file name `plan` looks for in a project folder.
pub const MANIFEST_FILE: &str = "plan.yaml";

/// The ledger table used when plan.yaml names none. In a schema of its own so that it cannot
/// collide with the `schema_migrations` tables our users' runners already keep.
pub const DEFAULT_TRACKING_TABLE: &str = "plan.migrations";

/// How migrations without declared dependencies are ordered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OrderSetting {
    /// A sequence when no migration declares dependencies, else a graph.
    Auto,
    /// Every migration depends on the one before it (plus what it declares).
    Sequential,
    /// Only declared dependencies; a migration declaring none is a root.
    Graph,
}

/// Whether an environment requires a backup before apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BackupPolicy {
    /// A verified pg_dump must be taken before the first statement.
    Required,
    /// No backup is taken unless asked for.
    None,
}

/// An environment's settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Environment {
    /// Backup policy before apply.
    pub backup: BackupPolicy,
    /// Whether apply asks for confirmation.
    pub confirm: bool,
}

/// The ledger table's qualified name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrackingTable {
    /// Schema name.
    pub schema: String,
    /// Table name.
    pub table: String,
}

impl fmt::Display for TrackingTable {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{}.{}", self.schema, self.table)
    }
}

/// plan.yaml, parsed and checked for shape. References to migrations are not resolved here.
#[derive(Clone, Debug)]
pub struct Manifest {
    pub(crate) file: Option<SourceFile>,
    pub(crate) migrations_dir: PathBuf,
    pub(crate) tracking_table: TrackingTable,
    pub(crate) order: OrderSetting,
    pub(crate) lock_timeout: Duration,
    pub(crate) lock_retries: u32,
    pub(crate) environments: IndexMap<String, Environment>,
    pub(crate) entries: Vec<Entry>,
}

/// One entry under `migrations:`.
#[derive(Clone, Debug)]
pub(crate) struct Entry {
    pub(crate) reference: Written,
    pub(crate) depends_on: Option<Vec<Written>>,
    pub(crate) requires: Vec<(Requirement, Range<usize>)>,
    pub(crate) environments: Option<Vec<Written>>,
    pub(crate) transaction: Option<TransactionMode>,
    pub(crate) steps: Vec<StepSpec>,
}

/// How many batches a `batch` step runs at most when plan.yaml does not say: a statement that
/// never reaches zero rows must stop with an error rather than loop forever.
pub const DEFAULT_MAX_BATCHES: u64 = 100_000;

/// A step as written: SQL files are not read yet.
#[derive(Clone, Debug)]
pub(crate) struct StepSpec {
    pub(crate) kind: StepSpecKind,
    pub(crate) span: Range<usize>,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum StepSpecKind {
    SqlFile(PathBuf),
    SqlInline(String),
    Batch {
        sql: String,
        commit: BatchCommit,
        pause: Option<Duration>,
        max_batches: u64,
    },
    Assert {
        query: String,
        message: Option<String>,
    },
    Command {
        argv: Vec<String>,
        timeout: Option<Duration>,
    },
    Handler {
        name: String,
    },
}

/// What can be wrong with plan.yaml.
#[derive(Debug)]
pub(crate) enum ManifestProblem {
    /// Not YAML, or a duplicate key.
    Syntax { message: String, span: Range<usize> },
    /// A key plan.yaml does not have.
    UnknownKey {
        key: String,
        expected: Vec<String>,
        span: Range<usize>,
    },
    /// A value of the wrong type or outside its set.
    WrongType {
        message: String,
        span: Range<usize>,
        expected: Vec<String>,
    },
    /// A step whose first key is not a step kind.
    UnknownStepKind { kind: String, span: Range<usize> },
    /// A value that parses but means nothing (`requires`, `tracking_table`, a duration...).
    Invalid {
        message: String,
        help: String,
        span: Range<usize>,
    },
}

/// The step kinds, in the order the docs list them.
pub(crate) const STEP_KINDS: [&str; 5] = ["sql", "batch", "assert", "command", "handler"];

impl Manifest {
    /// The settings of a project without plan.yaml.
    pub(crate) fn default_settings() -> Self {
        Manifest {
            file: None,
            migrations_dir: PathBuf::from("migrations"),
            tracking_table: TrackingTable {
                schema: "plan".to_string(),
                table: "migrations".to_string(),
            },
            order: OrderSetting::Auto,
            lock_timeout: Duration::from_secs(5),
            lock_retries: 5,
            environments: IndexMap::new(),
            entries: Vec::new(),
        }
    }

    /// Parses plan.yaml's text. On failure, every problem found.
    pub(crate) fn parse(file: SourceFile) -> Result<Manifest, Vec<ManifestProblem>> {
        let text = file.text();
        // A first pass into a plain YAML value catches syntax errors and duplicate keys, which the
        // typed pass would silently accept (a later key overwriting an earlier one).
        if let Err(error) = serde_yaml::from_str::<serde_yaml::Value>(text) {
            return Err(vec![ManifestProblem::Syntax {
                message: message_of(&error),
                span: span_of(&error, text),
            }]);
        }
        let raw: RawManifest = if text.trim().is_empty() {
            RawManifest::default()
        } else {
            serde_yaml::from_str(text).map_err(|error| vec![classify(&error, text)])?
        };
        let mut problems = Vec::new();
        let mut manifest = Manifest::default_settings();
        if let Some(dir) = raw.migrations_dir {
            manifest.migrations_dir = PathBuf::from(dir);
        }
        if let Some(order) = raw.order {
            manifest.order = order;
        }
        if let Some(name) = raw.tracking_table {
            match tracking_table(&name) {
                Some(table) => manifest.tracking_table = table,
                None => problems.push(ManifestProblem::Invalid {
                    message: format!("tracking_table `{name}` is not `schema.table`"),
                    help: "name the ledger table as schema.table, e.g. plan.migrations".to_string(),
                    span: locate(text, &["tracking_table"]),
                }),
            }
        }
        if let Some(timeout) = raw.lock_timeout {
            match parse_duration(&timeout) {
                Some(duration) => manifest.lock_timeout = duration,
                None => problems.push(invalid_duration(&timeout, locate(text, &["lock_timeout"]))),
            }
        }
        if let Some(retries) = raw.lock_retries {
            manifest.lock_retries = retries;
        }
        for (name, settings) in raw.environments.unwrap_or_default() {
            let settings = settings.unwrap_or_default();
            manifest.environments.insert(
                name,
                Environment {
                    backup: settings.backup.unwrap_or(BackupPolicy::None),
                    confirm: settings.confirm.unwrap_or(false),
                },
            );
        }
        for (reference, entry) in raw.migrations.unwrap_or_default() {
            let entry = entry.unwrap_or_default();
            manifest
                .entries
                .push(read_entry(text, reference, entry, &mut problems));
        }
        manifest.file = Some(file);
        if problems.is_empty() {
            Ok(manifest)
        } else {
            Err(problems)
        }
    }

    /// Defaults, but with plan.yaml's `migrations_dir` when it can be made out of a file that
    /// has other problems: the migrations are then still read from the right folder, and their
    /// own problems reported in the same run.
    pub(crate) fn fallback(text: &str) -> Self {
        let mut manifest = Manifest::default_settings();
        let from_yaml = serde_yaml::from_str::<serde_yaml::Value>(text)
            .ok()
            .and_then(|value| value.get("migrations_dir")?.as_str().map(str::to_string));
        let from_line = || {
            lines(text).find_map(|line| {
                let value = line.content.strip_prefix("migrations_dir:")?.trim();
                (!value.is_empty()).then(|| value.trim_matches(['"', '\'']).to_string())
            })
        };
        if let Some(dir) = from_yaml.or_else(from_line) {
            manifest.migrations_dir = PathBuf::from(dir);
        }
        manifest
    }

    /// The plan.yaml file, when the project has one.
    pub fn file(&self) -> Option<&SourceFile> {
        self.file.as_ref()
    }

    /// The ledger table.
    pub fn tracking_table(&self) -> &TrackingTable {
        &self.tracking_table
    }

    /// The ordering mode asked for.
    pub fn order(&self) -> OrderSetting {
        self.order
    }

    /// `lock_timeout` for migration statements.
    pub fn lock_timeout(&self) -> Duration {
        self.lock_timeout
    }

    /// How many times a migration is retried after a lock timeout.
    pub fn lock_retries(&self) -> u32 {
        self.lock_retries
    }

    /// Declared environments, in file order.
    pub fn environments(&self) -> &IndexMap<String, Environment> {
        &self.environments
    }
}

fn read_entry(
    text: &str,
    reference: String,
    entry: RawEntry,
    problems: &mut Vec<ManifestProblem>,
) -> Entry {
    let key_span = locate(text, &["migrations", &reference]);
    let listed = |values: Vec<String>, key: &str| -> Vec<Written> {
        values
            .into_iter()
            .map(|value| Written {
                span: locate_value(text, &["migrations", &reference, key], &value),
                text: value,
            })
            .collect()
    };
    let depends_on = entry
        .depends_on
        .map(|dependencies| listed(dependencies, "depends_on"));
    let environments = entry
        .environments
        .map(|environments| listed(environments, "environments"));
    let mut requires = Vec::new();
    if let Some(raw) = entry.requires {
        let kinds = [
            ("schemas", "schema", raw.schemas),
            ("tables", "table", raw.tables),
            ("columns", "column", raw.columns),
            ("extensions", "extension", raw.extensions),
        ];
        for (key, kind, names) in kinds {
            for name in names.unwrap_or_default() {
                let span = locate_value(text, &["migrations", &reference, "requires", key], &name);
                match parse_requirement(&format!("{kind} {name}")) {
                    Some(requirement) => requires.push((requirement, span)),
                    None => problems.push(ManifestProblem::Invalid {
                        message: format!("malformed requirement `{name}` under requires.{key}"),
                        help: requirement_help(kind).to_string(),
                        span,
                    }),
                }
            }
        }
    }
    let transaction = entry.transaction.map(|wrapped| {
        if wrapped {
            TransactionMode::Wrapped
        } else {
            TransactionMode::Outside
        }
    });
    let steps_span = locate(text, &["migrations", &reference, "steps"]);
    let step_spans = list_item_spans(text, steps_span.clone());
    let steps = entry
        .steps
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .filter_map(|(index, step)| {
            let span = step_spans
                .get(index)
                .cloned()
                .unwrap_or_else(|| steps_span.clone());
            match step.into_spec() {
                Ok(kind) => Some(StepSpec { kind, span }),
                Err(problem) => {
                    problems.push(problem.at(span));
                    None
                }
            }
        })
        .collect();
    Entry {
        reference: Written {
            text: reference,
            span: key_span,
        },
        depends_on,
        requires,
        environments,
        transaction,
        steps,
    }
}

fn requirement_help(kind: &str) -> &'static str {
    match kind {
        "tables" | "table" => "write a table as schema.table",
        "columns" | "column" => "write a column as schema.table.column",
        _ => "write a plain name",
    }
}

fn invalid_duration(written: &str, span: Range<usize>) -> ManifestProblem {
    ManifestProblem::Invalid {
        message: format!("`{written}` is not a duration"),
        help: "write a whole number with a unit: 500ms, 5s, 2m or 1h".to_string(),
        span,
    }
}

/// Parses `500ms`, `5s`, `2m`, `1h`.
pub(crate) fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    let digits_end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let amount: u64 = text[..digits_end].parse().ok()?;
    match text[digits_end..].trim() {
        "ms" => Some(Duration::from_millis(amount)),
        "s" => Some(Duration::from_secs(amount)),
        "m" | "min" => Some(Duration::from_secs(amount.checked_mul(60)?)),
        "h" => Some(Duration::from_secs(amount.checked_mul(3600)?)),
        _ => None,
    }
}

fn tracking_table(name: &str) -> Option<TrackingTable> {
    match parse_requirement(&format!("table {name}"))? {
        Requirement::Table { schema, table } if name.contains('.') => {
            Some(TrackingTable { schema, table })
        }
        _ => None,
    }
}

// ---- the file's shape, as serde reads it ----

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawManifest {
    migrations_dir: Option<String>,
    tracking_table: Option<String>,
    order: Option<OrderSetting>,
    lock_timeout: Option<String>,
    lock_retries: Option<u32>,
    environments: Option<IndexMap<String, Option<RawEnvironment>>>,
    migrations: Option<IndexMap<String, Option<RawEntry>>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEnvironment {
    backup: Option<BackupPolicy>,
    confirm: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    depends_on: Option<Vec<String>>,
    requires: Option<RawRequires>,
    environments: Option<Vec<String>>,
    transaction: Option<bool>,
    steps: Option<Vec<RawStep>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRequires {
    schemas: Option<Vec<String>>,
    tables: Option<Vec<String>>,
    columns: Option<Vec<String>>,
    extensions: Option<Vec<String>>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
enum RawCommit {
    Transaction,
    Each,
}

/// A step: a mapping whose first key names its kind and whose other keys are its options.
#[derive(Debug)]
struct RawStep {
    kind: String,
    value: RawStepValue,
    options: IndexMap<String, String>,
    commit: Option<RawCommit>,
}

#[derive(Debug)]
enum RawStepValue {
    Text(String),
    List(Vec<String>),
}

/// A step problem found after the step was read, placed once its span is known.
struct StepProblem {
    message: String,
    help: String,
}

impl StepProblem {
    fn at(self, span: Range<usize>) -> ManifestProblem {
        ManifestProblem::Invalid {
            message: self.message,
            help: self.help,
            span,
        }
    }
}

impl RawStep {
    fn into_spec(self) -> Result<StepSpecKind, StepProblem> {
        let RawStep {
            kind,
            value,
            mut options,
            commit,
        } = self;
        let text = |value: RawStepValue| match value {
            RawStepValue::Text(text) => Ok(text),
            RawStepValue::List(_) => Err(StepProblem {
                message: format!("the `{kind}` step takes a string, not a list"),
                help: format!("write `- {kind}: \"...\"`"),
            }),
        };
        let duration = |options: &mut IndexMap<String, String>, key: &str| {
            options
                .shift_remove(key)
                .map(|written| {
                    parse_duration(&written).ok_or_else(|| StepProblem {
                        message: format!("`{key}: {written}` is not a duration"),
                        help: "write a whole number with a unit: 500ms, 5s, 2m or 1h".to_string(),
                    })
                })
                .transpose()
        };
        let spec = match kind.as_str() {
            "sql" => {
                let sql = text(value)?;
                if looks_like_sql_file(&sql) {
                    StepSpecKind::SqlFile(PathBuf::from(sql))
                } else {
                    StepSpecKind::SqlInline(sql)
                }
            }
            "batch" => StepSpecKind::Batch {
                sql: text(value)?,
                commit: match commit {
                    Some(RawCommit::Each) => BatchCommit::Each,
                    Some(RawCommit::Transaction) | None => BatchCommit::Transaction,
                },
                pause: duration(&mut options, "pause")?,
                max_batches: match options.shift_remove("max_batches") {
                    None => DEFAULT_MAX_BATCHES,
                    Some(written) => match written.trim().parse::<u64>() {
                        Ok(limit) if limit > 0 => limit,
                        _ => {
                            return Err(StepProblem {
                                message: format!(
                                    "`max_batches: {written}` is not a positive whole number"
                                ),
                                help: format!(
                                    "write how many batches the step may run at most, e.g. `max_batches: 1000` (the default is {DEFAULT_MAX_BATCHES})"
                                ),
                            });
                        }
                    },
                },
            },
            "assert" => StepSpecKind::Assert {
                query: text(value)?,
                message: options.shift_remove("message"),
            },
            "command" => {
                match value {
                    RawStepValue::List(argv) if !argv.is_empty() => StepSpecKind::Command {
                        argv,
                        timeout: duration(&mut options, "timeout")?,
                    },
                    _ => {
                        return Err(StepProblem {
                        message: "the `command` step takes a non-empty list: program, then arguments"
                            .to_string(),
                        help: "write `- command: [./scripts/notify, \"003\"]`; no shell is involved"
                            .to_string(),
                    });
                    }
                }
            }
            _ => StepSpecKind::Handler { name: text(value)? },
        };
        Ok(spec)
    }
}

/// A `sql:` value naming a file rather than holding SQL: one word ending in `.sql`.
fn looks_like_sql_file(value: &str) -> bool {
    let trimmed = value.trim();
    trimmed.ends_with(".sql") && !trimmed.contains(char::is_whitespace) && !trimmed.contains(';')
}

/// The options each step kind accepts besides its own key.
fn step_options(kind: &str) -> &'static [&'static str] {
    match kind {
        "batch" => &["commit", "pause", "max_batches"],
        "assert" => &["message"],
        "command" => &["timeout"],
        _ => &[],
    }
}

impl<'de> Deserialize<'de> for RawStep {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(StepVisitor)
    }
}

struct StepVisitor;

impl<'de> Visitor<'de> for StepVisitor {
    type Value = RawStep;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(
            "a step: a mapping whose first key is sql, batch, assert, command or handler",
        )
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawStep, A::Error> {
        let Some(kind) = map.next_key::<String>()? else {
            return Err(de::Error::custom(
                "empty step: a step needs a kind (sql, batch, assert, command or handler)",
            ));
        };
        if !STEP_KINDS.contains(&kind.as_str()) {
            return Err(de::Error::custom(format!(
                "unknown step kind `{kind}`, expected one of {}",
                quoted_list(&STEP_KINDS)
            )));
        }
        let value = if kind == "command" {
            RawStepValue::List(map.next_value()?)
        } else {
            RawStepValue::Text(map.next_value()?)
        };
        let mut options = IndexMap::new();
        let mut commit = None;
        let allowed = step_options(&kind);
        while let Some(key) = map.next_key::<String>()? {
            if !allowed.contains(&key.as_str()) {
                return Err(de::Error::unknown_field(&key, allowed));
            }
            if options.contains_key(&key) || (key == "commit" && commit.is_some()) {
                return Err(de::Error::duplicate_field("option"));
            }
            if key == "commit" {
                commit = Some(map.next_value::<RawCommit>()?);
            } else {
                options.insert(key, map.next_value::<String>()?);
            }
        }
        Ok(RawStep {
            kind,
            value,
            options,
            commit,
        })
    }
}

fn quoted_list(names: &[&str]) -> String {
    names
        .iter()
        .map(|name| format!("`{name}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

// ---- turning serde_yaml's errors into problems ----

/// serde_yaml's message without its ` at line N column M` suffix (the span carries that).
fn message_of(error: &serde_yaml::Error) -> String {
    let full = error.to_string();
    match full.rfind(" at line ") {
        Some(position) => full[..position].to_string(),
        None => full,
    }
}

fn span_of(error: &serde_yaml::Error, text: &str) -> Range<usize> {
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

/// Sorts a typed-parse error into the problem the user made.
fn classify(error: &serde_yaml::Error, text: &str) -> ManifestProblem {
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

// ---- finding where things are in the text ----

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
fn list_item_spans(text: &str, key: Range<usize>) -> Vec<Range<usize>> {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Manifest, Vec<ManifestProblem>> {
        Manifest::parse(SourceFile::new("plan.yaml", text.to_string()))
    }

    fn expect_ok(text: &str) -> Manifest {
        match parse(text) {
            Ok(manifest) => manifest,
            Err(problems) => panic!("expected plan.yaml to parse: {problems:?}"),
        }
    }

    /// Parses `text`, asserting it fails, and shows each problem with the text it points at.
    fn expect_problems(text: &str) -> Vec<String> {
        let problems = parse(text).expect_err("expected problems");
        problems
            .iter()
            .map(|problem| {
                let (what, span) = match problem {
                    ManifestProblem::Syntax { message, span } => (message.clone(), span),
                    ManifestProblem::UnknownKey { key, span, .. } => {
                        (format!("unknown key {key}"), span)
                    }
                    ManifestProblem::WrongType { message, span, .. } => (message.clone(), span),
                    ManifestProblem::UnknownStepKind { kind, span } => {
                        (format!("unknown step kind {kind}"), span)
                    }
                    ManifestProblem::Invalid { message, span, .. } => (message.clone(), span),
                };
                format!("{what} @ {:?}", &text[span.clone()])
            })
            .collect()
    }

    const EXAMPLE: &str = r#"migrations_dir: migrations
tracking_table: plan.migrations
order: auto
environments:
  production: {backup: required, confirm: true}
  staging: {}
migrations:
  003_user_management_and_permissions:
    depends_on: [001_create_platform_schema, 002]
    requires: {tables: [platform.organizations], columns: [platform.organizations.billing_email]}
    environments: [production, staging]
    transaction: true
    steps:
      - sql: 003_backfill.sql
      - batch: "UPDATE t SET x = 1 WHERE id IN (SELECT id FROM t WHERE x IS NULL LIMIT 500)"
        commit: each
        pause: 100ms
      - assert: "SELECT true"
        message: every role is valid
      - command: [./scripts/notify, "003"]
        timeout: 30s
      - handler: permission_inheritance
"#;

    #[test]
    fn the_documented_shape_parses_with_positions() {
        let manifest = expect_ok(EXAMPLE);
        assert_eq!(manifest.tracking_table.to_string(), "plan.migrations");
        assert_eq!(
            manifest.environments["production"],
            Environment {
                backup: BackupPolicy::Required,
                confirm: true
            }
        );
        let entry = &manifest.entries[0];
        assert_eq!(
            &EXAMPLE[entry.reference.span.clone()],
            "003_user_management_and_permissions"
        );
        let depends: Vec<&str> = entry
            .depends_on
            .iter()
            .flatten()
            .map(|written| &EXAMPLE[written.span.clone()])
            .collect();
        assert_eq!(depends, ["001_create_platform_schema", "002"]);
        assert_eq!(entry.requires.len(), 2);
        let kinds: Vec<String> = entry
            .steps
            .iter()
            .map(|step| {
                format!(
                    "{} <- {}",
                    match &step.kind {
                        StepSpecKind::SqlFile(path) => format!("file {}", path.display()),
                        other => format!("{other:?}")
                            .split([' ', '{', '('])
                            .next()
                            .unwrap_or_default()
                            .to_string(),
                    },
                    &EXAMPLE[step.span.clone()]
                )
            })
            .collect();
        insta::assert_snapshot!(kinds.join("\n"), @r#"
        file 003_backfill.sql <- - sql: 003_backfill.sql
        Batch <- - batch: "UPDATE t SET x = 1 WHERE id IN (SELECT id FROM t WHERE x IS NULL LIMIT 500)"
        Assert <- - assert: "SELECT true"
        Command <- - command: [./scripts/notify, "003"]
        Handler <- - handler: permission_inheritance
        "#);
        assert_eq!(
            entry.steps[1].kind,
            StepSpecKind::Batch {
                sql: "UPDATE t SET x = 1 WHERE id IN (SELECT id FROM t WHERE x IS NULL LIMIT 500)"
                    .to_string(),
                commit: BatchCommit::Each,
                pause: Some(Duration::from_millis(100)),
                max_batches: DEFAULT_MAX_BATCHES,
            }
        );
    }

    #[test]
    fn an_empty_file_is_all_defaults() {
        let manifest = expect_ok("");
        assert_eq!(manifest.order, OrderSetting::Auto);
        assert_eq!(manifest.tracking_table.to_string(), DEFAULT_TRACKING_TABLE);
    }

    #[test]
    fn shape_problems_point_at_their_line() {
        assert_eq!(
            expect_problems("migrations:\n  003:\n    dependson: [1]\n"),
            ["unknown key dependson @ \"dependson\""]
        );
        assert_eq!(
            expect_problems("migrations:\n  003:\n    transaction: yes\n"),
            [
                "migrations.003.transaction: invalid type: string \"yes\", expected a boolean @ \"yes\""
            ]
        );
        assert_eq!(
            expect_problems("order: grph\n"),
            [
                "order: unknown variant `grph`, expected one of `auto`, `sequential`, `graph` @ \"grph\""
            ]
        );
        assert_eq!(
            expect_problems("migrations:\n  003: {}\n  003: {}\n"),
            ["migrations: duplicate entry with key \"003\" @ \"003\""]
        );
        assert_eq!(
            expect_problems("migrations:\n  003:\n    steps:\n      - sqll: x.sql\n"),
            ["unknown step kind sqll @ \"sqll\""]
        );
        assert_eq!(
            expect_problems(
                "migrations:\n  003:\n    steps:\n      - assert: \"SELECT 1\"\n        mesage: x\n"
            ),
            ["unknown key mesage @ \"mesage\""]
        );
    }

    #[test]
    fn meaning_problems_point_at_their_value() {
        assert_eq!(
            expect_problems(
                "tracking_table: ledger\nmigrations:\n  003:\n    requires: {columns: [orgs]}\n    steps:\n      - batch: x\n        pause: soon\n"
            ),
            [
                "tracking_table `ledger` is not `schema.table` @ \"tracking_table\"",
                "malformed requirement `orgs` under requires.columns @ \"orgs\"",
                "`pause: soon` is not a duration @ \"- batch: x\"",
            ]
        );
    }

    #[test]
    fn durations_take_a_unit() {
        assert_eq!(parse_duration("500ms"), Some(Duration::from_millis(500)));
        assert_eq!(parse_duration("2m"), Some(Duration::from_secs(120)));
        assert_eq!(parse_duration("5"), None);
        assert_eq!(parse_duration("99999999999999999999h"), None);
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_text_never_panics(text in "\\PC{0,300}") {
            let _ = parse(&text);
        }

        #[test]
        fn yaml_like_text_never_panics(text in "(( {0,6})(migrations|steps|depends_on|- sql|- batch|commit|order|environments|requires|tables|[a-z0-9_]{1,8})(: ?)(\\[|\\{|[a-z0-9_. \"]{0,10}|\\]|\\})?\n){0,14}") {
            let _ = parse(&text);
        }
    }
}
