//! What a fleet run did, target by target: each target's [`Outcome`], the migrations it applied,
//! the backup it took, where it failed (migration, file, line, code, message) or why it could not
//! be reached, and the [`FleetReport`] that gathers them with its totals, as text and as the JSON
//! object of docs/json.md#plan-apply---fleet. Built by `run`; printed by the CLI.

use std::time::Duration;

use serde::Serialize;

use crate::db::Backup;

/// How one target ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Outcome {
    /// Migrations were applied and the target is up to date.
    Applied,
    /// Nothing was pending.
    UpToDate,
    /// A migration (or the plan, the lock, the ledger) failed on this target.
    Failed,
    /// Stopped between migrations after a failure elsewhere (`on_error: stop`), or while
    /// waiting for another run's lock.
    Stopped,
    /// Not started: a canary failed.
    SkippedAfterCanaryFailure,
    /// Not started: the run stopped after a failure elsewhere.
    NotReached,
    /// The connection failed.
    Unreachable,
}

impl Outcome {
    /// Every outcome, in the order the totals list them.
    pub(crate) const ALL: [Outcome; 7] = [
        Outcome::Applied,
        Outcome::UpToDate,
        Outcome::Failed,
        Outcome::Stopped,
        Outcome::SkippedAfterCanaryFailure,
        Outcome::NotReached,
        Outcome::Unreachable,
    ];

    /// The name in JSON: `up_to_date`, `not_reached`, ...
    pub(crate) fn name(self) -> &'static str {
        match self {
            Outcome::Applied => "applied",
            Outcome::UpToDate => "up_to_date",
            Outcome::Failed => "failed",
            Outcome::Stopped => "stopped",
            Outcome::SkippedAfterCanaryFailure => "skipped_after_canary_failure",
            Outcome::NotReached => "not_reached",
            Outcome::Unreachable => "unreachable",
        }
    }

    /// Whether the target ended up to date: the whole fleet run succeeds when every one did.
    pub(crate) fn is_up_to_date(self) -> bool {
        matches!(self, Outcome::Applied | Outcome::UpToDate)
    }
}

/// Where and why a target failed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct FailedAt {
    /// The migration that failed; absent when the failure was before any (the plan refused,
    /// the lock timed out).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) migration: Option<String>,
    /// The file holding what failed, as the project names it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) file: Option<String>,
    /// Its line, from 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) line: Option<usize>,
    /// The diagnostic's code, `plan::apply::migration_failed`, ... (docs/errors.md).
    pub(crate) code: String,
    /// The server's SQLSTATE, when it sent one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) sqlstate: Option<String>,
    /// The message.
    pub(crate) message: String,
    /// Whether `migration` is committed and recorded all the same: a standby had not replayed
    /// it in time (`plan::apply::replica_lag`); it is in the target's `applied` too.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub(crate) committed: bool,
}

impl FailedAt {
    /// `failure`'s code (else `plan::apply`) and `message`, at no migration: a failure before
    /// any, or of none in particular (the caller adds where, when it is known).
    pub(crate) fn of(failure: &dyn miette::Diagnostic, message: String) -> FailedAt {
        FailedAt {
            migration: None,
            file: None,
            line: None,
            code: failure
                .code()
                .map_or_else(|| "plan::apply".to_string(), |code| code.to_string()),
            sqlstate: None,
            message,
            committed: false,
        }
    }

    /// The same with the server's SQLSTATE.
    pub(crate) fn with_sqlstate(self, sqlstate: Option<String>) -> FailedAt {
        FailedAt { sqlstate, ..self }
    }
}

/// The verified backup a target took before its first migration (`--backup-dir`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct TargetBackup {
    /// The archive, in the target's own folder.
    pub(crate) path: String,
    /// Its size.
    pub(crate) bytes: u64,
    /// The entries `pg_restore --list` found in it.
    pub(crate) archive_entries: usize,
    /// How long the dump and its check took.
    pub(crate) took_ms: u64,
    /// The command that restores its database from it.
    pub(crate) restore_command: String,
}

