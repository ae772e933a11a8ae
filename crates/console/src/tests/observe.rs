//! The views that show the data flow: usage columns and the detail sparkline, the
//! x-ray, the pulse, the bucket browser, the inspector; refreshes only while open.

use std::time::Duration;

use super::*;
use crate::observe::inspector::Contract;
use crate::protocol::{ExporterRef, Payload};

/// Ten minutes in 10-second windows up to `EPOCH`, as the console asks for them.
fn summary() -> UsageSummary {
    let from = EPOCH * 1000 - 600_000;
    let wave = |scale: u64| -> Vec<u64> { (0..60).map(|i| scale * ((i * 7) % 11)).collect() };
    let series = |stream: &str, output: Option<&str>, counts: Vec<u64>, last| UsageSeries {
        stream: stream.into(),
        output: output.map(str::to_string),
        counts,
        last_event_at: last,
    };
    UsageSummary {
        from,
        until: EPOCH * 1000,
        by: 10,
        usage: vec![
            series("alpha", None, vec![0; 60], None),
            series("bart", None, wave(5), Some(EPOCH * 1000 - 3000)),
            series("bart", Some("level0-1"), wave(2), Some(EPOCH * 1000 - 4000)),
            series("zulu", None, wave(1), Some(EPOCH * 1000 - 3_600_000)),
        ],
    }
}

fn keys_exporter() -> Exporter {
    Exporter {
        name: "keys".into(),
        linked_stream: "bart".into(),
        sink_name: "s3-bart".into(),
        sink_type: SinkType::S3,
        interval_secs: 60,
        exporter_type: ExporterType::Batch,
        path_prefix: Some("keys".into()),
        export_keys: true,
    }
}

/// The fixed app with usage, a second (failing) exporter and both statuses.
fn observed_app() -> App {
    let mut app = fixed_app();
    app.data.exporters.push(keys_exporter());
    app.data.observed.set_usage(summary(), EPOCH * 1000);
    let running = ExporterStatus {
        state: ExporterState::Running,
        last_batch_at: Some(EPOCH * 1000 - 20_000),
        last_object: Some("level01/2027-01-15T08:00:00-stream-u{0,1,2,3,4}.jsonl".into()),
        objects: 12,
        events: 340,
        bytes: 98_000,
        pending_events: 17,
        next_run_at: Some(EPOCH * 1000 + 10_000),
        last_error: None,
    };
    let failing = ExporterStatus {
        state: ExporterState::Failing,
        pending_events: 4,
        next_run_at: Some(EPOCH * 1000 + 1000),
        last_error: Some("bucket \"bart-bucket\": permission denied".into()),
        ..Default::default()
    };
    app.data.observed.statuses = [
        (ExporterRef::from(&app.data.exporters[0]), Ok(running)),
        (ExporterRef::from(&keys_exporter()), Ok(failing)),
    ]
    .into_iter()
    .collect();
    app.recompute_all();
    app
}

fn requests(out: Vec<(u64, Request)>) -> Vec<Request> {
    out.into_iter().map(|(_, r)| r).collect()
}

#[test]
fn tables_show_rate_and_last_event_and_the_detail_a_sparkline() {
    let app = observed_app();
    let cells = app.data.cells(Tab::Streams, 0);
    assert_eq!(
        &cells[4..],
        ["2.5", "3s"],
        "bart: its last minute, its last event"
    );
    snap("tab_streams_usage", &app);
    let mut app = observed_app();
    app.update(ch('2'));
    assert_eq!(&app.data.cells(Tab::Outputs, 0)[5..], ["1", "4s"]);
}

#[test]
fn an_api_without_usage_is_asked_once() {
    let mut app = fixed_app();
    let out = app.update(ch('r'));
    let usage = out
        .iter()
        .find(|(_, r)| matches!(r, Request::Usage { .. }))
        .map(|(id, _)| *id)
        .unwrap();
    app.update(reply(
        usage,
        Err(ClientError::Api {
            status: 404,
            message: "there is no GET /v1/usage".into(),
        }),
    ));
    assert!(app.data.observed.unsupported);
    assert_eq!(app.data.cells(Tab::Streams, 0)[4], "—");
    let again = requests(app.update(ch('r')));
    assert!(!again.iter().any(|r| matches!(r, Request::Usage { .. })));
}

