//! Events between Avro values and JSON: both the Avro-JSON encoding (a union's value
//! wrapped as `{"string": "x"}`) and plain JSON come in; plain JSON in the schema's field
//! order goes out. Avro `Value::Record` keeps field order, so it is the one in-memory
//! form of an event.

use apache_avro::Schema as AvroSchema;
use apache_avro::schema::RecordField;
use apache_avro::types::Value;
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::Value as Json;

use super::avro_path::{position, unwrap_union};
use super::schemas::FieldPath;
use strm_model::Invalid;

/// The rule named when an event does not fit its schema.
pub const SCHEMA_RULE: &str =
    "an event is the schema's record in Avro binary, Avro-JSON or plain JSON";

/// `strmMeta` fields the server fills on acceptance; a sender may leave them out
/// (`eventContractRef` is filled when empty).
pub const SERVER_SET_META: [&str; 5] = [
    "nonce",
    "timestamp",
    "keyLink",
    "billingId",
    "eventContractRef",
];

/// Serializes an Avro value as plain JSON: unions unwrapped, records in field order.
pub struct PlainJson<'a>(pub &'a Value);

impl Serialize for PlainJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Value::Null => s.serialize_unit(),
            Value::Boolean(b) => s.serialize_bool(*b),
            Value::Int(i) | Value::Date(i) | Value::TimeMillis(i) => s.serialize_i32(*i),
            Value::Long(i)
            | Value::TimeMicros(i)
            | Value::TimestampMillis(i)
            | Value::TimestampMicros(i)
            | Value::TimestampNanos(i)
            | Value::LocalTimestampMillis(i)
            | Value::LocalTimestampMicros(i)
            | Value::LocalTimestampNanos(i) => s.serialize_i64(*i),
            Value::Float(f) => s.serialize_f32(*f),
            Value::Double(f) => s.serialize_f64(*f),
            Value::String(t) | Value::Enum(_, t) => s.serialize_str(t),
            Value::Bytes(b) | Value::Fixed(_, b) => {
                // Avro-JSON's convention: one character per byte.
                s.serialize_str(&b.iter().map(|&c| c as char).collect::<String>())
            }
            Value::Union(_, inner) => PlainJson(inner).serialize(s),
            Value::Array(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(&PlainJson(item))?;
                }
                seq.end()
            }
            Value::Map(entries) => {
                let mut keys: Vec<&String> = entries.keys().collect();
                keys.sort();
                let mut map = s.serialize_map(Some(keys.len()))?;
                for k in keys {
                    map.serialize_entry(k, &PlainJson(&entries[k]))?;
                }
                map.end()
            }
            Value::Record(fields) => {
                let mut map = s.serialize_map(Some(fields.len()))?;
                for (k, v) in fields {
                    map.serialize_entry(k, &PlainJson(v))?;
                }
                map.end()
            }
            Value::Uuid(u) => s.serialize_str(&u.to_string()),
            other => s.serialize_str(&format!("{other:?}")),
        }
    }
}

/// Compact plain JSON text of an event.
pub fn to_json_string(value: &Value) -> String {
    serde_json::to_string(&PlainJson(value)).unwrap_or_default()
}

/// Appends the compact plain JSON text of an event to `out`.
pub fn write_json(out: &mut Vec<u8>, value: &Value) {
    // Writing to memory cannot fail, and PlainJson has no errors of its own.
    let _ = serde_json::to_writer(out, &PlainJson(value));
}

/// Appends an event's JSON text with the value of the field at `path` left out, and
/// returns where that value goes; `None`, with nothing appended, when the event has no
/// such field.
pub fn write_json_around(out: &mut Vec<u8>, value: &Value, path: &FieldPath) -> Option<usize> {
    let start = out.len();
    let at = write_around(out, value, &mut path.steps());
    if at.is_none() {
        out.truncate(start);
    }
    at
}

fn write_around<'p>(
    out: &mut Vec<u8>,
    value: &Value,
    steps: &mut impl Iterator<Item = (&'p str, Option<usize>)>,
) -> Option<usize> {
    let Some((name, expected)) = steps.next() else {
        return Some(out.len());
    };
    let Value::Record(fields) = unwrap_union(value) else {
        return None;
    };
    let hole = position(fields, name, expected)?;
    // As serde_json writes a map: compact, keys escaped.
    out.push(b'{');
    let mut at = None;
    for (i, (k, v)) in fields.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        let _ = serde_json::to_writer(&mut *out, k);
        out.push(b':');
        if i == hole {
            at = Some(write_around(out, v, steps)?);
        } else {
            write_json(out, v);
        }
    }
    out.push(b'}');
    at
}

