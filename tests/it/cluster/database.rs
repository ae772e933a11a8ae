//! The server's one query interface (`strm_server::sql`) gives the same answers on SQLite
//! and on a real PostgreSQL: parameters of every type the stores bind, optional rows,
//! transactions that roll back, and a second writer of the same key told so.

use strm_server::params;
use strm_server::sql::{Conn, DbError, OptionalExt, connect_pool, pg_schema};

use crate::support::postgres::Postgres;

/// What both databases must answer alike.
fn exercise(conn: &mut Conn) {
    conn.execute_batch(
        "CREATE TABLE things (
            name TEXT PRIMARY KEY,
            n BIGINT NOT NULL,
            flag BOOLEAN NOT NULL,
            bytes BYTEA,
            note TEXT
        )",
    )
    .unwrap();
    let inserted = conn
        .execute(
            "INSERT INTO things (name, n, flag, bytes, note) VALUES (?1, ?2, ?3, ?4, ?5)",
            params!["a", 7i64, true, vec![0u8, 255], None::<String>],
        )
        .unwrap();
    assert_eq!(inserted, 1);
    let (n, flag, bytes, note): (i64, bool, Vec<u8>, Option<String>) = conn
        .query_row(
            "SELECT n, flag, bytes, note FROM things WHERE name = ?1",
            params!["a"],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap();
    assert_eq!((n, flag, bytes, note), (7, true, vec![0, 255], None));

    let missing: Option<i64> = conn
        .query_row("SELECT n FROM things WHERE name = ?1", params!["z"], |r| {
            r.get(0)
        })
        .optional()
        .unwrap();
    assert_eq!(missing, None);

    let again = conn
        .execute(
            "INSERT INTO things (name, n, flag) VALUES (?1, ?2, ?3)",
            params!["a", 8i64, false],
        )
        .unwrap_err();
    assert!(again.is_unique_violation(), "{again}");

    let failed: Result<(), DbError> = conn.transaction(|tx| {
        tx.execute(
            "INSERT INTO things (name, n, flag) VALUES (?1, ?2, ?3)",
            params!["b", 1i64, false],
        )?;
        Err(DbError::NoRows)
    });
    assert!(failed.is_err());
    conn.transaction(|tx| {
        tx.execute(
            "INSERT INTO things (name, n, flag) VALUES (?1, ?2, ?3)
             ON CONFLICT (name) DO UPDATE SET n = things.n + excluded.n",
            params!["a", 5i64, false],
        )
        .map(|_| ())
    })
    .unwrap();
    let rows = conn
        .query_map(
            "SELECT name, n, COUNT(*) OVER () FROM things ORDER BY name",
            params![],
            |r| Ok((r.get::<String>(0)?, r.get::<i64>(1)?, r.get::<i64>(2)?)),
        )
        .unwrap();
    assert_eq!(rows, vec![("a".to_string(), 12, 1)]);
}

#[test]
fn sqlite_answers_the_shared_queries() {
    let dir = tempfile::tempdir().unwrap();
    let mut conn = Conn::Sqlite(rusqlite::Connection::open(dir.path().join("t.db")).unwrap());
    exercise(&mut conn);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nodes_starting_at_once_migrate_the_schema_once() {
    let pg = Postgres::start().await;
    let url = pg.database("migrations");
    let starts: Vec<_> = (0..4)
        .map(|_| {
            let url = url.clone();
            tokio::task::spawn_blocking(move || {
                let pool = connect_pool(&url).unwrap();
                pg_schema::migrate(&mut pool.get().unwrap())
            })
        })
        .collect();
    for start in starts {
        assert_eq!(start.await.unwrap().unwrap(), pg_schema::schema_version());
    }
    // Each version once, in order, however many nodes raced to write it.
    let versions = pg
        .psql(
            "migrations",
            "SELECT version FROM strm_schema ORDER BY version",
        )
        .unwrap();
    let expected: Vec<String> = (1..=pg_schema::schema_version())
        .map(|v| v.to_string())
        .collect();
    assert_eq!(versions, expected.join("\n"));
    // A database a newer strm-tui moved on is refused, naming both versions.
    pg.psql("migrations", "INSERT INTO strm_schema VALUES (999)")
        .unwrap();
    let refused = tokio::task::spawn_blocking(move || {
        let pool = connect_pool(&url).unwrap();
        pg_schema::migrate(&mut pool.get().unwrap()).unwrap_err()
    })
    .await
    .unwrap();
    assert!(refused.to_string().contains("version 999"), "{refused}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_answers_the_shared_queries_alike() {
    let pg = Postgres::start().await;
    let url = pg.database("facade");
    tokio::task::spawn_blocking(move || {
        let pool = connect_pool(&url).unwrap();
        exercise(&mut pool.get().unwrap());
    })
    .await
    .unwrap();
}
