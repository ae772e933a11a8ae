//! Data subjects (`data-contracts.md`, "right to be forgotten"): which keys hold each
//! person's personal data, recorded as events arrive (`dp_subject_keys`). Deleting a
//! person destroys those keys (`KeyStore::destroy`); this store finds them and forgets
//! the links. A link is written once per key and person and its `lastSeen` refreshed at
//! most once a minute, so that ingest does not write on every event.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use crate::params;

use super::Result;
use crate::dataplane::crypto::DataKey;
use crate::db::Db;
use strm_model::{DataSubject, DataSubjectPage};

/// How stale a subject's `lastSeen` may get before an event writes it again.
pub const LAST_SEEN_GRANULARITY_MS: i64 = 60_000;
const SEEN_CACHE_MAX: usize = 100_000;

/// A link this server wrote: (account, stream, subject) and when.
type Seen = HashMap<u32, Vec<(String, String, String, i64)>>;

pub struct SubjectStore {
    db: Db,
    /// Links written recently, by key id.
    seen: Mutex<Seen>,
}

impl SubjectStore {
    pub(super) fn new(db: Db) -> SubjectStore {
        SubjectStore {
            db,
            seen: Mutex::new(HashMap::new()),
        }
    }

    fn seen(&self) -> MutexGuard<'_, Seen> {
        self.seen.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records that `key` encrypted an event about `subject`.
    pub fn link(
        &self,
        account: &str,
        subject: &str,
        stream: &str,
        key: &DataKey,
        now_ms: i64,
    ) -> Result<()> {
        let fresh = self.seen().get(&key.key_id).is_some_and(|links| {
            links.iter().any(|(a, s, who, at)| {
                a == account
                    && s == stream
                    && who == subject
                    && now_ms - at < LAST_SEEN_GRANULARITY_MS
            })
        });
        if fresh {
            return Ok(());
        }
        self.db.blocking(|conn| {
            conn.execute(
                "INSERT INTO dp_subject_keys (account, subject, stream, key_id, last_seen_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (account, subject, stream, key_id)
                 DO UPDATE SET last_seen_ms = CASE
                     WHEN excluded.last_seen_ms > dp_subject_keys.last_seen_ms
                     THEN excluded.last_seen_ms ELSE dp_subject_keys.last_seen_ms END",
                params![account, subject, stream, key.key_id as i64, now_ms],
            )
        })?;
        let mut seen = self.seen();
        if seen.len() >= SEEN_CACHE_MAX {
            seen.clear();
        }
        let links = seen.entry(key.key_id).or_default();
        links.retain(|(a, s, who, _)| !(a == account && s == stream && who == subject));
        links.push((
            account.to_owned(),
            stream.to_owned(),
            subject.to_owned(),
            now_ms,
        ));
        Ok(())
    }

    /// The account's subjects whose keys still exist, sorted by id: those starting with
    /// `prefix`, after `after`, at most `limit`.
    pub fn list(
        &self,
        account: &str,
        prefix: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<DataSubjectPage> {
        let mut rows = self.db.blocking(|conn| {
            conn.query_map(
                "SELECT l.subject, COUNT(*), MAX(l.last_seen_ms) FROM dp_subject_keys l
                 JOIN dp_keys k ON k.account = l.account AND k.stream = l.stream
                     AND k.key_id = l.key_id
                 WHERE l.account = ?1 AND substr(l.subject, 1, length(?2)) = ?2
                     AND (CAST(?3 AS TEXT) IS NULL OR l.subject > ?3)
                 GROUP BY l.subject ORDER BY l.subject LIMIT ?4",
                params![account, prefix, after, limit as i64 + 1],
                |r| {
                    Ok(DataSubject {
                        id: r.get(0)?,
                        key_links: r.get::<i64>(1)? as u64,
                        last_seen: r.get(2)?,
                    })
                },
            )
        })?;
        let next = if rows.len() > limit {
            rows.truncate(limit);
            rows.last().map(|s| s.id.clone())
        } else {
            None
        };
        Ok(DataSubjectPage {
            data_subjects: rows,
            next,
        })
    }

    /// The keys, as (stream, key id), that hold these subjects' personal data.
    pub fn keys_of(&self, account: &str, subjects: &[String]) -> Result<Vec<(String, u32)>> {
        let keys = self.db.blocking(|conn| {
            let mut keys = Vec::new();
            for subject in subjects {
                keys.extend(conn.query_map(
                    "SELECT DISTINCT stream, key_id FROM dp_subject_keys
                     WHERE account = ?1 AND subject = ?2",
                    params![account, subject],
                    |r| Ok((r.get::<String>(0)?, r.get::<i64>(1)? as u32)),
                )?);
            }
            keys.sort();
            keys.dedup();
            Ok::<_, crate::sql::DbError>(keys)
        })?;
        Ok(keys)
    }

    /// Forgets these subjects, and every link to the destroyed keys (another person who
    /// shared one of them loses that link too: the key is gone).
    pub fn forget(&self, account: &str, subjects: &[String], keys: &[(String, u32)]) -> Result<()> {
        self.db.blocking(|conn| {
            conn.transaction(|tx| {
                for subject in subjects {
                    tx.execute(
                        "DELETE FROM dp_subject_keys WHERE account = ?1 AND subject = ?2",
                        params![account, subject],
                    )?;
                }
                for (stream, key_id) in keys {
                    tx.execute(
                        "DELETE FROM dp_subject_keys WHERE account = ?1 AND stream = ?2 AND key_id = ?3",
                        params![account, stream, *key_id as i64],
                    )?;
                }
                Ok::<_, crate::sql::DbError>(())
            })
        })?;
        let mut seen = self.seen();
        for (_, key_id) in keys {
            seen.remove(key_id);
        }
        for links in seen.values_mut() {
            links.retain(|(a, _, who, _)| !(a == account && subjects.contains(who)));
        }
        Ok(())
    }

    /// Removes links to keys that no longer exist (retention, a deleted stream).
    pub(super) fn prune(&self) -> Result<usize> {
        let removed = self.db.execute(
            "DELETE FROM dp_subject_keys WHERE NOT EXISTS (SELECT 1 FROM dp_keys k
                     WHERE k.account = dp_subject_keys.account
                       AND k.stream = dp_subject_keys.stream
                       AND k.key_id = dp_subject_keys.key_id)",
            params![],
        )?;
        if removed > 0 {
            self.seen().clear();
        }
        Ok(removed)
    }
}
