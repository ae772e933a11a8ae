//! Streams and outputs. Both live in one table so that their names share one namespace
//! per account; an output is a row with a `linked_stream_id`.

use crate::params;
use crate::sql::{Conn, OptionalExt, Row};

use crate::error::{ApiError, ApiResult};
use crate::secrets;
use strm_model::{
    ConsentLevelType, Credentials, DEFAULT_DECRYPTER, Output, OutputCreate, Stream, StreamCreate,
};

/// A stream or output as stored (never the secret itself).
#[derive(Debug, Clone)]
pub struct StreamRow {
    pub id: i64,
    pub name: String,
    pub description: Option<String>,
    pub tags: Vec<String>,
    pub client_id: String,
    /// The source stream's name when this row is an output.
    pub linked_stream: Option<String>,
    pub linked_stream_id: Option<i64>,
    pub consent_level_type: Option<ConsentLevelType>,
    pub consent_levels: Vec<u32>,
    pub decrypter_name: Option<String>,
}

pub const SELECT: &str = "SELECT s.id, s.name, s.description, s.tags, s.client_id,
        p.name, s.linked_stream_id, s.consent_level_type, s.consent_levels, s.decrypter_name
    FROM streams s LEFT JOIN streams p ON p.id = s.linked_stream_id";

pub fn from_row(r: &Row<'_>) -> crate::sql::DbResult<StreamRow> {
    let tags: String = r.get(3)?;
    let levels: Option<String> = r.get(8)?;
    let level_type: Option<String> = r.get(7)?;
    Ok(StreamRow {
        id: r.get(0)?,
        name: r.get(1)?,
        description: r.get(2)?,
        tags: serde_json::from_str(&tags).unwrap_or_default(),
        client_id: r.get(4)?,
        linked_stream: r.get(5)?,
        linked_stream_id: r.get(6)?,
        consent_level_type: level_type.and_then(|t| t.parse().ok()),
        consent_levels: levels
            .and_then(|l| serde_json::from_str(&l).ok())
            .unwrap_or_default(),
        decrypter_name: r.get(9)?,
    })
}

impl StreamRow {
    pub fn is_output(&self) -> bool {
        self.linked_stream_id.is_some()
    }

    fn credentials(&self, secret: Option<String>) -> Credentials {
        Credentials {
            client_id: self.client_id.clone(),
            client_secret: secret,
        }
    }

    pub fn to_stream(&self, secret: Option<String>) -> Stream {
        Stream {
            name: self.name.clone(),
            description: self.description.clone(),
            tags: self.tags.clone(),
            credentials: self.credentials(secret),
        }
    }

    pub fn to_output(&self, secret: Option<String>) -> Output {
        Output {
            linked_stream: self.linked_stream.clone().unwrap_or_default(),
            name: self.name.clone(),
            description: self.description.clone(),
            tags: self.tags.clone(),
            credentials: self.credentials(secret),
            consent_level_type: self.consent_level_type.unwrap_or_default(),
            consent_levels: self.consent_levels.clone(),
            decrypter_name: self
                .decrypter_name
                .clone()
                .unwrap_or_else(|| DEFAULT_DECRYPTER.into()),
        }
    }
}

/// A stream or an output of this account by name.
pub fn find_any(
    conn: &mut Conn,
    account_id: i64,
    name: &str,
) -> crate::sql::DbResult<Option<StreamRow>> {
    conn.query_row(
        &format!("{SELECT} WHERE s.account_id = ?1 AND s.name = ?2"),
        params![account_id, name],
        from_row,
    )
    .optional()
}

pub fn stream_not_found(name: &str) -> ApiError {
    ApiError::not_found(format!("stream {name:?} not found"))
}

/// A source stream (not an output) of this account, or 404.
pub fn get_stream_row(conn: &mut Conn, account_id: i64, name: &str) -> ApiResult<StreamRow> {
    match find_any(conn, account_id, name)? {
        Some(row) if !row.is_output() => Ok(row),
        Some(row) => Err(ApiError::not_found(format!(
            "stream {name:?} not found: {name:?} is an output of stream {:?}",
            row.linked_stream.unwrap_or_default()
        ))),
        None => Err(stream_not_found(name)),
    }
}

