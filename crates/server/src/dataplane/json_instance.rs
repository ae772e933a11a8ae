//! A JSON event as `json_event::read` made it (Avro's `Value`: records in the order
//! written, `Long`, `Double`, `String`, `Boolean`, `Array`, `Null`) seen as JSON by the
//! `jsonschema` crate, so that a JSON_SCHEMA contract validates the value the pipeline
//! goes on with instead of parsing the body a second time into `serde_json::Value`.

use std::borrow::Cow;

use apache_avro::types::Value;
use jsonschema::JsonType;
use jsonschema::json::{Array, Json, JsonNumber, Node, NodeIdentity, Object};

/// The representation's marker for `jsonschema::options_for`.
pub struct AvroJson;

impl Json for AvroJson {
    type Node<'a> = &'a Value;
    type PreparedKey = String;
    type StringBuffer = Option<Value>;

    // A record's lookup is a scan of its fields, as for `serde_json`'s ordered maps.
    const KEYS_PER_LOOKUP: usize = 2;
    const ACYCLIC: bool = true;

    fn prepare_key(key: &str) -> String {
        key.to_owned()
    }

    fn with_string_node<T>(
        buffer: &mut Option<Value>,
        string: &str,
        f: impl FnOnce(&Value) -> T,
    ) -> T {
        f(buffer.insert(Value::String(string.to_owned())))
    }
}

/// A number as the reader made it: a whole number that fits `i64`, else a double.
#[derive(Clone, Copy)]
pub enum AvroNumber {
    Long(i64),
    Double(f64),
}

impl JsonNumber for AvroNumber {
    fn as_u64(&self) -> Option<u64> {
        match *self {
            AvroNumber::Long(i) => u64::try_from(i).ok(),
            AvroNumber::Double(_) => None,
        }
    }

    fn as_i64(&self) -> Option<i64> {
        match *self {
            AvroNumber::Long(i) => Some(i),
            AvroNumber::Double(_) => None,
        }
    }

    fn as_f64(&self) -> Option<f64> {
        Some(match *self {
            AvroNumber::Long(i) => i as f64,
            AvroNumber::Double(d) => d,
        })
    }

    fn as_str(&self) -> Cow<'_, str> {
        Cow::Owned(self.to_number().to_string())
    }

    fn to_number(&self) -> Cow<'_, serde_json::Number> {
        Cow::Owned(match *self {
            AvroNumber::Long(i) => i.into(),
            // JSON text holds no NaN or infinity, so the reader never made one.
            AvroNumber::Double(d) => serde_json::Number::from_f64(d).unwrap_or_else(|| 0.into()),
        })
    }

    fn is_written_as_integer(&self) -> bool {
        matches!(self, AvroNumber::Long(_))
    }
}

impl<'a> Node<'a, AvroJson> for &'a Value {
    type Object = &'a [(String, Value)];
    type Array = &'a [Value];
    type Number = AvroNumber;

    fn as_object(&self) -> Option<&'a [(String, Value)]> {
        match self {
            Value::Record(fields) => Some(fields),
            _ => None,
        }
    }

    fn as_array(&self) -> Option<&'a [Value]> {
        match self {
            Value::Array(items) => Some(items),
            _ => None,
        }
    }

    fn as_string(&self) -> Option<Cow<'a, str>> {
        match self {
            Value::String(s) => Some(Cow::Borrowed(s)),
            _ => None,
        }
    }

    fn as_number(&self) -> Option<AvroNumber> {
        match **self {
            Value::Long(i) => Some(AvroNumber::Long(i)),
            Value::Double(d) => Some(AvroNumber::Double(d)),
            _ => None,
        }
    }

    fn as_boolean(&self) -> Option<bool> {
        match **self {
            Value::Boolean(b) => Some(b),
            _ => None,
        }
    }

    fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    fn json_type(&self) -> JsonType {
        match self {
            Value::Boolean(_) => JsonType::Boolean,
            Value::Long(_) | Value::Double(_) => JsonType::Number,
            Value::String(_) => JsonType::String,
            Value::Array(_) => JsonType::Array,
            Value::Record(_) => JsonType::Object,
            // The reader makes no other kind.
            _ => JsonType::Null,
        }
    }

    fn to_value(&self) -> Cow<'a, serde_json::Value> {
        Cow::Owned(match self {
            Value::Boolean(b) => serde_json::Value::Bool(*b),
            Value::Long(_) | Value::Double(_) => serde_json::Value::Number(
                self.as_number()
                    .map_or(0.into(), |n| n.to_number().into_owned()),
            ),
            Value::String(s) => serde_json::Value::String(s.clone()),
            Value::Array(items) => {
                serde_json::Value::Array(items.iter().map(|v| v.to_value().into_owned()).collect())
            }
            Value::Record(fields) => serde_json::Value::Object(
                fields
                    .iter()
                    .map(|(k, v)| (k.clone(), v.to_value().into_owned()))
                    .collect(),
            ),
            _ => serde_json::Value::Null,
        })
    }

    fn identity(&self) -> Option<NodeIdentity> {
        Some(NodeIdentity::new(
            std::ptr::from_ref::<Value>(*self) as usize
        ))
    }
}

