//! The integration test binary: one process, one throwaway PostgreSQL cluster (started on first
//! use by `support::cluster`), a fresh database per test. Modules are grouped by library area.

mod apply;
mod concurrency;
mod connect;
mod rollback;
mod show;
mod support;
