//! An AVRO contract's schema: an Avro record, read by `apache-avro`, with the standard
//! `strmMeta` record added as its first field when it has none (the 2021 schemas had it
//! first), and the questions the terms ask of its fields.

use apache_avro::Schema as AvroSchema;
use serde_json::{Value, json};

use super::compile::{FieldInfo, Kind};
use crate::dataplane::field_path::strip_union;
use strm_model::Invalid;

pub const AVRO_RULE: &str =
    "an AVRO contract's schema is an Avro record schema, as JSON text in a string";
pub const META_RULE: &str = "strmMeta is the standard record (eventContractRef string, nonce, \
     timestamp, keyLink, billingId, consentLevels array of int): leave it out of the schema \
     and the server adds it";

/// The `strmMeta` record of the 2021 contracts (driver 1.0.0): the sender fills
/// `eventContractRef` (or leaves it empty) and `consentLevels`; the server the rest.
pub fn standard_meta() -> Value {
    json!({"name": "strmMeta", "type": {
    "type": "record", "name": "StrmMeta", "namespace": "io.streammachine.strmmeta",
    "fields": [
        {"name": "eventContractRef", "type": "string"},
        {"name": "nonce", "type": ["null", "int"], "default": null},
        {"name": "timestamp", "type": ["null", "long"], "default": null},
        {"name": "keyLink", "type": ["null", "string"], "default": null},
        {"name": "billingId", "type": ["null", "string"], "default": null},
        {"name": "consentLevels", "type": {"type": "array", "items": "int"}}
    ]}})
}

/// Parses a schema text, adding `strmMeta` when the record has none; the schema and the
/// text to keep.
pub fn parse_with_meta(text: &str) -> Result<(AvroSchema, String), Invalid> {
    let fail = |problem: String| Invalid::new("schema", problem, AVRO_RULE);
    let mut json: Value =
        serde_json::from_str(text).map_err(|e| fail(format!("is not JSON ({e})")))?;
    let is_record = json.get("type").and_then(Value::as_str) == Some("record");
    let fields = json
        .get_mut("fields")
        .and_then(Value::as_array_mut)
        .filter(|_| is_record)
        .ok_or_else(|| {
            fail(
                "is not an Avro record: it needs \"type\": \"record\" and a \"fields\" array"
                    .into(),
            )
        })?;
    let has_meta = fields
        .iter()
        .any(|f| f.get("name").and_then(Value::as_str) == Some("strmMeta"));
    let text = if has_meta {
        text.to_owned()
    } else {
        fields.insert(0, standard_meta());
        json.to_string()
    };
    let schema = AvroSchema::parse_str(&text)
        .map_err(|e| fail(format!("is not a valid Avro schema ({e})")))?;
    Ok((schema, text))
}

fn kind_name(schema: &AvroSchema) -> String {
    let kind: apache_avro::schema::SchemaKind = schema.into();
    format!("{kind:?}").to_lowercase()
}

/// The kind of the field at `path` (segments joined by `/`), or `None` when the schema
/// has no such field.
pub(super) fn field_info(schema: &AvroSchema, path: &str) -> Option<FieldInfo> {
    let mut current = schema;
    let mut required = true;
    for segment in path.split('/') {
        if matches!(current, AvroSchema::Union(_)) {
            required = false;
        }
        let AvroSchema::Record(record) = strip_union(current) else {
            return None;
        };
        current = &record.fields[*record.lookup.get(segment)?].schema;
    }
    let kind = match current {
        AvroSchema::String => Kind::String,
        AvroSchema::Union(u) => {
            let others: Vec<&AvroSchema> = u
                .variants()
                .iter()
                .filter(|s| !matches!(s, AvroSchema::Null))
                .collect();
            match others[..] {
                [AvroSchema::String] => Kind::NullableString,
                _ => Kind::Other(format!(
                    "union of {}",
                    u.variants()
                        .iter()
                        .map(kind_name)
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            }
        }
        AvroSchema::Array(a) if matches!(*a.items, AvroSchema::String) => Kind::Strings,
        other => Kind::Other(kind_name(other)),
    };
    Some(FieldInfo { kind, required })
}

/// The `strmMeta` fields the server reads and fills must be there, of usable types.
pub(super) fn check_meta(schema: &AvroSchema, ref_field: &str) -> Result<(), Invalid> {
    let fail = |problem: String| Invalid::new("schema", problem, META_RULE);
    let field = |name: &str| field_info(schema, &format!("strmMeta/{name}"));
    match field(ref_field) {
        Some(FieldInfo {
            kind: Kind::String, ..
        }) => {}
        Some(other) => {
            return Err(fail(format!(
                "strmMeta/{ref_field} is {kind:?}; it must be a string",
                kind = other.kind
            )));
        }
        None => return Err(fail(format!("strmMeta has no {ref_field} field"))),
    }
    let levels = crate::dataplane::field_path::field_schema(
        schema,
        &crate::dataplane::field_path::FieldPath::parse("strmMeta/consentLevels"),
    );
    match levels {
        Some(AvroSchema::Array(a)) if matches!(*a.items, AvroSchema::Int | AvroSchema::Long) => {}
        _ => {
            return Err(fail(
                "strmMeta/consentLevels is missing or not an array of int".into(),
            ));
        }
    }
    if field("keyLink").is_none() {
        return Err(fail("strmMeta has no keyLink field".into()));
    }
    Ok(())
}
