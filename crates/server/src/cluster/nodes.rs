//! Node heartbeats for `GET /v1/nodes`: each node puts its record into the JetStream KV
//! bucket `strm_nodes` every third of the lease TTL; the bucket's messages expire after
//! the TTL, so a node that died drops out of the list by itself.

use std::sync::Mutex;
use std::time::Duration;

use async_nats::jetstream::{self, kv};
use futures::StreamExt;
use serde::{Deserialize, Serialize};

use super::{ClusterConfig, ClusterError, names, settle};

pub const BUCKET: &str = "strm_nodes";

/// An exporter a node runs, with its account (the list shows each caller its own).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeldExporter {
    pub account: String,
    /// `<linked stream>/<exporter>`.
    pub exporter: String,
}

/// What a node says about itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeRecord {
    pub name: String,
    pub address: String,
    pub started: i64,
    pub version: String,
    pub event_store: String,
    #[serde(default)]
    pub exporters: Vec<HeldExporter>,
}

impl NodeRecord {
    /// The record as `GET /v1/nodes` shows it to `account`: only its own exporters.
    pub fn for_account(&self, account: &str) -> strm_model::Node {
        strm_model::Node {
            name: self.name.clone(),
            address: self.address.clone(),
            started: self.started,
            version: self.version.clone(),
            event_store: self.event_store.clone(),
            exporters: self
                .exporters
                .iter()
                .filter(|e| e.account == account)
                .map(|e| e.exporter.clone())
                .collect(),
        }
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
        js: &jetstream::Context,
        config: &ClusterConfig,
        me: NodeRecord,
    ) -> Result<NodeRegistry, ClusterError> {
        let kv = settle("creating the node bucket", || {
            js.create_or_update_key_value(kv::Config {
                bucket: BUCKET.into(),
                description: "strm-tui: live nodes".into(),
                history: 1,
                max_age: config.lease_ttl,
                num_replicas: config.replicas,
                storage: jetstream::stream::StorageType::File,
                ..Default::default()
            })
        })
        .await?;
        let key = names::node_key(&me.name);
        if let Ok(Some(bytes)) = kv.get(key.clone()).await
            && let Ok(other) = serde_json::from_slice::<NodeRecord>(&bytes)
            && other.address != me.address
        {
            return Err(ClusterError(format!(
                "--node-name: {:?} is the name of a live node at {}; give this node another name \
                 (or wait {} s when that node has stopped)",
                me.name,
                other.address,
                config.lease_ttl.as_secs().max(1)
            )));
        }
        let registry = NodeRegistry {
            kv,
            key,
            me: Mutex::new(me),
            ttl: config.lease_ttl,
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
        self.me().exporters = exporters;
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
        nodes.sort_by(|a, b| a.name.cmp(&b.name));
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
    mut stop: tokio::sync::watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(cluster.nodes.period());
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = stop.changed() => {}
            }
            if *stop.borrow() {
                return;
            }
            if let Err(e) = cluster.nodes.beat().await {
                tracing::warn!(error = %e, "node heartbeat failed; retrying");
            }
        }
    })
}
