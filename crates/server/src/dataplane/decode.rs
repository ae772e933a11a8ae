//! From an HTTP request's body and headers to a checked event: which schema, which
//! serialization, the Avro value, the contract's validations and `strmMeta.schemaId`.

use apache_avro::types::Value;

use super::avro_json::{self, SCHEMA_RULE};
use super::avro_path::{get, unwrap_union};
use super::avro_seed;
use super::json_event;
use super::schemas::{EventFormat, EventSchema, SchemaRegistry};
use strm_model::Invalid;

pub const SERIALIZATION_RULE: &str = "Strm-Serialization-Type is application/x-avro-binary \
     (a bare Avro datum) or application/json (Avro-JSON or plain JSON)";
pub const VALIDATION_RULE: &str = "the schema's contract requires it to match";
pub const SCHEMA_ID_RULE: &str =
    "strmMeta.schemaId equals the Strm-Schema-Id (or Strm-Schema-Ref) header";
pub const CONTRACT_REF_RULE: &str =
    "strmMeta.eventContractRef is empty (the server fills it) or equals the Strm-Schema-Ref header";
pub const JSON_ONLY_RULE: &str = "a JSON_SCHEMA contract takes plain JSON events \
     (Strm-Serialization-Type: application/json)";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    AvroBinary,
    Json,
}

/// The serialization of a body, from `Strm-Serialization-Type`, else `Content-Type`.
pub fn format_of(
    serialization_type: Option<&str>,
    content_type: Option<&str>,
) -> Result<Format, Invalid> {
    // Header values are ASCII (`HeaderValue::to_str`), so ASCII case folding is the
    // whole of it.
    fn essence(t: &str) -> &str {
        t.split(';').next().unwrap_or_default().trim()
    }
    let is_json = |t: &str| t.eq_ignore_ascii_case("application/json");
    match serialization_type.map(essence) {
        Some(t) if t.eq_ignore_ascii_case("application/x-avro-binary") => Ok(Format::AvroBinary),
        Some(t) if is_json(t) => Ok(Format::Json),
        Some(t) => Err(Invalid::new(
            "Strm-Serialization-Type",
            format!("{:?} is not a known serialization", t.to_lowercase()),
            SERIALIZATION_RULE,
        )),
        None if content_type.map(essence).is_some_and(is_json) => Ok(Format::Json),
        None => Ok(Format::AvroBinary),
    }
}

/// The schema a request names. `Strm-Schema-Ref` (driver 1.0.0) may carry a full
/// reference such as `streammachine/clickstream/1.0.0`; the schema is then found by its
/// name part.
pub fn schema_for<'a>(
    registry: &'a SchemaRegistry,
    schema_id: Option<&str>,
    schema_ref: Option<&str>,
) -> Result<&'a std::sync::Arc<EventSchema>, Invalid> {
    let (header, value) = match (schema_id, schema_ref) {
        (Some(id), _) => ("Strm-Schema-Id", id.trim()),
        (None, Some(r)) => ("Strm-Schema-Ref", r.trim()),
        (None, None) => {
            return Err(Invalid::new(
                "Strm-Schema-Id",
                "is missing",
                format!(
                    "every event names its schema in Strm-Schema-Id or Strm-Schema-Ref: one of {}",
                    registry.ids().join(", ")
                ),
            ));
        }
    };
    let rule = || match header {
        "Strm-Schema-Ref" => format!(
            "a ref names one of your data contracts (GET /v1/data-contracts) or a public one; \
             built-in schemas are {}",
            registry.ids().join(", ")
        ),
        _ => format!("known schemas are {}", registry.ids().join(", ")),
    };
    if let Some(s) = registry.get(value) {
        return Ok(s);
    }
    // A reference is `<handle>/<name>/<version>` (or `<name>/<version>`): the name is
    // the segment the server knows.
    if let Some(s) = value.split('/').find_map(|part| registry.get(part)) {
        return Ok(s);
    }
    Err(Invalid::new(
        header,
        format!("{value:?} is not a known schema"),
        rule(),
    ))
}

