//! Exporters: batches of a stream's (or output's) events, or of its keys, written as
//! JSON lines to a sink through `object_store`.
//!
//! A batch is cut at a multiple of the interval: it holds the events after the committed
//! position accepted before that boundary, and is named after it. Acceptance times never
//! go backwards in sequence order (the store guarantees it), so once the boundary has
//! passed the batch can no longer grow. The position moves only after the object is
//! written; after a crash the same batch is written again under the same name.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use time::OffsetDateTime;
use time::macros::format_description;

use super::consent::View;
use super::pipeline::{DataPlane, now_ms};
use strm_model::{Invalid, S3Credentials, SinkType};

/// Where a sink's objects go.
#[derive(Clone, PartialEq, Eq)]
pub enum SinkTarget {
    /// The embedded default: a bucket is `<data dir>/buckets/<bucket>/`.
    Directory { bucket: String, root: PathBuf },
    S3 {
        bucket: String,
        endpoint: Option<String>,
        access_key_id: String,
        secret_access_key: String,
    },
    Gcs {
        bucket: String,
        service_account_json: String,
    },
}

impl std::fmt::Debug for SinkTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SinkTarget::Directory { bucket, root } => f
                .debug_struct("Directory")
                .field("bucket", bucket)
                .field("root", root)
                .finish(),
            SinkTarget::S3 {
                bucket, endpoint, ..
            } => f
                .debug_struct("S3")
                .field("bucket", bucket)
                .field("endpoint", endpoint)
                .finish_non_exhaustive(),
            SinkTarget::Gcs { bucket, .. } => f
                .debug_struct("Gcs")
                .field("bucket", bucket)
                .finish_non_exhaustive(),
        }
    }
}

/// Where local buckets live.
pub fn buckets_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("buckets")
}

impl SinkTarget {
    /// Decides where a sink writes: a real store when its credentials (or the server's
    /// S3 endpoint) say so, else the local bucket directory.
    pub fn resolve(
        sink_type: SinkType,
        bucket: &str,
        credentials: Option<&str>,
        data_dir: &Path,
        server_s3_endpoint: Option<&str>,
    ) -> Result<SinkTarget, Invalid> {
        strm_model::rules::check_bucket_name(bucket)?;
        if let Some(text) = credentials {
            strm_model::rules::check_sink_credentials(sink_type, text)?;
        }
        let local = || SinkTarget::Directory {
            bucket: bucket.to_owned(),
            root: buckets_dir(data_dir).join(bucket),
        };
        match sink_type {
            SinkType::S3 => {
                let creds: Option<S3Credentials> =
                    credentials.and_then(|t| serde_json::from_str(t).ok());
                let endpoint = creds
                    .as_ref()
                    .and_then(|c| c.endpoint_url.clone())
                    .or_else(|| server_s3_endpoint.map(str::to_owned));
                match (creds, endpoint) {
                    (Some(c), Some(endpoint)) => Ok(SinkTarget::S3 {
                        bucket: bucket.to_owned(),
                        endpoint: Some(endpoint),
                        access_key_id: c.access_key.access_key_id,
                        secret_access_key: c.access_key.secret_access_key,
                    }),
                    _ => Ok(local()),
                }
            }
            SinkType::Gcloud => {
                let real = credentials
                    .and_then(|t| serde_json::from_str::<serde_json::Value>(t).ok())
                    .is_some_and(|v| {
                        v.get("private_key").is_some() && v.get("client_email").is_some()
                    });
                match credentials {
                    Some(text) if real => Ok(SinkTarget::Gcs {
                        bucket: bucket.to_owned(),
                        service_account_json: text.to_owned(),
                    }),
                    _ => Ok(local()),
                }
            }
        }
    }

    pub fn bucket(&self) -> &str {
        match self {
            SinkTarget::Directory { bucket, .. }
            | SinkTarget::S3 { bucket, .. }
            | SinkTarget::Gcs { bucket, .. } => bucket,
        }
    }

