//! `/v1/data-subjects`: the people an account's events are about, and forgetting them
//! (`data-contracts.md`). Ids are personal data: they never reach a log.

use axum::Json;
use axum::routing::get;

use super::Route;
use super::me::Me;
use crate::error::{ApiError, ApiResult};
use crate::extract::{JsonBody, QueryMap};
use strm_model::rules::check_data_subject_id;
use strm_model::{DataSubjectPage, DataSubjectsDelete, DataSubjectsDeleted};

pub const LIMIT_DEFAULT: usize = 100;
pub const LIMIT_MAX: usize = 1000;
const LIMIT_RULE: &str = "limit is a whole number from 1 to 1000";

pub fn routes() -> Vec<Route> {
    vec![Route::new(
        "/v1/data-subjects",
        &["GET", "DELETE"],
        get(list).delete(forget),
    )]
}

fn limit(query: &QueryMap) -> ApiResult<usize> {
    match query.get("limit") {
        None => Ok(LIMIT_DEFAULT),
        Some(text) => text
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=LIMIT_MAX).contains(n))
            .ok_or_else(|| {
                ApiError::bad_request(format!("limit: {text:?} is not usable; {LIMIT_RULE}"))
            }),
    }
}

async fn list(me: Me, query: QueryMap) -> ApiResult<Json<DataSubjectPage>> {
    let limit = limit(&query)?;
    let prefix = query.get("prefix").cloned().unwrap_or_default();
    let after = query.get("after").cloned();
    if let Some(a) = &after {
        check_data_subject_id("after", a)?;
    }
    me.data("listing data subjects", move |data, billing_id| {
        data.store()
            .subjects()
            .list(billing_id, &prefix, after.as_deref(), limit)
    })
    .await?
    .map(Json)
    .map_err(|e| ApiError::internal("listing data subjects", e))
}

async fn forget(
    me: Me,
    JsonBody(req): JsonBody<DataSubjectsDelete>,
) -> ApiResult<Json<DataSubjectsDeleted>> {
    req.validate()?;
    let subjects = req.data_subjects.len();
    let destroyed = me
        .data("deleting data subjects", move |data, billing_id| {
            data.forget_subjects(billing_id, &req.data_subjects)
        })
        .await?
        .map_err(|e| ApiError::internal("deleting data subjects", e))?;
    // A count, never an id.
    tracing::info!(
        subjects,
        keys = destroyed,
        "data subjects deleted: their keys destroyed"
    );
    Ok(Json(DataSubjectsDeleted {
        deleted_key_links: destroyed as u64,
    }))
}
