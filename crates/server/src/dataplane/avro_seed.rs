//! Reads a JSON body straight into its schema's Avro value, without building a
//! `serde_json::Value` first: a serde `DeserializeSeed` driven by the schema. It accepts
//! what `avro_json::from_json` accepts and gives the same value, but it does not explain
//! a refusal: a body it refuses is read again by `from_json`, whose message names the
//! field and the rule (`decode::json_event`).

use std::collections::HashMap;
use std::fmt;

use apache_avro::Schema as AvroSchema;
use apache_avro::schema::RecordSchema;
use apache_avro::types::Value;
use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use super::avro_json::{self, Level};

/// The event in `body`, or `None` when the body is not JSON of this schema.
pub fn read(schema: &AvroSchema, body: &[u8]) -> Option<Value> {
    let mut de = serde_json::Deserializer::from_slice(body);
    let value = Seed {
        schema,
        level: Level::Root,
    }
    .deserialize(&mut de)
    .ok()?;
    de.end().ok()?;
    Some(value)
}

/// The reason given inside serde; never shown, as the slow reader gives the message.
const REFUSED: &str = "does not fit the schema";

fn refused<E: de::Error>() -> E {
    E::custom(REFUSED)
}

#[derive(Clone, Copy)]
struct Seed<'s> {
    schema: &'s AvroSchema,
    level: Level,
}

impl<'de> DeserializeSeed<'de> for Seed<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        match self.schema {
            // Which branch a union's value takes depends on the whole value (an object
            // of one entry naming a branch, or the first branch it fits): the slow
            // reader decides, on this small part of the event only.
            AvroSchema::Union(u) => {
                let json = serde_json::Value::deserialize(d)?;
                avro_json::convert_union(u.variants(), &json, &mut Vec::new(), self.level)
                    .map_err(|_| refused())
            }
            _ => d.deserialize_any(self),
        }
    }
}

impl Seed<'_> {
    /// A JSON number that is a whole number fitting an `i64` (`as_i64`).
    fn whole<E: de::Error>(self, n: i64) -> Result<Value, E> {
        match self.schema {
            AvroSchema::Int | AvroSchema::Date | AvroSchema::TimeMillis => {
                let n = i32::try_from(n).map_err(|_| refused())?;
                Ok(match self.schema {
                    AvroSchema::Date => Value::Date(n),
                    AvroSchema::TimeMillis => Value::TimeMillis(n),
                    _ => Value::Int(n),
                })
            }
            AvroSchema::Long => Ok(Value::Long(n)),
            AvroSchema::TimestampMillis => Ok(Value::TimestampMillis(n)),
            _ => self.number(n as f64),
        }
    }

    /// Any JSON number, as `as_f64` reads it.
    fn number<E: de::Error>(self, f: f64) -> Result<Value, E> {
        match self.schema {
            AvroSchema::Float => Ok(Value::Float(f as f32)),
            AvroSchema::Double => Ok(Value::Double(f)),
            _ => Err(refused()),
        }
    }

    fn string<E: de::Error>(self, s: &str) -> Result<Value, E> {
        match self.schema {
            AvroSchema::String => Ok(Value::String(s.to_owned())),
            AvroSchema::Bytes => Ok(Value::Bytes(s.chars().map(|c| c as u32 as u8).collect())),
            AvroSchema::Enum(e) => {
                let i = e.symbols.iter().position(|x| x == s).ok_or_else(refused)?;
                Ok(Value::Enum(i as u32, s.to_owned()))
            }
            _ => Err(refused()),
        }
    }

    fn record<'de, A: MapAccess<'de>>(
        self,
        r: &RecordSchema,
        mut map: A,
    ) -> Result<Value, A::Error> {
        let n = r.fields.len();
        let mut out: Vec<(String, Value)> = r
            .fields
            .iter()
            .map(|f| (f.name.clone(), Value::Null))
            .collect();
        // Which fields the JSON gives: on the stack for records of up to 64 fields.
        let (mut few, mut many);
        let given: &mut [bool] = if n <= 64 {
            few = [false; 64];
            &mut few[..n]
        } else {
            many = vec![false; n];
            &mut many
        };
        let mut expected = 0;
        while let Some(key) = map.next_key_seed(FieldOf {
            record: r,
            expected,
        })? {
            let Some(i) = key else {
                // An alias is a known key, but `from_json` reads fields by name only.
                map.next_value::<de::IgnoredAny>()?;
                continue;
            };
            let field = &r.fields[i];
            // A key given twice keeps its last value, as in `serde_json::Value`.
            out[i].1 = map.next_value_seed(Seed {
                schema: &field.schema,
                level: self.level.of_field(&field.name),
            })?;
            given[i] = true;
            expected = i + 1;
        }
        for ((field, slot), given) in r.fields.iter().zip(&mut out).zip(given.iter()) {
            if !given {
                slot.1 = avro_json::absent_field(field, self.level, &mut Vec::new())
                    .map_err(|_| refused())?;
            }
        }
        Ok(Value::Record(out))
    }
}

