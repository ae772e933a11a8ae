//! The data plane's clock: every tick it runs the exporters whose batches are due (and
//! keeps each one's health), saves usage counts every few seconds and, every minute,
//! retention. In a cluster each exporter runs only on the node that holds
//! its lease (`cluster::lease`), and the node's heartbeat says which ones it runs.

use std::collections::HashSet;
use std::sync::atomic::{AtomicI64, Ordering};

use super::exporter::{ExportJob, export_due, flush_usage, lease_key, record_attempt};
use super::pipeline::{DataError, DataPlane};
use super::usage::FLUSH_EVERY_MS;
use crate::cluster::nodes::HeldExporter;
use crate::cluster::{Cluster, every};
use strm_model::now_epoch_ms;

/// The jobs this node runs now: all of them with the local store; in a cluster those
/// whose lease it holds (taking free ones, renewing its own, giving up those of
/// exporters that are gone).
async fn runnable<'a>(cluster: Option<&Cluster>, jobs: &'a [ExportJob]) -> Vec<&'a ExportJob> {
    let Some(cluster) = cluster else {
        return jobs.iter().collect();
    };
    let mut mine = Vec::new();
    for job in jobs {
        if cluster.leases.hold(&lease_key(job)).await {
            mine.push(job);
        }
    }
    let live: HashSet<String> = jobs.iter().map(lease_key).collect();
    for key in cluster.leases.keys() {
        if !live.contains(&key) {
            cluster.leases.release(&key).await;
        }
    }
    cluster.nodes.set_exporters(
        mine.iter()
            .map(|j| HeldExporter {
                account: j.account.clone(),
                exporter: format!("{}/{}", j.linked_stream, j.name),
            })
            .collect(),
    );
    mine
}

/// When usage counts were last saved, and retention last ran.
#[derive(Default)]
struct Chores {
    flushed: AtomicI64,
    pruned: AtomicI64,
}

/// Whether `now` is more than `every` ms after the time kept in `last` (then kept).
fn due(last: &AtomicI64, now: i64, every: i64) -> bool {
    if now - last.load(Ordering::Relaxed) < every {
        return false;
    }
    last.store(now, Ordering::Relaxed);
    true
}

/// One tick: the exporters this node runs, usage counts and, every minute, retention.
async fn tick(plane: &DataPlane, cluster: Option<&Cluster>, chores: &Chores) {
    let now = now_epoch_ms();
    let jobs = {
        let p = plane.clone();
        tokio::task::spawn_blocking(move || p.directory().export_jobs())
            .await
            .unwrap_or_default()
    };
    for job in runnable(cluster, &jobs).await {
        let result = export_due(plane, job, now).await;
        record_attempt(plane, job, result.as_ref().err(), now).await;
    }
    if due(&chores.flushed, now, FLUSH_EVERY_MS) {
        flush_usage(plane).await;
    }
    if !due(&chores.pruned, now, 60_000) {
        return;
    }
    let p = plane.clone();
    let pruned: Result<_, DataError> = tokio::task::spawn_blocking(move || p.prune(now))
        .await
        .unwrap_or_else(|e| Err(DataError::Internal(e.to_string())));
    match pruned {
        Ok((events, keys)) if events + keys > 0 => {
            tracing::info!(events, keys, "retention removed expired events and keys")
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "retention failed"),
    }
}

/// Runs exporters and retention until `stop` turns true.
pub fn spawn_scheduler(
    plane: DataPlane,
    stop: tokio::sync::watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let chores = Chores::default();
        chores.flushed.store(now_epoch_ms(), Ordering::Relaxed);
        let cluster = plane.store().events().cluster().cloned();
        let period = plane.config().tick;
        every(period, stop, || tick(&plane, cluster.as_deref(), &chores)).await;
        flush_usage(&plane).await;
    })
}
