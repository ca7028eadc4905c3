//! The project model: [`Migration`] and the values it is made of ([`MigrationId`], [`Version`],
//! [`Dependency`], [`Prerequisite`], [`Rollback`], [`Step`]). Plain data with the invariants the
//! readers establish; reading files and plan.yaml is left to the sibling modules.

use std::cmp::Ordering;
use std::fmt;
use std::ops::Range;
use std::path::PathBuf;
use std::time::Duration;

use indexmap::IndexMap;

use crate::diagnostic::{Origin, SourceFile};

/// A migration's identity: its file name without `.sql` (and without `.up` for `x.up.sql`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MigrationId(String);

impl MigrationId {
    /// Wraps a file stem.
    pub fn new(stem: impl Into<String>) -> Self {
        MigrationId(stem.into())
    }

    /// The ID as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::borrow::Borrow<str> for MigrationId {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for MigrationId {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

/// A migration's version: the leading digits of its ID (`007` of `007_add_index`), or a
/// dotted version as Flyway writes one (`1.2.3` of `V1_2_3__x`, `2024.01.15.1`). Compared part
/// by part by numeric value, so that `9_x` sorts before `10_x` and `1.10` after `1.9` however
/// many digits either has; a missing part counts as zero (`1` and `1.0` are the same version,
/// as Flyway says).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Version {
    /// As written in the name, leading zeros kept (`007`, `1.2.3`).
    written: String,
    /// Each part without leading zeros (`"0"` for all zeros), trailing zero parts dropped:
    /// two versions are equal in value exactly when these are equal.
    parts: Vec<String>,
    /// `parts` joined by `.`: the version's value as text.
    significant: String,
}

impl Version {
    /// The version of an ID: its leading ASCII digits, if it has any.
    pub fn of(id: &str) -> Option<Version> {
        let digits: String = id.chars().take_while(char::is_ascii_digit).collect();
        (!digits.is_empty()).then(|| Version::from_parts(digits.clone(), vec![digits]))
    }

    /// A dotted version (`1.2.3`, `1_2_3`, `2024.01.15.1`): parts of ASCII digits separated
    /// by `.` or `_`. `None` unless every part is digits and there is at least one.
    pub fn dotted(text: &str) -> Option<Version> {
        let parts: Vec<String> = text.split(['.', '_']).map(str::to_string).collect();
        let valid = parts
            .iter()
            .all(|part| !part.is_empty() && part.bytes().all(|byte| byte.is_ascii_digit()));
        valid.then(|| Version::from_parts(text.replace('_', "."), parts))
    }

    fn from_parts(written: String, parts: Vec<String>) -> Version {
        let mut parts: Vec<String> = parts
            .iter()
            .map(|part| {
                let trimmed = part.trim_start_matches('0');
                if trimmed.is_empty() { "0" } else { trimmed }.to_string()
            })
            .collect();
        while parts.len() > 1 && parts.last().is_some_and(|part| part == "0") {
            parts.pop();
        }
        let significant = parts.join(".");
        Version {
            written,
            parts,
            significant,
        }
    }

    /// The version as written, leading zeros kept.
    pub fn as_str(&self) -> &str {
        &self.written
    }

    /// The value without leading zeros (`"0"` for all zeros; `1.2` for `01.02.0`): two
    /// versions are equal in value exactly when these are equal.
    pub fn significant(&self) -> &str {
        &self.significant
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        // Compare by value without parsing, so that no number of digits can overflow.
        let by_value =
            |left: &str, right: &str| left.len().cmp(&right.len()).then_with(|| left.cmp(right));
        let longest = self.parts.len().max(other.parts.len());
        (0..longest)
            .map(|index| {
                by_value(
                    self.parts.get(index).map_or("0", String::as_str),
                    other.parts.get(index).map_or("0", String::as_str),
                )
            })
            .find(|ordering| ordering.is_ne())
            .unwrap_or(Ordering::Equal)
            .then_with(|| self.written.cmp(&other.written))
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// One declared dependency: what it points at, once resolved, and where it was declared.
#[derive(Clone, Debug)]
pub(crate) struct Dependency {
    /// The migration depended on.
    pub target: MigrationId,
    /// Where it was declared: a header line or a plan.yaml entry.
    pub origin: Origin,
}

/// A database object a migration needs before it runs.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Requirement {
    /// A schema.
    Schema {
        /// Schema name.
        schema: String,
    },
    /// A table (or view) in a schema.
    Table {
        /// Schema name (`public` when unqualified).
        schema: String,
        /// Table name.
        table: String,
    },
    /// A column of a table.
    Column {
        /// Schema name (`public` when unqualified).
        schema: String,
        /// Table name.
        table: String,
        /// Column name.
        column: String,
    },
    /// An installed extension.
    Extension {
        /// Extension name.
        extension: String,
    },
}

impl fmt::Display for Requirement {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Requirement::Schema { schema } => write!(formatter, "schema {schema}"),
            Requirement::Table { schema, table } => write!(formatter, "table {schema}.{table}"),
            Requirement::Column {
                schema,
                table,
                column,
            } => write!(formatter, "column {schema}.{table}.{column}"),
            Requirement::Extension { extension } => write!(formatter, "extension {extension}"),
        }
    }
}

