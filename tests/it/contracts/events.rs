//! Events under contracts of one's own: a custom Avro contract's events as Avro binary
//! and Avro-JSON (both serialized by Python's fastavro, as the 2021 drivers did) and as
//! plain JSON; a JSON Schema contract's JSON events; the outputs decrypting exactly the
//! fields their levels allow; every bad event with its status and message.

use std::io::Write;
use std::process::Stdio;

use serde_json::{Value, json};
use strm_client::events::Serialization;
use strm_model::{ContractRef, SchemaType};

use super::{checkout, create, is_ciphertext, next_json, quiet, register_checkout};
use crate::support::Says::{self, Has, Starts};
use crate::support::post_event;

/// A refused event: what it is, its body, its headers; the status; what the message says.
type BadEvent<'a> = (
    &'a str,
    Vec<u8>,
    &'a [(&'a str, &'a str)],
    u16,
    Vec<Says<'a>>,
);
use crate::support::{LocalServer, check, cumulative, output, succeeded, venv};

/// The events as fastavro writes them for `schema`: `mode` is `binary` or `json`.
fn fastavro(schema: &str, events: &[Value], mode: &str) -> Vec<Vec<u8>> {
    use base64::Engine;
    let dir = tempfile::tempdir().unwrap();
    let schema_file = dir.path().join("schema.avsc");
    std::fs::write(&schema_file, schema).unwrap();
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/avro_datum.py");
    let mut child = std::process::Command::new(venv().join("bin/python"))
        .arg(&script)
        .arg(&schema_file)
        .arg(mode)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    for e in events {
        writeln!(stdin, "{e}").unwrap();
    }
    drop(stdin);
    let out = succeeded(
        child.wait_with_output().unwrap(),
        "fastavro (is it in the virtualenv? scripts/test installs it)",
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| base64::engine::general_purpose::STANDARD.decode(l).unwrap())
        .collect()
}

