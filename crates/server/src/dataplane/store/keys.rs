//! Encryption keys: one per key-field value of a stream and schema, rotated after a
//! period, kept (in `dp_keys`) while events they encrypted may remain. The current key
//! of each value and the keys read by id are kept in memory too: both are asked for on
//! every event. Their material is stored sealed with the master key (`master_key`):
//! `row_key` opens it and the insert seals it, so nothing else here sees the difference.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use crate::params;
use crate::sql::OptionalExt;
use sha2::{Digest, Sha256};

use super::Result;
use crate::dataplane::crypto::{DataKey, KEY_BYTES};
use crate::db::Db;
use crate::master_key::{Keyring, Purpose};

/// A key row's identity for the rotation rule.
pub struct KeyRequest<'a> {
    pub account: &'a str,
    pub stream: &'a str,
    pub schema_id: &'a str,
    pub key_field_value: &'a str,
}

const KEY_CACHE_MAX: usize = 100_000;

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

/// `None` remembers a key that is not there (destroyed with a data subject), so that
/// views skipping its events do not ask SQLite each time.
type KeyCache = HashMap<(String, String, u32), Option<DataKey>>;
type ActiveKeys = HashMap<[u8; 32], Vec<ActiveKey>>;

pub struct KeyStore {
    db: Db,
    keyring: std::sync::Arc<Keyring>,
    /// Keys by (account, stream, key id); keys never change once written.
    by_id: Mutex<KeyCache>,
    /// The current key per key-field hash, for each (account, stream, schema) that has
    /// one: found on every event without allocating.
    active: Mutex<ActiveKeys>,
}

/// A key from a row selecting `key_id, key_link, material, created_ms` (by name).
fn row_key(keyring: &Keyring, row: &crate::sql::Row<'_>) -> crate::sql::DbResult<DataKey> {
    let stored: Vec<u8> = row.get("material")?;
    let unusable =
        |e: Box<dyn std::error::Error + Send + Sync>| crate::sql::DbError::column("material", e);
    let material = keyring
        .open(Purpose::KeyMaterial, &stored)
        .map_err(|e| unusable(e.into()))?
        .unwrap_or(stored);
    let material: [u8; KEY_BYTES] = material
        .try_into()
        .map_err(|_| unusable("key material is not 64 bytes".into()))?;
    Ok(DataKey::new(
        row.get::<i64>("key_id")? as u32,
        row.get("key_link")?,
        material,
        row.get("created_ms")?,
    ))
}

impl KeyStore {
    pub(super) fn new(db: Db, keyring: std::sync::Arc<Keyring>) -> KeyStore {
        KeyStore {
            db,
            keyring,
            by_id: Mutex::new(HashMap::new()),
            active: Mutex::new(HashMap::new()),
        }
    }

    fn by_id_cache(&self) -> MutexGuard<'_, KeyCache> {
        self.by_id.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn active_keys(&self) -> MutexGuard<'_, ActiveKeys> {
        self.active.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The key for a key-field value: the newest one younger than `ttl_ms`, or a new one
    /// made by `make` (which picks the key link's form for the schema).
    pub fn for_value(
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
        let key = self.read_or_make(req, &value_hash, now_ms, ttl_ms, make)?;
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

    /// The newest fresh key from the table, or a new one written to it.
    fn read_or_make(
        &self,
        req: &KeyRequest<'_>,
        value_hash: &[u8],
        now_ms: i64,
        ttl_ms: i64,
        make: impl Fn() -> DataKey,
    ) -> Result<DataKey> {
        self.db.blocking(|conn| -> Result<DataKey> {
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
                    |row| row_key(&self.keyring, row),
                )
                .optional()?;
            if let Some(key) = existing {
                return Ok(key);
            }
            loop {
                let key = make();
                let inserted = conn.execute(
                    "INSERT INTO dp_keys
                     (account, stream, schema_id, key_field_hash, key_id, key_link, material, created_ms)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT DO NOTHING",
                    params![
                        req.account,
                        req.stream,
                        req.schema_id,
                        value_hash,
                        key.key_id as i64,
                        key.key_link,
                        self.keyring.seal(Purpose::KeyMaterial, key.material()),
                        key.created_ms
                    ],
                )?;
                // A clash of random key ids within one stream: draw again.
                if inserted == 1 {
                    self.by_id_cache().remove(&(
                        req.account.to_owned(),
                        req.stream.to_owned(),
                        key.key_id,
                    ));
                    return Ok(key);
                }
            }
        })
    }

