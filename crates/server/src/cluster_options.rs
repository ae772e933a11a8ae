//! Where a node keeps what it serves, and how it names itself: the options a node of a
//! cluster is started with (`strm-tui serve --database --event-store --event-replicas
//! --node-name`). The defaults are one machine: SQLite and the local event log.

use strm_model::rules::{self, DatabaseOption, EventStoreOption};

#[derive(Debug, Clone)]
pub struct ClusterOptions {
    /// Where accounts, resources, keys and positions are kept: SQLite in the data
    /// directory, or a PostgreSQL the nodes share.
    pub database: DatabaseOption,
    /// Where events are kept: the data directory's log, or a NATS JetStream cluster.
    pub event_store: EventStoreOption,
    /// JetStream replicas of the events (1 with the local store).
    pub event_replicas: usize,
    /// How this node appears in logs, the `Strm-Node` header and `GET /v1/nodes`;
    /// host name and port when `None`.
    pub node_name: Option<String>,
}

impl Default for ClusterOptions {
    fn default() -> Self {
        ClusterOptions {
            database: DatabaseOption::Sqlite,
            event_store: EventStoreOption::Local,
            event_replicas: 1,
            node_name: None,
        }
    }
}

impl ClusterOptions {
    /// Refuses option values that break a rule, naming the option, the value's problem
    /// and the rule.
    pub fn check(&self) -> Result<(), strm_model::Invalid> {
        rules::check_event_replicas(self.event_replicas, &self.event_store)?;
        if let Some(name) = &self.node_name {
            rules::check_node_name(name)?;
        }
        Ok(())
    }
}
