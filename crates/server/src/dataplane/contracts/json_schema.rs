//! A JSON_SCHEMA contract's schema: a JSON Schema document (draft 2020-12, or draft 7
//! when its `$schema` says so), compiled by the `jsonschema` crate, with the standard
//! `strmMeta` object added to its properties when it has none, and the questions the
//! terms ask of its fields (found through `properties`, local `$ref`s resolved).

use jsonschema::Draft;
use serde_json::{Value, json};
use strm_model::resolve_json_ref;

use crate::dataplane::json_event::EventValidator;
use crate::dataplane::json_instance::AvroJson;

use super::compile::{FieldInfo, Kind};
use strm_model::Invalid;

pub const JSON_SCHEMA_RULE: &str = "a JSON_SCHEMA contract's schema is a JSON Schema document \
     (draft 2020-12 or draft 7) describing an object, as JSON text in a string";

/// The `strmMeta` object of JSON events: the sender may give `eventContractRef` and
/// `consentLevels`; the server fills the rest.
pub fn standard_meta() -> Value {
    json!({"type": "object", "properties": {
        "eventContractRef": {"type": "string"},
        "nonce": {"type": "integer"},
        "timestamp": {"type": "integer"},
        "keyLink": {"type": "string"},
        "billingId": {"type": "string"},
        "consentLevels": {"type": "array", "items": {"type": "integer", "minimum": 0}}
    }})
}

fn draft_of(document: &Value) -> Result<Draft, Invalid> {
    match document.get("$schema") {
        None => Ok(Draft::Draft202012),
        Some(Value::String(uri)) if uri.contains("draft/2020-12") => Ok(Draft::Draft202012),
        Some(Value::String(uri)) if uri.contains("draft-07") => Ok(Draft::Draft7),
        Some(other) => Err(Invalid::new(
            "schema",
            format!("declares $schema {other}, a draft this server does not read"),
            JSON_SCHEMA_RULE,
        )),
    }
}

/// Parses and compiles a schema text, adding `strmMeta` when it has none: the document,
/// its validators and the text to keep.
pub fn parse_with_meta(text: &str) -> Result<(Value, EventValidator, String), Invalid> {
    let fail = |problem: String| Invalid::new("schema", problem, JSON_SCHEMA_RULE);
    let mut document: Value =
        serde_json::from_str(text).map_err(|e| fail(format!("is not JSON ({e})")))?;
    let draft = draft_of(&document)?;
    let Some(root) = document.as_object_mut() else {
        return Err(fail("is not a JSON object".into()));
    };
    let properties = root
        .entry("properties")
        .or_insert_with(|| json!({}))
        .as_object_mut()
        .ok_or_else(|| fail("has \"properties\" that is not an object".into()))?;
    let text = if properties.contains_key("strmMeta") {
        text.to_owned()
    } else {
        properties.insert("strmMeta".into(), standard_meta());
        document.to_string()
    };
    let for_errors = jsonschema::options()
        .with_draft(draft)
        .build(&document)
        .map_err(|e| {
            fail(format!(
                "is not a valid JSON Schema ({e}, at {})",
                location(e.instance_path().as_str())
            ))
        })?;
    // The same document and options, so it cannot fail where the first did not.
    let on_events = jsonschema::options_for::<AvroJson>()
        .with_draft(draft)
        .build(&document)
        .map_err(|e| fail(format!("is not a valid JSON Schema ({e})")))?;
    let validator = EventValidator {
        on_events,
        for_errors,
    };
    Ok((document, validator, text))
}

/// A JSON pointer as contracts write paths (`customer/id`); the root is `schema`.
fn location(pointer: &str) -> String {
    match pointer.trim_start_matches('/') {
        "" => "the top level".into(),
        p => p.into(),
    }
}

fn types(node: &Value) -> Vec<&str> {
    match node.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    }
}

/// The kind of the property at `path` (segments joined by `/`), or `None` when the
/// document declares no such property.
pub(super) fn field_info(document: &Value, path: &str) -> Option<FieldInfo> {
    let mut node = resolve_json_ref(document, document);
    let mut required = true;
    for segment in path.split('/') {
        let child = node.get("properties")?.get(segment)?;
        let listed = node
            .get("required")
            .and_then(Value::as_array)
            .is_some_and(|r| r.iter().any(|n| n == segment));
        let nullable = types(node).contains(&"null");
        required &= listed && !nullable;
        node = resolve_json_ref(document, child);
    }
    let declared = types(node);
    let kind = match declared[..] {
        ["string"] => Kind::String,
        ["string", "null"] | ["null", "string"] => Kind::NullableString,
        ["array"]
            if types(resolve_json_ref(
                document,
                node.get("items").unwrap_or(&Value::Null),
            )) == ["string"] =>
        {
            Kind::Strings
        }
        [] => Kind::Other("any (no \"type\")".into()),
        _ => Kind::Other(declared.join("|")),
    };
    Some(FieldInfo { kind, required })
}
