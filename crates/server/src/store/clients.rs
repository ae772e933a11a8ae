//! The data plane's view of streams and outputs: which stream or output a
//! (billingId, clientId, clientSecret) triplet names.

use crate::params;
use crate::sql::{Conn, OptionalExt};

use super::streams::{self, StreamRow};
use crate::secrets;

/// A stream or output found by its data-plane credentials.
#[derive(Debug, Clone)]
pub struct ClientRecord {
    pub account_id: i64,
    pub billing_id: String,
    /// The stream or output row (`row.is_output()` tells which).
    pub row: StreamRow,
}

/// The stream or output with this client id in the account with this billing id, when
/// the secret matches; `None` for any mismatch (the caller answers 401 alike).
pub fn authenticate(
    conn: &mut Conn,
    billing_id: &str,
    client_id: &str,
    client_secret: &str,
) -> crate::sql::DbResult<Option<ClientRecord>> {
    let found: Option<(i64, String, String)> = conn
        .query_row(
            "SELECT s.account_id, s.secret_hash, a.billing_id
             FROM streams s JOIN accounts a ON a.id = s.account_id
             WHERE a.billing_id = ?1 AND s.client_id = ?2",
            params![billing_id, client_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((account_id, secret_hash, billing_id)) = found else {
        return Ok(None);
    };
    if secrets::sha256_hex(client_secret) != secret_hash {
        return Ok(None);
    }
    by_client_id(conn, client_id).map(|row| {
        row.map(|row| ClientRecord {
            account_id,
            billing_id,
            row,
        })
    })
}

/// A stream or output by its client id (unique across accounts).
pub fn by_client_id(conn: &mut Conn, client_id: &str) -> crate::sql::DbResult<Option<StreamRow>> {
    conn.query_row(
        &format!("{} WHERE s.client_id = ?1", streams::SELECT),
        params![client_id],
        streams::from_row,
    )
    .optional()
}
