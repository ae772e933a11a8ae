//! `/v1/data-contracts`: an account's own event definitions next to the public ones
//! (`data-contracts.md`). A contract is compiled before it is stored, so every problem
//! with its schema or terms is a 400 naming the field and the rule.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;

use super::Route;
use crate::AppState;
use crate::accounts::Caller;
use crate::dataplane::contracts::compile;
use crate::error::{ApiError, ApiResult};
use crate::extract::JsonBody;
use crate::store::contracts as store;
use strm_model::rules::RESERVED_HANDLE_RULE;
use strm_model::{ContractRef, DataContract, DataContractCreate};

pub fn routes() -> Vec<Route> {
    vec![
        Route::new("/v1/data-contracts", &["GET", "PUT"], get(list).put(create)),
        Route::new(
            "/v1/data-contracts/{handle}/{name}/{version}",
            &["GET", "DELETE"],
            get(get_one).delete(archive),
        ),
    ]
}

fn reference(handle: String, name: String, version: String) -> ApiResult<ContractRef> {
    let r = ContractRef {
        handle,
        name,
        version,
    };
    r.validate()?;
    Ok(r)
}

fn reserved(action: &str) -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        format!("ref/handle: {action} under \"streammachine\" is refused; {RESERVED_HANDLE_RULE}"),
    )
}

async fn list(State(s): State<AppState>, caller: Caller) -> ApiResult<Json<Vec<DataContract>>> {
    let mut all = s.data.registry().public_contracts().to_vec();
    all.extend(
        s.db.call(move |c| store::list(c, caller.account_id))
            .await?,
    );
    all.sort_by(|a, b| a.reference.cmp(&b.reference));
    Ok(Json(all))
}

async fn get_one(
    State(s): State<AppState>,
    caller: Caller,
    Path((handle, name, version)): Path<(String, String, String)>,
) -> ApiResult<Json<DataContract>> {
    let r = reference(handle, name, version)?;
    if r.is_public() {
        let public = s.data.registry().public_contracts();
        return public
            .iter()
            .find(|c| c.reference == r)
            .cloned()
            .map(Json)
            .ok_or_else(|| store::not_found(&r));
    }
    s.db.call(move |c| store::get(c, caller.account_id, &r))
        .await
        .map(Json)
}

async fn create(
    State(s): State<AppState>,
    caller: Caller,
    JsonBody(req): JsonBody<DataContractCreate>,
) -> ApiResult<Json<DataContract>> {
    req.validate()?;
    if req.reference.is_public() {
        return Err(reserved("publishing a contract"));
    }
    // Parsing a schema and compiling its regexes is CPU work: off the async workers.
    let checked = req.clone();
    let schema = tokio::task::spawn_blocking(move || {
        let terms = compile::Terms {
            key_field: checked.key_field.clone(),
            subject_field: checked.data_subject_field.clone(),
            pii_fields: checked
                .pii_fields
                .iter()
                .map(|(p, l)| (p.clone(), *l as u32))
                .collect(),
            validations: checked.validations.clone(),
        };
        compile::contract(
            &checked.reference,
            checked.schema_type,
            &checked.schema,
            &terms,
        )
        .map(|(_, text)| text)
    })
    .await
    .map_err(|e| ApiError::internal("compiling the contract", e))??;
    s.db.call(move |c| store::create(c, caller.account_id, &req, &schema))
        .await
        .map(Json)
}

async fn archive(
    State(s): State<AppState>,
    caller: Caller,
    Path((handle, name, version)): Path<(String, String, String)>,
) -> ApiResult<StatusCode> {
    let r = reference(handle, name, version)?;
    if r.is_public() {
        return Err(reserved("archiving a contract"));
    }
    let key = r.to_string();
    s.db.call(move |c| store::archive(c, caller.account_id, &r))
        .await?;
    s.data.contracts().archived(&caller.billing_id, &key);
    Ok(StatusCode::NO_CONTENT)
}