/// Decodes a body into an event of `schema`.
pub fn decode(schema: &EventSchema, format: Format, body: &[u8]) -> Result<Value, Invalid> {
    let avro = match (&schema.format, format) {
        (EventFormat::Avro(avro), Format::AvroBinary) => avro,
        (EventFormat::Avro(_), Format::Json) => return json_event(schema, body),
        (EventFormat::JsonSchema(validator), Format::Json) => {
            // Read once: validated as read, then made an event (an object, `strmMeta`
            // complete) as `json_event` does.
            let mut event = json_event::read_any(body)?;
            json_event::validate(validator, &event, body)?;
            if !matches!(event, Value::Record(_)) {
                return json_event::read(body);
            }
            json_event::complete_meta(&mut event);
            return Ok(event);
        }
        (EventFormat::JsonSchema(_), Format::AvroBinary) => {
            return Err(Invalid::new(
                "Strm-Serialization-Type",
                format!(
                    "is Avro binary, but {} is a JSON_SCHEMA contract",
                    schema.id
                ),
                JSON_ONLY_RULE,
            ));
        }
    };
    let mut rest = body;
    let value = apache_avro::from_avro_datum(avro, &mut rest, None).map_err(|e| {
        Invalid::new(
            "body",
            format!("is not a {} Avro datum ({e})", schema.id),
            SCHEMA_RULE,
        )
    })?;
    if !rest.is_empty() {
        return Err(Invalid::new(
            "body",
            format!(
                "has {} bytes after the {} Avro datum",
                rest.len(),
                schema.id
            ),
            SCHEMA_RULE,
        ));
    }
    Ok(value)
}

/// Reads a JSON event (Avro-JSON or plain) without the JSON Schema check (the stored
/// text of an accepted event, or after `decode` made it). Most Avro bodies fit and are
/// read in one pass; one that does not is read again through `serde_json::Value`, whose
/// reader says what is wrong.
pub fn json_event(schema: &EventSchema, body: &[u8]) -> Result<Value, Invalid> {
    let avro = match &schema.format {
        EventFormat::Avro(avro) => avro,
        EventFormat::JsonSchema(_) => {
            let mut event = json_event::read(body)?;
            json_event::complete_meta(&mut event);
            return Ok(event);
        }
    };
    if let Some(value) = avro_seed::read(avro, body) {
        return Ok(value);
    }
    let json: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| Invalid::new("body", format!("is not JSON ({e})"), SCHEMA_RULE))?;
    avro_json::from_json(avro, &json)
}

/// `strmMeta.consentLevels` of an event; each a consent level of the rules (0..=4095).
pub fn consent_levels(schema: &EventSchema, event: &Value) -> Result<Vec<i32>, Invalid> {
    const FIELD: &str = "strmMeta/consentLevels";
    match get(event, &schema.meta.consent_levels) {
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| match unwrap_union(v) {
                Value::Int(i) => Ok(i64::from(*i)),
                Value::Long(i) => Ok(*i),
                _ => Err(Invalid::new(
                    FIELD,
                    "holds a value that is not a whole number",
                    strm_model::rules::CONSENT_LEVELS_RULE,
                )),
            })
            .map(|level| Ok(strm_model::rules::check_consent_level(FIELD, level?)? as i32))
            .collect(),
        _ => Ok(Vec::new()),
    }
}

