//! Egress fan-out on 127.0.0.1 (see BENCHMARKS.md): how many websocket clients of one
//! output the local server carries without dropping an event.
//!
//! - printed `fan-out …`: for each number of clients, every client tails the output (its
//!   consent-filtered, decrypted view) while events are sent at a steady rate; the line
//!   says how many events each client should have received, how many were delivered in
//!   all, and how many tails the server closed because they fell behind (1013, "fell
//!   behind: N events dropped"). The largest count with nothing dropped is the figure.
//! - `fanout/one_event_to_1000`: from sending one event to the last of 1,000 clients
//!   receiving it.
//!
//! Clients and server share this process and its two cores, so the figures are a floor
//! for a server with the machine to itself.

#[allow(dead_code, unused_imports)]
#[path = "../tests/support/mod.rs"]
mod support;
use support::events::event_body;
use support::{LocalServer, raise_open_files_limit};

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use futures::StreamExt;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

/// Events sent per round; how fast (`STRM_FANOUT_RATE` events/s) and to how many clients
/// (`STRM_FANOUT_CLIENTS`, comma-separated) by default.
const EVENTS: u64 = 500;
const RATE: f64 = 50.0;
const CLIENTS: &str = "250,500,1000,2000,3000,4000";

fn rate() -> f64 {
    std::env::var("STRM_FANOUT_RATE")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(RATE)
}

fn client_counts() -> Vec<usize> {
    std::env::var("STRM_FANOUT_CLIENTS")
        .unwrap_or_else(|_| CLIENTS.into())
        .split(',')
        .filter_map(|n| n.trim().parse().ok())
        .collect()
}

struct Setup {
    server: LocalServer,
    ws_url: String,
    output_token: String,
    stream_token: String,
    http: reqwest::Client,
}

async fn setup() -> Setup {
    let server = LocalServer::start_with(|c| {
        // Every client comes from 127.0.0.1: lift the per-address cap.
        c.connections.max_connections_per_address = 100_000;
    })
    .await;
    let s = server.all_events("fanout@example.com", "fan").await;
    Setup {
        ws_url: format!(
            "{}/ws?asJson=true",
            server.url().replace("http://", "ws://")
        ),
        output_token: s.client(&s.output).id_token().await.unwrap(),
        stream_token: s.client(&s.stream).id_token().await.unwrap(),
        server,
        http: reqwest::Client::new(),
    }
}

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(s: &Setup) -> Ws {
    let mut request = s.ws_url.as_str().into_client_request().unwrap();
    request.headers_mut().insert(
        "Authorization",
        format!("Bearer {}", s.output_token).parse().unwrap(),
    );
    // Small client buffers, or thousands of clients cost the process more than the server.
    let config = WebSocketConfig::default()
        .read_buffer_size(8 * 1024)
        .write_buffer_size(0);
    tokio_tungstenite::connect_async_with_config(request, Some(config), false)
        .await
        .unwrap()
        .0
}

async fn send(s: &Setup, n: u64) {
    let status = s
        .http
        .post(format!("{}/event", s.server.url()))
        .bearer_auth(&s.stream_token)
        .header("Strm-Schema-Id", "clickstream")
        .header("Strm-Serialization-Type", "application/json")
        .body(event_body(n))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 204);
}

/// One round with `clients` tails: (events delivered in all, tails closed behind).
async fn round(s: &Setup, clients: usize, first: u64) -> (u64, u64) {
    let delivered = Arc::new(AtomicU64::new(0));
    let closed_behind = Arc::new(AtomicU64::new(0));
    let mut tails = Vec::new();
    for _ in 0..clients {
        let mut ws = connect(s).await;
        let (delivered, closed_behind) = (delivered.clone(), closed_behind.clone());
        tails.push(tokio::spawn(async move {
            let mut got = 0;
            while got < EVENTS {
                match tokio::time::timeout(Duration::from_secs(30), ws.next()).await {
                    Ok(Some(Ok(Message::Text(_)))) => {
                        got += 1;
                        delivered.fetch_add(1, Ordering::Relaxed);
                    }
                    Ok(Some(Ok(Message::Close(frame)))) => {
                        if frame.is_some_and(|f| f.reason.starts_with("fell behind")) {
                            closed_behind.fetch_add(1, Ordering::Relaxed);
                        }
                        return;
                    }
                    Ok(Some(Ok(_))) => {}
                    _ => return,
                }
            }
            let _ = ws.close(None).await;
        }));
    }
    let pace = Duration::from_secs_f64(1.0 / rate());
    let start = Instant::now();
    for n in 0..EVENTS {
        send(s, first + n).await;
        tokio::time::sleep_until((start + pace.mul_f64((n + 1) as f64)).into()).await;
    }
    for t in tails {
        let _ = t.await;
    }
    (
        delivered.load(Ordering::Relaxed),
        closed_behind.load(Ordering::Relaxed),
    )
}

fn fanout(c: &mut Criterion) {
    raise_open_files_limit();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let s = rt.block_on(setup());
    let mut first = 0;
    // `cargo test --all-targets` runs benches once as a smoke test (no `--bench`): one
    // small round there, the measured counts for `cargo bench` only.
    let counts = if std::env::args().any(|a| a == "--bench") {
        client_counts()
    } else {
        vec![20]
    };
    for clients in counts {
        let (delivered, behind) = rt.block_on(round(&s, clients, first));
        first += EVENTS;
        let expected = EVENTS * clients as u64;
        eprintln!(
            "fan-out {clients} clients, {EVENTS} events at {} events/s: delivered \
             {delivered} of {expected} ({:.2} %), {} dropped, {behind} tails closed behind",
            rate(),
            delivered as f64 * 100.0 / expected as f64,
            expected - delivered
        );
    }

    let mut group = c.benchmark_group("fanout");
    group.sample_size(10);
    group.bench_function("one_event_to_1000", |b| {
        let tails: Vec<Ws> = rt.block_on(async {
            let mut v = Vec::new();
            for _ in 0..1000 {
                v.push(connect(&s).await);
            }
            v
        });
        let tails = Arc::new(tokio::sync::Mutex::new(tails));
        b.iter_custom(|iters| {
            rt.block_on(async {
                let mut tails = tails.lock().await;
                let started = Instant::now();
                for _ in 0..iters {
                    send(&s, first).await;
                    first += 1;
                    futures::future::join_all(tails.iter_mut().map(|ws| async move {
                        while !matches!(ws.next().await, Some(Ok(Message::Text(_)))) {}
                    }))
                    .await;
                }
                started.elapsed()
            })
        })
    });
    group.finish();
}

criterion_group!(benches, fanout);
criterion_main!(benches);
