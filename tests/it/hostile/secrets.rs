//! Secrets at rest: everything the server writes is private (files 0600, directories
//! 0700), and neither sink credentials nor the encryption keys' material can be found in
//! the data directory — the database and its `-wal` and `-shm` included — before or
//! after the master key is rotated.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use base64::Engine;
use serde_json::Value;

use crate::support::moto::{Moto, texts_of};
use crate::support::resources::endpoint_credentials;
use crate::support::{Scenario, Served, send_click, sink, wait_for};

/// Every file and directory below `dir`.
fn everything_below(dir: &Path) -> Vec<PathBuf> {
    let mut all = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                todo.push(path.clone());
            }
            all.push(path);
        }
    }
    all
}

/// The entries below `dir` whose mode is not 0600 (files) or 0700 (directories).
fn not_private(dir: &Path) -> Vec<String> {
    everything_below(dir)
        .into_iter()
        .filter_map(|p| {
            let meta = std::fs::symlink_metadata(&p).ok()?;
            let mode = meta.permissions().mode() & 0o777;
            let wanted = if meta.is_dir() { 0o700 } else { 0o600 };
            (mode != wanted).then(|| format!("{} {mode:o}", p.display()))
        })
        .collect()
}

/// The files below `dir` that contain any of `needles`.
fn files_holding(dir: &Path, needles: &[(&str, Vec<u8>)]) -> Vec<String> {
    let mut found = Vec::new();
    for path in everything_below(dir).into_iter().filter(|p| p.is_file()) {
        let bytes = std::fs::read(&path).unwrap_or_default();
        for (what, needle) in needles {
            if bytes.windows(needle.len()).any(|w| w == &needle[..]) {
                found.push(format!("{what} in {}", path.display()));
            }
        }
    }
    found
}

const SECRET: &str = "S3-SECRET-4c1e8b27d9f0a6";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_data_directory_is_private_and_holds_no_secret_or_key_in_plain_text() {
    let moto = Moto::with_bucket("keys-bucket").await;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let served = Served::start(dir.path(), &[], &[("RUST_LOG", "warn")]);
    let s = Scenario::seed(&served.url, dir.path(), "vault@example.com").await;
    s.api
        .create_sink(&sink(
            "keys",
            "keys-bucket",
            Some(endpoint_credentials("AKIAVAULT", SECRET, &moto.endpoint)),
        ))
        .await
        .unwrap();
    s.exporter("bart", "keys", true).await.unwrap();
    // A local bucket too, with decrypted events exported into the data directory.
    s.api
        .create_sink(&sink("local", "vault-bucket", None))
        .await
        .unwrap();
    s.exporter("level0-1", "local", false).await.unwrap();
    let sender = s.client(&s.stream);
    for n in 0..3 {
        send_click(&sender, &format!("vault-{n}"), &[0, 1], "https://a.io/v").await;
    }

    // The keys, as the key exporter wrote them to the S3 store (outside the data dir).
    let store = moto.store("keys-bucket");
    let b64 = base64::engine::general_purpose::STANDARD;
    let text = wait_for(90, async || {
        let text = texts_of(&store, "-keys-").await?.concat();
        (text.lines().count() >= 3).then_some(text)
    })
    .await;
    let materials: Vec<Vec<u8>> = text
        .lines()
        .map(|line| {
            let v: Value = serde_json::from_str(line).unwrap();
            let value = v["tinkKey"]["key"][0]["keyData"]["value"].as_str().unwrap();
            // A serialized AesSivKey: 0x12 0x40 and the 64 key bytes.
            b64.decode(value).unwrap()[2..].to_vec()
        })
        .collect();
    assert_eq!(materials.len(), 3, "{text}");
    let local_bucket = data.join("server/buckets/vault-bucket");
    wait_for(90, async || {
        (everything_below(&local_bucket)
            .iter()
            .filter(|p| p.is_file())
            .count()
            >= 2)
            .then_some(())
    })
    .await;

    let mut needles = vec![("the S3 secret", SECRET.as_bytes().to_vec())];
    for m in &materials {
        needles.push(("key material", m.clone()));
        needles.push(("key material (base64)", b64.encode(m).into_bytes()));
        let hex: String = m.iter().map(|b| format!("{b:02x}")).collect();
        needles.push(("key material (hex)", hex.into_bytes()));
    }
    assert!(
        data.join("server/strm.db-wal").exists(),
        "the write-ahead log is there to search"
    );
    assert_eq!(files_holding(&data, &needles), Vec::<String>::new());
    assert_eq!(not_private(&data), Vec::<String>::new());

    // Rotating the master key: the secrets still work, and still cannot be found.
    let before = std::fs::read_to_string(data.join("server/master.key")).unwrap();
    let addr = format!("127.0.0.1:{}", served.port());
    drop(served);
    let served = Served::start(
        dir.path(),
        &["--addr", &addr, "--rotate-master-key"],
        &[("RUST_LOG", "info")],
    );
    let after = std::fs::read_to_string(data.join("server/master.key")).unwrap();
    assert_ne!(before, after, "a new master key");
    assert!(!data.join("server/master.key.new").exists());
    assert!(
        served.log().contains("master key rotated"),
        "{}",
        served.log()
    );
    assert_eq!(files_holding(&data, &needles), Vec::<String>::new());
    assert_eq!(not_private(&data), Vec::<String>::new());
    // The S3 credentials open (a new exporter's probe writes to the store) and so do the
    // keys (an output decrypts an event of a session keyed before the rotation).
    let mut create = crate::support::exporter("again", "keys", 30);
    create.export_keys = true;
    s.api.create_exporter("bart", &create).await.unwrap();
    let mut tail = s.client(&s.output).receive(true).await.unwrap();
    send_click(
        &s.client(&s.stream),
        "vault-0",
        &[0, 1],
        "https://a.io/after",
    )
    .await;
    let event = tail.next().await.unwrap().unwrap();
    assert!(
        event.contains("\"producerSessionId\":\"vault-0\""),
        "{event}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_master_key_from_the_environment_leaves_no_key_file_and_a_wrong_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let key = "q3n0cW6Yt0l0Ykq8n0dQeXb3X2g2a0pVbE5hN1dZc3M=";
    let served = Served::start(
        dir.path(),
        &[],
        &[("STRM_MASTER_KEY", key), ("RUST_LOG", "warn")],
    );
    let s = Scenario::seed(&served.url, dir.path(), "env@example.com").await;
    s.api
        .create_sink(&crate::support::s3_sink("s3", "env-bucket"))
        .await
        .unwrap();
    drop(served);
    let server_dir = dir.path().join("data/server");
    assert!(!server_dir.join("master.key").exists());
    let other = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    let out = crate::support::strm_tui(dir.path())
        .args(["serve", "--addr", "127.0.0.1:0"])
        .env("STRM_MASTER_KEY", other)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("STRM_PREVIOUS_MASTER_KEY"), "{stderr}");
    // With the old key named as the previous one, it starts and seals under the new.
    let served = Served::start(
        dir.path(),
        &[],
        &[
            ("STRM_MASTER_KEY", other),
            ("STRM_PREVIOUS_MASTER_KEY", key),
            ("RUST_LOG", "info"),
        ],
    );
    assert!(
        served.log().contains("sealed stored secrets"),
        "{}",
        served.log()
    );
}
