//! Live egress: every accepted event is published to the subscribers of its source
//! stream. Each subscriber has a bounded buffer; one that falls behind loses the oldest
//! events and is told how many, rather than slowing ingest or growing memory.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::{broadcast, watch};

use super::consent::View;
use super::render::Renderer;
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
    /// One entry per live tail; dropping its sender ends that tail (its principal's
    /// stream or output was deleted), even while its source stream lives on.
    tails: Mutex<Vec<(Principal, watch::Sender<()>)>>,
}

impl Hub {
    pub fn new(capacity: usize) -> Hub {
        Hub {
            capacity: capacity.max(1),
            channels: Mutex::new(HashMap::new()),
            tails: Mutex::new(Vec::new()),
        }
    }

    fn tails(&self) -> std::sync::MutexGuard<'_, Vec<(Principal, watch::Sender<()>)>> {
        self.tails.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn channels(&self) -> std::sync::MutexGuard<'_, HashMap<(String, String), Channel>> {
        self.channels.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Sends an event to the stream's live tails; `event` is made only if there are any.
    pub fn publish(&self, account: &str, stream: &str, event: impl FnOnce() -> Arc<Published>) {
        let mut channels = self.channels();
        if channels.is_empty() {
            return;
        }
        let key = (account.to_owned(), stream.to_owned());
        if let Some(tx) = channels.get(&key)
            && tx.send(event()).is_err()
        {
            // Nobody listens any more.
            channels.remove(&key);
        }
    }

    /// Ends every live tail (server shutdown): subscribers see the end of the stream.
    pub fn close_all(&self) {
        self.channels().clear();
        self.tails().clear();
    }

    /// Ends the tails of a deleted stream or output (named as the store's
    /// `delete_stream` names it): they must not see one more event.
    pub fn close(&self, account: &str, name: &str) {
        self.tails().retain(|(p, _)| {
            !(p.account == account && (p.stream == name || p.output.as_deref() == Some(name)))
        });
    }

    /// Registers a tail before its view is checked, so a deletion racing the check
    /// still ends it.
    pub(super) fn subscribe(
        &self,
        principal: &Principal,
    ) -> (broadcast::Receiver<Arc<Published>>, watch::Receiver<()>) {
        let rx = self
            .channels()
            .entry((principal.account.clone(), principal.stream.clone()))
            .or_insert_with(|| broadcast::channel(self.capacity).0)
            .subscribe();
        let (open, closed) = watch::channel(());
        let mut tails = self.tails();
        tails.retain(|(_, tx)| !tx.is_closed());
        tails.push((principal.clone(), open));
        (rx, closed)
    }
}

/// One consumer's live tail, already filtered and decrypted for its view.
pub struct Subscription {
    renderer: Renderer,
    principal: Principal,
    view: View,
    rx: broadcast::Receiver<Arc<Published>>,
    /// Changes (its sender is dropped) when the hub ends this tail.
    closed: watch::Receiver<()>,
    dropped: u64,
}

impl Subscription {
    pub(super) fn new(
        renderer: Renderer,
        principal: Principal,
        view: View,
        (rx, closed): (broadcast::Receiver<Arc<Published>>, watch::Receiver<()>),
    ) -> Subscription {
        Subscription {
            renderer,
            principal,
            view,
            rx,
            closed,
            dropped: 0,
        }
    }

    /// Events this consumer lost by falling behind.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// The next event this view receives, as JSON text; `None` when the server stops
    /// or the principal's stream or output is deleted.
    pub async fn next(&mut self) -> Option<String> {
        loop {
            let received = tokio::select! {
                biased;
                _ = self.closed.changed() => return None,
                received = self.rx.recv() => received,
            };
            match received {
                Ok(p) if !self.view.admits(&p.consent) => {}
                Ok(p) if self.view == View::Source => return Some(p.text.to_string()),
                Ok(p) => {
                    // Rendering an output's view may read keys from SQLite.
                    let (renderer, view) = (self.renderer.clone(), self.view.clone());
                    let (account, stream) = (
                        self.principal.account.clone(),
                        self.principal.stream.clone(),
                    );
                    let rendered = tokio::task::spawn_blocking(move || {
                        renderer.render(&account, &stream, &p.schema, &p.consent, &p.text, &view)
                    })
                    .await
                    .ok()
                    .flatten();
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