impl TargetBackup {
    /// `backup`, taken in `took`.
    pub(crate) fn of(backup: &Backup, took: Duration) -> TargetBackup {
        TargetBackup {
            path: backup.path.display().to_string(),
            bytes: backup.bytes,
            archive_entries: backup.entries,
            took_ms: u64::try_from(took.as_millis()).unwrap_or(u64::MAX),
            restore_command: backup.restore_command.clone(),
        }
    }
}

/// One target's part of the report.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct TargetReport {
    /// `host:port/db`.
    pub(crate) target: String,
    /// How it ended.
    pub(crate) outcome: Outcome,
    /// Whether it ran in the canary group.
    pub(crate) canary: bool,
    /// The migrations applied to it in this run, in order.
    pub(crate) applied: Vec<String>,
    /// Where it failed (`failed`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) failed: Option<FailedAt>,
    /// The migration it stopped before (`stopped`); `None` when it stopped while waiting for
    /// another run's lock.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) stopped_before: Option<String>,
    /// The connection error, without secrets (`unreachable`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) error: Option<String>,
    /// The verified backup taken before its first migration (`--backup-dir`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) backup: Option<TargetBackup>,
    /// How long its run took; 0 for a target not started.
    #[serde(rename = "elapsed_ms", serialize_with = "millis")]
    pub(crate) elapsed: Duration,
}

impl TargetReport {
    /// A target that was not started, ending as `outcome`.
    pub(crate) fn not_started(target: &str, canary: bool, outcome: Outcome) -> TargetReport {
        TargetReport {
            target: target.to_string(),
            outcome,
            canary,
            applied: Vec::new(),
            failed: None,
            stopped_before: None,
            error: None,
            backup: None,
            elapsed: Duration::ZERO,
        }
    }

    /// What the text report says after the outcome.
    fn detail(&self) -> String {
        let applied = || match self.applied.len() {
            0 => String::new(),
            count => format!(
                "{} ({})",
                crate::diagnostic::counted(count, "migration", "migrations"),
                self.applied.join(", ")
            ),
        };
        let mut detail = match self.outcome {
            Outcome::Applied => applied(),
            Outcome::UpToDate => "nothing pending".to_string(),
            Outcome::Failed => {
                let failed = self.failed.as_ref();
                let at = failed.map_or(String::new(), |failed| {
                    match (&failed.migration, &failed.file, failed.line) {
                        (Some(id), Some(file), Some(line)) => format!("at {id} ({file}:{line}): "),
                        (Some(id), Some(file), None) => format!("at {id} ({file}): "),
                        (Some(id), None, _) => format!("at {id}: "),
                        (None, ..) => String::new(),
                    }
                });
                let said = failed.map_or(String::new(), |failed| {
                    format!("{}: {}", failed.code, failed.message)
                });
                let before = applied();
                let committed = failed.is_some_and(|failed| failed.committed);
                match (before.is_empty(), committed) {
                    (true, _) => format!("{at}{said}"),
                    (false, false) => format!("{at}{said}; applied before it: {before}"),
                    // The failing migration is committed: it is the last of `applied`.
                    (false, true) => format!("{at}{said}; applied: {before}"),
                }
            }
            Outcome::Stopped => {
                // No migration to name: it stopped while another run held its lock.
                let before = self.stopped_before.as_deref().map_or_else(
                    || "while waiting for another run's lock".to_string(),
                    |id| format!("before {id}"),
                );
                let done = applied();
                if done.is_empty() {
                    format!("{before}, after a failure elsewhere")
                } else {
                    format!("{before}, after a failure elsewhere; applied {done}")
                }
            }
            Outcome::SkippedAfterCanaryFailure => "a canary failed".to_string(),
            Outcome::NotReached => "the run stopped after a failure elsewhere".to_string(),
            Outcome::Unreachable => self.error.clone().unwrap_or_default(),
        };
        if let Some(backup) = &self.backup {
            detail.push_str(&format!("; backup {}", backup.path));
        }
        if self.canary {
            detail = if detail.is_empty() {
                "canary".to_string()
            } else {
                format!("canary; {detail}")
            };
        }
        if self.elapsed > Duration::ZERO || self.outcome.is_up_to_date() {
            detail.push_str(&format!(" ({} ms)", self.elapsed.as_millis()));
        }
        detail
    }
}

