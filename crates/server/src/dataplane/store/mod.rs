//! Durable data-plane state, one store per thing it keeps: encryption keys (`keys`),
//! event tokens (`tokens`, hashed), exporter positions (`exports`) and usage counts
//! (`usage`) in SQLite tables
//! of their own (`dp_*`) next to the control plane's in the same database file, and the
//! accepted events in an append-only log (`events`).
//!
//! Each store has a narrow API of its own: that is where another backend plugs in
//! (PostgreSQL for the tables, a message log for the events). `DataStore` opens them
//! together and applies what concerns all of them: deleting a stream, retention.

mod events;
mod exports;
mod keys;
mod subjects;
#[cfg(test)]
mod tests;
mod tokens;
mod usage;

use crate::sql::DbError;
use std::path::Path;
use std::sync::Arc;

pub use self::events::EventStore;
pub use self::exports::{ExportPositions, ExportRecord, Written};
pub use self::keys::{KeyRequest, KeyStore};
pub use self::subjects::{LAST_SEEN_GRANULARITY_MS, SubjectStore};
pub use self::tokens::{Principal, TokenStore};
pub use self::usage::{Count, Resolution, UsageStore};
pub use super::eventlog::{AppendError, Encoder, NewEvent, StoredEvent};
use crate::cluster::Cluster;
use crate::db::Db;
use crate::master_key::Keyring;

/// Why the store could not do something: its database, or its event log.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(transparent)]
    Sql(DbError),
    #[error("the event log: {0}")]
    Log(#[from] std::io::Error),
    /// The shared event store cannot be reached; the request may be tried again.
    #[error("{0}")]
    Unavailable(String),
    #[error("the master key: {0}")]
    MasterKey(String),
}

impl From<DbError> for StoreError {
    /// An unreachable database is `Unavailable` (a 503 with the reason), as an
    /// unreachable event store is.
    fn from(e: DbError) -> StoreError {
        if e.is_unavailable() {
            StoreError::Unavailable(e.to_string())
        } else {
            StoreError::Sql(e)
        }
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> StoreError {
        StoreError::from(DbError::from(e))
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;

pub struct DataStore {
    /// The data plane's own connection to the database, shared by the table stores.
    #[cfg(test)]
    db: Db,
    /// Shared with the views that decrypt (`render::Renderer`).
    keys: Arc<KeyStore>,
    tokens: TokenStore,
    subjects: SubjectStore,
    exports: ExportPositions,
    events: EventStore,
    usage: UsageStore,
}

impl DataStore {
    /// Opens the server's database (its versioned migrations, `server::db`, hold the
    /// data plane's tables too) and the event log in a directory next to it.
    /// The master key is the one of the database's directory (`master.key` beside it,
    /// made if missing); the server gives its own to `open_with`.
    pub fn open(path: &Path) -> Result<DataStore> {
        let dir = path.parent().unwrap_or(Path::new("."));
        let keyring = crate::master_key::load(dir, &Default::default())
            .map_err(|e| StoreError::MasterKey(e.to_string()))?;
        DataStore::open_with(path, None, Arc::new(keyring), None)
    }

    /// Opens the store whose secrets are sealed with `keyring`: on `shared` (a cluster's
    /// PostgreSQL), else on a connection of its own to the SQLite database at `path`; with
    /// the events in the cluster's JetStream when `cluster` is given, else in the log
    /// next to `path`.
    pub fn open_with(
        path: &Path,
        shared: Option<Db>,
        keyring: Arc<Keyring>,
        cluster: Option<Arc<Cluster>>,
    ) -> Result<DataStore> {
        let db = match shared {
            Some(db) => db,
            None => Db::new(crate::db::open(path)?),
        };
        let events = match cluster {
            None => EventStore::open_local(path, &db)?,
            Some(c) => EventStore::JetStream(c),
        };
        Ok(DataStore {
            keys: Arc::new(KeyStore::new(db.clone(), keyring)),
            tokens: TokenStore::new(db.clone()),
            subjects: SubjectStore::new(db.clone()),
            exports: ExportPositions::new(db.clone()),
            usage: UsageStore::new(db.clone()),
            events,
            #[cfg(test)]
            db,
        })
    }

    pub fn keys(&self) -> &Arc<KeyStore> {
        &self.keys
    }

    pub fn tokens(&self) -> &TokenStore {
        &self.tokens
    }

    pub fn subjects(&self) -> &SubjectStore {
        &self.subjects
    }

    pub fn exports(&self) -> &ExportPositions {
        &self.exports
    }

    pub fn events(&self) -> &EventStore {
        &self.events
    }

    pub fn usage(&self) -> &UsageStore {
        &self.usage
    }

    /// How many events of a stream are stored (for callers outside the data plane).
    pub fn event_count(&self, account: &str, stream: &str) -> usize {
        self.events.count(account, stream)
    }

    /// Holds the tables busy, as a long SQLite statement would.
    #[cfg(test)]
    pub(super) fn busy(&self) -> std::sync::MutexGuard<'_, crate::sql::Conn> {
        self.db.lock()
    }

    /// Removes events older than `events_before_ms`, tokens expired by then, usage
    /// windows as old as those events, per-second usage before `seconds_before_ms`, and
    /// keys created before `keys_before_ms` (callers keep a key as long as events it
    /// encrypted may remain); the numbers of events and keys removed.
    pub fn prune(
        &self,
        events_before_ms: i64,
        keys_before_ms: i64,
        seconds_before_ms: i64,
    ) -> Result<(usize, usize)> {
        let events = self.events.prune(events_before_ms)?;
        let keys = self.keys.prune(keys_before_ms)?;
        self.subjects.prune()?;
        self.tokens.prune(events_before_ms)?;
        self.usage.prune(
            events_before_ms.div_euclid(1000),
            seconds_before_ms.div_euclid(1000),
        )?;
        Ok((events, keys))
    }

    /// Deletes data subjects: destroys every key that encrypted their personal data
    /// (and so every other event those keys encrypted) and forgets them. Returns how
    /// many keys were destroyed.
    /// Also returns the keys, for the other nodes of a cluster to drop.
    pub fn forget_subjects(
        &self,
        account: &str,
        subjects: &[String],
    ) -> Result<(usize, Vec<(String, u32)>)> {
        let keys = self.subjects.keys_of(account, subjects)?;
        let destroyed = self.keys.destroy(account, &keys)?;
        self.subjects.forget(account, subjects, &keys)?;
        Ok((destroyed, keys))
    }

    /// Drops the cached keys and tokens of a deleted stream or output.
    pub fn forget_stream_cached(&self, account: &str, stream: &str) {
        self.keys.forget_stream_cached(account, stream);
        self.tokens.forget_stream_cached(account, stream);
    }

    /// Forgets a stream's (or output's) events, keys, tokens and exporter positions.
    pub fn delete_stream(&self, account: &str, stream: &str) -> Result<()> {
        self.events.delete_stream(account, stream)?;
        self.keys.delete_stream(account, stream)?;
        self.subjects.prune()?;
        self.tokens.delete_stream(account, stream)?;
        self.forget_stream_cached(account, stream);
        self.usage.delete_stream(account, stream)?;
        self.exports.delete_stream(account, stream)
    }
}
