//! Data contracts and data subjects end to end against the real server on 127.0.0.1:
//! the contracts API and its every refusal, events under a custom Avro contract (Avro
//! binary serialized by Python's fastavro, Avro-JSON, plain JSON) and a JSON Schema
//! contract, outputs decrypting by the contract's levels, isolation between accounts,
//! and forgetting a person (egress, exports, restart, the files on disk).

mod api;
mod events;
mod forget;

use std::time::Duration;

use serde_json::{Value, json};
use strm_client::ApiClient;
use strm_client::events::EventReceiver;
use strm_model::{ContractRef, DataContract, DataContractCreate, SchemaType};

/// The worked example of the README: a checkout event of one's own.
pub const CHECKOUT_AVSC: &str = r#"{"type": "record", "name": "Checkout", "namespace": "com.acme",
 "fields": [
  {"name": "session_id", "type": "string"},
  {"name": "customer", "type": {"type": "record", "name": "Customer", "fields": [
    {"name": "id", "type": "string"},
    {"name": "email", "type": "string"}]}},
  {"name": "amount", "type": "double"},
  {"name": "items", "type": {"type": "array", "items": "string"}}]}"#;

/// Its terms: the session keys the encryption, the customer is the data subject;
/// session level 0, e-mail level 1, customer id level 2.
pub fn checkout_terms() -> Value {
    json!({"keyField": "session_id", "dataSubjectField": "customer/id",
        "piiFields": {"session_id": 0, "customer/email": 1, "customer/id": 2},
        "validations": [{"field": "customer/email", "type": "REGEX", "value": "^[^@]+@[^@]+$"}]})
}

pub fn checkout_ref() -> ContractRef {
    ContractRef::new("acme", "checkout", "1.0.0")
}

/// A contract create from a schema text and terms (a contract file's JSON).
pub fn create(
    r: &ContractRef,
    schema_type: SchemaType,
    schema: &str,
    terms: &Value,
) -> DataContractCreate {
    let mut body = terms.clone();
    body["ref"] = serde_json::to_value(r).unwrap();
    body["schemaType"] = serde_json::to_value(schema_type).unwrap();
    body["schema"] = json!(schema);
    serde_json::from_value(body).unwrap()
}

pub async fn register_checkout(api: &ApiClient) -> DataContract {
    api.create_data_contract(&create(
        &checkout_ref(),
        SchemaType::Avro,
        CHECKOUT_AVSC,
        &checkout_terms(),
    ))
    .await
    .unwrap()
}

/// A checkout event of `customer` in `session`, with consent `levels` (plain JSON;
/// `strmMeta` holds only what a sender fills).
pub fn checkout(session: &str, customer: &str, levels: &[i32]) -> Value {
    json!({"strmMeta": {"consentLevels": levels}, "session_id": session,
        "customer": {"id": customer, "email": format!("{customer}@example.com")},
        "amount": 12.5, "items": ["book", "pen"]})
}

pub use crate::support::{is_ciphertext, next_json};

/// Nothing more arrives on a tail within a short while.
pub async fn quiet(rx: &mut EventReceiver) {
    if let Ok(Some(Ok(text))) = tokio::time::timeout(Duration::from_millis(700), rx.next()).await {
        panic!("expected nothing more, got {text}");
    }
}
