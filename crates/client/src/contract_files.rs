//! Reading a data contract's files for the CLI's `data-contracts create` and the
//! console's create form: the schema file (an Avro record schema or a JSON Schema) and the
//! contract file (`keyField`, `dataSubjectField`, `piiFields`, `validations`). Every
//! problem names the file, before anything is sent.

use std::path::Path;

use super::ClientError;
use super::sink_credentials::expand_home;
use strm_model::{ContractRef, ContractTerms, DataContractCreate, Invalid, SchemaType};

const CONTRACT_FILE_RULE: &str = "a contract file is a JSON object with keyField and optionally \
     dataSubjectField, piiFields ({\"path\": level}) and validations \
     ([{\"field\", \"type\": \"REGEX\", \"value\"}])";
const SCHEMA_FILE_RULE: &str =
    "a schema file is an Avro record schema (.avsc) or a JSON Schema document, as JSON";

fn read(path: &Path, what: &str) -> Result<String, ClientError> {
    let path = expand_home(path);
    std::fs::read_to_string(&path).map_err(|e| ClientError::File {
        path: path.clone(),
        reason: format!("cannot read the {what}: {e}"),
    })
}

/// The schema type a schema's text says it is: an Avro record (`"type": "record"`), else
/// a JSON Schema.
pub fn detect_schema_type(text: &str) -> SchemaType {
    let json: serde_json::Value = serde_json::from_str(text).unwrap_or_default();
    if json.get("type").and_then(|t| t.as_str()) == Some("record") {
        SchemaType::Avro
    } else {
        SchemaType::JsonSchema
    }
}

/// A schema file's text and its type (`schema_type`, or what the text says).
pub fn read_schema_file(
    path: &Path,
    schema_type: Option<SchemaType>,
) -> Result<(String, SchemaType), ClientError> {
    let text = read(path, "schema file")?;
    if let Err(e) = serde_json::from_str::<serde_json::Value>(&text) {
        return Err(Invalid::new(
            "schema file",
            format!("{}: is not JSON ({e})", path.display()),
            SCHEMA_FILE_RULE,
        )
        .into());
    }
    let schema_type = schema_type.unwrap_or_else(|| detect_schema_type(&text));
    Ok((text, schema_type))
}

/// A contract file's terms, checked against the rules that hold without the schema.
pub fn read_contract_file(path: &Path) -> Result<ContractTerms, ClientError> {
    let text = read(path, "contract file")?;
    let de = &mut serde_json::Deserializer::from_str(&text);
    let terms: ContractTerms = serde_path_to_error::deserialize(de).map_err(|e| {
        let at = e.path().to_string();
        let problem = match at.as_str() {
            "." | "" => format!("{}: {}", path.display(), e.inner()),
            _ => format!("{}: {at}: {}", path.display(), e.inner()),
        };
        Invalid::new("contract file", problem, CONTRACT_FILE_RULE)
    })?;
    terms.validate().map_err(|e| {
        Invalid::new(
            "contract file",
            format!("{}: {}: {}", path.display(), e.field, e.problem),
            e.rule,
        )
    })?;
    Ok(terms)
}

/// Both files as one contract to register under `reference`.
pub fn read_contract(
    reference: ContractRef,
    schema_file: &Path,
    schema_type: Option<SchemaType>,
    contract_file: &Path,
) -> Result<DataContractCreate, ClientError> {
    let (schema, schema_type) = read_schema_file(schema_file, schema_type)?;
    let terms = read_contract_file(contract_file)?;
    let create = DataContractCreate::new(reference, schema_type, schema, terms);
    create.validate()?;
    Ok(create)
}

#[cfg(test)]
mod tests {
    use super::*;
    use strm_testkit::Scratch;

    #[test]
    fn problems_name_the_file_and_types_are_detected() {
        let dir = Scratch::new();
        let schema = dir.file(
            "checkout.avsc",
            r#"{"type": "record", "name": "C", "fields": []}"#,
        );
        let contract = dir.file(
            "checkout.contract.json",
            r#"{"keyField": "id", "piiFields": {"id": 1}}"#,
        );
        let r: ContractRef = "acme/checkout/1.0.0".parse().unwrap();
        let c = read_contract(r.clone(), &schema, None, &contract).unwrap();
        assert_eq!(c.schema_type, SchemaType::Avro);
        assert_eq!(c.pii_fields["id"], 1);

        let err = read_contract(r.clone(), &dir.path("nope.avsc"), None, &contract).unwrap_err();
        assert!(matches!(err, ClientError::File { .. }) && err.to_string().contains("nope.avsc"));
        std::fs::write(
            &contract,
            r#"{"keyField": "id", "piiFields": {"id": "one"}}"#,
        )
        .unwrap();
        let err = read_contract(r.clone(), &schema, None, &contract)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("checkout.contract.json") && err.contains("piiFields.id"),
            "{err}"
        );
        std::fs::write(&contract, r#"{"keyField": "id", "piiField": {}}"#).unwrap();
        let err = read_contract(r.clone(), &schema, None, &contract)
            .unwrap_err()
            .to_string();
        assert!(err.contains("piiField"), "{err}");
        std::fs::write(&schema, "{not json").unwrap();
        let err = read_contract(r, &schema, None, &contract)
            .unwrap_err()
            .to_string();
        assert!(err.contains("checkout.avsc: is not JSON"), "{err}");
        assert_eq!(
            detect_schema_type(r#"{"type": "object", "properties": {}}"#),
            SchemaType::JsonSchema
        );
    }
}
