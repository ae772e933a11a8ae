//! The event schemas the server knows: an Avro record plus a contract (key field, PII
//! fields with their consent level, validation regexes), read from the data files in
//! `assets/schemas/` that `build.rs` embeds. Adding a schema is adding two files.

use std::collections::HashMap;
use std::sync::Arc;

use apache_avro::Schema as AvroSchema;
use apache_avro::schema::SchemaKind;
use regex::Regex;
use serde::Deserialize;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded_schemas.rs"));
}

/// A field path inside an event, as contracts write it: `customer/id`. A path resolved
/// against a schema also knows each field's position in its record, so that walking an
/// event of that schema looks at one field per step instead of searching.
#[derive(Debug, Clone)]
pub struct FieldPath {
    segments: Vec<String>,
    /// One per segment when resolved, else empty.
    positions: Vec<usize>,
}

impl FieldPath {
    pub fn parse(text: &str) -> FieldPath {
        FieldPath {
            segments: text.split('/').map(str::to_owned).collect(),
            positions: Vec::new(),
        }
    }

    /// The path in `schema`, or `None` when the schema has no such field.
    pub fn resolve(schema: &AvroSchema, text: &str) -> Option<FieldPath> {
        let mut path = FieldPath::parse(text);
        let mut current = schema;
        for segment in &path.segments {
            let AvroSchema::Record(record) = strip_union(current) else {
                return None;
            };
            let i = *record.lookup.get(segment)?;
            path.positions.push(i);
            current = &record.fields[i].schema;
        }
        Some(path)
    }

    pub fn segments(&self) -> &[String] {
        &self.segments
    }

    /// Each segment with the position its field has in its record, when known.
    pub fn steps(&self) -> impl Iterator<Item = (&str, Option<usize>)> {
        let positions = self.positions.iter().copied().map(Some);
        self.segments
            .iter()
            .map(String::as_str)
            .zip(positions.chain(std::iter::repeat(None)))
    }
}

/// Paths are equal when they name the same fields, resolved or not.
impl PartialEq for FieldPath {
    fn eq(&self, other: &Self) -> bool {
        self.segments == other.segments
    }
}

impl Eq for FieldPath {}

impl std::hash::Hash for FieldPath {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.segments.hash(state);
    }
}

impl std::fmt::Display for FieldPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.segments.join("/"))
    }
}

/// The contract file as written (`<id>.contract.json`).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ContractFile {
    key_field: String,
    #[serde(default)]
    pii_fields: HashMap<String, u32>,
    #[serde(default)]
    validations: Vec<ValidationFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ValidationFile {
    field: String,
    #[serde(rename = "type")]
    kind: String,
    value: String,
}

#[derive(Debug, Clone)]
pub struct Validation {
    pub field: FieldPath,
    pub regex: Regex,
}

/// How a schema declares `strmMeta.keyLink`: the public schemas use a nullable string,
/// the seed's `nps_unified_v1` an int.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyLinkKind {
    String,
    Int,
}

/// A `strmMeta` field the server sets, and the kinds of its union's branches where the
/// schema declares a union there (`["null", "string"]`): a value goes in the branch of
/// its kind.
#[derive(Debug, Clone)]
pub struct MetaField {
    pub path: FieldPath,
    pub branches: Option<Vec<SchemaKind>>,
}

impl MetaField {
    fn find(avro: &AvroSchema, name: &str) -> MetaField {
        let text = format!("strmMeta/{name}");
        let branches = match field_schema(avro, &FieldPath::parse(&text)) {
            Some(AvroSchema::Union(u)) => Some(u.variants().iter().map(SchemaKind::from).collect()),
            _ => None,
        };
        MetaField {
            // Where the schema lacks the field, the unresolved path finds nothing to set.
            path: FieldPath::resolve(avro, &text).unwrap_or_else(|| FieldPath::parse(&text)),
            branches,
        }
    }
}

/// The `strmMeta` fields every event is read or filled at, found once per schema.
#[derive(Debug, Clone)]
pub struct MetaFields {
    pub schema_id: FieldPath,
    pub consent_levels: FieldPath,
    pub nonce: MetaField,
    pub timestamp: MetaField,
    pub key_link: MetaField,
    pub billing_id: MetaField,
}

impl MetaFields {
    fn find(avro: &AvroSchema) -> MetaFields {
        let read = |name: &str| MetaField::find(avro, name).path;
        MetaFields {
            schema_id: read("schemaId"),
            consent_levels: read("consentLevels"),
            nonce: MetaField::find(avro, "nonce"),
            timestamp: MetaField::find(avro, "timestamp"),
            key_link: MetaField::find(avro, "keyLink"),
            billing_id: MetaField::find(avro, "billingId"),
        }
    }
}

