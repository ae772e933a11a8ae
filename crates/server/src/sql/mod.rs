//! One way to query the two databases the server runs on: SQLite (the embedded default,
//! one file in the data directory) and PostgreSQL (shared by the nodes of a cluster).
//!
//! A query is written once, in the SQL both understand, with rusqlite's `?N`
//! placeholders (PostgreSQL is given `$N`); parameters and columns are types both
//! drivers convert (`i64`, `bool`, `String`/`&str`, `Vec<u8>`/`&[u8]`, `Option` of
//! those). What only one of them has (SQLite's pragmas, its write-ahead log) is reached
//! through `Conn::sqlite`.

mod pg;
pub mod pg_schema;

use std::time::Duration;

pub use self::pg::{PgManager, PgPool, connect_pool};

/// The Rust types whose SQL type is the same in both databases. No unsigned integers:
/// PostgreSQL has none (it would take a `u32` for an OID), so they are `i64` in SQL.
pub trait Portable {}
impl Portable for i64 {}
impl Portable for f64 {}
impl Portable for bool {}
impl Portable for String {}
impl Portable for str {}
impl Portable for Vec<u8> {}
impl Portable for [u8] {}
impl<T: Portable + ?Sized> Portable for &T {}
impl<T: Portable> Portable for Option<T> {}

/// A value a query can bind: something both drivers send as the same SQL type.
pub trait Param: rusqlite::ToSql + postgres::types::ToSql + Portable + Sync {}
impl<T: rusqlite::ToSql + postgres::types::ToSql + Portable + Sync + ?Sized> Param for T {}

/// A column value both drivers read from the same SQL type.
pub trait Column:
    rusqlite::types::FromSql + for<'a> postgres::types::FromSql<'a> + Portable
{
}
impl<T: rusqlite::types::FromSql + for<'a> postgres::types::FromSql<'a> + Portable> Column for T {}

/// A column's position (from 0) or name, as both drivers take it.
pub trait Index: rusqlite::RowIndex + postgres::row::RowIndex + std::fmt::Display + Copy {}
impl<T: rusqlite::RowIndex + postgres::row::RowIndex + std::fmt::Display + Copy> Index for T {}

