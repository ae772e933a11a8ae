//! Exporters: batches of a stream's (or output's) events, or of its keys, written as
//! JSON lines to a sink through `object_store`.
//!
//! A batch is cut at a multiple of the interval: it holds the events after the committed
//! position accepted before that boundary, and is named after it. Acceptance times never
//! go backwards in sequence order (the store guarantees it), so once the boundary has
//! passed the batch can no longer grow. The position moves only after the object is
//! written; after a crash the same batch is written again under the same name.

use std::sync::Arc;

use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use time::OffsetDateTime;
use time::macros::format_description;

use super::pipeline::DataPlane;
pub use super::sink::{ExportJob, SinkError, SinkTarget, buckets_dir};
use super::store::{StoreError, Written};
use strm_model::now_epoch_ms;

/// Why an export (or the probe of a new exporter's sink) failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Sink(#[from] SinkError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Task(#[from] tokio::task::JoinError),
    /// The probe's test object was not written in time.
    #[error("no answer within {0} s")]
    Timeout(u64),
    /// The probe's test object was refused.
    #[error(transparent)]
    Probe(object_store::Error),
    #[error("bucket {bucket:?}: {source}")]
    Write {
        bucket: String,
        source: object_store::Error,
    },
    #[error("bucket {bucket:?} cannot be written: {source}")]
    Unwritable {
        bucket: String,
        source: Box<ExportError>,
    },
    /// The control plane has the exporter but no usable sink for it.
    #[error("the exporter's sink cannot be used")]
    NoSink,
}

/// An exporter's object-name uuid and committed position, made on first use.
fn export_state(plane: &DataPlane, job: &ExportJob) -> Result<(String, i64), ExportError> {
    // A new event exporter starts at the events accepted from now on; a key exporter
    // starts with every key the stream has, so its exports can decrypt.
    let store = plane.store();
    let initial = if job.export_keys {
        0
    } else {
        store.events().head()?
    };
    Ok(store.exports().state(
        &job.account,
        &job.linked_stream,
        &job.name,
        job.export_keys,
        initial,
    )?)
}

/// `YYYY-MM-DDTHH:MM:SS` in UTC.
pub fn batch_time(ms: i64) -> String {
    OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000))
        .ok()
        .and_then(|t| {
            t.format(format_description!(
                "[year]-[month]-[day]T[hour]:[minute]:[second]"
            ))
            .ok()
        })
        .unwrap_or_default()
}

/// The batch boundary after a time: the next multiple of the interval.
pub fn boundary_after(ts_ms: i64, interval_secs: u32) -> i64 {
    let step = interval_secs.max(1) as i64 * 1000;
    ts_ms.div_euclid(step) * step + step
}

/// The object name of an event or key batch cut at `boundary_ms`.
pub fn batch_file(boundary_ms: i64, kind: &str, uuid: &str) -> String {
    format!(
        "{}-{kind}-{uuid}{{0,1,2,3,4}}.jsonl",
        batch_time(boundary_ms)
    )
}

/// Runs an exporter's store work on the blocking pool: SQLite under the store's mutex
/// must not hold an async worker.
async fn off_runtime<T: Send + 'static>(
    plane: &DataPlane,
    job: &ExportJob,
    work: impl FnOnce(&DataPlane, &ExportJob) -> Result<T, ExportError> + Send + 'static,
) -> Result<T, ExportError> {
    let (plane, job) = (plane.clone(), job.clone());
    tokio::task::spawn_blocking(move || work(&plane, &job)).await?
}

/// Writes the empty `.strm_test_<uuid>.jsonl` that proves the sink works. The error
/// names the bucket and what the store said.
/// How long creating an exporter waits for its test object to be written; under the
/// API client's own timeout, so a bad bucket is refused with a 400 that says why.
const PROBE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

