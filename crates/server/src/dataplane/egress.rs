//! Live egress: every accepted event is published to the subscribers of its source
//! stream. Each subscriber has a bounded buffer; one that falls behind loses the oldest
//! events and is told how many, rather than slowing ingest or growing memory.
//!
//! With the local event store the pipeline publishes what it accepted. With a shared one
//! (JetStream) a `Feed` brings every node's events instead, started for a stream when its
//! first tail subscribes and stopped with its last (`FeedGuard`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

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

/// Whether a feed delivers yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedState {
    Starting,
    Live,
    /// It could not start; it keeps trying.
    Failed(String),
}

/// Where the events of a shared event store come from: every node's, this one's too.
pub trait Feed: Send + Sync {
    /// Starts sending the stream's events to `tx`; they stop when the guard drops.
    fn watch(&self, account: &str, stream: &str, tx: Channel) -> FeedGuard;
}

/// A running feed of one stream, shared by the stream's tails on this node.
pub struct FeedGuard {
    ready: watch::Receiver<FeedState>,
    task: tokio::task::AbortHandle,
}

impl FeedGuard {
    pub fn new(ready: watch::Receiver<FeedState>, task: tokio::task::AbortHandle) -> FeedGuard {
        FeedGuard { ready, task }
    }
}

impl Drop for FeedGuard {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// How long a new tail waits for its feed to deliver before it is refused.
const FEED_WAIT: Duration = Duration::from_secs(10);

struct Entry {
    tx: Channel,
    feed: Weak<FeedGuard>,
}

pub struct Hub {
    capacity: usize,
    channels: Mutex<HashMap<(String, String), Entry>>,
    feed: Option<Arc<dyn Feed>>,
    /// One entry per live tail; dropping its sender ends that tail (its principal's
    /// stream or output was deleted), even while its source stream lives on.
    tails: Mutex<Vec<(Principal, watch::Sender<()>)>>,
}

impl Hub {
    pub fn new(capacity: usize, feed: Option<Arc<dyn Feed>>) -> Hub {
        Hub {
            capacity: capacity.max(1),
            channels: Mutex::new(HashMap::new()),
            feed,
            tails: Mutex::new(Vec::new()),
        }
    }

    /// Whether the pipeline publishes what it accepts (no feed brings it).
    pub fn publishes_locally(&self) -> bool {
        self.feed.is_none()
    }

    fn tails(&self) -> std::sync::MutexGuard<'_, Vec<(Principal, watch::Sender<()>)>> {
        self.tails.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn channels(&self) -> std::sync::MutexGuard<'_, HashMap<(String, String), Entry>> {
        self.channels.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Sends an event to the stream's live tails; `event` is made only if there are any.
    pub fn publish(&self, account: &str, stream: &str, event: impl FnOnce() -> Arc<Published>) {
        let mut channels = self.channels();
        if channels.is_empty() {
            return;
        }
        let key = (account.to_owned(), stream.to_owned());
        if let Some(entry) = channels.get(&key)
            && entry.tx.send(event()).is_err()
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
    pub(super) fn subscribe(&self, principal: &Principal) -> Tail {
        let (rx, feed) = {
            let mut channels = self.channels();
            // Tails of streams that ended are forgotten as new ones come.
            channels.retain(|_, e| e.tx.receiver_count() > 0 || e.feed.strong_count() > 0);
            let (account, stream) = (principal.account.clone(), principal.stream.clone());
            let entry = channels.entry((account, stream)).or_insert_with(|| Entry {
                tx: broadcast::channel(self.capacity).0,
                feed: Weak::new(),
            });
            let rx = entry.tx.subscribe();
            let feed = self.feed.as_ref().map(|feed| match entry.feed.upgrade() {
                Some(running) => running,
                None => {
                    let started = Arc::new(feed.watch(
                        &principal.account,
                        &principal.stream,
                        entry.tx.clone(),
                    ));
                    entry.feed = Arc::downgrade(&started);
                    started
                }
            });
            (rx, feed)
        };
        let (open, closed) = watch::channel(());
        let mut tails = self.tails();
        tails.retain(|(_, tx)| !tx.is_closed());
        tails.push((principal.clone(), open));
        Tail { rx, closed, feed }
    }
}

/// What a new tail gets from the hub.
pub(super) struct Tail {
    rx: broadcast::Receiver<Arc<Published>>,
    closed: watch::Receiver<()>,
    feed: Option<Arc<FeedGuard>>,
}

/// One consumer's live tail, already filtered and decrypted for its view.
pub struct Subscription {
    renderer: Renderer,
    principal: Principal,
    view: View,
    rx: broadcast::Receiver<Arc<Published>>,
    /// Changes (its sender is dropped) when the hub ends this tail.
    closed: watch::Receiver<()>,
    /// The feed of a shared event store, kept running while this tail lives.
    feed: Option<Arc<FeedGuard>>,
    dropped: u64,
}

impl Subscription {
    pub(super) fn new(
        renderer: Renderer,
        principal: Principal,
        view: View,
        tail: Tail,
    ) -> Subscription {
        Subscription {
            renderer,
            principal,
            view,
            rx: tail.rx,
            closed: tail.closed,
            feed: tail.feed,
            dropped: 0,
        }
    }

    /// Waits until this tail receives every event accepted from now on: at once with the
    /// local store; with a shared one, once its feed delivers. The reason when the feed
    /// cannot start (the event store is unreachable).
    pub async fn ready(&self) -> Result<(), String> {
        let Some(feed) = &self.feed else {
            return Ok(());
        };
        let mut ready = feed.ready.clone();
        let waited = tokio::time::timeout(
            FEED_WAIT,
            ready.wait_for(|s| !matches!(s, FeedState::Starting)),
        )
        .await;
        match waited {
            Ok(Ok(state)) => match &*state {
                FeedState::Failed(why) => Err(why.clone()),
                _ => Ok(()),
            },
            Ok(Err(_)) => Err("the event store's feed stopped".into()),
            Err(_) => Err(format!(
                "the event store (NATS JetStream) did not answer within {} s",
                FEED_WAIT.as_secs()
            )),
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
