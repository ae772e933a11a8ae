//! The live tail: what the worker's tail task sends (batches of events from the data
//! plane's egress websocket) and the view's state (a bounded ring of the newest events
//! with counters). The task batches whatever the websocket has ready and stops sending
//! while the console has too many lines it has not taken yet, so a flood costs neither
//! memory nor redraws.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures::FutureExt;
use tokio::sync::mpsc;

use super::worker::{Answer, Response};
use strm_client::ClientError;
use strm_client::events::{EventClient, EventHosts};
use strm_client::secrets::SecretStore;
use strm_model::EventAuthRequest;

/// Events kept by a tail view.
pub const RING: usize = 500;
/// Most events in one batch.
const MAX_BATCH: usize = RING;
/// Lines sent but not yet taken by the console beyond which the task drops events.
const MAX_OUTSTANDING: usize = 4 * RING;

/// What a tail follows: a stream (its encrypted view) or an output of `output_of`
/// (its filtered, decrypted view). `client_id` is the one the API lists, so that a
/// saved secret of an older namesake is not used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TailTarget {
    pub name: String,
    pub client_id: String,
    pub output_of: Option<String>,
}

impl TailTarget {
    pub fn describe(&self) -> String {
        match &self.output_of {
            None => format!("stream {}", self.name),
            Some(stream) => format!("output {} of {stream}", self.name),
        }
    }

    pub fn view(&self) -> &'static str {
        match self.output_of {
            None => "encrypted view",
            Some(_) => "decrypted view",
        }
    }
}

/// Lines a batch still holds count against the task's budget until they are dropped.
#[derive(Default)]
struct Credit {
    outstanding: Option<Arc<AtomicUsize>>,
    lines: usize,
}

impl Drop for Credit {
    fn drop(&mut self) {
        if let Some(o) = &self.outstanding {
            o.fetch_sub(self.lines, Ordering::Relaxed);
        }
    }
}

/// Events as compact JSON text, newest last, and how many the task had to drop since
/// its last batch because the console fell behind.
pub struct TailBatch {
    pub lines: Vec<String>,
    pub dropped: u64,
    // Held for its `Drop`.
    _credit: Credit,
}

impl TailBatch {
    pub fn new(lines: Vec<String>, dropped: u64) -> TailBatch {
        TailBatch {
            lines,
            dropped,
            _credit: Credit::default(),
        }
    }
}

// A clone carries no credit: only the batch the console consumes gives it back.
impl Clone for TailBatch {
    fn clone(&self) -> TailBatch {
        TailBatch::new(self.lines.clone(), self.dropped)
    }
}

impl PartialEq for TailBatch {
    fn eq(&self, other: &TailBatch) -> bool {
        self.lines == other.lines && self.dropped == other.dropped
    }
}

impl Eq for TailBatch {}

impl std::fmt::Debug for TailBatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TailBatch")
            .field("lines", &self.lines.len())
            .field("dropped", &self.dropped)
            .finish()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TailState {
    Connecting,
    Live,
    /// No saved secret (or one of another clientId: `stale`) in `file`.
    NoSecret {
        file: PathBuf,
        stale: bool,
    },
    Failed(String),
    /// The server closed the websocket.
    Ended,
}

/// The tail popup's state. `id` is the worker request that runs the tail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TailView {
    pub id: u64,
    pub target: TailTarget,
    pub state: TailState,
    pub lines: VecDeque<String>,
    pub received: u64,
    pub dropped: u64,
    pub paused: bool,
    /// Lines hidden below the view (0 follows the newest).
    pub scroll: usize,
    /// Columns hidden left of the view.
    pub hscroll: u16,
    /// Long events wrap over several rows instead of being cut at the edge.
    pub wrap: bool,
}

impl TailView {
    pub fn new(id: u64, target: TailTarget) -> TailView {
        TailView {
            id,
            target,
            state: TailState::Connecting,
            lines: VecDeque::with_capacity(RING),
            received: 0,
            dropped: 0,
            paused: false,
            scroll: 0,
            hscroll: 0,
            wrap: false,
        }
    }

    /// Adds a batch: kept unless paused (then counted as dropped); a view scrolled
    /// back stays on the events it shows.
    pub fn append(&mut self, mut batch: TailBatch) {
        let lines = std::mem::take(&mut batch.lines);
        self.received += lines.len() as u64 + batch.dropped;
        self.dropped += batch.dropped;
        if self.paused {
            self.dropped += lines.len() as u64;
            return;
        }
        let n = lines.len();
        self.lines.extend(lines);
        let over = self.lines.len().saturating_sub(RING);
        self.lines.drain(..over);
        if self.scroll > 0 {
            self.scroll = (self.scroll + n).min(self.lines.len().saturating_sub(1));
        }
    }

    pub fn scroll_by(&mut self, up: isize) {
        let max = self.lines.len().saturating_sub(1) as isize;
        self.scroll = (self.scroll as isize + up).clamp(0, max.max(0)) as usize;
    }
}