/// A requirement and the line that declared it.
#[derive(Clone, Debug)]
pub(crate) struct Prerequisite {
    /// What must exist.
    pub requirement: Requirement,
    /// Where it was declared.
    pub origin: Origin,
}

/// Whether a migration runs once, or again whenever it changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MigrationKind {
    /// Runs once; a change to it once applied is refused (the default).
    Versioned,
    /// Runs again whenever its checksum differs from the one last applied, after the versioned
    /// migrations of a run (Flyway's `R__name.sql`; `R__name.sql` or `repeatable: true` in
    /// plan.yaml for plan's own projects). It has no rollback and no place in a sequence.
    Repeatable,
}

/// How a migration's SQL runs with respect to transactions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TransactionMode {
    /// In one transaction together with its ledger row (the default).
    Wrapped,
    /// Statement by statement outside a transaction (`-- plan: no-transaction`, or
    /// `transaction: false` in plan.yaml), its progress recorded per statement.
    Outside,
}

/// Where a migration's rollback SQL lives.
#[derive(Clone, Debug)]
pub(crate) enum Rollback {
    /// A separate file (`NNN_name_rollback.sql`, `rollback-NNN.sql`, `NNN_name.down.sql`).
    File(SourceFile),
    /// The `-- DOWN` section of the migration's own file.
    Section {
        /// Byte range of the section's SQL in the migration file.
        span: Range<usize>,
    },
}

/// A special-handler step declared in plan.yaml, run after the migration's own file.
#[derive(Clone, Debug)]
pub(crate) struct Step {
    /// What the step does.
    pub kind: StepKind,
    /// Where plan.yaml declares it.
    pub origin: Origin,
}

/// The kinds of step. Each one's options are validated when plan.yaml is read.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum StepKind {
    /// Run SQL from a file or inline.
    Sql {
        /// The SQL.
        source: SqlSource,
    },
    /// Repeat a statement until it affects no rows.
    Batch {
        /// The statement.
        sql: String,
        /// When each batch commits.
        commit: BatchCommit,
        /// Pause between batches.
        pause: Option<Duration>,
        /// The most batches it may run before it stops with an error (plan.yaml's
        /// `max_batches`, 100,000 by default): a statement that never reaches zero rows must
        /// not loop forever.
        max_batches: u64,
    },
    /// A query that must return true.
    Assert {
        /// The query.
        query: String,
        /// What it asserts, shown when it fails.
        message: Option<String>,
    },
    /// An external program, run without a shell.
    Command {
        /// Program and arguments.
        argv: Vec<String>,
        /// How long it may run.
        timeout: Option<Duration>,
    },
    /// Rust code registered under a name.
    Handler {
        /// The registered name.
        name: String,
    },
}

impl StepKind {
    /// The step kind's name as written in plan.yaml.
    pub(crate) fn name(&self) -> &'static str {
        match self {
            StepKind::Sql { .. } => "sql",
            StepKind::Batch { .. } => "batch",
            StepKind::Assert { .. } => "assert",
            StepKind::Command { .. } => "command",
            StepKind::Handler { .. } => "handler",
        }
    }
}

impl Step {
    /// Everything that decides what the step does, as text: its kind and every option, SQL
    /// read from a step file included. Two steps with the same fingerprint do the same thing;
    /// where plan.yaml declares it (its position) is left out, so moving lines is no change.
    pub(crate) fn fingerprint(&self) -> String {
        let millis = |duration: &Option<Duration>| {
            duration.map_or_else(
                || "-".to_string(),
                |duration| duration.as_millis().to_string(),
            )
        };
        match &self.kind {
            StepKind::Sql { source } => format!("sql\n{}", source.text()),
            StepKind::Batch {
                sql,
                commit,
                pause,
                max_batches,
            } => format!(
                "batch\ncommit={}\npause={}\nmax_batches={max_batches}\n{sql}",
                match commit {
                    BatchCommit::Transaction => "transaction",
                    BatchCommit::Each => "each",
                },
                millis(pause)
            ),
            StepKind::Assert { query, message } => format!(
                "assert\nmessage={}\n{query}",
                message.as_deref().unwrap_or("-")
            ),
            StepKind::Command { argv, timeout } => {
                // Length-prefixed, so `["a b"]` and `["a", "b"]` differ.
                let arguments: Vec<String> = argv
                    .iter()
                    .map(|argument| format!("{}:{argument}", argument.len()))
                    .collect();
                format!(
                    "command\ntimeout={}\n{}",
                    millis(timeout),
                    arguments.join("\n")
                )
            }
            StepKind::Handler { name } => format!("handler\n{name}"),
        }
    }

