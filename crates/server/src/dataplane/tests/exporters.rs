//! Exporters: batches named by their boundary, written once, positions moved only after a write; sinks.

use super::*;
use crate::dataplane::cloud_stores::CloudStores;
use crate::dataplane::exporter::{self, ExportJob, SinkTarget, batch_file, boundary_after};
use object_store::ObjectStore;
use object_store::local::LocalFileSystem;
use strm_model::{CloudBucket, SinkType};

fn job(f: &Fixture, name: &str, linked: &str, view: View, export_keys: bool) -> ExportJob {
    ExportJob {
        account: ACCOUNT.into(),
        name: name.into(),
        linked_stream: linked.into(),
        source_stream: "bart".into(),
        view,
        sink: SinkTarget::resolve(ACCOUNT, SinkType::S3, "my-bucket", None, &f.data_dir, None)
            .unwrap(),
        interval_secs: 30,
        path_prefix: Some("level01".into()),
        export_keys,
    }
}

/// The seed's exporter `s3` of the output `level0-1` (GRANULAR 0, 1).
fn output_job(f: &Fixture) -> ExportJob {
    let view = View::output(ConsentLevelType::Granular, &[0, 1]);
    job(f, "s3", "level0-1", view, false)
}

/// The object-name uuid and committed position of the exporter `name` of `linked`.
fn export_state(f: &Fixture, linked: &str, name: &str) -> (String, i64) {
    let exports = f.plane.store().exports();
    exports.state(ACCOUNT, linked, name, false, 0).unwrap()
}