fn millis<S: serde::Serializer>(duration: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_u64(u64::try_from(duration.as_millis()).unwrap_or(u64::MAX))
}

/// What a fleet run did to every target, in the order they were listed.
#[derive(Clone, Debug)]
pub(crate) struct FleetReport {
    /// The fleet's name, or the `--targets` file.
    pub(crate) fleet: String,
    /// Each target, in list order.
    pub(crate) targets: Vec<TargetReport>,
}

/// The JSON form of a fleet's report, status or check: the same envelope around each
/// command's targets.
#[derive(Serialize)]
struct ShownFleet<'a, T> {
    format: u32,
    fleet: &'a str,
    targets: &'a [T],
    totals: indexmap::IndexMap<&'static str, usize>,
}

/// `{"format":1,"fleet":…,"targets":[…],"totals":{…}}`, pretty-printed: the JSON object of
/// `apply`, `status` and `check-schema` `--fleet` (docs/json.md).
pub(crate) fn fleet_json<T: Serialize>(
    fleet: &str,
    targets: &[T],
    totals: indexmap::IndexMap<&'static str, usize>,
) -> String {
    serde_json::to_string_pretty(&ShownFleet {
        format: 1,
        fleet,
        targets,
        totals,
    })
    .unwrap_or_default()
}

impl FleetReport {
    /// Whether every target ended up to date.
    pub(crate) fn all_up_to_date(&self) -> bool {
        self.targets
            .iter()
            .all(|target| target.outcome.is_up_to_date())
    }

    /// How many targets ended each way, every outcome listed.
    pub(crate) fn totals(&self) -> indexmap::IndexMap<&'static str, usize> {
        count_each(
            &Outcome::ALL,
            self.targets.iter().map(|target| target.outcome),
            |outcome| outcome.name(),
        )
    }

    /// The JSON object (docs/json.md#plan-apply---fleet), pretty-printed.
    pub(crate) fn to_json(&self) -> String {
        fleet_json(&self.fleet, &self.targets, self.totals())
    }

    /// The text report: a summary line, then a line per target.
    pub(crate) fn to_text(&self) -> String {
        let mut text = summary_line(&self.fleet, self.targets.len(), &self.totals());
        let width = name_width(self.targets.iter().map(|target| target.target.as_str()));
        let outcome_width = self
            .targets
            .iter()
            .map(|target| target.outcome.name().len())
            .max()
            .unwrap_or(0);
        for target in &self.targets {
            text.push_str(
                format!(
                    "  {:<width$}  {:<outcome_width$}  {}",
                    target.target,
                    target.outcome.name().replace('_', " "),
                    target.detail()
                )
                .trim_end(),
            );
            text.push('\n');
        }
        text
    }
}

/// How many of `ended` are each of `all` (every one listed, zeros too), under `name`: the
/// `totals` of a fleet's report, status and check.
pub(crate) fn count_each<T: PartialEq>(
    all: &[T],
    ended: impl Iterator<Item = T> + Clone,
    name: impl Fn(&T) -> &'static str,
) -> indexmap::IndexMap<&'static str, usize> {
    all.iter()
        .map(|kind| (name(kind), ended.clone().filter(|one| one == kind).count()))
        .collect()
}

/// The first line of a fleet's text report or status: `fleet NAME: N targets: 3 applied, 1
/// failed`, the totals that are not zero, `_` read as a space.
pub(crate) fn summary_line(
    fleet: &str,
    targets: usize,
    totals: &indexmap::IndexMap<&'static str, usize>,
) -> String {
    let totals: Vec<String> = totals
        .iter()
        .filter(|(_, count)| **count > 0)
        .map(|(name, count)| format!("{count} {}", name.replace('_', " ")))
        .collect();
    format!(
        "fleet {fleet}: {}: {}\n",
        crate::diagnostic::counted(targets, "target", "targets"),
        totals.join(", ")
    )
}

