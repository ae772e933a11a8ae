//! Data-plane throughput and latency on 127.0.0.1 (see BENCHMARKS.md):
//! - `ingest/event` vs `ingest/bare_204`: the same requests over keep-alive connections
//!   (32 in flight) to the real `POST /event` and to an axum handler that only answers
//!   204, in one run; the ratio of their throughputs is the figure that matters.
//!   `ingest/bare_204_stack` is the same bare handler inside the server's middleware
//!   (`server::routes::middleware`), to tell the data plane's own cost from the stack's.
//! - `egress/latency`: from sending an event to receiving it decrypted on an output's
//!   websocket while ingest runs at half its measured throughput; p50 and p99 are printed.

// The integration tests' support; a bench uses only part of it.
#[allow(dead_code, unused_imports)]
#[path = "../tests/support/mod.rs"]
mod support;
use support::LocalServer;
use support::bench::{Target, egress_probes, process_cpu, quantile};

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use strm_client::events::EventClient;
use strm_server::routes::middleware;

const IN_FLIGHT: usize = 32;

struct Setup {
    _server: LocalServer,
    event: Target,
    bare: Target,
    stack: Target,
    output: EventClient,
}

async fn setup() -> Setup {
    let server = LocalServer::start().await;
    let s = server.all_events("bench@example.com", "bench").await;
    let token = s.client(&s.stream).authenticate().await.unwrap().id_token;

    let bare = || {
        axum::Router::new().route(
            "/event",
            axum::routing::post(|_body: axum::body::Bytes| async { StatusCode::NO_CONTENT }),
        )
    };
    let bare_url = serve(bare()).await;
    // The same handler inside the middleware every server route passes through.
    let stack_url = serve(middleware(bare(), Duration::from_secs(30))).await;

    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(IN_FLIGHT)
        .build()
        .unwrap();
    let target = |url: String| Target {
        http: http.clone(),
        url,
        token: token.clone(),
    };
    Setup {
        event: target(format!("{}/event", s.url)),
        bare: target(bare_url),
        stack: target(stack_url),
        output: s.client(&s.output),
        _server: server,
    }
}

/// Serves a router on a new 127.0.0.1 port of the current runtime; its `/event` URL.
async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    format!("http://{addr}/event")
}

/// Sends `count` events to `target` with `IN_FLIGHT` requests at a time.
async fn send_many(target: &Target, first: u64, count: u64) -> Duration {
    target.send_many(first, count, IN_FLIGHT).await
}

fn ingest(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let s = Arc::new(rt.block_on(setup()));
    let mut counter = 0u64;
    let mut group = c.benchmark_group("ingest");
    group.throughput(Throughput::Elements(1));
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(8));
    group.bench_function("event", |b| {
        b.iter_custom(|iters| {
            counter += iters;
            rt.block_on(send_many(&s.event, counter, iters))
        })
    });
    group.bench_function("bare_204", |b| {
        b.iter_custom(|iters| rt.block_on(send_many(&s.bare, 0, iters)))
    });
    group.bench_function("bare_204_stack", |b| {
        b.iter_custom(|iters| rt.block_on(send_many(&s.stack, 0, iters)))
    });
    group.finish();

    // `cargo test --all-targets` runs benches once as a smoke test (no `--bench`): the
    // long measurements below are for `cargo bench` only.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    // The figures for the report: equal, large batches in the same run, taken in turn
    // (event, bare, bare with the middleware) three times so that the other load of a
    // shared machine falls on all three alike; the median ratios of the rounds are
    // printed. CPU time per request (client and server, which share the process) is
    // printed too: unlike throughput it hardly moves when other work competes for the
    // cores.
    let n = 20_000;
    let measure = |target: &Target, first: u64| {
        let cpu = process_cpu("self");
        let wall = rt.block_on(send_many(target, first, n));
        let cpu = process_cpu("self").map(|after| (after - cpu.unwrap_or_default()) / n as u32);
        (n as f64 / wall.as_secs_f64(), cpu)
    };
    let micros = |cpu: Option<Duration>| {
        cpu.map_or("?".to_string(), |d| format!("{:.1}", d.as_secs_f64() * 1e6))
    };
    let mut rounds = Vec::new();
    for round in 0..3u64 {
        let (ev, ev_cpu) = measure(&s.event, 10_000_000 + round * n);
        let (bare, bare_cpu) = measure(&s.bare, 0);
        let (stack, stack_cpu) = measure(&s.stack, 0);
        eprintln!(
            "ingest round {round}: /event {ev:.0}/s ({} µs CPU each), bare 204 {bare:.0}/s ({} µs), \
             bare 204 with the middleware {stack:.0}/s ({} µs); ratios {:.2} / {:.2}",
            micros(ev_cpu),
            micros(bare_cpu),
            micros(stack_cpu),
            ev / bare,
            ev / stack
        );
        let cpu_ratio = |other: Option<Duration>| match (ev_cpu, other) {
            (Some(e), Some(o)) if !e.is_zero() => o.as_secs_f64() / e.as_secs_f64(),
            _ => f64::NAN,
        };
        rounds.push([
            ev / bare,
            ev / stack,
            cpu_ratio(bare_cpu),
            cpu_ratio(stack_cpu),
            ev,
        ]);
    }
    let median = |i: usize| {
        let mut v: Vec<f64> = rounds.iter().map(|r| r[i]).collect();
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    eprintln!(
        "ingest: median throughput ratio {:.2} (/event ÷ bare 204), {:.2} (÷ bare 204 with the \
         middleware); CPU per request, bare ÷ /event: {:.2}, {:.2}",
        median(0),
        median(1),
        median(2),
        median(3)
    );

    // Egress latency under load: a background sender keeps ingest at half the throughput
    // measured above (a decrypting websocket consumer cannot keep up with all of it, and
    // egress drops what a slow consumer cannot take), while probes measure send-to-receive
    // on the output's websocket. A probe dropped that way counts as lost, not as a time.
    let load_rate = median(4) / 2.0;
    let (samples, lost) = rt.block_on(async {
        egress_probes(&s.event, &s.event, &s.output, load_rate, IN_FLIGHT).await
    });
    let mut sorted = samples.clone();
    sorted.sort();
    let pct = |p: f64| quantile(&sorted, p);
    eprintln!(
        "egress latency under a load of {load_rate:.0} events/s: p50 {:?}, p99 {:?} ({} probes, {lost} lost)",
        pct(0.50),
        pct(0.99),
        sorted.len()
    );
    let mut group = c.benchmark_group("egress");
    group.sample_size(10);
    group.bench_function("latency_idle", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let mut tail = s.output.receive(true).await.unwrap();
                let start = Instant::now();
                for i in 0..iters {
                    let marker = 80_000_000 + i;
                    send_many(&s.event, marker, 1).await;
                    let needle = format!("https://a.io/{marker}\"");
                    while !tail.next().await.unwrap().unwrap().contains(&needle) {}
                }
                start.elapsed()
            })
        })
    });
    group.finish();
}

criterion_group!(benches, ingest);
criterion_main!(benches);
