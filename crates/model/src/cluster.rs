//! The nodes of a cluster as `GET /v1/nodes` lists them, and the header that names the
//! node that answered a request.

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
}

/// `GET /v1/nodes`: an object, so that fields about the cluster as a whole can join.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeList {
    pub nodes: Vec<Node>,
}