impl<'de> Visitor<'de> for Seed<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a value of the event's schema")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        match self.schema {
            AvroSchema::Null => Ok(Value::Null),
            _ => Err(refused()),
        }
    }

    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Value, E> {
        match self.schema {
            AvroSchema::Boolean => Ok(Value::Boolean(b)),
            _ => Err(refused()),
        }
    }

    fn visit_i64<E: de::Error>(self, n: i64) -> Result<Value, E> {
        self.whole(n)
    }

    fn visit_u64<E: de::Error>(self, n: u64) -> Result<Value, E> {
        match i64::try_from(n) {
            Ok(n) => self.whole(n),
            Err(_) => self.number(n as f64),
        }
    }

    fn visit_f64<E: de::Error>(self, f: f64) -> Result<Value, E> {
        self.number(f)
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Value, E> {
        self.string(s)
    }

    fn visit_string<E: de::Error>(self, s: String) -> Result<Value, E> {
        match self.schema {
            AvroSchema::String => Ok(Value::String(s)),
            _ => self.string(&s),
        }
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let AvroSchema::Array(a) = self.schema else {
            return Err(refused());
        };
        let item = Seed {
            schema: &a.items,
            level: Level::Inner,
        };
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(v) = seq.next_element_seed(item)? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        match self.schema {
            AvroSchema::Record(r) => self.record(r, map),
            AvroSchema::Map(m) => {
                let entry = Seed {
                    schema: &m.types,
                    level: Level::Inner,
                };
                let mut out = HashMap::with_capacity(map.size_hint().unwrap_or(0));
                while let Some(k) = map.next_key::<String>()? {
                    out.insert(k, map.next_value_seed(entry)?);
                }
                Ok(Value::Map(out))
            }
            _ => Err(refused()),
        }
    }
}

/// A record's key: the position of the field it names, `None` for a field's alias;
/// any other key is refused.
struct FieldOf<'s> {
    record: &'s RecordSchema,
    /// Where the key probably is: senders mostly keep the schema's field order.
    expected: usize,
}

