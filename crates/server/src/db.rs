//! The server's SQLite database: opening it (WAL, foreign keys), versioned migrations
//! (`PRAGMA user_version`), and running queries off the async runtime.

use std::path::Path;
use std::sync::{Arc, Mutex};

use rusqlite::Connection;

use super::error::{ApiError, ApiResult};
use super::sql::{Conn, DbError, DbResult, Params, PgPool};

pub const DB_FILE: &str = "strm.db";

/// Each entry moves the schema one version up; never edit a released entry, append one.
const MIGRATIONS: &[&str] = &[
    // 1: accounts, tokens and the control-plane resources.
    "CREATE TABLE accounts (
        id INTEGER PRIMARY KEY,
        email TEXT NOT NULL UNIQUE,
        billing_id TEXT NOT NULL UNIQUE,
        password_hash TEXT NOT NULL,
        created_at INTEGER NOT NULL
    );
    CREATE TABLE refresh_tokens (
        token_hash TEXT PRIMARY KEY,
        account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        created_at INTEGER NOT NULL
    );
    CREATE TABLE id_tokens (
        token_hash TEXT PRIMARY KEY,
        refresh_hash TEXT NOT NULL REFERENCES refresh_tokens(token_hash) ON DELETE CASCADE,
        account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        expires_at INTEGER NOT NULL
    );
    CREATE INDEX id_tokens_by_expiry ON id_tokens(expires_at);
    -- Streams and outputs share one table, hence one namespace per account.
    CREATE TABLE streams (
        id INTEGER PRIMARY KEY,
        account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        description TEXT,
        tags TEXT NOT NULL,
        client_id TEXT NOT NULL UNIQUE,
        secret_hash TEXT NOT NULL,
        linked_stream_id INTEGER REFERENCES streams(id) ON DELETE RESTRICT,
        consent_level_type TEXT,
        consent_levels TEXT,
        decrypter_name TEXT,
        created_at INTEGER NOT NULL,
        UNIQUE (account_id, name)
    );
    CREATE INDEX streams_by_link ON streams(linked_stream_id);
    CREATE TABLE sinks (
        id INTEGER PRIMARY KEY,
        account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        sink_type TEXT NOT NULL,
        bucket_name TEXT NOT NULL,
        credentials TEXT,
        UNIQUE (account_id, name, sink_type)
    );
    CREATE TABLE exporters (
        id INTEGER PRIMARY KEY,
        account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        stream_id INTEGER NOT NULL REFERENCES streams(id) ON DELETE RESTRICT,
        name TEXT NOT NULL,
        sink_id INTEGER NOT NULL REFERENCES sinks(id) ON DELETE RESTRICT,
        interval_secs INTEGER NOT NULL,
        exporter_type TEXT NOT NULL,
        path_prefix TEXT,
        export_keys INTEGER NOT NULL,
        UNIQUE (stream_id, name, export_keys)
    );
    CREATE INDEX exporters_by_sink ON exporters(sink_id);
    CREATE TABLE consent_levels (
        account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        id INTEGER NOT NULL,
        name TEXT NOT NULL,
        PRIMARY KEY (account_id, id)
    );",
    // 2: the data plane's events, keys, event tokens and exporter positions.
    DATA_PLANE,
    // 3: keys get a sequence number that is never reused (AUTOINCREMENT): key exporters
    // page on it, and rowids come back once every key row has been pruned. Existing keys
    // keep their rowid as seq, so exporter positions stay valid; numbering resumes above
    // every exported position.
    "CREATE TABLE dp_keys_v3 (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        account TEXT NOT NULL,
        stream TEXT NOT NULL,
        schema_id TEXT NOT NULL,
        key_field_hash BLOB NOT NULL,
        key_id INTEGER NOT NULL,
        key_link TEXT NOT NULL,
        material BLOB NOT NULL,
        created_ms INTEGER NOT NULL,
        UNIQUE (account, stream, key_id)
    );
    INSERT INTO dp_keys_v3 (seq, account, stream, schema_id, key_field_hash, key_id,
            key_link, material, created_ms)
        SELECT rowid, account, stream, schema_id, key_field_hash, key_id, key_link,
            material, created_ms
        FROM dp_keys ORDER BY rowid;
    DROP TABLE dp_keys;
    ALTER TABLE dp_keys_v3 RENAME TO dp_keys;
    CREATE INDEX dp_keys_by_value
        ON dp_keys (account, stream, schema_id, key_field_hash, created_ms);
    DELETE FROM sqlite_sequence WHERE name = 'dp_keys';
    INSERT INTO sqlite_sequence (name, seq) SELECT 'dp_keys', MAX(
        COALESCE((SELECT MAX(seq) FROM dp_keys), 0),
        COALESCE((SELECT MAX(position) FROM dp_exports WHERE export_keys = 1), 0));",
    // 4: data contracts (immutable, archived rather than deleted) and the keys that hold
    // each data subject's personal data.
    "CREATE TABLE data_contracts (
        id INTEGER PRIMARY KEY,
        account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        handle TEXT NOT NULL,
        name TEXT NOT NULL,
        version TEXT NOT NULL,
        schema_type TEXT NOT NULL,
        schema TEXT NOT NULL,
        key_field TEXT NOT NULL,
        data_subject_field TEXT,
        pii_fields TEXT NOT NULL,
        validations TEXT NOT NULL,
        state TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        UNIQUE (account_id, handle, name, version)
    );
    CREATE TABLE dp_subject_keys (
        account TEXT NOT NULL,
        subject TEXT NOT NULL,
        stream TEXT NOT NULL,
        key_id INTEGER NOT NULL,
        last_seen_ms INTEGER NOT NULL,
        PRIMARY KEY (account, subject, stream, key_id)
    );
    CREATE INDEX dp_subject_keys_by_key ON dp_subject_keys (account, stream, key_id);",
    // 5: usage counts (per second for the last hour, per 10 s as long as events are
    // kept) and what an exporter's status shows.
    "CREATE TABLE dp_usage_seconds (
        account TEXT NOT NULL,
        name TEXT NOT NULL,
        start_s INTEGER NOT NULL,
        count INTEGER NOT NULL,
        PRIMARY KEY (account, name, start_s)
    ) WITHOUT ROWID;
    CREATE TABLE dp_usage_windows (
        account TEXT NOT NULL,
        name TEXT NOT NULL,
        start_s INTEGER NOT NULL,
        count INTEGER NOT NULL,
        PRIMARY KEY (account, name, start_s)
    ) WITHOUT ROWID;
    ALTER TABLE dp_exports ADD COLUMN last_batch_ms INTEGER;
    ALTER TABLE dp_exports ADD COLUMN last_object TEXT;
    ALTER TABLE dp_exports ADD COLUMN objects INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE dp_exports ADD COLUMN events INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE dp_exports ADD COLUMN bytes INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE dp_exports ADD COLUMN last_error TEXT;
    ALTER TABLE dp_exports ADD COLUMN failed_ms INTEGER;",
];

