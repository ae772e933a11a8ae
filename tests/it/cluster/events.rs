//! The seed's event path and the 2021 Python driver with the events in JetStream.

use crate::dataplane::ingest::events_in_and_out;
use crate::dataplane::python::{DRIVER_SESSIONS, driver_round_trip};
use crate::support::cluster::{Database, join_node, on_nats};
use crate::support::nats::Nats;
use crate::support::{LocalServer, send_click};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_seed_event_path_runs_on_a_jetstream_event_store() {
    let nats = Nats::single().await;
    events_in_and_out(LocalServer::start_with(on_nats(&nats, "node-1")).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_2021_python_driver_sends_to_node_2_and_receives_on_node_1() {
    let nats = Nats::single().await;
    let node1 = LocalServer::start_with(on_nats(&nats, "node-1")).await;
    let s = node1.seed("python@example.com").await;
    // Node 1 makes the keys of the driver's sessions before node 2 copies its database,
    // so that node 1 can decrypt what node 2 encrypts (a shared database needs no such
    // step).
    let sender = s.client(&s.stream);
    for session in DRIVER_SESSIONS {
        send_click(&sender, session, &[0, 1], "https://a.io/keys").await;
    }
    let node2 = join_node(&node1, &nats, "node-2", Database::SqliteCopies).await;
    let (to, from) = (node2.server.addr(), node1.server.addr());
    driver_round_trip(&s, &to.to_string(), &from.to_string()).await;
    node2.shutdown().await;
    node1.shutdown().await;
}
