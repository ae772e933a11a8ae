//! What JetStream keeps: a deleted stream's events are purged (cluster-wide: they are
//! gone from JetStream itself), other streams' stay; events older than the retention
//! are dropped by JetStream's `max_age`.

use std::time::Duration;

use crate::support::cluster::on_nats;
use crate::support::nats::Nats;
use crate::support::{LocalServer, send_click, stream, wait_for};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_a_stream_purges_its_events_and_no_others() {
    let nats = Nats::single().await;
    let local = LocalServer::start_with(on_nats(&nats, "node-1")).await;
    let s = local.seed("purge@example.com").await;
    let other = s.api.create_stream(&stream("other")).await.unwrap();
    let sender = s.client(&s.stream);
    let other_sender = s.client(&other.credentials);
    for n in 0..3 {
        send_click(&sender, "session-1", &[0], &format!("https://a.io/{n}")).await;
    }
    send_click(&other_sender, "session-1", &[0], "https://a.io/other").await;
    assert_eq!(nats.count_events(&s.billing_id, "bart").await, 3);

    s.api.delete_stream("bart", true).await.unwrap();
    assert_eq!(nats.count_events(&s.billing_id, "bart").await, 0);
    assert_eq!(nats.count_events(&s.billing_id, "other").await, 1);
    local.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jetstream_drops_events_older_than_the_retention() {
    let nats = Nats::single().await;
    let on = on_nats(&nats, "node-1");
    let local = LocalServer::start_with(|config| {
        on(config);
        config.retention = Duration::from_secs(5);
    })
    .await;
    let s = local.seed("old@example.com").await;
    let sender = s.client(&s.stream);
    send_click(&sender, "session-1", &[0], "https://a.io/1").await;
    send_click(&sender, "session-1", &[0], "https://a.io/2").await;
    assert_eq!(nats.count_events(&s.billing_id, "bart").await, 2);
    wait_for(30, async || {
        (nats.count_events(&s.billing_id, "bart").await == 0).then_some(())
    })
    .await;
    // The store goes on accepting.
    send_click(&sender, "session-1", &[0], "https://a.io/3").await;
    assert_eq!(nats.count_events(&s.billing_id, "bart").await, 1);
    local.shutdown().await;
}
