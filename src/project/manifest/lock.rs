//! plan.yaml's `lock:` key: which lock keeps two runs on one database apart. `advisory` (the
//! default: PostgreSQL's session advisory lock) or `table` (a row in a table beside the
//! ledger, with an expiry that a heartbeat renews, for poolers and engines where advisory locks
//! do not hold). Written as a name or as `{mode: table, expire_after: 60s}`.
//!
//! Owns: the key's serde shape and its checks. Leaves to others: taking either lock (`db`),
//! choosing the table lock behind a pooler or proxy whatever this says (`db::session`).

use std::ops::Range;
use std::time::Duration;

use serde::Deserialize;

use super::locate::{locate, locate_value};
use super::model::{LockSetting, ManifestProblem};

/// `lock:` as written: a mode's name, or a mapping.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(super) enum RawLock {
    /// `lock: table`.
    Mode(String),
    /// `lock: {mode: table, expire_after: 60s}`.
    Settings(RawLockSettings),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawLockSettings {
    mode: Option<String>,
    expire_after: Option<String>,
}

/// The lock row's expiry when plan.yaml does not say: a third of it, 20 s, between heartbeats.
const DEFAULT_EXPIRE_AFTER: Duration = Duration::from_secs(60);

/// The shortest `expire_after`: the heartbeat runs every third of it, and a shorter one would
/// expire under a run whose heartbeat waits a moment for a busy server.
const SHORTEST_EXPIRE_AFTER: Duration = Duration::from_secs(3);

/// Reads `lock:`, pushing what is wrong with it onto `problems`. `duration` reads
/// `expire_after` as every duration of plan.yaml is read (`parse`'s `parse_duration`, passed
/// in because `parse` imports this file).
pub(super) fn read_lock(
    raw: RawLock,
    text: &str,
    problems: &mut Vec<ManifestProblem>,
    duration: fn(&str) -> Option<Duration>,
) -> Option<LockSetting> {
    let (mode, expire_after) = match raw {
        RawLock::Mode(mode) => (mode, None),
        RawLock::Settings(settings) => (
            settings.mode.unwrap_or_else(|| "table".to_string()),
            settings.expire_after,
        ),
    };
    let mode_span = || locate_value(text, &["lock"], mode.trim());
    match (mode.trim(), expire_after) {
        ("advisory", None) => Some(LockSetting::Advisory),
        ("advisory", Some(_)) => {
            problems.push(invalid(
                "`expire_after` is for `lock: {mode: table}`: an advisory lock ends with its session".to_string(),
                "leave `expire_after` out, or write `mode: table`",
                locate(text, &["lock", "expire_after"]),
            ));
            None
        }
        ("table", None) => Some(LockSetting::Table {
            expire_after: DEFAULT_EXPIRE_AFTER,
        }),
        ("table", Some(written)) => {
            let span = || locate_value(text, &["lock", "expire_after"], written.trim());
            match duration(&written) {
                Some(expire_after) if expire_after >= SHORTEST_EXPIRE_AFTER => {
                    Some(LockSetting::Table { expire_after })
                }
                Some(_) => {
                    problems.push(invalid(
                        format!("`expire_after: {written}` is shorter than 3s"),
                        "the lock is renewed every third of expire_after: write 3s or more (60s is the default)",
                        span(),
                    ));
                    None
                }
                None => {
                    problems.push(invalid(
                        format!("`{written}` is not a duration"),
                        "write a whole number with a unit: 30s, 2m",
                        span(),
                    ));
                    None
                }
            }
        }
        (other, _) => {
            problems.push(invalid(
                format!("`lock: {other}` names no lock plan takes"),
                "write `advisory` (the default) or `table`, or `{mode: table, expire_after: 60s}`",
                mode_span(),
            ));
            None
        }
    }
}

fn invalid(message: String, help: &str, span: Range<usize>) -> ManifestProblem {
    ManifestProblem::Invalid {
        message,
        help: help.to_string(),
        span,
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse::parse_duration;
    use super::*;

    /// plan.yaml `text` reads as `expect`: the setting, or the first problem's message.
    fn check(text: &str, expect: Result<LockSetting, &str>) {
        #[derive(Deserialize)]
        struct File {
            lock: RawLock,
        }
        let file: File = serde_yaml::from_str(text).expect("YAML");
        let mut problems = Vec::new();
        let read = read_lock(file.lock, text, &mut problems, parse_duration);
        let got = match (read, problems.first()) {
            (Some(setting), None) => Ok(setting),
            (_, Some(ManifestProblem::Invalid { message, .. })) => Err(message.as_str()),
            (other, problem) => panic!("unexpected {other:?} {problem:?}"),
        };
        assert_eq!(got, expect, "{text}");
    }

    #[test]
    fn a_mode_by_name_or_in_a_mapping() {
        let table = |seconds| LockSetting::Table {
            expire_after: Duration::from_secs(seconds),
        };
        check("lock: advisory\n", Ok(LockSetting::Advisory));
        check("lock: table\n", Ok(table(60)));
        check("lock: {mode: table, expire_after: 2m}\n", Ok(table(120)));
        check("lock:\n  mode: table\n  expire_after: 10s\n", Ok(table(10)));
        check("lock: {expire_after: 30s}\n", Ok(table(30)));
        check("lock: {mode: advisory}\n", Ok(LockSetting::Advisory));
    }

    #[test]
    fn unknown_modes_short_or_bad_durations_are_refused() {
        check("lock: row\n", Err("`lock: row` names no lock plan takes"));
        check(
            "lock: {mode: table, expire_after: 1s}\n",
            Err("`expire_after: 1s` is shorter than 3s"),
        );
        check(
            "lock: {mode: table, expire_after: soon}\n",
            Err("`soon` is not a duration"),
        );
        check(
            "lock: {mode: advisory, expire_after: 1m}\n",
            Err(
                "`expire_after` is for `lock: {mode: table}`: an advisory lock ends with its session",
            ),
        );
    }
}
