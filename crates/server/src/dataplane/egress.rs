//! Live egress: every accepted event is published to the subscribers of its source
//! stream. Subscribers share one bounded buffer per stream; one that falls behind by more
//! than it holds loses events, and its tail ends with the count, so a consumer always
//! knows — nothing slows ingest or grows memory. Each event is rendered once per view,
//! however many subscribers share that view, and the text is shared, not copied.
//!
//! With the local event store the pipeline publishes what it accepted. With a shared one
//! (JetStream) a `Feed` brings every node's events instead, started for a stream when its
//! first tail subscribes and stopped with its last (`FeedGuard`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;

use axum::extract::ws::Utf8Bytes;
use tokio::sync::{OnceCell, broadcast, watch};

use super::consent::View;
use super::render::Renderer;
use super::schemas::EventSchema;
use super::store::Principal;

/// What one view made of an event: rendered once, by the first subscriber that asks.
type Rendering = Arc<OnceCell<Option<Utf8Bytes>>>;

/// An accepted event as the source stream holds it (all PII encrypted), as JSON text.
pub struct Published {
    pub seq: i64,
    pub schema: Arc<EventSchema>,
    pub consent: Vec<i32>,
    pub text: Utf8Bytes,
    /// What each output view made of it, rendered by the first subscriber that asked.
    renders: Mutex<Vec<(View, Rendering)>>,
}

impl Published {
    pub fn new(seq: i64, schema: Arc<EventSchema>, consent: Vec<i32>, text: String) -> Published {
        Published {
            seq,
            schema,
            consent,
            text: text.into(),
            renders: Mutex::new(Vec::new()),
        }
    }

    fn render_cell(&self, view: &View) -> Rendering {
        let mut renders = self.renders.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, cell)) = renders.iter().find(|(v, _)| v == view) {
            return cell.clone();
        }
        let cell = Arc::new(OnceCell::new());
        renders.push((view.clone(), cell.clone()));
        cell
    }
}

/// What an account's tails went through since the server started.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EgressCounts {
    /// Tails open now.
    pub tails: u64,
    /// Events not delivered to a tail that fell behind.
    pub dropped_events: u64,
    /// Tails ended because they fell behind.
    pub tails_closed_behind: u64,
}

#[derive(Default)]
pub struct Counters(Mutex<HashMap<String, EgressCounts>>);

impl Counters {
    fn change(&self, account: &str, f: impl FnOnce(&mut EgressCounts)) {
        let mut all = self.0.lock().unwrap_or_else(|e| e.into_inner());
        f(all.entry(account.to_owned()).or_default());
    }

    pub fn of(&self, account: &str) -> EgressCounts {
        let all = self.0.lock().unwrap_or_else(|e| e.into_inner());
        all.get(account).copied().unwrap_or_default()
    }
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
    counters: Arc<Counters>,
}

impl Hub {
    pub fn new(capacity: usize, feed: Option<Arc<dyn Feed>>) -> Hub {
        Hub {
            capacity: capacity.max(1),
            channels: Mutex::new(HashMap::new()),
            feed,
            tails: Mutex::new(Vec::new()),
            counters: Arc::default(),
        }
    }

    /// Whether the pipeline publishes what it accepts (no feed brings it).
    pub fn publishes_locally(&self) -> bool {
        self.feed.is_none()
    }

