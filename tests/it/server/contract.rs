//! The route table, the OpenAPI document and the methods the server answers agree.

use std::collections::BTreeSet;

use serde_json::Value;
use strm_server::routes::{OPENAPI_JSON, table};

use super::raw::Raw;
use crate::support::LocalServer;

const METHODS: [&str; 5] = ["GET", "PUT", "POST", "DELETE", "PATCH"];

fn documented() -> BTreeSet<(String, String)> {
    let doc: Value = serde_json::from_str(OPENAPI_JSON).unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.0"));
    let mut set = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            if METHODS.contains(&method.to_uppercase().as_str()) {
                set.insert((path.clone(), method.to_uppercase()));
            }
        }
    }
    set
}

/// The route table's paths as OpenAPI writes them: axum's catch-all `{*key}` (an
/// object key with its slashes) is the document's `{key}`.
fn declared() -> BTreeSet<(String, String)> {
    table()
        .iter()
        .flat_map(|r| {
            r.methods
                .iter()
                .map(|m| (r.path.replace("{*", "{"), m.to_string()))
        })
        .collect()
}

#[test]
fn the_route_table_and_the_openapi_document_agree() {
    let (doc, table) = (documented(), declared());
    let undocumented: Vec<_> = table.difference(&doc).collect();
    let unserved: Vec<_> = doc.difference(&table).collect();
    assert!(
        undocumented.is_empty(),
        "routes missing from openapi.json: {undocumented:?}"
    );
    assert!(
        unserved.is_empty(),
        "documented but not routed: {unserved:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn declared_methods_are_answered_and_others_are_405() {
    let local = LocalServer::start().await;
    let api = local.account("table@example.com").await;
    let raw = Raw::for_client(&api).await;
    let (st, doc) = Raw::anonymous(&local.url())
        .send("GET", "/openapi.json", None)
        .await;
    assert_eq!(st, 200);
    assert_eq!(doc, serde_json::from_str::<Value>(OPENAPI_JSON).unwrap());
    for route in table() {
        let path = route
            .path
            .replace("{id}", "1")
            .split('/')
            .map(|seg| if seg.starts_with('{') { "x" } else { seg })
            .collect::<Vec<_>>()
            .join("/");
        for method in METHODS {
            // The data plane's /event and /is-alive answer plain text by contract
            // (data-plane.md); only the status matters here.
            let (st, v) = if path.starts_with("/v1") || path == "/openapi.json" {
                raw.send(method, &path, Some(b"{}".to_vec())).await
            } else {
                let resp = reqwest::Client::new()
                    .request(method.parse().unwrap(), format!("{}{path}", local.url()))
                    .body("{}")
                    .send()
                    .await
                    .unwrap();
                (resp.status(), Value::String(resp.text().await.unwrap()))
            };
            if route.methods.contains(&method) {
                assert_ne!(st, 405, "{method} {path}: {v}");
            } else {
                assert_eq!(st, 405, "{method} {path}: {v}");
            }
        }
    }
    local.shutdown().await;
}
