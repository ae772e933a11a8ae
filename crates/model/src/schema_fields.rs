//! The fields of a contract's schema as a tree, read from the schema's JSON text alone
//! (Avro record schemas and JSON Schema documents): what the console shows of a
//! contract. It reads what a person needs to see, not every corner of either language;
//! the server checks schemas with their real parsers.

use std::collections::HashMap;

use serde_json::Value;

use super::SchemaType;
use super::rules::Invalid;

/// One field of a schema, in the order a depth-first walk meets them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaField {
    /// Segments joined by `/`, as contracts name fields: `customer/id`.
    pub path: String,
    /// 0 for a top-level field.
    pub depth: usize,
    /// The field's type in a few characters: `string`, `int?` (nullable), `record`,
    /// `array<string>`.
    pub kind: String,
}

impl SchemaField {
    pub fn name(&self) -> &str {
        self.path.rsplit('/').next().unwrap_or(&self.path)
    }
}

/// Nested records deeper than this are not walked (a recursive type would never end).
const MAX_DEPTH: usize = 12;

const SCHEMA_RULE: &str = "the schema is an Avro record schema or a JSON Schema object, as JSON";

pub fn schema_fields(schema_type: SchemaType, text: &str) -> Result<Vec<SchemaField>, Invalid> {
    let json: Value = serde_json::from_str(text)
        .map_err(|e| Invalid::new("schema", format!("is not JSON ({e})"), SCHEMA_RULE))?;
    let mut out = Vec::new();
    match schema_type {
        SchemaType::Avro => {
            let mut named = HashMap::new();
            if json.get("type").and_then(Value::as_str) != Some("record") {
                return Err(Invalid::new("schema", "is not an Avro record", SCHEMA_RULE));
            }
            avro_record(&json, "", 0, &mut named, &mut out);
        }
        SchemaType::JsonSchema => {
            if !json.is_object() {
                return Err(Invalid::new("schema", "is not a JSON object", SCHEMA_RULE));
            }
            json_object(&json, &json, "", 0, &mut out);
        }
    }
    Ok(out)
}

fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_owned()
    } else {
        format!("{prefix}/{name}")
    }
}

fn avro_record<'a>(
    record: &'a Value,
    prefix: &str,
    depth: usize,
    named: &mut HashMap<String, &'a Value>,
    out: &mut Vec<SchemaField>,
) {
    if let Some(name) = record.get("name").and_then(Value::as_str) {
        named.insert(name.to_owned(), record);
    }
    let Some(fields) = record.get("fields").and_then(Value::as_array) else {
        return;
    };
    for field in fields {
        let Some(name) = field.get("name").and_then(Value::as_str) else {
            continue;
        };
        let path = join(prefix, name);
        let ty = field.get("type").unwrap_or(&Value::Null);
        out.push(SchemaField {
            path: path.clone(),
            depth,
            kind: avro_kind(ty, named),
        });
        if depth < MAX_DEPTH
            && let Some(inner) = avro_inner_record(ty, named)
        {
            avro_record(inner, &path, depth + 1, named, out);
        }
    }
}

/// The record a field's type holds, looking through nullable unions and names.
fn avro_inner_record<'a>(ty: &'a Value, named: &HashMap<String, &'a Value>) -> Option<&'a Value> {
    match ty {
        Value::Object(o) if o.get("type").and_then(Value::as_str) == Some("record") => Some(ty),
        Value::Array(branches) => branches.iter().find_map(|b| avro_inner_record(b, named)),
        Value::String(name) => named.get(name.as_str()).copied(),
        _ => None,
    }
}

fn avro_kind(ty: &Value, named: &HashMap<String, &Value>) -> String {
    match ty {
        Value::String(s) if named.contains_key(s.as_str()) => "record".into(),
        Value::String(s) => s.clone(),
        Value::Array(branches) => {
            let others: Vec<&Value> = branches.iter().filter(|b| *b != "null").collect();
            let nullable = others.len() < branches.len();
            let inner = match others[..] {
                [one] => avro_kind(one, named),
                _ => "union".into(),
            };
            if nullable { format!("{inner}?") } else { inner }
        }
        Value::Object(o) => match o.get("type").and_then(Value::as_str) {
            Some("array") => format!(
                "array<{}>",
                avro_kind(o.get("items").unwrap_or(&Value::Null), named)
            ),
            Some("map") => format!(
                "map<{}>",
                avro_kind(o.get("values").unwrap_or(&Value::Null), named)
            ),
            Some(other) => other.to_owned(),
            None => "?".into(),
        },
        _ => "?".into(),
    }
}

