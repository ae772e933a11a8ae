//! `/v1/data-contracts`: an account's own event definitions next to the public ones
//! (`data-contracts.md`). A contract is compiled before it is stored, so every problem
//! with its schema or terms is a 400 naming the field and the rule.

use axum::Json;
use axum::extract::Path;
use axum::http::StatusCode;

use super::me::Me;
use super::{Route, collection};
use crate::dataplane::contracts::compile;
use crate::error::{ApiError, ApiResult};
use crate::extract::JsonBody;
use crate::store::contracts as store;
use strm_model::rules::RESERVED_HANDLE_RULE;
use strm_model::{ContractRef, DataContract, DataContractCreate};

pub fn routes() -> Vec<Route> {
    let item = "/v1/data-contracts/{handle}/{name}/{version}";
    collection("/v1/data-contracts", list, create, item, get_one, archive)
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

async fn list(me: Me) -> ApiResult<Json<Vec<DataContract>>> {
    let mut all = me.s.data.registry().public_contracts().to_vec();
    all.extend(me.call(store::list).await?);
    all.sort_by(|a, b| a.reference.cmp(&b.reference));
    Ok(Json(all))
}

async fn get_one(
    me: Me,
    Path((handle, name, version)): Path<(String, String, String)>,
) -> ApiResult<Json<DataContract>> {
    let r = reference(handle, name, version)?;
    if r.is_public() {
        let public = me.s.data.registry().public_contracts();
        return public
            .iter()
            .find(|c| c.reference == r)
            .cloned()
            .map(Json)
            .ok_or_else(|| store::not_found(&r));
    }
    me.answer(move |c, account| store::get(c, account, &r))
        .await
}

async fn create(
    me: Me,
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
    me.answer(move |c, account| store::create(c, account, &req, &schema))
        .await
}

async fn archive(
    me: Me,
    Path((handle, name, version)): Path<(String, String, String)>,
) -> ApiResult<StatusCode> {
    let r = reference(handle, name, version)?;
    if r.is_public() {
        return Err(reserved("archiving a contract"));
    }
    let key = r.to_string();
    me.call(move |c, account| store::archive(c, account, &r))
        .await?;
    me.s.data.archive_contract(&me.caller.billing_id, &key);
    Ok(StatusCode::NO_CONTENT)
}
