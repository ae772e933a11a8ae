//! A `serve` process killed with SIGKILL mid-ingest loses no accepted event and exports
//! none twice.

use std::path::Path;

use serde_json::Value;

use super::files_in;
use crate::support::{KillOnDrop, Scenario, click, free_port, sink, wait_for, wait_listening};

/// `strm-tui serve` on a data directory and port, as its own process. Until the binary
/// has the subcommand, the `serve` example (the same `server::serve`) stands in.
fn spawn_serve(data_dir: &Path, port: u16) -> KillOnDrop {
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().unwrap().parent().unwrap();
    let serve = profile_dir.join("examples/serve");
    let status = std::process::Command::new(env!("CARGO"))
        .args(["build", "--quiet", "--example", "serve"])
        .args(if cfg!(debug_assertions) {
            &[][..]
        } else {
            &["--release"][..]
        })
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .unwrap();
    assert!(status.success(), "building the serve example failed");
    KillOnDrop(
        std::process::Command::new(serve)
            .arg(data_dir)
            .arg(port.to_string())
            .env("RUST_LOG", "warn")
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("serve starts"),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_sigkill_every_accepted_event_is_exported_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("server");
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let mut server = spawn_serve(&data, port);
    wait_listening(port).await;
    let s = Scenario::seed(&url, dir.path(), "crash@example.com").await;
    s.api
        .create_sink(&sink("local", "crash-bucket", None))
        .await
        .unwrap();
    s.exporter("bart", "local", false).await.unwrap();
    let sender = std::sync::Arc::new(s.client(&s.stream));
    let accepted = std::sync::Arc::new(std::sync::Mutex::new(std::collections::BTreeSet::new()));
    let next = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
    let failed = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    use std::sync::atomic::Ordering::SeqCst;
    // Eight senders at once, so that the kill lands while requests are in flight.
    let senders = |last: u32| {
        (0..8)
            .map(|_| {
                let (sender, accepted) = (sender.clone(), accepted.clone());
                let (next, failed, stop) = (next.clone(), failed.clone(), stop.clone());
                tokio::spawn(async move {
                    while !stop.load(SeqCst) {
                        let n = next.fetch_add(1, SeqCst);
                        if n >= last {
                            return;
                        }
                        let e = click(
                            &format!("session-{}", n % 7),
                            &[0],
                            &format!("https://a.io/{n}"),
                        );
                        match sender.send_json("clickstream", &e).await {
                            Ok(()) => {
                                accepted.lock().unwrap().insert(n);
                            }
                            Err(_) => {
                                failed.fetch_add(1, SeqCst);
                            }
                        }
                    }
                })
            })
            .collect::<Vec<_>>()
    };
    let first = senders(u32::MAX);
    wait_for(30, async || {
        (accepted.lock().unwrap().len() >= 150).then_some(())
    })
    .await;
    // SIGKILL: no shutdown, no flush, requests cut off half-way.
    server.0.kill().unwrap();
    server.0.wait().unwrap();
    wait_for(10, async || (failed.load(SeqCst) >= 8).then_some(())).await;
    stop.store(true, SeqCst);
    for task in first {
        task.await.unwrap();
    }
    let before_restart = accepted.lock().unwrap().len();
    server = spawn_serve(&data, port);
    wait_listening(port).await;
    // The event token survives the restart.
    stop.store(false, SeqCst);
    next.store(1_000_000, SeqCst);
    failed.store(0, SeqCst);
    for task in senders(1_000_200) {
        task.await.unwrap();
    }
    assert_eq!(failed.load(SeqCst), 0, "sends after the restart succeed");
    let accepted = accepted.lock().unwrap().clone();
    assert_eq!(accepted.len(), before_restart + 200);

    let bucket = data.join("buckets/crash-bucket/level01");
    let counts = wait_for(90, async || {
        let mut counts = std::collections::BTreeMap::<u32, u32>::new();
        for file in files_in(&bucket) {
            let name = file.file_name().unwrap().to_string_lossy().into_owned();
            if !name.contains("-stream-") {
                continue;
            }
            for line in std::fs::read_to_string(&file).ok()?.lines() {
                let e: Value = serde_json::from_str(line).ok()?;
                let n: u32 = e["url"].as_str()?.rsplit('/').next()?.parse().ok()?;
                *counts.entry(n).or_default() += 1;
            }
        }
        accepted
            .iter()
            .all(|n| counts.contains_key(n))
            .then_some(counts)
    })
    .await;
    let doubled: Vec<_> = counts.iter().filter(|(_, c)| **c > 1).collect();
    assert!(doubled.is_empty(), "exported more than once: {doubled:?}");
    // A request cut off by the kill may or may not have been stored before it; either
    // way it is in the buckets at most once (checked above).
    drop(server);
}