/// Migration 2 as released (it was idempotent and also ran on every open).
const DATA_PLANE: &str = "
CREATE TABLE IF NOT EXISTS dp_events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    account TEXT NOT NULL,
    stream TEXT NOT NULL,
    ts_ms INTEGER NOT NULL,
    schema_id TEXT NOT NULL,
    consent TEXT NOT NULL,
    body BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS dp_events_by_stream ON dp_events (account, stream, seq);
CREATE TABLE IF NOT EXISTS dp_keys (
    account TEXT NOT NULL,
    stream TEXT NOT NULL,
    schema_id TEXT NOT NULL,
    key_field_hash BLOB NOT NULL,
    key_id INTEGER NOT NULL,
    key_link TEXT NOT NULL,
    material BLOB NOT NULL,
    created_ms INTEGER NOT NULL,
    UNIQUE (account, stream, key_id)
);
CREATE INDEX IF NOT EXISTS dp_keys_by_value
    ON dp_keys (account, stream, schema_id, key_field_hash, created_ms);
CREATE TABLE IF NOT EXISTS dp_tokens (
    token_hash BLOB PRIMARY KEY,
    refresh INTEGER NOT NULL,
    account TEXT NOT NULL,
    stream TEXT NOT NULL,
    output TEXT,
    expires_ms INTEGER
);
CREATE TABLE IF NOT EXISTS dp_exports (
    account TEXT NOT NULL,
    stream TEXT NOT NULL,
    name TEXT NOT NULL,
    export_keys INTEGER NOT NULL,
    uuid TEXT NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (account, stream, name, export_keys)
);
";

/// The schema version this build writes.
pub fn schema_version() -> i64 {
    MIGRATIONS.len() as i64
}

