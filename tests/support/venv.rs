//! The Python test peers (moto_server, the 2021 driver) in a virtualenv.

use std::path::{Path, PathBuf};

/// The virtualenv at `$STRM_TUI_VENV` (default `.venv`; `scripts/test` creates it).
pub fn venv() -> PathBuf {
    let dir = std::env::var_os("STRM_TUI_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv"));
    assert!(
        dir.join("bin/python").exists(),
        "no Python virtualenv at {} (set STRM_TUI_VENV, or run scripts/test, which creates it with \
         moto[server], streammachine-driver==0.0.11, streammachine-schemas-clickstream-avro==0.2.0 and schemathesis==4.32.5)",
        dir.display()
    );
    dir
}

/// A moto_server (an S3-compatible store) on a free port of 127.0.0.1 with `bucket`
/// created; the running child and its endpoint.
pub async fn moto(bucket: &str) -> (super::KillOnDrop, String) {
    let port = super::free_port();
    let child = super::KillOnDrop(
        std::process::Command::new(venv().join("bin/moto_server"))
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("moto_server starts"),
    );
    super::wait_listening(port).await;
    let endpoint = format!("http://127.0.0.1:{port}");
    let created = reqwest::Client::new()
        .put(format!("{endpoint}/{bucket}"))
        .send()
        .await
        .unwrap();
    assert!(created.status().is_success(), "{}", created.status());
    (child, endpoint)
}

/// `bucket` of the moto_server at `endpoint` (any key opens it), as a test writes or
/// reads it itself.
#[allow(dead_code, reason = "the benches use no moto_server")]
pub fn moto_store(bucket: &str, endpoint: &str) -> object_store::aws::AmazonS3 {
    object_store::aws::AmazonS3Builder::new()
        .with_bucket_name(bucket)
        .with_region("us-east-1")
        .with_access_key_id("AKIAMOTO")
        .with_secret_access_key("moto")
        .with_endpoint(endpoint)
        .with_allow_http(true)
        .build()
        .unwrap()
}
