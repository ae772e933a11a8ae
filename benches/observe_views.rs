//! Frame cost of the views that show the data flow with 1,000 streams (each with an
//! output and an exporter), drawn into a 120×40 `TestBackend`, and the tail's `/`
//! filter over its full buffer, per keystroke (see BENCHMARKS.md; target < 2 ms each).

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use strm_console::app::{App, Popup};
use strm_console::keymap::Keymap;
use strm_console::observe::xray::XrayView;
use strm_console::protocol::{ExporterRef, RING, TailBatch, TailTarget};
use strm_console::tail::TailView;
use strm_console::theme::{Theme, ThemeName};
use strm_console::views;
use strm_model::*;

const STREAMS: usize = 1000;
const NOW_MS: i64 = 1_800_000_000_000;

fn creds(i: usize) -> Credentials {
    Credentials {
        client_id: format!("{i:030}"),
        client_secret: None,
    }
}

/// 1,000 streams, each with an output and its exporter, ten minutes of usage and every
/// exporter's status (one in 50 failing).
fn app() -> App {
    let mut app = App::new(Keymap::default(), Theme::of(ThemeName::Default));
    app.epoch = NOW_MS / 1000;
    let d = &mut app.data;
    d.streams = (0..STREAMS)
        .map(|i| Stream {
            name: format!("stream-{i:04}"),
            description: None,
            tags: vec![],
            credentials: creds(i),
        })
        .collect();
    d.outputs = (0..STREAMS)
        .map(|i| Output {
            linked_stream: format!("stream-{i:04}"),
            name: format!("out-{i:04}"),
            description: None,
            tags: vec![],
            credentials: creds(i),
            consent_level_type: ConsentLevelType::Granular,
            consent_levels: vec![0, 1],
            decrypter_name: "default".into(),
        })
        .collect();
    d.sinks = vec![Sink {
        sink_type: SinkType::S3,
        sink_name: "bucket".into(),
        bucket_name: "bench-bucket".into(),
    }];
    d.exporters = (0..STREAMS)
        .map(|i| Exporter {
            name: "s3".into(),
            linked_stream: format!("out-{i:04}"),
            sink_name: "bucket".into(),
            sink_type: SinkType::S3,
            interval_secs: 30,
            exporter_type: ExporterType::Batch,
            path_prefix: Some(format!("p{i}")),
            export_keys: false,
        })
        .collect();
    let series = |stream: String, output: Option<String>, i: usize| UsageSeries {
        stream,
        output,
        counts: (0..60).map(|w| ((w * 7 + i) % 23) as u64).collect(),
        last_event_at: Some(NOW_MS - 2000),
    };
    let usage = (0..STREAMS)
        .flat_map(|i| {
            let s = format!("stream-{i:04}");
            [
                series(s.clone(), None, i),
                series(s, Some(format!("out-{i:04}")), i + 1),
            ]
        })
        .collect();
    d.observed.set_usage(
        UsageSummary {
            from: NOW_MS - 600_000,
            until: NOW_MS,
            by: 10,
            usage,
        },
        NOW_MS,
    );
    d.observed.statuses = d
        .exporters
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let failing = i % 50 == 0;
            let status = ExporterStatus {
                state: if failing {
                    ExporterState::Failing
                } else {
                    ExporterState::Running
                },
                last_batch_at: Some(NOW_MS - 12_000),
                pending_events: i as u64,
                next_run_at: Some(NOW_MS + 18_000),
                last_error: failing.then(|| "bucket \"bench-bucket\": permission denied".into()),
                ..Default::default()
            };
            (ExporterRef::from(e), Ok(status))
        })
        .collect();
    app.recompute_all();
    app
}

/// A tail event as an output's tail shows it, about 450 bytes.
fn event(n: usize) -> String {
    format!(
        r#"{{"strmMeta":{{"schemaId":"clickstream","nonce":{},"timestamp":{},"keyLink":"{:08x}-5a1c-4b7e-9c3d-0f2e4d6a8b10","billingId":"strmbart8891421710","consentLevels":[0,1]}},"producerSessionId":"session-{}","url":"https://www.streammachine.io/rules/{}","eventType":"","referrer":"","userAgent":"Mozilla/5.0","conversion":0,"customer":{{"id":"customer-session-{}"}},"abTests":[]}}"#,
        n * 7919 % 100_000,
        NOW_MS + n as i64,
        n * 2_654_435_761 % 4_294_967_296,
        n % 1000,
        n % 17,
        n % 1000
    )
}

fn frames(c: &mut Criterion) {
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    let mut xray = app();
    let mut view = XrayView::default();
    view.rebuild(&xray.data, &xray.data.observed);
    xray.popups.push(Popup::Xray(Box::new(view)));
    c.bench_function("xray frame, 1,000 streams (4,000 rows), 120x40", |b| {
        b.iter(|| {
            // Move the selection so each frame shows other rows.
            if let Some(Popup::Xray(v)) = xray.popups.last_mut() {
                v.selected = (v.selected + 397) % v.rows.len();
            }
            terminal.draw(|f| views::draw(f, black_box(&xray))).unwrap();
        })
    });
    c.bench_function(
        "xray rebuild (on new usage or statuses), 1,000 streams",
        |b| {
            let data = xray.data.clone();
            let mut view = XrayView::default();
            b.iter(|| view.rebuild(black_box(&data), &data.observed))
        },
    );
    let mut pulse = app();
    pulse.popups.push(Popup::Pulse(Box::default()));
    c.bench_function("pulse frame, 1,000 streams and outputs, 120x40", |b| {
        b.iter(|| {
            if let Some(Popup::Pulse(v)) = pulse.popups.last_mut() {
                v.scroll = (v.scroll + 97) % (2 * STREAMS - 30);
            }
            terminal
                .draw(|f| views::draw(f, black_box(&pulse)))
                .unwrap();
        })
    });

    // The tail: a full buffer; each keystroke of `/session-42` filters all of it anew.
    let target = TailTarget {
        name: "out-0001".into(),
        client_id: "c".into(),
        output_of: Some("stream-0001".into()),
    };
    let mut tail = TailView::new(1, target);
    tail.append(TailBatch::new((0..RING).map(event).collect(), 0));
    c.bench_function(
        "tail / filter, a new search of the full buffer (2,000 events)",
        |b| {
            b.iter(|| {
                tail.set_filter(String::new());
                tail.set_filter(black_box("session-4".to_string()));
                tail.shown_len()
            })
        },
    );
    let typed = "session-42";
    c.bench_function("tail / filter, typing session-42 (10 keystrokes)", |b| {
        b.iter(|| {
            for k in 0..=typed.len() {
                tail.set_filter(black_box(typed[..k].to_string()));
            }
            tail.shown_len()
        })
    });
    let mut shown = app();
    tail.set_filter("session-4".into());
    shown.popups.push(Popup::Tail(Box::new(tail)));
    c.bench_function("tail frame with a filter and highlights, 120x40", |b| {
        b.iter(|| {
            terminal
                .draw(|f| views::draw(f, black_box(&shown)))
                .unwrap();
        })
    });
}

criterion_group!(benches, frames);
criterion_main!(benches);