    /// A key by the id its ciphertexts name.
    pub fn by_id(&self, account: &str, stream: &str, key_id: u32) -> Result<Option<DataKey>> {
        let cache_key = (account.to_owned(), stream.to_owned(), key_id);
        if let Some(k) = self.by_id_cache().get(&cache_key) {
            return Ok(k.clone());
        }
        let key = self.db.blocking(|conn| {
            conn.query_row(
                "SELECT key_id, key_link, material, created_ms FROM dp_keys
                 WHERE account = ?1 AND stream = ?2 AND key_id = ?3",
                params![account, stream, key_id as i64],
                |row| row_key(&self.keyring, row),
            )
            .optional()
        })?;
        let mut cache = self.by_id_cache();
        if cache.len() >= KEY_CACHE_MAX {
            cache.clear();
        }
        cache.insert(cache_key, key.clone());
        Ok(key)
    }

    /// Keys of a stream after a position (their `seq`, never reused), oldest first.
    pub fn after(
        &self,
        account: &str,
        stream: &str,
        after: i64,
        limit: usize,
    ) -> Result<Vec<(i64, DataKey)>> {
        let keys = self.db.blocking(|conn| {
            conn.query_map(
                "SELECT seq, key_id, key_link, material, created_ms FROM dp_keys
                 WHERE account = ?1 AND stream = ?2 AND seq > ?3 ORDER BY seq LIMIT ?4",
                params![account, stream, after, limit as i64],
                |row| Ok((row.get(0)?, row_key(&self.keyring, row)?)),
            )
        })?;
        Ok(keys)
    }

    /// How many keys of a stream come after a position, and when the first was made:
    /// what a key exporter at that position has still to write.
    pub fn pending_after(
        &self,
        account: &str,
        stream: &str,
        after: i64,
    ) -> Result<(u64, Option<i64>)> {
        let pending = self.db.blocking(|conn| {
            conn.query_row(
                "SELECT COUNT(*), MIN(created_ms) FROM dp_keys
                 WHERE account = ?1 AND stream = ?2 AND seq > ?3",
                params![account, stream, after],
                |row| Ok((row.get::<i64>(0)? as u64, row.get(1)?)),
            )
        })?;
        Ok(pending)
    }

    /// Removes the keys created before `before_ms`; how many.
    pub(super) fn prune(&self, before_ms: i64) -> Result<usize> {
        let removed = self.db.execute(
            "DELETE FROM dp_keys WHERE created_ms < ?1",
            params![before_ms],
        )?;
        if removed > 0 {
            self.by_id_cache().clear();
            self.active_keys().clear();
        }
        Ok(removed)
    }

    /// Destroys keys for good (a data subject was deleted): their rows, with SQLite's
    /// `secure_delete` zeroing the bytes, the write-ahead log checkpointed and truncated
    /// so that no copy of them stays in the data directory, and every cached copy.
    /// Returns how many keys were destroyed.
    pub fn destroy(&self, account: &str, keys: &[(String, u32)]) -> Result<usize> {
        let destroyed = self.db.blocking(|conn| -> crate::sql::DbResult<usize> {
            let n = conn.transaction(|tx| {
                let mut n = 0;
                for (stream, key_id) in keys {
                    n += tx.execute(
                        "DELETE FROM dp_keys WHERE account = ?1 AND stream = ?2 AND key_id = ?3",
                        params![account, stream, *key_id as i64],
                    )?;
                }
                Ok::<_, crate::sql::DbError>(n)
            })?;
            if let Some(sqlite) = conn.sqlite() {
                crate::db::checkpoint(sqlite)?;
            }
            Ok(n)
        })?;
        self.forget_cached(account, keys);
        Ok(destroyed)
    }

    /// Drops cached copies of destroyed keys (here, or on another node of the cluster),
    /// remembering them as gone.
    pub fn forget_cached(&self, account: &str, keys: &[(String, u32)]) {
        let mut by_id = self.by_id_cache();
        for (stream, key_id) in keys {
            by_id.insert((account.to_owned(), stream.clone(), *key_id), None);
        }
        drop(by_id);
        self.active_keys().retain(|_, active| {
            active.retain(|a| {
                !(a.account == account
                    && keys
                        .iter()
                        .any(|(s, id)| *s == a.stream && *id == a.key.key_id))
            });
            !active.is_empty()
        });
    }

    /// Drops cached keys of a deleted stream.
    pub fn forget_stream_cached(&self, account: &str, stream: &str) {
        self.by_id_cache()
            .retain(|(a, s, _), _| !(a == account && s == stream));
        self.active_keys().retain(|_, keys| {
            keys.retain(|a| !(a.account == account && a.stream == stream));
            !keys.is_empty()
        });
    }

    /// Drops every cached key (after missing what other nodes changed).
    pub fn clear_cache(&self) {
        self.by_id_cache().clear();
        self.active_keys().clear();
    }

    pub(super) fn delete_stream(&self, account: &str, stream: &str) -> Result<()> {
        self.db.execute(
            "DELETE FROM dp_keys WHERE account = ?1 AND stream = ?2",
            params![account, stream],
        )?;
        Ok(())
    }
}
