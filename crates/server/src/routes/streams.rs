//! `/v1/streams` and `/v1/streams/{stream}/outputs`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;

use super::Route;
use crate::AppState;
use crate::accounts::Caller;
use crate::error::ApiResult;
use crate::extract::{JsonBody, QueryMap, query_flag};
use crate::store::streams as store;
use strm_model::{Output, OutputCreate, Stream, StreamCreate};

pub fn routes() -> Vec<Route> {
    vec![
        Route::new(
            "/v1/streams",
            &["GET", "PUT"],
            get(list_streams).put(create_stream),
        ),
        Route::new(
            "/v1/streams/{stream}",
            &["GET", "DELETE"],
            get(get_stream).delete(delete_stream),
        ),
        Route::new(
            "/v1/streams/{stream}/outputs",
            &["GET", "PUT"],
            get(list_outputs).put(create_output),
        ),
        Route::new(
            "/v1/streams/{stream}/outputs/{output}",
            &["GET", "DELETE"],
            get(get_output).delete(delete_output),
        ),
    ]
}

async fn list_streams(State(s): State<AppState>, caller: Caller) -> ApiResult<Json<Vec<Stream>>> {
    s.db.answer(move |c| store::list_streams(c, caller.account_id))
        .await
}

async fn get_stream(
    State(s): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
) -> ApiResult<Json<Stream>> {
    s.db.answer(move |c| Ok(store::get_stream_row(c, caller.account_id, &name)?.to_stream(None)))
        .await
}

async fn create_stream(
    State(s): State<AppState>,
    caller: Caller,
    JsonBody(req): JsonBody<StreamCreate>,
) -> ApiResult<Json<Stream>> {
    s.db.answer(move |c| store::create_stream(c, caller.account_id, &req))
        .await
}

async fn delete_stream(
    State(s): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
    query: QueryMap,
) -> ApiResult<StatusCode> {
    let recursive = query_flag(&query, "recursive")?;
    let stream = name.clone();
    let outputs =
        s.db.call(move |c| store::delete_stream(c, caller.account_id, &stream, recursive))
            .await?;
    // The stream's events, keys and tokens go with it, and its outputs' tokens.
    let data = s.data.clone();
    let billing_id = caller.billing_id.clone();
    tokio::task::spawn_blocking(move || {
        for gone in std::iter::once(&name).chain(&outputs) {
            if let Err(e) = data.delete_stream(&billing_id, gone) {
                tracing::warn!(stream = %gone, error = %e, "forgetting a deleted stream's data failed");
            }
        }
    })
    .await
    .map_err(|e| crate::error::ApiError::internal("data plane", e))?;
    Ok(StatusCode::NO_CONTENT)
}

async fn list_outputs(
    State(s): State<AppState>,
    caller: Caller,
    Path(stream): Path<String>,
) -> ApiResult<Json<Vec<Output>>> {
    s.db.answer(move |c| store::list_outputs(c, caller.account_id, &stream))
        .await
}

async fn get_output(
    State(s): State<AppState>,
    caller: Caller,
    Path((stream, output)): Path<(String, String)>,
) -> ApiResult<Json<Output>> {
    s.db.answer(move |c| {
        Ok(store::get_output_row(c, caller.account_id, &stream, &output)?.to_output(None))
    })
    .await
}

async fn create_output(
    State(s): State<AppState>,
    caller: Caller,
    Path(stream): Path<String>,
    JsonBody(req): JsonBody<OutputCreate>,
) -> ApiResult<Json<Output>> {
    s.db.answer(move |c| store::create_output(c, caller.account_id, &stream, &req))
        .await
}

async fn delete_output(
    State(s): State<AppState>,
    caller: Caller,
    Path((stream, output)): Path<(String, String)>,
    query: QueryMap,
) -> ApiResult<StatusCode> {
    let recursive = query_flag(&query, "recursive")?;
    let name = output.clone();
    s.db.call(move |c| store::delete_output(c, caller.account_id, &stream, &name, recursive))
        .await?;
    // Its tokens stop working and its exporters' positions go. The output is already
    // gone, so a failure here is logged, not answered (a retry would get 404).
    let data = s.data.clone();
    let billing_id = caller.billing_id.clone();
    tokio::task::spawn_blocking(move || {
        if let Err(e) = data.delete_stream(&billing_id, &output) {
            tracing::warn!(output = %output, error = %e, "forgetting a deleted output's data failed");
        }
    })
    .await
    .map_err(|e| crate::error::ApiError::internal("data plane", e))?;
    Ok(StatusCode::NO_CONTENT)
}