/// The contract's checks: `strmMeta.schemaId` (built-ins) or `eventContractRef`
/// (contracts), and the validation regexes.
pub fn check(schema: &EventSchema, event: &Value) -> Result<(), Invalid> {
    let field = &schema.meta.contract_ref.path;
    let rule = if schema.fills_ref {
        CONTRACT_REF_RULE
    } else {
        SCHEMA_ID_RULE
    };
    match get(event, field) {
        Some(Value::String(id)) if id == &schema.id => {}
        Some(Value::String(id)) if id.is_empty() && schema.fills_ref => {}
        Some(Value::String(id)) => {
            return Err(Invalid::new(
                field.to_string(),
                format!("is {id:?} but the header says {:?}", schema.id),
                rule,
            ));
        }
        _ => return Err(Invalid::new(field.to_string(), "is missing", rule)),
    }
    for v in &schema.validations {
        let rule = || format!("{VALIDATION_RULE} {}", v.regex.as_str());
        match get(event, &v.field) {
            Some(Value::String(s)) if v.regex.is_match(s) => {}
            Some(Value::String(s)) => {
                return Err(Invalid::new(
                    v.field.to_string(),
                    format!("{s:?} does not match"),
                    rule(),
                ));
            }
            _ => {
                return Err(Invalid::new(v.field.to_string(), "is not a string", rule()));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataplane::avro_path::get_mut;
    use crate::dataplane::schemas::FieldPath;
    use serde_json::json;

    fn registry() -> SchemaRegistry {
        SchemaRegistry::embedded().unwrap()
    }

    fn event_json(url: &str, customer: &str) -> serde_json::Value {
        json!({"strmMeta": {"schemaId": "clickstream", "consentLevels": [0]},
            "producerSessionId": "session-1", "url": url,
            "eventType": "", "referrer": "", "userAgent": "", "conversion": 0,
            "customer": {"id": customer}, "abTests": []})
    }

    /// Each (Strm-Serialization-Type, Content-Type) is read as its format.
    fn formats_are(cases: &[(Option<&str>, Option<&str>, Format)]) {
        for &(serialization, content_type, format) in cases {
            assert_eq!(
                format_of(serialization, content_type).unwrap(),
                format,
                "{serialization:?} {content_type:?}"
            );
        }
    }

    #[test]
    fn serialization_header_wins_then_content_type() {
        let avro = Some("application/x-avro-binary");
        let json = Some("application/json");
        formats_are(&[
            (avro, json, Format::AvroBinary),
            (json, Some("application/octet-stream"), Format::Json),
            (None, Some("application/json; charset=utf-8"), Format::Json),
            (None, Some("text/plain"), Format::AvroBinary),
            (None, None, Format::AvroBinary),
        ]);
        let err = format_of(Some("text/csv"), None).unwrap_err();
        assert_eq!(err.field, "Strm-Serialization-Type");
    }

    #[test]
    fn media_types_are_case_insensitive_and_named_in_lower_case() {
        formats_are(&[
            (
                Some(" Application/JSON ; charset=UTF-8"),
                None,
                Format::Json,
            ),
            (
                Some("APPLICATION/X-AVRO-BINARY"),
                Some("application/json"),
                Format::AvroBinary,
            ),
            (None, Some("Application/Json"), Format::Json),
        ]);
        let err = format_of(Some("Text/CSV"), None).unwrap_err();
        assert_eq!(err.problem, "\"text/csv\" is not a known serialization");
    }

    #[test]
    fn schema_headers_id_and_ref() {
        let reg = registry();
        assert_eq!(
            schema_for(&reg, Some("clickstream"), None).unwrap().id,
            "clickstream"
        );
        assert_eq!(
            schema_for(&reg, None, Some("strmprivacy/nps_unified_v1/1.0.0"))
                .unwrap()
                .id,
            "nps_unified_v1"
        );
        assert_eq!(
            schema_for(&reg, None, Some("clickstream/1.0.0"))
                .unwrap()
                .id,
            "clickstream"
        );
        let err = schema_for(&reg, None, Some("acme/pageviews/1.0.0")).unwrap_err();
        assert_eq!(err.field, "Strm-Schema-Ref");
        let err = schema_for(&reg, Some("pageviews"), None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Strm-Schema-Id: \"pageviews\" is not a known schema; known schemas are clickstream, nps_unified_v1"
        );
        assert!(schema_for(&reg, None, None).is_err());
    }

    #[test]
    fn avro_binary_round_trips_and_corrupt_datums_are_refused() {
        let reg = registry();
        let schema = reg.get("clickstream").unwrap();
        let value = decode(
            schema,
            Format::Json,
            event_json("https://a.b/c", "c1").to_string().as_bytes(),
        )
        .unwrap();
        let bytes = apache_avro::to_avro_datum(schema.avro().unwrap(), value.clone()).unwrap();
        assert_eq!(decode(schema, Format::AvroBinary, &bytes).unwrap(), value);
        let err = decode(schema, Format::AvroBinary, &bytes[..bytes.len() - 3]).unwrap_err();
        assert!(
            err.problem.contains("is not a clickstream Avro datum"),
            "{err}"
        );
        let mut longer = bytes.clone();
        longer.push(0);
        let err = decode(schema, Format::AvroBinary, &longer).unwrap_err();
        assert!(err.problem.contains("1 bytes after"), "{err}");
        let err = decode(schema, Format::Json, b"{nope").unwrap_err();
        assert!(err.problem.contains("is not JSON"), "{err}");
    }

    #[test]
    fn contract_validations_name_field_value_and_regex() {
        let reg = registry();
        let schema = reg.get("clickstream").unwrap();
        let ok = avro_json::from_json(schema.avro().unwrap(), &event_json("https://x.io/a", "c"))
            .unwrap();
        check(schema, &ok).unwrap();
        let bad_url =
            avro_json::from_json(schema.avro().unwrap(), &event_json("mailto:me", "c")).unwrap();
        let err = check(schema, &bad_url).unwrap_err();
        assert_eq!(err.field, "url");
        assert!(err.problem.contains("\"mailto:me\" does not match"));
        assert!(err.rule.contains("^(https?|ftp|file)://"));
        let empty_customer =
            avro_json::from_json(schema.avro().unwrap(), &event_json("https://x.io/a", ""))
                .unwrap();
        assert_eq!(
            check(schema, &empty_customer).unwrap_err().field,
            "customer/id"
        );
    }

    #[test]
    fn schema_id_in_the_event_must_match_the_header() {
        let reg = registry();
        let schema = reg.get("clickstream").unwrap();
        let mut j = event_json("https://x.io/a", "c");
        j["strmMeta"]["schemaId"] = json!("nps_unified_v1");
        let v = avro_json::from_json(schema.avro().unwrap(), &j).unwrap();
        let err = check(schema, &v).unwrap_err();
        assert_eq!(err.field, "strmMeta/schemaId");
        assert!(err.problem.contains("\"nps_unified_v1\""), "{err}");
    }

    #[test]
    fn a_resolved_path_still_finds_a_field_by_name_elsewhere() {
        let reg = registry();
        let schema = reg.get("clickstream").unwrap();
        let mut v =
            avro_json::from_json(schema.avro().unwrap(), &event_json("https://x.io/a", "c"))
                .unwrap();
        let Value::Record(fields) = &mut v else {
            panic!("a record")
        };
        fields.reverse();
        let url = FieldPath::resolve(schema.avro().unwrap(), "url").unwrap();
        assert_eq!(get(&v, &url), Some(&Value::String("https://x.io/a".into())));
        assert_eq!(get(&v, &schema.pii[0].0), Some(&Value::String("c".into())));
        *get_mut(&mut v, &schema.pii[0].0).unwrap() = Value::String("d".into());
        assert_eq!(
            get(&v, &FieldPath::parse("customer/id")),
            Some(&Value::String("d".into()))
        );
        assert_eq!(get(&v, &FieldPath::parse("customer/name")), None);
    }

    #[test]
    fn consent_levels_are_read() {
        let reg = registry();
        let schema = reg.get("clickstream").unwrap();
        let mut j = event_json("https://x.io/a", "c");
        j["strmMeta"]["consentLevels"] = json!([0, 2, 3]);
        let v = avro_json::from_json(schema.avro().unwrap(), &j).unwrap();
        assert_eq!(consent_levels(schema, &v).unwrap(), vec![0, 2, 3]);
        j["strmMeta"]["consentLevels"] = json!([-1, 2147483647]);
        let v = avro_json::from_json(schema.avro().unwrap(), &j).unwrap();
        let e = consent_levels(schema, &v).unwrap_err();
        assert_eq!(e.field, "strmMeta/consentLevels");
        assert!(
            e.to_string().contains("-1 is out of range") && e.to_string().contains("0 to 4095"),
            "{e}"
        );
    }
}
