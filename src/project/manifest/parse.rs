//! Reading plan.yaml's text into a [`Manifest`] ([`Manifest::parse`]), checking what serde
//! cannot: `tracking_table` names, durations, requirements, each step's value and options. The
//! file's shape as serde reads it is `raw`'s; serde_yaml's errors are sorted in `errors`;
//! finding a key's line is `locate`'s.

use std::ops::Range;
use std::path::PathBuf;
use std::time::Duration;

use indexmap::IndexMap;

use super::errors::{classify, syntax_problem};
use super::fleets::read_fleets;
use super::locate::{list_item_spans, locate, locate_value};
use super::lock::read_lock;
use super::model::{
    BackupPolicy, DEFAULT_MAX_BATCHES, Entry, Environment, Manifest, ManifestProblem, StepSpec,
    StepSpecKind, TrackingTable,
};
use super::raw::{RawCommit, RawEntry, RawManifest, RawStep, RawStepValue};
use super::replicas::read_wait_for_replicas;
use crate::diagnostic::SourceFile;
use crate::project::header::{Written, parse_requirement};
use crate::project::layout::Layout;
use crate::project::lines::lines;
use crate::project::migration::{BatchCommit, Requirement, TransactionMode};

impl Manifest {
    /// Parses plan.yaml's text. On failure, every problem found.
    pub(crate) fn parse(file: SourceFile) -> Result<Manifest, Vec<ManifestProblem>> {
        let text = file.text();
        // A first pass into a plain YAML value catches syntax errors and duplicate keys, which the
        // typed pass would silently accept (a later key overwriting an earlier one).
        if let Err(error) = serde_yaml::from_str::<serde_yaml::Value>(text) {
            return Err(vec![syntax_problem(&error, text)]);
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
            manifest.migrations_dir_declared = true;
        }
        if let Some(name) = raw.layout {
            match Layout::from_name(&name) {
                Some(layout) => manifest.layout = Some(layout),
                None => problems.push(ManifestProblem::Invalid {
                    message: format!("`layout: {name}` names no layout plan reads"),
                    help: format!(
                        "write one of {}, or leave `layout:` out to have it detected",
                        Layout::names()
                    ),
                    span: locate_value(text, &["layout"], name.trim()),
                }),
            }
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
                // PostgreSQL reads a lock_timeout of 0 as "no timeout": a migration would then
                // wait for its lock forever, and every query queued behind it with it.
                Some(duration) if duration.is_zero() => problems.push(ManifestProblem::Invalid {
                    message: format!(
                        "`lock_timeout: {}` would wait for a lock forever: PostgreSQL reads 0 as no timeout",
                        timeout.trim()
                    ),
                    help: "write how long a migration statement may wait for a lock before it is retried, e.g. 5s (the default)".to_string(),
                    span: locate_value(text, &["lock_timeout"], timeout.trim()),
                }),
                Some(duration) => manifest.lock_timeout = duration,
                None => problems.push(invalid_duration(&timeout, locate(text, &["lock_timeout"]))),
            }
        }
        if let Some(retries) = raw.lock_retries {
            manifest.lock_retries = retries;
        }
        if let Some(lock) = raw
            .lock
            .and_then(|lock| read_lock(lock, text, &mut problems, parse_duration))
        {
            manifest.lock = lock;
        }
        if let Some(wait) = raw.wait_for_replicas {
            manifest.wait_for_replicas =
                read_wait_for_replicas(wait, text, &mut problems, parse_duration);
        }
        if let Some(lint) = raw.lint {
            if let Some(rows) = lint.small_table_rows {
                manifest.lint.small_table_rows = rows;
            }
            if let Some(on_apply) = lint.on_apply {
                manifest.lint.on_apply = on_apply;
            }
            if let Some(age) = lint.long_transaction {
                match parse_duration(&age) {
                    Some(duration) => manifest.lint.long_transaction = duration,
                    None => problems.push(invalid_duration(
                        &age,
                        locate(text, &["lint", "long_transaction"]),
                    )),
                }
            }
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
        let mut fleet_problems = Vec::new();
        manifest.fleets = read_fleets(text, raw.fleets.unwrap_or_default(), &mut fleet_problems);
        problems.extend(
            fleet_problems
                .into_iter()
                .map(|problem| ManifestProblem::Invalid {
                    message: problem.message,
                    help: problem.help,
                    span: problem.span,
                }),
        );
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
            manifest.migrations_dir_declared = true;
        }
        manifest
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
    let environments_key = locate(text, &["migrations", &reference, "environments"]);
    let transaction_key = locate(text, &["migrations", &reference, "transaction"]);
    Entry {
        reference: Written {
            text: reference,
            span: key_span,
        },
        depends_on,
        requires,
        environments,
        environments_key,
        transaction,
        transaction_key,
        repeatable: entry.repeatable,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::manifest::model::OrderSetting;

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
                    ManifestProblem::DuplicateKey {
                        message,
                        first,
                        again,
                    } => (
                        format!("{message}, first {:?}", &text[first.clone()]),
                        again,
                    ),
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
        assert_eq!(manifest.tracking_table.to_string(), "plan.migrations");
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
            ["migrations: duplicate entry with key \"003\", first \"003\" @ \"003\""]
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

    /// The lines a duplicate-key problem points at: (first, again).
    fn duplicate_lines(text: &str) -> Option<(usize, usize)> {
        let line = |offset: usize| text[..offset].matches('\n').count() + 1;
        match parse(text).expect_err("expected a problem").as_slice() {
            [ManifestProblem::DuplicateKey { first, again, .. }] => {
                Some((line(first.start), line(again.start)))
            }
            _ => None,
        }
    }

    #[test]
    fn issue_13_a_duplicate_key_points_at_both_occurrences() {
        assert_eq!(
            duplicate_lines(
                "migrations:\n  001_a: {}\norder: graph\nmigrations_dir: m\norder: sequential\n"
            ),
            Some((3, 5))
        );
        assert_eq!(
            duplicate_lines(
                "migrations:\n  001_a:\n    transaction: false\n    depends_on: []\n    transaction: true\n"
            ),
            Some((3, 5))
        );
        assert_eq!(
            duplicate_lines(
                "migrations:\n  001_a:\n    steps:\n      - batch: x\n        pause: 1s\n        pause: 2s\n"
            ),
            Some((5, 6))
        );
        assert_eq!(
            duplicate_lines("environments:\n  production: {backup: none,\n    backup: required}\n"),
            Some((2, 3))
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
    fn issue_13_a_zero_lock_timeout_is_refused_at_its_value() {
        // Before: accepted, and PostgreSQL waited for locks forever.
        for zero in ["0s", "0ms", "0m", "\"0h\""] {
            let text = format!("order: graph\nlock_timeout: {zero}\n");
            let problems = expect_problems(&text);
            assert_eq!(problems.len(), 1, "{problems:?}");
            assert!(
                problems[0].contains("would wait for a lock forever"),
                "{problems:?}"
            );
            assert!(
                problems[0].ends_with(&format!("@ {:?}", zero.trim_matches('"'))),
                "{problems:?}"
            );
        }
        assert_eq!(
            expect_ok("lock_timeout: 1ms\n").lock_timeout(),
            Duration::from_millis(1)
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
