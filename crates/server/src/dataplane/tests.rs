//! The data plane's parts together, without HTTP: tokens, ingest, egress views and
//! exporters over a fixed directory of streams and outputs.

use std::sync::{Arc, Mutex};

use serde_json::{Value as Json, json};

use super::exporter::{self, ExportJob, SinkTarget, batch_file, boundary_after};
use super::*;
use strm_model::{ConsentLevelType, EventAuthRequest, SinkType};

pub(crate) struct FixedDirectory {
    pub entries: Vec<(EventAuthRequest, Principal, View)>,
    pub jobs: Mutex<Vec<ExportJob>>,
    pub contracts: Vec<strm_model::DataContract>,
}

impl Directory for FixedDirectory {
    fn authenticate(&self, billing: &str, id: &str, secret: &str) -> Option<Principal> {
        self.entries
            .iter()
            .find(|(r, _, _)| {
                r.billing_id == billing && r.client_id == id && r.client_secret == secret
            })
            .map(|(_, p, _)| p.clone())
    }
    fn view(&self, principal: &Principal) -> Option<View> {
        self.entries
            .iter()
            .find(|(_, p, _)| p == principal)
            .map(|(_, _, v)| v.clone())
    }
    fn export_jobs(&self) -> Vec<ExportJob> {
        self.jobs.lock().unwrap().clone()
    }
    fn contract(&self, account: &str, reference: &str) -> Option<strm_model::DataContract> {
        (account == ACCOUNT)
            .then(|| {
                self.contracts
                    .iter()
                    .find(|c| c.reference.to_string() == reference)
            })
            .flatten()
            .cloned()
    }
}

const ACCOUNT: &str = "strmbart8891421710";

fn creds(id: &str) -> EventAuthRequest {
    EventAuthRequest {
        billing_id: ACCOUNT.into(),
        client_id: id.into(),
        client_secret: format!("{id}-secret"),
    }
}

fn principal(output: Option<&str>) -> Principal {
    Principal {
        account: ACCOUNT.into(),
        stream: "bart".into(),
        output: output.map(str::to_owned),
    }
}

struct Fixture {
    _dir: tempfile::TempDir,
    data_dir: std::path::PathBuf,
    plane: DataPlane,
    directory: Arc<FixedDirectory>,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().to_path_buf();
    let directory = Arc::new(FixedDirectory {
        entries: vec![
            (creds("stream"), principal(None), View::Source),
            (
                creds("granular"),
                principal(Some("level0-1")),
                View::output(ConsentLevelType::Granular, &[0, 1]),
            ),
            (
                creds("cumulative0"),
                principal(Some("level0")),
                View::output(ConsentLevelType::Cumulative, &[0]),
            ),
        ],
        jobs: Mutex::new(vec![]),
        contracts: vec![checkout_contract()],
    });
    let store = DataStore::open(&data_dir.join("db.sqlite")).unwrap();
    let plane = DataPlane::new(
        store,
        directory.clone(),
        DataPlaneConfig::new(data_dir.clone()),
    )
    .unwrap();
    Fixture {
        _dir: dir,
        data_dir,
        plane,
        directory,
    }
}

fn click(session: u32, levels: &[i32]) -> Json {
    json!({"strmMeta": {"schemaId": "clickstream", "consentLevels": levels},
        "producerSessionId": format!("session-{session}"), "url": "https://www.streammachine.io/rules",
        "eventType": "", "referrer": "", "userAgent": "", "conversion": 0,
        "customer": {"id": format!("customer-session-{session}")}, "abTests": []})
}

async fn send_json(plane: &DataPlane, p: &Principal, event: &Json) -> Result<(), DataError> {
    let body = event.to_string();
    plane
        .ingest(
            p,
            IngestRequest {
                schema_id: Some(event["strmMeta"]["schemaId"].as_str().unwrap()),
                serialization_type: Some("application/json"),
                body: body.as_bytes(),
                ..Default::default()
            },
        )
        .await
}

fn cipher(v: &Json) -> bool {
    super::crypto::split_ciphertext(v.as_str().unwrap_or_default()).is_ok()
}

