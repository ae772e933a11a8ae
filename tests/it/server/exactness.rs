//! The server and `assets/openapi.json` agree exactly: `null` is no string, consent levels
//! are 0..=4095 on `/event` too, requests HTTP cannot parse get the JSON error body, and
//! `/ws` checks the token first.

use std::io::{Read, Write};

use serde_json::{Value, json};

use super::raw::Raw;
use crate::support::{LocalServer, Scenario, click};

/// Sends raw bytes on a fresh connection; the status and the JSON body of the answer.
fn raw_http(url: &str, request: &[u8]) -> (u16, Value) {
    let addr = url.trim_start_matches("http://");
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    s.write_all(request).unwrap();
    let mut answer = Vec::new();
    let _ = s.read_to_end(&mut answer);
    let text = String::from_utf8_lossy(&answer).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: application/json"),
        "{head}"
    );
    let body = serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {text}"));
    (status, body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn null_where_the_document_says_string_is_refused_naming_the_field() {
    let local = LocalServer::start().await;
    let api = local.account("nulls@example.com").await;
    let raw = Raw::for_client(&api).await;
    for (path, body, field) in [
        (
            "/v1/streams",
            json!({"name": "a", "description": null, "tags": []}),
            "description",
        ),
        (
            "/v1/sinks",
            json!({"sinkType": "S3", "sinkName": "s", "bucketName": "bucket-1", "credentials": null}),
            "credentials",
        ),
    ] {
        let (status, v) = raw.json("PUT", path, body).await;
        assert_eq!(status, 400, "{path}: {v}");
        let message = v["error"]["message"].as_str().unwrap();
        assert!(
            message.contains(field) && message.contains("null"),
            "{message}"
        );
    }
    let (streams, sinks) = (api.list_streams().await, api.list_sinks().await);
    assert!(
        streams.unwrap().is_empty() && sinks.unwrap().is_empty(),
        "nothing was created"
    );
    local.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consent_levels_out_of_range_are_refused_by_event() {
    let local = LocalServer::start().await;
    let s = local.seed("levels@example.com").await;
    let sender = s.client(&s.stream);
    let err = sender
        .send_json(
            "clickstream",
            &click("s", &[-1, 2147483647], "https://a.io"),
        )
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("strmMeta/consentLevels") && err.contains("0 to 4095"),
        "{err}"
    );
    local.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_http_cannot_parse_get_the_json_error_body() {
    let local = LocalServer::start().await;
    let url = local.url();
    let nul = b"GET /is-alive HTTP/1.1\r\nhost: x\r\nx-a: a\x00b\r\n\r\n";
    let minus = b"POST /v1/auth HTTP/1.1\r\nhost: x\r\ncontent-length: -1\r\n\r\n";
    for request in [&nul[..], &minus[..]] {
        let (status, v) = raw_http(&url, request);
        assert_eq!(status, 400, "{v}");
        assert_eq!(v["error"]["code"], 400);
        assert!(
            v["error"]["message"].as_str().unwrap().contains("header"),
            "{v}"
        );
    }
    let big = format!(
        "GET /is-alive HTTP/1.1\r\nhost: x\r\nx-big: {}\r\n\r\n",
        "a".repeat(100 * 1024)
    );
    let (status, v) = raw_http(&url, big.as_bytes());
    assert_eq!(status, 431, "{v}");
    assert_eq!(v["error"]["status"], "Request Header Fields Too Large");
    local.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ws_checks_the_token_first_then_the_handshake() {
    let local = LocalServer::start().await;
    let s = Scenario::seed(&local.url(), local.dir(), "ws-contract@example.com").await;
    let http = reqwest::Client::new();
    let resp = http
        .get(format!("{}/ws", local.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["error"]["code"], 401);
    let token = s.client(&s.output).id_token().await.unwrap();
    let resp = http
        .get(format!("{}/ws", local.url()))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let v: Value = resp.json().await.unwrap();
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("websocket"),
        "{v}"
    );
    local.shutdown().await;
}
