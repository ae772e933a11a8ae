//! A node of a cluster (`shared/spec/scale-out.md`): the events in NATS JetStream instead
//! of the data directory's log, egress fed from JetStream so that an event accepted by
//! any node reaches the websockets of every node, exporters under leases so that each
//! runs on one node at a time, and node heartbeats for `GET /v1/nodes`.
//!
//! One connection per node (async-nats multiplexes everything over it and reconnects by
//! itself); the pieces share it through `Cluster`.

pub mod changes;
pub mod events;
pub mod feed;
pub mod lease;
pub mod names;
pub mod nodes;
pub mod wire;

use std::time::Duration;

use async_nats::jetstream;

use self::events::JetStreamEvents;
use self::lease::Leases;
use self::nodes::{NodeRecord, NodeRegistry};
use strm_model::rules::redact_url;

/// How long a node waits for NATS at start before it gives up with the reason.
const CONNECT_WAIT: Duration = Duration::from_secs(30);
/// How long one JetStream request (a publish's acknowledgement, a fetch) may take.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

/// What a node needs to join a cluster.
#[derive(Debug, Clone)]
pub struct ClusterConfig {
    /// `nats://` URLs, credentials included (never logged: see `redacted`).
    pub urls: Vec<String>,
    pub replicas: usize,
    /// How long events are kept (the stream's `max_age`).
    pub retention: Duration,
    /// An exporter lease (and a node heartbeat) lapses this long after its last renewal;
    /// holders renew every third of it.
    pub lease_ttl: Duration,
}

impl ClusterConfig {
    pub fn redacted(&self) -> String {
        self.urls
            .iter()
            .map(|u| redact_url(u))
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// Why the cluster could not do something: the reason, as a person can act on it.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct ClusterError(pub String);

impl ClusterError {
    /// `what` failed because of `why` (a NATS error: it never holds credentials).
    pub fn of(what: &str, why: impl std::fmt::Display) -> ClusterError {
        ClusterError(format!(
            "the event store (NATS JetStream) is unavailable: {what}: {why}"
        ))
    }
}

/// The node's connection to the cluster and what runs over it.
pub struct Cluster {
    pub client: async_nats::Client,
    /// Counts the connections to NATS made again after one was lost: a node that was
    /// away may have missed changes (`changes`).
    pub reconnects: tokio::sync::watch::Receiver<u64>,
    pub events: JetStreamEvents,
    pub leases: Leases,
    pub nodes: NodeRegistry,
    pub config: ClusterConfig,
}

impl std::fmt::Debug for Cluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cluster")
            .field("urls", &self.config.redacted())
            .finish()
    }
}

/// Retries a JetStream administration request while the cluster is still electing its
/// leaders (right after the NATS servers start), for up to `CONNECT_WAIT`.
async fn settle<T, E: std::fmt::Display, F: std::future::Future<Output = Result<T, E>>>(
    what: &str,
    mut attempt: impl FnMut() -> F,
) -> Result<T, ClusterError> {
    let deadline = tokio::time::Instant::now() + CONNECT_WAIT;
    loop {
        match attempt().await {
            Ok(v) => return Ok(v),
            Err(e) if tokio::time::Instant::now() < deadline => {
                tracing::debug!(error = %e, "{what}: retrying");
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            Err(e) => return Err(ClusterError::of(what, e)),
        }
    }
}

/// A KV bucket whose entries lapse `config.lease_ttl` after their last write, with the
/// events' replicas: exporter leases and node heartbeats.
pub(crate) async fn lapsing_bucket(
    js: &jetstream::Context,
    config: &ClusterConfig,
    bucket: &str,
    description: &str,
) -> Result<jetstream::kv::Store, ClusterError> {
    settle(&format!("creating the KV bucket {bucket}"), || {
        js.create_or_update_key_value(jetstream::kv::Config {
            bucket: bucket.into(),
            description: description.into(),
            history: 1,
            max_age: config.lease_ttl,
            num_replicas: config.replicas,
            storage: jetstream::stream::StorageType::File,
            ..Default::default()
        })
    })
    .await
}

/// Runs `beat` every `period` until `stop` turns true (the node's clocks: exporters,
/// heartbeats).
pub async fn every<F: std::future::Future<Output = ()>>(
    period: Duration,
    mut stop: tokio::sync::watch::Receiver<bool>,
    mut beat: impl FnMut() -> F,
) {
    let mut tick = tokio::time::interval(period);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = stop.changed() => {}
        }
        if *stop.borrow() {
            return;
        }
        beat().await;
    }
}