#[test]
fn auth_gives_tokens_that_identify_the_principal_and_refresh_keeps_it() {
    let f = fixture();
    let tokens = f.plane.auth(&creds("granular")).unwrap();
    let shape = serde_json::to_value(&tokens).unwrap();
    let mut keys: Vec<&String> = shape.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(keys, ["expiresAt", "idToken", "refreshToken"]);
    let bearer = format!("Bearer {}", tokens.id_token);
    assert_eq!(
        f.plane.authorize(Some(&bearer)).unwrap(),
        principal(Some("level0-1"))
    );
    let again = f.plane.refresh(&tokens.refresh_token).unwrap();
    assert_ne!(again.id_token, tokens.id_token);
    let bearer = format!("Bearer {}", again.id_token);
    assert_eq!(
        f.plane.authorize(Some(&bearer)).unwrap(),
        principal(Some("level0-1"))
    );

    let mut wrong = creds("stream");
    wrong.client_secret = "nope".into();
    assert_eq!(f.plane.auth(&wrong).unwrap_err().status(), 401);
    assert_eq!(f.plane.refresh("nope").unwrap_err().status(), 401);
    // A refresh token is not an id token.
    let bearer = format!("Bearer {}", tokens.refresh_token);
    assert_eq!(f.plane.authorize(Some(&bearer)).unwrap_err().status(), 401);
    assert_eq!(f.plane.authorize(None).unwrap_err().status(), 401);
}

#[tokio::test]
async fn an_output_token_cannot_send() {
    let f = fixture();
    let err = send_json(&f.plane, &principal(Some("level0-1")), &click(1, &[0]))
        .await
        .unwrap_err();
    assert_eq!(err.status(), 403);
    assert!(err.to_string().contains("level0-1"), "{err}");
}

