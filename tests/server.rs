//! The local server end to end: the real `ApiClient` (happy paths) and raw HTTP (error
//! rows) against the real server on 127.0.0.1.

use std::path::Path;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use strm_client::paths::Paths;
use strm_client::{ApiClient, ClientError, CredentialStore};
use strm_model::{
    ConsentLevel, ConsentLevelType, ExporterCreate, ExporterType, OutputCreate, SinkCreate,
    SinkType, StreamCreate,
};
use strm_server::{ServerConfig, ServerHandle, start};

const PASSWORD: &str = "correct horse battery";
const S3_CREDS: &str = r#"{"AccessKey": {"UserName": "u", "AccessKeyId": "AKIA1", "Status": "Active", "SecretAccessKey": "TOPSECRETKEY", "CreateDate": "2021-01-15"}}"#;

async fn start_server(dir: &Path, tweak: impl FnOnce(&mut ServerConfig)) -> ServerHandle {
    let mut config = ServerConfig::new(dir.join("server"));
    tweak(&mut config);
    start(config).await.expect("server starts")
}

/// A signed-up account with its own credentials store under `dir`.
async fn account(url: &str, dir: &Path, email: &str) -> ApiClient {
    let paths = Paths::under(&dir.join(email));
    let client = ApiClient::with_store(url, CredentialStore::for_api(&paths, url)).unwrap();
    client.create_account(email, PASSWORD).await.unwrap();
    client
}

fn stream(name: &str) -> StreamCreate {
    StreamCreate {
        name: name.into(),
        description: None,
        tags: vec![],
    }
}

fn output(name: &str, levels: &[i64]) -> OutputCreate {
    OutputCreate {
        name: name.into(),
        consent_level_type: ConsentLevelType::Granular,
        consent_levels: levels.to_vec(),
        ..Default::default()
    }
}

fn s3_sink(name: &str, bucket: &str) -> SinkCreate {
    SinkCreate {
        sink_type: SinkType::S3,
        sink_name: name.into(),
        bucket_name: bucket.into(),
        credentials: Some(S3_CREDS.into()),
    }
}

fn exporter(name: &str, sink: &str, interval: i64) -> ExporterCreate {
    ExporterCreate {
        name: name.into(),
        sink_name: sink.into(),
        sink_type: SinkType::S3,
        interval_secs: interval,
        exporter_type: ExporterType::Batch,
        path_prefix: Some("level01".into()),
        export_keys: false,
    }
}

/// Raw HTTP for the error rows: status and parsed JSON body (every answer but 204 is JSON).
struct Raw {
    http: reqwest::Client,
    url: String,
    token: Option<String>,
}

impl Raw {
    async fn for_client(client: &ApiClient) -> Raw {
        Raw {
            http: reqwest::Client::new(),
            url: client.base_url().to_string(),
            token: Some(client.session().await.unwrap().id_token),
        }
    }

    fn anonymous(url: &str) -> Raw {
        Raw {
            http: reqwest::Client::new(),
            url: url.to_string(),
            token: None,
        }
    }

    async fn send(&self, method: &str, path: &str, body: Option<Vec<u8>>) -> (StatusCode, Value) {
        let mut req = self
            .http
            .request(method.parse().unwrap(), format!("{}{}", self.url, path));
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.header("content-type", "application/json").body(b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let text = resp.text().await.unwrap();
        if status == StatusCode::NO_CONTENT {
            assert!(text.is_empty());
            return (status, Value::Null);
        }
        let value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{method} {path}: {status} body is not JSON ({e}): {text}"));
        (status, value)
    }

    async fn json(&self, method: &str, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(method, path, Some(body.to_string().into_bytes()))
            .await
    }
}

/// The error body's message, after checking the body has the contract's shape.
fn message(status: StatusCode, body: &Value) -> String {
    assert_eq!(body["error"]["code"], status.as_u16(), "{body}");
    assert_eq!(
        body["error"]["status"],
        strm_model::reason_phrase(status.as_u16()),
        "{body}"
    );
    body["error"]["message"].as_str().unwrap().to_string()
}

fn api_status(err: &ClientError) -> u16 {
    err.status()
        .unwrap_or_else(|| panic!("expected an API error, got {err}"))
}

mod happy_paths {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_seed_sequence_through_the_api_client() {
        let dir = tempfile::tempdir().unwrap();
        let server = start_server(dir.path(), |_| {}).await;
        let api = account(&server.url(), dir.path(), "strm-bart@example.com").await;

        let me = api.session().await.unwrap();
        assert!(me.billing_id.starts_with("strmbart"));
        assert_eq!(me.billing_id.len(), "strmbart".len() + 10);

