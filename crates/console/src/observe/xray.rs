//! `:xray`: the account as a tree — each stream, its outputs, their exporters and
//! those exporters' sinks, and the stream's own exporters — with live rates and
//! exporter states. Rows are built when the data changes, never in `draw`.

use std::cell::Cell;
use std::collections::{BTreeMap, HashMap, HashSet};

use super::{Observed, format_age, format_rate};
use crate::protocol::ExporterRef;
use crate::resources::{Resources, Tab};
use strm_model::{Exporter, ExporterState, SinkType};

/// What a row is, and where Enter takes the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    Stream(String),
    Output { stream: String, name: String },
    Exporter(ExporterRef),
    Sink { name: String, sink_type: SinkType },
}

impl Node {
    pub fn kind(&self) -> &'static str {
        match self {
            Node::Stream(_) => "stream",
            Node::Output { .. } => "output",
            Node::Exporter(_) => "exporter",
            Node::Sink { .. } => "sink",
        }
    }

    /// The tab and row key (`Kind::key`) of the resource.
    pub fn target(&self) -> (Tab, String) {
        match self {
            Node::Stream(name) => (Tab::Streams, name.clone()),
            Node::Output { stream, name } => (Tab::Outputs, format!("{stream}/{name}")),
            Node::Exporter(e) => (
                Tab::Exporters,
                format!("{}/{}/{}", e.linked_stream, e.name, e.export_keys),
            ),
            Node::Sink { name, sink_type } => (Tab::Sinks, format!("{sink_type}/{name}")),
        }
    }
}

/// One line of the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The tree's lines before the label: "│  ├─ ".
    pub branch: String,
    pub label: String,
    pub node: Node,
    /// What is live about it: a rate, an exporter's last batch, a sink's bucket.
    pub info: String,
    pub state: Option<ExporterState>,
    /// Collapsed streams say so.
    pub collapsed: bool,
}

#[derive(Debug, Default)]
pub struct XrayView {
    pub rows: Vec<Row>,
    /// The widest branch and label, and the failing exporters: counted once per rebuild.
    pub label_width: usize,
    pub failing: usize,
    pub selected: usize,
    pub offset: Cell<usize>,
    /// Streams whose subtree is folded away.
    pub collapsed: HashSet<String>,
}

fn rate_info(observed: &Observed, name: &str) -> String {
    let [rate, last] = observed.cells(name);
    if rate == "—" {
        return String::new();
    }
    match last.as_str() {
        "none" => format!("{rate}/s  no event kept"),
        age => format!("{rate}/s  last {age} ago"),
    }
}

fn exporter_info(observed: &Observed, e: &Exporter) -> (String, Option<ExporterState>) {
    let interval = format!("every {}s", e.interval_secs);
    match observed.statuses.get(&ExporterRef::from(e)) {
        None => (interval, None),
        Some(Err(why)) => (format!("{interval}  status unknown: {why}"), None),
        Some(Ok(s)) => {
            let mut info = format!("{}  {interval}  pending {}", s.state, s.pending_events);
            if let Some(at) = s.last_batch_at {
                info.push_str(&format!(
                    "  last batch {} ago",
                    format_age(observed.usage_at_ms.max(at) - at)
                ));
            }
            if let Some(err) = &s.last_error {
                info.push_str(&format!("  {err}"));
            }
            (info, Some(s.state))
        }
    }
}

impl XrayView {
    /// Rebuilds the rows from what the console knows, keeping the selected node.
    pub fn rebuild(&mut self, data: &Resources, observed: &Observed) {
        let keep = self.rows.get(self.selected).map(|r| r.node.clone());
        self.rows = rows(data, observed, &self.collapsed);
        self.label_width = self
            .rows
            .iter()
            .map(|r| r.branch.chars().count() + r.label.chars().count())
            .max()
            .unwrap_or(0);
        self.failing = observed
            .statuses
            .values()
            .filter(|s| matches!(s, Ok(st) if st.state == ExporterState::Failing))
            .count();
        self.selected = keep
            .and_then(|n| self.rows.iter().position(|r| r.node == n))
            .unwrap_or(self.selected)
            .min(self.rows.len().saturating_sub(1));
    }

    pub fn selected_node(&self) -> Option<&Node> {
        self.rows.get(self.selected).map(|r| &r.node)
    }

    /// The stream the selected row belongs to.
    pub fn selected_stream(&self) -> Option<String> {
        self.rows[..=self.selected.min(self.rows.len().saturating_sub(1))]
            .iter()
            .rev()
            .find_map(|r| match &r.node {
                Node::Stream(s) => Some(s.clone()),
                _ => None,
            })
    }
}

