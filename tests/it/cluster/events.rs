//! The seed's event path and the 2021 Python driver with the events in JetStream.

use crate::dataplane::ingest::events_in_and_out;
use crate::dataplane::python::driver_round_trip;
use crate::support::LocalServer;
use crate::support::cluster::{on_nats, two_nodes};
use crate::support::nats::Nats;
use crate::support::postgres::Postgres;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_seed_event_path_runs_on_a_jetstream_event_store() {
    let nats = Nats::single().await;
    events_in_and_out(LocalServer::start_with(on_nats(&nats, "node-1")).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_2021_python_driver_sends_to_node_2_and_receives_on_node_1() {
    let (pg, nats) = (Postgres::start().await, Nats::single().await);
    let (node1, node2) = two_nodes(&pg, &nats, "driver").await;
    // The account and its resources are made on node 1; node 2 encrypts with keys it
    // makes itself, which node 1 finds in the shared database to decrypt.
    let s = node1.seed("python@example.com").await;
    let (to, from) = (node2.server.addr(), node1.server.addr());
    driver_round_trip(&s, &to.to_string(), &from.to_string()).await;
    node2.shutdown().await;
    node1.shutdown().await;
}
