//! At start, every sealed column holds values under the current master key: values an
//! earlier version stored in plain text, and values under an older key (a rotation), are
//! sealed again in one transaction. SQLite then forgets the old bytes: the connection
//! overwrites freed content (`secure_delete`, `db::open`) and the write-ahead log is
//! truncated.

use rusqlite::{Connection, params};

use super::{Keyring, Purpose, SealError};

/// How many values were sealed again.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Resealed {
    pub credentials: usize,
    pub keys: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum ResealError {
    #[error(transparent)]
    Sql(#[from] rusqlite::Error),
    #[error(transparent)]
    Seal(#[from] SealError),
}

pub fn reseal(conn: &mut Connection, ring: &Keyring) -> Result<Resealed, ResealError> {
    let tx = conn.transaction()?;
    let mut done = Resealed::default();
    let prefix = ring.current_text_prefix();
    let stale: Vec<(i64, String)> = tx
        .prepare(
            "SELECT id, credentials FROM sinks
             WHERE credentials IS NOT NULL AND substr(credentials, 1, ?1) <> ?2",
        )?
        .query_map(params![prefix.len() as i64, prefix], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    for (id, stored) in stale {
        let plain = ring.open_text(Purpose::SinkCredentials, &stored)?;
        let sealed = ring.seal_text(Purpose::SinkCredentials, &plain);
        tx.execute(
            "UPDATE sinks SET credentials = ?2 WHERE id = ?1",
            params![id, sealed],
        )?;
        done.credentials += 1;
    }
    let prefix = ring.current_prefix();
    let stale: Vec<(i64, Vec<u8>)> = tx
        .prepare("SELECT seq, material FROM dp_keys WHERE substr(material, 1, ?1) <> ?2")?
        .query_map(params![prefix.len() as i64, prefix], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    for (seq, stored) in stale {
        let plain = ring.open(Purpose::KeyMaterial, &stored)?.unwrap_or(stored);
        let sealed = ring.seal(Purpose::KeyMaterial, &plain);
        tx.execute(
            "UPDATE dp_keys SET material = ?2 WHERE seq = ?1",
            params![seq, sealed],
        )?;
        done.keys += 1;
    }
    tx.commit()?;
    if done != Resealed::default() {
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::master_key::MasterKey;

    #[test]
    fn plain_and_older_values_are_sealed_under_the_current_key_once() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = crate::db::open(&dir.path().join("strm.db")).unwrap();
        conn.execute_batch(
            "INSERT INTO accounts (email, billing_id, password_hash, created_at)
                 VALUES ('a@b.c', 'ab0000000001', 'h', 0);
             INSERT INTO sinks (account_id, name, sink_type, bucket_name, credentials)
                 VALUES (1, 's', 'S3', 'bucket', '{\"AccessKey\": {\"SecretAccessKey\": \"TOPSECRET\"}}');",
        )
        .unwrap();
        conn.execute(
            "INSERT INTO dp_keys (account, stream, schema_id, key_field_hash, key_id, key_link,
                 material, created_ms) VALUES ('a', 's', 'c', x'00', 1, 'l', ?1, 0)",
            [vec![9u8; 64]],
        )
        .unwrap();
        let old = MasterKey::generate().0;
        let first = Keyring::new(old.clone(), vec![]);
        assert_eq!(
            reseal(&mut conn, &first).unwrap(),
            Resealed {
                credentials: 1,
                keys: 1
            }
        );
        assert_eq!(reseal(&mut conn, &first).unwrap(), Resealed::default());
        let rotated = Keyring::new(MasterKey::generate().0, vec![old]);
        assert_eq!(
            reseal(&mut conn, &rotated).unwrap(),
            Resealed {
                credentials: 1,
                keys: 1
            }
        );
        let (creds, material): (String, Vec<u8>) = conn
            .query_row(
                "SELECT s.credentials, k.material FROM sinks s, dp_keys k",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert!(creds.starts_with(&rotated.current_text_prefix()) && !creds.contains("TOPSECRET"));
        assert!(
            rotated
                .open_text(Purpose::SinkCredentials, &creds)
                .unwrap()
                .contains("TOPSECRET")
        );
        assert_eq!(
            rotated
                .open(Purpose::KeyMaterial, &material)
                .unwrap()
                .unwrap(),
            vec![9u8; 64]
        );
        // A key the ring does not know stops the start, naming it.
        let stranger = Keyring::new(MasterKey::generate().0, vec![]);
        assert!(matches!(
            reseal(&mut conn, &stranger),
            Err(ResealError::Seal(SealError::UnknownKey(_)))
        ));
    }
}
