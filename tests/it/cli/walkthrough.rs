//! The seed's CLI walkthrough with `strm-tui`: log in, create a stream, an output, an S3
//! sink and an exporter, list them, take a token, delete everything, log out.

use serde_json::{Value, json};
use strm_model::AuthResponse;

use super::{Home, mode, server, words};
use crate::support::{EMAIL, PASSWORD};

const S3_JSON: &str = r#"{
    "AccessKey": {
        "UserName": "streammachine-bucket1",
        "AccessKeyId": "AKIAIOSFODNN7EXAMPLE",
        "Status": "Active",
        "SecretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "CreateDate": "2021-01-14T15:28:16+00:00"
    }
}"#;

#[tokio::test(flavor = "multi_thread")]
async fn the_seed_walkthrough_works_with_strm_tui() {
    let server = server().await;
    let home = Home::new(Some(&server.url()));

    // Logging in
    let out = home.ok(&["auth", "login", "-e", EMAIL, "-p", PASSWORD]);
    assert_eq!(out.trim(), format!("Successfully logged in as {EMAIL}"));
    let creds = home.credentials_file();
    assert_eq!(mode(&creds), 0o600);
    let stored: AuthResponse = serde_json::from_slice(&std::fs::read(&creds).unwrap()).unwrap();

    let show = home.ok(&["auth", "show"]);
    let lines: Vec<&str> = show.lines().collect();
    assert_eq!(lines.len(), 3, "{show}");
    assert_eq!(lines[0], format!("Credentials for {EMAIL}"));
    assert_eq!(lines[1], format!("Billing id = {}", stored.billing_id));
    assert!(stored.billing_id.starts_with("strmbart"));
    let until = lines[2]
        .strip_prefix("Current token valid until = ")
        .and_then(|t| t.strip_suffix(" UTC"))
        .unwrap_or_else(|| panic!("{show}"));
    let expected = time::OffsetDateTime::from_unix_timestamp(stored.expires_at).unwrap();
    assert_eq!(
        until,
        expected
            .format(time::macros::format_description!(
                "[year]-[month]-[day]T[hour]:[minute]:[second]"
            ))
            .unwrap()
    );

    let shown: AuthResponse =
        serde_json::from_value(home.json(&["auth", "show", "--json"])).unwrap();
    assert_eq!(shown, stored);

    // Creating a stream
    assert_eq!(home.json(&["streams", "list"]), json!([]));
    let stream = home.json(&["streams", "create", "bart"]);
    assert_eq!(stream["name"], "bart");
    assert_eq!(stream["tags"], json!([]));
    let client_id = stream["credentials"]["clientId"].as_str().unwrap();
    let secret = stream["credentials"]["clientSecret"].as_str().unwrap();
    assert_eq!(client_id.len(), 30);
    assert_eq!(secret.len(), 30);
    let secrets_file = home.config_dir().join("client-secrets.json");
    assert_eq!(mode(&secrets_file), 0o600);
    let saved: Value = serde_json::from_slice(&std::fs::read(&secrets_file).unwrap()).unwrap();
    let host_key = strm_client::paths::host_key(&server.url());
    assert_eq!(
        saved[&host_key][format!("{}/bart", stored.billing_id)],
        json!({"clientId": client_id, "clientSecret": secret})
    );

    // Creating decrypted streams
    let help = home.ok(&["outputs", "create", "--help"]);
    assert!(help.starts_with("Usage: strm-tui outputs create [OPTIONS] name output-name"));
    assert!(help.contains("-cl, --consent-level INT"), "{help}");
    assert!(
        help.contains("-clt, --consent-level-type [GRANULAR|CUMULATIVE]"),
        "{help}"
    );
    let output = home.json(&[
        "outputs", "create", "bart", "level0-1", "-cl", "0", "-cl", "1", "-clt", "GRANULAR",
    ]);
    assert_eq!(output["linkedStream"], "bart");
    assert_eq!(output["name"], "level0-1");
    assert_eq!(output["tags"], json!([]));
    assert_eq!(output["consentLevelType"], "GRANULAR");
    assert_eq!(output["consentLevels"], json!([0, 1]));
    assert_eq!(output["decrypterName"], "default");
    assert!(output["credentials"]["clientSecret"].is_string());
    let saved: Value = serde_json::from_slice(&std::fs::read(&secrets_file).unwrap()).unwrap();
    assert_eq!(
        saved[&host_key][format!("{}/level0-1", stored.billing_id)]["clientId"],
        output["credentials"]["clientId"]
    );

    // Exporting to S3: a sink from an `aws iam create-access-key` file
    home.file("s3.json", S3_JSON);
    let sink = home.json(&words(
        "sinks create s3 s3-bart --bucket-name bvandeenen-streammachine-bucket -cf s3.json",
    ));
    assert_eq!(
        sink,
        json!({"sinkType": "S3", "sinkName": "s3-bart", "bucketName": "bvandeenen-streammachine-bucket"})
    );
    assert_eq!(home.json(&["sinks", "list"]), json!([sink]));
    assert_eq!(
        home.json(&["sinks", "list", "-n", "s3-bart", "-st", "S3"]),
        sink
    );

    let help = home.ok(&["exporters", "create", "--help"]);
    assert!(help.starts_with("Usage: strm-tui exporters create [OPTIONS] streamName"));
    for form in [
        "-en, --exporter-name TEXT",
        "-sn, --sink-name TEXT",
        "-st, --sink-type [S3|GCLOUD]",
        "-i, --interval INT",
        "-pp, --path-prefix TEXT",
    ] {
        assert!(help.contains(form), "{form}: {help}");
    }
    let exporter = home.json(&words(
        "exporters create -en s3 -sn s3-bart -st S3 -i 30 -pp level01 level0-1",
    ));
    assert_eq!(
        exporter,
        json!({"name": "s3", "linkedStream": "level0-1", "sinkName": "s3-bart", "sinkType": "S3",
               "intervalSecs": 30, "type": "BATCH", "pathPrefix": "level01"})
    );

    // The lists
    let streams = home.json(&["streams", "list"]);
    assert_eq!(streams.as_array().unwrap().len(), 1);
    assert_eq!(streams[0]["name"], "bart");
    assert!(
        streams[0]["credentials"].get("clientSecret").is_none(),
        "lists never show secrets"
    );
    assert_eq!(
        home.json(&["streams", "list", "-n", "bart"])["name"],
        "bart"
    );
    let outputs = home.json(&["outputs", "list", "bart"]);
    assert_eq!(outputs[0]["name"], "level0-1");
    assert_eq!(
        home.json(&["outputs", "list", "bart", "-on", "level0-1"])["consentLevels"],
        json!([0, 1])
    );
    assert_eq!(home.json(&["exporters", "list"]), json!([exporter]));
    assert_eq!(
        home.json(&["exporters", "get", "level0-1", "-en", "s3"]),
        exporter
    );
    assert_eq!(
        home.json(&["consent-levels", "create", "0", "-n", "necessary"]),
        json!({"id": 0, "name": "necessary"})
    );
    assert_eq!(
        home.json(&["consent-levels", "list"]),
        json!([{"id": 0, "name": "necessary"}])
    );
    assert_eq!(
        home.json(&["consent-levels", "list", "-i", "0"])["name"],
        "necessary"
    );

    // A token for the OpenAPI page
    let token = home.ok(&["auth", "print-access-token"]);
    assert_eq!(token.trim(), stored.id_token);

    // The deletes, each confirmed on one line and gone afterwards
    for (args, gone) in [
        (
            &["exporters", "delete", "level0-1", "-en", "s3"][..],
            &["exporters", "list"][..],
        ),
        (&["sinks", "delete", "s3-bart", "S3"], &["sinks", "list"]),
        (
            &["outputs", "delete", "bart", "level0-1"],
            &["outputs", "list", "bart"],
        ),
        (&["streams", "delete", "bart"], &["streams", "list"]),
        (
            &["consent-levels", "delete", "0"],
            &["consent-levels", "list"],
        ),
    ] {
        let out = home.ok(args);
        assert_eq!(out.lines().count(), 1, "{args:?}: {out}");
        assert!(out.starts_with("Deleted "), "{out}");
        assert_eq!(home.json(gone), json!([]), "{gone:?}");
    }

    // Logging out deletes the credentials file
    home.ok(&["auth", "logout"]);
    assert!(!creds.exists());
    let err = home.fails(&["streams", "list"], 1);
    assert!(err.contains("not logged in"), "{err}");
    server.shutdown().await;
}
