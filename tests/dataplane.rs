//! The data plane end to end against the real server on 127.0.0.1: ingest and egress
//! views, every bad-input row, exporters to the directory default and to an
//! S3-compatible store (moto_server), a crash of a `serve` process, and the 2021 Python
//! driver. Python peers come from the virtualenv at `$STRM_TUI_VENV` (default `.venv`;
//! `scripts/test` creates it).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use strm_client::events::{EventClient, EventHosts, Serialization};
use strm_client::paths::Paths;
use strm_client::{ApiClient, ClientError, CredentialStore};
use strm_model::{
    ConsentLevelType, Credentials, EventAuthRequest, ExporterCreate, ExporterType, OutputCreate,
    SinkCreate, SinkType, StreamCreate,
};
use strm_server::{ServerConfig, ServerHandle, start};

const PASSWORD: &str = "correct horse battery";

async fn start_server(dir: &Path, tweak: impl FnOnce(&mut ServerConfig)) -> ServerHandle {
    let mut config = ServerConfig::new(dir.join("server"));
    tweak(&mut config);
    start(config).await.expect("server starts")
}

/// An account with a stream `bart` and an output `level0-1` GRANULAR [0, 1].
struct Scenario {
    api: ApiClient,
    url: String,
    billing_id: String,
    stream: Credentials,
    output: Credentials,
}

impl Scenario {
    async fn new(url: &str, dir: &Path, email: &str) -> Scenario {
        let paths = Paths::under(&dir.join(email));
        let api = ApiClient::with_store(url, CredentialStore::for_api(&paths, url)).unwrap();
        let auth = api.create_account(email, PASSWORD).await.unwrap();
        let stream = api
            .create_stream(&StreamCreate {
                name: "bart".into(),
                ..Default::default()
            })
            .await
            .unwrap()
            .credentials;
        let output = api
            .create_output(
                "bart",
                &OutputCreate {
                    name: "level0-1".into(),
                    consent_level_type: ConsentLevelType::Granular,
                    consent_levels: vec![0, 1],
                    ..Default::default()
                },
            )
            .await
            .unwrap()
            .credentials;
        Scenario {
            api,
            url: url.to_string(),
            billing_id: auth.billing_id,
            stream,
            output,
        }
    }

    fn triplet(&self, c: &Credentials) -> EventAuthRequest {
        EventAuthRequest {
            billing_id: self.billing_id.clone(),
            client_id: c.client_id.clone(),
            client_secret: c.client_secret.clone().unwrap(),
        }
    }

    fn client(&self, c: &Credentials) -> EventClient {
        EventClient::new(EventHosts::single(&self.url).unwrap(), self.triplet(c)).unwrap()
    }

    async fn exporter(&self, on: &str, sink: &str, export_keys: bool) -> Result<(), ClientError> {
        self.api
            .create_exporter(
                on,
                &ExporterCreate {
                    name: if export_keys { "keys" } else { "s3" }.into(),
                    sink_name: sink.into(),
                    sink_type: SinkType::S3,
                    interval_secs: 30,
                    exporter_type: ExporterType::Batch,
                    path_prefix: Some("level01".into()),
                    export_keys,
                },
            )
            .await
            .map(|_| ())
    }
}

fn click(session: &str, levels: &[i32], url: &str) -> Value {
    json!({"strmMeta": {"schemaId": "clickstream", "consentLevels": levels},
        "producerSessionId": session, "url": url, "eventType": "", "referrer": "",
        "userAgent": "", "conversion": 0, "customer": {"id": format!("customer-{session}")},
        "abTests": []})
}

fn is_ciphertext(v: &Value) -> bool {
    use base64::Engine;
    v.as_str()
        .and_then(|s| base64::engine::general_purpose::STANDARD.decode(s).ok())
        .is_some_and(|raw| raw.len() >= 21 && raw[0] == 1)
}

