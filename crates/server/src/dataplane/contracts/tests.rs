//! Compiling contracts: every way a contract can be wrong is a message naming the field
//! and the rule; a good one compiles to paths resolved once.

use super::compile::{self, Terms};
use crate::dataplane::schemas::EventFormat;
use strm_model::{ContractRef, ContractValidation, Invalid, SchemaType, ValidationType};

pub const CHECKOUT_AVSC: &str = r#"{"type":"record","name":"Checkout","namespace":"acme",
  "fields":[{"name":"session_id","type":"string"},
    {"name":"email","type":["null","string"],"default":null},
    {"name":"customer","type":{"type":"record","name":"Customer","fields":[
      {"name":"id","type":"string"},{"name":"tier","type":"int"}]}},
    {"name":"items","type":{"type":"array","items":"string"}}]}"#;

pub const SIGNUP_JSON_SCHEMA: &str = r#"{"$schema":"https://json-schema.org/draft/2020-12/schema",
  "type":"object","required":["session_id","email"],
  "properties":{"session_id":{"type":"string"},
    "email":{"type":"string","format":"email"},
    "age":{"type":"integer","minimum":0},
    "customer":{"type":"object","required":["id"],"properties":{"id":{"type":"string"}}}}}"#;

pub fn checkout_terms() -> Terms {
    Terms {
        key_field: "session_id".into(),
        subject_field: Some("customer/id".into()),
        pii_fields: [("customer/id".to_string(), 2), ("email".to_string(), 1)].into(),
        validations: vec![ContractValidation {
            field: "email".into(),
            kind: ValidationType::Regex,
            value: "^[^@]+@[^@]+$".into(),
        }],
    }
}

fn acme(name: &str) -> ContractRef {
    ContractRef::new("acme", name, "1.0.0")
}

fn refused(schema_type: SchemaType, schema: &str, terms: &Terms) -> Invalid {
    compile::contract(&acme("x"), schema_type, schema, terms)
        .map(|_| ())
        .unwrap_err()
}

#[test]
fn an_avro_contract_gets_the_standard_strm_meta_first_and_resolved_paths() {
    let (schema, text) = compile::contract(
        &acme("checkout"),
        SchemaType::Avro,
        CHECKOUT_AVSC,
        &checkout_terms(),
    )
    .unwrap();
    assert_eq!(schema.id, "acme/checkout/1.0.0");
    assert!(schema.fills_ref);
    let stored: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(stored["fields"][0]["name"], "strmMeta");
    assert_eq!(stored["fields"][1]["name"], "session_id");
    let pii: Vec<_> = schema
        .pii
        .iter()
        .map(|(p, l)| (p.to_string(), *l))
        .collect();
    assert_eq!(
        pii,
        [("customer/id".to_string(), 2), ("email".to_string(), 1)]
    );
    let steps: Vec<_> = schema.pii[0].0.steps().collect();
    assert_eq!(steps, [("customer", Some(3)), ("id", Some(0))]);
    assert_eq!(
        schema.meta.contract_ref.path.to_string(),
        "strmMeta/eventContractRef"
    );
    assert_eq!(
        schema.subject_field.as_ref().unwrap().to_string(),
        "customer/id"
    );
    // Compiling the stored text again changes nothing: strmMeta is there now.
    let (_, again) = compile::contract(
        &acme("checkout"),
        SchemaType::Avro,
        &text,
        &checkout_terms(),
    )
    .unwrap();
    assert_eq!(again, text);
}

#[test]
fn a_json_schema_contract_compiles_and_keeps_the_schema_strm_meta() {
    let terms = Terms {
        key_field: "session_id".into(),
        subject_field: Some("customer/id".into()),
        pii_fields: [("email".to_string(), 1)].into(),
        validations: vec![],
    };
    let (schema, text) = compile::contract(
        &acme("signup"),
        SchemaType::JsonSchema,
        SIGNUP_JSON_SCHEMA,
        &terms,
    )
    .unwrap();
    assert!(matches!(schema.format, EventFormat::JsonSchema(_)));
    let stored: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        stored["properties"]["strmMeta"]["properties"]["consentLevels"]["type"],
        "array"
    );
}

