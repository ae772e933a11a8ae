//! Data contracts: the account's own event definitions next to the public ones. The
//! detail shows the schema's fields as a tree with the key, the data subject and each
//! PII field's level marked; a contract is created from a schema file and a contract
//! file, checked as they are typed; deleting archives.

use std::path::Path;

use super::{Kind, Meta, Resources, Row, Tab, col};
use crate::app::{Confirm, ConfirmAction};
use crate::forms::check::msg;
use crate::forms::{Field, Fields, Form, FormKind, form_fields};
use crate::protocol::{Answer, Call, Listed, ListedRows, Request};
use strm_client::ClientError;
use strm_client::contract_files::{read_contract_file, read_schema_file};
use strm_model::rules::{FIELD_PATH_RULE, Invalid, KEY_FIELD_RULE};
use strm_model::{
    ContractRef, ContractState, ContractTerms, DataContract, DataContractCreate, SchemaType,
    schema_fields,
};

pub struct DataContracts;

static META: Meta = Meta {
    title: "Data contracts",
    short_title: "Contracts",
    commands: &["data-contracts", "contracts"],
    columns: &[
        col("REF", 5),
        col("TYPE", 2),
        col("STATE", 2),
        col("KEY FIELD", 3),
        col("PII", 1),
    ],
    scoped: false,
    rows: |d| contracts(d),
};

/// Before the first list answered.
static NONE_LISTED: Vec<DataContract> = Vec::new();

fn contracts(data: &Resources) -> &Vec<DataContract> {
    data.listed(Tab::DataContracts).unwrap_or(&NONE_LISTED)
}

impl Row for DataContract {
    fn cells(&self, _data: &Resources) -> Vec<String> {
        let state = match (self.state, self.public) {
            (ContractState::Archived, _) => "ARCHIVED",
            (_, true) => "PUBLIC",
            _ => "ACTIVE",
        };
        vec![
            self.reference.to_string(),
            self.schema_type.to_string(),
            state.into(),
            self.key_field.clone(),
            self.pii_fields.len().to_string(),
        ]
    }

    fn key(&self) -> String {
        self.reference.to_string()
    }
}

impl Kind for DataContracts {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn detail(&self, data: &Resources, i: usize) -> Option<Vec<String>> {
        Some(detail(&contracts(data)[i]))
    }

    fn list(&self, _data: &Resources, _scope: Option<&str>) -> Option<Request> {
        Some(Request::Call(Call::new(
            "list data contracts",
            false,
            |client| async move {
                let listed = client.list_data_contracts().await?;
                Ok(Answer::Listed(Listed::Rows(
                    Tab::DataContracts,
                    ListedRows::new(listed),
                )))
            },
        )))
    }

    fn empty(&self, create: &str) -> String {
        format!("No data contracts — press {create} to register one from a schema file")
    }

    fn create_form(&self, _: &Resources, _: Option<&str>, _: Option<&str>) -> Form {
        contract_form()
    }

    fn confirm_delete(&self, d: &Resources, i: usize) -> Confirm {
        let c = &contracts(d)[i];
        let r = c.reference.clone();
        if c.public {
            return Confirm::new(
                "Archive data contract",
                vec![format!(
                    "{r} is a public contract: only Stream Machine can archive it."
                )],
                None,
                Vec::<ConfirmAction>::new(),
            );
        }
        let lines = vec![
            format!("Archive data contract {r}?"),
            "Events naming it are refused from then on; events already stored stay readable."
                .into(),
            "Contracts are immutable: to change it, publish a new version.".into(),
        ];
        let call = Call::new(format!("archive data contract {r}"), true, move |client| {
            let r = r.clone();
            async move {
                client.archive_data_contract(&r).await?;
                Ok(Answer::Done(format!("Archived data contract {r}")))
            }
        });
        Confirm::new(
            "Archive data contract",
            lines,
            None,
            vec![("Archive".into(), Request::Call(call))],
        )
    }
}

