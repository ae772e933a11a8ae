//! Events of JSON_SCHEMA contracts: plain JSON, checked by the contract's JSON Schema,
//! then read into the same in-memory form as Avro events (`Value::Record` keeps the
//! sender's field order), so that encryption, views and the stored text work alike. Its
//! `strmMeta` is completed with every field the server reads or fills.

use std::fmt;

use apache_avro::types::Value;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use super::avro_json::SCHEMA_RULE;
use super::json_instance::AvroJson;
use strm_model::Invalid;

pub const JSON_SCHEMA_EVENT_RULE: &str =
    "the event is JSON that its contract's JSON Schema accepts";

/// A JSON_SCHEMA contract's schema compiled twice: for the events as read (one parse per
/// event), and for `serde_json` values, which name an invalid event's first error as the
/// crate's own examples do (only an invalid event is parsed again).
pub struct EventValidator {
    pub on_events: jsonschema::Validator<AvroJson>,
    pub for_errors: jsonschema::Validator,
}

/// Checks an event (read from `body`) against a contract's JSON Schema; the first error
/// names the field (as a path, `customer/id`), what is wrong and the keyword that
/// refused it.
pub fn validate(validator: &EventValidator, event: &Value, body: &[u8]) -> Result<(), Invalid> {
    if validator.on_events.is_valid(event) {
        return Ok(());
    }
    let json: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| Invalid::new("body", format!("is not JSON ({e})"), SCHEMA_RULE))?;
    let Some(error) = validator.for_errors.iter_errors(&json).next() else {
        return Ok(());
    };
    let field = match error.instance_path().as_str().trim_start_matches('/') {
        "" => "event".to_owned(),
        p => p.to_owned(),
    };
    let keyword = error
        .schema_path()
        .as_str()
        .trim_start_matches('/')
        .to_owned();
    Err(Invalid::new(
        field,
        error.to_string(),
        format!("{JSON_SCHEMA_EVENT_RULE} (schema keyword {keyword})"),
    ))
}

/// Reads JSON text into a `Value`: objects become records in the order written.
pub fn read(body: &[u8]) -> Result<Value, Invalid> {
    let value = read_any(body)?;
    if !matches!(value, Value::Record(_)) {
        return Err(Invalid::new(
            "body",
            "is not a JSON object",
            JSON_SCHEMA_EVENT_RULE,
        ));
    }
    Ok(value)
}

/// Reads any JSON text into a `Value` (an event is an object: see `read`).
pub fn read_any(body: &[u8]) -> Result<Value, Invalid> {
    let mut de = serde_json::Deserializer::from_slice(body);
    Plain
        .deserialize(&mut de)
        .and_then(|v| de.end().map(|()| v))
        .map_err(|e| Invalid::new("body", format!("is not JSON ({e})"), SCHEMA_RULE))
}

/// The order `strmMeta` is written in, as in the 2021 contracts.
const META_ORDER: [&str; 6] = [
    "eventContractRef",
    "nonce",
    "timestamp",
    "keyLink",
    "billingId",
    "consentLevels",
];

fn meta_default(name: &str) -> Value {
    match name {
        "eventContractRef" => Value::String(String::new()),
        "nonce" => Value::Int(0),
        "timestamp" => Value::Long(0),
        "consentLevels" => Value::Array(Vec::new()),
        _ => Value::Null,
    }
}

/// Makes `strmMeta` the event's first field, with every standard field in order (the
/// sender's values kept, missing ones empty) and any other field after them.
pub fn complete_meta(event: &mut Value) {
    let Value::Record(fields) = event else {
        return;
    };
    let mut given = match fields.iter().position(|(k, _)| k == "strmMeta") {
        Some(i) => match fields.remove(i).1 {
            Value::Record(f) => f,
            _ => Vec::new(),
        },
        None => Vec::new(),
    };
    let mut meta: Vec<(String, Value)> = META_ORDER
        .iter()
        .map(|name| {
            let value = given
                .iter()
                .position(|(k, _)| k == name)
                .map(|i| given.remove(i).1)
                .unwrap_or_else(|| meta_default(name));
            ((*name).to_owned(), value)
        })
        .collect();
    meta.append(&mut given);
    fields.insert(0, ("strmMeta".to_owned(), Value::Record(meta)));
}

struct Plain;

impl<'de> DeserializeSeed<'de> for Plain {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(PlainVisitor)
    }
}

struct PlainVisitor;

impl<'de> Visitor<'de> for PlainVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("JSON")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Boolean(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Long(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(i64::try_from(v).map_or(Value::Double(v as f64), Value::Long))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Double(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(item) = seq.next_element_seed(Plain)? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut fields: Vec<(String, Value)> = Vec::with_capacity(map.size_hint().unwrap_or(0));
        while let Some(key) = map.next_key::<String>()? {
            let value = map.next_value_seed(Plain)?;
            // A repeated key: the last one counts, as in serde_json.
            match fields.iter_mut().find(|(k, _)| *k == key) {
                Some(slot) => slot.1 = value,
                None => fields.push((key, value)),
            }
        }
        Ok(Value::Record(fields))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataplane::avro_json::to_json_string;

    #[test]
    fn objects_keep_their_order_and_meta_comes_first_complete() {
        let mut v = read(
            br#"{"b": 1, "a": [true, null, 2.5], "strmMeta": {"consentLevels": [0], "x": "y"}}"#,
        )
        .unwrap();
        complete_meta(&mut v);
        assert_eq!(
            to_json_string(&v),
            r#"{"strmMeta":{"eventContractRef":"","nonce":0,"timestamp":0,"keyLink":null,"billingId":null,"consentLevels":[0],"x":"y"},"b":1,"a":[true,null,2.5]}"#
        );
    }

    #[test]
    fn only_json_objects_are_events() {
        assert!(
            read(b"[1]")
                .unwrap_err()
                .problem
                .contains("not a JSON object")
        );
        assert!(
            read(b"{\"a\":")
                .unwrap_err()
                .problem
                .contains("is not JSON")
        );
        assert!(read(b"{} x").unwrap_err().problem.contains("is not JSON"));
    }
}
