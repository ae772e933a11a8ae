//! schemathesis (from PyPI, in the test virtualenv) over the server's published
//! `/openapi.json` with every check: the server and the document agree exactly, and every
//! answer but 204 has a JSON body (the data plane's `POST /event` answers plain text, as
//! its contract says). Bounded in time.

use std::process::Command;

use crate::support::{PASSWORD, Served, output, sink, stream, venv};

/// Seconds schemathesis may spend (its phases repeat until then).
const MAX_TIME: &str = "120";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schemathesis_with_every_check_finds_nothing() {
    let (dir, served) = Served::with_user("fuzz@example.com", "warn");
    // Some resources, so that fuzzed names sometimes meet existing ones.
    let api = crate::support::account(&served.url, dir.path(), "seeded@example.com").await;
    let paths = strm_client::paths::Paths::under(&dir.path().join("fuzz"));
    let fuzz = strm_client::ApiClient::with_store(
        &served.url,
        strm_client::CredentialStore::for_api(&paths, &served.url),
    )
    .unwrap();
    let session = fuzz.login("fuzz@example.com", PASSWORD).await.unwrap();
    for (client, bucket) in [(&api, "seeded-bucket"), (&fuzz, "fuzz-bucket")] {
        client.create_stream(&stream("bart")).await.unwrap();
        client
            .create_output("bart", &output("level0-1", &[0, 1]))
            .await
            .unwrap();
        client
            .create_sink(&sink("s3-bart", bucket, None))
            .await
            .unwrap();
    }
    let config = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schemathesis.toml");
    let out = Command::new(venv().join("bin/schemathesis"))
        .arg("--config-file")
        .arg(&config)
        .arg("--no-color")
        .args(["run", &format!("{}/openapi.json", served.url)])
        // One worker: hypothesis parses lambdas' source with `ast`, which CPython 3.11
        // can break on when two threads do it at once ("AST constructor recursion depth
        // mismatch"), an error of the fuzzer and not of the server.
        .args(["--checks", "all", "--max-time", MAX_TIME, "--workers", "1"])
        .args(["--request-timeout", "30", "--generation-database", "none"])
        .args(["-H", &format!("Authorization: Bearer {}", session.id_token)])
        .current_dir(dir.path())
        .output()
        .expect("schemathesis runs (scripts/test installs it into the virtualenv)");
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "schemathesis found failures:\n{report}\n{}\nserver log:\n{}",
        String::from_utf8_lossy(&out.stderr),
        served.log()
    );
    assert!(
        report.contains("No issues found") || report.contains("passed"),
        "{report}"
    );
}
