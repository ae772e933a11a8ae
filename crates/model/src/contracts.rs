//! Data contracts and data subjects (`shared/spec/data-contracts.md`): an account's own
//! event definitions (a schema plus the terms that say which field keys the encryption,
//! which fields are personal data at which level and which values are valid), and the
//! people whose keys can be destroyed.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::rules::{self, Invalid};

/// The handle of the built-in, public contracts; no account may publish under it.
pub const PUBLIC_HANDLE: &str = "streammachine";

/// `handle/name/version`, e.g. `acme/checkout/1.0.0`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ContractRef {
    pub handle: String,
    pub name: String,
    pub version: String,
}

impl ContractRef {
    pub fn new(handle: &str, name: &str, version: &str) -> ContractRef {
        ContractRef {
            handle: handle.into(),
            name: name.into(),
            version: version.into(),
        }
    }

    pub fn validate(&self) -> Result<(), Invalid> {
        rules::check_contract_ref(self)
    }

    pub fn is_public(&self) -> bool {
        self.handle == PUBLIC_HANDLE
    }
}

impl std::fmt::Display for ContractRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}/{}", self.handle, self.name, self.version)
    }
}

/// Reads `handle/name/version` and checks every part against its rule.
impl std::str::FromStr for ContractRef {
    type Err = Invalid;

    fn from_str(text: &str) -> Result<ContractRef, Invalid> {
        let parts: Vec<&str> = text.trim().split('/').collect();
        let [handle, name, version] = parts[..] else {
            return Err(Invalid::new(
                "ref",
                format!("{text:?} is not handle/name/version"),
                rules::CONTRACT_REF_RULE,
            ));
        };
        let r = ContractRef::new(handle, name, version);
        r.validate()?;
        Ok(r)
    }
}

wire_enum! {
    /// The language of a contract's schema.
    pub enum SchemaType: "schemaType", "a schema type", "it is AVRO or JSON_SCHEMA",
        "SCREAMING_SNAKE_CASE" {
        #[default]
        Avro,
        JsonSchema,
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum ContractState {
    #[default]
    Active,
    Archived,
}

impl ContractState {
    pub fn as_str(self) -> &'static str {
        match self {
            ContractState::Active => "ACTIVE",
            ContractState::Archived => "ARCHIVED",
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum ValidationType {
    #[default]
    Regex,
}

/// A value check: the string at `field` must match the regex `value`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContractValidation {
    pub field: String,
    #[serde(rename = "type")]
    pub kind: ValidationType,
    pub value: String,
}

/// What a contract file holds (`data-contracts create --contract-file`): everything of a
/// contract but its ref and its schema. Levels are signed so that a negative one gets
/// the rule's message rather than a parser's.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ContractTerms {
    pub key_field: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_subject_field: Option<String>,
    #[serde(default)]
    pub pii_fields: BTreeMap<String, i64>,
    #[serde(default)]
    pub validations: Vec<ContractValidation>,
}

impl ContractTerms {
    /// The rules a contract's terms follow without looking at its schema.
    pub fn validate(&self) -> Result<(), Invalid> {
        rules::check_field_path("keyField", &self.key_field)?;
        if let Some(d) = &self.data_subject_field {
            rules::check_field_path("dataSubjectField", d)?;
        }
        for (path, level) in &self.pii_fields {
            rules::check_field_path(&format!("piiFields/{path}"), path)?;
            rules::check_consent_level(&format!("piiFields/{path}"), *level)?;
        }
        for (i, v) in self.validations.iter().enumerate() {
            rules::check_field_path(&format!("validations/{i}/field"), &v.field)?;
            rules::check_validation_regex(&format!("validations/{i}/value"), &v.value)?;
        }
        Ok(())
    }
}

/// `PUT /v1/data-contracts`. The schema is sent as a string, like sink credentials. An
/// unknown field is refused: a misspelt `piiFields` must not register a contract that
/// encrypts nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DataContractCreate {
    #[serde(rename = "ref")]
    pub reference: ContractRef,
    #[serde(default)]
    pub schema_type: SchemaType,
    pub schema: String,
    pub key_field: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_subject_field: Option<String>,
    #[serde(default)]
    pub pii_fields: BTreeMap<String, i64>,
    #[serde(default)]
    pub validations: Vec<ContractValidation>,
}

impl DataContractCreate {
    pub fn new(
        reference: ContractRef,
        schema_type: SchemaType,
        schema: String,
        terms: ContractTerms,
    ) -> DataContractCreate {
        DataContractCreate {
            reference,
            schema_type,
            schema,
            key_field: terms.key_field,
            data_subject_field: terms.data_subject_field,
            pii_fields: terms.pii_fields,
            validations: terms.validations,
        }
    }

    /// Everything but the ref and the schema, as a contract file holds it.
    pub fn terms(&self) -> ContractTerms {
        ContractTerms {
            key_field: self.key_field.clone(),
            data_subject_field: self.data_subject_field.clone(),
            pii_fields: self.pii_fields.clone(),
            validations: self.validations.clone(),
        }
    }

    /// Every rule that holds without parsing the schema (the server checks the rest).
    pub fn validate(&self) -> Result<(), Invalid> {
        self.reference.validate()?;
        rules::check_schema_text(&self.schema)?;
        self.terms().validate()
    }
}

/// `GET /v1/data-contracts[/{handle}/{name}/{version}]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DataContract {
    #[serde(rename = "ref")]
    pub reference: ContractRef,
    pub schema_type: SchemaType,
    pub schema: String,
    pub key_field: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_subject_field: Option<String>,
    #[serde(default)]
    pub pii_fields: BTreeMap<String, u32>,
    #[serde(default)]
    pub validations: Vec<ContractValidation>,
    pub state: ContractState,
    pub public: bool,
}

