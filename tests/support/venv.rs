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
         moto[server], streammachine-driver==0.0.11 and streammachine-schemas-clickstream-avro==0.2.0)",
        dir.display()
    );
    dir
}

/// A moto_server (an S3-compatible store) on a free loopback port with `bucket`
/// created in it: the process (killed when dropped) and the store's endpoint URL.
pub async fn moto_bucket(bucket: &str) -> (crate::support::KillOnDrop, String) {
    let port = crate::support::free_port();
    let moto = crate::support::KillOnDrop(
        std::process::Command::new(venv().join("bin/moto_server"))
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("moto_server starts"),
    );
    crate::support::wait_listening(port).await;
    let endpoint = format!("http://127.0.0.1:{port}");
    let created = reqwest::Client::new()
        .put(format!("{endpoint}/{bucket}"))
        .send()
        .await
        .unwrap();
    assert!(created.status().is_success(), "{}", created.status());
    (moto, endpoint)
}
