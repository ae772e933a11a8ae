//! The worker's tail task: batches of events from the data plane's egress websocket.
//! It batches whatever the websocket has ready and stops sending while the console has
//! too many lines it has not taken yet, so a flood costs neither memory nor redraws. A
//! websocket that goes away is opened again by the task itself.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures::FutureExt;
use tokio::sync::{mpsc, watch};

use crate::protocol::{Answer, RING, Response, TailBatch, TailTarget};
use strm_client::ClientError;
use strm_client::events::{EventClient, EventHosts, EventReceiver};
use strm_client::secrets::SecretStore;
use strm_model::EventAuthRequest;

/// Most events in one batch.
const MAX_BATCH: usize = RING;
/// Lines sent but not yet taken by the console beyond which the task drops events.
const MAX_OUTSTANDING: usize = 4 * RING;

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
    /// The API's address as the worker last connected to it; it changes when another
    /// process takes the local server over.
    pub api_url: watch::Receiver<Option<String>>,
    /// The data plane's address when it is not the API's (`STRM_EVENTS_URL`).
    pub events_url: Option<String>,
    pub billing_id: Option<String>,
    pub secrets: SecretStore,
    pub timeout: Duration,
}

/// Waits before connecting again: longer after each failed attempt, up to a few seconds
/// (a local server is taken over within one).
fn backoff(attempt: u32) -> Duration {
    Duration::from_millis(250 * (1u64 << attempt.min(4))).min(Duration::from_secs(4))
}

/// Why a live tail stopped.
enum Stop {
    /// The websocket went away: connect again.
    Lost(String),
    /// The server refused the tail (a deleted stream, a revoked secret): give up.
    Refused(ClientError),
}

/// The saved secret, an event token, the websocket, then batches. When the websocket
/// goes away (the server that hosted it quit) the task says so and connects again, to
/// wherever the API is now, until the worker aborts it.
pub async fn follow(
    id: u64,
    target: TailTarget,
    mut source: TailSource,
    replies: mpsc::UnboundedSender<Response>,
) {
    let send = |result: Result<Answer, ClientError>| {
        let _ = replies.send(Response {
            id,
            result,
            session: None,
        });
    };
    let api_url = source.api_url.borrow().clone().unwrap_or_default();
    let Some(billing_id) = source.billing_id.clone() else {
        return send(Err(ClientError::LoginRequired {
            api: api_url,
            reason: "no session".into(),
        }));
    };
    let saved = match source.secrets.get(&api_url, &billing_id, &target.name) {
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
    let credentials = EventAuthRequest {
        billing_id,
        client_id: saved.client_id,
        client_secret: saved.client_secret,
    };
    let mut attempt = 0u32;
    loop {
        let events_url = source
            .events_url
            .clone()
            .or_else(|| source.api_url.borrow_and_update().clone())
            .unwrap_or(api_url.clone());
        let stop = match open(&events_url, &credentials, source.timeout).await {
            Ok(rx) => {
                attempt = 0;
                send(Ok(Answer::TailLive));
                stream(rx, &send).await
            }
            Err(e @ ClientError::Api { .. }) => Stop::Refused(e),
            Err(e) => Stop::Lost(e.to_string()),
        };
        match stop {
            Stop::Refused(e) => return send(Err(e)),
            Stop::Lost(reason) => {
                attempt += 1;
                send(Ok(Answer::TailReconnecting { reason, attempt }));
                // A new address (another process took the server over) is worth trying
                // at once; otherwise wait a little longer each time.
                let wait = backoff(attempt);
                if let Ok(Err(_)) = tokio::time::timeout(wait, source.api_url.changed()).await {
                    // The worker is going away; do not spin until it has.
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }
}

/// An event token and the websocket, within `timeout`.
async fn open(
    events_url: &str,
    credentials: &EventAuthRequest,
    timeout: Duration,
) -> Result<EventReceiver, ClientError> {
    let client = EventClient::new(EventHosts::single(events_url)?, credentials.clone())?;
    match tokio::time::timeout(timeout, client.receive(true)).await {
        Ok(result) => result,
        Err(_) => Err(ClientError::Timeout {
            api: events_url.to_string(),
            secs: timeout.as_secs(),
        }),
    }
}

/// Batches from the websocket until it closes or fails.
async fn stream(mut rx: EventReceiver, send: &impl Fn(Result<Answer, ClientError>)) -> Stop {
    let outstanding = Arc::new(AtomicUsize::new(0));
    let mut dropped = 0u64;
    loop {
        let mut lines = Vec::new();
        let mut end = None;
        let mut next = rx.next().await;
        loop {
            match next {
                Some(Ok(text)) => lines.push(compact(text)),
                Some(Err(e)) => end = Some(e.to_string()),
                None => end = Some("the server closed the tail".to_string()),
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
                let batch = TailBatch::counted(lines, std::mem::take(&mut dropped), &outstanding);
                send(Ok(Answer::TailEvents(batch)));
            }
        }
        if let Some(reason) = end {
            return Stop::Lost(reason);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pretty_json_becomes_one_line() {
        assert_eq!(compact("{\n  \"a\": 1\n}".into()), "{\"a\":1}");
        assert_eq!(compact("{\"a\":1}".into()), "{\"a\":1}");
    }
}
