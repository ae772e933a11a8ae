//! Egress across nodes: while a websocket on this node tails a stream, an ordered
//! JetStream consumer filtered on the stream's subject delivers every event any node
//! accepts to this node's hub, which fans it out to the local tails. One consumer per
//! stream watched, however many tails; it goes with the last of them.
//!
//! With a JetStream store the accepting node does not publish to its hub itself: every
//! tail gets each event once, through here. The consumer starts at "new" (events stored
//! after it exists, so a tail sees every event accepted after its websocket opened) and,
//! after a failure, resumes at the sequence after the last one delivered, so that
//! nothing is delivered twice or skipped while NATS comes back.

use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream::{consumer, stream};
use futures::StreamExt;
use tokio::sync::{broadcast, watch};

use super::{events, names};
use crate::dataplane::egress::{Feed, FeedGuard, FeedState, Published};
use crate::dataplane::schemas::EventSchema;

/// The schema a stored event of an account (billing id) was accepted under: a built-in
/// or one of the account's contracts, archived or not.
pub type SchemaLookup = Arc<dyn Fn(&str, &str) -> Option<Arc<EventSchema>> + Send + Sync>;

pub struct JetStreamFeed {
    stream: stream::Stream,
    schemas: SchemaLookup,
}

impl JetStreamFeed {
    pub fn new(stream: stream::Stream, schemas: SchemaLookup) -> JetStreamFeed {
        JetStreamFeed { stream, schemas }
    }
}

impl Feed for JetStreamFeed {
    fn watch(
        &self,
        account: &str,
        stream: &str,
        tx: broadcast::Sender<Arc<Published>>,
    ) -> FeedGuard {
        let (state, ready) = watch::channel(FeedState::Starting);
        let run = run(
            self.stream.clone(),
            Watched {
                account: account.to_string(),
                subject: names::events_subject(account, stream),
            },
            self.schemas.clone(),
            tx,
            state,
        );
        FeedGuard::new(ready, tokio::spawn(run).abort_handle())
    }
}

/// How long the feed waits before it tries again after NATS failed it.
const RETRY: Duration = Duration::from_millis(500);

/// What one feed follows: an account's stream, as its subject.
struct Watched {
    account: String,
    subject: String,
}

async fn run(
    js_stream: stream::Stream,
    watched: Watched,
    schemas: SchemaLookup,
    tx: broadcast::Sender<Arc<Published>>,
    state: watch::Sender<FeedState>,
) {
    // The next sequence to deliver, once one was delivered.
    let mut next: Option<u64> = None;
    loop {
        let deliver_policy = match next {
            None => consumer::DeliverPolicy::New,
            Some(start_sequence) => consumer::DeliverPolicy::ByStartSequence { start_sequence },
        };
        let created = js_stream
            .create_consumer(consumer::pull::OrderedConfig {
                filter_subject: watched.subject.clone(),
                deliver_policy,
                ..Default::default()
            })
            .await;
        let messages = match created {
            Ok(c) => c.messages().await.map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        match messages {
            Ok(mut messages) => {
                state.send_replace(FeedState::Live);
                while let Some(message) = messages.next().await {
                    let message = match message {
                        Ok(m) => m,
                        Err(e) => {
                            tracing::warn!(error = %e, "egress feed from NATS failed; resuming");
                            break;
                        }
                    };
                    let Some(stored) = events::stored(&message) else {
                        continue;
                    };
                    next = Some(stored.seq as u64 + 1);
                    let Some(schema) = schemas(&watched.account, &stored.schema_id) else {
                        continue;
                    };
                    let published = Arc::new(Published::new(
                        stored.seq,
                        schema,
                        stored.consent,
                        String::from_utf8(stored.body).unwrap_or_default(),
                    ));
                    // No receiver left: the last tail is going and will stop this task.
                    let _ = tx.send(published);
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "egress feed from NATS cannot start; retrying");
                state.send_replace(FeedState::Failed(format!(
                    "the event store (NATS JetStream) is unavailable: {e}"
                )));
            }
        }
        tokio::time::sleep(RETRY).await;
    }
}
