//! Events in and out: encrypted on the stream, decrypted per output, over HTTP/1.1 and
//! HTTP/2; the refusals an event client meets; a deleted output's tail; the bad-input rows.

use std::time::Duration;

use serde_json::{Value, json};
use strm_client::events::Serialization;

use crate::support::Says::{self, Has, Starts};
use crate::support::{
    LocalServer, check, click, is_ciphertext, next_json, post_event, refused_calls, send_click,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_go_in_encrypted_and_come_out_per_view() {
    events_in_and_out(LocalServer::start().await).await;
}

/// The seed's event path on `local` (whatever its event store): JSON and Avro in, the
/// stream's view encrypted, the output's decrypted, driver 1.0.0's header, HTTP/2.
pub(crate) async fn events_in_and_out(local: LocalServer) {
    let s = local.seed("strm-bart@example.com").await;
    let sender = s.client(&s.stream);
    let mut stream_tail = s.client(&s.stream).receive(false).await.unwrap();
    let mut output_tail = s.client(&s.output).receive(true).await.unwrap();

    // JSON, no consent: the stream sees it, the output does not.
    send_click(&sender, "session-1", &[], "https://a.io/1").await;
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
    local.shutdown().await;
}

/// The data plane's routes over HTTP with the event client: send and tail, the refusals an
/// event client meets (an output's token, a bad datum, a body over 1 MiB, a forged token, a
/// wrong triplet), and the server still serving after them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_and_tail_through_the_routes() {
    let local = LocalServer::start().await;
    let url = local.url();
    let s = local.seed("bart@example.com").await;
    let sender = s.client(&s.stream);
    let receiver = s.client(&s.output);
    let mut tail = receiver.receive(true).await.unwrap();
    send_click(&sender, "session-4", &[0, 1], "https://shop.example/").await;
    assert_eq!(next_json(&mut tail).await["producerSessionId"], "session-4");

    let event = click("session-4", &[0, 1], "https://shop.example/");
    let not_avro = vec![0xff, 0xff, 0xff];
    let over_1_mib = vec![b' '; 1024 * 1024 + 10];
    refused_calls(vec![
        (
            "an output's token",
            receiver.send_json("clickstream", &event).await,
            403,
            &[],
        ),
        (
            "bytes that are not Avro",
            sender
                .send("clickstream", Serialization::AvroBinary, not_avro)
                .await,
            400,
            &[Has("Avro datum")],
        ),
        (
            "a body over 1 MiB",
            sender
                .send("clickstream", Serialization::Json, over_1_mib)
                .await,
            413,
            &[],
        ),
    ]);
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
    send_click(&sender, "session-5", &[0, 1], "https://shop.example/").await;
    assert_eq!(next_json(&mut tail).await["producerSessionId"], "session-5");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_an_output_closes_its_open_tail() {
    let local = LocalServer::start().await;
    let s = local.seed("strm-deleted@example.com").await;
    let mut output_tail = s.client(&s.output).receive(true).await.unwrap();
    let sender = s.client(&s.stream);
    send_click(&sender, "before", &[0, 1], "https://a.io/1").await;
    assert_eq!(
        next_json(&mut output_tail).await["producerSessionId"],
        "before"
    );

    s.api
        .delete_output("bart", "level0-1", false)
        .await
        .unwrap();
    send_click(&sender, "after", &[0, 1], "https://a.io/2").await;
    let next = tokio::time::timeout(Duration::from_secs(10), output_tail.next())
        .await
        .expect("the tail closes within 10 s");
    assert!(
        next.is_none(),
        "a deleted output's tail must close, not deliver {next:?}"
    );
    local.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_the_right_status_and_a_message_and_the_server_keeps_serving() {
    // Short enough to wait out below, long enough for the checks before it on a loaded
    // machine.
    let local = LocalServer::start_with(|c| c.token_ttl = Duration::from_secs(5)).await;
    let s = local.seed("bad-input@example.com").await;
    let http = reqwest::Client::new();
    let tokens = post_json(&http, format!("{}/auth", s.url), &s.triplet(&s.stream)).await;
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

    // A few bytes declaring a 400 MB string: refused by the allocation cap (an event is
    // at most 1 MiB), not allocated.
    let mut huge = Vec::new();
    let mut n: u64 = 400_000_000 << 1; // zigzag
    while n >= 0x80 {
        huge.push((n as u8) | 0x80);
        n >>= 7;
    }
    huge.push(n as u8);
    let bad_url = click("session-9", &[0], "javascript:alert(1)")
        .to_string()
        .into_bytes();
    let mut other_schema = click("session-9", &[0], "https://a.io/");
    other_schema["strmMeta"]["schemaId"] = json!("nps_unified_v1");
    let output_token = s.client(&s.output).id_token().await.unwrap();
    let avro: &[(&str, &str)] = &[("Strm-Schema-Id", "clickstream")];
    let rows: Vec<BadEvent> = vec![
        (
            "an unknown schema",
            &token,
            &[("Strm-Schema-Id", "pageviews")],
            good(),
            400,
            &[
                Has("\"pageviews\" is not a known schema"),
                Has("clickstream"),
            ],
        ),
        (
            "bytes that are not Avro",
            &token,
            avro,
            vec![0x02, 0x80],
            400,
            &[Has("is not a clickstream Avro datum")],
        ),
        (
            "a 400 MB string",
            &token,
            avro,
            huge,
            400,
            &[
                Has("is not a clickstream Avro datum"),
                Has("400000000 bytes (maximum allowed: 1048576)"),
            ],
        ),
        (
            "a javascript: url",
            &token,
            &json_headers,
            bad_url,
            400,
            &[
                Starts("url: \"javascript:alert(1)\" does not match"),
                Has("^(https?|ftp|file)://"),
            ],
        ),
        (
            "another schema in strmMeta",
            &token,
            &json_headers,
            other_schema.to_string().into_bytes(),
            400,
            &[Starts("strmMeta/schemaId")],
        ),
        (
            "a body over 1 MiB",
            &token,
            &json_headers,
            vec![b' '; 1024 * 1024 + 1],
            413,
            &[Has("at most 1 MiB")],
        ),
        (
            "a forged token",
            "forged-token",
            &json_headers,
            good(),
            401,
            &[],
        ),
        (
            "an output's token",
            &output_token,
            &json_headers,
            good(),
            403,
            &[Has("level0-1")],
        ),
    ];
    for (row, token, headers, body, status, says) in rows {
        let (st, text) = post_event(&s.url, token, headers, body).await;
        assert_eq!(st, status, "{row}: {text}");
        check(row, &text, says);
    }

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
    let refresh = json!({"refreshToken": tokens["refreshToken"], "idToken": "ignored"});
    let refreshed = post_json(&http, format!("{}/refresh", s.url), &refresh).await;
    assert_eq!(refreshed.as_object().unwrap().len(), 3);
    let (st, _) = post_event(
        &s.url,
        refreshed["idToken"].as_str().unwrap(),
        &json_headers,
        good(),
    )
    .await;
    assert_eq!(st, 204);
    local.shutdown().await;
}

/// `POST url` with a JSON body; the JSON answer.
async fn post_json(http: &reqwest::Client, url: String, body: &impl serde::Serialize) -> Value {
    let resp = http.post(url).json(body).send().await.unwrap();
    resp.json().await.unwrap()
}

/// A bad-input row: what is sent, its token, headers and body; the status; what the
/// message says.
type BadEvent<'a> = (
    &'a str,
    &'a str,
    &'a [(&'a str, &'a str)],
    Vec<u8>,
    u16,
    &'a [Says<'a>],
);

fn avro_click(session: &str, levels: &[i32]) -> Vec<u8> {
    use strm_server::dataplane::{avro_json, schemas::SchemaRegistry};
    let reg = SchemaRegistry::embedded().unwrap();
    let schema = reg.get("clickstream").unwrap();
    let value = avro_json::from_json(
        schema.avro().unwrap(),
        &click(session, levels, "https://a.io/b"),
    )
    .unwrap();
    apache_avro::to_avro_datum(schema.avro().unwrap(), value).unwrap()
}
