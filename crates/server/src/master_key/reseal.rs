//! At start, every sealed column holds values under the current master key: values an
//! earlier version stored in plain text, and values under an older key (a rotation), are
//! sealed again in one transaction. SQLite then forgets the old bytes: the connection
//! overwrites freed content (`secure_delete`, `db::open`) and the write-ahead log is
//! truncated.

use crate::params;
use crate::sql::{Column, Conn, DbError, Param};

use super::{Keyring, Purpose, SealError};

/// How many values were sealed again.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Resealed {
    pub credentials: usize,
    pub keys: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum ResealError {
    #[error("the database: {0}")]
    Sql(#[from] DbError),
    #[error(transparent)]
    Seal(#[from] SealError),
}

pub fn reseal(conn: &mut Conn, ring: &Keyring) -> Result<Resealed, ResealError> {
    let text = ring.current_text_prefix();
    let bytes = ring.current_prefix();
    let done = conn.transaction(|tx| {
        Ok::<_, ResealError>(Resealed {
            credentials: reseal_column(
                tx,
                ("sinks", "id", "credentials"),
                (&text, text.len()),
                |stored: String| {
                    let plain = ring.open_text(Purpose::SinkCredentials, &stored)?;
                    Ok(ring.seal_text(Purpose::SinkCredentials, &plain))
                },
            )?,
            keys: reseal_column(
                tx,
                ("dp_keys", "seq", "material"),
                (&bytes, bytes.len()),
                |stored: Vec<u8>| {
                    // Material an earlier version stored in plain text is not sealed at all.
                    let plain = ring.open(Purpose::KeyMaterial, &stored)?.unwrap_or(stored);
                    Ok(ring.seal(Purpose::KeyMaterial, &plain))
                },
            )?,
        })
    })?;
    if done != Resealed::default()
        && let Some(sqlite) = conn.sqlite()
    {
        crate::db::checkpoint(sqlite).map_err(DbError::from)?;
    }
    Ok(done)
}

/// Seals again, with `seal_again`, every value of `table.column` (rows keyed by `key`)
/// that does not start with `prefix` (of that many bytes; of the column's own type, as
/// SQLite never finds text equal to a blob); how many. NULLs stay NULL.
fn reseal_column<T: Column + Param>(
    tx: &mut Conn,
    (table, key, column): (&str, &str, &str),
    (prefix, prefix_len): (&dyn Param, usize),
    seal_again: impl Fn(T) -> Result<T, SealError>,
) -> Result<usize, ResealError> {
    let stale: Vec<(i64, T)> = tx.query_map(
        &format!(
            "SELECT {key}, {column} FROM {table} WHERE substr({column}, 1, {prefix_len}) <> ?1"
        ),
        &[prefix],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let count = stale.len();
    for (id, stored) in stale {
        tx.execute(
            &format!("UPDATE {table} SET {column} = ?2 WHERE {key} = ?1"),
            params![id, seal_again(stored)?],
        )?;
    }
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::master_key::MasterKey;

    #[test]
    fn plain_and_older_values_are_sealed_under_the_current_key_once() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = Conn::Sqlite(crate::db::open(&dir.path().join("strm.db")).unwrap());
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
            params![vec![9u8; 64]],
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
                params![],
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