    /// SHA-256 of [`Step::fingerprint`], in lower-case hex: what the ledger records for a step
    /// that has run, so a resume can prove the steps before it are unchanged.
    pub(crate) fn checksum(&self) -> String {
        sha256_hex(self.fingerprint().as_bytes())
    }
}

/// SHA-256 of `bytes` in lower-case hex.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// SQL given to a `sql` step.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum SqlSource {
    /// A file, relative to the migrations folder, read when the project is loaded.
    File {
        /// The path as written in plan.yaml.
        path: PathBuf,
        /// Its text.
        text: String,
    },
    /// SQL written in plan.yaml itself.
    Inline(String),
}

impl SqlSource {
    /// The SQL text.
    pub(crate) fn text(&self) -> &str {
        match self {
            SqlSource::File { text, .. } => text,
            SqlSource::Inline(text) => text,
        }
    }
}

/// When the rows of a `batch` step commit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BatchCommit {
    /// Inside the migration's transaction: the migration stays atomic.
    Transaction,
    /// Each batch on its own, resumable after a crash.
    Each,
}

/// Whether a migration limited to `limited` environments (`None`: not limited) runs in
/// `environment` (`None`: no environment was named).
pub(crate) fn runs_in(limited: Option<&[String]>, environment: Option<&str>) -> bool {
    match (limited, environment) {
        (None, _) => true,
        (Some(limited), Some(name)) => limited.iter().any(|allowed| allowed == name),
        (Some(_), None) => false,
    }
}

/// One migration, as read from its file and plan.yaml.
#[derive(Clone, Debug)]
pub struct Migration {
    pub(crate) id: MigrationId,
    pub(crate) kind: MigrationKind,
    pub(crate) version: Option<Version>,
    /// Its place in a plan that orders migrations itself (Sqitch's), sorted on before versions.
    pub(crate) rank: Option<usize>,
    /// Migrations that must not be applied when it is applied (Sqitch's `[!name]`).
    pub(crate) conflicts: Vec<Dependency>,
    pub(crate) file: SourceFile,
    pub(crate) path: PathBuf,
    /// The file's checksum ([`Migration::file_checksum`]).
    pub(crate) file_checksum: String,
    /// The definition's, when plan.yaml adds to the file (steps, prerequisites, ...); `None`
    /// when [`Migration::checksum`] is the file's: one copy of it, not two (0.6 MB of a
    /// 10,000-migration `plan show`).
    pub(crate) definition_checksum: Option<String>,
    pub(crate) up: Range<usize>,
    pub(crate) rollback: Option<Rollback>,
    /// A rollback file or `-- DOWN` section holding only comments: kept to say why there is no
    /// rollback, never run.
    pub(crate) empty_rollback: Option<Rollback>,
    pub(crate) dependencies: Option<Vec<Dependency>>,
    pub(crate) requires: Vec<Prerequisite>,
    pub(crate) environments: Option<Vec<String>>,
    pub(crate) transaction: TransactionMode,
    pub(crate) steps: Vec<Step>,
    pub(crate) metadata: IndexMap<String, String>,
}

impl Migration {
    /// Its ID.
    pub fn id(&self) -> &MigrationId {
        &self.id
    }

    /// Whether it runs once or whenever it changes.
    pub fn kind(&self) -> MigrationKind {
        self.kind
    }

    /// Whether it runs again whenever it changes ([`MigrationKind::Repeatable`]).
    pub fn is_repeatable(&self) -> bool {
        self.kind == MigrationKind::Repeatable
    }

    /// Its version (leading digits), if the ID has one.
    pub fn version(&self) -> Option<&Version> {
        self.version.as_ref()
    }

    /// Its file, for diagnostics and checksums.
    pub(crate) fn file(&self) -> &SourceFile {
        &self.file
    }

