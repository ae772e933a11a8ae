//! Events of a data contract whose person was forgotten.

use super::*;

/// The checkout contract of `contracts::tests` as the control plane would hold it.
pub(super) fn checkout_contract() -> strm_model::DataContract {
    let terms = crate::dataplane::contracts::tests::checkout_terms();
    strm_model::DataContract {
        reference: strm_model::ContractRef::new("acme", "checkout", "1.0.0"),
        schema_type: strm_model::SchemaType::Avro,
        schema: crate::dataplane::contracts::tests::CHECKOUT_AVSC.into(),
        key_field: terms.key_field,
        data_subject_field: terms.subject_field,
        pii_fields: terms.pii_fields,
        validations: terms.validations,
        state: strm_model::ContractState::Active,
        public: false,
    }
}

fn checkout(session: &str, customer: &str) -> Json {
    json!({"strmMeta": {"consentLevels": [0, 1, 2]}, "session_id": session,
        "email": format!("{customer}@example.com"),
        "customer": {"id": customer, "tier": 1}, "items": []})
}

#[tokio::test]
async fn egress_skips_events_whose_key_was_destroyed_after_they_were_published() {
    let f = fixture();
    let mut granular = f.plane.subscribe(&principal(Some("level0-1"))).unwrap();
    let mut source = f.plane.subscribe(&principal(None)).unwrap();
    for (session, customer) in [("s-1", "alice"), ("s-2", "bob")] {
        let body = checkout(session, customer).to_string();
        f.plane
            .ingest(
                &principal(None),
                IngestRequest {
                    schema_ref: Some("acme/checkout/1.0.0"),
                    serialization_type: Some("application/json"),
                    body: body.as_bytes(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
    }
    // Alice is forgotten before the tail renders her event: it must not come out.
    let destroyed = f
        .plane
        .forget_subjects(ACCOUNT, &["alice".to_string()])
        .unwrap();
    assert_eq!(destroyed, 1);
    let e: Json = serde_json::from_str(&granular.next().await.unwrap().unwrap()).unwrap();
    assert_eq!(e["email"], "bob@example.com");
    assert!(cipher(&e["customer"]["id"]), "level 2 stays encrypted: {e}");
    // The source stream still delivers both, ciphertext and all.
    for _ in 0..2 {
        let e: Json = serde_json::from_str(&source.next().await.unwrap().unwrap()).unwrap();
        assert!(cipher(&e["email"]) && cipher(&e["customer"]["id"]), "{e}");
    }
}