/// A checkout event as a fastavro sender fills it: every strmMeta field, the server's
/// own left null.
fn avro_record(session: &str, customer: &str, levels: &[i32]) -> Value {
    let mut e = checkout(session, customer, levels);
    e["strmMeta"] = json!({"eventContractRef": "acme/checkout/1.0.0", "nonce": null,
        "timestamp": null, "keyLink": null, "billingId": null, "consentLevels": levels});
    e
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_custom_avro_contract_takes_binary_avro_json_and_json_and_outputs_decrypt_by_level() {
    let local = LocalServer::start().await;
    let s = local
        .scenario("shop@example.com", "shop", output("granular-1", &[1]))
        .await;
    let cumulative = s
        .api
        .create_output("shop", &cumulative("cumulative-1", 1))
        .await
        .unwrap()
        .credentials;
    let contract = register_checkout(&s.api).await;
    let sender = s.client(&s.stream);
    let mut source = sender.receive(true).await.unwrap();
    let mut granular = s.client(&s.output).receive(true).await.unwrap();
    let mut cumulative = s.client(&cumulative).receive(true).await.unwrap();

    let binary = fastavro(
        &contract.schema,
        &[avro_record("s-1", "alice", &[0, 1])],
        "binary",
    );
    let avro_json = fastavro(
        &contract.schema,
        &[avro_record("s-2", "bob", &[0, 1, 2])],
        "json",
    );
    assert!(String::from_utf8_lossy(&avro_json[0]).contains(r#""nonce": null"#));
    let r = "acme/checkout/1.0.0";
    sender
        .send(r, Serialization::AvroBinary, binary[0].clone())
        .await
        .unwrap();
    sender
        .send(r, Serialization::Json, avro_json[0].clone())
        .await
        .unwrap();
    sender
        .send_json(r, &checkout("s-3", "carol", &[0, 1]))
        .await
        .unwrap();
    // Consent [0] reaches neither output.
    sender
        .send_json(r, &checkout("s-4", "dave", &[0]))
        .await
        .unwrap();

    for (session, customer) in [
        ("s-1", "alice"),
        ("s-2", "bob"),
        ("s-3", "carol"),
        ("s-4", "dave"),
    ] {
        let e = next_json(&mut source).await;
        assert!(is_ciphertext(&e["session_id"]), "{e}");
        assert!(
            is_ciphertext(&e["customer"]["id"]) && is_ciphertext(&e["customer"]["email"]),
            "{e}"
        );
        assert_ne!(e["customer"]["id"], customer);
        assert_eq!(e["strmMeta"]["eventContractRef"], r);
        assert_eq!(e["strmMeta"]["billingId"], s.billing_id.as_str());
        assert!(e["strmMeta"]["timestamp"].as_i64().unwrap() > 0);
        assert_eq!(e["items"], json!(["book", "pen"]));
        let _ = session;
    }
    // GRANULAR [1]: the level-1 e-mail only.
    for (session, customer) in [("s-1", "alice"), ("s-2", "bob"), ("s-3", "carol")] {
        let e = next_json(&mut granular).await;
        assert_eq!(
            e["customer"]["email"],
            format!("{customer}@example.com"),
            "{e}"
        );
        assert!(
            is_ciphertext(&e["customer"]["id"]) && is_ciphertext(&e["session_id"]),
            "{session}: {e}"
        );
    }
    quiet(&mut granular).await;
    // CUMULATIVE [1]: levels 0 and 1 (session, e-mail), not the level-2 customer id.
    for (session, customer) in [("s-1", "alice"), ("s-2", "bob"), ("s-3", "carol")] {
        let e = next_json(&mut cumulative).await;
        assert_eq!(e["session_id"], session, "{e}");
        assert_eq!(
            e["customer"]["email"],
            format!("{customer}@example.com"),
            "{e}"
        );
        assert!(is_ciphertext(&e["customer"]["id"]), "{e}");
        assert_eq!(e["amount"], 12.5);
    }
    quiet(&mut cumulative).await;
    local.shutdown().await;
}

pub const SIGNUP_SCHEMA: &str = r#"{"$schema": "https://json-schema.org/draft/2020-12/schema",
 "type": "object", "required": ["session_id", "user_id", "email"],
 "properties": {
  "session_id": {"type": "string"},
  "user_id": {"type": "string"},
  "email": {"type": "string", "pattern": "^[^@]+@[^@]+$"},
  "age": {"type": "integer", "minimum": 0}}}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_json_schema_contract_validates_and_encrypts_json_events() {
    let local = LocalServer::start().await;
    let s = local
        .scenario("signup@example.com", "signups", output("email", &[1]))
        .await;
    let r = ContractRef::new("acme", "signup", "2.1.0");
    let terms = json!({"keyField": "session_id", "dataSubjectField": "user_id",
        "piiFields": {"email": 1, "user_id": 2}});
    let contract = s
        .api
        .create_data_contract(&create(&r, SchemaType::JsonSchema, SIGNUP_SCHEMA, &terms))
        .await
        .unwrap();
    assert_eq!(contract.schema_type, SchemaType::JsonSchema);
    let sender = s.client(&s.stream);
    let mut source = sender.receive(true).await.unwrap();
    let mut out = s.client(&s.output).receive(true).await.unwrap();
    let good = json!({"session_id": "s-9", "user_id": "u-1", "email": "ann@example.com", "age": 31,
        "strmMeta": {"consentLevels": [1]}});
    // Sent as written, so that the order of its fields is the sender's.
    let written = r#"{"session_id": "s-9", "user_id": "u-1", "email": "ann@example.com", "age": 31, "strmMeta": {"consentLevels": [1]}}"#;
    sender
        .send(
            "acme/signup/2.1.0",
            Serialization::Json,
            written.as_bytes().to_vec(),
        )
        .await
        .unwrap();
    let text = source.next().await.unwrap().unwrap();
    let at = |key: &str| text.find(&format!("\"{key}\":")).unwrap();
    assert!(
        at("strmMeta") < at("session_id")
            && at("session_id") < at("user_id")
            && at("age") > at("email"),
        "the sender's order, strmMeta first: {text}"
    );
    let stored: Value = serde_json::from_str(&text).unwrap();
    assert!(is_ciphertext(&stored["email"]) && is_ciphertext(&stored["user_id"]));
    assert_eq!(stored["session_id"], "s-9");
    assert_eq!(stored["strmMeta"]["eventContractRef"], "acme/signup/2.1.0");
    let e = next_json(&mut out).await;
    assert_eq!(e["email"], "ann@example.com");
    assert!(is_ciphertext(&e["user_id"]));

    let token = sender.id_token().await.unwrap();
    let headers = [("Strm-Schema-Ref", "acme/signup/2.1.0")];
    let bad = |change: Value| {
        let mut e = good.clone();
        for (k, v) in change.as_object().unwrap() {
            if v.is_null() {
                e.as_object_mut().unwrap().remove(k);
            } else {
                e[k] = v.clone();
            }
        }
        e.to_string().into_bytes()
    };
    let rows: Vec<BadEvent> = vec![
        (
            "an age below the minimum",
            bad(json!({"age": -3})),
            &headers,
            400,
            vec![
                Starts("age: -3 is less than the minimum of 0"),
                Has("JSON Schema"),
                Has("minimum"),
            ],
        ),
        (
            "an e-mail that breaks the pattern",
            bad(json!({"email": "nope"})),
            &headers,
            400,
            vec![Starts("email: "), Has("does not match"), Has("pattern")],
        ),
        (
            "a required field left out",
            bad(json!({"email": null})),
            &headers,
            400,
            vec![Starts("event: "), Has("\"email\" is a required property")],
        ),
        (
            "Avro binary for a JSON Schema contract",
            bad(json!({})),
            &[
                ("Strm-Schema-Ref", "acme/signup/2.1.0"),
                ("Strm-Serialization-Type", "application/x-avro-binary"),
            ],
            400,
            vec![
                Starts("Strm-Serialization-Type: is Avro binary"),
                Has("JSON_SCHEMA"),
            ],
        ),
    ];
    for (row, body, headers, status, says) in rows {
        let (got, text) = post_event(&s.url, &token, headers, body).await;
        assert_eq!(got, status, "{row}: {text}");
        check(row, &text, &says);
    }
    quiet(&mut source).await;
    local.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_events_under_a_contract_get_their_status_and_message() {
    let local = LocalServer::start().await;
    let s = local
        .scenario("refusals@example.com", "shop", output("out", &[0]))
        .await;
    register_checkout(&s.api).await;
    let old = ContractRef::new("acme", "checkout", "0.9.0");
    s.api
        .create_data_contract(&create(
            &old,
            SchemaType::Avro,
            super::CHECKOUT_AVSC,
            &super::checkout_terms(),
        ))
        .await
        .unwrap();
    s.api.archive_data_contract(&old).await.unwrap();
    let sender = s.client(&s.stream);
    let token = sender.id_token().await.unwrap();
    let json_ref = |r: &'static str| [("Strm-Schema-Ref", r), ("Content-Type", "application/json")];
    let body = |e: Value| e.to_string().into_bytes();
    let mut wrong_ref = checkout("s-1", "alice", &[0]);
    wrong_ref["strmMeta"]["eventContractRef"] = json!("acme/checkout/2.0.0");
    let mut bad_email = checkout("s-1", "alice", &[0]);
    bad_email["customer"]["email"] = json!("not-an-address");
    let (archived, current, unknown) = (
        json_ref("acme/checkout/0.9.0"),
        json_ref("acme/checkout/1.0.0"),
        json_ref("acme/refund/1.0.0"),
    );
    let rows: Vec<BadEvent> = vec![
        (
            "an archived contract",
            body(checkout("s-1", "alice", &[0])),
            &archived,
            400,
            vec![
                Starts("Strm-Schema-Ref: contract acme/checkout/0.9.0 is archived"),
                Has("new version"),
            ],
        ),
        (
            "a ref in strmMeta that differs from the header",
            body(wrong_ref),
            &current,
            400,
            vec![Starts(
                "strmMeta/eventContractRef: is \"acme/checkout/2.0.0\" but the header says \"acme/checkout/1.0.0\"",
            )],
        ),
        (
            "a value its validation refuses",
            body(bad_email),
            &current,
            400,
            vec![
                Starts("customer/email: \"not-an-address\" does not match"),
                Has("^[^@]+@[^@]+$"),
            ],
        ),
        (
            "a ref nobody registered",
            body(checkout("s-1", "alice", &[0])),
            &unknown,
            400,
            vec![Starts(
                "Strm-Schema-Ref: \"acme/refund/1.0.0\" is not a known schema",
            )],
        ),
        (
            "a field the schema lacks",
            body(json!({"strmMeta": {"consentLevels": []}, "session_id": "s"})),
            &current,
            400,
            vec![Starts("customer: is missing")],
        ),
    ];
    for (row, body, headers, status, says) in rows {
        let (got, text) = post_event(&s.url, &token, headers, body).await;
        assert_eq!(got, status, "{row}: {text}");
        check(row, &text, &says);
    }
    // The event as it should be is accepted.
    sender
        .send_json("acme/checkout/1.0.0", &checkout("s-1", "alice", &[0]))
        .await
        .unwrap();
    local.shutdown().await;
}
