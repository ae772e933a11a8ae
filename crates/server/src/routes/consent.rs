//! `/v1/consent-levels`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;

use super::Route;
use crate::AppState;
use crate::accounts::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::JsonBody;
use crate::store::consent as store;
use strm_model::{ConsentLevel, rules};

pub fn routes() -> Vec<Route> {
    vec![
        Route::new("/v1/consent-levels", &["GET", "PUT"], get(list).put(put)),
        Route::new(
            "/v1/consent-levels/{id}",
            &["GET", "DELETE"],
            get(one).delete(delete),
        ),
    ]
}

fn level_id(text: &str) -> ApiResult<i64> {
    let id = text.parse::<i64>().map_err(|_| {
        ApiError::bad_request(format!(
            "id: {text:?} is not a whole number; {}",
            rules::CONSENT_LEVELS_RULE
        ))
    })?;
    rules::check_consent_level("id", id)?;
    Ok(id)
}

async fn list(State(s): State<AppState>, caller: Caller) -> ApiResult<Json<Vec<ConsentLevel>>> {
    s.db.answer(move |c| store::list(c, caller.account_id))
        .await
}

async fn one(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<ConsentLevel>> {
    let id = level_id(&id)?;
    s.db.answer(move |c| store::get(c, caller.account_id, id))
        .await
}

async fn put(
    State(s): State<AppState>,
    caller: Caller,
    JsonBody(level): JsonBody<ConsentLevel>,
) -> ApiResult<Json<ConsentLevel>> {
    s.db.answer(move |c| store::put(c, caller.account_id, &level))
        .await
}

async fn delete(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let id = level_id(&id)?;
    s.db.call(move |c| store::delete(c, caller.account_id, id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
