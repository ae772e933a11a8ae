//! `/v1/sinks`.

use axum::Json;
use axum::extract::Path;
use axum::http::StatusCode;

use super::me::Me;
use super::{Route, collection};
use crate::dataplane::sink::{SinkError, SinkTarget};
use crate::error::{ApiError, ApiResult};
use crate::extract::{JsonBody, QueryMap};
use crate::store::sinks as store;
use strm_model::{Sink, SinkCreate, SinkType};

pub fn routes() -> Vec<Route> {
    collection("/v1/sinks", list, put, "/v1/sinks/{sink}", one, delete)
}

/// The `sinkType` of the query, when it has one.
pub(super) fn sink_type(query: &QueryMap) -> ApiResult<Option<SinkType>> {
    query
        .get("sinkType")
        .map(|t| t.parse::<SinkType>())
        .transpose()
        .map_err(ApiError::from)
}

async fn list(me: Me) -> ApiResult<Json<Vec<Sink>>> {
    me.answer(store::list).await
}

async fn one(me: Me, Path(name): Path<String>, query: QueryMap) -> ApiResult<Json<Sink>> {
    let kind = sink_type(&query)?;
    me.answer(move |c, account| store::get(c, account, &name, kind))
        .await
}

async fn put(me: Me, JsonBody(req): JsonBody<SinkCreate>) -> ApiResult<Json<Sink>> {
    req.validate()?;
    let sinks = &me.s.sinks;
    // A local bucket becomes this account's now, or is another's (409).
    let target = SinkTarget::resolve(
        &me.caller.billing_id,
        req.sink_type,
        &req.bucket_name,
        req.credentials.as_deref(),
        &sinks.data_dir,
        sinks.s3_endpoint.as_deref(),
    )?;
    tokio::task::spawn_blocking(move || target.claim())
        .await
        .map_err(|e| ApiError::internal("claiming the bucket", e))?
        .map_err(|e| match e {
            SinkError::NotOwner { .. } => ApiError::conflict(format!("bucketName: {e}")),
            other => ApiError::internal("claiming the bucket", other),
        })?;
    let keyring = sinks.keyring.clone();
    me.answer(move |c, account| store::put(c, account, &req, &keyring))
        .await
}

async fn delete(me: Me, Path(name): Path<String>, query: QueryMap) -> ApiResult<StatusCode> {
    let kind = sink_type(&query)?;
    me.call(move |c, account| {
        let kind = store::kind_of(c, account, &name, kind)?;
        store::delete(c, account, &name, kind)
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