/// A local `$ref` (`#/$defs/x`, `#/definitions/x`) resolved in the root document (the
/// server's contract compiler resolves them the same way).
pub fn resolve_json_ref<'a>(root: &'a Value, node: &'a Value) -> &'a Value {
    let mut node = node;
    for _ in 0..MAX_DEPTH {
        let Some(target) = node.get("$ref").and_then(Value::as_str) else {
            return node;
        };
        match target.strip_prefix('#').and_then(|p| root.pointer(p)) {
            Some(found) => node = found,
            None => return node,
        }
    }
    node
}

fn json_kind(root: &Value, node: &Value) -> String {
    let node = resolve_json_ref(root, node);
    let types: Vec<&str> = match node.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ if node.get("properties").is_some() => vec!["object"],
        _ => vec![],
    };
    let others: Vec<&str> = types.iter().copied().filter(|t| *t != "null").collect();
    let nullable = others.len() < types.len();
    let inner = match others[..] {
        ["array"] => format!(
            "array<{}>",
            json_kind(root, node.get("items").unwrap_or(&Value::Null))
        ),
        [one] => one.to_owned(),
        [] => "any".to_owned(),
        _ => others.join("|"),
    };
    if nullable { format!("{inner}?") } else { inner }
}

fn json_object(root: &Value, node: &Value, prefix: &str, depth: usize, out: &mut Vec<SchemaField>) {
    let node = resolve_json_ref(root, node);
    let Some(props) = node.get("properties").and_then(Value::as_object) else {
        return;
    };
    for (name, prop) in props {
        let path = join(prefix, name);
        out.push(SchemaField {
            path: path.clone(),
            depth,
            kind: json_kind(root, prop),
        });
        if depth < MAX_DEPTH {
            json_object(root, prop, &path, depth + 1, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(fields: &[SchemaField]) -> Vec<(String, usize, String)> {
        fields
            .iter()
            .map(|f| (f.path.clone(), f.depth, f.kind.clone()))
            .collect()
    }

    #[test]
    fn avro_records_nest_and_unions_read_as_nullable() {
        let avsc = r#"{"type":"record","name":"Checkout","fields":[
            {"name":"session_id","type":"string"},
            {"name":"customer","type":{"type":"record","name":"Customer","fields":[
                {"name":"id","type":"string"},{"name":"email","type":["null","string"]}]}},
            {"name":"billing","type":["null","Customer"]},
            {"name":"tags","type":{"type":"array","items":"string"}}]}"#;
        let fields = schema_fields(SchemaType::Avro, avsc).unwrap();
        assert_eq!(
            paths(&fields),
            [
                ("session_id".into(), 0, "string".into()),
                ("customer".into(), 0, "record".into()),
                ("customer/id".into(), 1, "string".into()),
                ("customer/email".into(), 1, "string?".into()),
                ("billing".into(), 0, "record?".into()),
                ("billing/id".into(), 1, "string".into()),
                ("billing/email".into(), 1, "string?".into()),
                ("tags".into(), 0, "array<string>".into()),
            ]
        );
        assert_eq!(fields[2].name(), "id");
    }

    #[test]
    fn json_schema_properties_nest_and_refs_resolve() {
        let schema = r##"{"type":"object","properties":{
            "email":{"type":"string"},
            "address":{"$ref":"#/$defs/address"},
            "scores":{"type":"array","items":{"type":"integer"}}},
            "$defs":{"address":{"type":"object","properties":{"city":{"type":["string","null"]}}}}}"##;
        let fields = schema_fields(SchemaType::JsonSchema, schema).unwrap();
        assert_eq!(
            paths(&fields),
            [
                ("address".into(), 0, "object".into()),
                ("address/city".into(), 1, "string?".into()),
                ("email".into(), 0, "string".into()),
                ("scores".into(), 0, "array<integer>".into()),
            ]
        );
    }

    #[test]
    fn unreadable_schemas_say_why() {
        let err = schema_fields(SchemaType::Avro, "{nope").unwrap_err();
        assert!(err.problem.contains("not JSON"), "{err}");
        let err = schema_fields(SchemaType::Avro, r#"{"type":"enum"}"#).unwrap_err();
        assert!(err.problem.contains("record"), "{err}");
    }
}
