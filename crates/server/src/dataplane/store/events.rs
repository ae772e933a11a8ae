//! The accepted events: the append-only log (`eventlog`) in a directory next to the
//! database, synced to the disk from a thread of its own.

use std::path::Path;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension};

use super::Result;
use crate::dataplane::eventlog::{AppendError, EVENTS_DIR, EventLog, NewEvent, StoredEvent};
use crate::db::Db;

/// Written events reach the disk at least this often.
const SYNC_EVERY: Duration = Duration::from_secs(1);

pub struct EventStore {
    log: Arc<EventLog>,
    /// Dropped with the store: the sync thread then syncs once more and ends.
    _sync: Sender<()>,
}

/// Syncs the log every `SYNC_EVERY`, and once more when the store is dropped (which
/// closes `stop`).
fn sync_loop(log: Arc<EventLog>, stop: Receiver<()>) {
    loop {
        let stopping = !matches!(
            stop.recv_timeout(SYNC_EVERY),
            Err(RecvTimeoutError::Timeout)
        );
        if let Err(e) = log.sync() {
            tracing::error!(error = %e, "syncing the event log failed");
        }
        if stopping {
            break;
        }
    }
}

fn parse_consent(text: &str) -> Vec<i32> {
    serde_json::from_str(text).unwrap_or_default()
}

/// Moves events an earlier version kept in SQLite (`dp_events`) into the log, and makes
/// the log's numbers continue after every number SQLite handed out.
fn import_events(conn: &Connection, log: &EventLog) -> Result<()> {
    let mut stmt = conn.prepare(
        "SELECT account, stream, seq, ts_ms, schema_id, consent, body FROM dp_events
         WHERE seq > ?1 ORDER BY seq",
    )?;
    let rows = stmt
        .query_map([log.last_seq()], |row| {
            Ok((
                row.get(0)?,
                row.get(1)?,
                StoredEvent {
                    seq: row.get(2)?,
                    ts_ms: row.get(3)?,
                    schema_id: row.get(4)?,
                    consent: parse_consent(&row.get::<_, String>(5)?),
                    body: row.get(6)?,
                },
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let imported = log.import(rows)?;
    // Only once they are safely in the log (`import` syncs).
    conn.execute("DELETE FROM dp_events", [])?;
    if imported > 0 {
        tracing::info!(imported, "moved the stored events into the event log");
    }
    let handed_out: i64 = conn
        .query_row(
            "SELECT seq FROM sqlite_sequence WHERE name = 'dp_events'",
            [],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or(0);
    log.reserve(handed_out + 1);
    Ok(())
}

impl EventStore {
    /// Opens the log next to the database at `db_path`, taking over the events an
    /// earlier version kept in the database.
    pub(super) fn open(db_path: &Path, db: &Db) -> Result<EventStore> {
        let log = EventLog::open(&db_path.with_file_name(EVENTS_DIR))?;
        db.blocking(|conn| import_events(conn, &log))?;
        let log = Arc::new(log);
        let (sync, stop) = std::sync::mpsc::channel();
        let shared = log.clone();
        std::thread::Builder::new()
            .name("strm-event-sync".into())
            .spawn(move || sync_loop(shared, stop))?;
        Ok(EventStore { log, _sync: sync })
    }

    /// Appends an event with the next sequence number and an acceptance time that never
    /// goes backwards, so sequence order and time order agree (exporters rely on it).
    /// It returns once the event is in the log.
    pub async fn append(&self, event: NewEvent) -> std::result::Result<StoredEvent, AppendError> {
        self.log.append_one(event)
    }

    /// Events of a stream after `after_seq`, oldest first.
    pub fn after(
        &self,
        account: &str,
        stream: &str,
        after_seq: i64,
        limit: usize,
    ) -> Result<Vec<StoredEvent>> {
        Ok(self.log.events_after(account, stream, after_seq, limit)?)
    }

    pub fn count(&self, account: &str, stream: &str) -> usize {
        self.log.count(account, stream)
    }

    /// Events of a stream after `after_seq` that a view admits, and when the first of
    /// them was accepted (an exporter's backlog).
    pub fn pending_after(
        &self,
        account: &str,
        stream: &str,
        after_seq: i64,
        admits: &dyn Fn(&[i32]) -> bool,
    ) -> (u64, Option<i64>) {
        self.log.pending_after(account, stream, after_seq, admits)
    }

    /// The newest sequence number, or 0.
    pub fn last_seq(&self) -> i64 {
        self.log.last_seq()
    }

    /// Removes the events accepted before `before_ms`; how many.
    pub(super) fn prune(&self, before_ms: i64) -> Result<usize> {
        Ok(self.log.prune(before_ms)?)
    }

    pub(super) fn delete_stream(&self, account: &str, stream: &str) -> Result<()> {
        Ok(self.log.delete_stream(account, stream)?)
    }
}