/// The outputs of every stream: those listed, and those only usage names (the Outputs
/// tab lists them per stream when there are many streams).
fn outputs(data: &Resources, observed: &Observed) -> BTreeMap<String, Vec<String>> {
    let mut by_stream: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for o in &data.outputs {
        by_stream
            .entry(o.linked_stream.clone())
            .or_default()
            .push(o.name.clone());
    }
    for s in observed.all() {
        if let Some(o) = &s.output {
            let list = by_stream.entry(s.stream.clone()).or_default();
            if !list.contains(o) {
                list.push(o.clone());
            }
        }
    }
    for list in by_stream.values_mut() {
        list.sort();
    }
    by_stream
}

fn rows(data: &Resources, observed: &Observed, collapsed: &HashSet<String>) -> Vec<Row> {
    let outputs = outputs(data, observed);
    let mut streams: Vec<&str> = data.streams.iter().map(|s| s.name.as_str()).collect();
    streams.sort_unstable();
    // Exporters by the stream or output they read, looked up once per node.
    let mut by_linked: HashMap<&str, Vec<&Exporter>> = HashMap::new();
    for e in &data.exporters {
        by_linked
            .entry(e.linked_stream.as_str())
            .or_default()
            .push(e);
    }
    for v in by_linked.values_mut() {
        v.sort_by(|a, b| (&a.name, a.export_keys).cmp(&(&b.name, b.export_keys)));
    }
    let exporters_of =
        |linked: &str| -> Vec<&Exporter> { by_linked.get(linked).cloned().unwrap_or_default() };
    let mut rows = Vec::with_capacity(streams.len() * 2);
    for stream in streams {
        let folded = collapsed.contains(stream);
        rows.push(Row {
            branch: String::new(),
            label: stream.to_string(),
            node: Node::Stream(stream.to_string()),
            info: rate_info(observed, stream),
            state: None,
            collapsed: folded,
        });
        if folded {
            continue;
        }
        // Children: the outputs, then the stream's own exporters.
        let mut children: Vec<(String, Option<&Exporter>)> = outputs
            .get(stream)
            .into_iter()
            .flatten()
            .map(|o| (o.clone(), None))
            .collect();
        children.extend(
            exporters_of(stream)
                .into_iter()
                .map(|e| (e.name.clone(), Some(e))),
        );
        let n = children.len();
        for (i, (name, exporter)) in children.into_iter().enumerate() {
            let last = i + 1 == n;
            let (branch, under) = if last {
                ("└─ ", "   ")
            } else {
                ("├─ ", "│  ")
            };
            match exporter {
                None => {
                    rows.push(Row {
                        branch: branch.into(),
                        label: name.clone(),
                        node: Node::Output {
                            stream: stream.to_string(),
                            name: name.clone(),
                        },
                        info: rate_info(observed, &name),
                        state: None,
                        collapsed: false,
                    });
                    let exporters = exporters_of(&name);
                    let m = exporters.len();
                    for (j, e) in exporters.into_iter().enumerate() {
                        let lastj = j + 1 == m;
                        exporter_rows(
                            &mut rows,
                            data,
                            observed,
                            e,
                            &format!("{under}{}", if lastj { "└─ " } else { "├─ " }),
                            &format!("{under}{}", if lastj { "   " } else { "│  " }),
                        );
                    }
                }
                Some(e) => exporter_rows(&mut rows, data, observed, e, branch, under),
            }
        }
    }
    rows
}

/// An exporter's row and its sink's under it.
fn exporter_rows(
    rows: &mut Vec<Row>,
    data: &Resources,
    observed: &Observed,
    e: &Exporter,
    branch: &str,
    under: &str,
) {
    let (info, state) = exporter_info(observed, e);
    let label = if e.export_keys {
        format!("{} (keys)", e.name)
    } else {
        e.name.clone()
    };
    rows.push(Row {
        branch: branch.to_string(),
        label,
        node: Node::Exporter(ExporterRef::from(e)),
        info,
        state,
        collapsed: false,
    });
    let bucket = data
        .sinks
        .iter()
        .find(|s| s.sink_name == e.sink_name && s.sink_type == e.sink_type)
        .map_or(String::new(), |s| {
            format!("{} bucket {}", s.sink_type, s.bucket_name)
        });
    rows.push(Row {
        branch: format!("{under}└─ "),
        label: e.sink_name.clone(),
        node: Node::Sink {
            name: e.sink_name.clone(),
            sink_type: e.sink_type,
        },
        info: bucket,
        state: None,
        collapsed: false,
    });
}

/// The rate of whatever a row counts, for its column.
pub fn rate_of(observed: &Observed, node: &Node) -> Option<String> {
    match node {
        Node::Stream(name) | Node::Output { name, .. } => observed.rate(name).map(format_rate),
        _ => None,
    }
}