#[tokio::test]
async fn bad_events_get_400_naming_the_problem() {
    let f = fixture();
    let mut bad = click(1, &[0]);
    bad["url"] = json!("not a url");
    let err = send_json(&f.plane, &principal(None), &bad)
        .await
        .unwrap_err();
    assert_eq!(err.status(), 400);
    assert!(
        err.to_string()
            .starts_with("url: \"not a url\" does not match"),
        "{err}"
    );
    let err = f
        .plane
        .ingest(
            &principal(None),
            IngestRequest {
                schema_id: Some("clickstream"),
                body: b"\x02\x03garbage",
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(err.status(), 400);
    assert!(err.to_string().contains("Avro datum"), "{err}");
    let big = vec![b' '; 1024 * 1024 + 1];
    let err = f
        .plane
        .ingest(
            &principal(None),
            IngestRequest {
                schema_id: Some("clickstream"),
                body: &big,
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(err.status(), 413);
    assert_eq!(f.plane.store().event_count(ACCOUNT, "bart"), 0);
}

#[tokio::test]
async fn egress_views_encrypt_for_the_stream_and_decrypt_for_outputs() {
    let f = fixture();
    let mut source = f.plane.subscribe(&principal(None)).unwrap();
    let mut granular = f.plane.subscribe(&principal(Some("level0-1"))).unwrap();
    let mut level0 = f.plane.subscribe(&principal(Some("level0"))).unwrap();
    send_json(&f.plane, &principal(None), &click(1, &[]))
        .await
        .unwrap();
    send_json(&f.plane, &principal(None), &click(2, &[0]))
        .await
        .unwrap();
    send_json(&f.plane, &principal(None), &click(3, &[0, 1, 2]))
        .await
        .unwrap();

    for _ in 0..3 {
        let text = source.next().await.unwrap().unwrap();
        // Field order is the schema's.
        assert!(
            text.starts_with(r#"{"strmMeta":{"schemaId":"clickstream","nonce":"#),
            "{text}"
        );
        assert!(text.find("\"url\"").unwrap() < text.find("\"customer\"").unwrap());
        let e: Json = serde_json::from_str(&text).unwrap();
        assert!(
            cipher(&e["producerSessionId"]) && cipher(&e["customer"]["id"]),
            "{e}"
        );
        assert_eq!(e["strmMeta"]["billingId"], ACCOUNT);
        assert!(e["strmMeta"]["timestamp"].as_i64().unwrap() > 1_600_000_000_000);
        uuid::Uuid::parse_str(e["strmMeta"]["keyLink"].as_str().unwrap()).unwrap();
    }

    // Granular [0,1]: only the third event; both fields in clear.
    let g: Json = serde_json::from_str(&granular.next().await.unwrap().unwrap()).unwrap();
    assert_eq!(g["producerSessionId"], "session-3");
    assert_eq!(g["customer"]["id"], "customer-session-3");
    // Cumulative 0: events 2 and 3, only customer.id in clear.
    for n in [2, 3] {
        let c: Json = serde_json::from_str(&level0.next().await.unwrap().unwrap()).unwrap();
        assert_eq!(c["customer"]["id"], format!("customer-session-{n}"));
        assert!(cipher(&c["producerSessionId"]));
    }
}

#[tokio::test]
async fn one_key_per_session_and_nps_gets_an_int_key_link() {
    let f = fixture();
    let mut source = f.plane.subscribe(&principal(None)).unwrap();
    send_json(&f.plane, &principal(None), &click(1, &[0]))
        .await
        .unwrap();
    send_json(&f.plane, &principal(None), &click(1, &[1]))
        .await
        .unwrap();
    send_json(&f.plane, &principal(None), &click(2, &[1]))
        .await
        .unwrap();
    let mut seen = Vec::new();
    for _ in 0..3 {
        let e: Json = serde_json::from_str(&source.next().await.unwrap().unwrap()).unwrap();
        seen.push(e);
    }
    assert_eq!(
        seen[0]["strmMeta"]["keyLink"],
        seen[1]["strmMeta"]["keyLink"]
    );
    // Deterministic encryption under one key: same session, same ciphertext.
    assert_eq!(seen[0]["producerSessionId"], seen[1]["producerSessionId"]);
    assert_ne!(
        seen[0]["strmMeta"]["keyLink"],
        seen[2]["strmMeta"]["keyLink"]
    );

    let nps = super::consent::tests::nps(&[0, 1]);
    send_json(&f.plane, &principal(None), &nps).await.unwrap();
    let e: Json = serde_json::from_str(&source.next().await.unwrap().unwrap()).unwrap();
    assert!(e["strmMeta"]["keyLink"].is_i64(), "{e}");
    assert!(cipher(&e["session_id"]) && cipher(&e["device_id"]));
}

#[tokio::test]
async fn avro_binary_events_come_out_as_json() {
    let f = fixture();
    let mut granular = f.plane.subscribe(&principal(Some("level0-1"))).unwrap();
    let schema = f.plane.registry().get("clickstream").unwrap().clone();
    let value = super::avro_json::from_json(schema.avro().unwrap(), &click(9, &[0, 1])).unwrap();
    let bytes = apache_avro::to_avro_datum(schema.avro().unwrap(), value).unwrap();
    f.plane
        .ingest(
            &principal(None),
            IngestRequest {
                schema_id: Some("clickstream"),
                serialization_type: Some("application/x-avro-binary"),
                body: &bytes,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let g: Json = serde_json::from_str(&granular.next().await.unwrap().unwrap()).unwrap();
    assert_eq!(g["customer"]["id"], "customer-session-9");
}

#[tokio::test]
async fn a_slow_consumer_loses_events_and_counts_them() {
    let dir = tempfile::tempdir().unwrap();
    let directory = Arc::new(FixedDirectory {
        entries: vec![(creds("stream"), principal(None), View::Source)],
        jobs: Mutex::new(vec![]),
        contracts: vec![checkout_contract()],
    });
    let mut config = DataPlaneConfig::new(dir.path().to_path_buf());
    config.egress_buffer = 4;
    let plane = DataPlane::new(
        DataStore::open(&dir.path().join("db")).unwrap(),
        directory,
        config,
    )
    .unwrap();
    let mut slow = plane.subscribe(&principal(None)).unwrap();
    for n in 0..10 {
        send_json(&plane, &principal(None), &click(n, &[0]))
            .await
            .unwrap();
    }
    // It is told, first thing, that it fell behind: its tail ends there, and all ten
    // (six skipped, four still buffered) are counted as not delivered to it.
    assert!(matches!(
        slow.next().await,
        Some(Err(super::egress::Behind(10)))
    ));
    assert_eq!(slow.dropped(), 10);
    assert_eq!(plane.egress_counts(ACCOUNT).dropped_events, 10);
    assert_eq!(plane.egress_counts(ACCOUNT).tails_closed_behind, 1);
    assert_eq!(plane.egress_counts(ACCOUNT).tails, 1);
    drop(slow);
    assert_eq!(plane.egress_counts(ACCOUNT).tails, 0);
    // Nothing is lost for the store: all ten are kept.
    assert_eq!(plane.store().event_count(ACCOUNT, "bart"), 10);
}

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
    let out = job(
        &f,
        "s3",
        "level0-1",
        View::output(ConsentLevelType::Granular, &[0, 1]),
        false,
    );
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
    let out = job(
        &f,
        "s3",
        "level0-1",
        View::output(ConsentLevelType::Granular, &[0, 1]),
        false,
    );
    exporter::probe(&f.plane, &out).await.unwrap();
    let (uuid, _) = f
        .plane
        .store()
        .exports()
        .state(ACCOUNT, "level0-1", "s3", false, 0)
        .unwrap();
    assert_eq!(bucket_files(&f), vec![format!(".strm_test_{uuid}.jsonl")]);

    send_json(&f.plane, &principal(None), &click(1, &[0, 1]))
        .await
        .unwrap();
    send_json(&f.plane, &principal(None), &click(2, &[0]))
        .await
        .unwrap();
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
        send_json(&f.plane, &principal(None), &click(n, &[0]))
            .await
            .unwrap();
    }
    let far = strm_model::now_epoch_ms() + 120_000;
    let (_, before) = f
        .plane
        .store()
        .exports()
        .state(ACCOUNT, "bart", "src", false, 0)
        .unwrap();
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

#[tokio::test]
async fn a_failed_write_does_not_move_the_position() {
    let f = fixture();
    let mut out = job(&f, "broken", "bart", View::Source, false);
    out.sink = SinkTarget::S3 {
        bucket: "nowhere".into(),
        endpoint: Some("http://127.0.0.1:9".into()),
        access_key_id: "a".into(),
        secret_access_key: strm_model::Secret::new("b"),
    };
    let err = exporter::probe(&f.plane, &out).await.unwrap_err();
    assert!(
        err.to_string()
            .starts_with("bucket \"nowhere\" cannot be written"),
        "{err}"
    );
    let (_, pos) = f
        .plane
        .store()
        .exports()
        .state(ACCOUNT, "bart", "broken", false, 0)
        .unwrap();
    send_json(&f.plane, &principal(None), &click(1, &[0]))
        .await
        .unwrap();
    let far = strm_model::now_epoch_ms() + 120_000;
    assert!(exporter::export_due(&f.plane, &out, far).await.is_err());
    let (_, after) = f
        .plane
        .store()
        .exports()
        .state(ACCOUNT, "bart", "broken", false, 0)
        .unwrap();
    assert_eq!(pos, after);
}

#[tokio::test]
async fn key_exporters_write_tink_keysets() {
    let f = fixture();
    let keys = job(&f, "keys", "bart", View::Source, true);
    send_json(&f.plane, &principal(None), &click(1, &[0]))
        .await
        .unwrap();
    send_json(&f.plane, &principal(None), &click(2, &[0]))
        .await
        .unwrap();
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
    send_json(&f.plane, &principal(None), &click(1, &[0]))
        .await
        .unwrap();
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
    assert!(matches!(remote, SinkTarget::S3 { .. }));
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
        matches!(server_default, SinkTarget::S3 { endpoint: Some(e), .. } if e == "http://h:1")
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

/// The checkout contract of `contracts::tests` as the control plane would hold it.
fn checkout_contract() -> strm_model::DataContract {
    let terms = super::contracts::tests::checkout_terms();
    strm_model::DataContract {
        reference: strm_model::ContractRef::new("acme", "checkout", "1.0.0"),
        schema_type: strm_model::SchemaType::Avro,
        schema: super::contracts::tests::CHECKOUT_AVSC.into(),
        key_field: terms.key_field,
        data_subject_field: terms.subject_field,
        pii_fields: terms.pii_fields,
        validations: terms.validations,
        state: strm_model::ContractState::Active,
        public: false,
    }
}

fn checkout(session: &str, customer: &str) -> Json {
    json!({"strmMeta": {"consentLevels": [0, 1, 2]}, "session_id": session,
        "email": format!("{customer}@example.com"),
        "customer": {"id": customer, "tier": 1}, "items": []})
}

#[tokio::test]
async fn egress_skips_events_whose_key_was_destroyed_after_they_were_published() {
    let f = fixture();
    let mut granular = f.plane.subscribe(&principal(Some("level0-1"))).unwrap();
    let mut source = f.plane.subscribe(&principal(None)).unwrap();
    for (session, customer) in [("s-1", "alice"), ("s-2", "bob")] {
        let body = checkout(session, customer).to_string();
        f.plane
            .ingest(
                &principal(None),
                IngestRequest {
                    schema_ref: Some("acme/checkout/1.0.0"),
                    serialization_type: Some("application/json"),
                    body: body.as_bytes(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
    }
    // Alice is forgotten before the tail renders her event: it must not come out.
    let destroyed = f
        .plane
        .store()
        .forget_subjects(ACCOUNT, &["alice".to_string()])
        .unwrap();
    assert_eq!(destroyed, 1);
    let e: Json = serde_json::from_str(&granular.next().await.unwrap().unwrap()).unwrap();
    assert_eq!(e["email"], "bob@example.com");
    assert!(cipher(&e["customer"]["id"]), "level 2 stays encrypted: {e}");
    // The source stream still delivers both, ciphertext and all.
    for _ in 0..2 {
        let e: Json = serde_json::from_str(&source.next().await.unwrap().unwrap()).unwrap();
        assert!(cipher(&e["email"]) && cipher(&e["customer"]["id"]), "{e}");
    }
}