/// Reads a JSON event (Avro-JSON or plain) against its schema.
pub fn from_json(schema: &AvroSchema, json: &Json) -> Result<Value, Invalid> {
    convert(schema, json, &mut Vec::new(), Level::Root)
}

/// Where a value sits, for the one rule that depends on it: the server-set fields of
/// the top-level record's `strmMeta` may be left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Level {
    /// The event itself (or a union branch of it).
    Root,
    /// The top-level `strmMeta` record (or a union branch of it).
    Meta,
    Inner,
}

impl Level {
    /// The level of a record's field.
    pub(super) fn of_field(self, name: &str) -> Level {
        if self == Level::Root && name == "strmMeta" {
            Level::Meta
        } else {
            Level::Inner
        }
    }
}

/// The value of a record field the JSON leaves out: zero for a server-set `strmMeta`
/// field, else the field's default; without one, the field is missing.
pub(super) fn absent_field(
    field: &RecordField,
    record_level: Level,
    path: &mut Vec<String>,
) -> Result<Value, Invalid> {
    if record_level == Level::Meta && SERVER_SET_META.contains(&field.name.as_str()) {
        return Ok(zero_value(&field.schema));
    }
    match &field.default {
        Some(d) => convert(&field.schema, d, path, Level::Inner),
        None => Err(Invalid::new(path_text(path), "is missing", SCHEMA_RULE)),
    }
}

fn path_text(path: &[String]) -> String {
    if path.is_empty() {
        "event".into()
    } else {
        path.join("/")
    }
}

fn type_name(json: &Json) -> &'static str {
    match json {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    }
}

fn wrong_type(path: &[String], json: &Json, expected: &str) -> Invalid {
    Invalid::new(
        path_text(path),
        format!("is {}, the schema wants {expected}", type_name(json)),
        SCHEMA_RULE,
    )
}

/// The name Avro-JSON uses for a union branch.
fn branch_name(schema: &AvroSchema) -> String {
    match schema {
        AvroSchema::Record(r) => r.name.fullname(None),
        AvroSchema::Enum(e) => e.name.fullname(None),
        AvroSchema::Fixed(f) => f.name.fullname(None),
        AvroSchema::Ref { name } => name.fullname(None),
        other => {
            let kind: apache_avro::schema::SchemaKind = other.into();
            format!("{kind:?}").to_lowercase()
        }
    }
}

fn zero_value(schema: &AvroSchema) -> Value {
    match schema {
        AvroSchema::Int => Value::Int(0),
        AvroSchema::Long => Value::Long(0),
        AvroSchema::String => Value::String(String::new()),
        AvroSchema::Union(u) => u
            .variants()
            .iter()
            .position(|s| matches!(s, AvroSchema::Null))
            .map(|i| Value::Union(i as u32, Box::new(Value::Null)))
            .unwrap_or(Value::Null),
        _ => Value::Null,
    }
}