/// The parameters of one query, in placeholder order.
pub type Params<'a> = &'a [&'a dyn Param];

/// `params![a, b]`: the parameters of a query, as rusqlite's macro of that name.
#[macro_export]
macro_rules! params {
    () => {
        &[] as $crate::sql::Params<'_>
    };
    ($($p:expr),+ $(,)?) => {
        &[$(&$p as &dyn $crate::sql::Param),+] as $crate::sql::Params<'_>
    };
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("{0}")]
    Sqlite(rusqlite::Error),
    #[error("PostgreSQL: {0}")]
    Pg(#[from] postgres::Error),
    /// The database cannot be reached now (PostgreSQL down, or every pooled connection
    /// busy for longer than the wait); the request may be tried again.
    #[error("the database (PostgreSQL) is unavailable: {0}")]
    Unavailable(String),
    /// The database is not one this server can use (the reason says why and what to do).
    #[error("{0}")]
    Refused(String),
    /// `query_row` found nothing.
    #[error("no row")]
    NoRows,
    /// A column held something else than the code reads.
    #[error("column {index}: {reason}")]
    Column { index: String, reason: String },
}

impl From<rusqlite::Error> for DbError {
    fn from(e: rusqlite::Error) -> DbError {
        match e {
            rusqlite::Error::QueryReturnedNoRows => DbError::NoRows,
            e => DbError::Sqlite(e),
        }
    }
}

impl DbError {
    /// Column `index` held something the code cannot use, for `reason`.
    pub fn column(index: impl std::fmt::Display, reason: impl std::fmt::Display) -> DbError {
        DbError::Column {
            index: index.to_string(),
            reason: reason.to_string(),
        }
    }

    /// A UNIQUE or PRIMARY KEY constraint refused the write (another node, or request,
    /// wrote the same name first).
    pub fn is_unique_violation(&self) -> bool {
        match self {
            DbError::Sqlite(rusqlite::Error::SqliteFailure(e, _)) => {
                e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                    || e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
            }
            DbError::Pg(e) => e.code() == Some(&postgres::error::SqlState::UNIQUE_VIOLATION),
            _ => false,
        }
    }

    /// The database is unreachable rather than the query wrong.
    pub fn is_unavailable(&self) -> bool {
        match self {
            DbError::Unavailable(_) => true,
            DbError::Pg(e) => e.is_closed() || e.as_db_error().is_none() && e.code().is_none(),
            _ => false,
        }
    }
}

pub type DbResult<T> = Result<T, DbError>;

/// `.optional()` on a `query_row`, as rusqlite's extension of that name.
pub trait OptionalExt<T> {
    fn optional(self) -> DbResult<Option<T>>;
}

impl<T> OptionalExt<T> for DbResult<T> {
    fn optional(self) -> DbResult<Option<T>> {
        match self {
            Ok(v) => Ok(Some(v)),
            Err(DbError::NoRows) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// One row of a result.
pub enum Row<'a> {
    Sqlite(&'a rusqlite::Row<'a>),
    Pg(&'a postgres::Row),
}

impl Row<'_> {
    pub fn get<T: Column>(&self, index: impl Index) -> DbResult<T> {
        match self {
            Row::Sqlite(r) => Ok(r.get(index)?),
            Row::Pg(r) => r.try_get(index).map_err(|e| DbError::column(index, e)),
        }
    }
}

/// A connection to either database. Few live at once (one SQLite connection, a pool's
/// worth of PostgreSQL ones): their size does not matter.
#[allow(clippy::large_enum_variant)]
pub enum Conn {
    Sqlite(rusqlite::Connection),
    Pg(pg::PgConn),
}

impl From<rusqlite::Connection> for Conn {
    fn from(c: rusqlite::Connection) -> Conn {
        Conn::Sqlite(c)
    }
}

impl Conn {
    /// The SQLite connection, for what only SQLite has (pragmas, checkpoints).
    pub fn sqlite(&mut self) -> Option<&mut rusqlite::Connection> {
        match self {
            Conn::Sqlite(c) => Some(c),
            Conn::Pg(_) => None,
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, Conn::Pg(_))
    }

    /// Runs one statement; the rows it changed.
    pub fn execute(&mut self, sql: &str, params: Params<'_>) -> DbResult<usize> {
        match self {
            Conn::Sqlite(c) => {
                let mut stmt = c.prepare_cached(sql)?;
                Ok(stmt.execute(sqlite_params(params).as_slice())?)
            }
            Conn::Pg(c) => c.execute(sql, params),
        }
    }

    /// Runs statements without parameters, separated by `;` (schemas, pragmas).
    pub fn execute_batch(&mut self, sql: &str) -> DbResult<()> {
        match self {
            Conn::Sqlite(c) => Ok(c.execute_batch(sql)?),
            Conn::Pg(c) => c.batch(sql),
        }
    }

    /// The first row, made into a value by `f`; `DbError::NoRows` when there is none
    /// (`.optional()` makes that `None`).
    pub fn query_row<T>(
        &mut self,
        sql: &str,
        params: Params<'_>,
        f: impl FnOnce(&Row<'_>) -> DbResult<T>,
    ) -> DbResult<T> {
        match self {
            Conn::Sqlite(c) => {
                let mut stmt = c.prepare_cached(sql)?;
                let mut rows = stmt.query(sqlite_params(params).as_slice())?;
                match rows.next()? {
                    Some(r) => f(&Row::Sqlite(r)),
                    None => Err(DbError::NoRows),
                }
            }
            Conn::Pg(c) => match c.query(sql, params)?.first() {
                Some(r) => f(&Row::Pg(r)),
                None => Err(DbError::NoRows),
            },
        }
    }

    /// Every row, each made into a value by `f`.
    pub fn query_map<T>(
        &mut self,
        sql: &str,
        params: Params<'_>,
        mut f: impl FnMut(&Row<'_>) -> DbResult<T>,
    ) -> DbResult<Vec<T>> {
        match self {
            Conn::Sqlite(c) => {
                let mut stmt = c.prepare_cached(sql)?;
                let mut rows = stmt.query(sqlite_params(params).as_slice())?;
                let mut out = Vec::new();
                while let Some(r) = rows.next()? {
                    out.push(f(&Row::Sqlite(r))?);
                }
                Ok(out)
            }
            Conn::Pg(c) => c
                .query(sql, params)?
                .iter()
                .map(|r| f(&Row::Pg(r)))
                .collect(),
        }
    }

    /// Runs `f` in a transaction: committed when it returns `Ok`, rolled back otherwise
    /// (and when it panics: the connection is then rolled back before its next use).
    pub fn transaction<R, E: From<DbError>>(
        &mut self,
        f: impl FnOnce(&mut Conn) -> Result<R, E>,
    ) -> Result<R, E> {
        self.execute_batch("BEGIN")?;
        match f(self) {
            Ok(r) => {
                self.execute_batch("COMMIT")?;
                Ok(r)
            }
            Err(e) => {
                let _ = self.execute_batch("ROLLBACK");
                Err(e)
            }
        }
    }

    /// Before a pooled or shared connection is used again: a transaction a panic left
    /// open is rolled back.
    pub(crate) fn recover(&mut self) {
        let open = match self {
            Conn::Sqlite(c) => !c.is_autocommit(),
            Conn::Pg(c) => c.in_transaction(),
        };
        if open {
            let _ = self.execute_batch("ROLLBACK");
        }
    }
}

fn sqlite_params<'a>(params: Params<'a>) -> Vec<&'a dyn rusqlite::ToSql> {
    params.iter().map(|p| *p as &dyn rusqlite::ToSql).collect()
}

/// How long a request waits for a pooled PostgreSQL connection before it is answered
/// 503.
pub const POOL_WAIT: Duration = Duration::from_secs(5);
