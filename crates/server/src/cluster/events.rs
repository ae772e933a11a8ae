//! The events in NATS JetStream: one JetStream stream (`STRM_EVENTS`) holds every
//! account's events under `strm.ev.<account>.<stream>` (`names`), replicated as
//! configured, file-backed, kept for the retention (`max_age`). An event is accepted once
//! JetStream acknowledged its publish; its sequence number is the stream sequence.
//!
//! Nothing is indexed in the node's memory: reads go to JetStream (a short-lived
//! consumer filtered on the subject), so a node's memory does not grow with the events
//! retained.

use std::time::Duration;

use async_nats::jetstream::{self, consumer, stream};
use futures::StreamExt;

use super::{ClusterConfig, ClusterError, names, settle, wire};
use crate::dataplane::eventlog::{AppendError, NewEvent, StoredEvent};
use strm_model::now_epoch_ms;

/// The JetStream stream of the events.
pub const STREAM: &str = "STRM_EVENTS";
/// How long JetStream remembers a message id to drop a duplicate (at most the retention).
const DUPLICATE_WINDOW: Duration = Duration::from_secs(120);

pub struct JetStreamEvents {
    js: jetstream::Context,
    stream: stream::Stream,
}

fn stream_config(config: &ClusterConfig) -> stream::Config {
    stream::Config {
        name: STREAM.into(),
        description: Some("strm-tui: accepted events, strm.ev.<account>.<stream>".into()),
        subjects: vec![format!("{}.>", names::EVENTS_PREFIX)],
        num_replicas: config.replicas,
        max_age: config.retention,
        duplicate_window: DUPLICATE_WINDOW.min(config.retention),
        storage: stream::StorageType::File,
        retention: stream::RetentionPolicy::Limits,
        discard: stream::DiscardPolicy::Old,
        // Egress and exporters may read from any replica, not only the leader.
        allow_direct: true,
        ..Default::default()
    }
}

/// JetStream's acceptance time of a message, in epoch ms.
fn published_ms(t: time::OffsetDateTime) -> i64 {
    (t.unix_timestamp_nanos() / 1_000_000) as i64
}

/// A message of the events stream as the store gives it back. JetStream's own time
/// (set by the stream's leader in sequence order) is the acceptance time exporters cut
/// batches by: unlike the accepting nodes' clocks it never goes backwards in sequence
/// order.
pub fn stored(message: &jetstream::Message) -> Option<StoredEvent> {
    let info = message.info().ok()?;
    let e = wire::decode(&message.payload)?;
    Some(StoredEvent {
        seq: info.stream_sequence as i64,
        ts_ms: published_ms(info.published),
        schema_id: e.schema_id,
        consent: e.consent,
        body: e.body,
    })
}

impl JetStreamEvents {
    /// Makes sure the events stream exists with this configuration (replicas and
    /// retention follow the newest node's options).
    pub async fn open(
        js: jetstream::Context,
        config: &ClusterConfig,
    ) -> Result<Self, ClusterError> {
        let wanted = stream_config(config);
        let info = settle("creating the events stream", || {
            js.create_or_update_stream(wanted.clone())
        })
        .await?;
        if info.config.num_replicas != config.replicas {
            tracing::warn!(
                wanted = config.replicas,
                has = info.config.num_replicas,
                "the events stream keeps another number of replicas"
            );
        }
        let stream = settle("opening the events stream", || js.get_stream(STREAM)).await?;
        Ok(JetStreamEvents { js, stream })
    }

    pub fn client(&self) -> async_nats::Client {
        self.js.client()
    }

    pub fn stream(&self) -> &stream::Stream {
        &self.stream
    }

    /// Publishes an event and returns once JetStream acknowledged it (stored with the
    /// configured replicas). Many appends are in flight at once: each waits only for its
    /// own acknowledgement.
    pub async fn append(&self, event: NewEvent) -> Result<StoredEvent, AppendError> {
        let unavailable = |what: &str, e: &dyn std::fmt::Display| {
            AppendError::Unavailable(ClusterError::of(what, e).0)
        };
        // While the connection is down a publish would wait in the client's buffer and
        // might be stored after the sender was told it failed: refuse at once instead.
        if self.js.client().connection_state() != async_nats::connection::State::Connected {
            return Err(AppendError::Unavailable(
                ClusterError::of(
                    "publishing the event",
                    "not connected to NATS; reconnecting",
                )
                .0,
            ));
        }
        let ts_ms = now_epoch_ms();
        let body = (event.encode)(ts_ms).map_err(AppendError::Encode)?;
        let payload = wire::encode(ts_ms, &event.schema_id, &event.consent, &body);
        let subject = names::events_subject(&event.account, &event.stream);
        let ack = self
            .js
            .publish(subject, payload)
            .await
            .map_err(|e| unavailable("publishing the event", &e))?
            .await
            .map_err(|e| unavailable("storing the event", &e))?;
        Ok(StoredEvent {
            seq: ack.sequence as i64,
            ts_ms,
            schema_id: event.schema_id,
            consent: event.consent,
            body,
        })
    }

