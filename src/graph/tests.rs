//! Ordering, closures and cycles, checked on small projects written to temporary folders.

use super::*;
use crate::project::{self, MigrationId};
use crate::testing::project_dir;

/// Loads the project made of `files`, asserting it is valid, and builds its graph.
fn expect_graph(files: &[(&str, &str)]) -> (Graph, tempfile::TempDir) {
    let dir = project_dir(files);
    let project = match project::load(dir.path()) {
        Ok(project) => project,
        Err(invalid) => panic!("expected a valid project: {invalid:?}"),
    };
    match Graph::build(&project) {
        Ok(graph) => (graph, dir),
        Err(cycles) => panic!("expected no cycle: {cycles:?}"),
    }
}

/// Loads the project, asserting its graph has cycles, and lists them.
fn expect_cycles(files: &[(&str, &str)]) -> Vec<String> {
    let dir = project_dir(files);
    let project = project::load(dir.path()).expect("a valid project");
    match Graph::build(&project) {
        Ok(graph) => panic!("expected a cycle, got order {:?}", graph.order()),
        Err(cycles) => cycles
            .iter()
            .map(|cycle| cycle.cycle().to_string())
            .collect(),
    }
}

fn order(graph: &Graph) -> Vec<&str> {
    graph.order().iter().map(MigrationId::as_str).collect()
}

fn closure<'a>(graph: &'a Graph, target: &str) -> Vec<&'a str> {
    graph
        .closure(&MigrationId::new(target))
        .into_iter()
        .map(MigrationId::as_str)
        .collect()
}

#[test]
fn a_folder_without_declarations_is_a_sequence_in_numeric_order() {
    let (graph, _dir) = expect_graph(&[
        ("migrations/10_c.sql", "SELECT 10;"),
        ("migrations/9_b.sql", "SELECT 9;"),
        ("migrations/002_a.sql", "SELECT 2;"),
    ]);
    assert_eq!(graph.mode(), &OrderMode::Sequence);
    assert_eq!(graph.mode_reason(), &OrderModeReason::NothingDeclared);
    assert_eq!(order(&graph), ["002_a", "9_b", "10_c"]);
    assert_eq!(closure(&graph, "9_b"), ["002_a", "9_b"]);
}

#[test]
fn declared_dependencies_order_a_lower_number_after_a_higher_one() {
    let (graph, _dir) = expect_graph(&[
        ("migrations/001_base.sql", "-- depends: none\nSELECT 1;"),
        (
            "migrations/002_needs_five.sql",
            "-- depends: 005\nSELECT 2;",
        ),
        ("migrations/003_branch_a.sql", "-- depends: 001\nSELECT 3;"),
        ("migrations/004_branch_b.sql", "-- depends: 001\nSELECT 4;"),
        (
            "migrations/005_top.sql",
            "-- depends: 003_branch_a.sql\nSELECT 5;",
        ),
    ]);
    assert_eq!(graph.mode(), &OrderMode::Graph);
    assert_eq!(
        order(&graph),
        [
            "001_base",
            "003_branch_a",
            "004_branch_b",
            "005_top",
            "002_needs_five"
        ]
    );
    assert_eq!(
        closure(&graph, "002"),
        [] as [&str; 0],
        "closure takes IDs; the CLI resolves versions first"
    );
    assert_eq!(
        closure(&graph, "002_needs_five"),
        ["001_base", "003_branch_a", "005_top", "002_needs_five"]
    );
    assert_eq!(
        closure(&graph, "004_branch_b"),
        ["001_base", "004_branch_b"]
    );
    let dependents: Vec<&str> = graph
        .dependents_closure(&MigrationId::new("003_branch_a"))
        .into_iter()
        .map(MigrationId::as_str)
        .collect();
    assert_eq!(dependents, ["003_branch_a", "005_top", "002_needs_five"]);
}

#[test]
fn undeclared_migrations_in_a_graph_are_roots_and_ties_break_by_version_then_id() {
    let (graph, _dir) = expect_graph(&[
        ("migrations/003_b.sql", "SELECT 1;"),
        ("migrations/003_a.sql", "SELECT 1;"),
        ("migrations/1_x.sql", "-- depends: 003_b\nSELECT 1;"),
        ("migrations/init.sql", "SELECT 1;"),
    ]);
    assert_eq!(order(&graph), ["003_a", "003_b", "1_x", "init"]);
}

#[test]
fn order_sequential_keeps_declared_edges_too() {
    let (graph, _dir) = expect_graph(&[
        ("plan.yaml", "order: sequential\n"),
        ("migrations/001_a.sql", "SELECT 1;"),
        ("migrations/002_b.sql", "-- depends: 001\nSELECT 1;"),
        ("migrations/003_c.sql", "SELECT 1;"),
    ]);
    assert_eq!(graph.mode(), &OrderMode::Sequence);
    assert_eq!(graph.mode_reason(), &OrderModeReason::Forced);
    assert_eq!(closure(&graph, "003_c"), ["001_a", "002_b", "003_c"]);
}

