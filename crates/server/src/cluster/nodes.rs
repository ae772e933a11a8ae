//! Node heartbeats for `GET /v1/nodes`: each node puts its record into the JetStream KV
//! bucket `strm_nodes` every third of the lease TTL; the bucket's messages expire after
//! the TTL, so a node that died drops out of the list by itself.

use std::sync::Mutex;
use std::time::Duration;

use async_nats::jetstream::kv;
use futures::StreamExt;
use serde::{Deserialize, Serialize};

use super::{ClusterError, every, names};

pub const BUCKET: &str = "strm_nodes";

/// An exporter a node runs, with its account (the list shows each caller its own).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeldExporter {
    pub account: String,
    /// `<linked stream>/<exporter>`.
    pub exporter: String,
}

/// What a node says about itself: what `GET /v1/nodes` shows (its `exporters` left
/// empty) and the exporters it runs, with their accounts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeRecord {
    #[serde(flatten)]
    pub node: strm_model::Node,
    #[serde(default)]
    pub held_exporters: Vec<HeldExporter>,
}

impl NodeRecord {
    /// The record as `GET /v1/nodes` shows it to `account`: only its own exporters.
    pub fn for_account(&self, account: &str) -> strm_model::Node {
        let mut node = self.node.clone();
        node.exporters = self
            .held_exporters
            .iter()
            .filter(|e| e.account == account)
            .map(|e| e.exporter.clone())
            .collect();
        node
    }
}

pub struct NodeRegistry {
    kv: kv::Store,
    key: String,
    me: Mutex<NodeRecord>,
    ttl: Duration,
}

impl NodeRegistry {
    /// Opens the bucket and announces this node. Refused when a live node (one whose
    /// heartbeat has not lapsed) already has this name at another address.
    pub async fn open(
        kv: kv::Store,
        ttl: Duration,
        me: NodeRecord,
    ) -> Result<NodeRegistry, ClusterError> {
        let key = names::node_key(&me.node.name);
        if let Ok(Some(bytes)) = kv.get(key.clone()).await
            && let Ok(other) = serde_json::from_slice::<NodeRecord>(&bytes)
            && other.node.address != me.node.address
        {
            return Err(ClusterError(format!(
                "--node-name: {:?} is the name of a live node at {}; give this node another name \
                 (or wait {} s when that node has stopped)",
                me.node.name,
                other.node.address,
                ttl.as_secs().max(1)
            )));
        }
        let registry = NodeRegistry {
            kv,
            key,
            me: Mutex::new(me),
            ttl,
        };
        registry.beat().await?;
        Ok(registry)
    }

    fn me(&self) -> std::sync::MutexGuard<'_, NodeRecord> {
        self.me.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn record(&self) -> NodeRecord {
        self.me().clone()
    }

    /// How often `beat` runs.
    pub fn period(&self) -> Duration {
        self.ttl / 3
    }

    /// The exporters this node runs now (shown at the next heartbeat).
    pub fn set_exporters(&self, exporters: Vec<HeldExporter>) {
        self.me().held_exporters = exporters;
    }

    /// Puts this node's record.
    pub async fn beat(&self) -> Result<(), ClusterError> {
        let json = serde_json::to_vec(&self.record()).unwrap_or_default();
        self.kv
            .put(&self.key, json.into())
            .await
            .map_err(|e| ClusterError::of("the node heartbeat", e))?;
        Ok(())
    }

    /// The live nodes, by name.
    pub async fn list(&self) -> Result<Vec<NodeRecord>, ClusterError> {
        let fail = |e: &dyn std::fmt::Display| ClusterError::of("listing the nodes", e);
        let mut keys = self.kv.keys().await.map_err(|e| fail(&e))?;
        let mut nodes = Vec::new();
        while let Some(key) = keys.next().await {
            let key = key.map_err(|e| fail(&e))?;
            if let Some(bytes) = self.kv.get(key).await.map_err(|e| fail(&e))?
                && let Ok(record) = serde_json::from_slice::<NodeRecord>(&bytes)
            {
                nodes.push(record);
            }
        }
        nodes.sort_by(|a, b| a.node.name.cmp(&b.node.name));
        Ok(nodes)
    }

    /// The node leaves the list at once (a clean stop).
    pub async fn remove(&self) {
        let _ = self.kv.purge(&self.key).await;
    }
}

/// Beats every `period` until `stop` turns true.
pub fn spawn_heartbeat(
    cluster: std::sync::Arc<super::Cluster>,
    stop: tokio::sync::watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let period = cluster.nodes.period();
        every(period, stop, || async {
            if let Err(e) = cluster.nodes.beat().await {
                tracing::warn!(error = %e, "node heartbeat failed; retrying");
            }
        })
        .await
    })
}