    pub fn object_store(&self) -> Result<Arc<dyn ObjectStore>, String> {
        match self {
            SinkTarget::Directory { root, .. } => {
                std::fs::create_dir_all(root)
                    .map_err(|e| format!("cannot create {}: {e}", root.display()))?;
                let fs = object_store::local::LocalFileSystem::new_with_prefix(root)
                    .map_err(|e| e.to_string())?;
                Ok(Arc::new(fs))
            }
            SinkTarget::S3 {
                bucket,
                endpoint,
                access_key_id,
                secret_access_key,
            } => {
                let mut b = object_store::aws::AmazonS3Builder::new()
                    .with_bucket_name(bucket)
                    .with_region("us-east-1")
                    .with_access_key_id(access_key_id)
                    .with_secret_access_key(secret_access_key);
                if let Some(e) = endpoint {
                    b = b
                        .with_endpoint(e)
                        .with_allow_http(e.starts_with("http://"))
                        .with_virtual_hosted_style_request(false);
                }
                Ok(Arc::new(b.build().map_err(|e| e.to_string())?))
            }
            SinkTarget::Gcs {
                bucket,
                service_account_json,
            } => {
                let g = object_store::gcp::GoogleCloudStorageBuilder::new()
                    .with_bucket_name(bucket)
                    .with_service_account_key(service_account_json)
                    .build()
                    .map_err(|e| e.to_string())?;
                Ok(Arc::new(g))
            }
        }
    }
}

/// One exporter as the scheduler runs it.
#[derive(Debug, Clone)]
pub struct ExportJob {
    pub account: String,
    pub name: String,
    /// The exporter's `linkedStream`: a stream or an output name.
    pub linked_stream: String,
    /// The source stream whose events (or keys) are read.
    pub source_stream: String,
    pub view: View,
    pub sink: SinkTarget,
    pub interval_secs: u32,
    pub path_prefix: Option<String>,
    pub export_keys: bool,
}

impl ExportJob {
    fn object(&self, file: &str) -> Result<ObjectPath, String> {
        let key = match self.path_prefix.as_deref().map(|p| p.trim_matches('/')) {
            Some(p) if !p.is_empty() => format!("{p}/{file}"),
            _ => file.to_owned(),
        };
        ObjectPath::parse(&key).map_err(|e| e.to_string())
    }

    fn state(&self, plane: &DataPlane) -> Result<(String, i64), String> {
        // A new event exporter starts at the events accepted from now on; a key
        // exporter starts with every key the stream has, so its exports can decrypt.
        let initial = if self.export_keys {
            0
        } else {
            plane.store().last_seq()
        };
        plane
            .store()
            .export_state(
                &self.account,
                &self.linked_stream,
                &self.name,
                self.export_keys,
                initial,
            )
            .map_err(|e| e.to_string())
    }
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
    work: impl FnOnce(&DataPlane, &ExportJob) -> Result<T, String> + Send + 'static,
) -> Result<T, String> {
    let (plane, job) = (plane.clone(), job.clone());
    tokio::task::spawn_blocking(move || work(&plane, &job))
        .await
        .map_err(|e| e.to_string())?
}

/// Writes the empty `.strm_test_<uuid>.jsonl` that proves the sink works. The error
/// names the bucket and what the store said.
/// How long creating an exporter waits for its test object to be written; under the
/// API client's own timeout, so a bad bucket is refused with a 400 that says why.
const PROBE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