    /// Its path: on disk, or under `.` for a project held in memory.
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }

    /// What the ledger records to notice a changed migration, in lower-case hex: SHA-256 of
    /// everything that decides what runs. For a migration plan.yaml says nothing about, that is
    /// the SHA-256 of the file's bytes alone, so ledgers written before plan.yaml
    /// entries were covered stay valid; once plan.yaml gives it steps, prerequisites,
    /// environments or a transaction mode, those are covered too (see
    /// `project::definition_checksum`).
    pub fn checksum(&self) -> &str {
        self.definition_checksum
            .as_deref()
            .unwrap_or(&self.file_checksum)
    }

    /// SHA-256 of the file's bytes alone, in lower-case hex.
    pub(crate) fn file_checksum(&self) -> &str {
        &self.file_checksum
    }

    /// The forward SQL: the whole file, or its `-- UP` section.
    pub(crate) fn up_sql(&self) -> &str {
        &self.file.text()[self.up.clone()]
    }

    /// Byte offset of the forward SQL in the file, to map statement positions to lines.
    pub(crate) fn up_offset(&self) -> usize {
        self.up.start
    }

    /// Where its rollback lives, if it has one. A rollback file or `-- DOWN` section holding
    /// only comments and whitespace (`-- Nothing`) is no rollback: this is `None` for it, and
    /// [`Migration::no_rollback_reason`] says why.
    pub(crate) fn rollback(&self) -> Option<&Rollback> {
        self.rollback.as_ref()
    }

    /// The rollback file or `-- DOWN` section that holds only comments, when that is why it has
    /// no [`Migration::rollback`].
    #[cfg(test)]
    pub(crate) fn empty_rollback(&self) -> Option<&Rollback> {
        self.empty_rollback.as_ref()
    }

    /// Why it has no rollback although it has a rollback file or `-- DOWN` section, for messages:
    /// `its rollback file migrations/x.down.sql holds only comments`. `None` when it has a
    /// rollback, or nothing that looks like one.
    pub(crate) fn no_rollback_reason(&self) -> Option<String> {
        Some(match self.empty_rollback.as_ref()? {
            Rollback::File(file) => {
                format!("its rollback file {} holds only comments", file.name())
            }
            Rollback::Section { .. } => {
                format!(
                    "its down section in {} holds only comments",
                    self.file.name()
                )
            }
        })
    }

    /// The rollback SQL, if any.
    pub(crate) fn rollback_sql(&self) -> Option<&str> {
        match self.rollback.as_ref()? {
            Rollback::File(file) => Some(file.text()),
            Rollback::Section { span } => Some(&self.file.text()[span.clone()]),
        }
    }

    /// Migrations that must not be applied when it is (Sqitch's `[!name]`), and where each is
    /// declared.
    pub(crate) fn conflicts(&self) -> &[Dependency] {
        &self.conflicts
    }

    /// Declared dependencies: `None` when it declares none at all, `Some(empty)` when it declares
    /// itself a root (`-- depends: none`, `depends_on: []`).
    pub(crate) fn dependencies(&self) -> Option<&[Dependency]> {
        self.dependencies.as_deref()
    }

    /// What must exist in the database before it runs.
    pub(crate) fn requires(&self) -> &[Prerequisite] {
        &self.requires
    }

    /// The environments it is limited to; `None` means every environment.
    pub fn environments(&self) -> Option<&[String]> {
        self.environments.as_deref()
    }

    /// Whether it runs in an environment (`None`: no environment was named).
    pub fn runs_in(&self, environment: Option<&str>) -> bool {
        runs_in(self.environments.as_deref(), environment)
    }

    /// How its SQL runs with respect to transactions.
    pub(crate) fn transaction(&self) -> TransactionMode {
        self.transaction
    }

    /// Its special-handler steps, in order.
    pub(crate) fn steps(&self) -> &[Step] {
        &self.steps
    }

    /// Other `Key: value` lines of its header (Description, Author, ...), in file order.
    pub(crate) fn metadata(&self) -> &IndexMap<String, String> {
        &self.metadata
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(id: &str) -> Version {
        Version::of(id).expect("test IDs have versions")
    }

    #[test]
    fn versions_compare_by_numeric_value() {
        assert!(version("9_x") < version("10_x"));
        assert!(version("009") < version("10"));
        assert_ne!(
            version("0001").cmp(&version("001")),
            Ordering::Equal,
            "equal values tie-break on the digits"
        );
        assert!(
            version("123456789012345678901234567890123") > version("99999999999999999999999999")
        );
    }

    #[test]
    fn dotted_versions_compare_part_by_part_as_flyway_does() {
        let dotted = |text: &str| Version::dotted(text).expect("a dotted version");
        assert!(dotted("1.9") < dotted("1.10"));
        assert!(dotted("9") < dotted("10"));
        assert!(dotted("1.2.3") < dotted("2024.01.15.1"));
        assert_eq!(dotted("1_1").as_str(), "1.1");
        assert_eq!(dotted("01.0").significant(), dotted("1").significant());
        assert!(dotted("1.2") > dotted("1.1.99"));
        assert_eq!(Version::dotted("1..2"), None);
        assert_eq!(Version::dotted("1.a"), None);
        assert_eq!(Version::dotted(""), None);
    }

    #[test]
    fn ids_without_leading_digits_have_no_version() {
        assert_eq!(Version::of("init"), None);
        assert_eq!(version("0_init").significant(), "0");
    }
}
