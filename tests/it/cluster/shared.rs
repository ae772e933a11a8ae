//! Nodes that share one PostgreSQL (and one JetStream): any node answers anything, the
//! database going away is a 503 with the reason and comes back by itself, and a node
//! whose events would stay in its own directory is refused.

use strm_model::rules::DatabaseOption;

use crate::contracts::{checkout, register_checkout};
use crate::support::cluster::{Database, on_cluster, two_nodes};
use crate::support::nats::Nats;
use crate::support::postgres::Postgres;
use crate::support::{
    LocalServer, click, cumulative, next_json, seed_resources, send_click, stream, wait_for,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_seed_sequence_through_node_1_reads_back_on_node_2_and_back() {
    let (pg, nats) = (Postgres::start().await, Nats::single().await);
    let (node1, node2) = two_nodes(&pg, &nats, "seed").await;
    let on1 = node1.account("seed@example.com").await;
    seed_resources(&on1).await;
    // The same account signs in on node 2 and finds everything node 1 made.
    let on2 =
        crate::support::accounts::sign_in(&node2.url(), node2.dir(), "seed@example.com").await;
    let names = |streams: Vec<strm_model::Stream>| -> Vec<String> {
        streams.into_iter().map(|s| s.name).collect()
    };
    assert_eq!(names(on2.list_streams().await.unwrap()), ["bart"]);
    assert_eq!(
        on2.list_outputs("bart").await.unwrap(),
        on1.list_outputs("bart").await.unwrap()
    );
    assert_eq!(
        on2.list_sinks().await.unwrap(),
        on1.list_sinks().await.unwrap()
    );
    assert_eq!(
        on2.list_exporters().await.unwrap(),
        on1.list_exporters().await.unwrap()
    );
    // A stream made on node 2 is on node 1 at once; a name taken there is taken here.
    on2.create_stream(&stream("lisa")).await.unwrap();
    assert_eq!(names(on1.list_streams().await.unwrap()), ["bart", "lisa"]);
    let taken = on1.create_stream(&stream("lisa")).await.unwrap_err();
    assert_eq!(taken.status(), Some(409), "{taken}");
    on1.delete_stream("lisa", false).await.unwrap();
    assert_eq!(names(on2.list_streams().await.unwrap()), ["bart"]);
    node2.shutdown().await;
    node1.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_down_is_a_503_with_the_reason_and_service_returns_by_itself() {
    let (mut pg, nats) = (Postgres::start().await, Nats::single().await);
    let url = pg.database("outage");
    let node = LocalServer::start_with(on_cluster(&nats, &Database::Postgres(url), "node-1")).await;
    let s = node.seed("outage@example.com").await;
    let sender = s.client(&s.stream);
    send_click(&sender, "session-1", &[0, 1], "https://a.io/before").await;

    pg.stop();
    let down = s.api.list_streams().await.unwrap_err();
    assert_eq!(down.status(), Some(503), "{down}");
    assert!(down.to_string().contains("PostgreSQL"), "{down}");
    // A new session needs its key from the database: the event is refused, not lost.
    let refused = sender
        .send_json(
            "clickstream",
            &click("session-new", &[0, 1], "https://a.io/x"),
        )
        .await
        .unwrap_err();
    assert_eq!(refused.status(), Some(503), "{refused}");

    pg.start_again().await;
    let streams = wait_for(30, async || s.api.list_streams().await.ok()).await;
    assert_eq!(streams.len(), 1);
    send_click(&sender, "session-new", &[0, 1], "https://a.io/after").await;
    node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_local_event_store_on_a_shared_database_is_refused_naming_the_other_node() {
    let (pg, nats) = (Postgres::start().await, Nats::single().await);
    let shared = Database::Postgres(pg.database("mixed"));
    let node1 = LocalServer::start_with(on_cluster(&nats, &shared, "node-1")).await;
    let Database::Postgres(url) = &shared else {
        unreachable!()
    };
    let dir = tempfile::tempdir().unwrap();
    crate::support::cluster::share_database(
        &shared,
        &node1.dir().join("server"),
        &dir.path().join("server"),
    );
    let mut config = strm_server::ServerConfig::new(dir.path().join("server"));
    config.addr = "127.0.0.1:0".parse().unwrap();
    config.cluster.database = DatabaseOption::Postgres(url.clone());
    config.cluster.node_name = Some("node-2".into());
    let refused = strm_server::start(config).await.unwrap_err().to_string();
    assert!(
        refused.contains("--event-store local") && refused.contains("\"node-1\""),
        "{refused}"
    );
    assert!(
        refused.contains("nats://"),
        "says what to use instead: {refused}"
    );
    node1.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_forgotten_on_node_1_is_forgotten_by_node_2_at_once() {
    let (pg, nats) = (Postgres::start().await, Nats::single().await);
    let (node1, node2) = two_nodes(&pg, &nats, "forget").await;
    let s = node1
        .scenario("forget@example.com", "shop", cumulative("everything", 2))
        .await;
    register_checkout(&s.api).await;
    let r = "acme/checkout/1.0.0";
    let via2 = s.client_at(&node2.url(), &s.stream);
    let mut on1 = s.client(&s.output).receive(true).await.unwrap();
    // Node 2 makes (and keeps in memory) the key of session s-1 for Alice's event.
    via2.send_json(r, &checkout("s-1", "alice", &[0, 1, 2]))
        .await
        .unwrap();
    assert_eq!(next_json(&mut on1).await["customer"]["id"], "alice");

    s.api
        .delete_data_subjects(&["alice".to_string()])
        .await
        .unwrap();
    // Dave's event of the same session, accepted by node 2, must not be encrypted with
    // the destroyed key: node 1 reads it (a node that kept the key would use it, and no
    // node could read the event).
    let seen = wait_for(20, async || {
        via2.send_json(r, &checkout("s-1", "dave", &[0, 1, 2]))
            .await
            .unwrap();
        let e = tokio::time::timeout(std::time::Duration::from_secs(1), next_json(&mut on1))
            .await
            .ok()?;
        Some(e["customer"]["id"].clone())
    })
    .await;
    assert_eq!(seen, "dave");
    node2.shutdown().await;
    node1.shutdown().await;
}
