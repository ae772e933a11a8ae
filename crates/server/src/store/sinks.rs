//! Sinks: named buckets with credentials that stay on the server, sealed with the master
//! key (`master_key`).

use crate::params;
use crate::sql::{Conn, OptionalExt};

use crate::dataplane::sink::{SinkError, SinkResolver, SinkTarget};
use crate::error::{ApiError, ApiResult};
use crate::master_key::{Keyring, Purpose};
use strm_model::{Sink, SinkCreate, SinkType};

/// A sink with its stored credentials, for the server's own use (exports, listings).
#[derive(Clone)]
pub struct SinkRow {
    pub id: i64,
    pub sink: Sink,
    /// As stored: sealed. `target` opens them.
    credentials: Option<String>,
}

strm_model::debug_showing!(SinkRow { id, sink });

impl SinkRow {
    /// Where this sink of `account` (its billing id) writes, its credentials opened.
    pub fn target(&self, account: &str, sinks: &SinkResolver) -> Result<SinkTarget, SinkError> {
        sinks.target(
            account,
            self.sink.sink_type,
            &self.sink.bucket_name,
            self.credentials.as_deref(),
        )
    }
}

fn sink_type(text: String) -> crate::sql::DbResult<SinkType> {
    text.parse()
        .map_err(|e: strm_model::Invalid| crate::sql::DbError::column(0, e))
}

pub fn find(
    conn: &mut Conn,
    account_id: i64,
    name: &str,
    kind: SinkType,
) -> crate::sql::DbResult<Option<SinkRow>> {
    conn.query_row(
        "SELECT id, name, sink_type, bucket_name, credentials FROM sinks
         WHERE account_id = ?1 AND name = ?2 AND sink_type = ?3",
        params![account_id, name, kind.as_str()],
        |r| {
            Ok(SinkRow {
                id: r.get(0)?,
                sink: Sink {
                    sink_name: r.get(1)?,
                    sink_type: sink_type(r.get(2)?)?,
                    bucket_name: r.get(3)?,
                },
                credentials: r.get(4)?,
            })
        },
    )
    .optional()
}

pub fn not_found(name: &str, kind: SinkType) -> ApiError {
    ApiError::not_found(format!("{kind} sink {name:?} not found"))
}

pub fn list(conn: &mut Conn, account_id: i64) -> ApiResult<Vec<Sink>> {
    let sql = "SELECT name, sink_type, bucket_name FROM sinks WHERE account_id = ?1
         ORDER BY name, sink_type";
    let sink = |r: &crate::sql::Row<'_>| {
        Ok(Sink {
            sink_name: r.get(0)?,
            sink_type: sink_type(r.get(1)?)?,
            bucket_name: r.get(2)?,
        })
    };
    Ok(conn.query_map(sql, params![account_id], sink)?)
}

/// The sink of that name; without a type, the only sink of that name.
/// The type of the sink `name`: `kind` when given, else the type of its only sink of
/// that name (`get` says when there is none, or one of each).
pub fn kind_of(
    conn: &mut Conn,
    account_id: i64,
    name: &str,
    kind: Option<SinkType>,
) -> ApiResult<SinkType> {
    match kind {
        Some(k) => Ok(k),
        None => Ok(get(conn, account_id, name, None)?.sink_type),
    }
}

pub fn get(
    conn: &mut Conn,
    account_id: i64,
    name: &str,
    kind: Option<SinkType>,
) -> ApiResult<Sink> {
    if let Some(kind) = kind {
        return find(conn, account_id, name, kind)?
            .map(|r| r.sink)
            .ok_or_else(|| not_found(name, kind));
    }
    let mut found: Vec<Sink> = list(conn, account_id)?
        .into_iter()
        .filter(|s| s.sink_name == name)
        .collect();
    match found.len() {
        0 => Err(ApiError::not_found(format!("sink {name:?} not found"))),
        1 => Ok(found.remove(0)),
        // The name alone is ambiguous now (409, as a state of the account and not a
        // fault of the request: it was fine while only one such sink existed).
        _ => Err(ApiError::conflict(format!(
            "sinkType: is missing and there are sinks named {name:?} of both types; \
             add ?sinkType=S3 or ?sinkType=GCLOUD"
        ))),
    }
}

/// Creates the sink, or replaces the one with that name and type (its exporters keep
/// pointing at it). Its credentials are stored sealed with `keyring`.
pub fn put(
    conn: &mut Conn,
    account_id: i64,
    req: &SinkCreate,
    keyring: &Keyring,
) -> ApiResult<Sink> {
    req.validate()?;
    let sealed = req
        .credentials
        .as_deref()
        .map(|c| keyring.seal_text(Purpose::SinkCredentials, c));
    conn.execute(
        "INSERT INTO sinks (account_id, name, sink_type, bucket_name, credentials)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (account_id, name, sink_type)
         DO UPDATE SET bucket_name = excluded.bucket_name, credentials = excluded.credentials",
        params![
            account_id,
            req.sink_name,
            req.sink_type.as_str(),
            req.bucket_name,
            sealed
        ],
    )?;
    Ok(Sink {
        sink_type: req.sink_type,
        sink_name: req.sink_name.clone(),
        bucket_name: req.bucket_name.clone(),
    })
}

pub fn delete(conn: &mut Conn, account_id: i64, name: &str, kind: SinkType) -> ApiResult<()> {
    conn.transaction(|tx| {
        let row = find(tx, account_id, name, kind)?.ok_or_else(|| not_found(name, kind))?;
        let users: Vec<String> = tx.query_map(
            "SELECT e.name, s.name FROM exporters e JOIN streams s ON s.id = e.stream_id
             WHERE e.sink_id = ?1 ORDER BY s.name, e.name",
            params![row.id],
            |r| {
                Ok(format!(
                    "{} (on {})",
                    r.get::<String>(0)?,
                    r.get::<String>(1)?
                ))
            },
        )?;
        if !users.is_empty() {
            return Err(ApiError::conflict(format!(
                "{kind} sink {name:?} is still used by exporters {}; delete them first",
                users.join(", ")
            )));
        }
        tx.execute("DELETE FROM sinks WHERE id = ?1", params![row.id])?;
        Ok(())
    })
}
