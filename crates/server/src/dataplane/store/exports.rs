//! Exporter positions (`dp_exports`): per exporter, the uuid its object names carry and
//! the position (an event's or key's sequence number) its committed batches reached.
//! An exporter is named by its account, linked stream, name and kind (keys or events).

use rusqlite::params;

use super::Result;
use crate::db::Db;

pub struct ExportPositions {
    db: Db,
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
                "INSERT OR IGNORE INTO dp_exports (account, stream, name, export_keys, uuid, position)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
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

    /// Moves an exporter's position, once its batch up to there is written.
    pub fn commit(
        &self,
        account: &str,
        stream: &str,
        name: &str,
        export_keys: bool,
        position: i64,
    ) -> Result<()> {
        self.db.blocking(|conn| {
            conn.execute(
                "UPDATE dp_exports SET position = ?5
                 WHERE account = ?1 AND stream = ?2 AND name = ?3 AND export_keys = ?4",
                params![account, stream, name, export_keys, position],
            )
        })?;
        Ok(())
    }

    /// Forgets an exporter: one made again under its name starts afresh.
    pub fn forget(&self, account: &str, stream: &str, name: &str, export_keys: bool) -> Result<()> {
        self.db.blocking(|conn| {
            conn.execute(
                "DELETE FROM dp_exports WHERE account = ?1 AND stream = ?2 AND name = ?3 AND export_keys = ?4",
                params![account, stream, name, export_keys],
            )
        })?;
        Ok(())
    }

    pub(super) fn delete_stream(&self, account: &str, stream: &str) -> Result<()> {
        self.db.blocking(|conn| {
            conn.execute(
                "DELETE FROM dp_exports WHERE account = ?1 AND stream = ?2",
                params![account, stream],
            )
        })?;
        Ok(())
    }
}
