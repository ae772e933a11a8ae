//! `/v1/streams` and `/v1/streams/{stream}/outputs`.

use axum::Json;
use axum::extract::Path;
use axum::http::StatusCode;

use super::me::Me;
use super::{Route, collection};
use crate::error::ApiResult;
use crate::extract::{JsonBody, QueryMap, query_flag};
use crate::store::streams as store;
use strm_model::{Output, OutputCreate, Stream, StreamCreate};

pub fn routes() -> Vec<Route> {
    let streams = collection(
        "/v1/streams",
        list_streams,
        create_stream,
        "/v1/streams/{stream}",
        get_stream,
        delete_stream,
    );
    let outputs = collection(
        "/v1/streams/{stream}/outputs",
        list_outputs,
        create_output,
        "/v1/streams/{stream}/outputs/{output}",
        get_output,
        delete_output,
    );
    streams.into_iter().chain(outputs).collect()
}

async fn list_streams(me: Me) -> ApiResult<Json<Vec<Stream>>> {
    me.answer(store::list_streams).await
}

async fn get_stream(me: Me, Path(name): Path<String>) -> ApiResult<Json<Stream>> {
    me.answer(move |c, account| Ok(store::get_stream_row(c, account, &name)?.to_stream(None)))
        .await
}

async fn create_stream(me: Me, JsonBody(req): JsonBody<StreamCreate>) -> ApiResult<Json<Stream>> {
    me.answer(move |c, account| store::create_stream(c, account, &req))
        .await
}

async fn delete_stream(me: Me, Path(name): Path<String>, query: QueryMap) -> ApiResult<StatusCode> {
    let recursive = query_flag(&query, "recursive")?;
    let stream = name.clone();
    let outputs = me
        .call(move |c, account| store::delete_stream(c, account, &stream, recursive))
        .await?;
    // The stream's events, keys and tokens go with it, and its outputs' tokens.
    me.data("data plane", move |data, billing_id| {
        for gone in std::iter::once(&name).chain(&outputs) {
            if let Err(e) = data.delete_stream(billing_id, gone) {
                tracing::warn!(stream = %gone, error = %e, "forgetting a deleted stream's data failed");
            }
        }
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn list_outputs(me: Me, Path(stream): Path<String>) -> ApiResult<Json<Vec<Output>>> {
    me.answer(move |c, account| store::list_outputs(c, account, &stream))
        .await
}

async fn get_output(
    me: Me,
    Path((stream, output)): Path<(String, String)>,
) -> ApiResult<Json<Output>> {
    me.answer(move |c, account| {
        Ok(store::get_output_row(c, account, &stream, &output)?.to_output(None))
    })
    .await
}

async fn create_output(
    me: Me,
    Path(stream): Path<String>,
    JsonBody(req): JsonBody<OutputCreate>,
) -> ApiResult<Json<Output>> {
    me.answer(move |c, account| store::create_output(c, account, &stream, &req))
        .await
}

async fn delete_output(
    me: Me,
    Path((stream, output)): Path<(String, String)>,
    query: QueryMap,
) -> ApiResult<StatusCode> {
    let recursive = query_flag(&query, "recursive")?;
    let name = output.clone();
    me.call(move |c, account| store::delete_output(c, account, &stream, &name, recursive))
        .await?;
    // Its tokens stop working and its exporters' positions go. The output is already
    // gone, so a failure here is logged, not answered (a retry would get 404).
    me.data("data plane", move |data, billing_id| {
        if let Err(e) = data.delete_stream(billing_id, &output) {
            tracing::warn!(output = %output, error = %e, "forgetting a deleted output's data failed");
        }
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
