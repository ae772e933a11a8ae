//! `/v1/sinks`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;

use super::Route;
use crate::AppState;
use crate::accounts::Caller;
use crate::dataplane::sink::{SinkError, SinkTarget};
use crate::error::{ApiError, ApiResult};
use crate::extract::{JsonBody, QueryMap};
use crate::store::sinks as store;
use strm_model::{Sink, SinkCreate, SinkType};

pub fn routes() -> Vec<Route> {
    vec![
        Route::new("/v1/sinks", &["GET", "PUT"], get(list).put(put)),
        Route::new(
            "/v1/sinks/{sink}",
            &["GET", "DELETE"],
            get(one).delete(delete),
        ),
    ]
}

fn sink_type(query: &QueryMap) -> ApiResult<Option<SinkType>> {
    query
        .get("sinkType")
        .map(|t| t.parse::<SinkType>())
        .transpose()
        .map_err(ApiError::from)
}

async fn list(State(s): State<AppState>, caller: Caller) -> ApiResult<Json<Vec<Sink>>> {
    s.db.answer(move |c| store::list(c, caller.account_id))
        .await
}

async fn one(
    State(s): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
    query: QueryMap,
) -> ApiResult<Json<Sink>> {
    let kind = sink_type(&query)?;
    s.db.answer(move |c| store::get(c, caller.account_id, &name, kind))
        .await
}

async fn put(
    State(s): State<AppState>,
    caller: Caller,
    JsonBody(req): JsonBody<SinkCreate>,
) -> ApiResult<Json<Sink>> {
    req.validate()?;
    // A local bucket becomes this account's now, or is another's (409).
    let target = SinkTarget::resolve(
        &caller.billing_id,
        req.sink_type,
        &req.bucket_name,
        req.credentials.as_deref(),
        &s.sinks.data_dir,
        s.sinks.s3_endpoint.as_deref(),
    )?;
    tokio::task::spawn_blocking(move || target.claim())
        .await
        .map_err(|e| ApiError::internal("claiming the bucket", e))?
        .map_err(|e| match e {
            SinkError::NotOwner { .. } => ApiError::conflict(format!("bucketName: {e}")),
            other => ApiError::internal("claiming the bucket", other),
        })?;
    let keyring = s.sinks.keyring.clone();
    s.db.answer(move |c| store::put(c, caller.account_id, &req, &keyring))
        .await
}

async fn delete(
    State(s): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
    query: QueryMap,
) -> ApiResult<StatusCode> {
    let kind = sink_type(&query)?;
    s.db.call(move |c| {
        let kind = match kind {
            Some(k) => k,
            None => store::get(c, caller.account_id, &name, None)?.sink_type,
        };
        store::delete(c, caller.account_id, &name, kind)
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