#[test]
fn every_bad_contract_names_its_field_and_rule() {
    let avro = SchemaType::Avro;
    let t = checkout_terms();
    let err = refused(avro, "{\"type\": \"record\",", &t);
    assert_eq!(err.field, "schema");
    assert!(
        err.problem.contains("is not JSON") && err.problem.contains("line"),
        "{err}"
    );
    let err = refused(
        avro,
        r#"{"type":"record","name":"X","fields":[{"name":"a","type":"strng"}]}"#,
        &t,
    );
    assert!(err.problem.contains("is not a valid Avro schema"), "{err}");
    let err = refused(avro, r#"{"type":"enum","name":"X","symbols":["A"]}"#, &t);
    assert!(err.problem.contains("is not an Avro record"), "{err}");

    let mut missing_key = checkout_terms();
    missing_key.key_field = "session".into();
    let err = refused(avro, CHECKOUT_AVSC, &missing_key);
    assert_eq!(err.field, "keyField");
    assert!(
        err.problem.contains("\"session\", which the schema lacks"),
        "{err}"
    );
    assert!(err.rule.contains("required string field"), "{err}");

    let mut int_key = checkout_terms();
    int_key.key_field = "customer/tier".into();
    let err = refused(avro, CHECKOUT_AVSC, &int_key);
    assert_eq!(
        err.to_string(),
        format!(
            "keyField: \"customer/tier\" is a field of type int; {}",
            strm_model::rules::KEY_FIELD_RULE
        )
    );

    let mut nullable_key = checkout_terms();
    nullable_key.key_field = "email".into();
    assert_eq!(
        refused(avro, CHECKOUT_AVSC, &nullable_key).field,
        "keyField"
    );

    let mut pii_absent = checkout_terms();
    pii_absent.pii_fields.insert("phone".into(), 1);
    let err = refused(avro, CHECKOUT_AVSC, &pii_absent);
    assert_eq!(err.field, "piiFields/phone");

    let mut pii_int = checkout_terms();
    pii_int.pii_fields.insert("customer/tier".into(), 1);
    assert_eq!(
        refused(avro, CHECKOUT_AVSC, &pii_int).field,
        "piiFields/customer/tier"
    );

    let mut bad_regex = checkout_terms();
    bad_regex.validations[0].value = "^[a-".into();
    let err = refused(avro, CHECKOUT_AVSC, &bad_regex);
    assert_eq!(err.field, "validations/0/value");
    assert!(err.problem.contains("does not compile"), "{err}");

    let mut validation_absent = checkout_terms();
    validation_absent.validations[0].field = "mail".into();
    assert_eq!(
        refused(avro, CHECKOUT_AVSC, &validation_absent).field,
        "validations/0/field"
    );

    let mut subject_absent = checkout_terms();
    subject_absent.subject_field = Some("person".into());
    assert_eq!(
        refused(avro, CHECKOUT_AVSC, &subject_absent).field,
        "dataSubjectField"
    );
}

#[test]
fn bad_json_schema_contracts_name_their_field() {
    let js = SchemaType::JsonSchema;
    let terms = Terms {
        key_field: "session_id".into(),
        ..Default::default()
    };
    let err = refused(js, r#"{"type": 12}"#, &terms);
    assert_eq!(err.field, "schema");
    assert!(err.problem.contains("is not a valid JSON Schema"), "{err}");
    let err = refused(
        js,
        r#"{"$schema":"http://json-schema.org/draft-04/schema#"}"#,
        &terms,
    );
    assert!(err.problem.contains("draft"), "{err}");
    // Not required: a key field must be in every event.
    let optional = r#"{"type":"object","properties":{"session_id":{"type":"string"}}}"#;
    let err = refused(js, optional, &terms);
    assert_eq!(err.field, "keyField");
    assert!(err.problem.contains("optional"), "{err}");
    let number = r#"{"type":"object","required":["session_id"],"properties":{"session_id":{"type":"number"}}}"#;
    assert!(refused(js, number, &terms).problem.contains("number"));
}
