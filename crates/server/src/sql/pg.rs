//! PostgreSQL under `sql::Conn`: a pool of connections, each keeping its prepared
//! statements, and rusqlite's `?N` placeholders written as PostgreSQL's `$N`.

use std::collections::HashMap;
use std::str::FromStr;

use postgres::{NoTls, Statement};

use super::{Conn, DbError, DbResult, POOL_WAIT, Params};

/// Connections a node keeps to PostgreSQL at most.
const POOL_SIZE: u32 = 16;

pub type PgPool = r2d2::Pool<PgManager>;

/// Opens a pool on `url` (`postgres://USER:PASSWORD@HOST:PORT/DB`), connecting once
/// to find out now whether the database answers.
pub fn connect_pool(url: &str) -> DbResult<PgPool> {
    let mut config = postgres::Config::from_str(url)?;
    config.connect_timeout(POOL_WAIT);
    config.application_name("strm-tui");
    r2d2::Pool::builder()
        .max_size(POOL_SIZE)
        .min_idle(Some(1))
        .connection_timeout(POOL_WAIT)
        .error_handler(Box::new(QuietErrors))
        .build(PgManager { config })
        .map_err(|e| DbError::Unavailable(e.to_string()))
}

/// Pool errors reach callers as 503s with the reason; the pool itself logs them once
/// at debug level (its default handler would log every retry as an error).
#[derive(Debug)]
struct QuietErrors;

impl r2d2::HandleError<postgres::Error> for QuietErrors {
    fn handle_error(&self, error: postgres::Error) {
        tracing::debug!(error = %error, "a PostgreSQL connection failed");
    }
}

#[derive(Debug)]
pub struct PgManager {
    config: postgres::Config,
}

impl r2d2::ManageConnection for PgManager {
    type Connection = Conn;
    type Error = postgres::Error;

    fn connect(&self) -> Result<Conn, postgres::Error> {
        Ok(Conn::Pg(PgConn {
            client: self.config.connect(NoTls)?,
            statements: HashMap::new(),
            in_transaction: false,
        }))
    }

    fn is_valid(&self, conn: &mut Conn) -> Result<(), postgres::Error> {
        if let Conn::Pg(c) = conn {
            c.client.simple_query("")?;
        }
        Ok(())
    }

    fn has_broken(&self, conn: &mut Conn) -> bool {
        matches!(conn, Conn::Pg(c) if c.client.is_closed())
    }
}

pub struct PgConn {
    client: postgres::Client,
    /// Prepared statements by the query's text as the code writes it.
    statements: HashMap<String, Statement>,
    in_transaction: bool,
}

impl PgConn {
    fn statement(&mut self, sql: &str) -> DbResult<Statement> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        let prepared = self.client.prepare(&numbered(sql))?;
        self.statements.insert(sql.to_string(), prepared.clone());
        Ok(prepared)
    }

    pub(super) fn execute(&mut self, sql: &str, params: Params<'_>) -> DbResult<usize> {
        let statement = self.statement(sql)?;
        Ok(self.client.execute(&statement, &pg_params(params))? as usize)
    }

    pub(super) fn query(&mut self, sql: &str, params: Params<'_>) -> DbResult<Vec<postgres::Row>> {
        let statement = self.statement(sql)?;
        Ok(self.client.query(&statement, &pg_params(params))?)
    }

    pub(super) fn batch(&mut self, sql: &str) -> DbResult<()> {
        self.client.batch_execute(sql)?;
        match sql.trim() {
            "BEGIN" => self.in_transaction = true,
            "COMMIT" | "ROLLBACK" => self.in_transaction = false,
            _ => {}
        }
        Ok(())
    }

    pub(super) fn in_transaction(&self) -> bool {
        self.in_transaction
    }
}

fn pg_params<'a>(params: Params<'a>) -> Vec<&'a (dyn postgres::types::ToSql + Sync)> {
    params
        .iter()
        .map(|p| *p as &(dyn postgres::types::ToSql + Sync))
        .collect()
}

/// `?N` (and a bare `?`, numbered in order) as `$N`, outside quoted text.
fn numbered(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut chars = sql.chars().peekable();
    let (mut quoted, mut next) = (None::<char>, 1);
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (Some(q), c) if c == q => {
                quoted = None;
                out.push(c);
            }
            (Some(_), c) => out.push(c),
            (None, '\'' | '"') => {
                quoted = Some(c);
                out.push(c);
            }
            (None, '?') => {
                let mut digits = String::new();
                while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                    digits.push(*d);
                    chars.next();
                }
                if digits.is_empty() {
                    digits = next.to_string();
                    next += 1;
                }
                out.push('$');
                out.push_str(&digits);
            }
            (None, c) => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::numbered;

    #[test]
    fn placeholders_are_numbered_outside_quoted_text() {
        assert_eq!(
            numbered("SELECT a FROM t WHERE b = ?1 AND c = ?12 AND d = '?3'"),
            "SELECT a FROM t WHERE b = $1 AND c = $12 AND d = '?3'"
        );
        assert_eq!(numbered("VALUES (?, ?, \"?\")"), "VALUES ($1, $2, \"?\")");
    }
}
