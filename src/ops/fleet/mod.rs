//! One plan over many databases (docs/fleets.md): `plan apply --fleet NAME` / `--targets FILE`,
//! `plan status --fleet NAME`, `plan check-schema --fleet NAME` and `plan lint --fleet NAME`. Each
//! target is one database, applied with the engine's single-database apply in a thread of its own,
//! with its own connection, lock and ledger. A target is a database, or a schema in one
//! (`schemas:`).
//!
//! - `targets`: the list of targets: plan.yaml's `fleets:` (its databases, its `query:` on a
//!   control database, its `schemas:` as targets) or a `--targets` file, `${VAR}` expanded,
//!   each named `host:port/db[/schema]` without secrets.
//! - `workers`: at most N threads working through a list.
//! - `run`: the canary group, then the rest in parallel; `on_error: stop` or `continue`.
//! - `safeguards`: each target's environment, confirmation and backup, from its own ledger.
//! - `report`: each target's outcome and the fleet's totals, as text and JSON.
//! - `status`: one line per target: up to date, pending, failed at, unreachable.
//! - `check`: `check-schema --fleet`: each target's unmet prerequisites, missing objects, drift.
//! - `lint`: `lint --fleet`: each target's pending migrations judged against its own catalog.
//! - `ledgers`: the ledgers of many schemas of one database, read over one connection.

pub(crate) mod check;
pub(crate) mod ledgers;
pub(crate) mod lint;
pub(crate) mod report;
pub(crate) mod run;
pub(crate) mod safeguards;
pub(crate) mod status;
pub(crate) mod targets;
pub(crate) mod workers;

pub(crate) use check::check_fleet;
pub(crate) use lint::{FleetLintRequest, TargetLint, TargetLinted, lint_fleet};
pub(crate) use run::{FleetEvent, FleetOptions, Happened, apply_fleet};
pub(crate) use safeguards::FleetSafeguards;
pub(crate) use status::fleet_status;
pub(crate) use targets::{FleetTarget, TargetsProblem, file_targets, fleet_targets};
