//! `plan graph`: the dependency graph as Graphviz dot or Mermaid. Declared dependencies are solid
//! edges; dependencies implied by sequence order are dashed; dependencies the SQL implies and
//! nothing declares (`plan check`'s findings) are dotted.

use std::io::Write;

use clap::Args;

use super::Failure;
use super::{Format, Global};
use crate::graph::{EdgeKind, Graph};
use crate::project::MigrationId;

/// Arguments of `plan graph`.
#[derive(Debug, Args)]
pub(crate) struct GraphArgs {}

/// Runs `plan graph`.
pub(crate) fn run(_: GraphArgs, global: &Global, out: &mut dyn Write) -> Result<(), Failure> {
    let loaded = global.load()?;
    let graph = loaded.graph();
    let inferred: Vec<(&MigrationId, &MigrationId)> = loaded
        .inference()
        .problems()
        .map(|edge| (&edge.creator, &edge.user))
        .collect();
    let text = match global.format {
        Format::Mermaid => mermaid(graph, &inferred),
        _ => dot(graph, &inferred),
    };
    // A closed pipe is not worth an error.
    let _ = out.write_all(text.as_bytes());
    Ok(())
}

fn dot(graph: &Graph, inferred: &[(&MigrationId, &MigrationId)]) -> String {
    let mut text = String::from("digraph plan {\n    rankdir=LR;\n    node [shape=box];\n");
    for id in graph.order() {
        text.push_str(&format!("    {};\n", dot_quote(id.as_str())));
    }
    for (from, to, kind) in graph.edges() {
        let style = match kind {
            EdgeKind::Declared => "",
            EdgeKind::Sequence => " [style=dashed]",
        };
        text.push_str(&format!(
            "    {} -> {}{style};\n",
            dot_quote(from.as_str()),
            dot_quote(to.as_str())
        ));
    }
    for (from, to) in inferred {
        text.push_str(&format!(
            "    {} -> {} [style=dotted, label=\"inferred\"];\n",
            dot_quote(from.as_str()),
            dot_quote(to.as_str())
        ));
    }
    text.push_str("}\n");
    text
}

fn dot_quote(id: &str) -> String {
    format!("\"{}\"", id.replace('\\', "\\\\").replace('"', "\\\""))
}

fn mermaid(graph: &Graph, inferred: &[(&MigrationId, &MigrationId)]) -> String {
    // Mermaid node IDs must be simple; the migration ID goes in the label.
    let positions: indexmap::IndexMap<&MigrationId, usize> = graph
        .order()
        .iter()
        .enumerate()
        .map(|(position, id)| (id, position))
        .collect();
    let node = |id: &MigrationId| format!("m{}", positions.get(id).copied().unwrap_or_default());
    let mut text = String::from("flowchart LR\n");
    for (position, id) in graph.order().iter().enumerate() {
        text.push_str(&format!(
            "    m{position}[\"{}\"]\n",
            id.as_str().replace('"', "#quot;")
        ));
    }
    for (from, to, kind) in graph.edges() {
        let arrow = match kind {
            EdgeKind::Declared => "-->",
            EdgeKind::Sequence => "-.->",
        };
        text.push_str(&format!("    {} {arrow} {}\n", node(from), node(to)));
    }
    for (from, to) in inferred {
        text.push_str(&format!(
            "    {} -. inferred .-> {}\n",
            node(from),
            node(to)
        ));
    }
    text
}
