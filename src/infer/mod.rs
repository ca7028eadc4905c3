//! Inferred dependencies: what the SQL says a migration needs, checked against what its
//! headers and plan.yaml declare. Walking the plan in order, an object a migration uses that
//! another migration creates implies an edge creator → user (`walk::InferredEdge`); when the
//! declared graph does not already imply it, that is a problem ([`DependencyProblem`]):
//! a missing dependency, or a use before the creation when the creator comes later.
//!
//! - `walk.rs`: the walk ([`infer`]) and what it finds ([`Inference`]).
//! - `declare.rs`: the exact header (or plan.yaml) text that declares a missing dependency in
//!   the project's own style (`declare::Declaration`), shown in the problem and written by
//!   `plan check --fix`.
//! - `problem.rs`: the diagnostics, `plan::graph::missing_dependency` and
//!   `plan::graph::used_before_created`.
//!
//! Its own layer, between `load` and `graph`/`sql`: it needs both, and they never meet.

mod declare;
mod problem;
mod walk;

pub(crate) use declare::{Edit, declaration};
pub(crate) use problem::DependencyProblem;
pub(crate) use walk::{Inference, Standing, infer};