/// The contract as the detail pane shows it: ref and state, then the schema's fields as
/// a tree, each marked with what the contract says of it.
fn detail(c: &DataContract) -> Vec<String> {
    let state = match c.state {
        ContractState::Active => "ACTIVE",
        ContractState::Archived => "ARCHIVED",
    };
    let public = if c.public { " · public" } else { "" };
    let mut lines = vec![
        format!("{}  {}  {state}{public}", c.reference, c.schema_type),
        String::new(),
    ];
    match schema_fields(c.schema_type, &c.schema) {
        Ok(fields) => {
            // strmMeta is the same in every contract: one line says it is there.
            let fields: Vec<_> = fields
                .into_iter()
                .filter(|f| !f.path.starts_with("strmMeta/"))
                .collect();
            lines.push("Fields (KEY, SUBJECT, PII level):".into());
            let width = fields
                .iter()
                .map(|f| 2 * f.depth + f.name().chars().count())
                .max()
                .unwrap_or(0);
            let kind_width = fields
                .iter()
                .map(|f| f.kind.chars().count())
                .max()
                .unwrap_or(0);
            for f in &fields {
                let mut marks = Vec::new();
                if f.path == c.key_field {
                    marks.push("KEY".to_string());
                }
                if c.data_subject_field.as_deref() == Some(f.path.as_str()) {
                    marks.push("SUBJECT".into());
                }
                if let Some(level) = c.pii_fields.get(&f.path) {
                    marks.push(format!("PII {level}"));
                }
                let name = format!("{}{}", "  ".repeat(f.depth), f.name());
                let line = format!(
                    "  {name:<width$}  {:<kind_width$}  {}",
                    f.kind,
                    marks.join(" · ")
                );
                lines.push(line.trim_end().to_string());
            }
        }
        Err(e) => lines.push(format!("The schema cannot be shown: {e}")),
    }
    if !c.validations.is_empty() {
        lines.push(String::new());
        lines.push("Validations:".into());
        for v in &c.validations {
            lines.push(format!("  {} must match {}", v.field, v.value));
        }
    }
    lines
}

pub fn contract_form() -> Form {
    Form::new(
        FormKind::Create(Tab::DataContracts),
        ContractForm {
            reference: Field::text("ref", "handle/name/version, e.g. acme/checkout/1.0.0", ""),
            schema_file: Field::text("schema file", "an Avro schema (.avsc) or a JSON Schema", ""),
            schema_type: Field::choice(
                "schema type",
                "←/→ to pick; auto: what the file is",
                ["auto", "AVRO", "JSON_SCHEMA"].map(String::from).to_vec(),
                0,
            ),
            contract_file: Field::text(
                "contract file",
                "keyField, dataSubjectField, piiFields, validations",
                "",
            ),
        },
    )
}

/// A file reader's problem as a field shows it (the file is named either way).
fn as_invalid(field: &str, e: ClientError) -> Invalid {
    match e {
        ClientError::Invalid(invalid) => invalid,
        other => Invalid::new(field, other.to_string(), "give the path of a readable file"),
    }
}

/// The paths of the terms that the schema's field tree lacks: the server checks them
/// with the schema's own parser too, but the form says so while it is typed.
fn check_paths(
    schema_type: SchemaType,
    schema: &str,
    terms: &ContractTerms,
) -> Result<(), Invalid> {
    let Ok(fields) = schema_fields(schema_type, schema) else {
        return Ok(());
    };
    let known = |p: &str| fields.iter().any(|f| f.path == p);
    let named = std::iter::once(("keyField", terms.key_field.as_str()))
        .chain(
            terms
                .data_subject_field
                .as_deref()
                .map(|d| ("dataSubjectField", d)),
        )
        .chain(terms.pii_fields.keys().map(|p| ("piiFields", p.as_str())))
        .chain(
            terms
                .validations
                .iter()
                .map(|v| ("validations", v.field.as_str())),
        );
    if let Some(key) = fields.iter().find(|f| f.path == terms.key_field)
        && key.kind != "string"
    {
        return Err(Invalid::new(
            "contract file",
            format!("keyField {:?} is a {} field", key.path, key.kind),
            KEY_FIELD_RULE,
        ));
    }
    for (what, path) in named {
        if !known(path) {
            return Err(Invalid::new(
                "contract file",
                format!("{what} names {path:?}, which the schema lacks"),
                FIELD_PATH_RULE,
            ));
        }
    }
    Ok(())
}

struct ContractForm {
    reference: Field,
    schema_file: Field,
    schema_type: Field,
    contract_file: Field,
}

impl Fields for ContractForm {
    form_fields!(
        "Register a data contract",
        reference,
        schema_file,
        schema_type,
        contract_file
    );