/// Opens (creating) the database and brings its schema up to date.
pub fn open(path: &Path) -> rusqlite::Result<Connection> {
    let mut conn = Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // Deleted rows are overwritten with zeros, so that a destroyed key (a forgotten data
    // subject) leaves no bytes behind in the file.
    conn.pragma_update(None, "secure_delete", "ON")?;
    migrate(&mut conn)?;
    Ok(conn)
}

/// Copies the write-ahead log into the database and truncates it to nothing: after a
/// secure delete, the old pages in the log would still hold what was deleted. Waits
/// (up to the busy timeout) for readers of the other connections.
pub fn checkpoint(conn: &Connection) -> rusqlite::Result<()> {
    let (busy, _, _): (i64, i64, i64) =
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?;
    if busy != 0 {
        tracing::warn!(
            "the write-ahead log could not be truncated now; it will be at the next checkpoint"
        );
    }
    Ok(())
}

fn migrate(conn: &mut Connection) -> rusqlite::Result<()> {
    migrate_to(conn, MIGRATIONS.len())
}

/// Brings the schema up to `version` (PostgreSQL's schema is translated from SQLite's at
/// a version: `sql::pg_schema`).
pub(crate) fn migrate_to(conn: &mut Connection, version: usize) -> rusqlite::Result<()> {
    let current: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let due = MIGRATIONS[..version.min(MIGRATIONS.len())].iter();
    for (index, sql) in due.enumerate().skip(current.max(0) as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", index as i64 + 1)?;
        tx.commit()?;
    }
    Ok(())
}

/// The database every handler and store queries: one SQLite connection (the embedded
/// default) or a pool of PostgreSQL connections (a cluster's shared database). Queries run
/// on the blocking pool so that the async runtime keeps serving while the database works.
#[derive(Clone)]
pub struct Db {
    backend: Arc<Backend>,
}

// One per server, for its life: the variants' sizes do not matter.
#[allow(clippy::large_enum_variant)]
enum Backend {
    Sqlite(Mutex<Conn>),
    Postgres(Pool),
}

/// The PostgreSQL pool, closed on a thread of its own: its client closes connections by
/// blocking, which a thread of the async runtime must not do.
struct Pool(Option<PgPool>);

impl Pool {
    fn get(&self) -> DbResult<r2d2::PooledConnection<crate::sql::PgManager>> {
        let pool = self
            .0
            .as_ref()
            .ok_or_else(|| DbError::Unavailable("the server is stopping".into()))?;
        pool.get().map_err(|e| DbError::Unavailable(e.to_string()))
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        if let Some(pool) = self.0.take() {
            let _ = std::thread::Builder::new()
                .name("strm-pg-close".into())
                .spawn(move || drop(pool));
        }
    }
}

impl Db {
    pub fn new(conn: impl Into<Conn>) -> Db {
        Db {
            backend: Arc::new(Backend::Sqlite(Mutex::new(conn.into()))),
        }
    }

    pub fn postgres(pool: PgPool) -> Db {
        Db {
            backend: Arc::new(Backend::Postgres(Pool(Some(pool)))),
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(*self.backend, Backend::Postgres(_))
    }

    /// `call`, answered as the JSON of what `f` returns (a handler's whole body).
    pub async fn answer<R, F>(&self, f: F) -> ApiResult<axum::Json<R>>
    where
        R: Send + 'static,
        F: FnOnce(&mut Conn) -> ApiResult<R> + Send + 'static,
    {
        self.call(f).await.map(axum::Json)
    }

    pub async fn call<R, F>(&self, f: F) -> ApiResult<R>
    where
        R: Send + 'static,
        F: FnOnce(&mut Conn) -> ApiResult<R> + Send + 'static,
    {
        let db = self.clone();
        tokio::task::spawn_blocking(move || -> ApiResult<R> { db.with(f)? })
            .await
            .map_err(|e| ApiError::internal("database task", e))?
    }

    /// Holds the connection, as a long statement would (tests of callers that wait).
    #[cfg(test)]
    pub(crate) fn lock(&self) -> std::sync::MutexGuard<'_, Conn> {
        match &*self.backend {
            Backend::Sqlite(conn) => conn.lock().unwrap_or_else(|p| p.into_inner()),
            Backend::Postgres(_) => unreachable!("the unit tests run on SQLite"),
        }
    }

    /// Runs one statement, on the calling thread (as `blocking`).
    pub fn execute(&self, sql: &str, params: Params<'_>) -> DbResult<usize> {
        self.blocking(|conn| conn.execute(sql, params))
    }

