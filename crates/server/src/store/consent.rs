//! Consent-level names: descriptive labels per account; they do not change filtering.

use crate::params;
use crate::sql::{Conn, OptionalExt};

use crate::error::{ApiError, ApiResult};
use strm_model::ConsentLevel;

pub fn list(conn: &mut Conn, account_id: i64) -> ApiResult<Vec<ConsentLevel>> {
    let sql = "SELECT id, name FROM consent_levels WHERE account_id = ?1 ORDER BY id";
    let level = |r: &crate::sql::Row<'_>| {
        Ok(ConsentLevel {
            id: r.get(0)?,
            name: r.get(1)?,
        })
    };
    Ok(conn.query_map(sql, params![account_id], level)?)
}

fn not_found(id: i64) -> ApiError {
    ApiError::not_found(format!("consent level {id} has no name"))
}

pub fn get(conn: &mut Conn, account_id: i64, id: i64) -> ApiResult<ConsentLevel> {
    conn.query_row(
        "SELECT id, name FROM consent_levels WHERE account_id = ?1 AND id = ?2",
        params![account_id, id],
        |r| {
            Ok(ConsentLevel {
                id: r.get(0)?,
                name: r.get(1)?,
            })
        },
    )
    .optional()?
    .ok_or_else(|| not_found(id))
}

/// Creates or replaces the name of a level.
pub fn put(conn: &mut Conn, account_id: i64, level: &ConsentLevel) -> ApiResult<ConsentLevel> {
    level.validate()?;
    conn.execute(
        "INSERT INTO consent_levels (account_id, id, name) VALUES (?1, ?2, ?3)
         ON CONFLICT (account_id, id) DO UPDATE SET name = excluded.name",
        params![account_id, level.id, level.name],
    )?;
    Ok(level.clone())
}

pub fn delete(conn: &mut Conn, account_id: i64, id: i64) -> ApiResult<()> {
    let n = conn.execute(
        "DELETE FROM consent_levels WHERE account_id = ?1 AND id = ?2",
        params![account_id, id],
    )?;
    if n == 0 {
        return Err(not_found(id));
    }
    Ok(())
}