impl<'a> Object<'a, AvroJson> for &'a [(String, Value)] {
    type Node = &'a Value;
    type MemberName = &'a str;
    type MembersIter = Members<'a>;

    fn len(&self) -> usize {
        <[(String, Value)]>::len(self)
    }

    fn get(&self, key: &String) -> Option<&'a Value> {
        self.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    fn members(&self) -> Members<'a> {
        Members(self.iter())
    }
}

pub struct Members<'a>(std::slice::Iter<'a, (String, Value)>);

impl<'a> Iterator for Members<'a> {
    type Item = (&'a str, &'a Value);

    fn next(&mut self) -> Option<Self::Item> {
        self.0.next().map(|(k, v)| (k.as_str(), v))
    }
}

impl<'a> Array<'a, AvroJson> for &'a [Value] {
    type Node = &'a Value;
    type ElementsIter = std::slice::Iter<'a, Value>;

    fn len(&self) -> usize {
        <[Value]>::len(self)
    }

    fn elements(&self) -> std::slice::Iter<'a, Value> {
        self.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataplane::json_event::read_any;
    use serde_json::json;

    /// The same verdict and the same instance as `serde_json::Value` gives, keyword by
    /// keyword, on the kinds the reader makes.
    #[test]
    fn validates_as_serde_json_values_do() {
        let schema = json!({"type": "object", "required": ["a", "n"],
            "properties": {"a": {"type": "string", "minLength": 2, "pattern": "^x"},
                "n": {"type": "integer", "minimum": 0, "multipleOf": 2},
                "f": {"type": "number", "maximum": 1.5},
                "b": {"const": true}, "z": {"type": "null"},
                "l": {"type": "array", "items": {"enum": [1, "two", {"k": [2.0]}]}, "uniqueItems": true},
                "o": {"type": "object", "additionalProperties": false,
                    "properties": {"k": {}}}},
            "propertyNames": {"maxLength": 3}});
        let on_values = jsonschema::options_for::<AvroJson>()
            .build(&schema)
            .unwrap();
        let on_serde = jsonschema::validator_for(&schema).unwrap();
        for body in [
            r#"{"a": "xy", "n": 4, "f": 1.5, "b": true, "z": null, "l": [1, "two", {"k": [2]}], "o": {"k": 1}}"#,
            r#"{"a": "x", "n": 4}"#,
            r#"{"a": "yy", "n": 4}"#,
            r#"{"a": "xy", "n": 3}"#,
            r#"{"a": "xy", "n": -2}"#,
            r#"{"a": "xy", "n": 2.0}"#,
            r#"{"a": "xy", "n": 2.5}"#,
            r#"{"a": "xy", "n": 2, "f": 1.6}"#,
            r#"{"a": "xy", "n": 2, "b": false}"#,
            r#"{"a": "xy", "n": 2, "z": 0}"#,
            r#"{"a": "xy", "n": 2, "l": [1, 1]}"#,
            r#"{"a": "xy", "n": 2, "l": [3]}"#,
            r#"{"a": "xy", "n": 2, "o": {"q": 1}}"#,
            r#"{"a": "xy", "n": 2, "long": 1}"#,
            r#"{"a": "xy"}"#,
            "[1]",
        ] {
            let value = read_any(body.as_bytes()).unwrap();
            let json: serde_json::Value = serde_json::from_str(body).unwrap();
            assert_eq!(
                on_values.is_valid(&value),
                on_serde.is_valid(&json),
                "{body}"
            );
            assert_eq!((&value).to_value().into_owned(), json, "{body}");
        }
    }
}
