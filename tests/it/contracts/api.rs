//! The contracts API: register, list, get, archive; the built-ins as public contracts;
//! every refusal with its status and a message naming the field and the rule; accounts
//! that never see each other's contracts; contracts that outlive a restart.

use serde_json::json;
use strm_model::{ContractRef, ContractState, SchemaType};

use super::{CHECKOUT_AVSC, checkout_ref, checkout_terms, create, register_checkout};
use crate::support::Says::{Has, Starts};
use crate::support::{LocalServer, api_status, check, output};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contracts_are_registered_listed_got_archived_and_kept() {
    let local = LocalServer::start().await;
    let api = local.account("contracts@example.com").await;

    let listed = api.list_data_contracts().await.unwrap();
    let public: Vec<String> = listed.iter().map(|c| c.reference.to_string()).collect();
    assert_eq!(
        public,
        [
            "streammachine/clickstream/1.0.0",
            "streammachine/nps-unified/1.0.0"
        ]
    );
    assert!(
        listed
            .iter()
            .all(|c| c.public && c.state == ContractState::Active)
    );
    assert_eq!(listed[0].key_field, "producerSessionId");
    assert_eq!(listed[0].pii_fields["customer/id"], 0);
    let click = api
        .get_data_contract(&ContractRef::new("streammachine", "clickstream", "1.0.0"))
        .await
        .unwrap();
    assert_eq!(click, listed[0]);

    let created = register_checkout(&api).await;
    assert_eq!(created.reference, checkout_ref());
    assert_eq!(
        (created.state, created.public),
        (ContractState::Active, false)
    );
    assert_eq!(created.data_subject_field.as_deref(), Some("customer/id"));
    assert_eq!(created.pii_fields["customer/id"], 2);
    // The server added the standard strmMeta as the first field.
    let schema: serde_json::Value = serde_json::from_str(&created.schema).unwrap();
    assert_eq!(schema["fields"][0]["name"], "strmMeta");
    let meta: Vec<&str> = schema["fields"][0]["type"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        meta,
        [
            "eventContractRef",
            "nonce",
            "timestamp",
            "keyLink",
            "billingId",
            "consentLevels"
        ]
    );
    assert_eq!(
        api.get_data_contract(&checkout_ref()).await.unwrap(),
        created
    );
    assert_eq!(api.list_data_contracts().await.unwrap().len(), 3);

    api.archive_data_contract(&checkout_ref()).await.unwrap();
    let archived = api.get_data_contract(&checkout_ref()).await.unwrap();
    assert_eq!(archived.state, ContractState::Archived);
    // Archiving twice is no error: it is archived.
    api.archive_data_contract(&checkout_ref()).await.unwrap();

    let local = local.restart().await;
    let api = local.account_again("contracts@example.com").await;
    let kept = api.get_data_contract(&checkout_ref()).await.unwrap();
    assert_eq!(kept, archived);
    local.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_bad_contract_gets_its_status_and_a_message_naming_field_and_rule() {
    let local = LocalServer::start().await;
    let api = local.account("bad-contracts@example.com").await;
    register_checkout(&api).await;
    let r = ContractRef::new("acme", "other", "1.0.0");
    let avro = SchemaType::Avro;
    let with = |change: serde_json::Value| {
        let mut terms = checkout_terms();
        for (k, v) in change.as_object().unwrap() {
            terms[k] = v.clone();
        }
        terms
    };
    let rows = vec![
        (
            "an unparsable schema",
            create(
                &r,
                avro,
                "{\"type\": \"record\", \"fields\": [",
                &checkout_terms(),
            ),
            400,
            vec![
                Starts("schema: is not JSON"),
                Has("line 1"),
                Has("Avro record schema"),
            ],
        ),
        (
            "a schema the Avro parser refuses",
            create(
                &r,
                avro,
                r#"{"type": "record", "name": "X", "fields": [{"name": "a", "type": "strng"}]}"#,
                &checkout_terms(),
            ),
            400,
            vec![Starts("schema: is not a valid Avro schema"), Has("strng")],
        ),
        (
            "a key field the schema lacks",
            create(
                &r,
                avro,
                CHECKOUT_AVSC,
                &with(json!({"keyField": "session"})),
            ),
            400,
            vec![
                Starts("keyField: names \"session\", which the schema lacks"),
                Has("required string field"),
            ],
        ),
        (
            "a key field that is not a string",
            create(
                &r,
                avro,
                CHECKOUT_AVSC,
                &with(json!({"keyField": "amount"})),
            ),
            400,
            vec![
                Starts("keyField: \"amount\" is a field of type double"),
                Has("string field"),
            ],
        ),
        (
            "a PII path the schema lacks",
            create(
                &r,
                avro,
                CHECKOUT_AVSC,
                &with(json!({"piiFields": {"customer/phone": 1}})),
            ),
            400,
            vec![
                Starts("piiFields/customer/phone: names \"customer/phone\""),
                Has("string field"),
            ],
        ),
        (
            "a PII level out of range",
            create(
                &r,
                avro,
                CHECKOUT_AVSC,
                &with(json!({"piiFields": {"session_id": 5000}})),
            ),
            400,
            vec![
                Starts("piiFields/session_id: 5000 is out of range"),
                Has("0 to 4095"),
            ],
        ),
        (
            "a regex that does not compile",
            create(
                &r,
                avro,
                CHECKOUT_AVSC,
                &with(
                    json!({"validations": [{"field": "customer/email", "type": "REGEX", "value": "^[a-"}]}),
                ),
            ),
            400,
            vec![
                Starts("validations/0/value: \"^[a-\" does not compile"),
                Has("regular expression"),
            ],
        ),
        (
            "a validation of a field the schema lacks",
            create(
                &r,
                avro,
                CHECKOUT_AVSC,
                &with(
                    json!({"validations": [{"field": "email", "type": "REGEX", "value": "^.+$"}]}),
                ),
            ),
            400,
            vec![Starts("validations/0/field: names \"email\"")],
        ),
        (
            "a data-subject field the schema lacks",
            create(
                &r,
                avro,
                CHECKOUT_AVSC,
                &with(json!({"dataSubjectField": "customer/name"})),
            ),
            400,
            vec![Starts("dataSubjectField: names \"customer/name\"")],
        ),
        (
            "a version that is not MAJOR.MINOR.PATCH",
            create(
                &ContractRef::new("acme", "x", "1.0"),
                avro,
                CHECKOUT_AVSC,
                &checkout_terms(),
            ),
            400,
            vec![Starts("ref/version: \"1.0\" is not MAJOR.MINOR.PATCH")],
        ),
        (
            "a JSON Schema the validator refuses",
            create(
                &r,
                SchemaType::JsonSchema,
                r#"{"type": 12}"#,
                &json!({"keyField": "a"}),
            ),
            400,
            vec![Starts("schema: is not a valid JSON Schema")],
        ),
        (
            "a ref that exists",
            create(&checkout_ref(), avro, CHECKOUT_AVSC, &checkout_terms()),
            409,
            vec![
                Starts("ref: data contract acme/checkout/1.0.0 already exists"),
                Has("publish a new version"),
            ],
        ),
        (
            "the handle streammachine",
            create(
                &ContractRef::new("streammachine", "checkout", "1.0.0"),
                avro,
                CHECKOUT_AVSC,
                &checkout_terms(),
            ),
            403,
            vec![Starts("ref/handle:"), Has("Stream Machine's own")],
        ),
    ];
    for (row, req, status, says) in rows {
        let err = api.create_data_contract(&req).await.expect_err(row);
        assert_eq!(api_status(&err), status, "{row}: {err}");
        check(row, &err.to_string(), &says);
    }
    let public = ContractRef::new("streammachine", "clickstream", "1.0.0");
    let err = api.archive_data_contract(&public).await.unwrap_err();
    assert_eq!(api_status(&err), 403, "{err}");
    let err = api
        .get_data_contract(&ContractRef::new("acme", "nope", "1.0.0"))
        .await
        .unwrap_err();
    assert_eq!(api_status(&err), 404, "{err}");
    assert!(err.to_string().contains("acme/nope/1.0.0"), "{err}");
    // Only the first contract was stored.
    assert_eq!(api.list_data_contracts().await.unwrap().len(), 3);
    local.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accounts_never_see_each_others_contracts() {
    let local = LocalServer::start().await;
    let alice = local
        .scenario("alice@example.com", "shop", output("out", &[0]))
        .await;
    let bob = local
        .scenario("bob@example.com", "shop", output("out", &[0]))
        .await;
    register_checkout(&alice.api).await;

    assert_eq!(bob.api.list_data_contracts().await.unwrap().len(), 2);
    let err = bob
        .api
        .get_data_contract(&checkout_ref())
        .await
        .unwrap_err();
    assert_eq!(api_status(&err), 404);
    let err = bob
        .api
        .archive_data_contract(&checkout_ref())
        .await
        .unwrap_err();
    assert_eq!(api_status(&err), 404);
    // Bob's stream cannot send under Alice's contract.
    let event = super::checkout("s-1", "carol", &[0]);
    let err = bob
        .client(&bob.stream)
        .send_json("acme/checkout/1.0.0", &event)
        .await
        .unwrap_err();
    assert_eq!(api_status(&err), 400, "{err}");
    assert!(err.to_string().contains("is not a known schema"), "{err}");
    alice
        .client(&alice.stream)
        .send_json("acme/checkout/1.0.0", &event)
        .await
        .unwrap();
    // The same ref is Bob's own to register.
    register_checkout(&bob.api).await;
    bob.client(&bob.stream)
        .send_json("acme/checkout/1.0.0", &event)
        .await
        .unwrap();
    local.shutdown().await;
}