/// The width of the longest target name, to align a report's columns.
pub(crate) fn name_width<'a>(names: impl Iterator<Item = &'a str>) -> usize {
    names.map(str::len).max().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(name: &str, outcome: Outcome) -> TargetReport {
        TargetReport::not_started(name, false, outcome)
    }

    /// The text report of `targets`.
    fn check(targets: Vec<TargetReport>, expect: &str) {
        let report = FleetReport {
            fleet: "tenants".to_string(),
            targets,
        };
        assert_eq!(report.to_text(), expect);
    }

    #[test]
    fn the_text_report_has_totals_then_a_line_per_target() {
        let mut canary = target("db1:5432/a", Outcome::Applied);
        canary.canary = true;
        canary.applied = vec!["001_a".to_string(), "002_b".to_string()];
        canary.elapsed = Duration::from_millis(12);
        let mut failed = target("db1:5432/bb", Outcome::Failed);
        failed.elapsed = Duration::from_millis(3);
        failed.failed = Some(FailedAt {
            migration: Some("002_b".to_string()),
            file: Some("migrations/002_b.sql".to_string()),
            line: Some(4),
            code: "plan::apply::migration_failed".to_string(),
            sqlstate: Some("42P07".to_string()),
            message: "relation \"b\" already exists".to_string(),
            committed: false,
        });
        failed.applied = vec!["001_a".to_string()];
        check(
            vec![canary, failed, target("db2:5432/c", Outcome::NotReached)],
            "fleet tenants: 3 targets: 1 applied, 1 failed, 1 not reached\n\
             \x20 db1:5432/a   applied      canary; 2 migrations (001_a, 002_b) (12 ms)\n\
             \x20 db1:5432/bb  failed       at 002_b (migrations/002_b.sql:4): plan::apply::migration_failed: relation \"b\" already exists; applied before it: 1 migration (001_a) (3 ms)\n\
             \x20 db2:5432/c   not reached  the run stopped after a failure elsewhere\n",
        );
    }

    #[test]
    fn a_lagging_standby_fails_at_a_committed_migration_and_a_backup_is_named() {
        let mut lagged = target("db1:5432/a", Outcome::Failed);
        lagged.applied = vec!["001_a".to_string()];
        lagged.elapsed = Duration::from_millis(5);
        lagged.failed = Some(FailedAt {
            migration: Some("001_a".to_string()),
            file: Some("migrations/001_a.sql".to_string()),
            committed: true,
            ..FailedAt::of(
                &crate::engine::replica_wait::ReplicasBehind {
                    migration: "001_a".to_string(),
                    message: "standby behind".to_string(),
                    help: String::new(),
                },
                "standby behind".to_string(),
            )
        });
        lagged.backup = Some(TargetBackup {
            path: "/b/db1_5432_a/a.dump".to_string(),
            bytes: 1,
            archive_entries: 1,
            took_ms: 1,
            restore_command: "pg_restore".to_string(),
        });
        check(
            vec![lagged.clone()],
            "fleet tenants: 1 target: 1 failed\n\
             \x20 db1:5432/a  failed  at 001_a (migrations/001_a.sql): plan::apply::replica_lag: standby behind; applied: 1 migration (001_a); backup /b/db1_5432_a/a.dump (5 ms)\n",
        );
        let json: serde_json::Value = serde_json::from_str(
            &FleetReport {
                fleet: "f".to_string(),
                targets: vec![lagged],
            }
            .to_json(),
        )
        .expect("JSON");
        let failed = &json["targets"][0]["failed"];
        assert_eq!(
            (&failed["migration"], &failed["file"], &failed["committed"]),
            (
                &serde_json::json!("001_a"),
                &serde_json::json!("migrations/001_a.sql"),
                &serde_json::json!(true)
            )
        );
        assert_eq!(json["targets"][0]["backup"]["path"], "/b/db1_5432_a/a.dump");
    }

    #[test]
    fn every_target_up_to_date_is_success_and_totals_list_every_outcome() {
        let report = FleetReport {
            fleet: "f".to_string(),
            targets: vec![
                target("a", Outcome::UpToDate),
                target("b", Outcome::Applied),
            ],
        };
        assert!(report.all_up_to_date());
        assert_eq!(report.totals().len(), 7);
        let report = FleetReport {
            fleet: "f".to_string(),
            targets: vec![target("a", Outcome::Unreachable)],
        };
        assert!(!report.all_up_to_date());
    }
}
