//! The dependency graph itself: [`Graph`] built from a [`Project`], its ordering [`OrderMode`] and
//! why, its deterministic order, and the walks over it (direct dependencies and dependents, the
//! `--to` closure, what a rollback takes along).
//!
//! Ordering is Kahn's algorithm taking, among the migrations whose dependencies are all placed,
//! the one that sorts first by numeric version then ID. petgraph's own toposort promises an order,
//! not *the* order; users diff `plan show` output and expect identical input to give identical
//! bytes, so the tie-break is ours.
//!
//! Repeatable migrations stand outside the sequence: no implied edge leads to or from one, and
//! they come after every versioned migration in plan order. That follows from the tie-break
//! (the project lists them last, so they have the largest node indices) together with the rule
//! that no versioned migration may depend on a repeatable one (`project` refuses that): while
//! a versioned migration is left, one of them is ready and has a smaller index.
//!
//! Leaves to others: explaining a cycle (`cycle.rs`) and checking environments along the
//! edges (`environments.rs`).

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::hash::BuildHasherDefault;

use indexmap::{IndexMap, IndexSet};
use petgraph::Direction;
use petgraph::graph::{DiGraph, NodeIndex};
use rustc_hash::FxHasher;

use super::cycle::{self, CycleProblem};
use crate::project::{Layout, Migration, MigrationId, OrderSetting, Project};

/// How migrations without declared dependencies are ordered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OrderMode {
    /// Each migration depends on the one before it, as numbered folders mean.
    Sequence,
    /// Only declared dependencies count; a migration declaring none is a root.
    Graph,
}

/// Why the graph is in its mode, for `plan show` to say.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OrderModeReason {
    /// No migration declares dependencies.
    NothingDeclared,
    /// This migration declares dependencies (the first one that does, in version order).
    DeclaredBy {
        /// The migration.
        id: MigrationId,
        /// Where, as `file:line`.
        location: String,
    },
    /// plan.yaml's `order:` forces the mode.
    Forced,
    /// The layout's plan file orders the migrations (Sqitch's `sqitch.plan`).
    PlanFile,
}

/// Why one migration depends on another.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EdgeKind {
    /// Declared in a header or plan.yaml.
    Declared,
    /// Implied by sequence order.
    Sequence,
}

/// The dependency graph, ordered.
#[derive(Debug)]
pub struct Graph {
    graph: DiGraph<MigrationId, EdgeKind>,
    /// Each migration's node, by ID: looked up for every migration shown, hashed with FxHash
    /// (SipHash's resistance to chosen keys buys nothing for the project's own IDs). Never
    /// iterated for output.
    nodes: IndexMap<MigrationId, NodeIndex, BuildHasherDefault<FxHasher>>,
    /// How many nodes are versioned migrations: those are the first ones, as the project
    /// lists repeatable migrations last.
    versioned: usize,
    order: Vec<MigrationId>,
    /// Plan position of each node, indexed by node index.
    positions: Vec<usize>,
    mode: OrderMode,
    reason: OrderModeReason,
}

impl Graph {
    /// Builds and orders the graph of `project`. Fails with every dependency cycle found.
    pub fn build(project: &Project) -> Result<Graph, Vec<CycleProblem>> {
        let (mode, reason) = mode_of(project);
        let mut graph = DiGraph::new();
        let mut nodes: IndexMap<MigrationId, NodeIndex, BuildHasherDefault<FxHasher>> =
            IndexMap::default();
        nodes.reserve(project.migrations().len());
        for migration in project.migrations() {
            let node = graph.add_node(migration.id().clone());
            nodes.insert(migration.id().clone(), node);
        }
        let mut previous: Option<NodeIndex> = None;
        for migration in project.migrations() {
            let node = nodes[migration.id()];
            // A repeatable migration is no link of the chain: rolling back the last versioned
            // migration must not need it rolled back, nor a later versioned one wait for it.
            if mode == OrderMode::Sequence && !migration.is_repeatable() {
                if let Some(before) = previous {
                    graph.update_edge(before, node, EdgeKind::Sequence);
                }
                previous = Some(node);
            }
            for dependency in migration.dependencies().unwrap_or_default() {
                if let Some(&target) = nodes.get(&dependency.target) {
                    // A declared edge wins over an implied one between the same pair.
                    graph.update_edge(target, node, EdgeKind::Declared);
                }
            }
        }
        let order = kahn_order(&graph);
        if order.len() < graph.node_count() {
            return Err(cycle::find_cycles(&graph, project));
        }
        let mut positions = vec![0; graph.node_count()];
        for (position, node) in order.iter().enumerate() {
            positions[node.index()] = position;
        }
        Ok(Graph {
            versioned: project
                .migrations()
                .filter(|migration| !migration.is_repeatable())
                .count(),
            positions,
            order: order.into_iter().map(|node| graph[node].clone()).collect(),
            graph,
            nodes,
            mode,
            reason,
        })
    }

