//! `plan show`: the ordered plan, as text for people or as JSON for scripts. The JSON shape is
//! documented in docs/json.md and versioned by its `format` field.

use std::fmt::Write as _;
use std::io::Write;

use clap::Args;
use indexmap::IndexSet;
use serde::Serialize;

use super::Failure;
use super::args::resolve_target;
use super::{Format, Global};
use crate::codec::Encoder;
use crate::graph::{EdgeKind, OrderMode, OrderModeReason};
use crate::infer::Standing;
use crate::lint::allow::{Reach, allows_of};
use crate::load::{Loaded, cache, load_project_stamped};
use crate::parallel;
use crate::project::{
    Migration, MigrationId, MigrationKind, Rollback, SqlSource, StepKind, TransactionMode,
};
use crate::sql::script::Script;

/// Arguments of `plan show`.
#[derive(Debug, Args)]
pub(crate) struct ShowArgs {
    /// Show only this migration and what it depends on (ID, file name or unique version).
    #[arg(long, value_name = "ID")]
    to: Option<String>,
}

/// The kind of project cache entry `plan show` keeps its output as.
const CACHE_KIND: &str = "show";

/// Runs `plan show`. Over a folder it has shown before with the same options, unchanged since
/// (the project cache, `load::cache`), it writes what it wrote then, without reading the
/// folder; otherwise it loads the project and, once the folder has settled, keeps what it
/// writes.
pub(crate) fn run(args: ShowArgs, global: &Global, out: &mut dyn Write) -> Result<(), Failure> {
    let entry = cache::Entry::of(global.dir(), CACHE_KIND, &variant(&args, global));
    if let Some(kept) = entry
        .as_ref()
        .and_then(cache::Entry::open)
        .filter(cache::Opened::holds)
    {
        // A closed pipe (`plan show | head`) is not a failure worth reporting.
        let _ = out.write_all(kept.kept());
        std::mem::forget(kept);
        return Ok(());
    }
    let (loaded, stamps) = match &entry {
        Some(_) => {
            let (loaded, stamps) = load_project_stamped(global.dir())?;
            (loaded, stamps.settled().then_some(stamps))
        }
        None => (global.load()?, None),
    };
    let project = loaded.project();
    let env = global.checked_env(project)?;
    let target = resolve_target(project, args.to.as_deref())?;
    let shown = ShownPlan::new(&loaded, target.as_ref(), env);
    let mut copy = Copying {
        out,
        copy: stamps.as_ref().map(|_| Vec::new()),
    };
    let written = match global.format {
        Format::Json => shown.write_json(&mut copy),
        _ => shown.write_text(&mut copy),
    };
    // Kept only whole: a write that failed (a closed pipe) left the copy short.
    if let (Ok(()), Some(entry), Some(stamps), Some(copy)) = (written, &entry, &stamps, &copy.copy)
    {
        entry.write(stamps, copy);
    }
    // Not freed: the process ends with the command, and freeing every migration, statement and
    // inferred edge one by one was a tenth of `plan show` at 10,000 migrations.
    std::mem::forget(copy);
    std::mem::forget(shown);
    std::mem::forget(loaded);
    Ok(())
}

/// What `plan show`'s output depends on besides the folder: the format, `--to` and `--env`.
fn variant(args: &ShowArgs, global: &Global) -> Vec<u8> {
    let mut encoder = Encoder::new();
    encoder.bool(global.format == Format::Json);
    encoder.option(args.to.as_deref(), Encoder::str);
    encoder.option(global.env(), Encoder::str);
    encoder.into_bytes()
}

/// The indentation of an element of the top level's `migrations` array.
const ELEMENT_INDENT: &[u8] = b"    ";

/// Where one element of the top level's `migrations` array is serialized: every line after
/// its first indented by [`ELEMENT_INDENT`], as it is written. serde_json's pretty printer
/// writes each line break as the last byte of a write of its own (a line break inside a
/// string is escaped), so a write that ends with one is followed by the indentation. (The
/// element serialized first and then indented a byte at a time was a push per byte of 6 MB
/// at 10,000 migrations.)
struct Indented<'a>(&'a mut Vec<u8>);

impl Write for Indented<'_> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.extend_from_slice(bytes);
        if bytes.last() == Some(&b'\n') {
            self.0.extend_from_slice(ELEMENT_INDENT);
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A writer that also keeps a copy of what it writes, when asked to.
struct Copying<'a> {
    out: &'a mut dyn Write,
    copy: Option<Vec<u8>>,
}

