//! The steps a migration declares in plan.yaml, one file per kind: `sql`, `batch`, `assert`,
//! `command`, and `handler` (with the [`Handler`](handler::Handler) trait and registry for
//! steps written in Rust); `dispatch` runs a step that shares its migration's transaction by
//! its kind. Which transaction, and the phases of their own that `batch` with `commit: each`
//! and `command` steps get, are `phases`'.

pub(crate) mod assert;
pub(crate) mod batch;
pub(crate) mod command;
pub(crate) mod dispatch;
pub(crate) mod handler;
pub(crate) mod sql;
