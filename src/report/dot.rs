//! The model as a Graphviz DOT graph, for `outage graph`.
//!
//! Sites are clusters holding their rooms and everything that stands in
//! them; each kind of element has its own shape; edges say what flows:
//! power (solid), cooling (blue, dashed), network (dotted), a pool running a
//! service (grey), hard dependencies (bold red), soft ones (orange, dashed),
//! a deployment's own needs (purple). petgraph's DOT writer has no clusters,
//! so the text is written here; names are quoted and escaped.

use std::fmt::Write as _;

use crate::model::{ComponentId, ComponentKind, Model, Relation, RoomKind};

/// A DOT identifier for a name: quoted, with `"` and `\` escaped.
fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

fn shape(kind: ComponentKind) -> &'static str {
    match kind {
        ComponentKind::Site => "folder",
        ComponentKind::Room(RoomKind::DataHall) => "box3d",
        ComponentKind::Room(_) => "box",
        ComponentKind::Utility => "invhouse",
        ComponentKind::Generator => "octagon",
        ComponentKind::Ups => "cylinder",
        ComponentKind::Switchboard => "square",
        ComponentKind::Cooling => "hexagon",
        ComponentKind::Pool => "tab",
        ComponentKind::Service => "ellipse",
        ComponentKind::Link => "cds",
    }
}

fn edge_style(r: Relation) -> Option<&'static str> {
    Some(match r {
        // Containment is what the clusters show.
        Relation::Contains => return None,
        Relation::Powers => "color=black",
        Relation::BackedUpBy => "color=black, style=dashed, arrowhead=empty",
        Relation::Cools => "color=blue, style=dashed",
        Relation::Connects => "color=darkgreen, style=dotted",
        Relation::Runs => "color=grey40",
        Relation::HardDependency => "color=red, penwidth=2",
        Relation::SoftDependency => "color=orange, style=dashed",
        Relation::DeploymentNeeds => "color=purple, style=dashed",
    })
}

/// The site a component stands in, if any.
fn site_of(model: &Model, mut c: ComponentId) -> Option<ComponentId> {
    for _ in 0..4 {
        let comp = model.component(c);
        if comp.kind() == ComponentKind::Site {
            return Some(c);
        }
        c = comp.container()?;
    }
    None
}

/// The model as DOT: sites as clusters, kinds by shape, relations by style.
/// `highlight` names elements to draw in red (single points of failure).
pub fn to_dot(model: &Model, name: &str, highlight: &[ComponentId]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "digraph {} {{", quote(name));
    let _ = writeln!(out, "  rankdir=LR;\n  node [fontname=\"Helvetica\", fontsize=10];\n  edge [arrowsize=0.6];");
    let node = |out: &mut String, c: ComponentId, indent: &str| {
        let comp = model.component(c);
        let extra = if highlight.contains(&c) { ", color=red, penwidth=3" } else { "" };
        let _ = writeln!(
            out,
            "{indent}{} [shape={}, tooltip={}{extra}];",
            quote(comp.name()),
            shape(comp.kind()),
            quote(comp.kind().noun())
        );
    };
    let all: Vec<ComponentId> = (0..model.components().len() as u32).map(ComponentId).collect();
    let sites: Vec<ComponentId> =
        all.iter().copied().filter(|&c| model.component(c).kind() == ComponentKind::Site).collect();
    for (k, &site) in sites.iter().enumerate() {
        let _ = writeln!(out, "  subgraph cluster_{k} {{");
        // A site is its cluster: highlighted, the cluster's border is red.
        let extra = if highlight.contains(&site) { "\n    color=red;\n    penwidth=3;" } else { "" };
        let _ = writeln!(out, "    label={};\n    style=rounded;{extra}", quote(model.component(site).name()));
        for &c in &all {
            if c != site && site_of(model, c) == Some(site) {
                node(&mut out, c, "    ");
            }
        }
        let _ = writeln!(out, "  }}");
    }
    for &c in &all {
        let kind = model.component(c).kind();
        if kind != ComponentKind::Site && site_of(model, c).is_none() {
            node(&mut out, c, "  ");
        }
    }
    for &c in &all {
        if model.component(c).kind() == ComponentKind::Site {
            continue;
        }
        for (to, relation) in model.dependants(c) {
            // Of containment, only a hall holding its pools is drawn: the
            // clusters show the rest.
            let style = match relation {
                Relation::Contains if model.component(to).kind() == ComponentKind::Pool => {
                    Some("color=grey60, style=dotted, arrowhead=none")
                }
                r => edge_style(r),
            };
            if let Some(style) = style {
                let _ = writeln!(
                    out,
                    "  {} -> {} [{style}];",
                    quote(model.component(c).name()),
                    quote(model.component(to).name())
                );
            }
        }
    }
    out.push_str("}\n");
    out
}

/// The model as JSON, for programs: every element (name, kind, the site it
/// stands in, whether it is highlighted) and every relation (`from`, `to`,
/// and what flows: `powers`, `cools`, `hard_dependency`, ...), containment
/// included.
pub fn to_graph_json(model: &Model, name: &str, highlight: &[ComponentId]) -> String {
    #[derive(serde::Serialize)]
    struct Node<'m> {
        name: &'m str,
        kind: &'static str,
        site: Option<&'m str>,
        highlighted: bool,
    }
    #[derive(serde::Serialize)]
    struct Edge<'m> {
        from: &'m str,
        to: &'m str,
        relation: &'static str,
    }
    #[derive(serde::Serialize)]
    struct Graph<'m> {
        name: &'m str,
        nodes: Vec<Node<'m>>,
        edges: Vec<Edge<'m>>,
    }
    let all = (0..model.components().len() as u32).map(ComponentId);
    let nodes = all
        .clone()
        .map(|c| {
            let comp = model.component(c);
            Node {
                name: comp.name(),
                kind: comp.kind().noun(),
                site: site_of(model, c).filter(|&s| s != c).map(|s| model.component(s).name()),
                highlighted: highlight.contains(&c),
            }
        })
        .collect();
    let edges = all
        .flat_map(|c| {
            model.dependants(c).into_iter().map(move |(to, relation)| Edge {
                from: model.component(c).name(),
                to: model.component(to).name(),
                relation: relation_name(relation),
            })
        })
        .collect();
    serde_json::to_string_pretty(&Graph { name, nodes, edges }).expect("a graph serializes") + "\n"
}

fn relation_name(r: Relation) -> &'static str {
    match r {
        Relation::Contains => "contains",
        Relation::Powers => "powers",
        Relation::BackedUpBy => "backed_up_by",
        Relation::Cools => "cools",
        Relation::Connects => "connects",
        Relation::Runs => "runs",
        Relation::HardDependency => "hard_dependency",
        Relation::SoftDependency => "soft_dependency",
        Relation::DeploymentNeeds => "deployment_needs",
    }
}
