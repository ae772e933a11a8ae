//! Exporters: batch jobs that write a stream's (or output's) events, or its keys, to a
//! sink. Unique per linked stream, name and `exportKeys`.

use crate::params;
use crate::sql::{Conn, OptionalExt, Row};

use super::sinks;
use super::streams::StreamRow;
use crate::error::{ApiError, ApiResult};
use strm_model::{Exporter, ExporterCreate, ExporterType};

const SELECT: &str = "SELECT e.name, s.name, k.name, k.sink_type, e.interval_secs,
        e.path_prefix, e.export_keys
    FROM exporters e JOIN streams s ON s.id = e.stream_id JOIN sinks k ON k.id = e.sink_id";

fn from_row(r: &Row<'_>) -> crate::sql::DbResult<Exporter> {
    let sink_type: String = r.get(3)?;
    Ok(Exporter {
        name: r.get(0)?,
        linked_stream: r.get(1)?,
        sink_name: r.get(2)?,
        sink_type: sink_type
            .parse()
            .map_err(|e: strm_model::Invalid| crate::sql::DbError::column(3, e))?,
        interval_secs: u32::try_from(r.get::<i64>(4)?)
            .map_err(|e| crate::sql::DbError::column(4, e))?,
        exporter_type: ExporterType::Batch,
        path_prefix: r.get(5)?,
        export_keys: r.get(6)?,
    })
}

fn kind(export_keys: bool) -> &'static str {
    if export_keys {
        "key exporter"
    } else {
        "exporter"
    }
}

pub fn list_all(conn: &mut Conn, account_id: i64) -> ApiResult<Vec<Exporter>> {
    let sql = format!("{SELECT} WHERE e.account_id = ?1 ORDER BY s.name, e.name, e.export_keys");
    Ok(conn.query_map(&sql, params![account_id], from_row)?)
}

pub fn list_for(conn: &mut Conn, stream: &StreamRow) -> ApiResult<Vec<Exporter>> {
    let sql = format!("{SELECT} WHERE e.stream_id = ?1 ORDER BY e.name, e.export_keys");
    Ok(conn.query_map(&sql, params![stream.id], from_row)?)
}

pub fn find(
    conn: &mut Conn,
    stream: &StreamRow,
    name: &str,
    export_keys: bool,
) -> crate::sql::DbResult<Option<Exporter>> {
    conn.query_row(
        &format!("{SELECT} WHERE e.stream_id = ?1 AND e.name = ?2 AND e.export_keys = ?3"),
        params![stream.id, name, export_keys],
        from_row,
    )
    .optional()
}

fn not_found(stream: &StreamRow, name: &str, export_keys: bool) -> ApiError {
    ApiError::not_found(format!(
        "{} {name:?} on {:?} not found",
        kind(export_keys),
        stream.name
    ))
}

pub fn get(
    conn: &mut Conn,
    stream: &StreamRow,
    name: &str,
    export_keys: bool,
) -> ApiResult<Exporter> {
    find(conn, stream, name, export_keys)?.ok_or_else(|| not_found(stream, name, export_keys))
}

pub fn create(
    conn: &mut Conn,
    account_id: i64,
    stream: &StreamRow,
    req: &ExporterCreate,
) -> ApiResult<Exporter> {
    req.validate()?;
    let sink = sinks::find(conn, account_id, &req.sink_name, req.sink_type)?.ok_or_else(|| {
        ApiError::bad_request(format!(
            "sinkName: there is no {} sink named {:?}; create it first with PUT /v1/sinks",
            req.sink_type, req.sink_name
        ))
    })?;
    if find(conn, stream, &req.name, req.export_keys)?.is_some() {
        return Err(ApiError::conflict(format!(
            "name: {} {:?} already exists on {:?}",
            kind(req.export_keys),
            req.name,
            stream.name
        )));
    }
    conn.execute(
        "INSERT INTO exporters (account_id, stream_id, name, sink_id, interval_secs,
            exporter_type, path_prefix, export_keys)
         VALUES (?1, ?2, ?3, ?4, ?5, 'BATCH', ?6, ?7)",
        params![
            account_id,
            stream.id,
            req.name,
            sink.id,
            req.interval_secs,
            req.path_prefix,
            req.export_keys
        ],
    )?;
    get(conn, stream, &req.name, req.export_keys)
}

pub fn delete(conn: &mut Conn, stream: &StreamRow, name: &str, export_keys: bool) -> ApiResult<()> {
    let n = conn.execute(
        "DELETE FROM exporters WHERE stream_id = ?1 AND name = ?2 AND export_keys = ?3",
        params![stream.id, name, export_keys],
    )?;
    if n == 0 {
        return Err(not_found(stream, name, export_keys));
    }
    Ok(())
}
