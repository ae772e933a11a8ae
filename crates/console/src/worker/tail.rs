//! The worker's tail task: batches of events from the data plane's egress websocket.
//! It batches whatever the websocket has ready and stops sending while the console has
//! too many lines it has not taken yet, so a flood costs neither memory nor redraws.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures::FutureExt;
use tokio::sync::mpsc;

use crate::protocol::{Answer, RING, Response, TailBatch, TailTarget};
use strm_client::ClientError;
use strm_client::events::{EventClient, EventHosts};
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
    pub api_url: String,
    pub events_url: String,
    pub billing_id: Option<String>,
    pub secrets: SecretStore,
    pub timeout: Duration,
}

/// The saved secret, an event token, the websocket, then batches until the server
/// closes it or the worker aborts the task.
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
                let batch = TailBatch::counted(lines, std::mem::take(&mut dropped), &outstanding);
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

    #[test]
    fn pretty_json_becomes_one_line() {
        assert_eq!(compact("{\n  \"a\": 1\n}".into()), "{\"a\":1}");
        assert_eq!(compact("{\"a\":1}".into()), "{\"a\":1}");
    }
}