    /// Up to `limit` events of a stream after `after_seq`, oldest first: a direct get
    /// says whether there is any (one round trip when there is none, the usual case for
    /// an exporter's tick), then a consumer filtered on the stream's subject fetches them
    /// and is removed.
    pub async fn after(
        &self,
        account: &str,
        stream: &str,
        after_seq: i64,
        limit: usize,
    ) -> Result<Vec<StoredEvent>, ClusterError> {
        let subject = names::events_subject(account, stream);
        let start = (after_seq.max(0) + 1) as u64;
        match self
            .stream
            .direct_get_next_for_subject(subject.clone(), Some(start))
            .await
        {
            Ok(_) => {}
            Err(e) if e.kind() == stream::DirectGetErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(ClusterError::of("reading events", e)),
        }
        let reader = self.reader(subject, start).await?;
        let name = reader.cached_info().name.clone();
        let read = async {
            let mut batch = reader
                .fetch()
                .max_messages(limit)
                .expires(Duration::from_secs(2))
                .messages()
                .await
                .map_err(|e| ClusterError::of("reading events", e))?;
            let mut events = Vec::new();
            while let Some(message) = batch.next().await {
                let message = message.map_err(|e| ClusterError::of("reading events", e))?;
                if let Some(e) = stored(&message) {
                    events.push(e);
                }
            }
            Ok(events)
        }
        .await;
        self.drop_reader(name);
        read
    }

    /// How many events of a stream JetStream holds after `after_seq` (read from a
    /// consumer's count of pending messages, without reading them).
    pub async fn count_after(
        &self,
        account: &str,
        stream: &str,
        after_seq: i64,
    ) -> Result<u64, ClusterError> {
        let subject = names::events_subject(account, stream);
        let reader = self.reader(subject, (after_seq.max(0) + 1) as u64).await?;
        let info = reader.cached_info();
        self.drop_reader(info.name.clone());
        Ok(info.num_pending)
    }

    /// A short-lived pull consumer of one subject from sequence `start` on.
    async fn reader(
        &self,
        subject: String,
        start: u64,
    ) -> Result<consumer::PullConsumer, ClusterError> {
        self.stream
            .create_consumer(consumer::pull::Config {
                filter_subject: subject,
                deliver_policy: consumer::DeliverPolicy::ByStartSequence {
                    start_sequence: start,
                },
                ack_policy: consumer::AckPolicy::None,
                inactive_threshold: Duration::from_secs(30),
                memory_storage: true,
                num_replicas: 1,
                ..Default::default()
            })
            .await
            .map_err(|e| ClusterError::of("reading events", e))
    }

    /// Deletes a reader, not waited for: it would lapse by itself anyway.
    fn drop_reader(&self, name: String) {
        let js_stream = self.stream.clone();
        tokio::spawn(async move {
            let _ = js_stream.delete_consumer(&name).await;
        });
    }

    /// How many events of a stream JetStream holds.
    pub async fn count(&self, account: &str, stream: &str) -> Result<usize, ClusterError> {
        let subject = names::events_subject(account, stream);
        let mut info = self
            .stream
            .info_with_subjects(&subject)
            .await
            .map_err(|e| ClusterError::of("counting events", e))?;
        let mut count = 0;
        while let Some(entry) = info.next().await {
            let (_, n) = entry.map_err(|e| ClusterError::of("counting events", e))?;
            count += n;
        }
        Ok(count)
    }

    /// The newest sequence number of all events, or 0.
    pub async fn last_seq(&self) -> Result<i64, ClusterError> {
        let info = self
            .stream
            .get_info()
            .await
            .map_err(|e| ClusterError::of("reading the events stream", e))?;
        Ok(info.state.last_sequence as i64)
    }

    /// Removes a stream's events on every node: JetStream purges the subject.
    pub async fn delete_stream(&self, account: &str, stream: &str) -> Result<(), ClusterError> {
        self.stream
            .purge()
            .filter(names::events_subject(account, stream))
            .await
            .map_err(|e| ClusterError::of("purging a deleted stream's events", e))?;
        Ok(())
    }
}