/// Compact JSON, one line per event, whatever the server's spacing.
fn compact(text: String) -> String {
    if !text.contains('\n') {
        return text;
    }
    serde_json::from_str::<serde_json::Value>(&text)
        .map(|v| v.to_string())
        .unwrap_or_else(|_| text.replace(['\r', '\n'], " "))
}

/// Where the tail task reaches the API and the data plane, and as whom.
pub struct TailSource {
    pub api_url: String,
    pub events_url: String,
    pub billing_id: Option<String>,
    pub secrets: SecretStore,
    pub timeout: Duration,
}

/// The worker's tail task: the saved secret, an event token, the websocket, then
/// batches until the server closes it or the worker aborts the task.
pub async fn follow(
    id: u64,
    target: TailTarget,
    source: TailSource,
    replies: mpsc::UnboundedSender<Response>,
) {
    let send = |result: Result<Answer, ClientError>| {
        let _ = replies.send(Response {
            id,
            result,
            session: None,
        });
    };
    let Some(billing_id) = source.billing_id else {
        return send(Err(ClientError::LoginRequired {
            api: source.api_url,
            reason: "no session".into(),
        }));
    };
    let saved = match source
        .secrets
        .get(&source.api_url, &billing_id, &target.name)
    {
        Ok(s) => s,
        Err(e) => return send(Err(e)),
    };
    let saved = match saved {
        Some(s) if s.client_id == target.client_id => s,
        other => {
            return send(Ok(Answer::TailNoSecret {
                file: source.secrets.path().to_path_buf(),
                stale: other.is_some(),
            }));
        }
    };
    let client = EventHosts::single(&source.events_url).and_then(|hosts| {
        EventClient::new(
            hosts,
            EventAuthRequest {
                billing_id,
                client_id: saved.client_id,
                client_secret: saved.client_secret,
            },
        )
    });
    let client = match client {
        Ok(c) => c,
        Err(e) => return send(Err(e)),
    };
    let mut rx = match tokio::time::timeout(source.timeout, client.receive(true)).await {
        Ok(Ok(rx)) => rx,
        Ok(Err(e)) => return send(Err(e)),
        Err(_) => {
            return send(Err(ClientError::Timeout {
                api: source.events_url,
                secs: source.timeout.as_secs(),
            }));
        }
    };
    send(Ok(Answer::TailLive));
    let outstanding = Arc::new(AtomicUsize::new(0));
    let mut dropped = 0u64;
    loop {
        let mut lines = Vec::new();
        let mut end = None;
        let mut next = rx.next().await;
        loop {
            match next {
                Some(Ok(text)) => lines.push(compact(text)),
                Some(Err(e)) => end = Some(Err(e)),
                None => end = Some(Ok(Answer::TailEnded)),
            }
            if end.is_some() || lines.len() >= MAX_BATCH {
                break;
            }
            // Whatever else is ready goes in the same batch: one message, one redraw.
            match rx.next().now_or_never() {
                Some(item) => next = item,
                None => break,
            }
        }
        let n = lines.len();
        if n > 0 {
            if outstanding.load(Ordering::Relaxed) + n > MAX_OUTSTANDING {
                dropped += n as u64;
            } else {
                outstanding.fetch_add(n, Ordering::Relaxed);
                let batch = TailBatch {
                    lines,
                    dropped: std::mem::take(&mut dropped),
                    _credit: Credit {
                        outstanding: Some(outstanding.clone()),
                        lines: n,
                    },
                };
                send(Ok(Answer::TailEvents(batch)));
            }
        }
        if let Some(result) = end {
            return send(result);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target() -> TailTarget {
        TailTarget {
            name: "bart".into(),
            client_id: "cid".into(),
            output_of: None,
        }
    }

    #[test]
    fn the_ring_keeps_the_newest_and_counts_everything() {
        let mut view = TailView::new(1, target());
        let lines: Vec<String> = (0..RING + 20).map(|i| format!("{{\"n\":{i}}}")).collect();
        view.append(TailBatch::new(lines, 3));
        assert_eq!(view.lines.len(), RING);
        assert_eq!(
            view.lines.back().unwrap(),
            &format!("{{\"n\":{}}}", RING + 19)
        );
        assert_eq!(view.lines.front().unwrap(), "{\"n\":20}");
        assert_eq!((view.received, view.dropped), (RING as u64 + 23, 3));
    }

    #[test]
    fn a_consumed_batch_gives_its_credit_back() {
        let outstanding = Arc::new(AtomicUsize::new(2));
        let batch = TailBatch {
            lines: vec!["{}".into(), "{}".into()],
            dropped: 0,
            _credit: Credit {
                outstanding: Some(outstanding.clone()),
                lines: 2,
            },
        };
        let copy = batch.clone();
        drop(copy);
        assert_eq!(
            outstanding.load(Ordering::Relaxed),
            2,
            "a clone has no credit"
        );
        let mut view = TailView::new(1, target());
        view.append(batch);
        assert_eq!(outstanding.load(Ordering::Relaxed), 0);
    }

    #[test]
    fn pretty_json_becomes_one_line() {
        assert_eq!(compact("{\n  \"a\": 1\n}".into()), "{\"a\":1}");
        assert_eq!(compact("{\"a\":1}".into()), "{\"a\":1}");
    }
}