impl Write for Copying<'_> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let written = self.out.write(bytes)?;
        if let Some(copy) = &mut self.copy {
            copy.extend_from_slice(bytes.get(..written).unwrap_or(bytes));
        }
        Ok(written)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

/// The plan as shown: the stable JSON shape, also the source of the text form.
#[derive(Debug, Serialize)]
struct ShownPlan<'a> {
    /// Version of this JSON shape; bumped only on incompatible change.
    format: u32,
    project: String,
    order: &'static str,
    order_reason: String,
    /// The migration tool whose folder layout the project follows (`plan` for numbered files).
    layout: &'static str,
    /// The file that shows it, or `plan.yaml sets layout:`; `null` for plan's own.
    layout_reason: Option<String>,
    /// The migrations folder, relative to the project folder.
    migrations_dir: String,
    target: Option<String>,
    environment: Option<String>,
    total_migrations: usize,
    /// Last in the JSON, written by [`ShownPlan::write_json`] after the fields above.
    #[serde(skip)]
    migrations: ShownMigrations<'a>,
}

/// The migrations shown, each built when it is written, a batch at a time: at 10,000
/// migrations, building them all before writing the first held megabytes never needed at
/// once.
#[derive(Debug)]
struct ShownMigrations<'a> {
    loaded: &'a Loaded,
    /// The migrations shown, in plan order, each with its position among them and its index
    /// in the project's order (`Project::migration_at`, `Loaded::script_at`,
    /// `Graph::dependencies_at`): written in plan order, a project whose dependencies are
    /// declared visits its migrations all over memory, and hashing each ID to find its
    /// migration, script and node sent three more lookups there for each.
    selected: Vec<(usize, usize)>,
    /// Every migration of the project is shown (no `--to`).
    whole: bool,
    environment: Option<&'a str>,
}

#[derive(Debug, Serialize)]
/// Borrowing from the loaded project what it shows as is (ID, file, checksum, metadata): at
/// thousands of migrations, a copy of each was an allocation per field.
struct ShownMigration<'a> {
    position: usize,
    id: &'a str,
    /// `repeatable` for a repeatable migration (docs/json.md); absent for a versioned one, so
    /// that the shape of a project without repeatable migrations is unchanged.
    #[serde(skip_serializing_if = "Option::is_none")]
    kind: Option<&'static str>,
    /// Its SQL holds only comments and it has no steps: applying it runs nothing and records
    /// it as applied. Absent when false.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    no_op: bool,
    version: Option<String>,
    file: &'a str,
    checksum: &'a str,
    depends_on: Vec<ShownDependency<'a>>,
    /// Dependencies the SQL implies that the declared graph does not (docs/json.md).
    inferred_dependencies: Vec<ShownInferred>,
    rollback: Option<String>,
    /// Why `rollback` is none although a rollback was written (it holds only comments); the
    /// text output says it, the JSON shape is unchanged.
    #[serde(skip)]
    no_rollback_reason: Option<String>,
    transaction: &'static str,
    environments: Option<Vec<String>>,
    skipped: bool,
    requires: Vec<String>,
    steps: Vec<ShownStep>,
    metadata: &'a indexmap::IndexMap<String, String>,
    /// Its `-- plan:allow` comments, one entry per rule (docs/json.md); absent when it has
    /// none, so that the shape of a project without allows is unchanged.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    allows: Vec<ShownAllow>,
}

/// A rule a `-- plan:allow` comment allows, why, and where.
#[derive(Debug, Serialize)]
struct ShownAllow {
    rule: &'static str,
    reason: String,
    /// The comment's line.
    line: usize,
    /// Written in the header: it allows the rule in the whole file, not one statement.
    whole_file: bool,
}

#[derive(Debug, Serialize)]
struct ShownDependency<'a> {
    id: &'a str,
    kind: &'static str,
}

/// A dependency the SQL implies and nothing declares: `migration` uses `object` at
/// `file:line`, which `id` creates.
#[derive(Debug, Serialize)]
struct ShownInferred {
    id: String,
    object: String,
    file: String,
    line: usize,
    /// `missing` (`id` comes first) or `used_before_created` (`id` comes later).
    problem: &'static str,
}

#[derive(Debug, Serialize)]
struct ShownStep {
    kind: &'static str,
    summary: String,
}

