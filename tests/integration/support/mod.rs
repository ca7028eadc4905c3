//! Shared test support: the per-binary cluster and per-test databases (`cluster`), TLS
//! certificates made on the fly (`tls`), and a fake environment for resolving settings
//! without touching the process environment (`environment`).

pub(crate) mod cluster;
pub(crate) mod environment;
pub(crate) mod tls;
