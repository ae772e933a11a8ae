//! `GET /v1/nodes`: the servers that answer this API (`shared/spec/scale-out.md`) — the
//! local server is one — with what they carry for the caller's account.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Node {
    /// Host name and port.
    pub name: String,
    /// The address it listens on.
    pub address: String,
    /// When it started, epoch milliseconds.
    pub started_at: i64,
    pub version: String,
    /// Exporters of the caller's account this node runs.
    pub exporters_held: u64,
    /// The caller's live tails on this node.
    pub egress: NodeEgress,
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