async fn next_json(rx: &mut strm_client::events::EventReceiver) -> Value {
    let text = tokio::time::timeout(Duration::from_secs(10), rx.next())
        .await
        .expect("an event within 10 s")
        .expect("the tail is open")
        .unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Raw `POST /event` for the error rows: status and body text.
async fn post_event(
    url: &str,
    token: &str,
    headers: &[(&str, &str)],
    body: Vec<u8>,
) -> (u16, String) {
    let mut req = reqwest::Client::new()
        .post(format!("{url}/event"))
        .bearer_auth(token)
        .body(body);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = req.send().await.unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_go_in_encrypted_and_come_out_per_view() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(dir.path(), |_| {}).await;
    let s = Scenario::new(&server.url(), dir.path(), "strm-bart@example.com").await;
    let sender = s.client(&s.stream);
    let mut stream_tail = s.client(&s.stream).receive(false).await.unwrap();
    let mut output_tail = s.client(&s.output).receive(true).await.unwrap();

    // JSON, no consent: the stream sees it, the output does not.
    sender
        .send_json("clickstream", &click("session-1", &[], "https://a.io/1"))
        .await
        .unwrap();
    // Avro binary with consent [0, 1, 2]: both see it, the output decrypted.
    let avro = avro_click("session-2", &[0, 1, 2]);
    sender
        .send("clickstream", Serialization::AvroBinary, avro)
        .await
        .unwrap();
    let first = next_json(&mut stream_tail).await;
    assert_eq!(first["url"], "https://a.io/1");
    assert!(is_ciphertext(&first["producerSessionId"]) && is_ciphertext(&first["customer"]["id"]));
    assert_eq!(first["strmMeta"]["billingId"], s.billing_id.as_str());
    let second = next_json(&mut stream_tail).await;
    assert!(is_ciphertext(&second["customer"]["id"]));
    let out = next_json(&mut output_tail).await;
    assert_eq!(out["producerSessionId"], "session-2");
    assert_eq!(out["customer"]["id"], "customer-session-2");
    assert_eq!(out["strmMeta"]["consentLevels"], json!([0, 1, 2]));
    assert_eq!(out["strmMeta"]["keyLink"], second["strmMeta"]["keyLink"]);

    // Driver 1.0.0 names the schema with Strm-Schema-Ref.
    let token = sender.id_token().await.unwrap();
    let (status, text) = post_event(
        &s.url,
        &token,
        &[
            ("Strm-Schema-Ref", "streammachine/clickstream/1.0.0"),
            ("Content-Type", "application/json"),
        ],
        click("session-3", &[0, 1], "https://a.io/3")
            .to_string()
            .into_bytes(),
    )
    .await;
    assert_eq!((status, text.as_str()), (204, ""));
    assert_eq!(
        next_json(&mut output_tail).await["producerSessionId"],
        "session-3"
    );

    // HTTP/2 (cleartext, prior knowledge) works as well as HTTP/1.1 keep-alive.
    let h2 = reqwest::Client::builder()
        .http2_prior_knowledge()
        .build()
        .unwrap();
    let resp = h2
        .post(format!("{}/event", s.url))
        .bearer_auth(&token)
        .header("Strm-Schema-Id", "clickstream")
        .header("Content-Type", "application/json")
        .body(click("session-4", &[0, 1], "https://a.io/4").to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(
        (resp.version(), resp.status().as_u16()),
        (reqwest::Version::HTTP_2, 204)
    );
    assert_eq!(
        next_json(&mut output_tail).await["producerSessionId"],
        "session-4"
    );
    server.shutdown().await;
}

/// The data plane's routes over HTTP with the event client: send and tail, the refusals an
/// event client meets (an output's token, a bad datum, a body over 1 MiB, a forged token, a
/// wrong triplet), and the server still serving after them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_and_tail_through_the_routes() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(dir.path(), |_| {}).await;
    let url = server.url();
    let s = Scenario::new(&url, dir.path(), "bart@example.com").await;
    let sender = s.client(&s.stream);
    let receiver = s.client(&s.output);
    let mut tail = receiver.receive(true).await.unwrap();
    sender
        .send_json(
            "clickstream",
            &click("session-4", &[0, 1], "https://shop.example/"),
        )
        .await
        .unwrap();
    assert_eq!(next_json(&mut tail).await["producerSessionId"], "session-4");

    let err = receiver
        .send_json(
            "clickstream",
            &click("session-4", &[0, 1], "https://shop.example/"),
        )
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(403));
    let err = sender
        .send(
            "clickstream",
            Serialization::AvroBinary,
            vec![0xff, 0xff, 0xff],
        )
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(400));
    assert!(err.to_string().contains("Avro datum"), "{err}");
    let err = sender
        .send(
            "clickstream",
            Serialization::Json,
            vec![b' '; 1024 * 1024 + 10],
        )
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(413));
    let http = reqwest::Client::new();
    let alive = http.get(format!("{url}/is-alive")).send().await.unwrap();
    assert_eq!(alive.status(), 200);
    assert_eq!(alive.text().await.unwrap(), "ok");
    let (status, _) = post_event(&url, "forged", &[], b"{}".to_vec()).await;
    assert_eq!(status, 401);
    let resp = http
        .post(format!("{url}/auth"))
        .body(r#"{"billingId": "x", "clientId": "y", "clientSecret": "z"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], 401);
    // Still serving after all of that.
    sender
        .send_json(
            "clickstream",
            &click("session-5", &[0, 1], "https://shop.example/"),
        )
        .await
        .unwrap();
    assert_eq!(next_json(&mut tail).await["producerSessionId"], "session-5");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_an_output_closes_its_open_tail() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(dir.path(), |_| {}).await;
    let s = Scenario::new(&server.url(), dir.path(), "strm-deleted@example.com").await;
    let sender = s.client(&s.stream);
    let mut output_tail = s.client(&s.output).receive(true).await.unwrap();
    sender
        .send_json("clickstream", &click("before", &[0, 1], "https://a.io/1"))
        .await
        .unwrap();
    assert_eq!(
        next_json(&mut output_tail).await["producerSessionId"],
        "before"
    );

    s.api
        .delete_output("bart", "level0-1", false)
        .await
        .unwrap();
    sender
        .send_json("clickstream", &click("after", &[0, 1], "https://a.io/2"))
        .await
        .unwrap();
    let next = tokio::time::timeout(Duration::from_secs(10), output_tail.next())
        .await
        .expect("the tail closes within 10 s");
    assert!(
        next.is_none(),
        "a deleted output's tail must close, not deliver {next:?}"
    );
    server.shutdown().await;
}

