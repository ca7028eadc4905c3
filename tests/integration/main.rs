//! The integration test binary: one process, one throwaway PostgreSQL cluster (started on first
//! use by `support::cluster`), a fresh database per test. Modules are grouped by library area.

mod adopt;
mod apply;
mod architecture;
mod check;
mod check_schema;
mod check_schema_effects;
mod children;
mod cli_review;
mod concurrency;
mod connect;
mod diagnostics_layout;
mod docs_links;
mod embedding;
mod exactly_once;
mod global_options;
mod json_output;
mod lint;
mod lint_trace;
mod new;
mod production;
mod progress;
mod rollback;
mod rollback_partial;
mod schema;
mod scratch_keep;
mod shell;
mod show;
mod status_exit_code;
mod steps;
mod support;
mod target_environment;
mod trace;
mod verbose;
mod verify;
mod verify_rollbacks;