/// An output of the named stream, or 404 naming which of the two is missing.
pub fn get_output_row(
    conn: &mut Conn,
    account_id: i64,
    stream: &str,
    output: &str,
) -> ApiResult<StreamRow> {
    let parent = get_stream_row(conn, account_id, stream)?;
    match find_any(conn, account_id, output)? {
        Some(row) if row.linked_stream_id == Some(parent.id) => Ok(row),
        _ => Err(ApiError::not_found(format!(
            "output {output:?} of stream {stream:?} not found"
        ))),
    }
}

fn ensure_name_free(conn: &mut Conn, account_id: i64, name: &str) -> ApiResult<()> {
    match find_any(conn, account_id, name)? {
        None => Ok(()),
        Some(row) => Err(ApiError::conflict(format!(
            "name: {name:?} is already taken by {} {:?}; stream and output names share one \
             namespace per account",
            if row.is_output() { "output" } else { "stream" },
            row.name
        ))),
    }
}

pub fn list_streams(conn: &mut Conn, account_id: i64) -> ApiResult<Vec<Stream>> {
    let sql =
        format!("{SELECT} WHERE s.account_id = ?1 AND s.linked_stream_id IS NULL ORDER BY s.name");
    Ok(conn.query_map(&sql, params![account_id], |r| {
        Ok(from_row(r)?.to_stream(None))
    })?)
}

pub fn list_outputs(conn: &mut Conn, account_id: i64, stream: &str) -> ApiResult<Vec<Output>> {
    let parent = get_stream_row(conn, account_id, stream)?;
    let sql = format!("{SELECT} WHERE s.linked_stream_id = ?1 ORDER BY s.name");
    Ok(conn.query_map(&sql, params![parent.id], |r| {
        Ok(from_row(r)?.to_output(None))
    })?)
}

struct NewRow<'a> {
    account_id: i64,
    name: &'a str,
    description: Option<&'a str>,
    tags: &'a [String],
    linked_stream_id: Option<i64>,
    consent_level_type: Option<&'a str>,
    consent_levels: Option<String>,
    decrypter_name: Option<&'a str>,
}

impl<'a> NewRow<'a> {
    /// A stream's row; an output adds what links it to its stream.
    fn stream(
        account_id: i64,
        name: &'a str,
        description: Option<&'a str>,
        tags: &'a [String],
    ) -> NewRow<'a> {
        NewRow {
            account_id,
            name,
            description,
            tags,
            linked_stream_id: None,
            consent_level_type: None,
            consent_levels: None,
            decrypter_name: None,
        }
    }
}

/// Inserts a row with fresh credentials and returns it with the secret (shown once).
fn insert(conn: &mut Conn, new: NewRow<'_>) -> ApiResult<(StreamRow, String)> {
    ensure_name_free(conn, new.account_id, new.name)?;
    let secret = secrets::client_secret();
    let tags = serde_json::to_string(new.tags).map_err(|e| ApiError::internal("stream tags", e))?;
    conn.execute(
        "INSERT INTO streams (account_id, name, description, tags, client_id, secret_hash,
            linked_stream_id, consent_level_type, consent_levels, decrypter_name, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            new.account_id,
            new.name,
            new.description,
            tags,
            secrets::client_id(),
            secrets::sha256_hex(&secret),
            new.linked_stream_id,
            new.consent_level_type,
            new.consent_levels,
            new.decrypter_name,
            strm_model::now_epoch_secs(),
        ],
    )?;
    let row = find_any(conn, new.account_id, new.name)?
        .ok_or_else(|| ApiError::internal("stream insert", "row vanished"))?;
    Ok((row, secret))
}

pub fn create_stream(conn: &mut Conn, account_id: i64, req: &StreamCreate) -> ApiResult<Stream> {
    req.validate()?;
    let new = NewRow::stream(account_id, &req.name, req.description.as_deref(), &req.tags);
    let (row, secret) = insert(conn, new)?;
    Ok(row.to_stream(Some(secret)))
}

