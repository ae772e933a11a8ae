//! Exporters: batches and keys to the bucket directory (the default), a bucket that
//! cannot be written, and an S3-compatible store (moto_server).

use serde_json::Value;

use super::files_in;
use crate::support::moto::Moto;
use crate::support::resources::unreachable_sink;
use crate::support::{LocalServer, send_click, sink, wait_for};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exporters_write_batches_and_keys_to_the_bucket_directory() {
    let local = LocalServer::start().await;
    let s = local.seed("export@example.com").await;
    s.exports_to("bart-bucket").await;
    let bucket = local.dir().join("server/buckets/bart-bucket/level01");
    let probes: Vec<_> = files_in(&bucket)
        .into_iter()
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with(".strm_test_")
        })
        .collect();
    assert_eq!(probes.len(), 2, "{probes:?}");
    assert_eq!(std::fs::metadata(&probes[0]).unwrap().len(), 0);

    let sender = s.client(&s.stream);
    for (n, levels) in [(1, vec![0, 1]), (2, vec![0]), (3, vec![0, 1, 2])] {
        send_click(&sender, &format!("session-{n}"), &levels, "https://a.io/x").await;
    }
    let batch_re = regex::Regex::new(
        r"^\d{4}-\d\d-\d\dT\d\d:\d\d:(00|30)-stream-[0-9a-f-]{36}\{0,1,2,3,4\}\.jsonl$",
    )
    .unwrap();
    let (events, keys) = wait_for(75, async || {
        let names: Vec<String> = files_in(&bucket)
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        let events = names.iter().find(|n| batch_re.is_match(n))?.clone();
        let keys = names.iter().find(|n| n.contains("-keys-"))?.clone();
        Some((events, keys))
    })
    .await;
    let text = std::fs::read_to_string(bucket.join(&events)).unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let sessions: Vec<&str> = lines
        .iter()
        .map(|l| l["producerSessionId"].as_str().unwrap())
        .collect();
    assert_eq!(sessions, ["session-1", "session-3"], "{text}");
    assert_eq!(lines[0]["customer"]["id"], "customer-session-1");
    let keys_text = std::fs::read_to_string(bucket.join(&keys)).unwrap();
    let key_lines: Vec<Value> = keys_text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(key_lines.len(), 3, "{keys_text}");
    assert_eq!(
        key_lines[0]["tinkKey"]["key"][0]["keyData"]["keyMaterialType"],
        "SYMMETRIC"
    );

    // Deleting the stream (recursively) removes its events and keys.
    s.api.delete_stream("bart", true).await.unwrap();
    let db = rusqlite::Connection::open(local.dir().join("server/strm.db")).unwrap();
    let left: i64 = db
        .query_row(
            "SELECT (SELECT COUNT(*) FROM dp_events) + (SELECT COUNT(*) FROM dp_keys)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(left, 0);
    local.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unwritable_bucket_refuses_the_exporter_naming_bucket_and_error() {
    let local = LocalServer::start().await;
    let s = local.seed("refuse@example.com").await;
    s.api
        .create_sink(&unreachable_sink("nowhere", "no-such-bucket"))
        .await
        .unwrap();
    let err = s.exporter("bart", "nowhere", false).await.unwrap_err();
    assert_eq!(err.status(), Some(400), "{err}");
    assert!(
        err.to_string()
            .contains("bucket \"no-such-bucket\" cannot be written"),
        "{err}"
    );
    assert!(s.api.list_exporters().await.unwrap().is_empty());
    local.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exporters_write_to_an_s3_compatible_store() {
    let moto = Moto::with_bucket("moto-bucket").await;
    let local = LocalServer::start().await;
    let s = local.seed("moto@example.com").await;
    s.api
        .create_sink(&sink("s3-bart", "moto-bucket", Some(moto.credentials())))
        .await
        .unwrap();
    s.exporter("level0-1", "s3-bart", false).await.unwrap();
    let sender = s.client(&s.stream);
    send_click(&sender, "session-7", &[0, 1], "https://a.io/m").await;

    let store = moto.store("moto-bucket");
    use futures::TryStreamExt;
    use object_store::{ObjectStore, ObjectStoreExt};
    let prefix = object_store::path::Path::from("level01");
    let batch = wait_for(75, async || {
        let listed: Vec<_> = store.list(Some(&prefix)).try_collect().await.ok()?;
        listed
            .into_iter()
            .map(|m| m.location)
            .find(|p| p.as_ref().contains("-stream-"))
    })
    .await;
    let listed: Vec<_> = store.list(Some(&prefix)).try_collect().await.unwrap();
    assert!(
        listed
            .iter()
            .any(|m| m.location.as_ref().contains(".strm_test_") && m.size == 0)
    );
    let body = store.get(&batch).await.unwrap().bytes().await.unwrap();
    let line: Value = serde_json::from_slice(body.strip_suffix(b"\n").unwrap()).unwrap();
    assert_eq!(line["customer"]["id"], "customer-session-7");
    assert!(batch.as_ref().ends_with("{0,1,2,3,4}.jsonl"), "{batch}");
    local.shutdown().await;
}