        assert!(api.list_streams().await.unwrap().is_empty());
        let created = api.create_stream(&stream("bart")).await.unwrap();
        let creds = &created.credentials;
        assert_eq!(creds.client_id.len(), 30);
        assert!(
            creds
                .client_id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        );
        assert_eq!(creds.client_secret.as_ref().unwrap().len(), 30);
        // The secret is shown once: never in a list or a read.
        let listed = api.list_streams().await.unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].credentials.client_secret, None);
        assert_eq!(listed[0].credentials.client_id, creds.client_id);
        assert_eq!(
            api.get_stream("bart")
                .await
                .unwrap()
                .credentials
                .client_secret,
            None
        );

        let out = api
            .create_output("bart", &output("level0-1", &[1, 0, 1]))
            .await
            .unwrap();
        assert_eq!(out.linked_stream, "bart");
        assert_eq!(out.consent_levels, vec![0, 1]);
        assert_eq!(out.consent_level_type, ConsentLevelType::Granular);
        assert_eq!(out.decrypter_name, "default");
        assert!(out.credentials.client_secret.is_some());
        assert_ne!(out.credentials.client_id, creds.client_id);
        let outs = api.list_outputs("bart").await.unwrap();
        assert_eq!(outs.len(), 1);
        assert_eq!(outs[0].credentials.client_secret, None);
        assert_eq!(
            api.get_output("bart", "level0-1").await.unwrap().name,
            "level0-1"
        );
        // Outputs are not streams.
        assert_eq!(api.list_streams().await.unwrap().len(), 1);

        let sink = api
            .create_sink(&s3_sink("s3-bart", "bvandeenen-streammachine-bucket"))
            .await
            .unwrap();
        assert_eq!(sink.bucket_name, "bvandeenen-streammachine-bucket");
        // PUT of an existing name and type replaces it.
        api.create_sink(&s3_sink("s3-bart", "other-bucket"))
            .await
            .unwrap();
        let sinks = api.list_sinks().await.unwrap();
        assert_eq!(sinks.len(), 1);
        assert_eq!(sinks[0].bucket_name, "other-bucket");
        assert_eq!(
            api.get_sink("s3-bart", SinkType::S3)
                .await
                .unwrap()
                .bucket_name,
            "other-bucket"
        );
        assert_eq!(
            api_status(&api.get_sink("s3-bart", SinkType::Gcloud).await.unwrap_err()),
            404
        );

        let exp = api
            .create_exporter("level0-1", &exporter("s3", "s3-bart", 30))
            .await
            .unwrap();
        assert_eq!(
            serde_json::to_value(&exp).unwrap(),
            json!({"name": "s3", "linkedStream": "level0-1", "sinkName": "s3-bart",
                "sinkType": "S3", "intervalSecs": 30, "type": "BATCH", "pathPrefix": "level01"})
        );
        // A key exporter of the same name is a separate exporter.
        let mut keys = exporter("s3", "s3-bart", 60);
        keys.export_keys = true;
        assert!(
            api.create_exporter("level0-1", &keys)
                .await
                .unwrap()
                .export_keys
        );
        assert_eq!(api.list_exporters().await.unwrap().len(), 2);
        assert_eq!(
            api.get_exporter("level0-1", "s3", true)
                .await
                .unwrap()
                .interval_secs,
            60
        );
        assert_eq!(
            api.get_exporter("level0-1", "s3", false)
                .await
                .unwrap()
                .interval_secs,
            30
        );

        let named = api
            .create_consent_level(&ConsentLevel {
                id: 0,
                name: "necessary".into(),
            })
            .await
            .unwrap();
        assert_eq!(named.name, "necessary");
        api.create_consent_level(&ConsentLevel {
            id: 0,
            name: "essential".into(),
        })
        .await
        .unwrap();
        assert_eq!(
            api.list_consent_levels().await.unwrap(),
            vec![ConsentLevel {
                id: 0,
                name: "essential".into()
            }]
        );
        assert_eq!(api.get_consent_level(0).await.unwrap().name, "essential");
        api.delete_consent_level(0).await.unwrap();
        assert_eq!(
            api_status(&api.get_consent_level(0).await.unwrap_err()),
            404
        );