pub async fn probe(plane: &DataPlane, job: &ExportJob) -> Result<(), ExportError> {
    let fail = |e: ExportError| ExportError::Unwritable {
        bucket: job.sink.bucket().to_owned(),
        source: Box::new(e),
    };
    let (uuid, _) = off_runtime(plane, job, export_state).await.map_err(fail)?;
    let result = async {
        let store = job.sink.object_store()?;
        let path = job.object(&format!(".strm_test_{uuid}.jsonl"))?;
        // The store client retries an unreachable endpoint for minutes; whoever creates
        // the exporter waits for this answer, so it comes within a bound.
        tokio::time::timeout(
            PROBE_TIMEOUT,
            store.put(&path, PutPayload::from(Vec::<u8>::new())),
        )
        .await
        .map_err(|_| ExportError::Timeout(PROBE_TIMEOUT.as_secs()))?
        .map_err(ExportError::Probe)?;
        Ok::<(), ExportError>(())
    }
    .await;
    if result.is_err() {
        // A refused exporter leaves no position behind.
        let _ = off_runtime(plane, job, |p, j| {
            let exports = p.store().exports();
            Ok(exports.forget(&j.account, &j.linked_stream, &j.name, j.export_keys)?)
        })
        .await;
    }
    result.map_err(fail)
}

const PAGE: usize = 5_000;

/// Writes every batch of this exporter whose boundary has passed by `now_ms`. Returns
/// the number of objects written.
pub async fn export_due(
    plane: &DataPlane,
    job: &ExportJob,
    now_ms: i64,
) -> Result<usize, ExportError> {
    let (uuid, mut position) = off_runtime(plane, job, export_state).await?;
    let mut written = 0;
    let mut made: Option<Written> = None;
    let mut store: Option<Arc<dyn ObjectStore>> = None;
    loop {
        let Some(batch) =
            off_runtime(plane, job, move |p, j| next_batch(p, j, position, now_ms)).await?
        else {
            return Ok(written);
        };
        if !batch.lines.is_empty() {
            // Opened once, for the first batch that has lines.
            let target = match &store {
                Some(s) => s.clone(),
                None => store.insert(job.sink.object_store()?).clone(),
            };
            // Another node may take the lease over once it lapses: write nothing after
            // this node stopped trusting it.
            if !holds_lease(plane, job) {
                return Ok(written);
            }
            let kind = if job.export_keys { "keys" } else { "stream" };
            let path = job.object(&batch_file(batch.boundary_ms, kind, &uuid))?;
            let mut body = batch.lines.join("\n");
            body.push('\n');
            let bytes = body.len();
            target
                .put(&path, PutPayload::from(body.into_bytes()))
                .await
                .map_err(|source| ExportError::Write {
                    bucket: job.sink.bucket().to_owned(),
                    source,
                })?;
            written += 1;
            made = Some(Written {
                object: path.to_string(),
                lines: batch.lines.len(),
                bytes,
                at_ms: now_epoch_ms(),
            });
        }
        let end = batch.end_position;
        let object = made.take();
        off_runtime(plane, job, move |p, j| {
            let exports = p.store().exports();
            Ok(exports.commit(
                &j.account,
                &j.linked_stream,
                &j.name,
                j.export_keys,
                end,
                object.as_ref(),
            )?)
        })
        .await?;
        position = batch.end_position;
    }
}

struct Batch {
    boundary_ms: i64,
    end_position: i64,
    lines: Vec<String>,
}

