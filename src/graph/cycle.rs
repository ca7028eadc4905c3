//! Finding and explaining dependency cycles: each one is reported whole, every link pointing at
//! the header line or plan.yaml entry that declares it, so the user can pick which to remove.

use miette::{Diagnostic, SourceSpan};
use petgraph::Direction;
use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};

use crate::diagnostic::{SourceFile, to_source_span};
use crate::project::{MigrationId, Project};

/// A dependency cycle: the migrations in it, and each dependency that closes it.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("dependency cycle: {cycle}")]
#[diagnostic(
    code(plan::graph::cycle),
    help(
        "a migration cannot depend on itself through others: remove one of the dependencies above"
    )
)]
pub struct CycleProblem {
    cycle: String,
    #[related]
    links: Vec<CycleLink>,
}

/// A cycle is in the project's declared dependencies: invalid input.
impl crate::diagnostic::Classified for CycleProblem {
    fn class(&self) -> crate::diagnostic::ErrorClass {
        crate::diagnostic::ErrorClass::InvalidInput
    }
}

impl CycleProblem {
    /// The migrations of the cycle, as `a → b → a` (each depends on the next).
    pub fn cycle(&self) -> &str {
        &self.cycle
    }
}

/// One dependency of a cycle, where it is declared.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("{from} depends on {to}")]
#[diagnostic(code(plan::graph::cycle_link))]
pub(crate) struct CycleLink {
    from: String,
    to: String,
    #[source_code]
    file: SourceFile,
    #[label("{why}")]
    span: SourceSpan,
    why: &'static str,
}

/// Every cycle of `graph`, one per strongly connected component, in plan-file order. Why an
/// edge exists (its weight `E`) does not matter here, so this file needs nothing from `dag.rs`.
pub(super) fn find_cycles<E>(
    graph: &DiGraph<MigrationId, E>,
    project: &Project,
) -> Vec<CycleProblem> {
    let mut components: Vec<Vec<NodeIndex>> = tarjan_scc(graph)
        .into_iter()
        .filter(|component| component.len() > 1)
        .collect();
    for component in &mut components {
        component.sort();
    }
    components.sort();
    components
        .iter()
        .filter_map(|component| {
            let path = cycle_through(graph, component)?;
            Some(explain(graph, project, &path))
        })
        .collect()
}

/// The shortest cycle from the component's first node back to itself, following "depends on".
fn cycle_through<E>(
    graph: &DiGraph<MigrationId, E>,
    component: &[NodeIndex],
) -> Option<Vec<NodeIndex>> {
    let start = *component.first()?;
    let mut came_from: Vec<Option<NodeIndex>> = vec![None; graph.node_count()];
    let mut queue = std::collections::VecDeque::from([start]);
    while let Some(node) = queue.pop_front() {
        let mut dependencies: Vec<NodeIndex> = graph
            .neighbors_directed(node, Direction::Incoming)
            .filter(|next| component.binary_search(next).is_ok())
            .collect();
        dependencies.sort();
        for next in dependencies {
            if next == start {
                // Walk back from `node` to the start, then read the chain forwards: each
                // migration depends on the next, and the last depends on the first.
                let mut path = vec![node];
                let mut current = node;
                while current != start {
                    current = came_from[current.index()]?;
                    path.push(current);
                }
                path.reverse();
                path.push(start);
                return Some(path);
            }
            if came_from[next.index()].is_none() && next != start {
                came_from[next.index()] = Some(node);
                queue.push_back(next);
            }
        }
    }
    None
}

fn explain<E>(
    graph: &DiGraph<MigrationId, E>,
    project: &Project,
    path: &[NodeIndex],
) -> CycleProblem {
    let cycle = path
        .iter()
        .map(|node| graph[*node].as_str())
        .collect::<Vec<_>>()
        .join(" → ");
    let links = path
        .windows(2)
        .filter_map(|pair| {
            let (from, to) = (&graph[pair[0]], &graph[pair[1]]);
            let migration = project.migration(from)?;
            let declared = migration
                .dependencies()
                .unwrap_or_default()
                .iter()
                .find(|dependency| dependency.target == *to);
            Some(match declared {
                Some(dependency) => CycleLink {
                    from: from.to_string(),
                    to: to.to_string(),
                    file: dependency.origin.file.clone(),
                    span: dependency.origin.source_span(),
                    why: "declared here",
                },
                None => CycleLink {
                    from: from.to_string(),
                    to: to.to_string(),
                    file: migration.file().clone(),
                    span: to_source_span(&(0..0)),
                    why: "implied: plan.yaml sets order: sequential, so each migration follows the one before it",
                },
            })
        })
        .collect();
    CycleProblem { cycle, links }
}