        api.delete_exporter("level0-1", "s3", true).await.unwrap();
        api.delete_exporter("level0-1", "s3", false).await.unwrap();
        assert!(api.list_exporters().await.unwrap().is_empty());
        api.delete_sink("s3-bart", SinkType::S3).await.unwrap();
        assert!(api.list_sinks().await.unwrap().is_empty());
        api.delete_output("bart", "level0-1", false).await.unwrap();
        api.delete_stream("bart", false).await.unwrap();
        assert!(api.list_streams().await.unwrap().is_empty());
        server.shutdown().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn exporters_answer_under_all_three_route_families() {
        let dir = tempfile::tempdir().unwrap();
        let server = start_server(dir.path(), |_| {}).await;
        let api = account(&server.url(), dir.path(), "fam@example.com").await;
        api.create_stream(&stream("bart")).await.unwrap();
        api.create_output("bart", &output("level0-1", &[0]))
            .await
            .unwrap();
        api.create_sink(&s3_sink("s3-bart", "bucket-one"))
            .await
            .unwrap();
        let raw = Raw::for_client(&api).await;
        let body = |name: &str| {
            json!({"name": name, "sinkName": "s3-bart", "sinkType": "S3", "intervalSecs": 30,
                "type": "BATCH", "exportKeys": false})
        };

        let (st, v) = raw
            .json("PUT", "/v1/streams/bart/exporters", body("on-stream"))
            .await;
        assert_eq!(st, 200, "{v}");
        assert_eq!(v["linkedStream"], "bart");
        let (st, v) = raw
            .json(
                "PUT",
                "/v1/streams/bart/outputs/level0-1/exporters",
                body("on-output"),
            )
            .await;
        assert_eq!(st, 200, "{v}");
        assert_eq!(v["linkedStream"], "level0-1");

        let (st, v) = raw.send("GET", "/v1/streams/bart/exporters", None).await;
        assert_eq!((st, v.as_array().unwrap().len()), (StatusCode::OK, 1));
        let (st, v) = raw.send("GET", "/v1/exporters/level0-1", None).await;
        assert_eq!(
            (st, v[0]["name"].clone()),
            (StatusCode::OK, json!("on-output"))
        );
        let (st, v) = raw
            .send(
                "GET",
                "/v1/streams/bart/outputs/level0-1/exporters/on-output",
                None,
            )
            .await;
        assert_eq!(
            (st, v["name"].clone()),
            (StatusCode::OK, json!("on-output"))
        );
        let (st, v) = raw
            .send(
                "GET",
                "/v1/streams/bart/exporters/on-stream?exportKeys=false",
                None,
            )
            .await;
        assert_eq!(
            (st, v["name"].clone()),
            (StatusCode::OK, json!("on-stream"))
        );
        // The output route checks that the output belongs to that stream.
        let (st, v) = raw
            .send(
                "GET",
                "/v1/streams/level0-1/outputs/level0-1/exporters",
                None,
            )
            .await;
        assert_eq!(st, 404, "{v}");
        assert!(message(st, &v).contains("level0-1"));

        let (st, _) = raw
            .send(
                "DELETE",
                "/v1/streams/bart/outputs/level0-1/exporters/on-output",
                None,
            )
            .await;
        assert_eq!(st, 204);
        let (st, _) = raw
            .send("DELETE", "/v1/streams/bart/exporters/on-stream", None)
            .await;
        assert_eq!(st, 204);
        assert!(api.list_exporters().await.unwrap().is_empty());
        server.shutdown().await;
    }
}

