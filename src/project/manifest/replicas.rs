//! plan.yaml's `wait_for_replicas:` key: after each migration commits, wait until every
//! streaming standby has replayed it, for at most `max_lag`. Written as
//! `wait_for_replicas: {max_lag: 10s}`; `wait_for_replicas: {}` takes the default bound.
//!
//! Owns: the key's serde shape and its checks (the setting, [`WaitForReplicas`], is `model`'s). Leaves to others: asking the server
//! (`db::replicas`) and the wait after each migration (`engine::replica_wait`).

use std::ops::Range;
use std::time::Duration;

use serde::Deserialize;

use super::locate::{locate, locate_value};
use super::model::{ManifestProblem, WaitForReplicas};

/// `wait_for_replicas:` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawWaitForReplicas {
    max_lag: Option<String>,
}

/// The bound when plan.yaml names none.
const DEFAULT_MAX_LAG: Duration = Duration::from_secs(10);

/// Reads `wait_for_replicas:` (`None` when written as an empty value: the defaults), pushing
/// what is wrong with it onto `problems`. `duration` reads `max_lag` as every duration of
/// plan.yaml is read (`parse`'s `parse_duration`, passed in because `parse` imports this file).
pub(super) fn read_wait_for_replicas(
    raw: Option<RawWaitForReplicas>,
    text: &str,
    problems: &mut Vec<ManifestProblem>,
    duration: fn(&str) -> Option<Duration>,
) -> Option<WaitForReplicas> {
    let Some(written) = raw.unwrap_or_default().max_lag else {
        return Some(WaitForReplicas {
            max_lag: DEFAULT_MAX_LAG,
        });
    };
    let span = || locate_value(text, &["wait_for_replicas", "max_lag"], written.trim());
    match duration(&written) {
        Some(max_lag) if !max_lag.is_zero() => Some(WaitForReplicas { max_lag }),
        Some(_) => {
            problems.push(invalid(
                format!(
                    "`max_lag: {}` leaves a standby no time to replay",
                    written.trim()
                ),
                "write how long a standby may take to replay a migration, e.g. 10s (the default)",
                span(),
            ));
            None
        }
        None => {
            problems.push(invalid(
                format!("`{}` is not a duration", written.trim()),
                "write a whole number with a unit: 10s, 2m",
                locate(text, &["wait_for_replicas", "max_lag"]),
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

    /// plan.yaml `text` reads as `expect`: the bound, or the first problem's message.
    fn check(text: &str, expect: Result<Duration, &str>) {
        #[derive(Deserialize)]
        struct File {
            wait_for_replicas: Option<RawWaitForReplicas>,
        }
        let file: File = serde_yaml::from_str(text).expect("YAML");
        let mut problems = Vec::new();
        let read =
            read_wait_for_replicas(file.wait_for_replicas, text, &mut problems, parse_duration);
        let got = match (read, problems.first()) {
            (Some(wait), None) => Ok(wait.max_lag),
            (_, Some(ManifestProblem::Invalid { message, .. })) => Err(message.as_str()),
            (other, problem) => panic!("unexpected {other:?} {problem:?}"),
        };
        assert_eq!(got, expect, "{text}");
    }

    #[test]
    fn a_bound_or_the_default() {
        check(
            "wait_for_replicas: {max_lag: 2s}\n",
            Ok(Duration::from_secs(2)),
        );
        check(
            "wait_for_replicas:\n  max_lag: 1m\n",
            Ok(Duration::from_secs(60)),
        );
        check("wait_for_replicas: {}\n", Ok(Duration::from_secs(10)));
        check("wait_for_replicas:\n", Ok(Duration::from_secs(10)));
    }

    #[test]
    fn zero_or_bad_bounds_are_refused() {
        check(
            "wait_for_replicas: {max_lag: 0s}\n",
            Err("`max_lag: 0s` leaves a standby no time to replay"),
        );
        check(
            "wait_for_replicas: {max_lag: soon}\n",
            Err("`soon` is not a duration"),
        );
    }
}
