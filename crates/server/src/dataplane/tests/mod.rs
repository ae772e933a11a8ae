//! The data plane's parts together, without HTTP: tokens, ingest, egress views and
//! exporters over a fixed directory of streams and outputs.

use std::sync::{Arc, Mutex};

use serde_json::{Value as Json, json};

use super::*;
use strm_model::{ConsentLevelType, EventAuthRequest};

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

impl Fixture {
    /// The click of `session` with `levels`, sent to the stream; it must be accepted.
    async fn click(&self, session: u32, levels: &[i32]) {
        send_json(&self.plane, &principal(None), &click(session, levels))
            .await
            .unwrap();
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

/// `body` as a clickstream event of the stream (Avro binary when no type says otherwise).
async fn send_clickstream(plane: &DataPlane, body: &[u8]) -> Result<(), DataError> {
    let request = IngestRequest {
        schema_id: Some("clickstream"),
        body,
        ..Default::default()
    };
    plane.ingest(&principal(None), request).await
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
    let err = send_clickstream(&f.plane, b"\x02\x03garbage")
        .await
        .unwrap_err();
    assert_eq!(err.status(), 400);
    assert!(err.to_string().contains("Avro datum"), "{err}");
    let big = vec![b' '; 1024 * 1024 + 1];
    let err = send_clickstream(&f.plane, &big).await.unwrap_err();
    assert_eq!(err.status(), 413);
    assert_eq!(f.plane.store().event_count(ACCOUNT, "bart"), 0);
}

#[tokio::test]
async fn egress_views_encrypt_for_the_stream_and_decrypt_for_outputs() {
    let f = fixture();
    let mut source = f.plane.subscribe(&principal(None)).unwrap();
    let mut granular = f.plane.subscribe(&principal(Some("level0-1"))).unwrap();
    let mut level0 = f.plane.subscribe(&principal(Some("level0"))).unwrap();
    f.click(1, &[]).await;
    f.click(2, &[0]).await;
    f.click(3, &[0, 1, 2]).await;

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
    f.click(1, &[0]).await;
    f.click(1, &[1]).await;
    f.click(2, &[1]).await;
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

mod exporters;
mod forgotten;

use forgotten::checkout_contract;
