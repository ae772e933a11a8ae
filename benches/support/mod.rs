//! What several benches share: the clickstream event they send.

use serde_json::json;

/// One realistic clickstream event as JSON; `n` makes the URL unique and picks one of
/// 1,000 sessions (and so one of 1,000 encryption keys).
pub fn event_body(n: u64) -> Vec<u8> {
    json!({"strmMeta": {"schemaId": "clickstream", "consentLevels": [0, 1]},
        "producerSessionId": format!("session-{}", n % 1000), "url": format!("https://a.io/{n}"),
        "eventType": "", "referrer": "", "userAgent": "", "conversion": 0,
        "customer": {"id": format!("customer-session-{}", n % 1000)}, "abTests": []})
    .to_string()
    .into_bytes()
}
