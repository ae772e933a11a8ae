//! `GET /v1/nodes`: the live nodes that answer this API (`shared/spec/scale-out.md`) — the
//! local server is one — and the header that names the node that answered a request.

use serde::{Deserialize, Serialize};

/// Every answer of a server carries its node's name in this header, so that a console or
/// a script behind a load balancer can tell which node answered.
pub const NODE_HEADER: &str = "strm-node";

/// One live node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Node {
    /// `--node-name` (host name and port by default).
    pub name: String,
    /// Where the node's API listens, as `http://HOST:PORT`.
    pub address: String,
    /// When the node started, epoch seconds.
    pub started: i64,
    /// The node's strm-tui version.
    pub version: String,
    /// Where events are kept: `local`, or `jetstream` with its replicas (`jetstream R3`).
    pub event_store: String,
    /// The caller's exporters this node runs now, as `<linked stream>/<exporter>`.
    #[serde(default)]
    pub exporters: Vec<String>,
    /// The caller's live tails on the node that answered (a node knows only its own).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub egress: Option<NodeEgress>,
}

/// Live tails (`GET /ws`) of the caller's account on a node, since it started.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeEgress {
    /// Tails open now.
    pub tails: u64,
    /// Events not delivered to tails that fell behind.
    pub dropped_events: u64,
    /// Tails the node closed because they fell behind (close code 1013, the count in
    /// the reason).
    pub tails_closed_behind: u64,
}

/// `GET /v1/nodes`: an object, so that fields about the cluster as a whole can join.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeList {
    pub nodes: Vec<Node>,
}
