//! Shared test support: the per-binary cluster and per-test databases (`cluster`), TLS
//! certificates made on the fly (`tls`), a fake environment for resolving settings
//! without touching the process environment (`environment`), and project folders with runs of
//! the `plan` binary against a test database (`project`), and a primary with a streaming
//! standby (`replica`).

pub(crate) mod cluster;
pub(crate) mod environment;
pub(crate) mod project;
pub(crate) mod replica;
pub(crate) mod tls;
