//! The event inspector (Enter on a tail line or a line of an exported batch): the event
//! as pretty JSON, each personal-data field marked encrypted or decrypted with its
//! consent level — from the schema's contract, which the server serves — and each
//! `strmMeta` field explained. The lines are built when the inspector opens (and again
//! when the contract arrives), never in `draw`.

use std::collections::BTreeMap;

use base64::Engine;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use serde_json::Value;

use crate::theme::Theme;
use strm_model::{ConsentLevelType, SchemaContract};

/// Which view the event came through: that decides what the server decrypted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seen {
    /// A stream's own view: every personal field encrypted.
    Stream,
    /// An output's view: fields its consent allows are decrypted.
    Output {
        kind: ConsentLevelType,
        levels: Vec<u32>,
    },
    /// Not known (an object no exporter of this account explains).
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Contract {
    Loading,
    Known(SchemaContract),
    /// Why the PII fields cannot be marked.
    Missing(String),
}

pub struct Inspector {
    /// What the event is: "output level0-1 of bart", "level01/….jsonl line 3".
    pub source: String,
    pub text: String,
    pub seen: Seen,
    pub consent_names: BTreeMap<u32, String>,
    pub contract: Contract,
    pub lines: Vec<Line<'static>>,
    pub scroll: u16,
}

impl Inspector {
    pub fn new(
        source: String,
        text: String,
        seen: Seen,
        consent_names: BTreeMap<u32, String>,
    ) -> Inspector {
        Inspector {
            source,
            text,
            seen,
            consent_names,
            contract: Contract::Loading,
            lines: Vec::new(),
            scroll: 0,
        }
    }

    /// What names the event's contract, whose terms mark its PII: a built-in schema's
    /// `strmMeta.schemaId`, else a data contract's `strmMeta.eventContractRef`.
    pub fn schema_id(&self) -> Option<String> {
        let v: Value = serde_json::from_str(&self.text).ok()?;
        let meta = v.get("strmMeta")?;
        ["schemaId", "eventContractRef"]
            .iter()
            .filter_map(|k| meta.get(*k)?.as_str())
            .find(|id| !id.is_empty())
            .map(str::to_string)
    }

    /// Builds the lines for `theme`.
    pub fn rebuild(&mut self, theme: &Theme) {
        let mut out = Vec::new();
        match serde_json::from_str::<Value>(&self.text) {
            Ok(v) => {
                let ctx = Ctx {
                    inspector: self,
                    theme,
                };
                ctx.render(&v, "", 0, None, false, &mut out);
            }
            Err(e) => {
                out.push(Line::styled(
                    format!("Not JSON ({e}); as received:"),
                    theme.warning,
                ));
                out.extend(self.text.lines().map(|l| Line::raw(l.to_string())));
            }
        }
        self.lines = out;
    }

    /// The header lines: where the event is from and how to read the marks.
    pub fn header(&self, theme: &Theme) -> Vec<Line<'static>> {
        let view = match &self.seen {
            Seen::Stream => "a stream's view: every personal field is encrypted".to_string(),
            Seen::Output { kind, levels } => format!(
                "an output's view ({kind} consent {}): fields of the levels it allows are decrypted",
                levels
                    .iter()
                    .map(u32::to_string)
                    .collect::<Vec<_>>()
                    .join(",")
            ),
            Seen::Unknown => "the view that wrote it is not known: marks follow the values".into(),
        };
        let contract = match &self.contract {
            Contract::Loading => Line::styled("Reading the schema's contract…", theme.dim),
            Contract::Known(c) => Line::styled(
                format!(
                    "Schema {}: {} personal-data field(s) by its contract; key field {}",
                    c.schema_id,
                    c.pii_fields.len(),
                    c.key_field
                ),
                theme.dim,
            ),
            Contract::Missing(why) => Line::styled(format!("PII not marked: {why}"), theme.warning),
        };
        vec![
            Line::from(vec![
                Span::styled("From ", theme.dim),
                Span::raw(self.source.clone()),
                Span::styled(format!(" — {view}"), theme.dim),
            ]),
            contract,
        ]
    }
}

/// A Tink ciphertext as the server writes them: base64 of 0x01, a 4-byte key id, a
/// 16-byte SIV and the sealed text.
pub fn looks_encrypted(value: &str) -> bool {
    base64::engine::general_purpose::STANDARD
        .decode(value)
        .is_ok_and(|raw| raw.len() >= 21 && raw[0] == 0x01)
}

