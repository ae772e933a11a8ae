//! The nodes that share a PostgreSQL database, in its `strm_nodes` table: each live node
//! writes when it was last seen every third of the lease TTL and removes itself when it
//! stops. A node whose events stay in its own data directory (the local event store)
//! cannot share the database with another live node — the other could not read those
//! events — so such a start is refused, naming the other node and what to use instead.

use std::time::Duration;

use crate::db::Db;
use crate::params;
use crate::sql::DbError;
use strm_model::rules::EventStoreOption;

/// A live node as the registry holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registered {
    pub name: String,
    pub address: String,
    pub event_store: String,
}

#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// The other live nodes: seen within `ttl`, by name.
fn others(db: &Db, me: &str, ttl: Duration) -> Result<Vec<Registered>, DbError> {
    let since = strm_model::now_epoch_ms() - ttl.as_millis() as i64;
    db.blocking(|c| {
        c.query_map(
            "SELECT name, address, event_store FROM strm_nodes
             WHERE seen_ms > ?1 AND name <> ?2 ORDER BY name",
            params![since, me],
            |r| {
                Ok(Registered {
                    name: r.get(0)?,
                    address: r.get(1)?,
                    event_store: r.get(2)?,
                })
            },
        )
    })
}

/// Joins the registry as `me`, unless the mix cannot be shared: a local event store
/// with another live node, or any node with one.
pub fn join(
    db: &Db,
    me: &Registered,
    store: &EventStoreOption,
    ttl: Duration,
) -> Result<(), RegistryError> {
    let live = others(db, &me.name, ttl)?;
    if let Some(other) = live.first()
        && matches!(store, EventStoreOption::Local)
    {
        return Err(RegistryError::Refused(format!(
            "--event-store local: node {:?} ({}) is live on this database, and a local event \
             log is this node's alone; give every node sharing a database the same \
             --event-store nats://… (or stop {:?} first)",
            other.name, other.address, other.name
        )));
    }
    if let Some(local) = live.iter().find(|n| n.event_store == "local") {
        return Err(RegistryError::Refused(format!(
            "--database: node {:?} ({}) serves this database with its own local event log, \
             which no other node can read; restart it with --event-store nats://… first",
            local.name, local.address
        )));
    }
    beat(db, me)?;
    Ok(())
}

/// Writes that `me` is live now.
pub fn beat(db: &Db, me: &Registered) -> Result<(), DbError> {
    db.blocking(|c| {
        c.execute(
            "INSERT INTO strm_nodes (name, address, event_store, started, seen_ms)
             VALUES (?1, ?2, ?3, ?4, ?4)
             ON CONFLICT (name) DO UPDATE SET address = excluded.address,
                 event_store = excluded.event_store, seen_ms = excluded.seen_ms",
            params![
                me.name,
                me.address,
                me.event_store,
                strm_model::now_epoch_ms()
            ],
        )
    })?;
    Ok(())
}

/// Leaves the registry (a clean stop): the node's name is free at once.
pub fn leave(db: &Db, name: &str) {
    if let Err(e) =
        db.blocking(|c| c.execute("DELETE FROM strm_nodes WHERE name = ?1", params![name]))
    {
        tracing::warn!(error = %e, "leaving the node registry failed; it lapses by itself");
    }
}

/// Beats every third of `ttl` until `stop` turns true, then leaves.
pub fn spawn_heartbeat(
    db: Db,
    me: Registered,
    ttl: Duration,
    stop: tokio::sync::watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        crate::cluster::every(ttl / 3, stop, || async {
            let (db, me) = (db.clone(), me.clone());
            let beaten = tokio::task::spawn_blocking(move || beat(&db, &me)).await;
            if let Ok(Err(e)) = beaten {
                tracing::warn!(error = %e, "node heartbeat to PostgreSQL failed; retrying");
            }
        })
        .await;
        let name = me.name.clone();
        let _ = tokio::task::spawn_blocking(move || leave(&db, &name)).await;
    })
}
