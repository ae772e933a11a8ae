//! An exporter's status (`observability.md`, "Exporter status"): its record in the
//! store, what it has still to write, and when it writes next.

use super::exporter::boundary_after;
use super::pipeline::DataPlane;
use super::sink::ExportJob;
use super::store::StoreError;
use strm_model::{ExporterState, ExporterStatus};

/// The status of `job` at `now_ms`.
pub fn exporter_status(
    plane: &DataPlane,
    job: &ExportJob,
    now_ms: i64,
) -> Result<ExporterStatus, StoreError> {
    let store = plane.store();
    let record =
        store
            .exports()
            .record(&job.account, &job.linked_stream, &job.name, job.export_keys)?;
    // Before its first run an event exporter starts at the events accepted from then
    // on, a key exporter at the first key (`exporter::export_state`).
    let position = match &record {
        Some(r) => r.position,
        None if job.export_keys => 0,
        None => store.events().last_seq(),
    };
    let (pending, first) = if job.export_keys {
        store
            .keys()
            .pending_after(&job.account, &job.source_stream, position)?
    } else {
        store
            .events()
            .pending_after(&job.account, &job.source_stream, position, &|consent| {
                job.view.admits(consent)
            })?
    };
    let record = record.unwrap_or_default();
    let state = if record.last_error.is_some() {
        ExporterState::Failing
    } else if record.objects > 0 {
        ExporterState::Running
    } else {
        ExporterState::Idle
    };
    // A batch is written once its boundary has passed, on the scheduler's next tick; a
    // failed one is retried at every tick.
    let next_tick = now_ms + plane.config().tick.as_millis() as i64;
    let next_run_at = match first {
        Some(ts) => boundary_after(ts, job.interval_secs).max(next_tick),
        None => boundary_after(now_ms, job.interval_secs),
    };
    Ok(ExporterStatus {
        state,
        last_batch_at: record.last_batch_ms,
        last_object: record.last_object,
        objects: record.objects,
        events: record.events,
        bytes: record.bytes,
        pending_events: pending,
        next_run_at: Some(next_run_at),
        last_error: record.last_error,
    })
}
