//! Exporter leases: each exporter runs on one node at a time. A lease is a key in the
//! JetStream KV bucket `strm_leases` whose messages expire after the lease TTL (the
//! bucket's `max_age`): a node takes a free lease with a create (which fails while
//! another node's key lives) and renews its own with a revision-checked update every
//! third of the TTL (which fails once another node took it over). A node that dies
//! stops renewing; its keys expire, and the next node to try takes them over — within
//! the TTL and one scheduler tick.
//!
//! Between renewals a node trusts its lease for two thirds of the TTL only, so that it
//! stops writing before another node can take the lease over.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use async_nats::jetstream::kv;

pub const BUCKET: &str = "strm_leases";

struct Held {
    revision: u64,
    renewed: Instant,
}

pub struct Leases {
    kv: kv::Store,
    node: String,
    ttl: Duration,
    held: Mutex<HashMap<String, Held>>,
}

impl Leases {
    /// The leases of `node` in `kv` (the `strm_leases` bucket), lapsing after `ttl`.
    pub fn new(kv: kv::Store, ttl: Duration, node: String) -> Leases {
        Leases {
            kv,
            node,
            ttl,
            held: Mutex::new(HashMap::new()),
        }
    }

    fn held(&self) -> std::sync::MutexGuard<'_, HashMap<String, Held>> {
        self.held.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// How long a lease is trusted after its last renewal.
    fn trusted(&self) -> Duration {
        self.ttl * 2 / 3
    }

    /// Whether this node holds the lease `key` now: it is taken when free and renewed
    /// when due. False while another node holds it, or when NATS cannot say and the last
    /// renewal is too old to trust.
    pub async fn hold(&self, key: &str) -> bool {
        let now = Instant::now();
        let current = self.held().get(key).map(|h| (h.revision, h.renewed));
        let renewed = match current {
            Some((_, at)) if now.duration_since(at) < self.ttl / 3 => return true,
            Some((revision, at)) => match self
                .kv
                .update(key, self.node.clone().into(), revision)
                .await
            {
                Ok(revision) => Some(revision),
                Err(e) if e.kind() == kv::UpdateErrorKind::WrongLastRevision => {
                    tracing::info!(exporter = %key, "an exporter lease lapsed or moved to another node");
                    None
                }
                Err(e) if now.duration_since(at) < self.trusted() => {
                    tracing::warn!(exporter = %key, error = %e, "renewing an exporter lease failed; retrying");
                    return true;
                }
                Err(e) => {
                    tracing::warn!(exporter = %key, error = %e, "an exporter lease could not be renewed in time");
                    None
                }
            },
            None => match self.kv.create(key, self.node.clone().into()).await {
                Ok(revision) => {
                    tracing::info!(exporter = %key, "took an exporter lease");
                    Some(revision)
                }
                Err(e) if e.kind() == kv::CreateErrorKind::AlreadyExists => None,
                Err(e) => {
                    tracing::debug!(exporter = %key, error = %e, "taking an exporter lease failed");
                    None
                }
            },
        };
        let mut held = self.held();
        match renewed {
            Some(revision) => {
                held.insert(
                    key.to_owned(),
                    Held {
                        revision,
                        renewed: now,
                    },
                );
                true
            }
            None => {
                held.remove(key);
                false
            }
        }
    }

    /// Whether the lease is still safe to act on, without asking NATS (checked before
    /// an exporter writes an object).
    pub fn still_held(&self, key: &str) -> bool {
        self.held()
            .get(key)
            .is_some_and(|h| h.renewed.elapsed() < self.trusted())
    }

    /// The leases this node holds now.
    pub fn keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = self.held().keys().cloned().collect();
        keys.sort();
        keys
    }

    /// Gives a lease up (its exporter is gone, or the node stops).
    pub async fn release(&self, key: &str) {
        let held = self.held().remove(key);
        if let Some(h) = held {
            let _ = self.kv.delete_expect_revision(key, Some(h.revision)).await;
        }
    }

    pub async fn release_all(&self) {
        for key in self.keys() {
            self.release(&key).await;
        }
    }
}