impl<'a> ShownPlan<'a> {
    fn new(loaded: &'a Loaded, target: Option<&MigrationId>, environment: Option<&'a str>) -> Self {
        let (project, graph) = (loaded.project(), loaded.graph());
        // Read once, before the threads that build the entries ask for it.
        loaded.inference();
        let selected: Vec<usize> = match target {
            Some(target) => graph
                .closure(target)
                .into_iter()
                .filter_map(|id| graph.index_of(id))
                .collect(),
            None => graph.plan_indices(),
        };
        let migrations = ShownMigrations {
            loaded,
            selected: selected.into_iter().enumerate().collect(),
            whole: target.is_none(),
            environment,
        };
        ShownPlan {
            format: 1,
            project: project.root().display().to_string(),
            order: match graph.mode() {
                OrderMode::Sequence => "sequence",
                OrderMode::Graph => "graph",
            },
            order_reason: match graph.mode_reason() {
                // Repeatable migrations are outside the sequence, whatever they declare.
                OrderModeReason::NothingDeclared
                    if project.migrations().any(Migration::is_repeatable) =>
                {
                    "no versioned migration declares dependencies, so each follows the one before it; repeatable ones come after them all"
                        .to_string()
                }
                OrderModeReason::NothingDeclared => {
                    "no migration declares dependencies, so each follows the one before it"
                        .to_string()
                }
                OrderModeReason::DeclaredBy { id, location } => {
                    format!("{id} declares its dependencies at {location}")
                }
                OrderModeReason::Forced => "plan.yaml sets order:".to_string(),
                OrderModeReason::PlanFile => {
                    "sqitch.plan deploys its changes in the order it lists them".to_string()
                }
            },
            layout: project.layout().layout.name(),
            layout_reason: project.layout().evidence.as_ref().map(|evidence| {
                if evidence.starts_with("plan.yaml") {
                    "plan.yaml sets layout:".to_string()
                } else {
                    format!("{evidence} is laid out the {} way", project.layout().layout)
                }
            }),
            migrations_dir: match project.migrations_dir().strip_prefix(project.root()) {
                Ok(relative) if relative.as_os_str().is_empty() => ".".to_string(),
                Ok(relative) => relative.display().to_string(),
                Err(_) => project.migrations_dir().display().to_string(),
            },
            target: target.map(ToString::to_string),
            environment: environment.map(str::to_string),
            total_migrations: project.migrations().len(),
            migrations,
        }
    }

    /// Writes the plan as pretty-printed JSON to `out`, as `serde_json::to_writer_pretty` of the
    /// whole shape would, then a newline. The migrations are serialized by the threads, a
    /// batch at a time, each at the indentation of the top level and then indented by two
    /// levels (every newline in pretty JSON is layout: a string's own are escaped); the
    /// serializer on one thread was a tenth of `show --format json` at 10,000 migrations.
    fn write_json(&self, out: &mut dyn Write) -> std::io::Result<()> {
        let head = serde_json::to_vec_pretty(self).map_err(std::io::Error::other)?;
        // `{ …fields… }`: reopened after its last field for `migrations`.
        let fields = head.strip_suffix(b"\n}").unwrap_or(&head);
        out.write_all(fields)?;
        out.write_all(b",\n  \"migrations\": [")?;
        let mut first = true;
        for batch in self.migrations.selected.chunks(BATCH) {
            // Each part's elements, joined as the array joins them.
            let serialized = parallel::map_chunks(batch, CHUNK_MIGRATIONS, |part| {
                let mut json: Vec<u8> = Vec::new();
                for &(position, index) in part {
                    if let Some(migration) = self.migrations.build(position, index) {
                        if !json.is_empty() {
                            json.extend_from_slice(b",\n");
                        }
                        json.extend_from_slice(ELEMENT_INDENT);
                        serde_json::to_writer_pretty(Indented(&mut json), &migration)?;
                    }
                }
                Ok::<_, serde_json::Error>(json)
            });
            for part in serialized {
                let part = part.map_err(std::io::Error::other)?;
                if !part.is_empty() {
                    out.write_all(if first { b"\n" } else { b",\n" })?;
                    first = false;
                    out.write_all(&part)?;
                }
            }
        }
        out.write_all(if first { b"]\n}\n" } else { b"\n  ]\n}\n" })
    }

