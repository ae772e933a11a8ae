//! The event schemas the server knows: an Avro record or a JSON Schema plus a contract
//! (key field, data-subject field, PII fields with their consent level, validation
//! regexes), compiled once into what every event needs: field positions, PII paths,
//! regexes. The built-ins are read from the data files in `assets/schemas/` that
//! `build.rs` embeds (adding one is adding two files); accounts' own contracts are
//! compiled from the API by `contracts::compile`.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use apache_avro::Schema as AvroSchema;
use apache_avro::schema::SchemaKind;
use regex::Regex;
use serde::Deserialize;

use super::contracts::compile::{self, Terms};
pub use super::field_path::{FieldPath, field_schema};
use strm_model::{
    ContractRef, ContractState, ContractValidation, DataContract, SchemaType, ValidationType,
};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded_schemas.rs"));
}

/// A built-in's contract file as written (`<id>.contract.json`).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ContractFile {
    /// The public ref it is listed under (`streammachine/clickstream/1.0.0`).
    #[serde(rename = "ref")]
    reference: String,
    key_field: String,
    #[serde(default)]
    pii_fields: BTreeMap<String, u32>,
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

    fn by_name(name: &str) -> MetaField {
        MetaField {
            path: FieldPath::parse(&format!("strmMeta/{name}")),
            branches: None,
        }
    }
}

/// Where an event names its contract: the built-ins' `strmMeta.schemaId`, a contract's
/// `strmMeta.eventContractRef`.
pub const SCHEMA_ID_FIELD: &str = "schemaId";
pub const CONTRACT_REF_FIELD: &str = "eventContractRef";

/// The `strmMeta` fields every event is read or filled at, found once per schema.
#[derive(Debug, Clone)]
pub struct MetaFields {
    /// `strmMeta/schemaId` (built-ins) or `strmMeta/eventContractRef` (contracts).
    pub contract_ref: MetaField,
    pub consent_levels: FieldPath,
    pub nonce: MetaField,
    pub timestamp: MetaField,
    pub key_link: MetaField,
    pub billing_id: MetaField,
}

impl MetaFields {
    pub(crate) fn find(avro: &AvroSchema, ref_field: &str) -> MetaFields {
        MetaFields {
            contract_ref: MetaField::find(avro, ref_field),
            consent_levels: MetaField::find(avro, "consentLevels").path,
            nonce: MetaField::find(avro, "nonce"),
            timestamp: MetaField::find(avro, "timestamp"),
            key_link: MetaField::find(avro, "keyLink"),
            billing_id: MetaField::find(avro, "billingId"),
        }
    }

    /// For events read by name (JSON Schema contracts), whose `strmMeta` the reader
    /// completes with every field in place (`json_event::complete_meta`).
    pub(crate) fn by_name() -> MetaFields {
        MetaFields {
            contract_ref: MetaField::by_name(CONTRACT_REF_FIELD),
            consent_levels: MetaField::by_name("consentLevels").path,
            nonce: MetaField::by_name("nonce"),
            timestamp: MetaField::by_name("timestamp"),
            key_link: MetaField::by_name("keyLink"),
            billing_id: MetaField::by_name("billingId"),
        }
    }
}

/// What an event of a schema is read and checked with.
pub enum EventFormat {
    /// An Avro record: events in Avro binary, Avro-JSON or plain JSON.
    Avro(AvroSchema),
    /// A JSON Schema document: plain JSON events, validated by it.
    JsonSchema(Box<super::json_event::EventValidator>),
}

impl std::fmt::Debug for EventFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EventFormat::Avro(a) => f.debug_tuple("Avro").field(&a.name()).finish(),
            EventFormat::JsonSchema(_) => f.write_str("JsonSchema"),
        }
    }
}

#[derive(Debug)]
pub struct EventSchema {
    /// What stored events and keys name it by: a built-in's id (`clickstream`), a
    /// contract's ref (`acme/checkout/1.0.0`).
    pub id: String,
    pub reference: ContractRef,
    pub format: EventFormat,
    pub key_field: FieldPath,
    /// The field naming the person an event is about, when the contract has one.
    pub subject_field: Option<FieldPath>,
    /// PII fields with their consent level, sorted by path for a stable order.
    pub pii: Vec<(FieldPath, u32)>,
    pub validations: Vec<Validation>,
    pub key_link: KeyLinkKind,
    pub meta: MetaFields,
    /// Contracts let the sender leave `eventContractRef` empty and fill it; the built-ins
    /// insist on `schemaId`, as the 2021 gateway did.
    pub fills_ref: bool,
}

#[derive(Debug, thiserror::Error)]
#[error("schema {id}: {problem}")]
pub struct SchemaError {
    pub id: String,
    pub problem: String,
}

impl EventSchema {
    /// The Avro schema of an Avro-format schema.
    pub fn avro(&self) -> Option<&AvroSchema> {
        match &self.format {
            EventFormat::Avro(a) => Some(a),
            EventFormat::JsonSchema(_) => None,
        }
    }