    fn tails(&self) -> MutexGuard<'_, Vec<(Principal, watch::Sender<()>)>> {
        self.tails.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn channels(&self) -> MutexGuard<'_, HashMap<(String, String), Entry>> {
        self.channels.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// What the account's tails went through.
    pub fn counts(&self, account: &str) -> EgressCounts {
        self.counters.of(account)
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
    pub(super) fn subscribe(&self, principal: &Principal) -> Registered {
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
        self.counters.change(&principal.account, |c| c.tails += 1);
        Registered {
            rx,
            closed,
            feed,
            counters: self.counters.clone(),
            account: principal.account.clone(),
        }
    }
}

/// A tail registered with the hub (counted among the account's open tails until
/// dropped).
pub struct Registered {
    rx: broadcast::Receiver<Arc<Published>>,
    /// Changes (its sender is dropped) when the hub ends this tail.
    closed: watch::Receiver<()>,
    /// The feed of a shared event store, kept running while this tail lives.
    feed: Option<Arc<FeedGuard>>,
    counters: Arc<Counters>,
    account: String,
}

impl Drop for Registered {
    fn drop(&mut self) {
        self.counters
            .change(&self.account, |c| c.tails = c.tails.saturating_sub(1));
    }
}

/// The consumer fell behind; its tail ends, and this many events of its stream were not
/// delivered to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Behind(pub u64);

/// One consumer's live tail, already filtered and decrypted for its view.
pub struct Subscription {
    renderer: Renderer,
    principal: Principal,
    view: View,
    tail: Registered,
    /// An event received and not yet rendered: kept here so that a `next` cancelled
    /// while rendering (the socket had something to say) loses nothing.
    pending: Option<Arc<Published>>,
    dropped: u64,
}

impl Subscription {
    pub(super) fn new(
        renderer: Renderer,
        principal: Principal,
        view: View,
        registered: Registered,
    ) -> Subscription {
        Subscription {
            renderer,
            principal,
            view,
            tail: registered,
            pending: None,
            dropped: 0,
        }
    }

    /// Waits until this tail receives every event accepted from now on: at once with the
    /// local store; with a shared one, once its feed delivers. The reason when the feed
    /// cannot start (the event store is unreachable).
    pub async fn ready(&self) -> Result<(), String> {
        let Some(feed) = &self.tail.feed else {
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

    /// The next event this view receives, as JSON text; `Err` once the consumer fell
    /// behind (the events it missed are counted); `None` when the server stops or the
    /// principal's stream or output is deleted. Cancel-safe.
    pub async fn next(&mut self) -> Option<Result<Utf8Bytes, Behind>> {
        loop {
            let published = match self.pending.take() {
                Some(p) => p,
                None => {
                    let received = tokio::select! {
                        biased;
                        _ = self.tail.closed.changed() => return None,
                        received = self.tail.rx.recv() => received,
                    };
                    match received {
                        Ok(p) => p,
                        Err(broadcast::error::RecvError::Lagged(skipped)) => {
                            // The tail ends here: what it skipped and what still waits
                            // for it are both events of its stream it will not get.
                            let n = skipped + self.tail.rx.len() as u64;
                            self.dropped += n;
                            self.tail.counters.change(&self.principal.account, |c| {
                                c.dropped_events += n;
                                c.tails_closed_behind += 1;
                            });
                            tracing::warn!(
                                stream = %self.principal.stream,
                                output = ?self.principal.output,
                                dropped = n,
                                "slow websocket consumer fell behind: events dropped, tail closed"
                            );
                            return Some(Err(Behind(n)));
                        }
                        Err(broadcast::error::RecvError::Closed) => return None,
                    }
                }
            };
            if !self.view.admits(&published.consent) {
                continue;
            }
            if self.view == View::Source {
                return Some(Ok(published.text.clone()));
            }
            self.pending = Some(published.clone());
            let cell = published.render_cell(&self.view);
            let rendered = cell
                .get_or_init(|| {
                    // Rendering an output's view may read keys from SQLite.
                    let (renderer, view, p) =
                        (self.renderer.clone(), self.view.clone(), published.clone());
                    let (account, stream) = (
                        self.principal.account.clone(),
                        self.principal.stream.clone(),
                    );
                    async move {
                        tokio::task::spawn_blocking(move || {
                            renderer
                                .render(&account, &stream, &p.schema, &p.consent, &p.text, &view)
                                .map(Utf8Bytes::from)
                        })
                        .await
                        .ok()
                        .flatten()
                    }
                })
                .await
                .clone();
            self.pending = None;
            if let Some(text) = rendered {
                return Some(Ok(text));
            }
        }
    }
}