    /// Writes the plan as text to `out`, a batch of migrations at a time: the whole text of
    /// 10,000 migrations is megabytes never needed at once.
    fn write_text(&self, out: &mut dyn Write) -> std::io::Result<()> {
        let mut text = String::new();
        let shown = self.migrations.count();
        let count = match &self.target {
            Some(target) => format!(
                "{} of {}, up to {target}",
                shown,
                plural(self.total_migrations, "migration")
            ),
            None => plural(shown, "migration"),
        };
        text.push_str(&format!("plan for {}: {count}\n", self.project));
        text.push_str(&format!("order: {} ({})\n", self.order, self.order_reason));
        // Said for another tool's layout only: plan's own numbered files need no introduction.
        if let Some(reason) = &self.layout_reason {
            text.push_str(&format!(
                "layout: {} in {} ({reason})\n",
                self.layout, self.migrations_dir
            ));
        }
        if let Some(environment) = &self.environment {
            text.push_str(&format!("environment: {environment}\n"));
        }
        // A dependency the SQL implies but nobody declared, whose creator this plan leaves out:
        // said before the list, since the list alone looks complete.
        let left_out = self.migrations.left_out();
        if !left_out.is_empty() {
            text.push_str(&format!(
                "undeclared: {} (what the SQL uses, left out of this plan; `plan apply` refuses it until it is declared: `plan check --fix`)\n",
                left_out.join(", ")
            ));
        }
        out.write_all(text.as_bytes())?;
        let environment = self.environment.as_deref();
        for batch in self.migrations.selected.chunks(BATCH) {
            // Built and written as text by the threads, a few dozen migrations each.
            let texts = parallel::map_chunks(batch, CHUNK_MIGRATIONS, |part| {
                let mut text = String::new();
                for &(position, index) in part {
                    if let Some(migration) = self.migrations.build(position, index) {
                        text.push('\n');
                        migration.write_text(&mut text, environment);
                    }
                }
                text
            });
            for text in texts {
                out.write_all(text.as_bytes())?;
            }
        }
        Ok(())
    }
}

/// How many migrations are built at a time.
const BATCH: usize = 1024;

/// How many migrations one thread writes as text into one string.
const CHUNK_MIGRATIONS: usize = 64;

impl<'a> ShownMigrations<'a> {
    /// How many are shown: each number selected is one of the project's migrations.
    fn count(&self) -> usize {
        self.selected.len()
    }

    /// The entry of the migration numbered `index` in the project's order, shown at
    /// `position` (from 0).
    fn build(&self, position: usize, index: usize) -> Option<ShownMigration<'a>> {
        let loaded = self.loaded;
        let migration = loaded.project().migration_at(index)?;
        let mut shown = ShownMigration::new(
            position + 1,
            migration,
            loaded.script_at(index)?,
            loaded.graph().dependencies_at(index),
            self.environment,
        );
        shown.inferred_dependencies = loaded
            .inference()
            .problems_of(migration.id())
            .map(|edge| ShownInferred {
                id: edge.creator.to_string(),
                object: edge.object.to_string(),
                file: edge.at.file.name().to_string(),
                line: edge.at.file.line_of(edge.at.span.start),
                problem: match edge.standing {
                    Standing::UsedBeforeCreated => "used_before_created",
                    _ => "missing",
                },
            })
            .collect();
        Some(shown)
    }

    /// Every shown migration's inferred dependency on one this plan leaves out, as `user
    /// needs creator`.
    fn left_out(&self) -> Vec<String> {
        // Every creator is a migration of the project: the whole plan leaves none out.
        if self.whole {
            return Vec::new();
        }
        let project = self.loaded.project();
        let inferred = self.loaded.inference();
        let shown_migrations: Vec<&Migration> = self
            .selected
            .iter()
            .filter_map(|(_, index)| project.migration_at(*index))
            .collect();
        let shown: IndexSet<&str> = shown_migrations
            .iter()
            .map(|migration| migration.id().as_str())
            .collect();
        shown_migrations
            .into_iter()
            .map(Migration::id)
            .flat_map(|id| {
                inferred
                    .problems_of(id)
                    .filter(|edge| !shown.contains(edge.creator.as_str()))
                    .map(move |edge| format!("{id} needs {}", edge.creator))
            })
            .collect()
    }
}

