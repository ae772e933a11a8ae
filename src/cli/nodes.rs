//! `strm-tui nodes list`: the live nodes of the server's cluster (one for a single
//! server), as a table that marks the node that answered, or as the API's JSON.

use time::OffsetDateTime;
use time::macros::format_description;

use super::args::NodesCommand;
use super::output::{CliResult, print_json, print_line};
use crate::backend::Backend;
use strm_model::{Node, NodeList};

pub async fn run(cmd: NodesCommand, backend: &Backend) -> CliResult {
    let NodesCommand::List { json } = cmd;
    let list = backend.client.list_nodes().await?;
    if json {
        return print_json(&list);
    }
    print_line(&table(&list, backend.client.last_node().as_deref()))
}

/// When a node started, `YYYY-MM-DD HH:MM:SS UTC`.
fn started(node: &Node) -> String {
    OffsetDateTime::from_unix_timestamp(node.started)
        .ok()
        .and_then(|t| {
            t.format(format_description!(
                "[year]-[month]-[day] [hour]:[minute]:[second]"
            ))
            .ok()
        })
        .map_or_else(|| node.started.to_string(), |t| format!("{t} UTC"))
}

/// One line per node under a header; `*` marks the node that answered.
fn table(list: &NodeList, answered: Option<&str>) -> String {
    let header = [
        "NAME",
        "ADDRESS",
        "STARTED",
        "VERSION",
        "EVENTS",
        "EXPORTERS",
    ]
    .map(String::from);
    let rows: Vec<[String; 6]> = list
        .nodes
        .iter()
        .map(|n| {
            let mark = if Some(n.name.as_str()) == answered {
                " *"
            } else {
                ""
            };
            [
                format!("{}{mark}", n.name),
                n.address.clone(),
                started(n),
                n.version.clone(),
                n.event_store.clone(),
                if n.exporters.is_empty() {
                    "-".into()
                } else {
                    n.exporters.join(", ")
                },
            ]
        })
        .collect();
    let widths: Vec<usize> = (0..6)
        .map(|i| {
            std::iter::once(&header)
                .chain(&rows)
                .map(|r| r[i].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |r: &[String; 6]| {
        r.iter()
            .zip(&widths)
            .map(|(cell, w)| format!("{cell:<w$}"))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    };
    let mut out: Vec<String> = std::iter::once(&header).chain(&rows).map(line).collect();
    if answered.is_some() {
        out.push("* answered this request".into());
    }
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(name: &str, exporters: &[&str]) -> Node {
        Node {
            name: name.into(),
            address: format!("http://{name}:8080"),
            started: 1_700_000_000,
            version: "0.1.0".into(),
            event_store: "jetstream R3".into(),
            exporters: exporters.iter().map(|e| e.to_string()).collect(),
            egress: None,
        }
    }

    #[test]
    fn the_table_marks_the_node_that_answered() {
        let list = NodeList {
            nodes: vec![node("api-1", &["bart/s3"]), node("api-2", &[])],
        };
        let text = table(&list, Some("api-2"));
        let lines: Vec<&str> = text.lines().collect();
        assert!(
            lines[0].starts_with("NAME") && lines[0].ends_with("EXPORTERS"),
            "{text}"
        );
        assert!(
            lines[1].starts_with("api-1  ") && lines[1].ends_with("bart/s3"),
            "{text}"
        );
        assert!(lines[1].contains("2023-11-14 22:13:20 UTC"), "{text}");
        assert!(
            lines[2].starts_with("api-2 *") && lines[2].ends_with('-'),
            "{text}"
        );
        assert_eq!(lines[3], "* answered this request");
    }
}
