//! plan.yaml's shape as serde reads it: every key the file may hold, unknown ones refused, and
//! a step read as a mapping whose first key names its kind. What the values mean is checked in
//! `parse`.

use std::fmt;

use indexmap::IndexMap;
use serde::Deserialize;
use serde::de::{self, MapAccess, Visitor};

use super::fleets::RawFleet;
use super::lock::RawLock;
use super::model::{BackupPolicy, LintOnApply, OrderSetting, STEP_KINDS};
use super::replicas::RawWaitForReplicas;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawManifest {
    pub(super) migrations_dir: Option<String>,
    pub(super) layout: Option<String>,
    pub(super) tracking_table: Option<String>,
    pub(super) order: Option<OrderSetting>,
    pub(super) lock_timeout: Option<String>,
    pub(super) lock_retries: Option<u32>,
    pub(super) lock: Option<RawLock>,
    /// `Some(None)`: the key written with no value (the defaults).
    #[serde(default, deserialize_with = "present")]
    pub(super) wait_for_replicas: Option<Option<RawWaitForReplicas>>,
    pub(super) environments: Option<IndexMap<String, Option<RawEnvironment>>>,
    pub(super) lint: Option<RawLint>,
    pub(super) migrations: Option<IndexMap<String, Option<RawEntry>>>,
    pub(super) fleets: Option<IndexMap<String, Option<RawFleet>>>,
}

/// A key written with no value (`wait_for_replicas:`) as `Some(None)`, where a plain `Option`
/// would read it as absent.
fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: de::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawLint {
    pub(super) small_table_rows: Option<u64>,
    pub(super) on_apply: Option<LintOnApply>,
    pub(super) long_transaction: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawEnvironment {
    pub(super) backup: Option<BackupPolicy>,
    pub(super) confirm: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawEntry {
    pub(super) depends_on: Option<Vec<String>>,
    pub(super) requires: Option<RawRequires>,
    pub(super) environments: Option<Vec<String>>,
    pub(super) transaction: Option<bool>,
    pub(super) repeatable: Option<bool>,
    pub(super) steps: Option<Vec<RawStep>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRequires {
    pub(super) schemas: Option<Vec<String>>,
    pub(super) tables: Option<Vec<String>>,
    pub(super) columns: Option<Vec<String>>,
    pub(super) extensions: Option<Vec<String>>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(super) enum RawCommit {
    Transaction,
    Each,
}

/// A step: a mapping whose first key names its kind and whose other keys are its options.
#[derive(Debug)]
pub(super) struct RawStep {
    pub(super) kind: String,
    pub(super) value: RawStepValue,
    pub(super) options: IndexMap<String, String>,
    pub(super) commit: Option<RawCommit>,
}

#[derive(Debug)]
pub(super) enum RawStepValue {
    Text(String),
    List(Vec<String>),
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