fn bucket_files(f: &Fixture) -> Vec<String> {
    let root = f.data_dir.join("buckets/my-bucket/level01");
    let mut names: Vec<String> = std::fs::read_dir(root)
        .map(|d| {
            d.filter_map(|e| e.ok()?.file_name().into_string().ok())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// On the one async worker of a current-thread runtime: while the store is busy, an
/// exporter waits on the blocking pool and other tasks keep running.
#[tokio::test]
async fn an_exporter_does_not_block_the_async_worker_while_the_store_is_busy() {
    let f = fixture();
    let out = output_job(&f);
    let (locked_tx, locked) = std::sync::mpsc::channel();
    let (ran, ran_rx) = std::sync::mpsc::channel::<()>();
    let plane = f.plane.clone();
    let holder = std::thread::spawn(move || {
        let _busy = plane.store().busy();
        locked_tx.send(()).unwrap();
        ran_rx
            .recv_timeout(std::time::Duration::from_secs(5))
            .is_ok()
    });
    locked.recv().unwrap();
    let export = tokio::spawn({
        let (plane, out) = (f.plane.clone(), out.clone());
        async move { exporter::export_due(&plane, &out, strm_model::now_epoch_ms()).await }
    });
    // The exporter runs now, until it waits for the store.
    tokio::task::yield_now().await;
    let _ = ran.send(());
    assert!(
        holder.join().unwrap(),
        "the async worker was blocked while the store was busy"
    );
    export.await.unwrap().unwrap();
}

#[tokio::test]
async fn exporters_write_closed_batches_once_named_by_their_boundary() {
    let f = fixture();
    let out = output_job(&f);
    exporter::probe(&f.plane, &out).await.unwrap();
    let (uuid, _) = export_state(&f, "level0-1", "s3");
    assert_eq!(bucket_files(&f), vec![format!(".strm_test_{uuid}.jsonl")]);

    f.click(1, &[0, 1]).await;
    f.click(2, &[0]).await;
    let first = f
        .plane
        .store()
        .events()
        .after(ACCOUNT, "bart", 0, 10)
        .unwrap();
    let boundary = boundary_after(first[0].ts_ms, 30);
    // The window is still open: nothing yet.
    assert_eq!(
        exporter::export_due(&f.plane, &out, boundary - 1)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        exporter::export_due(&f.plane, &out, boundary)
            .await
            .unwrap(),
        1
    );
    let name = batch_file(boundary, "stream", &uuid);
    assert!(
        name.ends_with(&format!("-stream-{uuid}{{0,1,2,3,4}}.jsonl")),
        "{name}"
    );
    assert_eq!(&name[10..11], "T");
    let text =
        std::fs::read_to_string(f.data_dir.join("buckets/my-bucket/level01").join(&name)).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1, "{text}");
    let e: Json = serde_json::from_str(lines[0]).unwrap();
    assert_eq!(e["customer"]["id"], "customer-session-1");
    assert!(!lines[0].contains(": "), "compact JSON: {}", lines[0]);
    // Exported once: running again writes nothing new.
    assert_eq!(
        exporter::export_due(&f.plane, &out, boundary + 60_000)
            .await
            .unwrap(),
        0
    );
    assert_eq!(bucket_files(&f).len(), 2);
}

#[tokio::test]
async fn an_uncommitted_batch_is_rewritten_under_the_same_name() {
    let f = fixture();
    let out = job(&f, "src", "bart", View::Source, false);
    exporter::probe(&f.plane, &out).await.unwrap();
    for n in 0..5 {
        f.click(n, &[0]).await;
    }
    let far = strm_model::now_epoch_ms() + 120_000;
    let (_, before) = export_state(&f, "bart", "src");
    assert_eq!(exporter::export_due(&f.plane, &out, far).await.unwrap(), 1);
    let files = bucket_files(&f);
    let path = f.data_dir.join("buckets/my-bucket/level01").join(&files[1]);
    let first = std::fs::read(&path).unwrap();
    // A crash between the write and the commit: the position is still the old one.
    f.plane
        .store()
        .exports()
        .commit(ACCOUNT, "bart", "src", false, before, None)
        .unwrap();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(exporter::export_due(&f.plane, &out, far).await.unwrap(), 1);
    assert_eq!(bucket_files(&f), files);
    assert_eq!(std::fs::read(&path).unwrap(), first);
    assert_eq!(String::from_utf8(first).unwrap().lines().count(), 5);
}

/// An exporter `name` of the stream to `bucket`, opened by `stores`.
fn cloud_job(f: &Fixture, name: &str, bucket: CloudBucket, stores: CloudStores) -> ExportJob {
    ExportJob {
        sink: SinkTarget::Cloud { bucket, stores },
        ..job(f, name, "bart", View::Source, false)
    }
}

/// Cloud stores whose every write fails, as an unreachable endpoint's do (the cloud
/// clients are not this crate's): a directory store rooted at a regular file.
fn unwritable_stores(f: &Fixture) -> CloudStores {
    let file = f.data_dir.join("not-a-directory");
    std::fs::write(&file, b"").unwrap();
    CloudStores::new(
        move |_: &CloudBucket| -> Result<Arc<dyn ObjectStore>, object_store::Error> {
            Ok(Arc::new(LocalFileSystem::new_with_prefix(&file)?))
        },
    )
}

#[tokio::test]
async fn a_failed_write_does_not_move_the_position() {
    let f = fixture();
    let nowhere = CloudBucket::S3 {
        bucket: "nowhere".into(),
        endpoint: Some("http://127.0.0.1:9".into()),
        access_key_id: "a".into(),
        secret_access_key: strm_model::Secret::new("b"),
    };
    let out = cloud_job(&f, "broken", nowhere, unwritable_stores(&f));
    let err = exporter::probe(&f.plane, &out).await.unwrap_err();
    assert!(
        err.to_string()
            .starts_with("bucket \"nowhere\" cannot be written"),
        "{err}"
    );
    let (_, pos) = export_state(&f, "bart", "broken");
    f.click(1, &[0]).await;
    let far = strm_model::now_epoch_ms() + 120_000;
    assert!(exporter::export_due(&f.plane, &out, far).await.is_err());
    let (_, after) = export_state(&f, "bart", "broken");
    assert_eq!(pos, after);
}

#[tokio::test]
async fn key_exporters_write_tink_keysets() {
    let f = fixture();
    let keys = job(&f, "keys", "bart", View::Source, true);
    f.click(1, &[0]).await;
    f.click(2, &[0]).await;
    exporter::probe(&f.plane, &keys).await.unwrap();
    let far = strm_model::now_epoch_ms() + 120_000;
    assert_eq!(exporter::export_due(&f.plane, &keys, far).await.unwrap(), 1);
    let files = bucket_files(&f);
    let name = files.iter().find(|n| n.contains("-keys-")).unwrap();
    let text =
        std::fs::read_to_string(f.data_dir.join("buckets/my-bucket/level01").join(name)).unwrap();
    let lines: Vec<Json> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    for l in &lines {
        uuid::Uuid::parse_str(l["keyLink"].as_str().unwrap()).unwrap();
        assert_eq!(
            l["tinkKey"]["primaryKeyId"],
            l["tinkKey"]["key"][0]["keyId"]
        );
        assert_eq!(
            l["tinkKey"]["key"][0]["keyData"]["typeUrl"],
            "type.googleapis.com/google.crypto.tink.AesSivKey"
        );
    }
}

#[tokio::test]
async fn deleting_a_stream_forgets_its_events() {
    let f = fixture();
    f.click(1, &[0]).await;
    f.plane.delete_stream(ACCOUNT, "bart").unwrap();
    assert_eq!(f.plane.store().event_count(ACCOUNT, "bart"), 0);
    let _ = &f.directory;
}

#[test]
fn sinks_resolve_to_directories_unless_an_endpoint_is_given() {
    let dir = std::path::Path::new("/data");
    let s3 = r#"{"AccessKey": {"AccessKeyId": "AKIA", "SecretAccessKey": "TOPSECRET"}}"#;
    let with_endpoint = r#"{"AccessKey": {"AccessKeyId": "AKIA", "SecretAccessKey": "TOPSECRET"},
        "EndpointUrl": "http://127.0.0.1:9000"}"#;
    assert_eq!(
        SinkTarget::resolve(ACCOUNT, SinkType::S3, "bucket-1", Some(s3), dir, None).unwrap(),
        SinkTarget::Directory {
            bucket: "bucket-1".into(),
            root: "/data/buckets/bucket-1".into(),
            account: ACCOUNT.into(),
        }
    );
    let remote = SinkTarget::resolve(
        ACCOUNT,
        SinkType::S3,
        "bucket-1",
        Some(with_endpoint),
        dir,
        None,
    )
    .unwrap();
    assert!(matches!(
        remote,
        SinkTarget::Cloud {
            bucket: CloudBucket::S3 { .. },
            ..
        }
    ));
    assert!(!format!("{remote:?}").contains("TOPSECRET"));
    let server_default = SinkTarget::resolve(
        ACCOUNT,
        SinkType::S3,
        "bucket-1",
        Some(s3),
        dir,
        Some("http://h:1"),
    )
    .unwrap();
    assert!(
        matches!(server_default, SinkTarget::Cloud { bucket: CloudBucket::S3 { endpoint: Some(e), .. }, .. } if e == "http://h:1")
    );
    assert!(matches!(
        SinkTarget::resolve(ACCOUNT, SinkType::Gcloud, "bucket-1", Some("{}"), dir, None).unwrap(),
        SinkTarget::Directory { .. }
    ));
    assert_eq!(
        SinkTarget::resolve(ACCOUNT, SinkType::S3, "B", None, dir, None)
            .unwrap_err()
            .field,
        "bucketName"
    );
}

#[tokio::test]
async fn a_cloud_sink_of_a_server_without_cloud_stores_says_so() {
    let f = fixture();
    let far_away = CloudBucket::Gcs {
        bucket: "far-away".into(),
        service_account_json: strm_model::Secret::new("{}"),
    };
    let out = cloud_job(&f, "cloud", far_away, CloudStores::default());
    let err = exporter::probe(&f.plane, &out).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "bucket \"far-away\" cannot be written: bucket \"far-away\" is in Google Cloud \
         Storage, and this server was started without the clients of cloud stores; only \
         local bucket directories can be used"
    );
}
