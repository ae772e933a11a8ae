//! Exporters under all three route families: `/v1/exporters/{stream}` (a stream or an
//! output by name), `/v1/streams/{stream}/exporters` and
//! `/v1/streams/{stream}/outputs/{output}/exporters`, each with the exporter's
//! `/status` (`observability.md`).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;

use super::Route;
use crate::AppState;
use crate::accounts::Caller;
use crate::dataplane::exporter::{self, ExportError};
use crate::error::{ApiError, ApiResult};
use crate::extract::{JsonBody, QueryMap, query_flag};
use crate::store::exporters as store;
use crate::store::streams::{self, StreamRow};
use strm_model::{Exporter, ExporterCreate, ExporterState, ExporterStatus, now_epoch_ms};

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
        Route::new(
            "/v1/exporters/{stream}/{exporter}/status",
            &["GET"],
            get(|s, c, Path((stream, name)), q| status(s, c, Target::Any(stream), name, q)),
        ),
        Route::new(
            "/v1/streams/{stream}/exporters/{exporter}/status",
            &["GET"],
            get(|s, c, Path((stream, name)), q| status(s, c, Target::Stream(stream), name, q)),
        ),
        Route::new(
            "/v1/streams/{stream}/outputs/{output}/exporters/{exporter}/status",
            &["GET"],
            get(|s, c, Path((stream, output, name)), q| {
                status(s, c, Target::Output(stream, output), name, q)
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
    s.db.answer(move |c| store::list_all(c, caller.account_id))
        .await
}

async fn list(
    State(s): State<AppState>,
    caller: Caller,
    target: Target,
) -> ApiResult<Json<Vec<Exporter>>> {
    s.db.answer(move |c| store::list_for(c, &target.resolve(c, caller.account_id)?))
        .await
}

async fn create(
    State(s): State<AppState>,
    caller: Caller,
    target: Target,
    JsonBody(req): JsonBody<ExporterCreate>,
) -> ApiResult<Json<Exporter>> {
    let created =
        s.db.call(move |c| {
            let stream = target.resolve(c, caller.account_id)?;
            store::create(c, caller.account_id, &stream, &req)
        })
        .await?;
    // Prove the sink works before answering; a sink that cannot be written takes the
    // exporter back out.
    let data = s.data.clone();
    let (billing, linked, name, keys) = (
        caller.billing_id.clone(),
        created.linked_stream.clone(),
        created.name.clone(),
        created.export_keys,
    );
    let job = tokio::task::spawn_blocking(move || {
        data.directory().export_job(&billing, &linked, &name, keys)
    })
    .await
    .map_err(|e| ApiError::internal("data plane", e))?;
    let probed = match &job {
        Some(job) => exporter::probe(&s.data, job).await,
        None => Err(ExportError::NoSink),
    };
    if let Err(problem) = probed {
        let (linked, name, keys) = (
            created.linked_stream.clone(),
            created.name.clone(),
            created.export_keys,
        );
        s.db.call(move |c| {
            let stream = streams::find_any(c, caller.account_id, &linked)?.ok_or_else(|| {
                ApiError::not_found(format!("no stream or output named {linked:?}"))
            })?;
            store::delete(c, &stream, &name, keys)
        })
        .await?;
        return Err(ApiError::bad_request(format!(
            "sinkName: {problem}; the exporter was not created"
        )));
    }
    Ok(Json(created))
}

async fn one(
    State(s): State<AppState>,
    caller: Caller,
    target: Target,
    name: String,
    query: QueryMap,
) -> ApiResult<Json<Exporter>> {
    let keys = query_flag(&query, "exportKeys")?;
    s.db.answer(move |c| store::get(c, &target.resolve(c, caller.account_id)?, &name, keys))
        .await
}

async fn delete(
    State(s): State<AppState>,
    caller: Caller,
    target: Target,
    name: String,
    query: QueryMap,
) -> ApiResult<StatusCode> {
    let keys = query_flag(&query, "exportKeys")?;
    let exporter = name.clone();
    let linked =
        s.db.call(move |c| {
            let stream = target.resolve(c, caller.account_id)?;
            store::delete(c, &stream, &exporter, keys)?;
            Ok(stream.name)
        })
        .await?;
    // A new exporter of the same name starts afresh, with a new object-name uuid.
    if let Err(e) = s
        .data
        .store()
        .exports()
        .forget(&caller.billing_id, &linked, &name, keys)
    {
        tracing::warn!(exporter = %name, error = %e, "forgetting an exporter's position failed");
    }
    Ok(StatusCode::NO_CONTENT)
}

/// What an exporter last wrote, whether it is failing, and what it has still to write.
async fn status(
    State(s): State<AppState>,
    caller: Caller,
    target: Target,
    name: String,
    query: QueryMap,
) -> ApiResult<Json<ExporterStatus>> {
    let keys = query_flag(&query, "exportKeys")?;
    let exporter =
        s.db.call(move |c| store::get(c, &target.resolve(c, caller.account_id)?, &name, keys))
            .await?;
    let data = s.data.clone();
    let billing = caller.billing_id;
    tokio::task::spawn_blocking(move || {
        let job = data.directory().export_job(
            &billing,
            &exporter.linked_stream,
            &exporter.name,
            exporter.export_keys,
        );
        match job {
            Some(job) => crate::dataplane::status::exporter_status(&data, &job, now_epoch_ms())
                .map_err(|e| ApiError::internal("reading an exporter's status", e)),
            // The sink's stored credentials no longer resolve: it cannot run.
            None => Ok(ExporterStatus {
                state: ExporterState::Failing,
                last_error: Some(format!(
                    "{}; create sink {:?} again with valid credentials",
                    ExportError::NoSink,
                    exporter.sink_name
                )),
                ..Default::default()
            }),
        }
    })
    .await
    .map_err(|e| ApiError::internal("reading an exporter's status", e))?
    .map(Json)
}
