//! Nodes of a cluster for the tests: `strm-tui` servers whose events are in one NATS
//! JetStream (`nats`), in this process (`LocalServer`) or as `serve` processes that a
//! test can kill.
//!
//! How the nodes share accounts, resources, credentials and keys is `Database`: one
//! PostgreSQL (`support::postgres`), as a cluster runs; or each node an SQLite file of its
//! own, a copy of the first node's taken after the test seeded it (what a cluster could do
//! before it shared a database, and still the way to test the events alone).

use std::path::{Path, PathBuf};

use strm_client::events::{EventClient, EventHosts};
use strm_model::Credentials;
use strm_model::rules::{DatabaseOption, EventStoreOption};
use strm_server::ServerConfig;

use super::processes::serve_with;
use super::{KillOnDrop, LocalServer, Scenario};
use crate::support::nats::Nats;

/// How the nodes of a test share the control plane's state.
#[derive(Debug, Clone)]
pub enum Database {
    /// Each node an SQLite copy of the first node's database, taken when it joins.
    SqliteCopies,
    /// One PostgreSQL database (its URL) that every node uses.
    Postgres(String),
}

/// The configuration of a node on `nats` and `database`.
pub fn on_cluster(
    nats: &Nats,
    database: &Database,
    name: &str,
) -> impl FnOnce(&mut ServerConfig) + use<> {
    let on = on_nats(nats, name);
    let database = database.clone();
    move |config| {
        on(config);
        if let Database::Postgres(url) = database {
            config.cluster.database = DatabaseOption::Postgres(url);
        }
    }
}

/// The configuration of a node on `nats` with as many replicas as it has servers.
pub fn on_nats(nats: &Nats, name: &str) -> impl FnOnce(&mut ServerConfig) + use<> {
    let (urls, replicas, name) = (nats.urls(), nats.replicas(), name.to_string());
    move |config| {
        config.cluster.event_store =
            EventStoreOption::Nats(urls.split(',').map(String::from).collect());
        config.cluster.event_replicas = replicas;
        config.cluster.node_name = Some(name);
    }
}

/// `strm-tui serve`'s options for a node on `nats`.
pub fn nats_args(nats: &Nats, name: &str) -> Vec<String> {
    vec![
        "--event-store".into(),
        nats.urls(),
        "--event-replicas".into(),
        nats.replicas().to_string(),
        "--node-name".into(),
        name.into(),
    ]
}

/// Gives a new node's server directory what `database` says it shares with `first`'s.
pub fn share_database(database: &Database, first: &Path, server_dir: &Path) {
    std::fs::create_dir_all(server_dir).unwrap();
    // Secrets are sealed with the first node's master key: every node needs it.
    std::fs::copy(first.join("master.key"), server_dir.join("master.key")).unwrap();
    match database {
        Database::SqliteCopies => {
            std::fs::create_dir_all(server_dir).unwrap();
            let db = rusqlite::Connection::open(first.join("strm.db")).unwrap();
            let copy = server_dir.join("strm.db");
            // A consistent snapshot of a database another process is writing.
            db.execute("VACUUM INTO ?1", [copy.to_str().unwrap()])
                .unwrap();
        }
        Database::Postgres(_) => {}
    }
}

/// A node in this process on `nats` that shares `database` with `first`.
pub async fn join_node(
    first: &LocalServer,
    nats: &Nats,
    name: &str,
    database: Database,
) -> LocalServer {
    let dir = tempfile::tempdir().unwrap();
    share_database(
        &database,
        &first.dir().join("server"),
        &dir.path().join("server"),
    );
    LocalServer::start_in(dir, on_cluster(nats, &database, name)).await
}

/// Two nodes in this process on `nats` and a new database `name` of `pg`.
pub async fn two_nodes(
    pg: &crate::support::postgres::Postgres,
    nats: &Nats,
    name: &str,
) -> (LocalServer, LocalServer) {
    let shared = Database::Postgres(pg.database(name));
    let node1 = LocalServer::start_with(on_cluster(nats, &shared, "node-1")).await;
    let node2 = join_node(&node1, nats, "node-2", shared).await;
    (node1, node2)
}

/// A `strm-tui serve` node in a home of its own under `root` on `nats`, sharing
/// `database` with the server directory `first` (none: it is the first); with its URL.
pub fn serve_node(
    root: &Path,
    nats: &Nats,
    name: &str,
    database: &Database,
    first: Option<&Path>,
) -> (KillOnDrop, String) {
    if let Some(first) = first {
        share_database(database, first, &server_dir(root));
    }
    let mut args = nats_args(nats, name);
    if let Database::Postgres(url) = database {
        args.extend(["--database".to_string(), url.clone()]);
    }
    serve_with(root, &args)
}

/// The server directory of a `serve` node in `root`.
pub fn server_dir(root: &Path) -> PathBuf {
    root.join("data/server")
}

impl Scenario {
    /// A data-plane client of `c` that talks to the node at `url`.
    pub fn client_at(&self, url: &str, c: &Credentials) -> EventClient {
        EventClient::new(EventHosts::single(url).unwrap(), self.triplet(c)).unwrap()
    }
}
