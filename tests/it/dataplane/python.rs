//! The 2021 Python driver (streammachine-driver 0.0.11) against the local server.

use std::path::Path;
use std::time::Duration;

use crate::support::{LocalServer, Scenario, venv};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_2021_python_driver_round_trips() {
    let local = LocalServer::start().await;
    let s = local.seed("python@example.com").await;
    let host = local.server.addr().to_string();
    driver_round_trip(&s, &host, &host).await;
    local.shutdown().await;
}

/// The driver script: it sends to `sender` (HOST:PORT) and tails the stream and the
/// output on `tail` — one server, or two nodes of a cluster.
pub(crate) async fn driver_round_trip(s: &Scenario, sender: &str, tail: &str) {
    let venv = venv();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/driver_roundtrip.py");
    let child = tokio::process::Command::new(venv.join("bin/python"))
        .arg(&script)
        .env("STRM_HOST", sender)
        .env("STRM_TAIL_HOST", tail)
        .env("STRM_BILLING_ID", &s.billing_id)
        .env("STRM_STREAM_CLIENT_ID", &s.stream.client_id)
        .env(
            "STRM_STREAM_CLIENT_SECRET",
            s.stream.client_secret.as_ref().unwrap(),
        )
        .env("STRM_OUTPUT_CLIENT_ID", &s.output.client_id)
        .env(
            "STRM_OUTPUT_CLIENT_SECRET",
            s.output.client_secret.as_ref().unwrap(),
        )
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(Duration::from_secs(60), child)
        .await
        .expect("the driver script finishes within 60 s")
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.contains("driver round trip OK"),
        "driver script failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
}
