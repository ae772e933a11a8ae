//! The CPU work of one `POST /event` without HTTP and without the store (see
//! BENCHMARKS.md): schema lookup, JSON decode, contract checks, key lookup (an in-memory
//! hit), AES-SIV encryption of the PII fields, the server-set `strmMeta` fields and the
//! stored JSON text, for one clickstream event as `benches/ingest.rs` sends it — under
//! the built-in `clickstream`, and under custom contracts of the same fields (an AVRO one
//! and a JSON_SCHEMA one, each with a data-subject field), compiled once and cached; and
//! the clickstream with the event's usage counted (`dataplane::usage`), as `POST /event`
//! does after the store.
//!
//! For instruction counts, `EVENT_PIPELINE_LOOP="CASE N"` runs N events of one case (after a
//! warm-up round of 1,000 of each case) without criterion and exits; `STRM_BENCH_COUNT=1`
//! counts each one's usage too: `valgrind --tool=callgrind` on the bench binary with
//! N = 12,000 and 2,000 gives the instructions of 10,000 events (BENCHMARKS.md).

// The integration tests' support; a bench uses only part of it.
#[allow(dead_code, unused_imports)]
#[path = "../tests/support/mod.rs"]
mod support;
use support::events::event_body;

use std::sync::Arc;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use serde_json::json;
use strm_model::{ContractRef, ContractState, DataContract, SchemaType};
use strm_server::dataplane::usage::Usage;
use strm_server::dataplane::{
    DataPlane, DataPlaneConfig, DataStore, Directory, ExportJob, IngestRequest, Principal, View,
};

/// The clickstream record's own fields, as one would write them for a contract (the
/// server adds `strmMeta`).
const CLICK_AVSC: &str = r#"{"type": "record", "name": "Click", "namespace": "bench", "fields": [
  {"name": "producerSessionId", "type": "string"}, {"name": "url", "type": "string"},
  {"name": "eventType", "type": "string"}, {"name": "referrer", "type": "string"},
  {"name": "userAgent", "type": "string"}, {"name": "conversion", "type": "int"},
  {"name": "customer", "type": {"type": "record", "name": "Customer",
    "fields": [{"name": "id", "type": "string"}]}},
  {"name": "abTests", "type": {"type": "array", "items": "string"}}]}"#;

const CLICK_JSON_SCHEMA: &str = r#"{"type": "object",
  "required": ["producerSessionId", "url", "customer"],
  "properties": {"producerSessionId": {"type": "string"}, "url": {"type": "string"},
    "eventType": {"type": "string"}, "referrer": {"type": "string"},
    "userAgent": {"type": "string"}, "conversion": {"type": "integer"},
    "customer": {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}},
    "abTests": {"type": "array", "items": {"type": "string"}}}}"#;

/// The clickstream contract's terms (`assets/schemas/clickstream.contract.json`), plus
/// the customer as the data subject.
fn contract(name: &str, schema_type: SchemaType, schema: &str) -> DataContract {
    let terms = json!({"keyField": "producerSessionId", "dataSubjectField": "customer/id",
        "piiFields": {"customer/id": 0, "producerSessionId": 1},
        "validations": [
            {"field": "url", "type": "REGEX",
             "value": "^(https?|ftp|file)://[-a-zA-Z0-9+&@#/%?=~_|!:,.;]*[-a-zA-Z0-9+&@#/%=~_|]"},
            {"field": "customer/id", "type": "REGEX", "value": "^.+$"}]});
    let mut c = json!({"ref": ContractRef::new("bench", name, "1.0.0"), "schemaType": schema_type,
        "schema": schema, "state": ContractState::Active, "public": false});
    for (k, v) in terms.as_object().unwrap() {
        c[k] = v.clone();
    }
    serde_json::from_value(c).unwrap()
}

/// The `Strm-Schema-Id` and `Strm-Schema-Ref` an event is sent with.
type Headers<'a> = (Option<&'a str>, Option<&'a str>);
/// A bench case: its name, its headers and its 1,000 bodies.
type Case<'a> = (&'a str, Headers<'a>, Vec<Vec<u8>>);

