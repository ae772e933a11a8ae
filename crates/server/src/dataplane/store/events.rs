//! The accepted events, behind one seam with two backends: the data directory's own log
//! (`local`, the embedded default) or NATS JetStream (`cluster::events`), shared by the
//! nodes of a cluster.
//!
//! The reads keep the blocking signatures their callers (exporters, retention, stream
//! deletion) already run on the blocking pool with; for JetStream they wait there for
//! the asynchronous client. Appends are asynchronous for both.

mod local;

use std::future::Future;
use std::path::Path;
use std::sync::Arc;

use super::{Result, StoreError};
use crate::cluster::Cluster;
use crate::dataplane::eventlog::{AppendError, NewEvent, StoredEvent};
use crate::db::Db;

pub use self::local::LocalEvents;

/// How many events `pending_after` reads from JetStream at a time, and in all.
const PENDING_PAGE: usize = 1_000;
const PENDING_READ_CAP: usize = 50_000;

pub enum EventStore {
    Local(LocalEvents),
    JetStream(Arc<Cluster>),
}

/// Runs a JetStream request to its end from blocking code (the blocking pool, or a
/// worker of the multi-threaded runtime, which this hands its other tasks away first).
fn wait<F: Future>(work: F) -> F::Output {
    let handle = tokio::runtime::Handle::current();
    tokio::task::block_in_place(|| handle.block_on(work))
}

impl EventStore {
    /// The local log next to the database at `db_path`.
    pub(super) fn open_local(db_path: &Path, db: &Db) -> Result<EventStore> {
        Ok(EventStore::Local(LocalEvents::open(db_path, db)?))
    }

    /// The cluster, when the events are in JetStream.
    pub fn cluster(&self) -> Option<&Arc<Cluster>> {
        match self {
            EventStore::Local(_) => None,
            EventStore::JetStream(c) => Some(c),
        }
    }

    /// Appends an event; it returns once the event is stored (in the log, or
    /// acknowledged by JetStream with its replicas).
    pub async fn append(&self, event: NewEvent) -> std::result::Result<StoredEvent, AppendError> {
        match self {
            // Short enough for the request's own thread (see `eventlog`).
            EventStore::Local(l) => l.log().append_one(event),
            EventStore::JetStream(c) => c.events.append(event).await,
        }
    }

    /// Events of a stream after `after_seq`, oldest first.
    pub fn after(
        &self,
        account: &str,
        stream: &str,
        after_seq: i64,
        limit: usize,
    ) -> Result<Vec<StoredEvent>> {
        match self {
            EventStore::Local(l) => Ok(l.log().events_after(account, stream, after_seq, limit)?),
            EventStore::JetStream(c) => {
                Ok(wait(c.events.after(account, stream, after_seq, limit))?)
            }
        }
    }

    /// How many events of a stream are stored; 0 when the store cannot say (logged).
    pub fn count(&self, account: &str, stream: &str) -> usize {
        match self {
            EventStore::Local(l) => l.log().count(account, stream),
            EventStore::JetStream(c) => wait(c.events.count(account, stream)).unwrap_or_else(|e| {
                tracing::warn!(error = %e, "counting events failed");
                0
            }),
        }
    }

    /// Events of a stream after `after_seq` that a view admits, and when the first of
    /// them was accepted (an exporter's backlog).
    pub fn pending_after(
        &self,
        account: &str,
        stream: &str,
        after_seq: i64,
        admits: &dyn Fn(&[i32]) -> bool,
    ) -> Result<(u64, Option<i64>)> {
        match self {
            EventStore::Local(l) => Ok(l.log().pending_after(account, stream, after_seq, admits)),
            EventStore::JetStream(c) => pending_in_jetstream(c, account, stream, after_seq, admits),
        }
    }

    /// The newest sequence number, or 0.
    pub fn last_seq(&self) -> i64 {
        self.head().unwrap_or(0)
    }

    /// The newest sequence number, or 0; the reason when the store cannot say.
    pub fn head(&self) -> Result<i64> {
        match self {
            EventStore::Local(l) => Ok(l.log().last_seq()),
            EventStore::JetStream(c) => Ok(wait(c.events.last_seq())?),
        }
    }

    /// How long past a batch boundary an exporter waits before it closes a batch that no
    /// later event cut: none for the local log, whose events are readable once
    /// appended; a moment for JetStream, where a stamped event may still be on its way
    /// to the replica a reader asks.
    pub fn settle_ms(&self) -> i64 {
        match self {
            EventStore::Local(_) => 0,
            EventStore::JetStream(_) => 2_000,
        }
    }

    /// Removes the events accepted before `before_ms`; how many. JetStream applies its
    /// `max_age` itself.
    pub(super) fn prune(&self, before_ms: i64) -> Result<usize> {
        match self {
            EventStore::Local(l) => Ok(l.log().prune(before_ms)?),
            EventStore::JetStream(_) => Ok(0),
        }
    }

    pub(super) fn delete_stream(&self, account: &str, stream: &str) -> Result<()> {
        match self {
            EventStore::Local(l) => Ok(l.log().delete_stream(account, stream)?),
            EventStore::JetStream(c) => Ok(wait(c.events.delete_stream(account, stream))?),
        }
    }
}

impl From<crate::cluster::ClusterError> for StoreError {
    fn from(e: crate::cluster::ClusterError) -> Self {
        StoreError::Unavailable(e.0)
    }
}

/// `pending_after` for JetStream, which keeps no index of consent here: the events are
/// read a page at a time, up to `PENDING_READ_CAP`; past that the rest are counted as
/// they are, unfiltered.
fn pending_in_jetstream(
    cluster: &Cluster,
    account: &str,
    stream: &str,
    after_seq: i64,
    admits: &dyn Fn(&[i32]) -> bool,
) -> Result<(u64, Option<i64>)> {
    let (mut count, mut first, mut position, mut read) = (0u64, None, after_seq, 0usize);
    loop {
        let page = wait(
            cluster
                .events
                .after(account, stream, position, PENDING_PAGE),
        )?;
        let Some(last) = page.last() else { break };
        position = last.seq;
        read += page.len();
        for e in page.iter().filter(|e| admits(&e.consent)) {
            count += 1;
            first.get_or_insert(e.ts_ms);
        }
        if read >= PENDING_READ_CAP {
            count += wait(cluster.events.count_after(account, stream, position))?;
            break;
        }
    }
    Ok((count, first))
}