pub async fn probe(plane: &DataPlane, job: &ExportJob) -> Result<(), String> {
    let fail = |e: String| format!("bucket {:?} cannot be written: {e}", job.sink.bucket());
    let (uuid, _) = off_runtime(plane, job, |p, j| j.state(p))
        .await
        .map_err(fail)?;
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
        .map_err(|_| format!("no answer within {} s", PROBE_TIMEOUT.as_secs()))?
        .map_err(|e| e.to_string())?;
        Ok::<(), String>(())
    }
    .await;
    if result.is_err() {
        // A refused exporter leaves no position behind.
        let _ = off_runtime(plane, job, |p, j| {
            p.store()
                .forget_export(&j.account, &j.linked_stream, &j.name, j.export_keys)
                .map_err(|e| e.to_string())
        })
        .await;
    }
    result.map_err(fail)
}

const PAGE: usize = 5_000;

/// Writes every batch of this exporter whose boundary has passed by `now_ms`. Returns
/// the number of objects written.
pub async fn export_due(plane: &DataPlane, job: &ExportJob, now_ms: i64) -> Result<usize, String> {
    let (uuid, mut position) = off_runtime(plane, job, |p, j| j.state(p)).await?;
    let mut written = 0;
    let mut store: Option<Arc<dyn ObjectStore>> = None;
    loop {
        let Some(batch) =
            off_runtime(plane, job, move |p, j| next_batch(p, j, position, now_ms)).await?
        else {
            return Ok(written);
        };
        if !batch.lines.is_empty() {
            if store.is_none() {
                store = Some(job.sink.object_store()?);
            }
            let kind = if job.export_keys { "keys" } else { "stream" };
            let path = job.object(&batch_file(batch.boundary_ms, kind, &uuid))?;
            let mut body = batch.lines.join("\n");
            body.push('\n');
            store
                .as_ref()
                .expect("set above")
                .put(&path, PutPayload::from(body.into_bytes()))
                .await
                .map_err(|e| format!("bucket {:?}: {e}", job.sink.bucket()))?;
            written += 1;
        }
        let end = batch.end_position;
        off_runtime(plane, job, move |p, j| {
            p.store()
                .commit_export(&j.account, &j.linked_stream, &j.name, j.export_keys, end)
                .map_err(|e| e.to_string())
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
) -> Result<Option<Batch>, String> {
    let store = plane.store();
    let mut lines = Vec::new();
    let mut end = position;
    let mut boundary = None;
    loop {
        if job.export_keys {
            let keys = store
                .keys_after(&job.account, &job.source_stream, end, PAGE)
                .map_err(|e| e.to_string())?;
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
                .events_after(&job.account, &job.source_stream, end, PAGE)
                .map_err(|e| e.to_string())?;
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
    Ok(boundary.and_then(|b| closed(b, end, lines, now_ms)))
}

fn closed(boundary_ms: i64, end_position: i64, lines: Vec<String>, now_ms: i64) -> Option<Batch> {
    (now_ms >= boundary_ms).then_some(Batch {
        boundary_ms,
        end_position,
        lines,
    })
}

/// Runs exporters and retention until `stop` turns true.
pub fn spawn_scheduler(
    plane: DataPlane,
    mut stop: tokio::sync::watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(plane.config().tick);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut last_prune = 0i64;
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = stop.changed() => {}
            }
            if *stop.borrow() {
                return;
            }
            let now = now_ms();
            let jobs = {
                let p = plane.clone();
                tokio::task::spawn_blocking(move || p.directory().export_jobs())
                    .await
                    .unwrap_or_default()
            };
            for job in &jobs {
                if let Err(e) = export_due(&plane, job, now).await {
                    tracing::warn!(exporter = %job.name, stream = %job.linked_stream, error = %e, "export failed; retrying next tick");
                }
            }
            if now - last_prune > 60_000 {
                last_prune = now;
                let p = plane.clone();
                let pruned = tokio::task::spawn_blocking(move || p.prune(now))
                    .await
                    .map_err(|e| e.to_string())
                    .and_then(|r| r.map_err(|e| e.to_string()));
                match pruned {
                    Ok((events, keys)) if events + keys > 0 => {
                        tracing::info!(events, keys, "retention removed expired events and keys")
                    }
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "retention failed"),
                }
            }
        }
    })
}
