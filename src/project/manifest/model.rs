//! What plan.yaml says once read: the [`Manifest`] and its settings ([`OrderSetting`],
//! [`TrackingTable`], [`Environment`], [`BackupPolicy`], [`LockSetting`], [`WaitForReplicas`]), the entries under `migrations:` with
//! their steps as written, and what can be wrong with the file ([`ManifestProblem`]). Reading
//! the text into these is `parse`'s job.

use std::fmt;
use std::ops::Range;
use std::path::PathBuf;
use std::time::Duration;

use indexmap::IndexMap;
use serde::Deserialize;

use super::fleets::Fleet;
use crate::diagnostic::SourceFile;
use crate::project::header::Written;
use crate::project::layout::Layout;
use crate::project::migration::{BatchCommit, Requirement, TransactionMode};

/// The file name `plan` looks for in a project folder.
pub(crate) const MANIFEST_FILE: &str = "plan.yaml";

/// How migrations without declared dependencies are ordered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum OrderSetting {
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
pub(crate) enum BackupPolicy {
    /// A verified pg_dump must be taken before the first statement.
    Required,
    /// No backup is taken unless asked for.
    None,
}

/// An environment's settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Environment {
    /// Backup policy before apply.
    pub backup: BackupPolicy,
    /// Whether apply asks for confirmation.
    pub confirm: bool,
}

/// The ledger table's qualified name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct TrackingTable {
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
pub(crate) struct Manifest {
    pub(crate) file: Option<SourceFile>,
    pub(crate) migrations_dir: PathBuf,
    /// Whether plan.yaml names the migrations folder; if not, and `migrations/` is missing,
    /// the folders other tools use by default are looked for.
    pub(crate) migrations_dir_declared: bool,
    /// The layout plan.yaml's `layout:` names; `None` detects it.
    pub(crate) layout: Option<Layout>,
    pub(crate) tracking_table: TrackingTable,
    pub(crate) order: OrderSetting,
    pub(crate) lock_timeout: Duration,
    pub(crate) lock_retries: u32,
    /// `lock:`: which lock keeps two runs on one database apart.
    pub(crate) lock: LockSetting,
    /// `wait_for_replicas:`: how long to wait after each migration for the standbys, if at all.
    pub(crate) wait_for_replicas: Option<WaitForReplicas>,
    pub(crate) environments: IndexMap<String, Environment>,
    pub(crate) lint: LintSettings,
    pub(crate) entries: Vec<Entry>,
    /// plan.yaml's `fleets:`, by name, in file order.
    pub(crate) fleets: IndexMap<String, Fleet>,
}

/// plan.yaml's `lint:` settings (docs/lint.md).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct LintSettings {
    /// Below this many rows (the table's estimate), a lock or rewrite finding is a warning;
    /// from it on, an error.
    pub(crate) small_table_rows: u64,
    /// What `plan apply` does with the findings about what it will run.
    pub(crate) on_apply: LintOnApply,
    /// How old a transaction holding a lock on a table must be for apply to name it before a
    /// statement that would queue behind it.
    pub(crate) long_transaction: Duration,
}

impl Default for LintSettings {
    fn default() -> Self {
        LintSettings {
            small_table_rows: 10_000,
            on_apply: LintOnApply::Warn,
            long_transaction: Duration::from_secs(60),
        }
    }
}

/// `lint: {on_apply: …}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum LintOnApply {
    /// Print the findings before the first statement, and go on.
    Warn,
    /// Refuse (exit 1, nothing run) when there is a finding not allowed in its file.
    Error,
    /// Do not lint.
    Off,
}

/// Which lock keeps runs on one database apart (plan.yaml `lock:`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LockSetting {
    /// A session advisory lock, held as long as the connection lives.
    Advisory,
    /// A lock row beside the ledger that expires `expire_after` after its last heartbeat.
    Table {
        /// How long a holder that stopped renewing keeps the lock.
        expire_after: Duration,
    },
}

/// What `wait_for_replicas:` asks: wait after each migration until every standby has
/// replayed it, failing the run once `max_lag` has passed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct WaitForReplicas {
    /// How long a standby may take to replay a migration's commit.
    pub(crate) max_lag: Duration,
}

/// One entry under `migrations:`.
#[derive(Clone, Debug)]
pub(crate) struct Entry {
    pub(crate) reference: Written,
    pub(crate) depends_on: Option<Vec<Written>>,
    pub(crate) requires: Vec<(Requirement, Range<usize>)>,
    pub(crate) environments: Option<Vec<Written>>,
    /// The `environments` key, when the entry has one.
    pub(crate) environments_key: Range<usize>,
    pub(crate) transaction: Option<TransactionMode>,
    /// The `transaction` key, when the entry has one.
    pub(crate) transaction_key: Range<usize>,
    /// `repeatable: true`: the migration runs again whenever it changes.
    pub(crate) repeatable: Option<bool>,
    pub(crate) steps: Vec<StepSpec>,
}

/// How many batches a `batch` step runs at most when plan.yaml does not say: a statement that
/// never reaches zero rows must stop with an error rather than loop forever.
pub(crate) const DEFAULT_MAX_BATCHES: u64 = 100_000;

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
    /// Not YAML, or a duplicate key whose occurrences could not be found.
    Syntax { message: String, span: Range<usize> },
    /// A key written twice in one mapping: where it is first, and where it is again.
    DuplicateKey {
        message: String,
        first: Range<usize>,
        again: Range<usize>,
    },
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
            migrations_dir_declared: false,
            layout: None,
            tracking_table: TrackingTable {
                schema: "plan".to_string(),
                table: "migrations".to_string(),
            },
            order: OrderSetting::Auto,
            lock_timeout: Duration::from_secs(5),
            lint: LintSettings::default(),
            lock_retries: 5,
            lock: LockSetting::Advisory,
            wait_for_replicas: None,
            environments: IndexMap::new(),
            entries: Vec::new(),
            fleets: IndexMap::new(),
        }
    }

    /// The ledger table.
    pub(crate) fn tracking_table(&self) -> &TrackingTable {
        &self.tracking_table
    }

    /// The ordering mode asked for.
    pub(crate) fn order(&self) -> OrderSetting {
        self.order
    }

    /// `lock_timeout` for migration statements.
    pub(crate) fn lock_timeout(&self) -> Duration {
        self.lock_timeout
    }

    /// How many times a migration is retried after a lock timeout.
    pub(crate) fn lock_retries(&self) -> u32 {
        self.lock_retries
    }

    /// Which lock keeps two runs on one database apart.
    pub(crate) fn lock(&self) -> LockSetting {
        self.lock
    }

    /// Whether (and how long) to wait after each migration until every standby replayed it.
    pub(crate) fn wait_for_replicas(&self) -> Option<WaitForReplicas> {
        self.wait_for_replicas
    }

    /// Declared environments, in file order.
    pub(crate) fn environments(&self) -> &IndexMap<String, Environment> {
        &self.environments
    }

    /// plan.yaml's fleets, by name, in file order.
    pub(crate) fn fleets(&self) -> &IndexMap<String, Fleet> {
        &self.fleets
    }
}
