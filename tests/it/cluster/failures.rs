//! NATS failing under a node: stopped and started again (503 with the reason while it is
//! down, service by itself after), and one server of a three-server JetStream cluster
//! killed under load (R3: service goes on, every accepted event exported once).

use std::sync::Arc;

use crate::dataplane::assert_exported_once;
use crate::support::cluster::on_nats;
use crate::support::load::Load;
use crate::support::nats::Nats;
use crate::support::{LocalServer, click, next_json, send_click, wait_for};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_nats_down_events_get_503_with_the_reason_and_service_returns_by_itself() {
    let mut nats = Nats::single().await;
    let local = LocalServer::start_with(on_nats(&nats, "node-1")).await;
    let s = local.seed("down@example.com").await;
    let sender = s.client(&s.stream);
    send_click(&sender, "session-1", &[0, 1], "https://a.io/1").await;

    nats.kill(0);
    let refused = wait_for(15, async || {
        let e = click("session-1", &[0, 1], "https://a.io/2");
        sender.send_json("clickstream", &e).await.err()
    })
    .await;
    assert_eq!(refused.status(), Some(503), "{refused}");
    let says = refused.to_string();
    assert!(
        says.contains("NATS") && says.contains("send it again"),
        "{says}"
    );
    let tail = s.client(&s.output).receive(true).await;
    assert!(tail.is_err(), "a new tail is refused while NATS is down");

    nats.start_server(0).await;
    wait_for(60, async || {
        let e = click("session-1", &[0, 1], "https://a.io/3");
        sender.send_json("clickstream", &e).await.ok()
    })
    .await;
    let mut tail = wait_for(30, async || s.client(&s.output).receive(true).await.ok()).await;
    send_click(&sender, "session-1", &[0, 1], "https://a.io/4").await;
    assert_eq!(next_json(&mut tail).await["url"], "https://a.io/4");
    local.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_nats_server_of_three_killed_under_load_loses_no_accepted_event() {
    let mut nats = Nats::cluster().await;
    let local = LocalServer::start_with(on_nats(&nats, "node-1")).await;
    let s = local.seed("r3@example.com").await;
    s.export("bart", "r3-bucket", None).await;
    let sender = Arc::new(s.client(&s.stream));
    let load = Load::new();
    let senders = load.spawn(&sender, 400);
    wait_for(60, async || (load.accepted().len() >= 100).then_some(())).await;
    nats.kill(0);
    for task in senders {
        task.await.unwrap();
    }
    // Two of three servers keep the events' stream going: new sends are accepted.
    wait_for(30, async || {
        sender
            .send_json("clickstream", &click("session-1", &[0], "https://a.io/400"))
            .await
            .ok()
    })
    .await;
    load.restart_at(401);
    for task in load.spawn(&sender, 450) {
        task.await.unwrap();
    }
    assert_eq!(
        load.failed(),
        0,
        "with two servers of three every send is accepted"
    );
    let mut accepted = load.accepted();
    accepted.insert(400);
    assert_exported_once(
        &local.dir().join("server/buckets/r3-bucket/level01"),
        &accepted,
    )
    .await;
    local.shutdown().await;
}