mod auth {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn wrong_password_and_unknown_email_get_401() {
        let dir = tempfile::tempdir().unwrap();
        let server = start_server(dir.path(), |_| {}).await;
        account(&server.url(), dir.path(), "who@example.com").await;
        let raw = Raw::anonymous(&server.url());
        for (email, password) in [
            ("who@example.com", "wrong password"),
            ("nobody@example.com", PASSWORD),
        ] {
            let (st, v) = raw
                .json(
                    "POST",
                    "/v1/auth",
                    json!({"email": email, "password": password}),
                )
                .await;
            assert_eq!(st, 401, "{v}");
            assert!(message(st, &v).contains("wrong e-mail address or password"));
        }
        let client = ApiClient::new(&server.url()).unwrap();
        let err = client
            .login("who@example.com", "wrong password")
            .await
            .unwrap_err();
        assert_eq!(api_status(&err), 401);
        assert!(client.login("WHO@example.com", PASSWORD).await.is_ok());
        server.shutdown().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn account_rules_are_checked_and_emails_are_unique() {
        let dir = tempfile::tempdir().unwrap();
        let server = start_server(dir.path(), |_| {}).await;
        let raw = Raw::anonymous(&server.url());
        let (st, v) = raw
            .json(
                "POST",
                "/v1/accounts",
                json!({"email": "a@b.c", "password": "short"}),
            )
            .await;
        assert_eq!(st, 400);
        let m = message(st, &v);
        assert!(
            m.contains("password") && m.contains("8-1024") && !m.contains("short"),
            "{m}"
        );
        let (st, v) = raw
            .json(
                "POST",
                "/v1/accounts",
                json!({"email": "no-at-sign", "password": PASSWORD}),
            )
            .await;
        assert_eq!(st, 400);
        assert!(message(st, &v).starts_with("email:"));
        account(&server.url(), dir.path(), "twice@example.com").await;
        let (st, v) = raw
            .json(
                "POST",
                "/v1/accounts",
                json!({"email": "twice@example.com", "password": PASSWORD}),
            )
            .await;
        assert_eq!(st, 409);
        assert!(message(st, &v).contains("already exists"));
        server.shutdown().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_expired_token_is_refused_and_the_client_refreshes_transparently() {
        let dir = tempfile::tempdir().unwrap();
        let server = start_server(dir.path(), |c| c.token_ttl = Duration::from_secs(1)).await;
        let api = account(&server.url(), dir.path(), "ttl@example.com").await;
        let raw = Raw::for_client(&api).await;
        let old_token = raw.token.clone().unwrap();
        tokio::time::sleep(Duration::from_millis(2100)).await;
        let (st, v) = raw.send("GET", "/v1/streams", None).await;
        assert_eq!(st, 401);
        assert!(message(st, &v).contains("expired or unknown"));
        // The client sees the token about to expire, refreshes, and carries on.
        api.create_stream(&stream("after-refresh")).await.unwrap();
        let session = api.session().await.unwrap();
        assert_ne!(session.id_token, old_token);
        // The refreshed session was stored, and refresh answers all five fields.
        let stored = CredentialStore::for_api(
            &Paths::under(&dir.path().join("ttl@example.com")),
            &server.url(),
        )
        .load()
        .unwrap()
        .unwrap();
        assert_eq!(stored, session);
        let (st, v) = Raw::anonymous(&server.url())
            .json(
                "POST",
                "/v1/refresh",
                json!({"refreshToken": session.refresh_token,
                "email": "ignored", "idToken": "ignored"}),
            )
            .await;
        assert_eq!(st, 200);
        for key in ["email", "billingId", "expiresAt", "idToken", "refreshToken"] {
            assert!(v.get(key).is_some(), "{key} missing in {v}");
        }
        server.shutdown().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_revoked_refresh_token_means_logging_in_again() {
        let dir = tempfile::tempdir().unwrap();
        let server = start_server(dir.path(), |_| {}).await;
        let api = account(&server.url(), dir.path(), "rev@example.com").await;
        let session = api.session().await.unwrap();
        let anon = Raw::anonymous(&server.url());
        let (st, _) = anon
            .json(
                "POST",
                "/v1/revoke",
                json!({"refreshToken": session.refresh_token}),
            )
            .await;
        assert_eq!(st, 204);
        let (st, v) = anon
            .json(
                "POST",
                "/v1/refresh",
                json!({"refreshToken": session.refresh_token}),
            )
            .await;
        assert_eq!(st, 401);
        assert!(message(st, &v).contains("refreshToken"));
        // Its id token died with it; the client's refresh is refused: log in again.
        let err = api.list_streams().await.unwrap_err();
        assert!(err.needs_login(), "{err}");
        assert!(err.to_string().contains("log in again"), "{err}");
        // The client's own revoke (logout) works and forgets the session.
        api.login("rev@example.com", PASSWORD).await.unwrap();
        api.revoke().await.unwrap();
        assert!(api.session().await.is_none());
        server.shutdown().await;
    }

    #[cfg(unix)]
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_credentials_file_is_private_after_login() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let server = start_server(dir.path(), |_| {}).await;
        account(&server.url(), dir.path(), "perm@example.com").await;
        let paths = Paths::under(&dir.path().join("login"));
        let store = CredentialStore::for_api(&paths, &server.url());
        let client = ApiClient::with_store(&server.url(), store.clone()).unwrap();
        client.login("perm@example.com", PASSWORD).await.unwrap();
        let mode = std::fs::metadata(store.path())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{:o}", mode);
        let text = std::fs::read_to_string(store.path()).unwrap();
        assert!(!text.contains(PASSWORD));
        server.shutdown().await;
    }
}

mod error_rows {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn bad_requests_name_the_problem_and_the_server_keeps_serving() {
        let dir = tempfile::tempdir().unwrap();
        let server = start_server(dir.path(), |_| {}).await;
        let api = account(&server.url(), dir.path(), "err@example.com").await;
        let raw = Raw::for_client(&api).await;

        // Malformed JSON, a missing field, a wrongly typed one.
        let (st, v) = raw
            .send("PUT", "/v1/streams", Some(b"{\"name\": ".to_vec()))
            .await;
        assert_eq!(st, 400);
        assert!(message(st, &v).starts_with("request body:"));
        let (st, v) = raw.json("PUT", "/v1/streams", json!({"tags": []})).await;
        assert_eq!(st, 400);
        assert!(message(st, &v).contains("missing field `name`"));
        let (st, v) = raw
            .json("PUT", "/v1/streams", json!({"name": "x", "tags": "a"}))
            .await;
        assert_eq!(st, 400);
        assert!(message(st, &v).contains("`tags`"));
        // A rule from model::rules.
        let (st, v) = raw
            .json("PUT", "/v1/streams", json!({"name": "Bad_Name"}))
            .await;
        assert_eq!(st, 400);
        let m = message(st, &v);
        assert!(
            m.starts_with("name:") && m.contains("lower-case letters"),
            "{m}"
        );

        // 2 MiB body: 413 as JSON.
        let big = vec![b'a'; 2 * 1024 * 1024];
        let (st, v) = raw.send("PUT", "/v1/streams", Some(big)).await;
        assert_eq!(st, 413);
        assert!(message(st, &v).contains("1 MiB"));