impl<'de> DeserializeSeed<'de> for FieldOf<'_> {
    type Value = Option<usize>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<usize>, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for FieldOf<'_> {
    type Value = Option<usize>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a field name of the record")
    }

    fn visit_str<E: de::Error>(self, name: &str) -> Result<Option<usize>, E> {
        let fields = &self.record.fields;
        if fields.get(self.expected).is_some_and(|f| f.name == name) {
            return Ok(Some(self.expected));
        }
        match fields.iter().position(|f| f.name == name) {
            Some(i) => Ok(Some(i)),
            None if self.record.lookup.contains_key(name) => Ok(None),
            None => Err(refused()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataplane::schemas::SchemaRegistry;
    use serde_json::json;

    /// The slow reader's answer for the same body.
    fn slow(schema: &AvroSchema, body: &[u8]) -> Option<Value> {
        let json: serde_json::Value = serde_json::from_slice(body).ok()?;
        avro_json::from_json(schema, &json).ok()
    }

    fn click() -> serde_json::Value {
        json!({"strmMeta": {"schemaId": "clickstream", "consentLevels": [0, 1]},
            "producerSessionId": "session-1", "url": "https://a.io/é\"\\n",
            "eventType": "", "referrer": "", "userAgent": "", "conversion": 0,
            "customer": {"id": "customer-session-1"}, "abTests": ["a", "b"]})
    }

    /// The event with the value at `path` replaced (or added), as a body.
    fn with(mut event: serde_json::Value, path: &[&str], value: serde_json::Value) -> Vec<u8> {
        let (last, parents) = path.split_last().unwrap();
        let mut at = &mut event;
        for p in parents {
            at = &mut at[*p];
        }
        at[*last] = value;
        event.to_string().into_bytes()
    }

    #[test]
    fn accepts_what_from_json_accepts_with_the_same_value() {
        let reg = SchemaRegistry::embedded().unwrap();
        let schema = reg.get("clickstream").unwrap().avro().unwrap();
        let meta = ["strmMeta"];
        let bodies: Vec<Vec<u8>> = vec![
            click().to_string().into_bytes(),
            // Avro-JSON unions, nulls, server-set fields given and left out.
            with(click(), &["strmMeta", "keyLink"], json!({"string": "k"})),
            with(click(), &["strmMeta", "keyLink"], json!("k")),
            with(click(), &["strmMeta", "billingId"], json!(null)),
            with(click(), &["strmMeta", "nonce"], json!(-5)),
            with(click(), &["strmMeta", "timestamp"], json!(i64::MAX)),
            with(
                click(),
                &meta,
                json!({"schemaId": "clickstream", "consentLevels": []}),
            ),
            // Escapes, whitespace and key order do not matter.
            format!(" {} ", click()).into_bytes(),
            br#"{"abTests":[],"customer":{"id":"c\u00e9"},"conversion":-2147483648,
                "userAgent":"","referrer":"","eventType":"","url":"u","producerSessionId":"s",
                "strmMeta":{"consentLevels":[2],"schemaId":"x"}}"#
                .to_vec(),
            // A key given twice keeps its last value.
            br#"{"strmMeta":{"schemaId":"a","schemaId":"b","consentLevels":[]},
                "producerSessionId":"s","url":"u","eventType":"","referrer":"","userAgent":"",
                "conversion":1,"conversion":2,"customer":{"id":"c"},"abTests":[]}"#
                .to_vec(),
        ];
        for body in &bodies {
            let text = String::from_utf8_lossy(body);
            let fast = read(schema, body);
            assert!(fast.is_some(), "refused {text}");
            assert_eq!(fast, slow(schema, body), "{text}");
        }
    }

    #[test]
    fn refuses_what_from_json_refuses() {
        let reg = SchemaRegistry::embedded().unwrap();
        let schema = reg.get("clickstream").unwrap().avro().unwrap();
        let bodies: Vec<Vec<u8>> = vec![
            b"{nope".to_vec(),
            b"[]".to_vec(),
            format!("{} x", click()).into_bytes(),
            with(click(), &["conversion"], json!("one")),
            with(click(), &["conversion"], json!(1u64 << 40)),
            with(click(), &["conversion"], json!(1.0)),
            with(click(), &["url"], json!(null)),
            with(click(), &["color"], json!("red")),
            with(click(), &["customer"], json!({})),
            with(click(), &["abTests"], json!([1])),
            with(click(), &["strmMeta", "keyLink"], json!({"int": 1})),
            with(click(), &["strmMeta", "keyLink"], json!(7)),
            with(click(), &["strmMeta", "consentLevels"], json!(null)),
            with(click(), &["strmMeta"], json!({"schemaId": "clickstream"})),
        ];
        for body in &bodies {
            let text = String::from_utf8_lossy(body);
            assert_eq!(read(schema, body), None, "accepted {text}");
            assert_eq!(slow(schema, body), None, "the slow reader accepts {text}");
        }
    }

    #[test]
    fn every_avro_type_the_slow_reader_knows() {
        let avsc = r#"{"type":"record","name":"All","fields":[
            {"name":"n","type":"null"},{"name":"b","type":"boolean"},
            {"name":"i","type":"int"},{"name":"l","type":"long"},
            {"name":"f","type":"float"},{"name":"d","type":"double"},
            {"name":"s","type":"string"},{"name":"y","type":"bytes"},
            {"name":"e","type":{"type":"enum","name":"E","symbols":["A","B"]}},
            {"name":"m","type":{"type":"map","values":"long"}},
            {"name":"date","type":{"type":"int","logicalType":"date"}},
            {"name":"ts","type":{"type":"long","logicalType":"timestamp-millis"}},
            {"name":"u","type":["null","int","string"]},
            {"name":"def","type":"string","default":"dflt","aliases":["old"]},
            {"name":"strmMeta","type":{"type":"record","name":"M","fields":[
                {"name":"nonce","type":"int"},{"name":"other","type":"int","default":3}]}}]}"#;
        let schema = AvroSchema::parse_str(avsc).unwrap();
        let full = json!({"n": null, "b": true, "i": 7, "l": -9, "f": 1.5, "d": 2,
            "s": "x", "y": "\u{00ff}a", "e": "B", "m": {"k": 1, "j": 2}, "date": 3,
            "ts": 4, "u": "str", "strmMeta": {}});
        let bodies = [
            full.to_string().into_bytes(),
            with(full.clone(), &["u"], json!(5)),
            with(full.clone(), &["u"], json!({"string": "w"})),
            with(full.clone(), &["u"], json!(null)),
            with(full.clone(), &["f"], json!(u64::MAX)),
            with(full.clone(), &["def"], json!("given")),
            // An alias is known but not read: the default stands.
            with(full.clone(), &["old"], json!("given")),
        ];
        for body in &bodies {
            let text = String::from_utf8_lossy(body);
            let fast = read(&schema, body);
            assert!(fast.is_some(), "refused {text}");
            assert_eq!(fast, slow(&schema, body), "{text}");
        }
        for (field, bad) in [
            ("e", json!("C")),
            ("b", json!(1)),
            ("n", json!(0)),
            ("i", json!(-2147483649i64)),
            ("l", json!(u64::MAX)),
            ("m", json!([1])),
            ("u", json!(true)),
        ] {
            let body = with(full.clone(), &[field], bad.clone());
            assert_eq!(read(&schema, &body), None, "{field}: {bad}");
            assert_eq!(slow(&schema, &body), None, "{field}: {bad}");
        }
    }
}