impl<'a> ShownMigration<'a> {
    fn new(
        position: usize,
        migration: &'a Migration,
        script: &Script,
        dependencies: Vec<(&'a MigrationId, EdgeKind)>,
        environment: Option<&str>,
    ) -> Self {
        let repeatable = migration.is_repeatable();
        ShownMigration {
            position,
            id: migration.id().as_str(),
            kind: match migration.kind() {
                MigrationKind::Versioned => None,
                MigrationKind::Repeatable => Some("repeatable"),
            },
            no_op: script.statements.is_empty() && migration.steps().is_empty(),
            version: migration
                .version()
                .map(|version| version.as_str().to_string()),
            file: migration.file().name(),
            checksum: migration.checksum(),
            depends_on: dependencies
                .into_iter()
                .map(|(id, kind)| ShownDependency {
                    id: id.as_str(),
                    kind: match kind {
                        EdgeKind::Declared => "declared",
                        EdgeKind::Sequence => "sequence",
                    },
                })
                .collect(),
            inferred_dependencies: Vec::new(),
            // A repeatable migration is never rolled back, whatever it was written with.
            rollback: migration
                .rollback()
                .filter(|_| !repeatable)
                .map(|rollback| match rollback {
                    Rollback::File(file) => file.name().to_string(),
                    Rollback::Section { .. } => {
                        format!("{} (-- DOWN section)", migration.file().name())
                    }
                }),
            no_rollback_reason: if repeatable {
                Some("a repeatable migration runs again whenever its file changes".to_string())
            } else {
                migration.no_rollback_reason()
            },
            // What will happen, not only what the header says: a file of only CREATE INDEX
            // CONCURRENTLY runs outside a transaction without saying so.
            transaction: match script.transaction {
                TransactionMode::Wrapped => "wrapped",
                TransactionMode::Outside => "outside",
            },
            environments: migration.environments().map(<[String]>::to_vec),
            skipped: !migration.runs_in(environment),
            requires: migration
                .requires()
                .iter()
                .map(|prerequisite| prerequisite.requirement.to_string())
                .collect(),
            steps: migration
                .steps()
                .iter()
                .map(|step| ShownStep {
                    kind: step.kind.name(),
                    summary: step_summary(&step.kind),
                })
                .collect(),
            metadata: migration.metadata(),
            allows: shown_allows(migration),
        }
    }

    /// Writes the migration as text; `environment` is `--env`'s, for why it is skipped.
    fn write_text(&self, text: &mut String, environment: Option<&str>) {
        // Why, in the same line: the environments it runs in, and that this is not one.
        let skipped = match (&self.environments, self.skipped) {
            (Some(environments), true) => format!(
                "  [skipped: runs only in {}; {}]",
                environments.join(", "),
                match environment {
                    Some(name) => format!("not in {name}"),
                    None => "no --env given".to_string(),
                }
            ),
            _ => String::new(),
        };
        // What sets it apart, in the same line: repeatable, a no-op.
        let mut notes = String::new();
        if self.kind.is_some() {
            notes.push_str("  [repeatable: runs again whenever its file changes]");
        }
        if self.no_op {
            notes.push_str("  [no-op: only comments]");
        }
        // Written into `text` directly (`fmt::Write` on a String cannot fail): a `format!`
        // per field was an allocation per line of output.
        let _ = writeln!(text, "{:>3}. {}{notes}{skipped}", self.position, self.id);
        field(text, "file", self.file);
        // Each dependency written straight into the line: a string each, then joined, was
        // three allocations a dependency, and a plan of 10,000 declares tens of thousands.
        let _ = write!(text, "       {:<12} ", "depends on");
        if self.depends_on.is_empty() && self.inferred_dependencies.is_empty() {
            text.push_str("nothing (a root)");
        }
        let mut separator = "";
        for dependency in &self.depends_on {
            text.push_str(separator);
            text.push_str(dependency.id);
            if dependency.kind == "sequence" {
                text.push_str(" (sequence)");
            }
            separator = ", ";
        }
        for inferred in &self.inferred_dependencies {
            let (what, when) = match inferred.problem {
                "used_before_created" => ("inferred, but it comes later", "uses"),
                _ => ("inferred", "uses"),
            };
            let _ = write!(
                text,
                "{separator}{} ({what}: {when} {} at {}:{})",
                inferred.id, inferred.object, inferred.file, inferred.line
            );
            separator = ", ";
        }
        text.push('\n');
        match (&self.rollback, &self.no_rollback_reason) {
            (Some(rollback), _) => field(text, "rollback", rollback),
            (None, Some(reason)) => field(text, "rollback", &format!("none: {reason}")),
            (None, None) => field(text, "rollback", "none"),
        }
        if self.transaction == "outside" {
            field(text, "transaction", "none: runs statement by statement");
        }
        if let Some(environments) = &self.environments {
            field(text, "environments", &environments.join(", "));
        }
        for requirement in &self.requires {
            field(text, "requires", requirement);
        }
        for (index, step) in self.steps.iter().enumerate() {
            field(
                text,
                &format!("step {}", index + 1),
                &format!("{}: {}", step.kind, step.summary),
            );
        }
        for (key, value) in self.metadata {
            field(text, key, value);
        }
        if !self.allows.is_empty() {
            let allows: Vec<String> = self
                .allows
                .iter()
                .map(|allow| format!("{} ({})", allow.rule, allow.reason))
                .collect();
            field(text, "allows", &allows.join(", "));
        }
    }
}

/// One `name  value` line of a migration's text.
fn field(text: &mut String, name: &str, value: &str) {
    let _ = writeln!(text, "       {name:<12} {value}");
}

/// The allow comments of `migration`, one entry per rule; none when one is malformed (an
/// unknown rule, no reason), which is `plan lint`'s to report, not `show`'s.
fn shown_allows(migration: &Migration) -> Vec<ShownAllow> {
    let file = migration.file();
    allows_of(migration)
        .unwrap_or_default()
        .iter()
        .flat_map(|allow| {
            allow.rules.iter().map(|rule| ShownAllow {
                rule: rule.name(),
                reason: allow.reason.clone(),
                line: file.line_of(allow.span.start),
                whole_file: allow.reach == Reach::File,
            })
        })
        .collect()
}

/// `1 migration`, `2 migrations`.
fn plural(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

/// One line describing a step.
fn step_summary(kind: &StepKind) -> String {
    match kind {
        StepKind::Sql { source } => match source {
            SqlSource::File { path, .. } => path.display().to_string(),
            SqlSource::Inline(sql) => one_line(sql),
        },
        StepKind::Batch {
            sql,
            commit,
            pause,
            max_batches,
        } => {
            let mut options = Vec::new();
            if *commit == crate::project::BatchCommit::Each {
                options.push("commit: each".to_string());
                if let Some(pause) = pause {
                    options.push(format!("pause: {}ms", pause.as_millis()));
                }
            }
            if *max_batches != crate::project::DEFAULT_MAX_BATCHES {
                options.push(format!("max_batches: {max_batches}"));
            }
            let mut summary = one_line(sql);
            if !options.is_empty() {
                summary.push_str(&format!(" ({})", options.join(", ")));
            }
            summary
        }
        StepKind::Assert { query, message } => match message {
            Some(message) => format!("{message} ({})", one_line(query)),
            None => one_line(query),
        },
        StepKind::Command { argv, timeout } => {
            let mut summary = argv.join(" ");
            if let Some(timeout) = timeout {
                summary.push_str(&format!(" (timeout: {}s)", timeout.as_secs()));
            }
            summary
        }
        StepKind::Handler { name } => name.clone(),
    }
}

/// SQL folded onto one line and shortened, for a summary.
fn one_line(sql: &str) -> String {
    let folded = sql.split_whitespace().collect::<Vec<_>>().join(" ");
    if folded.chars().count() > 80 {
        let short: String = folded.chars().take(77).collect();
        format!("{short}...")
    } else {
        folded
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every line after the first is indented, and only there: a line break inside a string
    /// stays escaped, empty arrays and objects stay on their line.
    #[test]
    fn an_element_is_indented_line_by_line_as_it_is_written() {
        let value = serde_json::json!({
            "id": "001_a",
            "note": "two\nlines",
            "empty": [],
            "none": {},
            "steps": [{"kind": "sql", "lines": [1, 2]}],
        });
        let mut written = Vec::new();
        serde_json::to_writer_pretty(Indented(&mut written), &value).unwrap();
        let expected: Vec<String> = serde_json::to_string_pretty(&value)
            .unwrap()
            .lines()
            .enumerate()
            .map(|(number, line)| match number {
                0 => line.to_string(),
                _ => format!("    {line}"),
            })
            .collect();
        assert_eq!(String::from_utf8(written).unwrap(), expected.join("\n"));
    }
}