pub fn create_output(
    conn: &mut Conn,
    account_id: i64,
    stream: &str,
    req: &OutputCreate,
) -> ApiResult<Output> {
    let levels = req.validate()?;
    let parent = get_stream_row(conn, account_id, stream)?;
    let (row, secret) = insert(
        conn,
        NewRow {
            linked_stream_id: Some(parent.id),
            consent_level_type: Some(req.consent_level_type.as_str()),
            consent_levels: Some(
                serde_json::to_string(&levels)
                    .map_err(|e| ApiError::internal("output consent levels", e))?,
            ),
            decrypter_name: Some(req.decrypter_name.as_deref().unwrap_or(DEFAULT_DECRYPTER)),
            ..NewRow::stream(account_id, &req.name, req.description.as_deref(), &req.tags)
        },
    )?;
    Ok(row.to_output(Some(secret)))
}

/// `name (on linked)` for every exporter attached to one of `stream_ids`.
fn exporters_on(conn: &mut Conn, stream_ids: &[i64]) -> crate::sql::DbResult<Vec<String>> {
    let mut names = Vec::new();
    for id in stream_ids {
        names.extend(conn.query_map(
            "SELECT e.name, s.name FROM exporters e JOIN streams s ON s.id = e.stream_id
             WHERE e.stream_id = ?1 ORDER BY e.name",
            params![id],
            |r| {
                Ok(format!(
                    "{} (on {})",
                    r.get::<String>(0)?,
                    r.get::<String>(1)?
                ))
            },
        )?);
    }
    Ok(names)
}

fn delete_rows(conn: &mut Conn, stream_ids: &[i64]) -> crate::sql::DbResult<()> {
    // Exporters first, then outputs before their stream: the foreign keys insist.
    for id in stream_ids {
        conn.execute("DELETE FROM exporters WHERE stream_id = ?1", params![id])?;
    }
    for id in stream_ids.iter().rev() {
        conn.execute("DELETE FROM streams WHERE id = ?1", params![id])?;
    }
    Ok(())
}

/// Deletes a stream (with `recursive`, its outputs and exporters too) and returns the
/// names of the outputs that went with it, for the data plane to forget.
pub fn delete_stream(
    conn: &mut Conn,
    account_id: i64,
    name: &str,
    recursive: bool,
) -> ApiResult<Vec<String>> {
    conn.transaction(|tx| {
        let row = get_stream_row(tx, account_id, name)?;
        let outputs: Vec<(i64, String)> = tx.query_map(
            "SELECT id, name FROM streams WHERE linked_stream_id = ?1 ORDER BY name",
            params![row.id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let mut ids = vec![row.id];
        ids.extend(outputs.iter().map(|(id, _)| *id));
        if !recursive {
            let exporters = exporters_on(tx, &ids)?;
            let mut parts = Vec::new();
            if !outputs.is_empty() {
                let names: Vec<&str> = outputs.iter().map(|(_, n)| n.as_str()).collect();
                parts.push(format!("outputs {}", names.join(", ")));
            }
            if !exporters.is_empty() {
                parts.push(format!("exporters {}", exporters.join(", ")));
            }
            if !parts.is_empty() {
                return Err(ApiError::conflict(format!(
                    "stream {name:?} still has {}; delete them first or use ?recursive=true",
                    parts.join(" and ")
                )));
            }
        }
        delete_rows(tx, &ids)?;
        Ok(outputs.into_iter().map(|(_, n)| n).collect())
    })
}

pub fn delete_output(
    conn: &mut Conn,
    account_id: i64,
    stream: &str,
    output: &str,
    recursive: bool,
) -> ApiResult<()> {
    conn.transaction(|tx| {
        let row = get_output_row(tx, account_id, stream, output)?;
        if !recursive {
            let exporters = exporters_on(tx, &[row.id])?;
            if !exporters.is_empty() {
                return Err(ApiError::conflict(format!(
                    "output {output:?} still has exporters {}; delete them first or use ?recursive=true",
                    exporters.join(", ")
                )));
            }
        }
        delete_rows(tx, &[row.id])?;
        Ok(())
    })
}