fn convert(
    schema: &AvroSchema,
    json: &Json,
    path: &mut Vec<String>,
    level: Level,
) -> Result<Value, Invalid> {
    match schema {
        AvroSchema::Null => match json {
            Json::Null => Ok(Value::Null),
            _ => Err(wrong_type(path, json, "null")),
        },
        AvroSchema::Boolean => json
            .as_bool()
            .map(Value::Boolean)
            .ok_or_else(|| wrong_type(path, json, "a boolean")),
        AvroSchema::Int | AvroSchema::Date | AvroSchema::TimeMillis => {
            let n = json
                .as_i64()
                .ok_or_else(|| wrong_type(path, json, "a whole number"))?;
            let n = i32::try_from(n).map_err(|_| {
                Invalid::new(
                    path_text(path),
                    format!("{n} does not fit a 32-bit int"),
                    SCHEMA_RULE,
                )
            })?;
            Ok(match schema {
                AvroSchema::Date => Value::Date(n),
                AvroSchema::TimeMillis => Value::TimeMillis(n),
                _ => Value::Int(n),
            })
        }
        AvroSchema::Long | AvroSchema::TimestampMillis => {
            let n = json
                .as_i64()
                .ok_or_else(|| wrong_type(path, json, "a whole number"))?;
            Ok(match schema {
                AvroSchema::TimestampMillis => Value::TimestampMillis(n),
                _ => Value::Long(n),
            })
        }
        AvroSchema::Float => json
            .as_f64()
            .map(|f| Value::Float(f as f32))
            .ok_or_else(|| wrong_type(path, json, "a number")),
        AvroSchema::Double => json
            .as_f64()
            .map(Value::Double)
            .ok_or_else(|| wrong_type(path, json, "a number")),
        AvroSchema::String => json
            .as_str()
            .map(|s| Value::String(s.to_owned()))
            .ok_or_else(|| wrong_type(path, json, "a string")),
        AvroSchema::Bytes => json
            .as_str()
            .map(|s| Value::Bytes(s.chars().map(|c| c as u32 as u8).collect()))
            .ok_or_else(|| wrong_type(path, json, "a string of bytes")),
        AvroSchema::Enum(e) => {
            let s = json
                .as_str()
                .ok_or_else(|| wrong_type(path, json, "a symbol"))?;
            let i = e.symbols.iter().position(|x| x == s).ok_or_else(|| {
                Invalid::new(
                    path_text(path),
                    format!("{s:?} is not one of {:?}", e.symbols),
                    SCHEMA_RULE,
                )
            })?;
            Ok(Value::Enum(i as u32, s.to_owned()))
        }
        AvroSchema::Array(a) => {
            let items = json
                .as_array()
                .ok_or_else(|| wrong_type(path, json, "an array"))?;
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                path.push(i.to_string());
                out.push(convert(&a.items, item, path, Level::Inner)?);
                path.pop();
            }
            Ok(Value::Array(out))
        }
        AvroSchema::Map(m) => {
            let obj = json
                .as_object()
                .ok_or_else(|| wrong_type(path, json, "an object"))?;
            let mut out = std::collections::HashMap::with_capacity(obj.len());
            for (k, v) in obj {
                path.push(k.clone());
                out.insert(k.clone(), convert(&m.types, v, path, Level::Inner)?);
                path.pop();
            }
            Ok(Value::Map(out))
        }
        AvroSchema::Union(u) => convert_union(u.variants(), json, path, level),
        AvroSchema::Record(r) => {
            let obj = json
                .as_object()
                .ok_or_else(|| wrong_type(path, json, "an object (record)"))?;
            if let Some(extra) = obj.keys().find(|k| !r.lookup.contains_key(k.as_str())) {
                path.push(extra.clone());
                let err = Invalid::new(
                    path_text(path),
                    format!("is not a field of record {}", r.name.name),
                    SCHEMA_RULE,
                );
                return Err(err);
            }
            let mut out = Vec::with_capacity(r.fields.len());
            for field in &r.fields {
                path.push(field.name.clone());
                let value = match obj.get(&field.name) {
                    Some(v) => convert(&field.schema, v, path, level.of_field(&field.name))?,
                    None => absent_field(field, level, path)?,
                };
                path.pop();
                out.push((field.name.clone(), value));
            }
            Ok(Value::Record(out))
        }
        AvroSchema::Ref { name } => Err(Invalid::new(
            path_text(path),
            format!(
                "uses named type {} that this server cannot resolve",
                name.name
            ),
            SCHEMA_RULE,
        )),
        _ => Err(Invalid::new(
            path_text(path),
            "has a type this server does not read from JSON",
            SCHEMA_RULE,
        )),
    }
}