#[test]
fn every_cycle_is_reported_whole() {
    let cycles = expect_cycles(&[
        ("migrations/001_a.sql", "-- depends: 003\nSELECT 1;"),
        ("migrations/002_b.sql", "-- depends: 001\nSELECT 1;"),
        ("migrations/003_c.sql", "-- depends: 002\nSELECT 1;"),
        ("migrations/004_d.sql", "-- depends: 005\nSELECT 1;"),
        ("migrations/005_e.sql", "-- depends: 004\nSELECT 1;"),
        ("migrations/006_f.sql", "-- depends: 005\nSELECT 1;"),
    ]);
    assert_eq!(
        cycles,
        ["001_a → 003_c → 002_b → 001_a", "004_d → 005_e → 004_d"]
    );
}

#[test]
fn a_declared_dependency_on_a_later_migration_cycles_in_a_forced_sequence() {
    let cycles = expect_cycles(&[
        ("plan.yaml", "order: sequential\n"),
        ("migrations/001_a.sql", "-- depends: 002\nSELECT 1;"),
        ("migrations/002_b.sql", "SELECT 1;"),
    ]);
    assert_eq!(cycles, ["001_a → 002_b → 001_a"]);
}

#[test]
fn the_same_project_orders_identically_every_time() {
    let files: Vec<(String, String)> = (1..=60)
        .map(|n| {
            let dependency = if n > 3 {
                format!("-- depends: {:03}, {:03}\n", n / 2, n / 3)
            } else {
                String::new()
            };
            (
                format!("migrations/{n:03}_m.sql"),
                format!("{dependency}SELECT {n};"),
            )
        })
        .collect();
    let borrowed: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let (first, _a) = expect_graph(&borrowed);
    for _ in 0..5 {
        let (again, _b) = expect_graph(&borrowed);
        assert_eq!(order(&first), order(&again));
    }
}

fn dependents<'a>(graph: &'a Graph, id: &str) -> Vec<&'a str> {
    graph
        .dependents_closure(&MigrationId::new(id))
        .into_iter()
        .map(MigrationId::as_str)
        .collect()
}

#[test]
fn repeatables_come_after_every_versioned_migration_and_no_sequence_chains_through_them() {
    let (graph, _dir) = expect_graph(&[
        ("migrations/R__views.sql", "SELECT 'views';"),
        ("migrations/001_a.sql", "SELECT 1;"),
        ("migrations/002_b.sql", "SELECT 2;"),
        ("migrations/R__grants.sql", "SELECT 'grants';"),
        ("migrations/003_c.sql", "SELECT 3;"),
    ]);
    assert_eq!(graph.mode(), &OrderMode::Sequence);
    assert_eq!(
        order(&graph),
        ["001_a", "002_b", "003_c", "R__grants", "R__views"]
    );
    // Nothing chains onto a repeatable, and it chains onto nothing.
    assert_eq!(dependents(&graph, "003_c"), ["003_c"]);
    assert_eq!(closure(&graph, "R__views"), ["R__views"]);
    let id = MigrationId::new;
    assert!(!graph.depends_on(&id("R__views"), &id("001_a")));
    assert!(graph.depends_on(&id("003_c"), &id("001_a")));
}

#[test]
fn a_repeatables_dependency_is_honoured_and_leaves_the_versioned_sequence_as_it_is() {
    let (graph, _dir) = expect_graph(&[
        ("migrations/001_a.sql", "SELECT 1;"),
        ("migrations/002_b.sql", "SELECT 2;"),
        ("migrations/003_c.sql", "SELECT 3;"),
        (
            "migrations/R__views.sql",
            "-- depends: 002\nSELECT 'views';",
        ),
    ]);
    assert_eq!(graph.mode(), &OrderMode::Sequence);
    assert_eq!(order(&graph), ["001_a", "002_b", "003_c", "R__views"]);
    assert_eq!(closure(&graph, "R__views"), ["001_a", "002_b", "R__views"]);
    assert_eq!(dependents(&graph, "002_b"), ["002_b", "003_c", "R__views"]);
    let id = MigrationId::new;
    assert!(graph.depends_on(&id("R__views"), &id("001_a")));
    assert!(!graph.depends_on(&id("R__views"), &id("003_c")));
}

#[test]
fn in_a_graph_a_repeatable_root_still_comes_after_every_versioned_migration() {
    // 002 waits for 005, so a versioned migration is placed after a point where the ready
    // repeatable could have been taken by an order that did not prefer versioned ones.
    let (graph, _dir) = expect_graph(&[
        ("migrations/001_a.sql", "-- depends: none\nSELECT 1;"),
        ("migrations/002_b.sql", "-- depends: 005\nSELECT 2;"),
        ("migrations/005_e.sql", "-- depends: 001\nSELECT 5;"),
        ("migrations/R__a.sql", "SELECT 'a';"),
        ("migrations/R__b.sql", "-- depends: 001\nSELECT 'b';"),
    ]);
    assert_eq!(graph.mode(), &OrderMode::Graph);
    assert_eq!(order(&graph), ["001_a", "005_e", "002_b", "R__a", "R__b"]);
}
