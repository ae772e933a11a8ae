//! Exporters under all three route families: `/v1/exporters/{stream}` (a stream or an
//! output by name), `/v1/streams/{stream}/exporters` and
//! `/v1/streams/{stream}/outputs/{output}/exporters`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;

use super::Route;
use crate::model::{Exporter, ExporterCreate};
use crate::server::AppState;
use crate::server::accounts::Caller;
use crate::server::error::{ApiError, ApiResult};
use crate::server::extract::{JsonBody, QueryMap, query_flag};
use crate::server::store::exporters as store;
use crate::server::store::streams::{self, StreamRow};

pub fn routes() -> Vec<Route> {
    vec![
        Route::new("/v1/exporters", &["GET"], get(list_all)),
        Route::new(
            "/v1/exporters/{stream}",
            &["GET", "PUT"],
            get(|s, c, Path(stream)| list(s, c, Target::Any(stream)))
                .put(|s, c, Path(stream), b| create(s, c, Target::Any(stream), b)),
        ),
        Route::new(
            "/v1/exporters/{stream}/{exporter}",
            &["GET", "DELETE"],
            get(|s, c, Path((stream, name)), q| one(s, c, Target::Any(stream), name, q))
                .delete(|s, c, Path((stream, name)), q| delete(s, c, Target::Any(stream), name, q)),
        ),
        Route::new(
            "/v1/streams/{stream}/exporters",
            &["GET", "PUT"],
            get(|s, c, Path(stream)| list(s, c, Target::Stream(stream)))
                .put(|s, c, Path(stream), b| create(s, c, Target::Stream(stream), b)),
        ),
        Route::new(
            "/v1/streams/{stream}/exporters/{exporter}",
            &["GET", "DELETE"],
            get(|s, c, Path((stream, name)), q| one(s, c, Target::Stream(stream), name, q)).delete(
                |s, c, Path((stream, name)), q| delete(s, c, Target::Stream(stream), name, q),
            ),
        ),
        Route::new(
            "/v1/streams/{stream}/outputs/{output}/exporters",
            &["GET", "PUT"],
            get(|s, c, Path((stream, output))| list(s, c, Target::Output(stream, output))).put(
                |s, c, Path((stream, output)), b| create(s, c, Target::Output(stream, output), b),
            ),
        ),
        Route::new(
            "/v1/streams/{stream}/outputs/{output}/exporters/{exporter}",
            &["GET", "DELETE"],
            get(|s, c, Path((stream, output, name)), q| {
                one(s, c, Target::Output(stream, output), name, q)
            })
            .delete(|s, c, Path((stream, output, name)), q| {
                delete(s, c, Target::Output(stream, output), name, q)
            }),
        ),
    ]
}

/// What an exporter route names as the exporter's linked stream.
enum Target {
    /// A stream or an output, by its name alone (names share one namespace).
    Any(String),
    Stream(String),
    Output(String, String),
}

impl Target {
    fn resolve(&self, conn: &rusqlite::Connection, account_id: i64) -> ApiResult<StreamRow> {
        match self {
            Target::Any(name) => streams::find_any(conn, account_id, name)?
                .ok_or_else(|| ApiError::not_found(format!("no stream or output named {name:?}"))),
            Target::Stream(name) => streams::get_stream_row(conn, account_id, name),
            Target::Output(stream, output) => {
                streams::get_output_row(conn, account_id, stream, output)
            }
        }
    }
}

async fn list_all(State(s): State<AppState>, caller: Caller) -> ApiResult<Json<Vec<Exporter>>> {
    s.db.call(move |c| store::list_all(c, caller.account_id))
        .await
        .map(Json)
}

async fn list(
    State(s): State<AppState>,
    caller: Caller,
    target: Target,
) -> ApiResult<Json<Vec<Exporter>>> {
    s.db.call(move |c| store::list_for(c, &target.resolve(c, caller.account_id)?))
        .await
        .map(Json)
}

async fn create(
    State(s): State<AppState>,
    caller: Caller,
    target: Target,
    JsonBody(req): JsonBody<ExporterCreate>,
) -> ApiResult<Json<Exporter>> {
    s.db.call(move |c| {
        let stream = target.resolve(c, caller.account_id)?;
        store::create(c, caller.account_id, &stream, &req)
    })
    .await
    .map(Json)
}

async fn one(
    State(s): State<AppState>,
    caller: Caller,
    target: Target,
    name: String,
    query: QueryMap,
) -> ApiResult<Json<Exporter>> {
    let keys = query_flag(&query, "exportKeys")?;
    s.db.call(move |c| store::get(c, &target.resolve(c, caller.account_id)?, &name, keys))
        .await
        .map(Json)
}

async fn delete(
    State(s): State<AppState>,
    caller: Caller,
    target: Target,
    name: String,
    query: QueryMap,
) -> ApiResult<StatusCode> {
    let keys = query_flag(&query, "exportKeys")?;
    s.db.call(move |c| store::delete(c, &target.resolve(c, caller.account_id)?, &name, keys))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