/// What a `strmMeta` field is, for the inspector.
pub fn explain_meta(field: &str) -> Option<&'static str> {
    Some(match field {
        "schemaId" => "the schema the event was sent with; its contract names the personal fields",
        "eventContractRef" => {
            "the data contract the event was sent with; its terms name the personal fields"
        }
        "nonce" => "a random number the server set on arrival",
        "timestamp" => "when the server accepted the event (epoch milliseconds)",
        "keyLink" => {
            "names the key that encrypted this event's personal data (one per key-field value, rotated daily)"
        }
        "billingId" => "the account the stream belongs to",
        "consentLevels" => "the consent the person gave; outputs select events by it",
        _ => return None,
    })
}

struct Ctx<'a> {
    inspector: &'a Inspector,
    theme: &'a Theme,
}

impl Ctx<'_> {
    fn pii_level(&self, path: &str) -> Option<u32> {
        match &self.inspector.contract {
            Contract::Known(c) => c.pii_fields.get(path).copied(),
            _ => None,
        }
    }

    /// The note under a personal field's value.
    fn pii_note(&self, level: u32, value: &str, indent: usize) -> Line<'static> {
        let t = self.theme;
        let name = self
            .inspector
            .consent_names
            .get(&level)
            .map_or(String::new(), |n| format!(" ({n})"));
        let encrypted = looks_encrypted(value);
        let (word, why, style) = match &self.inspector.seen {
            Seen::Stream => (
                "encrypted",
                "a stream's view never decrypts".to_string(),
                t.warning,
            ),
            Seen::Output { kind, levels } if kind.decrypts(levels, level) && !encrypted => (
                "decrypted",
                format!("its consent allows level {level}"),
                t.info,
            ),
            Seen::Output { kind, levels } if kind.decrypts(levels, level) => (
                "encrypted",
                "allowed, but its key is gone, so it could not be decrypted".to_string(),
                t.warning,
            ),
            Seen::Output { .. } => (
                "encrypted",
                format!("its consent does not allow level {level}"),
                t.warning,
            ),
            Seen::Unknown if encrypted => {
                ("encrypted", "the value is a ciphertext".into(), t.warning)
            }
            Seen::Unknown => ("decrypted", "the value is not a ciphertext".into(), t.info),
        };
        Line::from(vec![
            Span::raw(" ".repeat(indent + 2)),
            Span::styled(format!("↳ PII, consent level {level}{name}: "), t.dim),
            Span::styled(word.to_uppercase(), style),
            Span::styled(format!(" — {why}"), t.dim),
        ])
    }

    fn meta_note(&self, path: &str, indent: usize) -> Option<Line<'static>> {
        let field = path.strip_prefix("strmMeta/")?;
        let words = explain_meta(field)?;
        Some(Line::from(vec![
            Span::raw(" ".repeat(indent + 2)),
            Span::styled(format!("↳ {words}"), self.theme.dim),
        ]))
    }

    fn scalar(&self, value: &Value) -> (String, Style) {
        let t = self.theme;
        match value {
            Value::String(s) => (Value::String(s.clone()).to_string(), t.json_string),
            Value::Number(n) => (n.to_string(), t.json_number),
            other => (other.to_string(), t.json_literal),
        }
    }

    fn render(
        &self,
        value: &Value,
        path: &str,
        indent: usize,
        key: Option<&str>,
        comma: bool,
        out: &mut Vec<Line<'static>>,
    ) {
        let t = self.theme;
        let mut head = crate::views::json::key_head(indent, key, t);
        let tail = if comma { "," } else { "" };
        let child = |k: &str| {
            if path.is_empty() {
                k.to_string()
            } else {
                format!("{path}/{k}")
            }
        };
        match value {
            Value::Object(map) if !map.is_empty() => {
                head.push(Span::raw("{"));
                out.push(Line::from(head));
                let n = map.len();
                for (i, (k, v)) in map.iter().enumerate() {
                    self.render(v, &child(k), indent + 2, Some(k), i + 1 < n, out);
                }
                out.push(Line::raw(format!("{}}}{tail}", " ".repeat(indent))));
            }
            Value::Array(items) if items.iter().any(|v| v.is_object() || v.is_array()) => {
                head.push(Span::raw("["));
                out.push(Line::from(head));
                let n = items.len();
                for (i, v) in items.iter().enumerate() {
                    self.render(v, path, indent + 2, None, i + 1 < n, out);
                }
                out.push(Line::raw(format!("{}]{tail}", " ".repeat(indent))));
            }
            // Scalars, and short arrays of them (consent levels, a PII list), take one
            // line and one note.
            other => {
                let items: Vec<&Value> = match other {
                    Value::Array(items) => items.iter().collect(),
                    one => vec![one],
                };
                if other.is_array() {
                    head.push(Span::raw("["));
                }
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        head.push(Span::raw(", "));
                    }
                    let (text, style) = self.scalar(v);
                    head.push(Span::styled(text, style));
                }
                if other.is_array() {
                    head.push(Span::raw("]"));
                }
                head.push(Span::raw(tail.to_string()));
                out.push(Line::from(head));
                let strings: Vec<&str> = items.iter().filter_map(|v| v.as_str()).collect();
                if let (Some(level), false) = (self.pii_level(path), strings.is_empty()) {
                    // A list is as encrypted as its least decrypted value.
                    let shown = strings
                        .iter()
                        .find(|s| looks_encrypted(s))
                        .unwrap_or(&strings[0]);
                    out.push(self.pii_note(level, shown, indent));
                } else if let Some(note) = self.meta_note(path, indent) {
                    out.push(note);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::theme::ThemeName;

    use crate::tests::clickstream_contract as contract;

    fn text(lines: &[Line]) -> String {
        lines
            .iter()
            .map(|l| l.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    }

    const CIPHER: &str = "AQAAAAEAAAAAAAAAAAAAAAAAAAAAc2VjcmV0";

    #[test]
    fn an_outputs_fields_are_marked_by_its_consent_and_meta_is_explained() {
        let event = format!(
            r#"{{"strmMeta":{{"schemaId":"clickstream","consentLevels":[0]}},"producerSessionId":"{CIPHER}","customer":{{"id":"customer-7"}}}}"#
        );
        let names = [(0, "necessary".to_string())].into_iter().collect();
        let seen = Seen::Output {
            kind: ConsentLevelType::Granular,
            levels: vec![0],
        };
        let mut i = Inspector::new("output level0 of bart".into(), event, seen, names);
        assert_eq!(i.schema_id().as_deref(), Some("clickstream"));
        let theme = Theme::of(ThemeName::Mono);
        i.rebuild(&theme);
        assert!(!text(&i.lines).contains("PII"), "no contract yet");
        i.contract = Contract::Known(contract());
        i.rebuild(&theme);
        let shown = text(&i.lines);
        assert!(
            shown.contains("\"id\": \"customer-7\"\n      ↳ PII, consent level 0 (necessary): DECRYPTED — its consent allows level 0"),
            "{shown}"
        );
        assert!(
            shown
                .contains("↳ PII, consent level 1: ENCRYPTED — its consent does not allow level 1"),
            "{shown}"
        );
        assert!(
            shown.contains("↳ the schema the event was sent with"),
            "{shown}"
        );
        assert!(looks_encrypted(CIPHER) && !looks_encrypted("customer-7"));
    }

    #[test]
    fn an_event_names_its_contract_by_schema_id_or_by_data_contract_ref() {
        let named = |meta: &str| {
            let event = format!(r#"{{"strmMeta":{meta},"session_id":"s"}}"#);
            Inspector::new("stream shop".into(), event, Seen::Stream, BTreeMap::new()).schema_id()
        };
        assert_eq!(
            named(r#"{"eventContractRef":"acme/checkout/1.0.0","consentLevels":[0]}"#).as_deref(),
            Some("acme/checkout/1.0.0")
        );
        assert_eq!(
            named(r#"{"schemaId":"clickstream","eventContractRef":""}"#).as_deref(),
            Some("clickstream")
        );
        assert_eq!(named(r#"{"eventContractRef":""}"#), None);
    }

    #[test]
    fn a_streams_fields_are_all_encrypted() {
        let event = format!(r#"{{"customer":{{"id":"{CIPHER}"}}}}"#);
        let mut i = Inspector::new("stream bart".into(), event, Seen::Stream, BTreeMap::new());
        i.contract = Contract::Known(contract());
        i.rebuild(&Theme::of(ThemeName::Mono));
        assert!(text(&i.lines).contains("ENCRYPTED — a stream's view never decrypts"));
    }
}
