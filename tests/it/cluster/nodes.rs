//! Two nodes on one JetStream: egress across nodes, the nodes list and the header that
//! names the answering node, and an exporter's lease moving when its node is killed.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use object_store::ObjectStore;
use strm_client::ApiClient;

use crate::dataplane::assert_each_exported_once;
use crate::support::cluster::{Database, join_node, on_nats, serve_node, server_dir, two_nodes};
use crate::support::events::count_exported;
use crate::support::load::Load;
use crate::support::moto::{Moto, texts_of};
use crate::support::nats::Nats;
use crate::support::postgres::Postgres;
use crate::support::{
    LocalServer, PASSWORD, Scenario, is_ciphertext, next_json, send_click, wait_for,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_accepted_by_node_2_reaches_each_websocket_on_node_1_once() {
    let (pg, nats) = (Postgres::start().await, Nats::single().await);
    let (node1, node2) = two_nodes(&pg, &nats, "across").await;
    let s = node1.seed("across@example.com").await;

    let mut stream_tail = s.client(&s.stream).receive(false).await.unwrap();
    let mut second_tail = s.client(&s.stream).receive(false).await.unwrap();
    let mut output_tail = s.client(&s.output).receive(true).await.unwrap();
    let on_node2 = s.client_at(&node2.url(), &s.stream);
    send_click(&on_node2, "session-a", &[0, 1], "https://a.io/1").await;
    let seen = next_json(&mut stream_tail).await;
    assert_eq!(seen["url"], "https://a.io/1");
    assert!(is_ciphertext(&seen["customer"]["id"]), "{seen}");
    assert_eq!(next_json(&mut second_tail).await["url"], "https://a.io/1");
    let out = next_json(&mut output_tail).await;
    assert_eq!(
        out["customer"]["id"], "customer-session-a",
        "decrypted on node 1"
    );

    // An event node 1 accepted itself comes next, once: no second copy of either.
    send_click(&s.client(&s.stream), "session-a", &[0, 1], "https://a.io/2").await;
    assert_eq!(next_json(&mut stream_tail).await["url"], "https://a.io/2");
    assert_eq!(next_json(&mut output_tail).await["url"], "https://a.io/2");
    // One tail of the stream goes; the other keeps receiving.
    drop(second_tail);
    send_click(&on_node2, "session-a", &[0, 1], "https://a.io/3").await;
    assert_eq!(next_json(&mut stream_tail).await["url"], "https://a.io/3");
    node2.shutdown().await;
    node1.shutdown().await;
}

/// An API client of `email` signed in at `url` (the account is in that node's database).
async fn signed_in(url: &str, dir: &Path, email: &str) -> ApiClient {
    let paths = strm_client::paths::Paths::under(&dir.join(format!("{email}-{}", url.len())));
    let api =
        ApiClient::with_store(url, strm_client::CredentialStore::for_api(&paths, url)).unwrap();
    api.login(email, PASSWORD).await.unwrap();
    api
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_nodes_list_and_every_answer_name_the_nodes() {
    let nats = Nats::single().await;
    let node1 = LocalServer::start_with(on_nats(&nats, "node-1")).await;
    let s = node1.seed("nodes@example.com").await;
    let node2 = join_node(&node1, &nats, "node-2", Database::SqliteCopies).await;
    let list = s.api.list_nodes().await.unwrap();
    let names: Vec<&str> = list.nodes.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(names, ["node-1", "node-2"]);
    assert_eq!(list.nodes[0].address, node1.url());
    assert_eq!(list.nodes[1].address, node2.url());
    assert_eq!(list.nodes[0].event_store, "jetstream R1");
    assert_eq!(s.api.last_node().as_deref(), Some("node-1"));
    let on_node2 = signed_in(&node2.url(), node2.dir(), "nodes@example.com").await;
    on_node2.list_streams().await.unwrap();
    assert_eq!(on_node2.last_node().as_deref(), Some("node-2"));

    // A node that stops leaves the list at once.
    node2.shutdown().await;
    let names: Vec<String> = s
        .api
        .list_nodes()
        .await
        .unwrap()
        .nodes
        .into_iter()
        .map(|n| n.name)
        .collect();
    assert_eq!(names, ["node-1"]);
    node1.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_single_server_lists_itself_with_the_callers_exporters_only() {
    let local = LocalServer::start().await;
    let s = local.seed("one@example.com").await;
    s.export("level0-1", "bart-bucket", None).await;
    let nodes = s.api.list_nodes().await.unwrap().nodes;
    assert_eq!(nodes.len(), 1, "{nodes:?}");
    assert_eq!(nodes[0].event_store, "local");
    assert_eq!(nodes[0].address, local.url());
    assert_eq!(nodes[0].exporters, ["level0-1/s3"]);
    assert_eq!(s.api.last_node().as_deref(), Some(nodes[0].name.as_str()));
    let other = local.account("other@example.com").await;
    assert!(
        other.list_nodes().await.unwrap().nodes[0]
            .exporters
            .is_empty()
    );
    local.shutdown().await;
}

/// The node whose heartbeat lists the exporter, asked of `api`'s node.
async fn holder(api: &ApiClient) -> Option<String> {
    let nodes = api.list_nodes().await.ok()?.nodes;
    nodes
        .into_iter()
        .find(|n| n.exporters.iter().any(|e| e == "bart/s3"))
        .map(|n| n.name)
}

/// How often each event number is in the bucket's event batches.
async fn exported(store: &impl ObjectStore) -> Option<BTreeMap<u32, u32>> {
    let mut counts = BTreeMap::new();
    for body in texts_of(store, "-stream-").await? {
        count_exported(&body, &mut counts)?;
    }
    Some(counts)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_exporters_of_a_killed_node_move_and_export_every_accepted_event_once() {
    let moto = Moto::with_bucket("lease-bucket").await;
    let (pg, nats) = (Postgres::start().await, Nats::single().await);
    let shared = Database::Postgres(pg.database("lease"));
    let (root1, root2) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (node1, url1) = serve_node(root1.path(), &nats, "node-1", &shared, None);
    let first = server_dir(root1.path());
    let (node2, url2) = serve_node(root2.path(), &nats, "node-2", &shared, Some(&first));
    // Nodes on a shared database make no local account of their own: each would reset
    // its password to the one in its own data directory.
    let local = pg.psql(
        "lease",
        "SELECT COUNT(*) FROM accounts WHERE email = 'local@strm.local'",
    );
    assert_eq!(local.unwrap(), "0");
    let s = Scenario::seed(&url1, root1.path(), "lease@example.com").await;
    s.export("bart", "lease-bucket", Some(moto.credentials()))
        .await;
    let api2 = signed_in(&url2, root2.path(), "lease@example.com").await;
    let held_by = wait_for(30, async || holder(&api2).await).await;
    let (mut doomed, survivor_url, survivor_api) = match held_by.as_str() {
        "node-1" => (node1, url2.clone(), api2),
        _ => (node2, url1.clone(), s.api.clone()),
    };

    // Events go to the node that lives; the holder dies half-way.
    let sender = Arc::new(s.client_at(&survivor_url, &s.stream));
    let load = Load::new();
    let senders = load.spawn(&sender, 300);
    wait_for(30, async || (load.accepted().len() >= 150).then_some(())).await;
    doomed.0.kill().unwrap();
    doomed.0.wait().unwrap();
    let killed = Instant::now();
    let new_holder = wait_for(60, async || {
        holder(&survivor_api).await.filter(|h| *h != held_by)
    })
    .await;
    let moved_after = killed.elapsed();
    load.stop(senders).await;
    let lease = strm_server::DEFAULT_LEASE_TTL;
    assert!(
        moved_after <= 2 * lease,
        "the exporter moved to {new_holder} after {moved_after:?}, not within two lease periods ({lease:?} each)"
    );
    assert_eq!(load.failed(), 0, "the surviving node accepted every event");

    let store = moto.store("lease-bucket");
    assert_each_exported_once(&load.accepted(), async || exported(&store).await).await;
}