    /// Every migration in plan order.
    pub fn order(&self) -> &[MigrationId] {
        &self.order
    }

    /// The index of each migration in plan order, as [`Project::migrations`] numbers them (a
    /// node's index is its migration's: the graph adds them in the project's order): a walk
    /// in plan order reads each migration, script and node by number, without hashing its ID.
    pub(crate) fn plan_indices(&self) -> Vec<usize> {
        let mut indices = vec![0; self.positions.len()];
        for (node, &position) in self.positions.iter().enumerate() {
            if let Some(slot) = indices.get_mut(position) {
                *slot = node;
            }
        }
        indices
    }

    /// The index [`Graph::plan_indices`] numbers `id` by.
    pub(crate) fn index_of(&self, id: &MigrationId) -> Option<usize> {
        self.nodes.get(id).map(|node| node.index())
    }

    /// [`Graph::dependencies_of`] the migration numbered `index` ([`Graph::plan_indices`]).
    pub(crate) fn dependencies_at(&self, index: usize) -> Vec<(&MigrationId, EdgeKind)> {
        if index >= self.graph.node_count() {
            return Vec::new();
        }
        self.neighbours_of(NodeIndex::new(index), Direction::Incoming)
    }

    /// The ordering mode in force.
    pub fn mode(&self) -> &OrderMode {
        &self.mode
    }

    /// Why that mode is in force.
    pub fn mode_reason(&self) -> &OrderModeReason {
        &self.reason
    }

    /// The direct dependencies of `id` that the plan honours (declared and implied), in plan
    /// order.
    pub fn dependencies_of(&self, id: &MigrationId) -> Vec<(&MigrationId, EdgeKind)> {
        self.neighbours(id, Direction::Incoming)
    }

    /// The migrations that depend directly on `id`, in plan order.
    pub fn dependents_of(&self, id: &MigrationId) -> Vec<(&MigrationId, EdgeKind)> {
        self.neighbours(id, Direction::Outgoing)
    }

    /// `target` and everything it depends on, transitively, in plan order: what `--to` selects.
    pub fn closure(&self, target: &MigrationId) -> Vec<&MigrationId> {
        self.reachable(target, Direction::Incoming)
    }

    /// `id` and everything that depends on it, transitively, in plan order: what rolling back
    /// `id` must also roll back.
    pub fn dependents_closure(&self, id: &MigrationId) -> Vec<&MigrationId> {
        self.reachable(id, Direction::Outgoing)
    }

    /// Whether `dependent` depends on `dependency`, directly or through others, along the
    /// edges the plan honours (declared and implied). Edges go forward in plan order, so only
    /// migrations placed between the two are searched; in a sequence, any earlier migration
    /// is reached along the chain without a search.
    pub fn depends_on(&self, dependent: &MigrationId, dependency: &MigrationId) -> bool {
        let (Some(&to), Some(&from)) = (self.nodes.get(dependent), self.nodes.get(dependency))
        else {
            return false;
        };
        let floor = self.positions[from.index()];
        if floor >= self.positions[to.index()] {
            return false;
        }
        // Nodes are added in the project's (version, ID) order, which the sequence chains
        // (versioned migrations only: a repeatable one is no link of the chain).
        if self.mode == OrderMode::Sequence
            && from.index() < to.index()
            && to.index() < self.versioned
        {
            return true;
        }
        // Most uses are of a direct dependency's objects: no search for those.
        if self.graph.find_edge(from, to).is_some() {
            return true;
        }
        let mut seen = IndexSet::new();
        let mut stack = vec![to];
        while let Some(current) = stack.pop() {
            if current == from {
                return true;
            }
            if seen.insert(current) {
                stack.extend(
                    self.graph
                        .neighbors_directed(current, Direction::Incoming)
                        .filter(|node| self.positions[node.index()] >= floor),
                );
            }
        }
        false
    }

    /// The position of `id` in plan order (from 0), if it is in the graph.
    pub fn position_of(&self, id: &MigrationId) -> Option<usize> {
        self.nodes.get(id).map(|node| self.positions[node.index()])
    }

    /// Every edge as (dependency, dependent, kind), sorted by the dependent's then the
    /// dependency's plan position.
    pub fn edges(&self) -> Vec<(&MigrationId, &MigrationId, EdgeKind)> {
        let mut edges: Vec<(usize, usize, &MigrationId, &MigrationId, EdgeKind)> = self
            .graph
            .edge_indices()
            .filter_map(|edge| {
                let (from, to) = self.graph.edge_endpoints(edge)?;
                let (from_id, to_id) = (&self.graph[from], &self.graph[to]);
                Some((
                    self.position(to_id),
                    self.position(from_id),
                    from_id,
                    to_id,
                    self.graph[edge],
                ))
            })
            .collect();
        edges.sort_by_key(|edge| (edge.0, edge.1));
        edges
            .into_iter()
            .map(|(_, _, from, to, kind)| (from, to, kind))
            .collect()
    }

