//! A usage query on the real server over loopback HTTP (see BENCHMARKS.md): one day in
//! 10-second windows (8,640) of one stream, while the server holds a week of counts
//! for 100 streams (the 10-second table full, the per-second table full for the hour).

use criterion::{Criterion, criterion_group, criterion_main};
use strm_model::{StreamCreate, now_epoch_ms};

// The integration tests' support; a bench uses only part of it.
#[allow(dead_code, unused_imports)]
#[path = "../tests/support/mod.rs"]
mod support;
use support::LocalServer;

const STREAMS: usize = 100;
const WEEK_S: i64 = 7 * 24 * 3600;

fn usage(c: &mut Criterion) {
    let rt = support::servers::bench_runtime();
    let (server, token, billing) = rt.block_on(async {
        let server = LocalServer::start().await;
        let api = server.account("bench@example.com").await;
        for i in 0..STREAMS {
            api.create_stream(&StreamCreate {
                name: format!("stream-{i:03}"),
                description: None,
                tags: vec![],
            })
            .await
            .unwrap();
        }
        let session = api.session().await.unwrap();
        (server, session.id_token, session.billing_id)
    });
    // A week of counts, written straight into the tables the server reads.
    let now_s = now_epoch_ms() / 1000;
    let db = rusqlite::Connection::open(server.dir().join("server/strm.db")).unwrap();
    db.execute_batch("BEGIN").unwrap();
    {
        let mut windows = db
            .prepare("INSERT INTO dp_usage_windows (account, name, start_s, count) VALUES (?1, ?2, ?3, ?4)")
            .unwrap();
        let mut seconds = db
            .prepare("INSERT INTO dp_usage_seconds (account, name, start_s, count) VALUES (?1, ?2, ?3, ?4)")
            .unwrap();
        for i in 0..STREAMS {
            let name = format!("stream-{i:03}");
            let start = (now_s - WEEK_S) / 10 * 10;
            for (n, at) in (start..now_s).step_by(10).enumerate() {
                windows
                    .execute(rusqlite::params![billing, name, at, 40 + (n % 17) as i64])
                    .unwrap();
            }
            for at in now_s - 3600..now_s {
                seconds
                    .execute(rusqlite::params![billing, name, at, 4 + at % 3])
                    .unwrap();
            }
        }
    }
    db.execute_batch("COMMIT").unwrap();
    drop(db);

    let http = reqwest::Client::new();
    let url = format!(
        "{}/v1/streams/stream-042/usage?from={}&until={}&by=10",
        server.url(),
        (now_s - 24 * 3600) * 1000,
        now_s * 1000
    );
    c.bench_function(
        "GET usage, a day in 10 s windows (a week of 100 streams kept)",
        |b| {
            b.to_async(&rt).iter(|| async {
                let resp = http.get(&url).bearer_auth(&token).send().await.unwrap();
                assert!(resp.status().is_success());
                let body = resp.bytes().await.unwrap();
                assert!(body.len() > 8640 * 40);
                body
            })
        },
    );
    rt.block_on(server.shutdown());
}

criterion_group!(benches, usage);
criterion_main!(benches);
