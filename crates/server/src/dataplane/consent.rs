//! Which events a view of a stream receives and which PII fields it sees decrypted
//! (`data-plane.md`, "Outputs: which events, which fields"), and the field-level
//! encryption and decryption that applies it.

use apache_avro::types::Value;

use super::avro_path::{get, get_mut};
use super::crypto::{CryptoError, DataKey, split_ciphertext};
use super::decode::consent_levels;
use super::schemas::EventSchema;
use strm_model::ConsentLevelType;

/// What a token or exporter looks at: the source stream (every event, all PII
/// encrypted) or one output (its consent filter and decryptions).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum View {
    Source,
    Output {
        kind: ConsentLevelType,
        /// As the control plane stores them: non-empty, sorted, deduplicated.
        levels: Vec<u32>,
    },
}

impl View {
    pub fn output(kind: ConsentLevelType, levels: &[u32]) -> View {
        let mut levels = levels.to_vec();
        levels.sort_unstable();
        levels.dedup();
        View::Output { kind, levels }
    }

    /// Whether an event with these consent levels reaches this view.
    pub fn admits(&self, event_levels: &[i32]) -> bool {
        match self {
            View::Source => true,
            // An output without levels admits nothing: failing closed.
            View::Output { levels, .. } if event_levels.is_empty() || levels.is_empty() => false,
            View::Output {
                kind: ConsentLevelType::Cumulative,
                levels,
            } => {
                let needed = levels.last().copied().unwrap_or(u32::MAX) as i64;
                event_levels.iter().map(|&l| l as i64).max() >= Some(needed)
            }
            View::Output {
                kind: ConsentLevelType::Granular,
                levels,
            } => levels
                .iter()
                .all(|l| event_levels.iter().any(|e| *e as i64 == *l as i64)),
        }
    }

    /// Whether this view sees a PII field of this level in clear text.
    pub fn decrypts(&self, field_level: u32) -> bool {
        match self {
            View::Source => false,
            View::Output { kind, levels } => kind.decrypts(levels, field_level),
        }
    }
}

fn each_string(value: &mut Value, f: &mut dyn FnMut(&mut String)) {
    match value {
        Value::String(s) => f(s),
        Value::Union(_, inner) => each_string(inner, f),
        Value::Array(items) => items.iter_mut().for_each(|i| each_string(i, f)),
        _ => {}
    }
}

/// Encrypts every PII field of an event with one key, whatever the consent.
pub fn encrypt_pii(
    schema: &EventSchema,
    event: &mut Value,
    key: &DataKey,
) -> Result<(), CryptoError> {
    let mut failed = None;
    for (path, _) in &schema.pii {
        if let Some(v) = get_mut(event, path) {
            each_string(v, &mut |s| match key.encrypt(s) {
                Ok(sealed) => *s = sealed,
                Err(e) => failed = Some(e),
            });
        }
    }
    failed.map_or(Ok(()), Err)
}

/// The id of the key that encrypted an event: the one its PII ciphertexts name (one
/// key encrypts every field of an event). `None` when it has no encrypted value.
fn event_key_id(schema: &EventSchema, event: &Value) -> Option<u32> {
    fn first(value: &Value) -> Option<u32> {
        match value {
            Value::String(s) => split_ciphertext(s).ok().map(|(id, _)| id),
            Value::Union(_, inner) => first(inner),
            Value::Array(items) => items.iter().find_map(first),
            _ => None,
        }
    }
    schema
        .pii
        .iter()
        .find_map(|(path, _)| get(event, path).and_then(first))
}