    fn check(&mut self) -> Option<Request> {
        let reference = self.reference.trimmed().parse::<ContractRef>();
        let chosen = self.schema_type.value().parse::<SchemaType>().ok();
        let schema = match self.schema_file.trimmed() {
            p if p.is_empty() => Err(Invalid::new("schema file", "is empty", "give its path")),
            p => read_schema_file(Path::new(&p), chosen).map_err(|e| as_invalid("schema file", e)),
        };
        let terms = match self.contract_file.trimmed() {
            p if p.is_empty() => Err(Invalid::new("contract file", "is empty", "give its path")),
            p => read_contract_file(Path::new(&p)).map_err(|e| as_invalid("contract file", e)),
        };
        let terms = match (&schema, terms) {
            (Ok((text, kind)), Ok(t)) => check_paths(*kind, text, &t).map(|()| t),
            (_, t) => t,
        };
        self.reference.error = msg(reference.clone());
        self.schema_file.error = msg(schema.clone());
        self.schema_type.error = None;
        self.contract_file.error = msg(terms.clone());
        let ((schema, schema_type), terms) = (schema.ok()?, terms.ok()?);
        let req = DataContractCreate::new(reference.ok()?, schema_type, schema, terms);
        req.validate().ok()?;
        let r = req.reference.clone();
        Some(Request::Call(Call::new(
            format!("register data contract {r}"),
            true,
            move |client| {
                let req = req.clone();
                async move {
                    let c = client.create_data_contract(&req).await?;
                    Ok(Answer::Done(format!(
                        "Registered data contract {} ({})",
                        c.reference, c.schema_type
                    )))
                }
            },
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use strm_model::ContractValidation;

    pub fn checkout() -> DataContract {
        DataContract {
            reference: ContractRef::new("acme", "checkout", "1.0.0"),
            schema_type: SchemaType::Avro,
            schema: r#"{"type":"record","name":"Checkout","fields":[
                {"name":"session_id","type":"string"},
                {"name":"customer","type":{"type":"record","name":"C","fields":[
                  {"name":"id","type":"string"},{"name":"email","type":"string"}]}}]}"#
                .into(),
            key_field: "session_id".into(),
            data_subject_field: Some("customer/id".into()),
            pii_fields: [
                ("customer/id".to_string(), 2),
                ("customer/email".to_string(), 1),
            ]
            .into(),
            validations: vec![ContractValidation {
                field: "customer/email".into(),
                kind: strm_model::ValidationType::Regex,
                value: "^[^@]+@[^@]+$".into(),
            }],
            state: ContractState::Active,
            public: false,
        }
    }

    #[test]
    fn the_detail_is_a_tree_with_key_subject_and_pii_marked() {
        let lines = detail(&checkout());
        let text = lines.join("\n");
        assert!(text.contains("\n  session_id  string  KEY\n"), "{text}");
        assert!(
            text.contains("\n    id        string  SUBJECT · PII 2"),
            "{text}"
        );
        assert!(text.contains("\n    email     string  PII 1\n"), "{text}");
        assert!(
            text.contains("customer/email must match ^[^@]+@[^@]+$"),
            "{text}"
        );
    }

    #[test]
    fn the_form_reads_both_files_and_names_what_is_wrong() {
        let dir = tempfile::tempdir().unwrap();
        let schema = dir.path().join("checkout.avsc");
        let terms = dir.path().join("checkout.contract.json");
        std::fs::write(&schema, &checkout().schema).unwrap();
        std::fs::write(
            &terms,
            r#"{"keyField": "session", "piiFields": {"customer/id": 2}}"#,
        )
        .unwrap();
        let mut form = contract_form();
        form.set_field("ref", "acme/checkout/1.0");
        form.set_field("schema file", schema.to_str().unwrap());
        form.set_field("contract file", terms.to_str().unwrap());
        assert!(form.validate().is_none());
        let errors: Vec<Option<String>> = form.fields().iter().map(|f| f.error.clone()).collect();
        assert!(
            errors[0].as_deref().unwrap().contains("ref/version"),
            "{errors:?}"
        );
        assert!(
            errors[3]
                .as_deref()
                .unwrap()
                .contains("\"session\", which the schema lacks")
        );
        form.set_field("ref", "acme/checkout/1.0.0");
        std::fs::write(
            &terms,
            r#"{"keyField": "session_id", "piiFields": {"customer/id": 2}}"#,
        )
        .unwrap();
        form.set_field("contract file", terms.to_str().unwrap());
        match form.validate() {
            Some(Request::Call(call)) => {
                assert_eq!(call.what(), "register data contract acme/checkout/1.0.0")
            }
            other => panic!("{other:?}"),
        }
        std::fs::write(&terms, r#"{"keyField": "customer"}"#).unwrap();
        form.set_field("contract file", terms.to_str().unwrap());
        assert!(form.validate().is_none());
        let err = form.error_of(3);
        assert!(
            err.contains("keyField \"customer\" is a record field"),
            "{err}"
        );
        form.set_field("schema file", "/nonexistent/s.avsc");
        assert!(form.error_of(1).contains("/nonexistent/s.avsc"));
    }
}