/// One row of `GET /v1/data-subjects`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DataSubject {
    pub id: String,
    /// How many keys hold this person's personal data.
    pub key_links: u64,
    /// When an event about this person last arrived, epoch milliseconds.
    pub last_seen: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DataSubjectPage {
    pub data_subjects: Vec<DataSubject>,
    /// Pass as `after` for the next page; absent on the last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// `DELETE /v1/data-subjects`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DataSubjectsDelete {
    pub data_subjects: Vec<String>,
}

impl DataSubjectsDelete {
    pub fn validate(&self) -> Result<(), Invalid> {
        rules::check_data_subject_ids(&self.data_subjects)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DataSubjectsDeleted {
    pub deleted_key_links: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_contract_has_the_spec_shape() {
        let c = DataContract {
            reference: ContractRef::new("acme", "checkout", "1.0.0"),
            schema_type: SchemaType::Avro,
            schema: "{}".into(),
            key_field: "session_id".into(),
            data_subject_field: Some("customer/id".into()),
            pii_fields: [("customer/id".to_string(), 2), ("email".to_string(), 1)].into(),
            validations: vec![ContractValidation {
                field: "email".into(),
                kind: ValidationType::Regex,
                value: "^[^@]+@[^@]+$".into(),
            }],
            state: ContractState::Active,
            public: false,
        };
        assert_eq!(
            serde_json::to_value(&c).unwrap(),
            json!({"ref": {"handle": "acme", "name": "checkout", "version": "1.0.0"},
                "schemaType": "AVRO", "schema": "{}", "keyField": "session_id",
                "dataSubjectField": "customer/id", "piiFields": {"customer/id": 2, "email": 1},
                "validations": [{"field": "email", "type": "REGEX", "value": "^[^@]+@[^@]+$"}],
                "state": "ACTIVE", "public": false})
        );
    }

    #[test]
    fn a_create_reads_its_terms_flat() {
        let c: DataContractCreate = serde_json::from_value(json!({
            "ref": {"handle": "acme", "name": "checkout", "version": "1.0.0"},
            "schemaType": "JSON_SCHEMA", "schema": "{}", "keyField": "a",
            "piiFields": {"a": 1}}))
        .unwrap();
        assert_eq!(c.schema_type, SchemaType::JsonSchema);
        assert_eq!(c.pii_fields["a"], 1);
        c.validate().unwrap();
        let typo = serde_json::from_value::<DataContractCreate>(json!({
            "ref": {"handle": "acme", "name": "checkout", "version": "1.0.0"},
            "schema": "{}", "keyField": "a", "piiField": {"a": 1}}));
        assert!(typo.unwrap_err().to_string().contains("piiField"));
    }

    #[test]
    fn refs_parse_and_print_as_handle_name_version() {
        let r: ContractRef = "acme/checkout/1.0.0".parse().unwrap();
        assert_eq!(r.to_string(), "acme/checkout/1.0.0");
        for bad in [
            "acme/checkout",
            "acme/checkout/1.0",
            "Acme/x/1.0.0",
            "a/b/1.0.0/x",
        ] {
            assert!(bad.parse::<ContractRef>().is_err(), "{bad}");
        }
        let err = "acme/checkout/v1".parse::<ContractRef>().unwrap_err();
        assert_eq!(err.field, "ref/version");
    }

    #[test]
    fn schema_types_are_their_wire_names() {
        for t in SchemaType::ALL {
            assert_eq!(serde_json::to_value(t).unwrap(), t.as_str());
        }
        assert_eq!(
            "json_schema".parse::<SchemaType>().unwrap(),
            SchemaType::JsonSchema
        );
        assert!(
            "PROTOBUF"
                .parse::<SchemaType>()
                .unwrap_err()
                .to_string()
                .contains("AVRO")
        );
    }

    #[test]
    fn terms_name_the_field_that_breaks_a_rule() {
        let mut t = ContractTerms {
            key_field: "id".into(),
            ..Default::default()
        };
        t.pii_fields.insert("email".into(), 5000);
        assert_eq!(t.validate().unwrap_err().field, "piiFields/email");
        t.pii_fields.clear();
        t.validations.push(ContractValidation {
            field: "email".into(),
            kind: ValidationType::Regex,
            value: "(".into(),
        });
        let err = t.validate().unwrap_err();
        assert_eq!(err.field, "validations/0/value");
        assert!(err.problem.contains("does not compile"), "{err}");
        let unknown = serde_json::from_value::<ContractTerms>(json!({"keyField": "a", "pii": {}}));
        assert!(unknown.unwrap_err().to_string().contains("pii"));
    }
}
