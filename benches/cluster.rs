//! Ingest on the cluster's event store beside the local log, in one run (see
//! BENCHMARKS.md): one node on the local log, one on JetStream R1 (one nats-server), one
//! on JetStream R3 (three), and two R3 nodes sharing the load; events/s and CPU per event
//! (this process: client and nodes; and the nats-servers). Then egress across nodes:
//! events sent to node 2 at half its throughput, probes timed to the decrypted output's
//! websocket on node 1, p50 and p99. nats-server comes from the test virtualenv
//! (`STRM_TUI_VENV`, as `scripts/test` makes it).

// The integration tests' support; a bench uses only part of it.
#[allow(dead_code, unused_imports)]
#[path = "../tests/support/mod.rs"]
mod support;
use support::bench::{Target, egress_probes, process_cpu, quantile, resident_mb};
use support::cluster::{Database, join_node, on_nats};
use support::nats::Nats;
use support::{LocalServer, Scenario};

use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use strm_model::{ConsentLevelType, OutputCreate};

/// Requests in flight: JetStream acknowledges each publish after its replicas stored it,
/// so throughput comes from many publishes waiting at once.
const IN_FLIGHT: usize = 64;

/// A node under test and what sends to it.
struct Node {
    name: &'static str,
    targets: Vec<Target>,
    nats: Vec<u32>,
}

fn all_output() -> OutputCreate {
    OutputCreate {
        name: "all".into(),
        consent_level_type: ConsentLevelType::Cumulative,
        consent_levels: vec![1],
        ..Default::default()
    }
}

async fn scenario(server: &LocalServer) -> Scenario {
    Scenario::new(
        &server.url(),
        server.dir(),
        "bench@example.com",
        "bench",
        all_output(),
    )
    .await
}

async fn target(s: &Scenario, url: &str) -> Target {
    let token = s
        .client_at(url, &s.stream)
        .authenticate()
        .await
        .unwrap()
        .id_token;
    Target {
        http: reqwest::Client::builder()
            .pool_max_idle_per_host(IN_FLIGHT)
            .build()
            .unwrap(),
        url: format!("{url}/event"),
        token,
    }
}

/// Sends `count` events spread over the node's targets at once; the wall time.
async fn send(node: &Node, first: u64, count: u64) -> Duration {
    let share = count / node.targets.len() as u64;
    let start = std::time::Instant::now();
    futures::future::join_all(node.targets.iter().enumerate().map(|(i, t)| {
        t.send_many(
            first + i as u64 * share,
            share,
            IN_FLIGHT / node.targets.len(),
        )
    }))
    .await;
    start.elapsed()
}

fn cluster(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (nats1, nats3) = rt.block_on(async { (Nats::single().await, Nats::cluster().await) });
    let (local, r1, r3, r3b, s3) = rt.block_on(async {
        let local = LocalServer::start().await;
        let r1 = LocalServer::start_with(on_nats(&nats1, "r1")).await;
        let r3 = LocalServer::start_with(on_nats(&nats3, "r3-node-1")).await;
        let s3 = scenario(&r3).await;
        // Every session's key exists before node 2 copies the database, so that node 1
        // decrypts what node 2 encrypts (see `support::cluster::Database`).
        target(&s3, &r3.url())
            .await
            .send_many(0, 1000, IN_FLIGHT)
            .await;
        let r3b = join_node(&r3, &nats3, "r3-node-2", Database::SqliteCopies).await;
        (local, r1, r3, r3b, s3)
    });
    let nodes = rt.block_on(async {
        let sl = scenario(&local).await;
        let s1 = scenario(&r1).await;
        vec![
            Node {
                name: "local log",
                targets: vec![target(&sl, &local.url()).await],
                nats: vec![],
            },
            Node {
                name: "JetStream R1",
                targets: vec![target(&s1, &r1.url()).await],
                nats: nats1.pids(),
            },
            Node {
                name: "JetStream R3",
                targets: vec![target(&s3, &r3.url()).await],
                nats: nats3.pids(),
            },
            Node {
                name: "JetStream R3, two nodes",
                targets: vec![target(&s3, &r3.url()).await, target(&s3, &r3b.url()).await],
                nats: nats3.pids(),
            },
        ]
    });

    let mut group = c.benchmark_group("cluster_ingest");
    group.throughput(Throughput::Elements(1));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(8));
    let mut counter = 100_000u64;
    for node in &nodes {
        group.bench_function(node.name, |b| {
            b.iter_custom(|iters| {
                counter += iters.max(2);
                rt.block_on(send(node, counter, iters.max(2)))
            })
        });
    }
    group.finish();
    // `cargo test --all-targets` runs benches once as a smoke test: the figures below
    // are for `cargo bench` only.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }

    // Three rounds, the four in turn each round, so that the other load of a shared
    // machine falls on all alike; medians printed.
    let n = 10_000u64;
    let mut rates: Vec<Vec<f64>> = vec![Vec::new(); nodes.len()];
    for round in 0..3u64 {
        for (i, node) in nodes.iter().enumerate() {
            let cpu = process_cpu("self").unwrap_or_default();
            let nats_cpu = |pids: &[u32]| -> Duration {
                pids.iter()
                    .filter_map(|p| process_cpu(&p.to_string()))
                    .sum()
            };
            let nats_before = nats_cpu(&node.nats);
            let wall = rt.block_on(send(node, 1_000_000 * (round + 1) + i as u64 * n, n));
            let own = (process_cpu("self").unwrap_or_default() - cpu) / n as u32;
            let nats = (nats_cpu(&node.nats) - nats_before) / n as u32;
            let rate = n as f64 / wall.as_secs_f64();
            rates[i].push(rate);
            eprintln!(
                "cluster round {round}: {:<24} {rate:>7.0} events/s, CPU per event {:>5.1} µs in \
                 this process (client and nodes) + {:>5.1} µs in nats-server; RSS {:.0} MB",
                node.name,
                own.as_secs_f64() * 1e6,
                nats.as_secs_f64() * 1e6,
                resident_mb().unwrap_or(f64::NAN),
            );
        }
    }
    let median = |v: &[f64]| {
        let mut v = v.to_vec();
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let local_rate = median(&rates[0]);
    for (node, r) in nodes.iter().zip(&rates) {
        eprintln!(
            "cluster: {:<24} median {:>7.0} events/s = {:.2} of the local log",
            node.name,
            median(r),
            median(r) / local_rate
        );
    }

    // Egress across nodes: load on node 2 at half of one R3 node's throughput, probes sent
    // to node 2, received decrypted on node 1's websocket.
    let rate = median(&rates[2]) / 2.0;
    let (samples, lost) = rt.block_on(async {
        let on_node2 = target(&s3, &r3b.url()).await;
        let output = s3.client(&s3.output);
        egress_probes(&on_node2, &on_node2, &output, rate, IN_FLIGHT).await
    });
    let mut sorted = samples;
    sorted.sort();
    eprintln!(
        "egress across nodes (sent to node 2, received on node 1) under {rate:.0} events/s: \
         p50 {:?}, p99 {:?} ({} probes, {lost} lost)",
        quantile(&sorted, 0.50),
        quantile(&sorted, 0.99),
        sorted.len()
    );
    drop((local, r1, r3, r3b));
}

criterion_group!(benches, cluster);
criterion_main!(benches);
