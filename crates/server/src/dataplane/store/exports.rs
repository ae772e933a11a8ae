//! Exporter positions (`dp_exports`): per exporter, the uuid its object names carry and
//! the position (an event's or key's sequence number) its committed batches reached,
//! with what its status shows: the last batch, totals, and the last attempt's error.
//! An exporter is named by its account, linked stream, name and kind (keys or events).

use crate::params;
use crate::sql::OptionalExt;

use super::Result;
use crate::db::Db;

pub struct ExportPositions {
    db: Db,
}

/// An object a batch wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub object: String,
    pub lines: usize,
    pub bytes: usize,
    pub at_ms: i64,
}

/// An exporter's row: its position and what its status shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExportRecord {
    pub position: i64,
    pub last_batch_ms: Option<i64>,
    pub last_object: Option<String>,
    pub objects: u64,
    pub events: u64,
    pub bytes: u64,
    pub last_error: Option<String>,
    pub failed_ms: Option<i64>,
}

impl ExportPositions {
    pub(super) fn new(db: Db) -> ExportPositions {
        ExportPositions { db }
    }

    /// An exporter's stable uuid and committed position, created on first use with the
    /// position `initial`.
    pub fn state(
        &self,
        account: &str,
        stream: &str,
        name: &str,
        export_keys: bool,
        initial: i64,
    ) -> Result<(String, i64)> {
        let state = self.db.blocking(|conn| {
            conn.execute(
                "INSERT INTO dp_exports (account, stream, name, export_keys, uuid, position)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING",
                params![
                    account,
                    stream,
                    name,
                    export_keys,
                    uuid::Uuid::new_v4().to_string(),
                    initial
                ],
            )?;
            conn.query_row(
                "SELECT uuid, position FROM dp_exports
                 WHERE account = ?1 AND stream = ?2 AND name = ?3 AND export_keys = ?4",
                params![account, stream, name, export_keys],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
        })?;
        Ok(state)
    }

    /// Moves an exporter's position, once its batch up to there is written; `written`
    /// is the object that batch made, if it had lines. One statement, so the totals
    /// never disagree with the position.
    pub fn commit(
        &self,
        account: &str,
        stream: &str,
        name: &str,
        export_keys: bool,
        position: i64,
        written: Option<&Written>,
    ) -> Result<()> {
        self.db.blocking(|conn| match written {
            None => conn.execute(
                "UPDATE dp_exports SET position = ?5
                 WHERE account = ?1 AND stream = ?2 AND name = ?3 AND export_keys = ?4",
                params![account, stream, name, export_keys, position],
            ),
            Some(w) => conn.execute(
                "UPDATE dp_exports SET position = ?5, last_batch_ms = ?6, last_object = ?7,
                     objects = objects + 1, events = events + ?8, bytes = bytes + ?9,
                     last_error = NULL, failed_ms = NULL
                 WHERE account = ?1 AND stream = ?2 AND name = ?3 AND export_keys = ?4",
                params![
                    account,
                    stream,
                    name,
                    export_keys,
                    position,
                    w.at_ms,
                    w.object,
                    w.lines as i64,
                    w.bytes as i64
                ],
            ),
        })?;
        Ok(())
    }

    /// Records how an attempt ended: `error` when it failed (kept until an attempt
    /// succeeds), `None` when it did not. True when the state changed.
    pub fn attempted(
        &self,
        account: &str,
        stream: &str,
        name: &str,
        export_keys: bool,
        error: Option<&str>,
        at_ms: i64,
    ) -> Result<bool> {
        let changed = self.db.blocking(|conn| match error {
            Some(e) => conn.execute(
                "UPDATE dp_exports SET last_error = ?5, failed_ms = ?6
                 WHERE account = ?1 AND stream = ?2 AND name = ?3 AND export_keys = ?4
                   AND last_error IS DISTINCT FROM ?5",
                params![account, stream, name, export_keys, e, at_ms],
            ),
            None => conn.execute(
                "UPDATE dp_exports SET last_error = NULL, failed_ms = NULL
                 WHERE account = ?1 AND stream = ?2 AND name = ?3 AND export_keys = ?4
                   AND last_error IS NOT NULL",
                params![account, stream, name, export_keys],
            ),
        })?;
        Ok(changed > 0)
    }

    /// What an exporter has done so far; `None` before it first ran.
    pub fn record(
        &self,
        account: &str,
        stream: &str,
        name: &str,
        export_keys: bool,
    ) -> Result<Option<ExportRecord>> {
        let record = self.db.blocking(|conn| {
            conn.query_row(
                "SELECT position, last_batch_ms, last_object, objects, events, bytes,
                        last_error, failed_ms
                 FROM dp_exports
                 WHERE account = ?1 AND stream = ?2 AND name = ?3 AND export_keys = ?4",
                params![account, stream, name, export_keys],
                |r| {
                    Ok(ExportRecord {
                        position: r.get(0)?,
                        last_batch_ms: r.get(1)?,
                        last_object: r.get(2)?,
                        objects: r.get::<i64>(3)? as u64,
                        events: r.get::<i64>(4)? as u64,
                        bytes: r.get::<i64>(5)? as u64,
                        last_error: r.get(6)?,
                        failed_ms: r.get(7)?,
                    })
                },
            )
            .optional()
        })?;
        Ok(record)
    }

    /// Forgets an exporter: one made again under its name starts afresh.
    pub fn forget(&self, account: &str, stream: &str, name: &str, export_keys: bool) -> Result<()> {
        self.db.execute(
            "DELETE FROM dp_exports WHERE account = ?1 AND stream = ?2 AND name = ?3 AND export_keys = ?4",
            params![account, stream, name, export_keys],
        )?;
        Ok(())
    }

    pub(super) fn delete_stream(&self, account: &str, stream: &str) -> Result<()> {
        self.db.execute(
            "DELETE FROM dp_exports WHERE account = ?1 AND stream = ?2",
            params![account, stream],
        )?;
        Ok(())
    }
}
