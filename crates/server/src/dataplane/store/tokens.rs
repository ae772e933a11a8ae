//! Event tokens (`dp_tokens`): only their SHA-256 is stored. Id tokens are looked up on
//! every event, so the ones seen are kept in memory too.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use crate::params;
use crate::sql::OptionalExt;
use sha2::{Digest, Sha256};

use super::Result;
use crate::db::Db;

/// Who an event token belongs to: a source stream, or an output of it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Principal {
    pub account: String,
    pub stream: String,
    pub output: Option<String>,
}

const CACHE_MAX: usize = 100_000;

/// Id tokens seen, by hash, with their principal and expiry.
type IdTokens = HashMap<Vec<u8>, (Principal, i64)>;

pub struct TokenStore {
    db: Db,
    id_tokens: Mutex<IdTokens>,
}

fn hash(bytes: &[u8]) -> Vec<u8> {
    Sha256::digest(bytes).to_vec()
}

impl TokenStore {
    pub(super) fn new(db: Db) -> TokenStore {
        TokenStore {
            db,
            id_tokens: Mutex::new(HashMap::new()),
        }
    }

    fn id_tokens(&self) -> MutexGuard<'_, IdTokens> {
        self.id_tokens.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Stores a token (only its hash). `expires_ms` None: a refresh token.
    pub fn put(&self, token: &str, principal: &Principal, expires_ms: Option<i64>) -> Result<()> {
        self.db.execute(
            "INSERT INTO dp_tokens (token_hash, refresh, account, stream, output, expires_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (token_hash) DO UPDATE SET refresh = excluded.refresh,
                 account = excluded.account, stream = excluded.stream,
                 output = excluded.output, expires_ms = excluded.expires_ms",
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

    /// An id token's principal from memory alone; `None` when the database must be asked.
    pub fn cached(&self, token: &str, now_ms: i64) -> Option<Option<Principal>> {
        let token_hash = hash(token.as_bytes());
        let cache = self.id_tokens();
        let (p, expires) = cache.get(&token_hash)?;
        Some((*expires > now_ms).then(|| p.clone()))
    }

    /// The principal of a live token of the given kind.
    pub fn find(&self, token: &str, refresh: bool, now_ms: i64) -> Result<Option<Principal>> {
        let token_hash = hash(token.as_bytes());
        if !refresh && let Some((p, expires)) = self.id_tokens().get(&token_hash) {
            return Ok((*expires > now_ms).then(|| p.clone()));
        }
        let found = self.db.blocking(|conn| {
            conn.query_row(
                "SELECT account, stream, output, expires_ms FROM dp_tokens
                 WHERE token_hash = ?1 AND refresh = ?2 AND (expires_ms IS NULL OR expires_ms > ?3)",
                params![token_hash, refresh, now_ms],
                |r| {
                    let p = Principal {
                        account: r.get(0)?,
                        stream: r.get(1)?,
                        output: r.get(2)?,
                    };
                    Ok((p, r.get::<Option<i64>>(3)?))
                },
            )
            .optional()
        })?;
        Ok(found.map(|(p, expires)| {
            if let (false, Some(expires)) = (refresh, expires) {
                let mut cache = self.id_tokens();
                if cache.len() >= CACHE_MAX {
                    cache.retain(|_, (_, e)| *e > now_ms);
                }
                cache.insert(token_hash, (p.clone(), expires));
            }
            p
        }))
    }

    /// Removes the tokens expired before `before_ms`.
    pub(super) fn prune(&self, before_ms: i64) -> Result<()> {
        self.db.execute(
            "DELETE FROM dp_tokens WHERE expires_ms IS NOT NULL AND expires_ms < ?1",
            params![before_ms],
        )?;
        self.id_tokens()
            .retain(|_, (_, expires)| *expires >= before_ms);
        Ok(())
    }

    /// Forgets the tokens of a stream and of its outputs, or of one output.
    pub(super) fn delete_stream(&self, account: &str, stream: &str) -> Result<()> {
        self.db.execute(
            "DELETE FROM dp_tokens WHERE account = ?1 AND (stream = ?2 OR output = ?2)",
            params![account, stream],
        )?;
        Ok(())
    }

    /// Drops cached tokens of a deleted stream or output.
    pub fn forget_stream_cached(&self, account: &str, stream: &str) {
        self.id_tokens().retain(|_, (p, _)| {
            !(p.account == account && (p.stream == stream || p.output.as_deref() == Some(stream)))
        });
    }

    /// Drops every cached token (after missing what other nodes changed).
    pub fn clear_cache(&self) {
        self.id_tokens().clear();
    }
}
