//! Data contracts as stored: an account's own, immutable once registered, archived
//! rather than deleted (events stored under them stay readable). The built-ins are the
//! data plane's (`dataplane::schemas`); the routes list both.

use crate::params;
use crate::sql::{Conn, OptionalExt, Row};

use crate::error::{ApiError, ApiResult};
use strm_model::rules::CONTRACT_IMMUTABLE_RULE;
use strm_model::{ContractRef, ContractState, DataContract, DataContractCreate};

const SELECT: &str = "SELECT c.handle, c.name, c.version, c.schema_type, c.schema, c.key_field,
        c.data_subject_field, c.pii_fields, c.validations, c.state
    FROM data_contracts c";

fn from_row(r: &Row<'_>) -> crate::sql::DbResult<DataContract> {
    let text = |i: usize| r.get::<String>(i);
    let bad = |i: usize, e: &dyn std::fmt::Display| crate::sql::DbError::column(i, e);
    Ok(DataContract {
        reference: ContractRef::new(&text(0)?, &text(1)?, &text(2)?),
        schema_type: text(3)?.parse().map_err(|e| bad(3, &e))?,
        schema: text(4)?,
        key_field: text(5)?,
        data_subject_field: r.get(6)?,
        pii_fields: serde_json::from_str(&text(7)?).map_err(|e| bad(7, &e))?,
        validations: serde_json::from_str(&text(8)?).map_err(|e| bad(8, &e))?,
        state: if text(9)? == ContractState::Archived.as_str() {
            ContractState::Archived
        } else {
            ContractState::Active
        },
        public: false,
    })
}

pub fn not_found(reference: &ContractRef) -> ApiError {
    ApiError::not_found(format!(
        "data contract {reference} not found; GET /v1/data-contracts lists yours and the public ones"
    ))
}

/// The account's own contracts, by ref.
pub fn list(conn: &mut Conn, account_id: i64) -> ApiResult<Vec<DataContract>> {
    let sql = format!("{SELECT} WHERE c.account_id = ?1 ORDER BY c.handle, c.name, c.version");
    Ok(conn.query_map(&sql, params![account_id], from_row)?)
}

fn find(
    conn: &mut Conn,
    account_id: i64,
    r: &ContractRef,
) -> crate::sql::DbResult<Option<DataContract>> {
    conn.query_row(
        &format!(
            "{SELECT} WHERE c.account_id = ?1 AND c.handle = ?2 AND c.name = ?3 AND c.version = ?4"
        ),
        params![account_id, r.handle, r.name, r.version],
        from_row,
    )
    .optional()
}

pub fn get(conn: &mut Conn, account_id: i64, r: &ContractRef) -> ApiResult<DataContract> {
    find(conn, account_id, r)?.ok_or_else(|| not_found(r))
}

/// A contract of the account with this billing id (the data plane knows accounts by it).
pub fn find_for_billing(
    conn: &mut Conn,
    billing_id: &str,
    r: &ContractRef,
) -> crate::sql::DbResult<Option<DataContract>> {
    conn.query_row(
        &format!(
            "{SELECT} JOIN accounts a ON a.id = c.account_id
             WHERE a.billing_id = ?1 AND c.handle = ?2 AND c.name = ?3 AND c.version = ?4"
        ),
        params![billing_id, r.handle, r.name, r.version],
        from_row,
    )
    .optional()
}

/// Registers a contract whose schema compiled; `schema` is the text to keep (with the
/// standard `strmMeta` added when the sender's had none).
pub fn create(
    conn: &mut Conn,
    account_id: i64,
    req: &DataContractCreate,
    schema: &str,
) -> ApiResult<DataContract> {
    let r = &req.reference;
    if find(conn, account_id, r)?.is_some() {
        return Err(ApiError::conflict(format!(
            "ref: data contract {r} already exists; {CONTRACT_IMMUTABLE_RULE}"
        )));
    }
    let pii: std::collections::BTreeMap<String, u32> = req
        .pii_fields
        .iter()
        .map(|(p, l)| (p.clone(), *l as u32))
        .collect();
    conn.execute(
        "INSERT INTO data_contracts (account_id, handle, name, version, schema_type, schema,
             key_field, data_subject_field, pii_fields, validations, state, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        params![
            account_id,
            r.handle,
            r.name,
            r.version,
            req.schema_type.as_str(),
            schema,
            req.key_field,
            req.data_subject_field,
            json(&pii),
            json(&req.validations),
            ContractState::Active.as_str(),
            strm_model::now_epoch_secs(),
        ],
    )?;
    get(conn, account_id, r)
}

/// Archives a contract (already archived: nothing to do).
pub fn archive(conn: &mut Conn, account_id: i64, r: &ContractRef) -> ApiResult<()> {
    let n = conn.execute(
        "UPDATE data_contracts SET state = ?5
         WHERE account_id = ?1 AND handle = ?2 AND name = ?3 AND version = ?4",
        params![
            account_id,
            r.handle,
            r.name,
            r.version,
            ContractState::Archived.as_str()
        ],
    )?;
    if n == 0 {
        return Err(not_found(r));
    }
    Ok(())
}

/// JSON text of a stored column (maps and lists of plain values always serialize).
fn json(value: &impl serde::Serialize) -> String {
    serde_json::to_string(value).unwrap_or_default()
}
