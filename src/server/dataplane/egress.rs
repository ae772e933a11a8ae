//! Live egress: every accepted event is published to the subscribers of its source
//! stream. Each subscriber has a bounded buffer; one that falls behind loses the oldest
//! events and is told how many, rather than slowing ingest or growing memory.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::broadcast;

use super::consent::View;
use super::pipeline::DataPlane;
use super::schemas::EventSchema;
use super::store::Principal;

/// An accepted event as the source stream holds it (all PII encrypted), as JSON text.
#[derive(Debug)]
pub struct Published {
    pub seq: i64,
    pub schema: Arc<EventSchema>,
    pub consent: Vec<i32>,
    pub text: Arc<str>,
}

type Channel = broadcast::Sender<Arc<Published>>;

pub struct Hub {
    capacity: usize,
    channels: Mutex<HashMap<(String, String), Channel>>,
}

impl Hub {
    pub fn new(capacity: usize) -> Hub {
        Hub {
            capacity: capacity.max(1),
            channels: Mutex::new(HashMap::new()),
        }
    }

    fn channels(&self) -> std::sync::MutexGuard<'_, HashMap<(String, String), Channel>> {
        self.channels.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn publish(&self, account: &str, stream: &str, event: Arc<Published>) {
        let mut channels = self.channels();
        if channels.is_empty() {
            return;
        }
        let key = (account.to_owned(), stream.to_owned());
        if let Some(tx) = channels.get(&key)
            && tx.send(event).is_err()
        {
            // Nobody listens any more.
            channels.remove(&key);
        }
    }

    /// Ends every live tail (server shutdown): subscribers see the end of the stream.
    pub fn close_all(&self) {
        self.channels().clear();
    }

    pub fn subscribe(&self, account: &str, stream: &str) -> broadcast::Receiver<Arc<Published>> {
        self.channels()
            .entry((account.to_owned(), stream.to_owned()))
            .or_insert_with(|| broadcast::channel(self.capacity).0)
            .subscribe()
    }
}

/// One consumer's live tail, already filtered and decrypted for its view.
pub struct Subscription {
    plane: DataPlane,
    principal: Principal,
    view: View,
    rx: broadcast::Receiver<Arc<Published>>,
    dropped: u64,
}

impl Subscription {
    pub(super) fn new(
        plane: DataPlane,
        principal: Principal,
        view: View,
        rx: broadcast::Receiver<Arc<Published>>,
    ) -> Subscription {
        Subscription {
            plane,
            principal,
            view,
            rx,
            dropped: 0,
        }
    }

    /// Events this consumer lost by falling behind.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// The next event this view receives, as JSON text; `None` when the server stops.
    pub async fn next(&mut self) -> Option<String> {
        loop {
            match self.rx.recv().await {
                Ok(p) => {
                    let rendered = self.plane.render(
                        &self.principal.account,
                        &self.principal.stream,
                        &p.schema,
                        &p.consent,
                        &p.text,
                        &self.view,
                    );
                    if let Some(text) = rendered {
                        return Some(text);
                    }
                }
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    self.dropped += n;
                    tracing::warn!(
                        stream = %self.principal.stream,
                        output = ?self.principal.output,
                        dropped = n,
                        total_dropped = self.dropped,
                        "slow websocket consumer: events dropped"
                    );
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }
}
