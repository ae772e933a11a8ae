//! The clickstream event the tests and the benches send.

use serde_json::{Value, json};
use strm_client::events::EventClient;

/// A clickstream event of `session` (its customer is `customer-{session}`) with the
/// consent `levels`, visiting `url`.
pub fn click(session: &str, levels: &[i32], url: &str) -> Value {
    json!({"strmMeta": {"schemaId": "clickstream", "consentLevels": levels},
        "producerSessionId": session, "url": url, "eventType": "", "referrer": "",
        "userAgent": "", "conversion": 0, "customer": {"id": format!("customer-{session}")},
        "abTests": []})
}

/// Sends `click(session, levels, url)` as JSON with `client`; it must be accepted.
pub async fn send_click(client: &EventClient, session: &str, levels: &[i32], url: &str) {
    let event = click(session, levels, url);
    client.send_json("clickstream", &event).await.unwrap();
}

/// The benches' event as JSON bytes, consent [0, 1]; `n` makes the URL unique and picks
/// one of 1,000 sessions (and so one of 1,000 encryption keys).
#[allow(
    dead_code,
    reason = "the benches send it; the tests build theirs with click"
)]
pub fn event_body(n: u64) -> Vec<u8> {
    let session = format!("session-{}", n % 1000);
    click(&session, &[0, 1], &format!("https://a.io/{n}"))
        .to_string()
        .into_bytes()
}

/// Counts how often each event number (the last segment of the URL `click` was given)
/// appears in exported JSON lines; `None` when a line is not such an event.
#[allow(dead_code, reason = "the benches export nothing")]
pub fn count_exported(
    lines: &str,
    counts: &mut std::collections::BTreeMap<u32, u32>,
) -> Option<()> {
    for line in lines.lines() {
        let e: Value = serde_json::from_str(line).ok()?;
        let n: u32 = e["url"].as_str()?.rsplit('/').next()?.parse().ok()?;
        *counts.entry(n).or_default() += 1;
    }
    Some(())
}

/// Raw `POST /event`: status and body text.
pub async fn post_event(
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

/// Whether a JSON value is an AES-SIV ciphertext as the data plane writes it (base64 of a
/// Tink envelope: its first byte 1).
pub fn is_ciphertext(v: &Value) -> bool {
    use base64::Engine;
    v.as_str()
        .and_then(|s| base64::engine::general_purpose::STANDARD.decode(s).ok())
        .is_some_and(|raw| raw.len() >= 21 && raw[0] == 1)
}

/// The next event of a tail as JSON, within 10 s.
pub async fn next_json(rx: &mut strm_client::events::EventReceiver) -> Value {
    let text = tokio::time::timeout(std::time::Duration::from_secs(10), rx.next())
        .await
        .expect("an event within 10 s")
        .expect("the tail is open")
        .unwrap();
    serde_json::from_str(&text).unwrap()
}
