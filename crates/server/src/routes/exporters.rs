//! Exporters under all three route families: `/v1/exporters/{stream}` (a stream or an
//! output by name), `/v1/streams/{stream}/exporters` and
//! `/v1/streams/{stream}/outputs/{output}/exporters`, each with the exporter's
//! `/status` (`observability.md`).

use axum::Json;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::routing::get;

use super::Route;
use super::me::Me;
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
            get(|me, Path(stream)| list(me, Target::Any(stream)))
                .put(|me, Path(stream), b| create(me, Target::Any(stream), b)),
        ),
        Route::new(
            "/v1/exporters/{stream}/{exporter}",
            &["GET", "DELETE"],
            get(|me, Path((stream, name)), q| one(me, Target::Any(stream), name, q))
                .delete(|me, Path((stream, name)), q| delete(me, Target::Any(stream), name, q)),
        ),
        Route::new(
            "/v1/streams/{stream}/exporters",
            &["GET", "PUT"],
            get(|me, Path(stream)| list(me, Target::Stream(stream)))
                .put(|me, Path(stream), b| create(me, Target::Stream(stream), b)),
        ),
        Route::new(
            "/v1/streams/{stream}/exporters/{exporter}",
            &["GET", "DELETE"],
            get(|me, Path((stream, name)), q| one(me, Target::Stream(stream), name, q))
                .delete(|me, Path((stream, name)), q| delete(me, Target::Stream(stream), name, q)),
        ),
        Route::new(
            "/v1/streams/{stream}/outputs/{output}/exporters",
            &["GET", "PUT"],
            get(|me, Path((stream, output))| list(me, Target::Output(stream, output)))
                .put(|me, Path((stream, output)), b| create(me, Target::Output(stream, output), b)),
        ),
        Route::new(
            "/v1/streams/{stream}/outputs/{output}/exporters/{exporter}",
            &["GET", "DELETE"],
            get(|me, Path((stream, output, name)), q| {
                one(me, Target::Output(stream, output), name, q)
            })
            .delete(|me, Path((stream, output, name)), q| {
                delete(me, Target::Output(stream, output), name, q)
            }),
        ),
        Route::new(
            "/v1/exporters/{stream}/{exporter}/status",
            &["GET"],
            get(|me, Path((stream, name)), q| status(me, Target::Any(stream), name, q)),
        ),
        Route::new(
            "/v1/streams/{stream}/exporters/{exporter}/status",
            &["GET"],
            get(|me, Path((stream, name)), q| status(me, Target::Stream(stream), name, q)),
        ),
        Route::new(
            "/v1/streams/{stream}/outputs/{output}/exporters/{exporter}/status",
            &["GET"],
            get(|me, Path((stream, output, name)), q| {
                status(me, Target::Output(stream, output), name, q)
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
    fn resolve(&self, conn: &mut crate::sql::Conn, account_id: i64) -> ApiResult<StreamRow> {
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

async fn list_all(me: Me) -> ApiResult<Json<Vec<Exporter>>> {
    me.answer(store::list_all).await
}

async fn list(me: Me, target: Target) -> ApiResult<Json<Vec<Exporter>>> {
    me.answer(move |c, account| {
        let row = target.resolve(c, account)?;
        store::list_for(c, &row)
    })
    .await
}

async fn create(
    me: Me,
    target: Target,
    JsonBody(req): JsonBody<ExporterCreate>,
) -> ApiResult<Json<Exporter>> {
    let created = me
        .call(move |c, account| {
            let row = target.resolve(c, account)?;
            store::create(c, account, &row, &req)
        })
        .await?;
    // Prove the sink works before answering; a sink that cannot be written takes the
    // exporter back out.
    let job = me
        .data("data plane", {
            let created = created.clone();
            move |data, billing| {
                data.directory().export_job(
                    billing,
                    &created.linked_stream,
                    &created.name,
                    created.export_keys,
                )
            }
        })
        .await?;
    let probed = match &job {
        Some(job) => exporter::probe(&me.s.data, job).await,
        None => Err(ExportError::NoSink),
    };
    if let Err(problem) = probed {
        let (linked, name, keys) = (
            created.linked_stream.clone(),
            created.name.clone(),
            created.export_keys,
        );
        me.call(move |c, account| {
            let stream = Target::Any(linked).resolve(c, account)?;
            store::delete(c, &stream, &name, keys)
        })
        .await?;
        return Err(ApiError::bad_request(format!(
            "sinkName: {problem}; the exporter was not created"
        )));
    }
    Ok(Json(created))
}

async fn one(me: Me, target: Target, name: String, query: QueryMap) -> ApiResult<Json<Exporter>> {
    let keys = query_flag(&query, "exportKeys")?;
    me.answer(move |c, account| {
        let row = target.resolve(c, account)?;
        store::get(c, &row, &name, keys)
    })
    .await
}

async fn delete(me: Me, target: Target, name: String, query: QueryMap) -> ApiResult<StatusCode> {
    let keys = query_flag(&query, "exportKeys")?;
    let exporter = name.clone();
    let linked = me
        .call(move |c, account| {
            let stream = target.resolve(c, account)?;
            store::delete(c, &stream, &exporter, keys)?;
            Ok(stream.name)
        })
        .await?;
    // A new exporter of the same name starts afresh, with a new object-name uuid.
    if let Err(e) =
        me.s.data
            .store()
            .exports()
            .forget(&me.caller.billing_id, &linked, &name, keys)
    {
        tracing::warn!(exporter = %name, error = %e, "forgetting an exporter's position failed");
    }
    Ok(StatusCode::NO_CONTENT)
}

/// What an exporter last wrote, whether it is failing, and what it has still to write.
async fn status(
    me: Me,
    target: Target,
    name: String,
    query: QueryMap,
) -> ApiResult<Json<ExporterStatus>> {
    let keys = query_flag(&query, "exportKeys")?;
    let exporter = me
        .call(move |c, account| {
            let row = target.resolve(c, account)?;
            store::get(c, &row, &name, keys)
        })
        .await?;
    me.data("reading an exporter's status", move |data, billing| {
        let job = data.directory().export_job(
            billing,
            &exporter.linked_stream,
            &exporter.name,
            exporter.export_keys,
        );
        match job {
            Some(job) => crate::dataplane::status::exporter_status(data, &job, now_epoch_ms())
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
    .await?
    .map(Json)
}
