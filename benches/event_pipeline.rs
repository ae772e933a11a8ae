//! The CPU work of one `POST /event` without HTTP and without the store (see
//! BENCHMARKS.md): schema lookup, JSON decode, contract checks, key lookup (an in-memory
//! hit), AES-SIV encryption of the PII fields, the server-set `strmMeta` fields and the
//! stored JSON text, for one clickstream event as `benches/ingest.rs` sends it.

// The integration tests' support; a bench uses only part of it.
#[allow(dead_code, unused_imports)]
#[path = "../tests/support/mod.rs"]
mod support;
use support::events::event_body;

use std::sync::Arc;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
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
    let stored_json = |body: &[u8]| {
        let request = IngestRequest {
            schema_id: Some("clickstream"),
            serialization_type: Some("application/json"),
            body,
            ..Default::default()
        };
        let prepared = plane.prepare(&principal, request).unwrap();
        (prepared.event.encode)(1_610_704_326_171).unwrap()
    };
    for body in &bodies {
        stored_json(body);
    }

    let mut group = c.benchmark_group("event_pipeline");
    group.throughput(Throughput::Elements(1));
    let mut next = bodies.iter().cycle();
    group.bench_function("clickstream_json", |b| {
        b.iter(|| stored_json(next.next().unwrap()))
    });
    group.finish();
}

criterion_group!(benches, event_pipeline);
criterion_main!(benches);