    /// Runs `f` on the calling thread; for callers already off the async runtime (the
    /// data plane's directory lookups run on the blocking pool or are short reads). A
    /// PostgreSQL query from a worker of the runtime hands the worker's other tasks away
    /// first.
    pub fn blocking<R, E: From<DbError>>(
        &self,
        f: impl FnOnce(&mut Conn) -> Result<R, E>,
    ) -> Result<R, E> {
        match &*self.backend {
            Backend::Sqlite(_) => self.with(f)?,
            Backend::Postgres(_) => off_runtime(|| self.with(f))?,
        }
    }

    /// `f` on a connection: the shared SQLite one, or one of the pool's.
    fn with<R>(&self, f: impl FnOnce(&mut Conn) -> R) -> DbResult<R> {
        match &*self.backend {
            Backend::Sqlite(conn) => {
                // A panic in an earlier query leaves the connection usable; its open
                // transaction is rolled back first.
                let mut guard = conn.lock().unwrap_or_else(|p| p.into_inner());
                guard.recover();
                Ok(f(&mut guard))
            }
            Backend::Postgres(pool) => {
                let mut conn = pool.get()?;
                conn.recover();
                Ok(f(&mut conn))
            }
        }
    }
}

/// Runs blocking work from anywhere: on a worker of a multi-threaded runtime its other
/// tasks move away first (PostgreSQL's client must not block a worker).
fn off_runtime<R>(f: impl FnOnce() -> R) -> R {
    match tokio::runtime::Handle::try_current() {
        Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(f)
        }
        _ => f(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_run_once_and_set_the_version() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DB_FILE);
        let conn = open(&path).unwrap();
        let v: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, schema_version());
        drop(conn);
        // Reopening must not re-run (it would fail on CREATE TABLE).
        let conn = open(&path).unwrap();
        let fk: i64 = conn
            .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
            .unwrap();
        assert_eq!(fk, 1);
        let mode: String = conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
    }

    #[test]
    fn a_database_of_every_earlier_version_opens_and_keeps_its_rows() {
        for version in 1..=MIGRATIONS.len() {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join(DB_FILE);
            {
                let conn = Connection::open(&path).unwrap();
                for sql in &MIGRATIONS[..version] {
                    conn.execute_batch(sql).unwrap();
                }
                conn.pragma_update(None, "user_version", version as i64)
                    .unwrap();
                conn.execute_batch(
                    "INSERT INTO accounts (email, billing_id, password_hash, created_at)
                     VALUES ('a@b.c', 'ab0000000001', 'h', 0);",
                )
                .unwrap();
            }
            let conn = open(&path).unwrap();
            let v: i64 = conn
                .query_row("PRAGMA user_version", [], |r| r.get(0))
                .unwrap();
            assert_eq!(v, schema_version(), "from version {version}");
            let kept: String = conn
                .query_row("SELECT billing_id FROM accounts", [], |r| r.get(0))
                .unwrap();
            assert_eq!(kept, "ab0000000001", "from version {version}");
        }
    }

    #[test]
    fn keys_keep_their_positions_and_new_ones_follow_every_exported_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DB_FILE);
        {
            // A version-2 database whose keys were pruned after an export reached 7.
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(MIGRATIONS[0]).unwrap();
            conn.execute_batch(MIGRATIONS[1]).unwrap();
            conn.execute_batch(
                "PRAGMA user_version = 2;
                 INSERT INTO dp_keys (rowid, account, stream, schema_id, key_field_hash,
                     key_id, key_link, material, created_ms)
                     VALUES (3, 'a', 's', 'c', x'00', 1, 'l', x'00', 0);
                 INSERT INTO dp_exports VALUES ('a', 's', 'keys', 1, 'u', 7);",
            )
            .unwrap();
        }
        let conn = open(&path).unwrap();
        let kept: i64 = conn
            .query_row("SELECT seq FROM dp_keys WHERE key_id = 1", [], |r| r.get(0))
            .unwrap();
        assert_eq!(kept, 3);
        conn.execute_batch(
            "INSERT INTO dp_keys (account, stream, schema_id, key_field_hash, key_id,
                 key_link, material, created_ms)
                 VALUES ('a', 's', 'c', x'01', 2, 'm', x'00', 0);",
        )
        .unwrap();
        let fresh: i64 = conn
            .query_row("SELECT seq FROM dp_keys WHERE key_id = 2", [], |r| r.get(0))
            .unwrap();
        assert_eq!(fresh, 8);
    }
}