#[test]
fn the_xray_refreshes_only_while_open_and_enter_jumps_to_the_resource() {
    let mut app = observed_app();
    app.next_refresh = None;
    let out = requests(app.update(ch('x')));
    assert!(out.contains(&Request::Usage {
        span_secs: 600,
        by: 10
    }));
    assert!(
        out.iter()
            .any(|r| matches!(r, Request::ExporterStatuses(e) if e.len() == 2))
    );
    let Some(Popup::Xray(view)) = app.popups.last() else {
        panic!("xray expected")
    };
    let tree: Vec<String> = view
        .rows
        .iter()
        .map(|r| format!("{}{}", r.branch, r.label))
        .collect();
    assert_eq!(
        tree,
        [
            "alpha",
            "bart",
            "├─ level0-1",
            "│  └─ s3",
            "│     └─ s3-bart",
            "└─ keys (keys)",
            "   └─ s3-bart",
            "zulu"
        ]
    );
    // Answered, the timer is the view's own: every 5 s while it is open.
    for id in app.in_flight.keys().copied().collect::<Vec<_>>() {
        app.in_flight.remove(&id);
    }
    assert_eq!(app.next_deadline(), Some(app.now + Duration::from_secs(5)));
    app.now += Duration::from_secs(5);
    let again = requests(app.update(Msg::Tick));
    assert_eq!(again.len(), 2, "{again:?}");

    // Fold bart, unfold it; Enter on the exporter s3 shows it in its tab.
    app.update(ch('j'));
    app.update(ch('h'));
    let Some(Popup::Xray(view)) = app.popups.last() else {
        panic!()
    };
    assert_eq!(view.rows.len(), 3, "bart folded");
    app.update(ch('l'));
    app.update(ch('j'));
    app.update(ch('j'));
    app.update(key(KeyCode::Enter));
    assert!(app.popups.is_empty());
    assert_eq!(app.tab, Tab::Exporters);
    let i = app.selected_index().unwrap();
    assert_eq!(app.data.exporters[i].name, "s3");
    assert_eq!(app.observe_due, None, "closed: no more refreshes");
    app.in_flight.clear();
    assert_eq!(app.next_deadline(), None, "an idle console sets no timer");
}

#[test]
fn snapshot_xray_and_pulse() {
    let mut app = observed_app();
    app.update(ch('x'));
    app.in_flight.clear();
    snap("xray", &app);
    app.update(key(KeyCode::Esc));
    app.update(ch('p'));
    app.in_flight.clear();
    snap("pulse", &app);
    // The failing exporter is first, in words.
    let text = screen(&app, 120, 40);
    let first = text
        .lines()
        .position(|l| l.contains("keys on bart"))
        .unwrap();
    assert!(text.lines().nth(first).unwrap().contains("FAILING"));
    assert!(
        first
            < text
                .lines()
                .position(|l| l.contains("s3 on level0-1"))
                .unwrap()
    );
}

/// An exported batch of level0-1: decrypted by its GRANULAR [0, 1] consent.
fn batch() -> String {
    [1, 2]
        .map(|n| {
            format!(
                r#"{{"strmMeta":{{"schemaId":"clickstream","nonce":{n},"timestamp":{},"keyLink":"k-{n}","billingId":"bart0123456789","consentLevels":[0,1]}},"producerSessionId":"session-{n}","url":"https://a.io/{n}","customer":{{"id":"customer-{n}"}}}}"#,
                EPOCH * 1000 + n
            )
        })
        .join("\n")
        + "\n"
}

use super::clickstream_contract as contract;