impl Cluster {
    /// Connects to NATS and makes sure the events stream and the KV buckets exist with
    /// this configuration; `me` is this node's heartbeat. Fails with the reason when NATS
    /// does not answer within `CONNECT_WAIT`.
    pub async fn join(config: ClusterConfig, me: NodeRecord) -> Result<Cluster, ClusterError> {
        tracing::info!(event_store = %config.redacted(), replicas = config.replicas, node = %me.node.name, "joining the cluster");
        let (reconnected, reconnects) = tokio::sync::watch::channel(0u64);
        let reconnected = std::sync::Arc::new(reconnected);
        // Only a connection made after one was lost counts, not the first.
        let lost = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let options = async_nats::ConnectOptions::new()
            .name(format!("strm-tui {}", me.node.name))
            .connection_timeout(REQUEST_TIMEOUT)
            .request_timeout(Some(REQUEST_TIMEOUT))
            .event_callback(move |event| {
                let (reconnected, lost) = (reconnected.clone(), lost.clone());
                async move {
                    use std::sync::atomic::Ordering;
                    match event {
                        async_nats::Event::Disconnected => {
                            lost.store(true, Ordering::Relaxed);
                            tracing::warn!("lost the connection to NATS; reconnecting")
                        }
                        async_nats::Event::Connected => {
                            tracing::info!("connected to NATS");
                            if lost.swap(false, Ordering::Relaxed) {
                                reconnected.send_modify(|n| *n += 1);
                            }
                        }
                        other => tracing::debug!(event = %other, "NATS"),
                    }
                }
            });
        let urls: Vec<async_nats::ServerAddr> = config
            .urls
            .iter()
            .map(|u| {
                u.parse().map_err(|e| {
                    ClusterError(format!(
                        "--event-store: {} is not a NATS URL ({e})",
                        redact_url(u)
                    ))
                })
            })
            .collect::<Result<_, _>>()?;
        let client = tokio::time::timeout(CONNECT_WAIT, options.connect(urls.as_slice()))
            .await
            .map_err(|_| {
                ClusterError(format!(
                    "no NATS server answered at {} within {} s",
                    config.redacted(),
                    CONNECT_WAIT.as_secs()
                ))
            })?
            .map_err(|e| {
                ClusterError(format!(
                    "cannot connect to NATS at {}: {e}",
                    config.redacted()
                ))
            })?;
        let js = jetstream::ContextBuilder::new()
            .timeout(REQUEST_TIMEOUT)
            .backpressure_on_inflight(true)
            .build(client.clone());
        let events = JetStreamEvents::open(js.clone(), &config).await?;
        let ttl = config.lease_ttl;
        let leases = Leases::new(
            lapsing_bucket(
                &js,
                &config,
                lease::BUCKET,
                "strm-tui: which node runs each exporter",
            )
            .await?,
            ttl,
            me.node.name.clone(),
        );
        let nodes = NodeRegistry::open(
            lapsing_bucket(&js, &config, nodes::BUCKET, "strm-tui: live nodes").await?,
            ttl,
            me,
        )
        .await?;
        Ok(Cluster {
            client,
            reconnects,
            events,
            leases,
            nodes,
            config,
        })
    }

    /// The node leaves: its leases are released at once (so that other nodes take its
    /// exporters over without waiting for them to lapse) and its heartbeat is removed.
    pub async fn leave(&self) {
        self.leases.release_all().await;
        self.nodes.remove().await;
        let _ = self.client.flush().await;
    }
}