#[derive(Debug)]
pub struct EventSchema {
    pub id: String,
    pub avro: AvroSchema,
    pub key_field: FieldPath,
    /// PII fields with their consent level, sorted by path for a stable order.
    pub pii: Vec<(FieldPath, u32)>,
    pub validations: Vec<Validation>,
    pub key_link: KeyLinkKind,
    pub meta: MetaFields,
}

#[derive(Debug, thiserror::Error)]
#[error("schema {id}: {problem}")]
pub struct SchemaError {
    pub id: String,
    pub problem: String,
}

impl EventSchema {
    pub fn parse(id: &str, avsc: &str, contract: &str) -> Result<EventSchema, SchemaError> {
        let fail = |problem: String| SchemaError {
            id: id.to_owned(),
            problem,
        };
        let avro = AvroSchema::parse_str(avsc).map_err(|e| fail(format!("bad .avsc: {e}")))?;
        let contract: ContractFile =
            serde_json::from_str(contract).map_err(|e| fail(format!("bad contract: {e}")))?;
        let AvroSchema::Record(record) = &avro else {
            return Err(fail("the .avsc is not a record".into()));
        };
        if let Some(declared) = record.attributes.get("strmSchemaId")
            && declared.as_str() != Some(id)
        {
            return Err(fail(format!(
                "strmSchemaId {declared} differs from the file name"
            )));
        }
        let must_exist = |text: &str| {
            FieldPath::resolve(&avro, text)
                .ok_or_else(|| fail(format!("contract names {text}, which the schema lacks")))
        };
        let key_field = must_exist(&contract.key_field)?;
        let mut pii: Vec<(String, u32)> = contract.pii_fields.into_iter().collect();
        pii.sort_by(|a, b| a.0.split('/').cmp(b.0.split('/')));
        let pii = pii
            .into_iter()
            .map(|(p, l)| Ok((must_exist(&p)?, l)))
            .collect::<Result<Vec<_>, _>>()?;
        let validations = contract
            .validations
            .into_iter()
            .map(|v| {
                if v.kind != "regex" {
                    return Err(fail(format!("validation type {:?} is unknown", v.kind)));
                }
                let field = must_exist(&v.field)?;
                let regex = Regex::new(&v.value)
                    .map_err(|e| fail(format!("regex for {}: {e}", v.field)))?;
                Ok(Validation { field, regex })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let key_link = match field_schema(&avro, &FieldPath::parse("strmMeta/keyLink")) {
            Some(AvroSchema::Int) => KeyLinkKind::Int,
            Some(_) => KeyLinkKind::String,
            None => return Err(fail("strmMeta has no keyLink".into())),
        };
        let meta = MetaFields::find(&avro);
        Ok(EventSchema {
            id: id.to_owned(),
            avro,
            key_field,
            pii,
            validations,
            key_link,
            meta,
        })
    }
}

/// The schema of the field at `path`, looking through nullable unions.
pub fn field_schema<'a>(schema: &'a AvroSchema, path: &FieldPath) -> Option<&'a AvroSchema> {
    let mut current = schema;
    for segment in path.segments() {
        current = strip_union(current);
        let AvroSchema::Record(record) = current else {
            return None;
        };
        current = &record.fields[*record.lookup.get(segment)?].schema;
    }
    Some(current)
}

fn strip_union(schema: &AvroSchema) -> &AvroSchema {
    match schema {
        AvroSchema::Union(u) => u
            .variants()
            .iter()
            .find(|s| !matches!(s, AvroSchema::Null))
            .unwrap_or(schema),
        other => other,
    }
}

/// Every schema the server knows, by id.
#[derive(Debug, Clone)]
pub struct SchemaRegistry {
    schemas: Arc<HashMap<String, Arc<EventSchema>>>,
}

impl SchemaRegistry {
    /// The schemas shipped in `assets/schemas/`.
    pub fn embedded() -> Result<SchemaRegistry, SchemaError> {
        Self::from_sources(
            embedded::EMBEDDED
                .iter()
                .map(|(id, avsc, contract)| (*id, *avsc, *contract)),
        )
    }

    pub fn from_sources<'a>(
        sources: impl IntoIterator<Item = (&'a str, &'a str, &'a str)>,
    ) -> Result<SchemaRegistry, SchemaError> {
        let schemas = sources
            .into_iter()
            .map(|(id, avsc, contract)| {
                Ok((
                    id.to_owned(),
                    Arc::new(EventSchema::parse(id, avsc, contract)?),
                ))
            })
            .collect::<Result<HashMap<_, _>, SchemaError>>()?;
        Ok(SchemaRegistry {
            schemas: Arc::new(schemas),
        })
    }

    pub fn get(&self, id: &str) -> Option<&Arc<EventSchema>> {
        self.schemas.get(id)
    }