    fn position(&self, id: &MigrationId) -> usize {
        self.nodes
            .get(id)
            .map_or(usize::MAX, |node| self.positions[node.index()])
    }

    fn neighbours(&self, id: &MigrationId, direction: Direction) -> Vec<(&MigrationId, EdgeKind)> {
        match self.nodes.get(id) {
            Some(&node) => self.neighbours_of(node, direction),
            None => Vec::new(),
        }
    }

    fn neighbours_of(
        &self,
        node: NodeIndex,
        direction: Direction,
    ) -> Vec<(&MigrationId, EdgeKind)> {
        // Sorted by each node's position, read by its index rather than looked up by its ID.
        let mut found: Vec<(NodeIndex, EdgeKind)> = self
            .graph
            .edges_directed(node, direction)
            .map(|edge| {
                let other = match direction {
                    Direction::Incoming => petgraph::visit::EdgeRef::source(&edge),
                    Direction::Outgoing => petgraph::visit::EdgeRef::target(&edge),
                };
                (other, *edge.weight())
            })
            .collect();
        found.sort_by_key(|(other, _)| self.positions[other.index()]);
        found
            .into_iter()
            .map(|(other, kind)| (&self.graph[other], kind))
            .collect()
    }

    fn reachable(&self, start: &MigrationId, direction: Direction) -> Vec<&MigrationId> {
        let Some(&node) = self.nodes.get(start) else {
            return Vec::new();
        };
        let mut seen = IndexSet::new();
        let mut stack = vec![node];
        while let Some(current) = stack.pop() {
            if seen.insert(current) {
                stack.extend(self.graph.neighbors_directed(current, direction));
            }
        }
        let mut reached: Vec<NodeIndex> = seen.into_iter().collect();
        reached.sort_by_key(|node| self.positions[node.index()]);
        reached.into_iter().map(|node| &self.graph[node]).collect()
    }
}

fn mode_of(project: &Project) -> (OrderMode, OrderModeReason) {
    match project.manifest().order() {
        OrderSetting::Sequential => (OrderMode::Sequence, OrderModeReason::Forced),
        OrderSetting::Graph => (OrderMode::Graph, OrderModeReason::Forced),
        // Sqitch deploys its plan in order, and reverts in reverse: a sequence, whatever the
        // `[requires]` also say.
        OrderSetting::Auto if project.layout().layout == Layout::Sqitch => {
            (OrderMode::Sequence, OrderModeReason::PlanFile)
        }
        OrderSetting::Auto => {
            // Name a migration that lists a dependency when there is one: "001 declares none"
            // explains less than "002 depends on 001". A repeatable migration's dependencies
            // do not turn the versioned ones into a graph: it is outside the sequence anyway.
            let versioned = || {
                project
                    .migrations()
                    .filter(|migration| !migration.is_repeatable())
            };
            let declaring = versioned()
                .find(|migration| {
                    migration
                        .dependencies()
                        .is_some_and(|list| !list.is_empty())
                })
                .or_else(|| versioned().find(|migration| migration.dependencies().is_some()));
            match declaring {
                None => (OrderMode::Sequence, OrderModeReason::NothingDeclared),
                Some(migration) => (
                    OrderMode::Graph,
                    OrderModeReason::DeclaredBy {
                        id: migration.id().clone(),
                        location: declaration_location(migration),
                    },
                ),
            }
        }
    }
}

fn declaration_location(migration: &Migration) -> String {
    match migration.dependencies().and_then(|list| list.first()) {
        Some(dependency) => dependency.origin.location(),
        None => migration.file().name().to_string(),
    }
}

/// Kahn's algorithm with a min-heap on node index. Nodes are added in the project's
/// (version, ID) order, repeatable migrations last, so the smallest index is the smallest
/// version then ID, and a repeatable migration is taken only once no versioned one is ready.
fn kahn_order(graph: &DiGraph<MigrationId, EdgeKind>) -> Vec<NodeIndex> {
    let mut waiting: Vec<usize> = graph
        .node_indices()
        .map(|node| graph.neighbors_directed(node, Direction::Incoming).count())
        .collect();
    let mut ready: BinaryHeap<Reverse<NodeIndex>> = graph
        .node_indices()
        .filter(|node| waiting[node.index()] == 0)
        .map(Reverse)
        .collect();
    let mut order = Vec::with_capacity(graph.node_count());
    while let Some(Reverse(node)) = ready.pop() {
        order.push(node);
        for next in graph.neighbors_directed(node, Direction::Outgoing) {
            waiting[next.index()] -= 1;
            if waiting[next.index()] == 0 {
                ready.push(Reverse(next));
            }
        }
    }
    order
}
