//! `/v1/consent-levels`.

use axum::Json;
use axum::extract::Path;
use axum::http::StatusCode;

use super::me::Me;
use super::{Route, collection};
use crate::error::{ApiError, ApiResult};
use crate::extract::JsonBody;
use crate::store::consent as store;
use strm_model::{ConsentLevel, rules};

pub fn routes() -> Vec<Route> {
    collection(
        "/v1/consent-levels",
        list,
        put,
        "/v1/consent-levels/{id}",
        one,
        delete,
    )
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

async fn list(me: Me) -> ApiResult<Json<Vec<ConsentLevel>>> {
    me.answer(store::list).await
}

async fn one(me: Me, Path(id): Path<String>) -> ApiResult<Json<ConsentLevel>> {
    let id = level_id(&id)?;
    me.answer(move |c, account| store::get(c, account, id))
        .await
}

async fn put(me: Me, JsonBody(level): JsonBody<ConsentLevel>) -> ApiResult<Json<ConsentLevel>> {
    me.answer(move |c, account| store::put(c, account, &level))
        .await
}

async fn delete(me: Me, Path(id): Path<String>) -> ApiResult<StatusCode> {
    let id = level_id(&id)?;
    me.call(move |c, account| store::delete(c, account, id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
