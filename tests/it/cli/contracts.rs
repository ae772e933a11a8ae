//! `data-contracts`, `data-subjects` and `simulate --contract --file` with the real
//! binary on the local server: the README's worked example as a script would run it,
//! and its error paths (files named, usage errors exit 2).

use serde_json::json;

use super::Home;
use crate::contracts::{CHECKOUT_AVSC, checkout, checkout_terms};

#[test]
fn a_contract_of_ones_own_from_files_events_from_a_file_and_a_person_forgotten() {
    let home = Home::new(None);
    let schema = home.file("checkout.avsc", CHECKOUT_AVSC);
    let contract = home.file("checkout.contract.json", &checkout_terms().to_string());
    let (schema, contract) = (schema.to_str().unwrap(), contract.to_str().unwrap());
    let created = home.json(&[
        "data-contracts",
        "create",
        "acme/checkout/1.0.0",
        "--schema-file",
        schema,
        "--contract-file",
        contract,
    ]);
    assert_eq!(
        created["ref"],
        json!({"handle": "acme", "name": "checkout", "version": "1.0.0"})
    );
    assert_eq!(
        (created["schemaType"].as_str(), created["state"].as_str()),
        (Some("AVRO"), Some("ACTIVE"))
    );
    assert_eq!(
        home.json(&["data-contracts", "list"])
            .as_array()
            .unwrap()
            .len(),
        3
    );
    assert_eq!(
        home.json(&["data-contracts", "get", "acme/checkout/1.0.0"])["keyField"],
        "session_id"
    );

    home.json(&["streams", "create", "shop"]);
    let mut bad = checkout("s-3", "carol", &[0]);
    bad["customer"]["email"] = json!("not-an-address");
    let events = [
        checkout("s-1", "alice", &[0, 1]),
        bad,
        checkout("s-2", "bob", &[0]),
    ]
    .map(|e| e.to_string())
    .join("\n");
    let file = home.file("events.jsonl", &events);
    let file = file.to_str().unwrap();
    let simulate = |contract: &str, more: &[&str]| {
        let mut args = vec!["simulate", "shop", "--contract", contract, "--rate", "100"];
        args.extend(more);
        home.ok(&args)
    };
    let sent = simulate("acme/checkout/1.0.0", &["--file", file]);
    assert!(
        sent.contains("2 events sent to shop") && sent.contains("1 events rejected"),
        "{sent}"
    );
    assert!(
        sent.contains("event rejected: line 2:") && sent.contains("customer/email"),
        "{sent}"
    );
    // The same file as JSON rather than Avro binary.
    let sent = simulate(
        "acme/checkout/1.0.0",
        &["--file", file, "--json", "--count", "1"],
    );
    assert!(sent.contains("1 events sent to shop"), "{sent}");
    // A public contract keeps its generator.
    let sent = simulate("streammachine/clickstream/1.0.0", &["--count", "2"]);
    assert!(sent.contains("2 events sent to shop"), "{sent}");

    let subjects = home.json(&["data-subjects", "list", "--prefix", "a"]);
    assert_eq!(subjects["dataSubjects"][0]["id"], "alice");
    assert_eq!(subjects["dataSubjects"][0]["keyLinks"], 1);
    assert_eq!(
        home.json(&["data-subjects", "delete", "alice"]),
        json!({"deletedKeyLinks": 1})
    );
    assert_eq!(
        home.json(&["data-subjects", "list", "--prefix", "a"]),
        json!({"dataSubjects": []})
    );
    let archived = home.ok(&["data-contracts", "delete", "acme/checkout/1.0.0"]);
    assert_eq!(
        archived.trim(),
        "Archived data contract acme/checkout/1.0.0"
    );
    assert_eq!(
        home.json(&["data-contracts", "get", "acme/checkout/1.0.0"])["state"],
        "ARCHIVED"
    );
}

#[test]
fn contract_commands_name_the_file_or_the_rule_that_is_wrong() {
    let home = Home::new(None);
    let schema = home.file("checkout.avsc", CHECKOUT_AVSC);
    let schema = schema.to_str().unwrap();
    let broken = home.file(
        "broken.contract.json",
        r#"{"keyField": "session_id", "piiFields": {"email": "high"}}"#,
    );
    let terms = home.file("c.json", r#"{"keyField": "amount"}"#);
    let broken = broken.to_str().unwrap();
    // (ref, schema file, contract file, exit code, what the message must hold)
    let rows: [(&str, &str, &str, i32, &[&str]); 4] = [
        (
            "acme/checkout/1.0",
            schema,
            "x",
            2,
            &["ref/version", "MAJOR.MINOR.PATCH"],
        ),
        (
            "acme/checkout/1.0.0",
            "missing.avsc",
            broken,
            1,
            &["missing.avsc"],
        ),
        (
            "acme/checkout/1.0.0",
            schema,
            broken,
            2,
            &["broken.contract.json", "piiFields.email"],
        ),
        (
            "acme/checkout/1.0.0",
            schema,
            terms.to_str().unwrap(),
            1,
            &["keyField: \"amount\" is a field of type double"],
        ),
    ];
    for (r, schema_file, contract_file, code, says) in rows {
        let err = home.fails(
            &[
                "data-contracts",
                "create",
                r,
                "--schema-file",
                schema_file,
                "--contract-file",
                contract_file,
            ],
            code,
        );
        for said in says {
            assert!(
                err.contains(said),
                "{r} {schema_file} {contract_file}: {err}"
            );
        }
    }
    let err = home.fails(&["data-subjects", "delete", ""], 2);
    assert!(err.contains("dataSubjects/0"), "{err}");
    home.json(&["streams", "create", "shop"]);
    let err = home.fails(
        &["simulate", "shop", "--contract", "acme/checkout/1.0.0"],
        2,
    );
    assert!(err.contains("--file: is missing"), "{err}");
    // Completion of these commands and of contract refs: `cli::completion`.
}
