//! A Sqitch project read as it is, without a database: its `sqitch.plan`
//! ([`parse_plan`]), its `sqitch.conf` ([`read_config`]) and where each change's scripts are
//! ([`script_paths`]). Sqitch's behaviour is ported from its source (sqitchers/sqitch,
//! lib/App/Sqitch/Plan.pm and friends), cited where each rule lives.
//!
//! - `model`: [`SqitchPlan`], its changes, tags and references, and `SqitchProblem`.
//! - `plan`: the plan file, line after line; `line`: one line taken apart; `name`: Sqitch's
//!   rules for names and timestamps; `resolve`: what each `[...]` entry names.
//! - `config`: `sqitch.conf` and script paths.

mod config;
mod line;
mod model;
mod name;
mod plan;
mod resolve;

pub(crate) use config::{SqitchConfig, read_config, script_paths};
pub(crate) use model::{SqitchChange, SqitchPlan, SqitchReference};
pub(crate) use plan::parse_plan;

#[cfg(test)]
mod tests;