fn avro_click(session: &str, levels: &[i32]) -> Vec<u8> {
    use strm_server::dataplane::{avro_json, schemas::SchemaRegistry};
    let reg = SchemaRegistry::embedded().unwrap();
    let schema = reg.get("clickstream").unwrap();
    let value =
        avro_json::from_json(&schema.avro, &click(session, levels, "https://a.io/b")).unwrap();
    apache_avro::to_avro_datum(&schema.avro, value).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_the_right_status_and_a_message_and_the_server_keeps_serving() {
    let dir = tempfile::tempdir().unwrap();
    // Short enough to wait out below, long enough for the checks before it on a loaded
    // machine.
    let server = start_server(dir.path(), |c| c.token_ttl = Duration::from_secs(5)).await;
    let s = Scenario::new(&server.url(), dir.path(), "bad-input@example.com").await;
    let http = reqwest::Client::new();
    let tokens: Value = http
        .post(format!("{}/auth", s.url))
        .json(&s.triplet(&s.stream))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut keys: Vec<&String> = tokens.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(keys, ["expiresAt", "idToken", "refreshToken"]);
    let token = tokens["idToken"].as_str().unwrap().to_string();
    let json_headers = [
        ("Strm-Schema-Id", "clickstream"),
        ("Strm-Serialization-Type", "application/json"),
    ];
    let good = || {
        click("session-9", &[0], "https://a.io/ok")
            .to_string()
            .into_bytes()
    };

    let (st, text) = post_event(&s.url, &token, &[("Strm-Schema-Id", "pageviews")], good()).await;
    assert_eq!(st, 400);
    assert!(
        text.contains("\"pageviews\" is not a known schema") && text.contains("clickstream"),
        "{text}"
    );

    let (st, text) = post_event(
        &s.url,
        &token,
        &[("Strm-Schema-Id", "clickstream")],
        vec![0x02, 0x80],
    )
    .await;
    assert_eq!(st, 400);
    assert!(text.contains("is not a clickstream Avro datum"), "{text}");

    // A few bytes declaring a 400 MB string: refused by the allocation cap (an event is
    // at most 1 MiB), not allocated.
    let mut huge = Vec::new();
    let mut n: u64 = 400_000_000 << 1; // zigzag
    while n >= 0x80 {
        huge.push((n as u8) | 0x80);
        n >>= 7;
    }
    huge.push(n as u8);
    let (st, text) = post_event(&s.url, &token, &[("Strm-Schema-Id", "clickstream")], huge).await;
    assert_eq!(st, 400);
    assert!(
        text.contains("is not a clickstream Avro datum")
            && text.contains("400000000 bytes (maximum allowed: 1048576)"),
        "{text}"
    );

    let bad_url = click("session-9", &[0], "javascript:alert(1)")
        .to_string()
        .into_bytes();
    let (st, text) = post_event(&s.url, &token, &json_headers, bad_url).await;
    assert_eq!(st, 400);
    assert!(
        text.starts_with("url: \"javascript:alert(1)\" does not match"),
        "{text}"
    );
    assert!(text.contains("^(https?|ftp|file)://"), "{text}");

    let mut other_schema = click("session-9", &[0], "https://a.io/");
    other_schema["strmMeta"]["schemaId"] = json!("nps_unified_v1");
    let (st, text) = post_event(
        &s.url,
        &token,
        &json_headers,
        other_schema.to_string().into_bytes(),
    )
    .await;
    assert_eq!(st, 400);
    assert!(text.starts_with("strmMeta/schemaId"), "{text}");

    let (st, text) = post_event(&s.url, &token, &json_headers, vec![b' '; 1024 * 1024 + 1]).await;
    assert_eq!(st, 413);
    assert!(text.contains("at most 1 MiB"), "{text}");

    let (st, _) = post_event(&s.url, "forged-token", &json_headers, good()).await;
    assert_eq!(st, 401);

    let output_token = s.client(&s.output).id_token().await.unwrap();
    let (st, text) = post_event(&s.url, &output_token, &json_headers, good()).await;
    assert_eq!(st, 403);
    assert!(text.contains("level0-1"), "{text}");

    let wrong = http
        .post(format!("{}/auth", s.url))
        .json(&json!({"billingId": s.billing_id, "clientId": s.stream.client_id, "clientSecret": "nope"}))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    assert_eq!(wrong.json::<Value>().await.unwrap()["error"]["code"], 401);

    // Still serving, then the token expires and is refused; refresh works.
    let (st, _) = post_event(&s.url, &token, &json_headers, good()).await;
    assert_eq!(st, 204);
    let expires_at = tokens["expiresAt"].as_i64().unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    tokio::time::sleep(Duration::from_secs((expires_at - now + 1).max(0) as u64)).await;
    let (st, text) = post_event(&s.url, &token, &json_headers, good()).await;
    assert_eq!(st, 401, "{text}");
    let refreshed: Value = http
        .post(format!("{}/refresh", s.url))
        .json(&json!({"refreshToken": tokens["refreshToken"], "idToken": "ignored"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(refreshed.as_object().unwrap().len(), 3);
    let (st, _) = post_event(
        &s.url,
        refreshed["idToken"].as_str().unwrap(),
        &json_headers,
        good(),
    )
    .await;
    assert_eq!(st, 204);
    server.shutdown().await;
}

/// Polls until `check` returns Some, for up to `secs`.
async fn wait_for<T>(secs: u64, mut check: impl AsyncFnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(Instant::now() < deadline, "gave up after {secs} s");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    v.sort();
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exporters_write_batches_and_keys_to_the_bucket_directory() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(dir.path(), |_| {}).await;
    let s = Scenario::new(&server.url(), dir.path(), "export@example.com").await;
    s.api
        .create_sink(&SinkCreate {
            sink_type: SinkType::S3,
            sink_name: "s3-bart".into(),
            bucket_name: "bart-bucket".into(),
            credentials: None,
        })
        .await
        .unwrap();
    s.exporter("level0-1", "s3-bart", false).await.unwrap();
    s.exporter("bart", "s3-bart", true).await.unwrap();
    let bucket = dir.path().join("server/buckets/bart-bucket/level01");
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
        let e = click(&format!("session-{n}"), &levels, "https://a.io/x");
        sender.send_json("clickstream", &e).await.unwrap();
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
    let db = rusqlite::Connection::open(dir.path().join("server/strm.db")).unwrap();
    let left: i64 = db
        .query_row(
            "SELECT (SELECT COUNT(*) FROM dp_events) + (SELECT COUNT(*) FROM dp_keys)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(left, 0);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unwritable_bucket_refuses_the_exporter_naming_bucket_and_error() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(dir.path(), |_| {}).await;
    let s = Scenario::new(&server.url(), dir.path(), "refuse@example.com").await;
    let closed = free_port();
    s.api
        .create_sink(&SinkCreate {
            sink_type: SinkType::S3,
            sink_name: "nowhere".into(),
            bucket_name: "no-such-bucket".into(),
            credentials: Some(format!(
                r#"{{"AccessKey": {{"AccessKeyId": "AKIA", "SecretAccessKey": "s"}}, "EndpointUrl": "http://127.0.0.1:{closed}"}}"#
            )),
        })
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
    server.shutdown().await;
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn venv() -> PathBuf {
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

/// A child process killed when dropped.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn wait_listening(port: u16) {
    wait_for(30, async || {
        tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .ok()
            .map(|_| ())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exporters_write_to_an_s3_compatible_store() {
    let venv = venv();
    let port = free_port();
    let _moto = Child(
        std::process::Command::new(venv.join("bin/moto_server"))
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("moto_server starts"),
    );
    wait_listening(port).await;
    let endpoint = format!("http://127.0.0.1:{port}");
    let created = reqwest::Client::new()
        .put(format!("{endpoint}/moto-bucket"))
        .send()
        .await
        .unwrap();
    assert!(created.status().is_success(), "{}", created.status());

    let dir = tempfile::tempdir().unwrap();
    let server = start_server(dir.path(), |_| {}).await;
    let s = Scenario::new(&server.url(), dir.path(), "moto@example.com").await;
    s.api
        .create_sink(&SinkCreate {
            sink_type: SinkType::S3,
            sink_name: "s3-bart".into(),
            bucket_name: "moto-bucket".into(),
            credentials: Some(format!(
                r#"{{"AccessKey": {{"AccessKeyId": "AKIAMOTO", "SecretAccessKey": "moto"}}, "EndpointUrl": "{endpoint}"}}"#
            )),
        })
        .await
        .unwrap();
    s.exporter("level0-1", "s3-bart", false).await.unwrap();
    let sender = s.client(&s.stream);
    sender
        .send_json(
            "clickstream",
            &click("session-7", &[0, 1], "https://a.io/m"),
        )
        .await
        .unwrap();

    let store = object_store::aws::AmazonS3Builder::new()
        .with_bucket_name("moto-bucket")
        .with_region("us-east-1")
        .with_access_key_id("AKIAMOTO")
        .with_secret_access_key("moto")
        .with_endpoint(&endpoint)
        .with_allow_http(true)
        .build()
        .unwrap();
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
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_2021_python_driver_round_trips() {
    let venv = venv();
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(dir.path(), |_| {}).await;
    let s = Scenario::new(&server.url(), dir.path(), "python@example.com").await;
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/driver_roundtrip.py");
    let child = tokio::process::Command::new(venv.join("bin/python"))
        .arg(&script)
        .env("STRM_HOST", server.addr().to_string())
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
    server.shutdown().await;
}

/// `strm-tui serve` on a data directory and port, as its own process. Until the binary
/// has the subcommand, the `serve` example (the same `server::serve`) stands in.
fn spawn_serve(data_dir: &Path, port: u16) -> Child {
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
    Child(
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
    let s = Scenario::new(&url, dir.path(), "crash@example.com").await;
    s.api
        .create_sink(&SinkCreate {
            sink_type: SinkType::S3,
            sink_name: "local".into(),
            bucket_name: "crash-bucket".into(),
            credentials: None,
        })
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_sets_up_the_seed_scenario_and_the_simulator_uses_saved_secrets() {
    use strm_client::secrets::SecretStore;
    use strm_tui::simulate::{DemoArgs, SimulateArgs, demo, simulate_command};
    let dir = tempfile::tempdir().unwrap();
    let paths = Paths::under(dir.path());
    let mut out = Vec::new();
    let report = demo(
        &paths,
        &DemoArgs {
            rate: 500.0,
            count: Some(20),
        },
        &mut out,
    )
    .await
    .unwrap();
    assert_eq!((report.sent, report.rejected), (20, 0));
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("demo ready on http://127.0.0.1:"), "{text}");
    assert!(text.ends_with("20 events sent to bart\n"), "{text}");

    // Run again: everything exists, the saved secrets are reused.
    let mut out = Vec::new();
    demo(
        &paths,
        &DemoArgs {
            rate: 500.0,
            count: Some(5),
        },
        &mut out,
    )
    .await
    .unwrap();
    let args = SimulateArgs {
        stream: "bart".into(),
        rate: 500.0,
        count: Some(7),
        schema: "clickstream".into(),
        client_id: None,
        client_secret: None,
        json: true,
        events_url: None,
    };
    let report = simulate_command(&paths, None, &args, &mut Vec::new())
        .await
        .unwrap();
    assert_eq!(report.sent, 7);

    let backend = strm_tui::backend::connect(&paths, None).await.unwrap();
    let outputs = backend.client.list_outputs("bart").await.unwrap();
    assert_eq!(outputs[0].name, "level0-1");
    assert_eq!(outputs[0].consent_level_type, ConsentLevelType::Granular);
    assert_eq!(outputs[0].consent_levels, vec![0, 1]);
    let exporters = backend.client.list_exporters().await.unwrap();
    assert_eq!(exporters.len(), 1);
    assert_eq!(
        (
            exporters[0].linked_stream.as_str(),
            exporters[0].interval_secs
        ),
        ("level0-1", 30)
    );
    let billing = backend.client.session().await.unwrap().billing_id;
    let secrets = SecretStore::new(&paths);
    let saved = |name: &str| secrets.get(&backend.api_url, &billing, name).unwrap();
    assert!(saved("bart").is_some() && saved("level0-1").is_some());
    backend.shutdown().await;
    // Every event the two demos and the simulator sent is stored, once.
    let store =
        strm_server::dataplane::DataStore::open(&paths.server_dir().join("strm.db")).unwrap();
    assert_eq!(store.event_count(&billing, "bart"), 32);
}
