//! A `serve` process killed with SIGKILL mid-ingest loses no accepted event and exports
//! none twice.

use std::path::Path;

use super::assert_exported_once;
use crate::support::load::Load;
use crate::support::{KillOnDrop, Scenario, free_port, sink, wait_for, wait_listening};

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
    let load = Load::new();
    let first = load.spawn(&sender, u32::MAX);
    wait_for(30, async || (load.accepted().len() >= 150).then_some(())).await;
    // SIGKILL: no shutdown, no flush, requests cut off half-way.
    server.0.kill().unwrap();
    server.0.wait().unwrap();
    wait_for(10, async || (load.failed() >= 8).then_some(())).await;
    load.stop(first).await;
    let before_restart = load.accepted().len();
    server = spawn_serve(&data, port);
    wait_listening(port).await;
    // The event token survives the restart.
    load.restart_at(1_000_000);
    for task in load.spawn(&sender, 1_000_200) {
        task.await.unwrap();
    }
    assert_eq!(load.failed(), 0, "sends after the restart succeed");
    let accepted = load.accepted();
    assert_eq!(accepted.len(), before_restart + 200);

    assert_exported_once(&data.join("buckets/crash-bucket/level01"), &accepted).await;
    // A request cut off by the kill may or may not have been stored before it; either
    // way it is in the buckets at most once (checked above).
    drop(server);
}