/// Turns a stored (fully encrypted) event into what `view` receives, or `None` when the
/// view does not admit it. `key` finds a key by the id a ciphertext names. An event
/// whose key is gone (destroyed with a data subject) reaches no output: an output
/// cannot honour consent on data it cannot read.
pub fn apply_view(
    schema: &EventSchema,
    mut event: Value,
    view: &View,
    key: &dyn Fn(u32) -> Option<DataKey>,
) -> Option<Value> {
    // Levels are checked at ingest; one stored before that check that breaks the rule
    // admits the event to no output.
    if !view.admits(&consent_levels(schema, &event).ok()?) {
        return None;
    }
    if *view == View::Source {
        return Some(event);
    }
    let key = match event_key_id(schema, &event) {
        Some(id) => Some(key(id)?),
        None => None,
    };
    for (path, level) in &schema.pii {
        if !view.decrypts(*level) {
            continue;
        }
        if let (Some(v), Some(k)) = (get_mut(&mut event, path), &key) {
            each_string(v, &mut |s| {
                // A field that does not decrypt stays as stored rather than losing the event.
                if let Ok(plain) = k.decrypt(s) {
                    *s = plain;
                }
            });
        }
    }
    Some(event)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::dataplane::avro_json::{from_json, to_json_string};
    use crate::dataplane::schemas::SchemaRegistry;
    use ConsentLevelType::{Cumulative, Granular};
    use serde_json::json;

    /// Which of a set of events (by their consent levels) `v` admits.
    fn admitted(v: &View) -> Vec<&'static [i32]> {
        const EVENTS: [&[i32]; 10] = [
            &[],
            &[0],
            &[1],
            &[2],
            &[3],
            &[0, 1],
            &[0, 2],
            &[2, 0],
            &[0, 5],
            &[0, 1, 2, 3],
        ];
        EVENTS.into_iter().filter(|l| v.admits(l)).collect()
    }

    #[test]
    fn cumulative_uses_the_highest_level() {
        let v = View::output(Cumulative, &[0, 2]);
        // Gaps: the highest level decides, not the set ([3], [0, 5]).
        let highest_2_or_more: [&[i32]; 6] = [&[2], &[3], &[0, 2], &[2, 0], &[0, 5], &[0, 1, 2, 3]];
        assert_eq!(admitted(&v), highest_2_or_more);
        assert!(v.decrypts(0) && v.decrypts(1) && v.decrypts(2));
        assert!(!v.decrypts(3));
    }

    #[test]
    fn granular_needs_every_level_of_its_set() {
        let v = View::output(Granular, &[0, 2]);
        let both_0_and_2: [&[i32]; 3] = [&[0, 2], &[2, 0], &[0, 1, 2, 3]];
        assert_eq!(admitted(&v), both_0_and_2);
        assert!(v.decrypts(0) && v.decrypts(2));
        assert!(!v.decrypts(1) && !v.decrypts(3));
    }

    #[test]
    fn an_output_without_levels_admits_and_decrypts_nothing() {
        for kind in [Cumulative, Granular] {
            let v = View::output(kind, &[]);
            assert!(!v.admits(&[0]) && !v.admits(&[0, 1, 2]), "{kind:?}");
            assert!(!v.decrypts(0), "{kind:?}");
        }
    }

    #[test]
    fn source_gets_everything_and_decrypts_nothing() {
        assert!(View::Source.admits(&[]));
        assert!(!View::Source.decrypts(0));
    }

    fn key() -> DataKey {
        DataKey::generate("link".into(), 0)
    }

    fn run(schema_id: &str, event: serde_json::Value, view: &View) -> Option<serde_json::Value> {
        let reg = SchemaRegistry::embedded().unwrap();
        let schema = reg.get(schema_id).unwrap();
        let k = key();
        let mut v = from_json(schema.avro().unwrap(), &event).unwrap();
        encrypt_pii(schema, &mut v, &k).unwrap();
        let lookup = |id: u32| (id == k.key_id).then(|| k.clone());
        apply_view(schema, v, view, &lookup)
            .map(|v| serde_json::from_str(&to_json_string(&v)).unwrap())
    }

    fn click(levels: &[i32]) -> serde_json::Value {
        json!({"strmMeta": {"schemaId": "clickstream", "consentLevels": levels},
            "producerSessionId": "session-7", "url": "https://x.io/", "eventType": "",
            "referrer": "", "userAgent": "", "conversion": 0,
            "customer": {"id": "customer-session-7"}, "abTests": ["t1"]})
    }

    pub(crate) fn nps(levels: &[i32]) -> serde_json::Value {
        let mut e = json!({"strmMeta": {"schemaId": "nps_unified_v1", "consentLevels": levels}});
        for f in [
            "brand_source",
            "platform",
            "os",
            "version",
            "consent_level",
            "swimlane_id",
            "swimlane_header",
            "swimlane_action",
            "article_id",
            "article_title",
            "article_action",
            "followable_id",
            "followable_title",
            "followable_type",
            "followable_context",
            "followable_action",
        ] {
            e[f] = json!("");
        }
        for f in [
            "swimlane_rank",
            "swimlane_in_view",
            "article_rank",
            "article_in_view",
            "followable_rank",
            "followable_in_view",
        ] {
            e[f] = json!(1);
        }
        e["followable_type_value"] = json!(false);
        e["followable_clicked"] = json!(true);
        e["device_id"] = json!("heel mooi");
        e["customer_id"] = json!("cust-1");
        e["session_id"] = json!("sess-1");
        e
    }

    fn is_cipher(v: &serde_json::Value) -> bool {
        split_ciphertext(v.as_str().unwrap()).is_ok()
    }

    #[test]
    fn the_source_stream_holds_every_event_all_pii_encrypted() {
        let out = run("clickstream", click(&[]), &View::Source).unwrap();
        assert!(is_cipher(&out["customer"]["id"]));
        assert!(is_cipher(&out["producerSessionId"]));
        assert_eq!(out["url"], "https://x.io/");
        assert_eq!(out["abTests"], json!(["t1"]));
    }

    #[test]
    fn clickstream_cumulative_rows() {
        // Level 0 decrypts only customer.id.
        let v0 = View::output(Cumulative, &[0]);
        let out = run("clickstream", click(&[0]), &v0).unwrap();
        assert_eq!(out["customer"]["id"], "customer-session-7");
        assert!(is_cipher(&out["producerSessionId"]));
        // Level 1 decrypts both.
        let v1 = View::output(Cumulative, &[1]);
        let out = run("clickstream", click(&[0, 1]), &v1).unwrap();
        assert_eq!(out["customer"]["id"], "customer-session-7");
        assert_eq!(out["producerSessionId"], "session-7");
        // Consent [0] does not reach a level-1 output; no consent reaches nothing.
        assert!(run("clickstream", click(&[0]), &v1).is_none());
        assert!(run("clickstream", click(&[]), &v0).is_none());
        // A gap: consent [3] only still reaches level 1, both fields decrypted.
        let out = run("clickstream", click(&[3]), &v1).unwrap();
        assert_eq!(out["producerSessionId"], "session-7");
    }

    #[test]
    fn clickstream_granular_rows() {
        let v01 = View::output(Granular, &[0, 1]);
        let out = run("clickstream", click(&[0, 1, 2]), &v01).unwrap();
        assert_eq!(out["customer"]["id"], "customer-session-7");
        assert_eq!(out["producerSessionId"], "session-7");
        assert!(run("clickstream", click(&[0]), &v01).is_none());
        assert!(run("clickstream", click(&[1, 2]), &v01).is_none());
        // Granular [1] admits [1] and decrypts only level-1 fields.
        let v1 = View::output(Granular, &[1]);
        let out = run("clickstream", click(&[1]), &v1).unwrap();
        assert_eq!(out["producerSessionId"], "session-7");
        assert!(is_cipher(&out["customer"]["id"]));
        // A set with a gap: [0, 2] needs both, decrypts level 0 only here.
        let v02 = View::output(Granular, &[0, 2]);
        let out = run("clickstream", click(&[0, 2]), &v02).unwrap();
        assert_eq!(out["customer"]["id"], "customer-session-7");
        assert!(is_cipher(&out["producerSessionId"]));
        assert!(run("clickstream", click(&[0, 1]), &v02).is_none());
    }

    #[test]
    fn nps_rows() {
        let enc = run("nps_unified_v1", nps(&[0, 1, 2]), &View::Source).unwrap();
        for f in ["session_id", "customer_id", "device_id"] {
            assert!(is_cipher(&enc[f]), "{f}");
        }
        assert_eq!(enc["swimlane_rank"], 1);
        let v0 = View::output(Cumulative, &[0]);
        let out = run("nps_unified_v1", nps(&[0, 1, 2]), &v0).unwrap();
        assert_eq!(out["session_id"], "sess-1");
        assert!(is_cipher(&out["customer_id"]) && is_cipher(&out["device_id"]));
        let v1 = View::output(Cumulative, &[1]);
        let out = run("nps_unified_v1", nps(&[1]), &v1).unwrap();
        assert_eq!(out["session_id"], "sess-1");
        assert_eq!(out["device_id"], "heel mooi");
        assert_eq!(out["customer_id"], "cust-1");
        let g1 = View::output(Granular, &[1]);
        let out = run("nps_unified_v1", nps(&[1]), &g1).unwrap();
        assert!(is_cipher(&out["session_id"]));
        assert_eq!(out["device_id"], "heel mooi");
        assert!(run("nps_unified_v1", nps(&[0]), &g1).is_none());
        assert!(run("nps_unified_v1", nps(&[]), &v0).is_none());
    }

    #[test]
    fn an_event_whose_key_is_gone_reaches_no_output_but_the_source() {
        let reg = SchemaRegistry::embedded().unwrap();
        let schema = reg.get("clickstream").unwrap();
        let k = key();
        let mut v = from_json(schema.avro().unwrap(), &click(&[0, 1])).unwrap();
        encrypt_pii(schema, &mut v, &k).unwrap();
        let gone = |_: u32| None;
        for view in [View::output(Cumulative, &[0]), View::output(Granular, &[1])] {
            assert!(
                apply_view(schema, v.clone(), &view, &gone).is_none(),
                "{view:?}"
            );
        }
        let source = apply_view(schema, v.clone(), &View::Source, &gone).unwrap();
        assert_eq!(source, v);
    }
}