/// One source stream and the two contracts; the pipeline asks it for a contract once.
struct OneStream(Vec<DataContract>);

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
    fn contract(&self, _: &str, reference: &str) -> Option<DataContract> {
        self.0
            .iter()
            .find(|c| c.reference.to_string() == reference)
            .cloned()
    }
}

/// The bench event without the clickstream's `strmMeta.schemaId`: a contract's sender
/// leaves `eventContractRef` out (or empty) and the server fills it.
fn contract_body(n: u64) -> Vec<u8> {
    let mut e: serde_json::Value = serde_json::from_slice(&event_body(n)).unwrap();
    e["strmMeta"] = json!({"consentLevels": [0, 1]});
    e.to_string().into_bytes()
}

fn event_pipeline(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let store = DataStore::open(&dir.path().join("db.sqlite")).unwrap();
    let directory = OneStream(vec![
        contract("click", SchemaType::Avro, CLICK_AVSC),
        contract("click-json", SchemaType::JsonSchema, CLICK_JSON_SCHEMA),
    ]);
    let plane = DataPlane::new(
        store,
        Arc::new(directory),
        DataPlaneConfig::new(dir.path().to_path_buf()),
    )
    .unwrap();
    let principal = Principal {
        account: "strmbench0000000001".into(),
        stream: "bench".into(),
        output: None,
    };
    let usage = Usage::default();
    let mut ts = 1_610_704_326_171i64;
    let mut stored_json = |schema: Headers, body: &[u8], count: bool| {
        let request = IngestRequest {
            schema_id: schema.0,
            schema_ref: schema.1,
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
    // 1,000 sessions as the ingest bench: each has its key (and its data-subject link)
    // once the first round ran.
    let cases: [Case; 3] = [
        (
            "clickstream_json",
            (Some("clickstream"), None),
            (0..1000).map(event_body).collect(),
        ),
        (
            "contract_avro_json",
            (None, Some("bench/click/1.0.0")),
            (0..1000).map(contract_body).collect(),
        ),
        (
            "contract_json_schema_json",
            (None, Some("bench/click-json/1.0.0")),
            (0..1000).map(contract_body).collect(),
        ),
    ];
    for (_, schema, bodies) in &cases {
        for body in bodies {
            stored_json(*schema, body, true);
        }
    }
    // `EVENT_PIPELINE_LOOP="CASE COUNT"`: no criterion, just COUNT events of one case,
    // for `valgrind --tool=callgrind` (instructions of two counts, subtracted, per event).
    if let Ok(spec) = std::env::var("EVENT_PIPELINE_LOOP") {
        let (case, count) = spec
            .split_once(' ')
            .expect("EVENT_PIPELINE_LOOP=\"CASE COUNT\"");
        let (_, schema, bodies) = cases
            .iter()
            .find(|(name, ..)| *name == case)
            .expect("a case");
        let count: usize = count.parse().expect("a count");
        let usage = std::env::var("STRM_BENCH_COUNT").is_ok_and(|v| v == "1");
        for body in bodies.iter().cycle().take(count) {
            std::hint::black_box(stored_json(*schema, body, usage));
        }
        return;
    }
    let mut group = c.benchmark_group("event_pipeline");
    group.throughput(Throughput::Elements(1));
    for (name, schema, bodies) in &cases {
        let mut next = bodies.iter().cycle();
        group.bench_function(*name, |b| {
            b.iter(|| stored_json(*schema, next.next().unwrap(), false))
        });
    }
    let (_, schema, bodies) = &cases[0];
    let mut next = bodies.iter().cycle();
    group.bench_function("clickstream_json_counted", |b| {
        b.iter(|| stored_json(*schema, next.next().unwrap(), true))
    });
    group.finish();
}

criterion_group!(benches, event_pipeline);
criterion_main!(benches);
