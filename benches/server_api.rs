//! Latency of the local server over loopback HTTP: listing 1,000 streams and creating one.

use std::sync::atomic::{AtomicU64, Ordering};

use criterion::{Criterion, criterion_group, criterion_main};
use strm_model::StreamCreate;

// The integration tests' support; a bench uses only part of it.
#[allow(dead_code, unused_imports)]
#[path = "../tests/support/mod.rs"]
mod support;
use support::LocalServer;

fn server_api(c: &mut Criterion) {
    let rt = support::servers::bench_runtime();
    let (server, token) = rt.block_on(async {
        let server = LocalServer::start().await;
        let api = server.account("bench@example.com").await;
        for i in 0..1000 {
            api.create_stream(&StreamCreate {
                name: format!("stream-{i:04}"),
                description: Some("a stream for the benchmark".into()),
                tags: vec!["bench".into()],
            })
            .await
            .unwrap();
        }
        (server, api.session().await.unwrap().id_token)
    });
    let http = reqwest::Client::new();
    let list_url = format!("{}/v1/streams", server.url());

    c.bench_function("GET /v1/streams (1,000 streams)", |b| {
        b.to_async(&rt).iter(|| async {
            let resp = http
                .get(&list_url)
                .bearer_auth(&token)
                .send()
                .await
                .unwrap();
            assert!(resp.status().is_success());
            resp.bytes().await.unwrap()
        })
    });

    let counter = AtomicU64::new(0);
    c.bench_function("PUT /v1/streams", |b| {
        b.to_async(&rt).iter(|| async {
            let n = counter.fetch_add(1, Ordering::Relaxed);
            let resp = http
                .put(&list_url)
                .bearer_auth(&token)
                .json(&StreamCreate {
                    name: format!("new-{n}"),
                    description: None,
                    tags: vec![],
                })
                .send()
                .await
                .unwrap();
            assert!(resp.status().is_success());
            resp.bytes().await.unwrap()
        })
    });

    rt.block_on(server.shutdown());
}

criterion_group!(benches, server_api);
criterion_main!(benches);
