//! The local event store: the append-only log (`eventlog`) in a directory next to the
//! database, synced to the disk from a thread of its own.

use crate::params;
use std::path::Path;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::time::Duration;

use crate::sql::{Conn, OptionalExt};

use super::super::Result;
use crate::dataplane::eventlog::{EVENTS_DIR, EventLog, StoredEvent};
use crate::db::Db;

/// Written events reach the disk at least this often.
const SYNC_EVERY: Duration = Duration::from_secs(1);

pub struct LocalEvents {
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
fn import_events(conn: &mut Conn, log: &EventLog) -> Result<()> {
    if conn.is_postgres() {
        // PostgreSQL never held events.
        return Ok(());
    }
    let rows = conn.query_map(
        "SELECT account, stream, seq, ts_ms, schema_id, consent, body FROM dp_events
         WHERE seq > ?1 ORDER BY seq",
        params![log.last_seq()],
        |row| {
            Ok((
                row.get(0)?,
                row.get(1)?,
                StoredEvent {
                    seq: row.get(2)?,
                    ts_ms: row.get(3)?,
                    schema_id: row.get(4)?,
                    consent: parse_consent(&row.get::<String>(5)?),
                    body: row.get(6)?,
                },
            ))
        },
    )?;
    let imported = log.import(rows)?;
    // Only once they are safely in the log (`import` syncs).
    conn.execute("DELETE FROM dp_events", params![])?;
    if imported > 0 {
        tracing::info!(imported, "moved the stored events into the event log");
    }
    let handed_out: i64 = conn
        .query_row(
            "SELECT seq FROM sqlite_sequence WHERE name = 'dp_events'",
            params![],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or(0);
    log.reserve(handed_out + 1);
    Ok(())
}

impl LocalEvents {
    /// Opens the log next to the database at `db_path`, taking over the events an
    /// earlier version kept in the database.
    pub fn open(db_path: &Path, db: &Db) -> Result<LocalEvents> {
        let log = EventLog::open(&db_path.with_file_name(EVENTS_DIR))?;
        db.blocking(|conn| import_events(conn, &log))?;
        let log = Arc::new(log);
        let (sync, stop) = std::sync::mpsc::channel();
        let shared = log.clone();
        std::thread::Builder::new()
            .name("strm-event-sync".into())
            .spawn(move || sync_loop(shared, stop))?;
        Ok(LocalEvents { log, _sync: sync })
    }

    /// The log; the store's seam (`super::EventStore`) reads and writes it.
    pub fn log(&self) -> &EventLog {
        &self.log
    }
}
