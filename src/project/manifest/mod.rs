//! Reads `plan.yaml`, the optional project file, into a [`Manifest`]. The only module that uses
//! `serde_yaml`.
//!
//! serde_yaml reports where a syntax or type error is, but keeps no positions for values that
//! parse fine. Problems found after parsing (an unknown dependency, a missing step file) still
//! need a line, so `locate` finds a key path in the text by indentation. It understands the
//! block style that plan.yaml files are written in, and falls back to the nearest enclosing key.
//!
//! - `model`: [`Manifest`] and what it holds; [`ManifestProblem`].
//! - `parse`: plan.yaml's text to a checked [`Manifest`].
//! - `raw`: the file's shape as serde reads it.
//! - `errors`: serde_yaml's errors as problems.
//! - `duplicates`: both places of a repeated key.
//! - `locate`: where a key or value is in the text.
//! - `lock`: reading the `lock:` key into a [`LockSetting`].
//! - `replicas`: the `wait_for_replicas:` key ([`WaitForReplicas`]).
//! - `fleets`: the `fleets:` key: databases one run applies the plan to ([`Fleet`]).

mod duplicates;
mod errors;
mod fleets;
mod locate;
mod lock;
mod model;
mod parse;
mod raw;
mod replicas;

pub(crate) use fleets::{Fleet, OnError};
pub(crate) use locate::locate_value;
pub(crate) use model::{
    BackupPolicy, DEFAULT_MAX_BATCHES, Environment, LockSetting, MANIFEST_FILE, Manifest,
    OrderSetting, TrackingTable, WaitForReplicas,
};
pub(crate) use model::{Entry, LintOnApply, ManifestProblem, STEP_KINDS, StepSpecKind};