/// The first closed batch after `position`, if any.
fn next_batch(
    plane: &DataPlane,
    job: &ExportJob,
    position: i64,
    now_ms: i64,
) -> Result<Option<Batch>, ExportError> {
    let store = plane.store();
    let mut lines = Vec::new();
    let mut end = position;
    let mut boundary = None;
    loop {
        if job.export_keys {
            let keys = store
                .keys()
                .after(&job.account, &job.source_stream, end, PAGE)?;
            let full = keys.len() == PAGE;
            for (seq, key) in keys {
                let b = *boundary.get_or_insert(boundary_after(key.created_ms, job.interval_secs));
                if key.created_ms >= b {
                    return Ok(closed(b, end, lines, now_ms));
                }
                lines.push(
                    serde_json::json!({"keyLink": key.key_link, "tinkKey": key.tink_keyset()})
                        .to_string(),
                );
                end = seq;
            }
            if !full {
                break;
            }
        } else {
            let events = store
                .events()
                .after(&job.account, &job.source_stream, end, PAGE)?;
            let full = events.len() == PAGE;
            for e in events {
                let b = *boundary.get_or_insert(boundary_after(e.ts_ms, job.interval_secs));
                if e.ts_ms >= b {
                    return Ok(closed(b, end, lines, now_ms));
                }
                if let Some(line) =
                    plane.render_stored(&job.account, &job.source_stream, &e, &job.view)
                {
                    lines.push(line);
                }
                end = e.seq;
            }
            if !full {
                break;
            }
        }
    }
    // No later event cut the batch: with a shared event store an event stamped before
    // the boundary may still be on its way to the readers, so the batch waits a moment
    // past the boundary (an event read after its cut would otherwise start a second
    // batch under the same name).
    let settle = store.events().settle_ms();
    Ok(boundary.and_then(|b| closed(b, end, lines, now_ms - settle)))
}

fn closed(boundary_ms: i64, end_position: i64, lines: Vec<String>, now_ms: i64) -> Option<Batch> {
    (now_ms >= boundary_ms).then_some(Batch {
        boundary_ms,
        end_position,
        lines,
    })
}

/// The lease an exporter runs under in a cluster.
pub fn lease_key(job: &ExportJob) -> String {
    crate::cluster::names::exporter_key(
        &job.account,
        &job.linked_stream,
        &job.name,
        job.export_keys,
    )
}

/// Whether this node may write the exporter's objects: always with the local store;
/// in a cluster while its lease is trusted.
fn holds_lease(plane: &DataPlane, job: &ExportJob) -> bool {
    match plane.store().events().cluster() {
        None => true,
        Some(c) => c.leases.still_held(&lease_key(job)),
    }
}

/// What an exporter's status says went wrong: the bucket and the store's own words.
fn describe(job: &ExportJob, e: &ExportError) -> String {
    match e {
        ExportError::Write { .. } | ExportError::Unwritable { .. } => e.to_string(),
        ExportError::Sink(inner) => format!("bucket {:?}: {inner}", job.sink.bucket()),
        ExportError::NoSink => "the exporter's sink cannot be used; create the sink again".into(),
        other => format!("the server could not read what to export: {other}"),
    }
}

/// Keeps an exporter's last error (or clears it) for its status; the log says when an
/// exporter starts failing and when it recovers, not at every retry.
pub(crate) async fn record_attempt(
    plane: &DataPlane,
    job: &ExportJob,
    error: Option<&ExportError>,
    now: i64,
) {
    let message = error.map(|e| describe(job, e));
    let said = message.clone();
    let changed = off_runtime(plane, job, move |p, j| {
        Ok(p.store().exports().attempted(
            &j.account,
            &j.linked_stream,
            &j.name,
            j.export_keys,
            said.as_deref(),
            now,
        )?)
    })
    .await;
    match (changed, message) {
        (Ok(true), Some(m)) => {
            tracing::warn!(exporter = %job.name, stream = %job.linked_stream, error = %m, "export failed; retrying every tick")
        }
        (Ok(true), None) => {
            tracing::info!(exporter = %job.name, stream = %job.linked_stream, "export works again")
        }
        (Ok(false), _) => {}
        (Err(e), _) => {
            tracing::warn!(exporter = %job.name, error = %e, "recording an export attempt failed")
        }
    }
}

pub(crate) async fn flush_usage(plane: &DataPlane) {
    let p = plane.clone();
    match tokio::task::spawn_blocking(move || p.flush_usage()).await {
        Ok(Ok(_)) => {}
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "saving usage counts failed; kept for the next try")
        }
        Err(e) => tracing::warn!(error = %e, "saving usage counts failed"),
    }
}