    /// Known ids, sorted, for messages that list them.
    pub fn ids(&self) -> Vec<&str> {
        let mut ids: Vec<&str> = self.schemas.keys().map(String::as_str).collect();
        ids.sort_unstable();
        ids
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_names(schema: &AvroSchema) -> Vec<String> {
        match schema {
            AvroSchema::Record(r) => r.fields.iter().map(|f| f.name.clone()).collect(),
            _ => vec![],
        }
    }

    #[test]
    fn both_shipped_schemas_load_with_their_contracts() {
        let reg = SchemaRegistry::embedded().unwrap();
        assert_eq!(reg.ids(), vec!["clickstream", "nps_unified_v1"]);
        let click = reg.get("clickstream").unwrap();
        assert_eq!(click.key_field.to_string(), "producerSessionId");
        assert_eq!(click.key_link, KeyLinkKind::String);
        let pii: Vec<(String, u32)> = click.pii.iter().map(|(p, l)| (p.to_string(), *l)).collect();
        assert_eq!(
            pii,
            vec![("customer/id".into(), 0), ("producerSessionId".into(), 1)]
        );
        assert_eq!(click.validations.len(), 2);
        let nps = reg.get("nps_unified_v1").unwrap();
        assert_eq!(nps.key_link, KeyLinkKind::Int);
        assert_eq!(nps.key_field.to_string(), "session_id");
    }

    #[test]
    fn field_order_is_the_readme_order() {
        let reg = SchemaRegistry::embedded().unwrap();
        assert_eq!(
            field_names(&reg.get("clickstream").unwrap().avro),
            [
                "strmMeta",
                "producerSessionId",
                "url",
                "eventType",
                "referrer",
                "userAgent",
                "conversion",
                "customer",
                "abTests"
            ]
        );
        let nps = field_names(&reg.get("nps_unified_v1").unwrap().avro);
        assert_eq!(nps.len(), 28);
        assert_eq!(
            &nps[..4],
            ["strmMeta", "brand_source", "platform", "os"].map(String::from)
        );
        assert_eq!(nps[27], "followable_action");
        let meta = field_schema(
            &reg.get("nps_unified_v1").unwrap().avro,
            &FieldPath::parse("strmMeta"),
        )
        .unwrap();
        assert_eq!(
            field_names(meta),
            [
                "schemaId",
                "nonce",
                "timestamp",
                "keyLink",
                "billingId",
                "consentLevels"
            ]
        );
    }

    #[test]
    fn paths_and_meta_fields_are_resolved_once_at_load() {
        let reg = SchemaRegistry::embedded().unwrap();
        let click = reg.get("clickstream").unwrap();
        let steps: Vec<_> = click.pii[0].0.steps().collect();
        assert_eq!(steps, [("customer", Some(7)), ("id", Some(0))]);
        assert_eq!(click.pii[0].0, FieldPath::parse("customer/id"));
        assert!(FieldPath::resolve(&click.avro, "customer/name").is_none());
        let meta = &click.meta;
        assert_eq!(meta.consent_levels.to_string(), "strmMeta/consentLevels");
        assert_eq!(
            meta.consent_levels.steps().collect::<Vec<_>>(),
            [("strmMeta", Some(0)), ("consentLevels", Some(5))]
        );
        assert_eq!(
            meta.key_link.branches,
            Some(vec![SchemaKind::Null, SchemaKind::String])
        );
        assert_eq!(meta.nonce.branches, None);
        let nps = reg.get("nps_unified_v1").unwrap();
        assert_eq!(nps.meta.key_link.branches, None);
        assert_eq!(nps.meta.timestamp.path.to_string(), "strmMeta/timestamp");
    }

    #[test]
    fn a_contract_naming_a_missing_field_is_refused() {
        let avsc = r#"{"type":"record","name":"E","fields":[{"name":"strmMeta","type":
            {"type":"record","name":"M","fields":[{"name":"keyLink","type":"string"}]}},
            {"name":"a","type":"string"}]}"#;
        let ok = EventSchema::parse("e", avsc, r#"{"keyField":"a","piiFields":{"a":0}}"#);
        assert!(ok.is_ok(), "{ok:?}");
        let err =
            EventSchema::parse("e", avsc, r#"{"keyField":"a","piiFields":{"b":0}}"#).unwrap_err();
        assert!(err.to_string().contains("names b"), "{err}");
    }

    #[test]
    fn a_new_schema_is_only_data() {
        let avsc = r#"{"type":"record","name":"E","strmSchemaId":"extra","fields":[
            {"name":"strmMeta","type":{"type":"record","name":"M","fields":[
              {"name":"keyLink","type":["null","string"]}]}},
            {"name":"who","type":"string"}]}"#;
        let reg = SchemaRegistry::from_sources([(
            "extra",
            avsc,
            r#"{"keyField":"who","piiFields":{"who":2}}"#,
        )])
        .unwrap();
        assert_eq!(reg.get("extra").unwrap().pii[0].1, 2);
    }
}