pub(super) fn convert_union(
    variants: &[AvroSchema],
    json: &Json,
    path: &mut Vec<String>,
    level: Level,
) -> Result<Value, Invalid> {
    if json.is_null()
        && let Some(i) = variants.iter().position(|s| matches!(s, AvroSchema::Null))
    {
        return Ok(Value::Union(i as u32, Box::new(Value::Null)));
    }
    // Avro-JSON: {"<branch name>": value}.
    if let Some(obj) = json.as_object()
        && obj.len() == 1
        && let Some((name, inner)) = obj.iter().next()
        && let Some(i) = variants.iter().position(|s| &branch_name(s) == name)
    {
        let v = convert(&variants[i], inner, path, level)?;
        return Ok(Value::Union(i as u32, Box::new(v)));
    }
    // Plain JSON: the first branch the value fits.
    let mut first_err = None;
    for (i, schema) in variants.iter().enumerate() {
        if matches!(schema, AvroSchema::Null) {
            continue;
        }
        match convert(schema, json, path, level) {
            Ok(v) => return Ok(Value::Union(i as u32, Box::new(v))),
            Err(e) => {
                first_err.get_or_insert(e);
            }
        }
    }
    Err(first_err.unwrap_or_else(|| wrong_type(path, json, "null")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataplane::schemas::{FieldPath, SchemaRegistry};
    use serde_json::json;

    fn click() -> std::sync::Arc<crate::dataplane::schemas::EventSchema> {
        SchemaRegistry::embedded()
            .unwrap()
            .get("clickstream")
            .unwrap()
            .clone()
    }

    fn plain_event() -> Json {
        json!({"strmMeta": {"schemaId": "clickstream", "consentLevels": [0, 1]},
            "producerSessionId": "session-1", "url": "https://www.streammachine.io/rules",
            "eventType": "", "referrer": "", "userAgent": "", "conversion": 0,
            "customer": {"id": "customer-session-1"}, "abTests": ["a"]})
    }

    #[test]
    fn plain_json_comes_out_in_schema_order_with_server_fields_zeroed() {
        let mut input = plain_event();
        // Reverse the sender's key order: the output must follow the schema anyway.
        let obj = input.as_object_mut().unwrap();
        let url = obj.remove("url").unwrap();
        obj.insert("url".into(), url);
        let v = from_json(click().avro().unwrap(), &input).unwrap();
        assert_eq!(
            to_json_string(&v),
            r#"{"strmMeta":{"schemaId":"clickstream","nonce":0,"timestamp":0,"keyLink":null,"billingId":null,"consentLevels":[0,1]},"producerSessionId":"session-1","url":"https://www.streammachine.io/rules","eventType":"","referrer":"","userAgent":"","conversion":0,"customer":{"id":"customer-session-1"},"abTests":["a"]}"#
        );
    }

    #[test]
    fn the_text_around_a_field_is_the_whole_text_without_its_value() {
        let schema = click();
        let mut input = plain_event();
        input["strmMeta"]["keyLink"] = json!({"string": "k"});
        let v = from_json(schema.avro().unwrap(), &input).unwrap();
        let whole = to_json_string(&v);
        assert!(whole.contains(r#""timestamp":0,"#), "{whole}");
        for path in [
            FieldPath::resolve(schema.avro().unwrap(), "strmMeta/timestamp").unwrap(),
            FieldPath::parse("strmMeta/timestamp"),
        ] {
            let mut out = b"before".to_vec();
            let at = write_json_around(&mut out, &v, &path).unwrap();
            out.insert(at, b'0');
            assert_eq!(String::from_utf8(out).unwrap(), format!("before{whole}"));
        }
        let mut out = b"before".to_vec();
        let missing = FieldPath::parse("strmMeta/nothing");
        assert_eq!(write_json_around(&mut out, &v, &missing), None);
        assert_eq!(out, b"before");
    }

    #[test]
    fn avro_json_unions_are_unwrapped() {
        let mut input = plain_event();
        input["strmMeta"]["keyLink"] = json!({"string": "k"});
        input["strmMeta"]["billingId"] = json!(null);
        input["strmMeta"]["nonce"] = json!(5);
        input["strmMeta"]["timestamp"] = json!(7);
        let v = from_json(click().avro().unwrap(), &input).unwrap();
        let text = to_json_string(&v);
        assert!(text.contains(r#""nonce":5,"timestamp":7,"keyLink":"k","billingId":null"#));
        // And the result is a valid datum of the schema.
        apache_avro::to_avro_datum(click().avro().unwrap(), v).unwrap();
    }

    #[test]
    fn mismatches_name_the_field_and_the_problem() {
        let mut wrong = plain_event();
        wrong["conversion"] = json!("one");
        let err = from_json(click().avro().unwrap(), &wrong).unwrap_err();
        assert_eq!(err.field, "conversion");
        assert!(err.problem.contains("is a string"), "{err}");

        let mut missing = plain_event();
        missing["customer"] = json!({});
        let err = from_json(click().avro().unwrap(), &missing).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("customer/id: is missing; {SCHEMA_RULE}")
        );

        let mut extra = plain_event();
        extra["color"] = json!("red");
        let err = from_json(click().avro().unwrap(), &extra).unwrap_err();
        assert_eq!(err.field, "color");

        let mut no_levels = plain_event();
        no_levels["strmMeta"] = json!({"schemaId": "clickstream"});
        let err = from_json(click().avro().unwrap(), &no_levels).unwrap_err();
        assert_eq!(err.field, "strmMeta/consentLevels");

        let mut big = plain_event();
        big["conversion"] = json!(1u64 << 40);
        assert!(
            from_json(click().avro().unwrap(), &big)
                .unwrap_err()
                .problem
                .contains("32-bit")
        );
    }
}