        // No token, unknown route, wrong method: all JSON.
        let (st, v) = Raw::anonymous(&server.url())
            .send("GET", "/v1/streams", None)
            .await;
        assert_eq!(st, 401);
        assert!(message(st, &v).contains("Authorization"));
        let (st, v) = raw.send("GET", "/v1/nothing-here", None).await;
        assert_eq!(st, 404);
        assert!(message(st, &v).contains("/v1/nothing-here"));
        let (st, v) = raw.send("PATCH", "/v1/streams", None).await;
        assert_eq!(st, 405);
        assert!(message(st, &v).contains("PUT"));
        let (st, v) = raw
            .send("DELETE", "/v1/streams/x?recursive=maybe", None)
            .await;
        assert_eq!(st, 400);
        assert!(message(st, &v).starts_with("recursive:"));
        let (st, v) = raw.send("GET", "/v1/sinks/x?sinkType=S4", None).await;
        assert_eq!(st, 400);
        assert!(message(st, &v).contains("S3 or GCLOUD"));
        let (st, v) = raw.send("GET", "/v1/consent-levels/-3", None).await;
        assert_eq!(st, 400);
        assert!(message(st, &v).starts_with("id:"));

        // After all of that, the server still serves.
        api.create_stream(&stream("still-here")).await.unwrap();
        assert_eq!(api.list_streams().await.unwrap().len(), 1);
        server.shutdown().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn conflicts_and_missing_parents() {
        let dir = tempfile::tempdir().unwrap();
        let server = start_server(dir.path(), |_| {}).await;
        let api = account(&server.url(), dir.path(), "dup@example.com").await;
        api.create_stream(&stream("bart")).await.unwrap();
        // Duplicate stream name; an output cannot take a stream's name either.
        let err = api.create_stream(&stream("bart")).await.unwrap_err();
        assert_eq!(api_status(&err), 409);
        assert!(err.to_string().contains("\"bart\""), "{err}");
        let err = api
            .create_output("bart", &output("bart", &[0]))
            .await
            .unwrap_err();
        assert_eq!(api_status(&err), 409);
        // Missing parent stream.
        let err = api
            .create_output("nope", &output("o", &[0]))
            .await
            .unwrap_err();
        assert_eq!(api_status(&err), 404);
        assert!(err.to_string().contains("\"nope\""), "{err}");
        // An output is not a stream to hang outputs on; the message says what it is.
        api.create_output("bart", &output("view", &[0]))
            .await
            .unwrap();
        let err = api
            .create_output("view", &output("o", &[0]))
            .await
            .unwrap_err();
        assert_eq!(api_status(&err), 404);
        assert!(
            err.to_string().contains("is an output of stream \"bart\""),
            "{err}"
        );
        // Bad consent levels.
        let err = api
            .create_output("bart", &output("o", &[]))
            .await
            .unwrap_err();
        assert_eq!(api_status(&err), 400);
        assert!(err.to_string().contains("consent"), "{err}");

        // Interval 29 and an unknown sink.
        api.create_sink(&s3_sink("s3-bart", "bucket-one"))
            .await
            .unwrap();
        let err = api
            .create_exporter("bart", &exporter("e", "s3-bart", 29))
            .await
            .unwrap_err();
        assert_eq!(api_status(&err), 400);
        assert!(
            err.to_string().contains("intervalSecs") && err.to_string().contains("30 to 3600"),
            "{err}"
        );
        let err = api
            .create_exporter("bart", &exporter("e", "no-such-sink", 30))
            .await
            .unwrap_err();
        assert_eq!(api_status(&err), 400);
        assert!(err.to_string().contains("no-such-sink"), "{err}");
        let mut gcloud = exporter("e", "s3-bart", 30);
        gcloud.sink_type = SinkType::Gcloud;
        let err = api.create_exporter("bart", &gcloud).await.unwrap_err();
        assert_eq!(api_status(&err), 400);
        assert!(err.to_string().contains("GCLOUD"), "{err}");
        let err = api
            .create_exporter("ghost", &exporter("e", "s3-bart", 30))
            .await
            .unwrap_err();
        assert_eq!(api_status(&err), 404);
        api.create_exporter("bart", &exporter("e", "s3-bart", 30))
            .await
            .unwrap();
        let err = api
            .create_exporter("bart", &exporter("e", "s3-bart", 30))
            .await
            .unwrap_err();
        assert_eq!(api_status(&err), 409);
        server.shutdown().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn deletes_with_dependents_are_refused_unless_recursive() {
        let dir = tempfile::tempdir().unwrap();
        let server = start_server(dir.path(), |_| {}).await;
        let api = account(&server.url(), dir.path(), "del@example.com").await;
        api.create_stream(&stream("bart")).await.unwrap();
        api.create_output("bart", &output("level0-1", &[0, 1]))
            .await
            .unwrap();
        api.create_sink(&s3_sink("s3-bart", "bucket-one"))
            .await
            .unwrap();
        api.create_exporter("level0-1", &exporter("s3", "s3-bart", 30))
            .await
            .unwrap();

        let err = api.delete_stream("bart", false).await.unwrap_err();
        assert_eq!(api_status(&err), 409);
        let m = err.to_string();
        assert!(
            m.contains("level0-1") && m.contains("s3") && m.contains("recursive"),
            "{m}"
        );
        let err = api
            .delete_output("bart", "level0-1", false)
            .await
            .unwrap_err();
        assert_eq!(api_status(&err), 409);
        assert!(err.to_string().contains("s3"), "{err}");
        let err = api.delete_sink("s3-bart", SinkType::S3).await.unwrap_err();
        assert_eq!(api_status(&err), 409);
        assert!(err.to_string().contains("s3 (on level0-1)"), "{err}");
        // Nothing was lost by the refusals.
        assert_eq!(api.list_outputs("bart").await.unwrap().len(), 1);
        assert_eq!(api.list_exporters().await.unwrap().len(), 1);

        api.delete_stream("bart", true).await.unwrap();
        assert!(api.list_streams().await.unwrap().is_empty());
        assert!(api.list_exporters().await.unwrap().is_empty());
        assert_eq!(api_status(&api.get_stream("bart").await.unwrap_err()), 404);
        // The sink is free now; the output's name is free too.
        api.delete_sink("s3-bart", SinkType::S3).await.unwrap();
        api.create_stream(&stream("level0-1")).await.unwrap();
        server.shutdown().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_output_is_deleted_even_when_forgetting_its_data_fails() {
        let dir = tempfile::tempdir().unwrap();
        let server = start_server(dir.path(), |_| {}).await;
        let api = account(&server.url(), dir.path(), "half@example.com").await;
        api.create_stream(&stream("bart")).await.unwrap();
        api.create_output("bart", &output("level0-1", &[0, 1]))
            .await
            .unwrap();
        // The data plane's cleanup fails after the control plane committed the delete.
        rusqlite::Connection::open(dir.path().join("server/strm.db"))
            .unwrap()
            .execute_batch("DROP TABLE dp_exports")
            .unwrap();
        api.delete_output("bart", "level0-1", false).await.unwrap();
        let err = api.get_output("bart", "level0-1").await.unwrap_err();
        assert_eq!(api_status(&err), 404);
        server.shutdown().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_request_over_the_time_limit_gets_a_json_408() {
        let dir = tempfile::tempdir().unwrap();
        let server =
            start_server(dir.path(), |c| c.request_timeout = Duration::from_millis(1)).await;
        // Hashing a password takes far longer than a millisecond.
        let (st, v) = Raw::anonymous(&server.url())
            .json(
                "POST",
                "/v1/accounts",
                json!({"email": "slow@example.com", "password": PASSWORD}),
            )
            .await;
        assert_eq!(st, 408);
        assert!(message(st, &v).contains("took too long"));
        server.shutdown().await;
    }
}

mod isolation {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn accounts_cannot_see_or_touch_each_others_resources() {
        let dir = tempfile::tempdir().unwrap();
        let server = start_server(dir.path(), |_| {}).await;
        let alice = account(&server.url(), dir.path(), "alice@example.com").await;
        let bob = account(&server.url(), dir.path(), "bob@example.com").await;
        alice.create_stream(&stream("bart")).await.unwrap();
        alice
            .create_output("bart", &output("out", &[0]))
            .await
            .unwrap();
        alice
            .create_sink(&s3_sink("sink", "bucket-one"))
            .await
            .unwrap();
        alice
            .create_exporter("out", &exporter("exp", "sink", 30))
            .await
            .unwrap();
        alice
            .create_consent_level(&ConsentLevel {
                id: 1,
                name: "analytics".into(),
            })
            .await
            .unwrap();

        assert!(bob.list_streams().await.unwrap().is_empty());
        assert!(bob.list_sinks().await.unwrap().is_empty());
        assert!(bob.list_exporters().await.unwrap().is_empty());
        assert!(bob.list_consent_levels().await.unwrap().is_empty());
        let not_found = |r: Result<(), ClientError>| assert_eq!(api_status(&r.unwrap_err()), 404);
        not_found(bob.get_stream("bart").await.map(drop));
        not_found(bob.list_outputs("bart").await.map(drop));
        not_found(bob.get_output("bart", "out").await.map(drop));
        not_found(bob.get_sink("sink", SinkType::S3).await.map(drop));
        not_found(bob.get_exporter("out", "exp", false).await.map(drop));
        not_found(bob.get_consent_level(1).await.map(drop));
        not_found(bob.delete_stream("bart", true).await);
        not_found(bob.delete_output("bart", "out", true).await);
        not_found(bob.delete_sink("sink", SinkType::S3).await);
        not_found(bob.delete_exporter("out", "exp", false).await);
        not_found(
            bob.create_output("bart", &output("mine", &[0]))
                .await
                .map(drop),
        );
        not_found(
            bob.create_exporter("out", &exporter("e", "sink", 30))
                .await
                .map(drop),
        );
        // Names are per account: bob may have his own "bart", and it is a different one.
        let bobs = bob.create_stream(&stream("bart")).await.unwrap();
        let alices = alice.get_stream("bart").await.unwrap();
        assert_ne!(bobs.credentials.client_id, alices.credentials.client_id);
        // Alice's resources are untouched.
        assert_eq!(alice.list_outputs("bart").await.unwrap().len(), 1);
        assert_eq!(alice.list_exporters().await.unwrap().len(), 1);
        assert_eq!(alice.list_sinks().await.unwrap().len(), 1);
        server.shutdown().await;
    }
}

mod persistence {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_restart_on_the_same_data_dir_keeps_every_resource() {
        let dir = tempfile::tempdir().unwrap();
        let server = start_server(dir.path(), |_| {}).await;
        let api = account(&server.url(), dir.path(), "keep@example.com").await;
        let billing = api.session().await.unwrap().billing_id;
        let s = api.create_stream(&stream("bart")).await.unwrap();
        api.create_output("bart", &output("level0-1", &[0, 1]))
            .await
            .unwrap();
        api.create_sink(&s3_sink("s3-bart", "bucket-one"))
            .await
            .unwrap();
        api.create_exporter("level0-1", &exporter("s3", "s3-bart", 30))
            .await
            .unwrap();
        api.create_consent_level(&ConsentLevel {
            id: 0,
            name: "necessary".into(),
        })
        .await
        .unwrap();
        let before = (
            api.list_streams().await.unwrap(),
            api.list_outputs("bart").await.unwrap(),
            api.list_sinks().await.unwrap(),
            api.list_exporters().await.unwrap(),
            api.list_consent_levels().await.unwrap(),
        );
        server.shutdown().await;

        let server = start_server(dir.path(), |_| {}).await;
        let api = ApiClient::new(&server.url()).unwrap();
        let again = api.login("keep@example.com", PASSWORD).await.unwrap();
        assert_eq!(again.billing_id, billing, "the billing id is stable");
        let after = (
            api.list_streams().await.unwrap(),
            api.list_outputs("bart").await.unwrap(),
            api.list_sinks().await.unwrap(),
            api.list_exporters().await.unwrap(),
            api.list_consent_levels().await.unwrap(),
        );
        assert_eq!(before, after);
        assert_eq!(after.0[0].credentials.client_id, s.credentials.client_id);
        server.shutdown().await;
    }
}

mod embedded {
    use super::*;
    use strm_tui::local_server::{LOCAL_EMAIL, start_or_join};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_second_caller_joins_the_first_and_a_stale_server_file_is_taken_over() {
        let dir = tempfile::tempdir().unwrap();
        let server_dir = dir.path().join("server");
        let first = start_or_join(&server_dir).await.unwrap();
        assert!(first.handle.is_some());
        assert_eq!(first.account.email, LOCAL_EMAIL);
        let second = start_or_join(&server_dir).await.unwrap();
        assert!(second.handle.is_none(), "the second caller joins");
        assert_eq!(second.url, first.url);
        assert_eq!(second.account, first.account);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(server_dir.join("local-account.json"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // The local account works against the joined server.
        let client = ApiClient::new(&second.url).unwrap();
        client
            .login(&second.account.email, second.account.password.expose())
            .await
            .unwrap();
        client.create_stream(&stream("kept")).await.unwrap();

        // The first stops (as after a crash, server.json stays behind); the next caller
        // takes the free lock and starts a fresh server on the same database.
        let old_url = first.url.clone();
        first.handle.unwrap().shutdown().await;
        assert!(server_dir.join("server.json").exists());
        let third = start_or_join(&server_dir).await.unwrap();
        assert!(third.handle.is_some());
        assert_eq!(third.account, second.account);
        let client = ApiClient::new(&third.url).unwrap();
        client
            .login(&third.account.email, third.account.password.expose())
            .await
            .unwrap();
        assert_eq!(client.list_streams().await.unwrap()[0].name, "kept");
        assert_eq!(third.url, old_url, "the free previous port is reused");
        third.handle.unwrap().shutdown().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn backend_connect_signs_in_to_the_local_server_without_a_prompt() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::under(dir.path());
        let backend = strm_tui::backend::connect(&paths, None).await.unwrap();
        assert!(backend.local);
        assert!(backend.runs_server());
        backend
            .client
            .create_stream(&stream("local-one"))
            .await
            .unwrap();
        // A second connect (another console) joins and reuses the stored session.
        let other = strm_tui::backend::connect(&paths, None).await.unwrap();
        assert!(!other.runs_server());
        assert_eq!(other.api_url, backend.api_url);
        assert_eq!(other.client.list_streams().await.unwrap().len(), 1);
        // With a URL, no server is started and the client uses that URL.
        let remote = strm_tui::backend::connect(&paths, Some(&backend.api_url))
            .await
            .unwrap();
        assert!(!remote.local);
        backend.shutdown().await;
    }
}

mod contract {
    use super::*;
    use std::collections::BTreeSet;
    use strm_server::routes::{OPENAPI_JSON, table};

    const METHODS: [&str; 5] = ["GET", "PUT", "POST", "DELETE", "PATCH"];

    fn documented() -> BTreeSet<(String, String)> {
        let doc: Value = serde_json::from_str(OPENAPI_JSON).unwrap();
        assert!(doc["openapi"].as_str().unwrap().starts_with("3.0"));
        let mut set = BTreeSet::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for method in item.as_object().unwrap().keys() {
                if METHODS.contains(&method.to_uppercase().as_str()) {
                    set.insert((path.clone(), method.to_uppercase()));
                }
            }
        }
        set
    }

    fn declared() -> BTreeSet<(String, String)> {
        table()
            .iter()
            .flat_map(|r| {
                r.methods
                    .iter()
                    .map(|m| (r.path.to_string(), m.to_string()))
            })
            .collect()
    }

    #[test]
    fn the_route_table_and_the_openapi_document_agree() {
        let (doc, table) = (documented(), declared());
        let undocumented: Vec<_> = table.difference(&doc).collect();
        let unserved: Vec<_> = doc.difference(&table).collect();
        assert!(
            undocumented.is_empty(),
            "routes missing from openapi.json: {undocumented:?}"
        );
        assert!(
            unserved.is_empty(),
            "documented but not routed: {unserved:?}"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn declared_methods_are_answered_and_others_are_405() {
        let dir = tempfile::tempdir().unwrap();
        let server = start_server(dir.path(), |_| {}).await;
        let api = account(&server.url(), dir.path(), "table@example.com").await;
        let raw = Raw::for_client(&api).await;
        let (st, doc) = Raw::anonymous(&server.url())
            .send("GET", "/openapi.json", None)
            .await;
        assert_eq!(st, 200);
        assert_eq!(doc, serde_json::from_str::<Value>(OPENAPI_JSON).unwrap());
        for route in table() {
            let path = route
                .path
                .replace("{id}", "1")
                .split('/')
                .map(|seg| if seg.starts_with('{') { "x" } else { seg })
                .collect::<Vec<_>>()
                .join("/");
            for method in METHODS {
                // The data plane's /event and /is-alive answer plain text by contract
                // (data-plane.md); only the status matters here.
                let (st, v) = if path.starts_with("/v1") || path == "/openapi.json" {
                    raw.send(method, &path, Some(b"{}".to_vec())).await
                } else {
                    let resp = reqwest::Client::new()
                        .request(method.parse().unwrap(), format!("{}{path}", server.url()))
                        .body("{}")
                        .send()
                        .await
                        .unwrap();
                    (resp.status(), Value::String(resp.text().await.unwrap()))
                };
                if route.methods.contains(&method) {
                    assert_ne!(st, 405, "{method} {path}: {v}");
                } else {
                    assert_eq!(st, 405, "{method} {path}: {v}");
                }
            }
        }
        server.shutdown().await;
    }
}

mod logs {
    use super::*;
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn no_password_token_or_secret_reaches_the_log() {
        let captured = Captured::default();
        let writer = captured.clone();
        // The only test in this binary that installs a subscriber; it sees every log
        // line of the server at the most verbose level.
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(move || writer.clone())
            .init();
        let dir = tempfile::tempdir().unwrap();
        let server = start_server(dir.path(), |_| {}).await;
        let api = account(&server.url(), dir.path(), "quiet@example.com").await;
        let s = api.create_stream(&stream("bart")).await.unwrap();
        let used_token = api.session().await.unwrap().id_token;
        let o = api
            .create_output("bart", &output("out", &[0]))
            .await
            .unwrap();
        api.create_sink(&s3_sink("sink", "bucket-one"))
            .await
            .unwrap();
        let session = api.refresh().await.unwrap();
        let _ = api.login("quiet@example.com", "wrong password").await;
        api.login("quiet@example.com", PASSWORD).await.unwrap();
        server.shutdown().await;

        let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        assert!(
            log.contains("/v1/streams"),
            "the log records requests: {log}"
        );
        for secret in [
            PASSWORD,
            "wrong password",
            "TOPSECRETKEY",
            &used_token,
            &session.id_token,
            &session.refresh_token,
            s.credentials.client_secret.as_deref().unwrap(),
            o.credentials.client_secret.as_deref().unwrap(),
        ] {
            assert!(!log.contains(secret), "{secret:?} is in the log");
        }
    }
}