#[test]
fn buckets_open_folders_then_a_batch_then_an_event_in_the_inspector() {
    let mut app = observed_app();
    app.update(ch('3'));
    let out = app.update(ch('b'));
    let (id, req) = out.last().unwrap().clone();
    assert_eq!(
        req,
        Request::ListObjects {
            sink: "s3-bart".into(),
            sink_type: SinkType::S3,
            prefix: String::new(),
            after: None,
        }
    );
    let object = |key: &str, size| BucketObject {
        key: key.into(),
        size,
        last_modified: EPOCH * 1000 - 65_000,
    };
    app.update(reply(
        id,
        Ok(Answer::Objects {
            sink: "s3-bart".into(),
            prefix: String::new(),
            list: ObjectList {
                objects: vec![object("README.txt", 12)],
                prefixes: vec!["keys/".into(), "level01/".into()],
                next: None,
            },
        }),
    ));
    snap("buckets_top", &app);
    app.update(ch('j'));
    let out = app.update(key(KeyCode::Enter));
    let (id, _) = out.last().unwrap().clone();
    let key_name = "level01/2027-01-15T08:00:30-stream-u{0,1,2,3,4}.jsonl";
    app.update(reply(
        id,
        Ok(Answer::Objects {
            sink: "s3-bart".into(),
            prefix: "level01/".into(),
            list: ObjectList {
                objects: vec![
                    object("level01/.strm_test_u.jsonl", 0),
                    object(key_name, batch().len() as u64),
                ],
                prefixes: vec![],
                next: None,
            },
        }),
    ));
    app.update(ch('j'));
    let out = app.update(key(KeyCode::Enter));
    let (id, req) = out.last().unwrap().clone();
    assert_eq!(
        req,
        Request::ReadObject {
            sink: "s3-bart".into(),
            sink_type: SinkType::S3,
            key: key_name.into(),
        }
    );
    app.update(reply(
        id,
        Ok(Answer::Object {
            key: key_name.into(),
            text: Payload(batch()),
            size: batch().len() as u64,
        }),
    ));
    snap("buckets_batch", &app);
    app.update(ch('j'));
    let out = app.update(key(KeyCode::Enter));
    let (id, req) = out.last().unwrap().clone();
    assert_eq!(req, Request::SchemaContract("clickstream".into()));
    app.update(reply(id, Ok(Answer::SchemaContract(contract()))));
    let Some(Popup::Inspector(i)) = app.popups.last() else {
        panic!("inspector expected")
    };
    let text: String = i.lines.iter().map(|l| format!("{l}\n")).collect();
    assert!(text.contains("\"customer-2\""), "{text}");
    assert!(
        text.contains("↳ PII, consent level 0 (necessary): DECRYPTED"),
        "{text}"
    );
    snap("inspector_batch", &app);
    // The contract is asked for once.
    app.update(key(KeyCode::Esc));
    app.update(ch('k'));
    assert!(requests(app.update(key(KeyCode::Enter))).is_empty());
    assert!(matches!(
        app.contracts.get("clickstream"),
        Some(Contract::Known(_))
    ));
    // Back up: the folder, the top, the sinks, closed.
    app.update(key(KeyCode::Esc));
    app.update(ch('h'));
    app.update(ch('h'));
    app.update(ch('h'));
    match app.popups.last() {
        Some(Popup::Buckets(v)) => assert!(v.sink.is_none()),
        _ => panic!("the sinks expected"),
    }
    snap("buckets_sinks", &app);
    app.update(ch('h'));
    assert!(app.popups.is_empty());
}

#[test]
fn a_store_error_is_shown_in_the_buckets_view() {
    let mut app = observed_app();
    app.update(ch('3'));
    let out = app.update(ch('b'));
    let (id, _) = out.last().unwrap().clone();
    app.update(reply(
        id,
        Err(ClientError::Api {
            status: 502,
            message: "the store of bucket \"bart-bucket\" failed: connection refused".into(),
        }),
    ));
    let text = screen(&app, 120, 40);
    assert!(text.contains("connection refused (HTTP 502)"), "{text}");
}