    /// A built-in: its `.avsc` and its contract file.
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
        let reference: ContractRef = contract
            .reference
            .parse()
            .map_err(|e| fail(format!("bad ref: {e}")))?;
        let validations = contract
            .validations
            .into_iter()
            .map(|v| {
                if !v.kind.eq_ignore_ascii_case("regex") {
                    return Err(fail(format!("validation type {:?} is unknown", v.kind)));
                }
                Ok(ContractValidation {
                    field: v.field,
                    kind: ValidationType::Regex,
                    value: v.value,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let terms = Terms {
            key_field: contract.key_field,
            subject_field: None,
            pii_fields: contract.pii_fields,
            validations,
        };
        compile::avro_schema(id, reference, avro, &terms, SCHEMA_ID_FIELD)
            .map_err(|e| fail(e.to_string()))
    }
}

/// Every built-in schema, by id, with the public contracts they are listed as.
#[derive(Debug, Clone)]
pub struct SchemaRegistry {
    schemas: Arc<HashMap<String, Arc<EventSchema>>>,
    /// Built-in ids by their public ref (`streammachine/clickstream/1.0.0`).
    refs: Arc<HashMap<String, String>>,
    public: Arc<Vec<DataContract>>,
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
        let mut schemas = HashMap::new();
        let mut refs = HashMap::new();
        let mut public = Vec::new();
        for (id, avsc, contract) in sources {
            let schema = EventSchema::parse(id, avsc, contract)?;
            refs.insert(schema.reference.to_string(), id.to_owned());
            public.push(public_contract(&schema, avsc));
            schemas.insert(id.to_owned(), Arc::new(schema));
        }
        public.sort_by(|a, b| a.reference.cmp(&b.reference));
        Ok(SchemaRegistry {
            schemas: Arc::new(schemas),
            refs: Arc::new(refs),
            public: Arc::new(public),
        })
    }

    pub fn get(&self, id: &str) -> Option<&Arc<EventSchema>> {
        self.schemas.get(id)
    }

    /// A built-in by its public ref.
    pub fn by_ref(&self, reference: &str) -> Option<&Arc<EventSchema>> {
        self.schemas.get(self.refs.get(reference)?)
    }

    /// The built-ins as the contracts API lists them.
    pub fn public_contracts(&self) -> &[DataContract] {
        &self.public
    }

    /// Known ids, sorted, for messages that list them.
    pub fn ids(&self) -> Vec<&str> {
        let mut ids: Vec<&str> = self.schemas.keys().map(String::as_str).collect();
        ids.sort_unstable();
        ids
    }
}

/// A built-in as a public contract.
fn public_contract(schema: &EventSchema, avsc: &str) -> DataContract {
    DataContract {
        reference: schema.reference.clone(),
        schema_type: SchemaType::Avro,
        schema: avsc.trim().to_owned(),
        key_field: schema.key_field.to_string(),
        data_subject_field: schema.subject_field.as_ref().map(FieldPath::to_string),
        pii_fields: schema
            .pii
            .iter()
            .map(|(p, l)| (p.to_string(), *l))
            .collect(),
        validations: schema
            .validations
            .iter()
            .map(|v| ContractValidation {
                field: v.field.to_string(),
                kind: ValidationType::Regex,
                value: v.regex.as_str().to_owned(),
            })
            .collect(),
        state: ContractState::Active,
        public: true,
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
            field_names(reg.get("clickstream").unwrap().avro().unwrap()),
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
        let nps = field_names(reg.get("nps_unified_v1").unwrap().avro().unwrap());
        assert_eq!(nps.len(), 28);
        assert_eq!(
            &nps[..4],
            ["strmMeta", "brand_source", "platform", "os"].map(String::from)
        );
        assert_eq!(nps[27], "followable_action");
        let meta = field_schema(
            reg.get("nps_unified_v1").unwrap().avro().unwrap(),
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
        assert!(FieldPath::resolve(click.avro().unwrap(), "customer/name").is_none());
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
            {"type":"record","name":"M","fields":[{"name":"schemaId","type":"string"},
            {"name":"keyLink","type":"string"},
            {"name":"consentLevels","type":{"type":"array","items":"int"}}]}},
            {"name":"a","type":"string"}]}"#;
        let contract =
            |pii: &str| format!(r#"{{"ref":"x/e/1.0.0","keyField":"a","piiFields":{pii}}}"#);
        let ok = EventSchema::parse("e", avsc, &contract(r#"{"a":0}"#));
        assert!(ok.is_ok(), "{ok:?}");
        let err = EventSchema::parse("e", avsc, &contract(r#"{"b":0}"#)).unwrap_err();
        assert!(err.to_string().contains("names \"b\""), "{err}");
    }

    #[test]
    fn a_new_schema_is_only_data() {
        let avsc = r#"{"type":"record","name":"E","strmSchemaId":"extra","fields":[
            {"name":"strmMeta","type":{"type":"record","name":"M","fields":[
              {"name":"schemaId","type":"string"},
              {"name":"keyLink","type":["null","string"]},
              {"name":"consentLevels","type":{"type":"array","items":"int"}}]}},
            {"name":"who","type":"string"}]}"#;
        let reg = SchemaRegistry::from_sources([(
            "extra",
            avsc,
            r#"{"ref":"someone/extra/1.0.0","keyField":"who","piiFields":{"who":2}}"#,
        )])
        .unwrap();
        assert_eq!(reg.get("extra").unwrap().pii[0].1, 2);
        assert_eq!(reg.by_ref("someone/extra/1.0.0").unwrap().id, "extra");
        assert_eq!(reg.public_contracts()[0].key_field, "who");
    }
}
