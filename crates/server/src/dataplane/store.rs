//! Durable data-plane state: the accepted events in an append-only log
//! (`eventlog`), and in SQLite tables of their own (`dp_*`) next to the control plane's
//! in the same database file, encryption keys, event tokens (hashed) and exporter
//! positions.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};

use super::crypto::{DataKey, KEY_BYTES};
use super::eventlog::{EVENTS_DIR, EventLog};
pub use super::eventlog::{Encoder, NewEvent, StoredEvent};

/// Why the store could not do something: its database, or its event log.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(transparent)]
    Sql(#[from] rusqlite::Error),
    #[error("the event log: {0}")]
    Log(#[from] std::io::Error),
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// Who an event token belongs to: a source stream, or an output of it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Principal {
    pub account: String,
    pub stream: String,
    pub output: Option<String>,
}

/// A key row's identity for the rotation rule.
pub struct KeyRequest<'a> {
    pub account: &'a str,
    pub stream: &'a str,
    pub schema_id: &'a str,
    pub key_field_value: &'a str,
}

pub struct DataStore {
    conn: Arc<Mutex<Connection>>,
    /// Keys by (account, stream, key id); keys never change once written.
    key_cache: Mutex<HashMap<(String, String, u32), DataKey>>,
    /// The current key per key-field hash, for each (account, stream, schema) that has
    /// one: found on every event without allocating.
    active_keys: Mutex<HashMap<[u8; 32], Vec<ActiveKey>>>,
    /// Id tokens seen, by hash, with their principal and expiry.
    id_tokens: Mutex<HashMap<Vec<u8>, (Principal, i64)>>,
    log: Arc<EventLog>,
    /// Dropped with the store: the sync thread then syncs once more and ends.
    _sync: std::sync::mpsc::Sender<()>,
}

struct ActiveKey {
    account: String,
    stream: String,
    schema_id: String,
    key: DataKey,
}

impl ActiveKey {
    fn serves(&self, req: &KeyRequest<'_>) -> bool {
        self.account == req.account && self.stream == req.stream && self.schema_id == req.schema_id
    }
}

/// Written events reach the disk at least this often.
const SYNC_EVERY: Duration = Duration::from_secs(1);

/// Syncs the log every `SYNC_EVERY`, and once more when the store is dropped (which
/// closes `stop`).
fn sync_loop(log: Arc<EventLog>, stop: std::sync::mpsc::Receiver<()>) {
    loop {
        let stopping = !matches!(
            stop.recv_timeout(SYNC_EVERY),
            Err(std::sync::mpsc::RecvTimeoutError::Timeout)
        );
        if let Err(e) = log.sync() {
            tracing::error!(error = %e, "syncing the event log failed");
        }
        if stopping {
            break;
        }
    }
}

const KEY_CACHE_MAX: usize = 100_000;

fn hash(bytes: &[u8]) -> Vec<u8> {
    Sha256::digest(bytes).to_vec()
}

fn parse_consent(text: &str) -> Vec<i32> {
    serde_json::from_str(text).unwrap_or_default()
}

