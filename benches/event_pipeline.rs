//! The CPU work of one `POST /event` without HTTP and without the store (see
//! BENCHMARKS.md): schema lookup, JSON decode, contract checks, key lookup (an in-memory
//! hit), AES-SIV encryption of the PII fields, the server-set `strmMeta` fields and the
//! stored JSON text, for one clickstream event as `benches/ingest.rs` sends it; and the
//! same with the event's usage counted (`dataplane::usage`), as `POST /event` does after
//! the store.
//!
//! For instruction counts, `STRM_BENCH_LOOP=N` runs N events (after a warm-up round of
//! 1,000) without criterion and exits; `STRM_BENCH_COUNT=1` counts each one's usage too:
//! `valgrind --tool=callgrind` on the bench binary with N = 12,000 and 2,000 gives the
//! instructions of 10,000 events (BENCHMARKS.md).

// The integration tests' support; a bench uses only part of it.
#[allow(dead_code, unused_imports)]
#[path = "../tests/support/mod.rs"]
mod support;
use support::events::event_body;

use std::sync::Arc;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use strm_server::dataplane::usage::Usage;
use strm_server::dataplane::{
    DataPlane, DataPlaneConfig, DataStore, Directory, ExportJob, IngestRequest, Principal, View,
};

/// One source stream; the pipeline never asks the directory on this path.
struct OneStream;

impl Directory for OneStream {
    fn authenticate(&self, _: &str, _: &str, _: &str) -> Option<Principal> {
        None
    }
    fn view(&self, _: &Principal) -> Option<View> {
        Some(View::Source)
    }
    fn export_jobs(&self) -> Vec<ExportJob> {
        Vec::new()
    }
}

fn event_pipeline(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let store = DataStore::open(&dir.path().join("db.sqlite")).unwrap();
    let plane = DataPlane::new(
        store,
        Arc::new(OneStream),
        DataPlaneConfig::new(dir.path().to_path_buf()),
    )
    .unwrap();
    let principal = Principal {
        account: "strmbench0000000001".into(),
        stream: "bench".into(),
        output: None,
    };
    // 1,000 sessions as the ingest bench: each has its key once the first round ran.
    let bodies: Vec<Vec<u8>> = (0..1000).map(event_body).collect();
    let usage = Usage::default();
    let mut ts = 1_610_704_326_171i64;
    let mut stored_json = |body: &[u8], count: bool| {
        let request = IngestRequest {
            schema_id: Some("clickstream"),
            serialization_type: Some("application/json"),
            body,
            ..Default::default()
        };
        let prepared = plane.prepare(&principal, request).unwrap();
        let event = prepared.event;
        // A new second every 200 events, as at 200 events/s.
        ts += 5;
        if count {
            usage.count(&event.account, &event.stream, ts, &event.consent);
        }
        (event.encode)(ts).unwrap()
    };
    for body in &bodies {
        stored_json(body, true);
    }
    if let Some(n) = std::env::var("STRM_BENCH_LOOP")
        .ok()
        .and_then(|n| n.parse::<usize>().ok())
    {
        let count = std::env::var("STRM_BENCH_COUNT").is_ok_and(|v| v == "1");
        for body in bodies.iter().cycle().take(n) {
            std::hint::black_box(stored_json(body, count));
        }
        return;
    }

    let mut group = c.benchmark_group("event_pipeline");
    group.throughput(Throughput::Elements(1));
    let mut next = bodies.iter().cycle();
    group.bench_function("clickstream_json", |b| {
        b.iter(|| stored_json(next.next().unwrap(), false))
    });
    group.bench_function("clickstream_json_counted", |b| {
        b.iter(|| stored_json(next.next().unwrap(), true))
    });
    group.finish();
}

criterion_group!(benches, event_pipeline);
criterion_main!(benches);
