//! The data contracts and data subjects tabs: the contract's fields as a tree, the
//! create form, archiving, the prefix search and forgetting a person behind a typed
//! confirmation; each a call the kind makes itself.

use super::*;
use crate::protocol::ListedRows;
use crate::resources::FoundSubjects;

fn contracts() -> Vec<DataContract> {
    let clickstream = DataContract {
        reference: ContractRef::new("streammachine", "clickstream", "1.0.0"),
        schema_type: SchemaType::Avro,
        schema: r#"{"type":"record","name":"ClickstreamEvent","fields":[
            {"name":"producerSessionId","type":"string"},
            {"name":"customer","type":{"type":"record","name":"Customer","fields":[{"name":"id","type":"string"}]}}]}"#
            .into(),
        key_field: "producerSessionId".into(),
        data_subject_field: None,
        pii_fields: [("customer/id".to_string(), 0), ("producerSessionId".to_string(), 1)].into(),
        validations: vec![],
        state: ContractState::Active,
        public: true,
    };
    let checkout = DataContract {
        reference: ContractRef::new("acme", "checkout", "1.0.0"),
        schema_type: SchemaType::Avro,
        schema: r#"{"type":"record","name":"Checkout","fields":[
            {"name":"strmMeta","type":{"type":"record","name":"StrmMeta","fields":[
              {"name":"eventContractRef","type":"string"},
              {"name":"consentLevels","type":{"type":"array","items":"int"}}]}},
            {"name":"session_id","type":"string"},
            {"name":"customer","type":{"type":"record","name":"Customer","fields":[
              {"name":"id","type":"string"},{"name":"email","type":"string"}]}},
            {"name":"amount","type":"double"}]}"#
            .into(),
        key_field: "session_id".into(),
        data_subject_field: Some("customer/id".into()),
        pii_fields: [
            ("session_id".to_string(), 0),
            ("customer/email".to_string(), 1),
            ("customer/id".to_string(), 2),
        ]
        .into(),
        validations: vec![ContractValidation {
            field: "customer/email".into(),
            kind: ValidationType::Regex,
            value: "^[^@]+@[^@]+$".into(),
        }],
        state: ContractState::Active,
        public: false,
    };
    vec![checkout, clickstream]
}

fn subjects(prefix: &str) -> FoundSubjects {
    FoundSubjects {
        prefix: prefix.into(),
        subjects: vec![
            DataSubject {
                id: "alice".into(),
                key_links: 2,
                last_seen: EPOCH * 1000,
            },
            DataSubject {
                id: "alfred".into(),
                key_links: 1,
                last_seen: EPOCH * 1000 - 3_600_000,
            },
        ],
        more: false,
    }
}

fn app_with_contracts() -> App {
    let mut app = fixed_app();
    app.data
        .listed
        .insert(Tab::DataContracts, ListedRows::new(contracts()));
    app.data
        .listed
        .insert(Tab::DataSubjects, ListedRows::new(vec![subjects("al")]));
    app.recompute_all();
    app
}

#[test]
fn snapshot_contracts_and_subjects_tabs() {
    let mut app = app_with_contracts();
    app.update(ch('6'));
    snap("tab_data_contracts", &app);
    app.update(ch('n'));
    snap("form_data_contract_empty", &app);
    type_text(&mut app, "acme/checkout/1");
    app.update(key(KeyCode::Enter));
    snap("form_data_contract_invalid", &app);
    app.update(key(KeyCode::Esc));
    app.update(ch('7'));
    snap("tab_data_subjects", &app);
    app.update(ch('d'));
    snap("confirm_forget_subject", &app);
}

#[test]
fn archiving_a_contract_is_a_call_of_its_own_and_public_ones_cannot_be() {
    let mut app = app_with_contracts();
    app.update(ch('6'));
    // Sorted by ref: acme/checkout first.
    app.update(ch('d'));
    app.update(key(KeyCode::Right));
    let out = app.update(key(KeyCode::Enter));
    match &out[0].1 {
        Request::Call(call) => assert_eq!(call.what(), "archive data contract acme/checkout/1.0.0"),
        other => panic!("{other:?}"),
    }
    let id = out[0].0;
    let out = app.update(reply(
        id,
        Ok(Answer::Done(
            "Archived data contract acme/checkout/1.0.0".into(),
        )),
    ));
    assert_eq!(
        app.flash.as_ref().unwrap().text,
        "Archived data contract acme/checkout/1.0.0"
    );
    assert_eq!(
        out.len(),
        Tab::COUNT + 1,
        "every tab is listed again, and the usage"
    );
    app.update(ch('j'));
    app.update(ch('d'));
    match app.popups.last() {
        Some(Popup::Confirm(c)) => {
            assert!(c.actions.is_empty(), "only Cancel");
            assert!(c.lines[0].contains("public contract"), "{:?}", c.lines);
        }
        _ => panic!("a confirmation"),
    }
}

#[test]
fn forgetting_a_person_needs_their_id_typed_and_searching_keeps_the_prefix() {
    let mut app = app_with_contracts();
    app.update(ch('7'));
    app.update(ch('d'));
    match app.popups.last() {
        Some(Popup::Confirm(c)) => {
            let text = c.lines.join(" ");
            assert!(text.contains("Forget data subject alice?"), "{text}");
            assert!(text.contains("can never be decrypted again"), "{text}");
            assert!(
                text.contains("source stream keeps the ciphertext"),
                "{text}"
            );
        }
        _ => panic!("a confirmation"),
    }
    let out = confirm_by_typing(&mut app, "alice");
    match &out[0].1 {
        Request::Call(call) => assert_eq!(call.what(), "forget a data subject"),
        other => panic!("{other:?}"),
    }
    // A search lists by prefix; its answer closes the form, and refreshes keep it.
    app.update(ch('n'));
    assert_eq!(app.form().unwrap().field("id starts with"), "al");
    type_text(&mut app, "i");
    let out = app.update(key(KeyCode::Enter));
    let (id, req) = &out[0];
    assert!(matches!(req, Request::Call(c) if c.what() == "search data subjects by prefix"));
    app.update(reply(
        *id,
        Ok(Answer::Listed(Listed::Rows(
            Tab::DataSubjects,
            ListedRows::new(vec![subjects("ali")]),
        ))),
    ));
    assert!(app.form().is_none());
    assert_eq!(app.data.len(Tab::DataSubjects), 2);
    let refresh = app.update(ch('r'));
    assert!(refresh.iter().any(
        |(_, r)| matches!(r, Request::Call(c) if c.what() == "search data subjects by prefix")
    ));
}

#[test]
fn read_only_refuses_the_kinds_own_changes_in_the_worker_terms() {
    let app = app_with_contracts();
    let archive = Tab::DataContracts.kind().confirm_delete(&app.data, 0);
    assert!(archive.actions[0].request.mutates());
    let list = Tab::DataContracts.kind().list(&app.data, None).unwrap();
    assert!(!list.mutates());
}