fn row_key(row: &rusqlite::Row<'_>) -> rusqlite::Result<DataKey> {
    let material: Vec<u8> = row.get("material")?;
    let material: [u8; KEY_BYTES] = material.try_into().map_err(|_| {
        rusqlite::Error::InvalidColumnType(0, "material".into(), rusqlite::types::Type::Blob)
    })?;
    Ok(DataKey::new(
        row.get::<_, i64>("key_id")? as u32,
        row.get("key_link")?,
        material,
        row.get("created_ms")?,
    ))
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

impl DataStore {
    /// Opens the server's database (its versioned migrations, `server::db`, hold the
    /// data plane's tables too) and the event log in a directory next to it.
    pub fn open(path: &Path) -> Result<DataStore> {
        let conn = crate::db::open(path)?;
        let log = EventLog::open(&path.with_file_name(EVENTS_DIR))?;
        import_events(&conn, &log)?;
        let log = Arc::new(log);
        let (sync, stop) = std::sync::mpsc::channel();
        let shared = log.clone();
        std::thread::Builder::new()
            .name("strm-event-sync".into())
            .spawn(move || sync_loop(shared, stop))?;
        Ok(DataStore {
            conn: Arc::new(Mutex::new(conn)),
            key_cache: Mutex::new(HashMap::new()),
            active_keys: Mutex::new(HashMap::new()),
            id_tokens: Mutex::new(HashMap::new()),
            log,
            _sync: sync,
        })
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Holds the store busy, as a long SQLite statement would.
    #[cfg(test)]
    pub(super) fn busy(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn()
    }

    /// The key for a key-field value: the newest one younger than `ttl_ms`, or a new one
    /// made by `make` (which picks the key link's form for the schema).
    pub fn key_for(
        &self,
        req: &KeyRequest<'_>,
        now_ms: i64,
        ttl_ms: i64,
        make: impl Fn() -> DataKey,
    ) -> Result<DataKey> {
        let value_hash: [u8; 32] = Sha256::digest(req.key_field_value.as_bytes()).into();
        let fresh = |k: &DataKey| k.created_ms > now_ms - ttl_ms;
        if let Some(k) = self
            .active_keys()
            .get(&value_hash)
            .and_then(|keys| keys.iter().find(|a| a.serves(req)))
            .map(|a| &a.key)
            .filter(|k| fresh(k))
        {
            return Ok(k.clone());
        }
        let key = self.key_from_db(req, &value_hash, now_ms, ttl_ms, make)?;
        let mut cache = self.active_keys();
        if cache.len() >= KEY_CACHE_MAX {
            cache.clear();
        }
        let keys = cache.entry(value_hash).or_default();
        keys.retain(|a| !a.serves(req));
        keys.push(ActiveKey {
            account: req.account.to_owned(),
            stream: req.stream.to_owned(),
            schema_id: req.schema_id.to_owned(),
            key: key.clone(),
        });
        Ok(key)
    }

    fn active_keys(&self) -> std::sync::MutexGuard<'_, HashMap<[u8; 32], Vec<ActiveKey>>> {
        self.active_keys.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn key_from_db(
        &self,
        req: &KeyRequest<'_>,
        value_hash: &[u8],
        now_ms: i64,
        ttl_ms: i64,
        make: impl Fn() -> DataKey,
    ) -> Result<DataKey> {
        let conn = self.conn();
        let existing = conn
            .query_row(
                "SELECT key_id, key_link, material, created_ms FROM dp_keys
                 WHERE account = ?1 AND stream = ?2 AND schema_id = ?3 AND key_field_hash = ?4
                   AND created_ms > ?5
                 ORDER BY created_ms DESC LIMIT 1",
                params![
                    req.account,
                    req.stream,
                    req.schema_id,
                    value_hash,
                    now_ms - ttl_ms
                ],
                row_key,
            )
            .optional()?;
        if let Some(key) = existing {
            return Ok(key);
        }
        loop {
            let key = make();
            let inserted = conn.execute(
                "INSERT OR IGNORE INTO dp_keys
                 (account, stream, schema_id, key_field_hash, key_id, key_link, material, created_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    req.account,
                    req.stream,
                    req.schema_id,
                    value_hash,
                    key.key_id as i64,
                    key.key_link,
                    key.material().as_slice(),
                    key.created_ms
                ],
            )?;
            // A clash of random key ids within one stream: draw again.
            if inserted == 1 {
                return Ok(key);
            }
        }
    }

    pub fn key_by_id(&self, account: &str, stream: &str, key_id: u32) -> Result<Option<DataKey>> {
        let cache_key = (account.to_owned(), stream.to_owned(), key_id);
        if let Some(k) = self
            .key_cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&cache_key)
        {
            return Ok(Some(k.clone()));
        }
        let key = self
            .conn()
            .query_row(
                "SELECT key_id, key_link, material, created_ms FROM dp_keys
                 WHERE account = ?1 AND stream = ?2 AND key_id = ?3",
                params![account, stream, key_id as i64],
                row_key,
            )
            .optional()?;
        if let Some(k) = &key {
            let mut cache = self.key_cache.lock().unwrap_or_else(|e| e.into_inner());
            if cache.len() >= KEY_CACHE_MAX {
                cache.clear();
            }
            cache.insert(cache_key, k.clone());
        }
        Ok(key)
    }

    /// Keys of a stream after a position (their `seq`, never reused), oldest first.
    pub fn keys_after(
        &self,
        account: &str,
        stream: &str,
        after: i64,
        limit: usize,
    ) -> Result<Vec<(i64, DataKey)>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT seq, key_id, key_link, material, created_ms FROM dp_keys
             WHERE account = ?1 AND stream = ?2 AND seq > ?3 ORDER BY seq LIMIT ?4",
        )?;
        let keys = stmt
            .query_map(params![account, stream, after, limit as i64], |row| {
                Ok((row.get(0)?, row_key(row)?))
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(keys)
    }

    /// Appends an event with the next sequence number and an acceptance time that never
    /// goes backwards, so sequence order and time order agree (exporters rely on it).
    /// It returns once the event is in the log.
    pub async fn append(&self, event: NewEvent) -> std::result::Result<StoredEvent, String> {
        self.log
            .append(vec![event])
            .pop()
            .unwrap_or_else(|| Err("the event store answered nothing".into()))
    }

    /// Events of a stream after `after_seq`, oldest first.
    pub fn events_after(
        &self,
        account: &str,
        stream: &str,
        after_seq: i64,
        limit: usize,
    ) -> Result<Vec<StoredEvent>> {
        Ok(self.log.events_after(account, stream, after_seq, limit)?)
    }

    pub fn event_count(&self, account: &str, stream: &str) -> usize {
        self.log.count(account, stream)
    }

    /// The newest sequence number, or 0.
    pub fn last_seq(&self) -> i64 {
        self.log.last_seq()
    }

    /// Removes events older than `events_before_ms` and keys created before
    /// `keys_before_ms` (callers keep a key as long as events it encrypted may remain).
    pub fn prune(&self, events_before_ms: i64, keys_before_ms: i64) -> Result<(usize, usize)> {
        let events = self.log.prune(events_before_ms)?;
        let conn = self.conn();
        let keys = conn.execute(
            "DELETE FROM dp_keys WHERE created_ms < ?1",
            params![keys_before_ms],
        )?;
        conn.execute(
            "DELETE FROM dp_tokens WHERE expires_ms IS NOT NULL AND expires_ms < ?1",
            params![events_before_ms],
        )?;
        drop(conn);
        self.id_tokens()
            .retain(|_, (_, expires)| *expires >= events_before_ms);
        if keys > 0 {
            self.key_cache
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clear();
            self.active_keys().clear();
        }
        Ok((events, keys))
    }

    /// Forgets a stream's (or output's) events, keys, tokens and exporter positions.
    pub fn delete_stream(&self, account: &str, stream: &str) -> Result<()> {
        self.log.delete_stream(account, stream)?;
        let conn = self.conn();
        conn.execute(
            "DELETE FROM dp_keys WHERE account = ?1 AND stream = ?2",
            params![account, stream],
        )?;
        conn.execute(
            "DELETE FROM dp_tokens WHERE account = ?1 AND (stream = ?2 OR output = ?2)",
            params![account, stream],
        )?;
        conn.execute(
            "DELETE FROM dp_exports WHERE account = ?1 AND stream = ?2",
            params![account, stream],
        )?;
        drop(conn);
        self.key_cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|(a, s, _), _| !(a == account && s == stream));
        self.active_keys().retain(|_, keys| {
            keys.retain(|a| !(a.account == account && a.stream == stream));
            !keys.is_empty()
        });
        self.id_tokens().retain(|_, (p, _)| {
            !(p.account == account && (p.stream == stream || p.output.as_deref() == Some(stream)))
        });
        Ok(())
    }

    /// Stores a token (only its hash). `expires_ms` None: a refresh token.
    pub fn put_token(
        &self,
        token: &str,
        principal: &Principal,
        expires_ms: Option<i64>,
    ) -> Result<()> {
        self.conn().execute(
            "INSERT OR REPLACE INTO dp_tokens (token_hash, refresh, account, stream, output, expires_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                hash(token.as_bytes()),
                expires_ms.is_none(),
                principal.account,
                principal.stream,
                principal.output,
                expires_ms
            ],
        )?;
        Ok(())
    }

    fn id_tokens(&self) -> std::sync::MutexGuard<'_, HashMap<Vec<u8>, (Principal, i64)>> {
        self.id_tokens.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The principal of a live token of the given kind. Id tokens are looked up on
    /// every event, so the ones seen are kept in memory too.
    /// An id token's principal from memory alone; `None` when the database must be asked.
    pub fn cached_token(&self, token: &str, now_ms: i64) -> Option<Option<Principal>> {
        let token_hash = hash(token.as_bytes());
        let cache = self.id_tokens();
        let (p, expires) = cache.get(&token_hash)?;
        Some((*expires > now_ms).then(|| p.clone()))
    }

    pub fn token(&self, token: &str, refresh: bool, now_ms: i64) -> Result<Option<Principal>> {
        let token_hash = hash(token.as_bytes());
        if !refresh && let Some((p, expires)) = self.id_tokens().get(&token_hash) {
            return Ok((*expires > now_ms).then(|| p.clone()));
        }
        let found = self
            .conn()
            .query_row(
                "SELECT account, stream, output, expires_ms FROM dp_tokens
                 WHERE token_hash = ?1 AND refresh = ?2 AND (expires_ms IS NULL OR expires_ms > ?3)",
                params![token_hash, refresh, now_ms],
                |r| {
                    let p = Principal {
                        account: r.get(0)?,
                        stream: r.get(1)?,
                        output: r.get(2)?,
                    };
                    Ok((p, r.get::<_, Option<i64>>(3)?))
                },
            )
            .optional()?;
        Ok(found.map(|(p, expires)| {
            if let (false, Some(expires)) = (refresh, expires) {
                let mut cache = self.id_tokens();
                if cache.len() >= KEY_CACHE_MAX {
                    cache.retain(|_, (_, e)| *e > now_ms);
                }
                cache.insert(token_hash, (p.clone(), expires));
            }
            p
        }))
    }

    /// An exporter's stable uuid and committed position, created on first use with the
    /// position `initial`.
    pub fn export_state(
        &self,
        account: &str,
        stream: &str,
        name: &str,
        export_keys: bool,
        initial: i64,
    ) -> Result<(String, i64)> {
        let conn = self.conn();
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
        Ok(conn.query_row(
            "SELECT uuid, position FROM dp_exports
             WHERE account = ?1 AND stream = ?2 AND name = ?3 AND export_keys = ?4",
            params![account, stream, name, export_keys],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?)
    }

    pub fn commit_export(
        &self,
        account: &str,
        stream: &str,
        name: &str,
        export_keys: bool,
        position: i64,
    ) -> Result<()> {
        self.conn().execute(
            "UPDATE dp_exports SET position = ?5
             WHERE account = ?1 AND stream = ?2 AND name = ?3 AND export_keys = ?4",
            params![account, stream, name, export_keys, position],
        )?;
        Ok(())
    }

    pub fn forget_export(
        &self,
        account: &str,
        stream: &str,
        name: &str,
        export_keys: bool,
    ) -> Result<()> {
        self.conn().execute(
            "DELETE FROM dp_exports WHERE account = ?1 AND stream = ?2 AND name = ?3 AND export_keys = ?4",
            params![account, stream, name, export_keys],
        )?;
        Ok(())
    }

    /// Every exporter row, for dropping those the control plane no longer has.
    pub fn export_rows(&self) -> Result<Vec<(String, String, String, bool)>> {
        let conn = self.conn();
        let mut stmt =
            conn.prepare_cached("SELECT account, stream, name, export_keys FROM dp_exports")?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, DataStore) {
        let dir = tempfile::tempdir().unwrap();
        let s = DataStore::open(&dir.path().join("db.sqlite")).unwrap();
        (dir, s)
    }

    fn req<'a>(value: &'a str) -> KeyRequest<'a> {
        KeyRequest {
            account: "acc",
            stream: "bart",
            schema_id: "clickstream",
            key_field_value: value,
        }
    }

    const DAY: i64 = 24 * 3600 * 1000;

    #[test]
    fn one_key_per_value_reused_for_a_day_then_rotated() {
        let (_d, s) = store();
        let make = |t: i64| move || DataKey::generate(uuid::Uuid::new_v4().to_string(), t);
        let a1 = s.key_for(&req("session-1"), 1000, DAY, make(1000)).unwrap();
        let a2 = s.key_for(&req("session-1"), 2000, DAY, make(2000)).unwrap();
        assert_eq!(a1, a2);
        let b = s.key_for(&req("session-2"), 2000, DAY, make(2000)).unwrap();
        assert_ne!(a1.key_id, b.key_id);
        let later = 1000 + DAY + 1;
        let a3 = s
            .key_for(&req("session-1"), later, DAY, make(later))
            .unwrap();
        assert_ne!(a1.key_link, a3.key_link);
        assert_eq!(s.key_by_id("acc", "bart", a1.key_id).unwrap(), Some(a1));
        assert_eq!(s.keys_after("acc", "bart", 0, 10).unwrap().len(), 3);
    }

    #[test]
    fn one_value_has_a_key_per_account_stream_and_schema_until_its_stream_goes() {
        let (_d, s) = store();
        let make = || DataKey::generate(uuid::Uuid::new_v4().to_string(), 1000);
        let at = |account, stream, schema_id| KeyRequest {
            account,
            stream,
            schema_id,
            key_field_value: "session-1",
        };
        let requests = [
            at("acc", "bart", "clickstream"),
            at("acc", "lisa", "clickstream"),
            at("acc", "bart", "nps_unified_v1"),
            at("other", "bart", "clickstream"),
        ];
        let keys: Vec<DataKey> = requests
            .iter()
            .map(|r| s.key_for(r, 1000, DAY, make).unwrap())
            .collect();
        let ids: std::collections::HashSet<u32> = keys.iter().map(|k| k.key_id).collect();
        assert_eq!(ids.len(), 4, "{keys:?}");
        for (r, k) in requests.iter().zip(&keys) {
            assert_eq!(&s.key_for(r, 2000, DAY, make).unwrap(), k);
        }
        s.delete_stream("acc", "bart").unwrap();
        let after: Vec<DataKey> = requests
            .iter()
            .map(|r| s.key_for(r, 2000, DAY, make).unwrap())
            .collect();
        assert_ne!(after[0], keys[0]);
        assert_eq!(after[1], keys[1]);
        assert_ne!(after[2], keys[2]);
        assert_eq!(after[3], keys[3]);
    }

    #[test]
    fn keys_made_after_every_key_was_pruned_come_after_the_exported_position() {
        let (_d, s) = store();
        let make = |t: i64| move || DataKey::generate(uuid::Uuid::new_v4().to_string(), t);
        s.key_for(&req("session-1"), 1000, DAY, make(1000)).unwrap();
        s.key_for(&req("session-2"), 1000, DAY, make(1000)).unwrap();
        let exported = s.keys_after("acc", "bart", 0, 10).unwrap();
        let position = exported.last().unwrap().0;
        assert_eq!(s.prune(0, 2000).unwrap(), (0, 2));
        let fresh = s.key_for(&req("session-3"), 3000, DAY, make(3000)).unwrap();
        let next = s.keys_after("acc", "bart", position, 10).unwrap();
        assert_eq!(
            next.len(),
            1,
            "the new key must be after position {position}"
        );
        assert_eq!(next[0].1, fresh);
    }

    #[test]
    fn keys_survive_a_reopen_and_values_are_not_stored_in_clear() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite");
        let key = {
            let s = DataStore::open(&path).unwrap();
            s.key_for(&req("session-secret-value"), 1, DAY, || {
                DataKey::generate("l".into(), 1)
            })
            .unwrap()
        };
        let s = DataStore::open(&path).unwrap();
        assert_eq!(s.key_by_id("acc", "bart", key.key_id).unwrap(), Some(key));
        let raw = std::fs::read(&path).unwrap();
        let needle = b"session-secret-value";
        assert!(!raw.windows(needle.len()).any(|w| w == needle));
    }

    fn event(stream: &str, consent: &[i32], body: Vec<u8>) -> NewEvent {
        NewEvent {
            account: "acc".into(),
            stream: stream.into(),
            schema_id: "clickstream".into(),
            consent: consent.to_vec(),
            encode: Box::new(move |_| Ok(body)),
        }
    }

    #[tokio::test]
    async fn events_get_increasing_sequence_numbers_and_monotonic_times() {
        let (_d, s) = store();
        let stamped = |consent: &[i32]| NewEvent {
            encode: Box::new(|ts| Ok(ts.to_be_bytes().to_vec())),
            ..event("bart", consent, vec![])
        };
        let e1 = s.append(stamped(&[0])).await.unwrap();
        let e2 = s.append(stamped(&[])).await.unwrap();
        assert!(e2.seq > e1.seq);
        assert!(e2.ts_ms >= e1.ts_ms);
        // The body is encoded with the acceptance time the row carries.
        assert_eq!(e2.body, e2.ts_ms.to_be_bytes());
        s.append(event("other", &[1], vec![1])).await.unwrap();
        let got = s.events_after("acc", "bart", 0, 10).unwrap();
        assert_eq!(
            got.iter().map(|e| e.seq).collect::<Vec<_>>(),
            vec![e1.seq, e2.seq]
        );
        assert_eq!(got[0].consent, vec![0]);
        assert_eq!(s.events_after("acc", "bart", e1.seq, 10).unwrap().len(), 1);
        assert_eq!(s.event_count("acc", "other"), 1);
    }

    #[tokio::test]
    async fn events_an_earlier_version_kept_in_sqlite_move_into_the_log_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite");
        {
            let conn = crate::db::open(&path).unwrap();
            conn.execute_batch(
                "INSERT INTO dp_events (seq, account, stream, ts_ms, schema_id, consent, body)
                 VALUES (41, 'acc', 'bart', 1000, 'clickstream', '[0,1]', CAST('{}' AS BLOB)),
                        (42, 'acc', 'bart', 1001, 'clickstream', '[]', CAST('{}' AS BLOB));
                 DELETE FROM dp_events WHERE seq = 42;",
            )
            .unwrap();
        }
        for _ in 0..2 {
            let s = DataStore::open(&path).unwrap();
            let got = s.events_after("acc", "bart", 0, 10).unwrap();
            assert_eq!(got.len(), 1);
            assert_eq!((got[0].seq, got[0].ts_ms), (41, 1000));
            assert_eq!(got[0].consent, vec![0, 1]);
            assert_eq!(got[0].body, b"{}");
            // 42 was handed out (its event is gone): it is not given again.
            assert_eq!(s.last_seq(), 42);
            let rows: i64 = s
                .conn()
                .query_row("SELECT COUNT(*) FROM dp_events", [], |r| r.get(0))
                .unwrap();
            assert_eq!(rows, 0);
        }
        let s = DataStore::open(&path).unwrap();
        assert_eq!(s.append(event("bart", &[], vec![])).await.unwrap().seq, 43);
    }

    #[tokio::test]
    async fn concurrent_appends_commit_together_in_time_order() {
        let (_d, s) = store();
        let s = std::sync::Arc::new(s);
        let handles: Vec<_> = (0..200u8)
            .map(|i| {
                let s = s.clone();
                tokio::spawn(async move { s.append(event("bart", &[0], vec![i])).await.unwrap() })
            })
            .collect();
        for h in handles {
            h.await.unwrap();
        }
        let all = s.events_after("acc", "bart", 0, 1000).unwrap();
        assert_eq!(all.len(), 200);
        assert!(
            all.windows(2)
                .all(|w| w[0].seq < w[1].seq && w[0].ts_ms <= w[1].ts_ms)
        );
    }

    #[tokio::test]
    async fn pruning_removes_old_events_and_expired_keys() {
        let (_d, s) = store();
        let e = s.append(event("bart", &[0], vec![1])).await.unwrap();
        let old = s
            .key_for(&req("a"), 1000, DAY, || DataKey::generate("o".into(), 1000))
            .unwrap();
        let new = s
            .key_for(&req("b"), e.ts_ms, DAY, || {
                DataKey::generate("n".into(), e.ts_ms)
            })
            .unwrap();
        assert_eq!(s.prune(e.ts_ms, 5000).unwrap(), (0, 1));
        assert_eq!(s.event_count("acc", "bart"), 1);
        assert!(s.key_by_id("acc", "bart", old.key_id).unwrap().is_none());
        assert!(s.key_by_id("acc", "bart", new.key_id).unwrap().is_some());
        assert_eq!(s.prune(e.ts_ms + 1, 0).unwrap(), (1, 0));
        assert_eq!(s.event_count("acc", "bart"), 0);
    }

    #[tokio::test]
    async fn deleting_a_stream_removes_its_events_keys_and_tokens() {
        let (_d, s) = store();
        let p = Principal {
            account: "acc".into(),
            stream: "bart".into(),
            output: None,
        };
        s.append(event("bart", &[0], vec![1])).await.unwrap();
        let k = s
            .key_for(&req("a"), 1, DAY, || DataKey::generate("o".into(), 1))
            .unwrap();
        s.put_token("tok", &p, Some(10_000)).unwrap();
        assert_eq!(s.token("tok", false, 5).unwrap(), Some(p.clone()));
        s.delete_stream("acc", "bart").unwrap();
        assert_eq!(s.event_count("acc", "bart"), 0);
        assert!(s.key_by_id("acc", "bart", k.key_id).unwrap().is_none());
        assert!(s.token("tok", false, 5).unwrap().is_none());
    }

    #[test]
    fn tokens_expire_and_kinds_do_not_mix() {
        let (_d, s) = store();
        let p = Principal {
            account: "acc".into(),
            stream: "bart".into(),
            output: Some("o".into()),
        };
        s.put_token("id", &p, Some(100)).unwrap();
        s.put_token("refresh", &p, None).unwrap();
        assert_eq!(s.token("id", false, 99).unwrap(), Some(p.clone()));
        assert!(s.token("id", false, 100).unwrap().is_none());
        assert!(s.token("id", true, 1).unwrap().is_none());
        assert_eq!(s.token("refresh", true, i64::MAX).unwrap(), Some(p));
    }

    #[test]
    fn export_state_is_stable_and_commits() {
        let (_d, s) = store();
        let (uuid, pos) = s.export_state("acc", "bart", "s3", false, 7).unwrap();
        assert_eq!(pos, 7);
        s.commit_export("acc", "bart", "s3", false, 42).unwrap();
        assert_eq!(
            s.export_state("acc", "bart", "s3", false, 0).unwrap(),
            (uuid.clone(), 42)
        );
        let (other, _) = s.export_state("acc", "bart", "s3", true, 0).unwrap();
        assert_ne!(uuid, other);
        s.forget_export("acc", "bart", "s3", false).unwrap();
        assert_ne!(
            s.export_state("acc", "bart", "s3", false, 0).unwrap().0,
            uuid
        );
    }
}
