//! Compiling a contract once into what every event of it needs (`EventSchema`): the
//! schema parsed by its own parser (`apache-avro`, `jsonschema`), with the standard
//! `strmMeta` added when it has none; the key, data-subject, PII and validation paths
//! checked against it and resolved to field positions; the regexes compiled.

use std::collections::BTreeMap;

use apache_avro::Schema as AvroSchema;

use super::{avro, json_schema};
use crate::dataplane::schemas::{
    CONTRACT_REF_FIELD, EventFormat, EventSchema, FieldPath, KeyLinkKind, MetaFields, Validation,
    field_schema,
};
use strm_model::rules::{
    self, KEY_FIELD_RULE, PII_FIELD_RULE, SUBJECT_FIELD_RULE, VALIDATION_FIELD_RULE,
};
use strm_model::{ContractRef, ContractValidation, Invalid, SchemaType};

/// A contract's terms: everything but its ref and its schema.
#[derive(Debug, Clone, Default)]
pub struct Terms {
    pub key_field: String,
    pub subject_field: Option<String>,
    pub pii_fields: BTreeMap<String, u32>,
    pub validations: Vec<ContractValidation>,
}

/// What a contract's field holds, as far as the terms care.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Kind {
    String,
    NullableString,
    Strings,
    Other(String),
}

impl Kind {
    fn describe(&self) -> String {
        match self {
            Kind::String => "a string field".into(),
            Kind::NullableString => "a nullable string field".into(),
            Kind::Strings => "an array of strings".into(),
            Kind::Other(t) => format!("a field of type {t}"),
        }
    }
}

/// A field of a schema: its kind, and whether every event has it (no optional or
/// nullable step on its way).
pub(super) struct FieldInfo {
    pub kind: Kind,
    pub required: bool,
}

fn lacks(field: &str, path: &str, rule: &str) -> Invalid {
    Invalid::new(
        field,
        format!("names {path:?}, which the schema lacks"),
        rule,
    )
}

/// Checks every path of the terms against the schema's fields.
fn check_terms(terms: &Terms, info: &dyn Fn(&str) -> Option<FieldInfo>) -> Result<(), Invalid> {
    let key = &terms.key_field;
    let found = info(key).ok_or_else(|| lacks("keyField", key, KEY_FIELD_RULE))?;
    match found.kind {
        Kind::String if found.required => {}
        Kind::String => {
            return Err(Invalid::new(
                "keyField",
                format!("{key:?} is optional or under a nullable field"),
                KEY_FIELD_RULE,
            ));
        }
        other => {
            return Err(Invalid::new(
                "keyField",
                format!("{key:?} is {}", other.describe()),
                KEY_FIELD_RULE,
            ));
        }
    }
    if let Some(subject) = &terms.subject_field {
        let found =
            info(subject).ok_or_else(|| lacks("dataSubjectField", subject, SUBJECT_FIELD_RULE))?;
        if !matches!(found.kind, Kind::String | Kind::NullableString) {
            return Err(Invalid::new(
                "dataSubjectField",
                format!("{subject:?} is {}", found.kind.describe()),
                SUBJECT_FIELD_RULE,
            ));
        }
    }
    for path in terms.pii_fields.keys() {
        let field = format!("piiFields/{path}");
        let found = info(path).ok_or_else(|| lacks(&field, path, PII_FIELD_RULE))?;
        if let Kind::Other(_) = found.kind {
            return Err(Invalid::new(
                field,
                format!("{path:?} is {}", found.kind.describe()),
                PII_FIELD_RULE,
            ));
        }
    }
    for (i, v) in terms.validations.iter().enumerate() {
        let field = format!("validations/{i}/field");
        let found = info(&v.field).ok_or_else(|| lacks(&field, &v.field, VALIDATION_FIELD_RULE))?;
        if !matches!(found.kind, Kind::String | Kind::NullableString) {
            return Err(Invalid::new(
                field,
                format!("{:?} is {}", v.field, found.kind.describe()),
                VALIDATION_FIELD_RULE,
            ));
        }
    }
    Ok(())
}

fn regexes(terms: &Terms, path: &dyn Fn(&str) -> FieldPath) -> Result<Vec<Validation>, Invalid> {
    terms
        .validations
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let regex =
                rules::compile_validation_regex(&format!("validations/{i}/value"), &v.value)?;
            Ok(Validation {
                field: path(&v.field),
                regex,
            })
        })
        .collect()
}

/// PII paths sorted by their segments, for a stable order.
fn pii(terms: &Terms, path: &dyn Fn(&str) -> FieldPath) -> Vec<(FieldPath, u32)> {
    let mut pii: Vec<(&String, &u32)> = terms.pii_fields.iter().collect();
    pii.sort_by(|a, b| a.0.split('/').cmp(b.0.split('/')));
    pii.into_iter().map(|(p, l)| (path(p), *l)).collect()
}

/// An Avro record schema with its terms. `ref_field` is where events name their
/// contract in `strmMeta` (the built-ins' `schemaId`, contracts' `eventContractRef`).
pub fn avro_schema(
    id: &str,
    reference: ContractRef,
    schema: AvroSchema,
    terms: &Terms,
    ref_field: &str,
) -> Result<EventSchema, Invalid> {
    let info = |path: &str| avro::field_info(&schema, path);
    check_terms(terms, &info)?;
    avro::check_meta(&schema, ref_field)?;
    // Every path was found above, so each resolves.
    let resolve =
        |path: &str| FieldPath::resolve(&schema, path).unwrap_or_else(|| FieldPath::parse(path));
    let key_link = match field_schema(&schema, &FieldPath::parse("strmMeta/keyLink")) {
        Some(AvroSchema::Int) => KeyLinkKind::Int,
        _ => KeyLinkKind::String,
    };
    Ok(EventSchema {
        id: id.to_owned(),
        key_field: resolve(&terms.key_field),
        subject_field: terms.subject_field.as_deref().map(resolve),
        pii: pii(terms, &resolve),
        validations: regexes(terms, &resolve)?,
        key_link,
        meta: MetaFields::find(&schema, ref_field),
        fills_ref: ref_field == CONTRACT_REF_FIELD,
        reference,
        format: EventFormat::Avro(schema),
    })
}

/// A contract as the API takes it: its schema text (without `strmMeta` the standard one
/// is added) and its terms. Answers the schema and the text to store and show.
pub fn contract(
    reference: &ContractRef,
    schema_type: SchemaType,
    schema_text: &str,
    terms: &Terms,
) -> Result<(EventSchema, String), Invalid> {
    let id = reference.to_string();
    match schema_type {
        SchemaType::Avro => {
            let (schema, text) = avro::parse_with_meta(schema_text)?;
            let compiled = avro_schema(&id, reference.clone(), schema, terms, CONTRACT_REF_FIELD)?;
            Ok((compiled, text))
        }
        SchemaType::JsonSchema => {
            let (document, validator, text) = json_schema::parse_with_meta(schema_text)?;
            let info = |path: &str| json_schema::field_info(&document, path);
            check_terms(terms, &info)?;
            let parse = |path: &str| FieldPath::parse(path);
            let compiled = EventSchema {
                id,
                reference: reference.clone(),
                format: EventFormat::JsonSchema(Box::new(validator)),
                key_field: parse(&terms.key_field),
                subject_field: terms.subject_field.as_deref().map(parse),
                pii: pii(terms, &parse),
                validations: regexes(terms, &parse)?,
                key_link: KeyLinkKind::String,
                meta: MetaFields::by_name(),
                fills_ref: true,
            };
            Ok((compiled, text))
        }
    }
}
