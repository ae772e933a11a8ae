//! `POST /v1/accounts` (local extension), `/v1/auth`, `/v1/refresh`, `/v1/revoke`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;

use super::Route;
use crate::AppState;
use crate::accounts::{self, WRONG_LOGIN};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ClientAddress, JsonBody};
use crate::password_pool::PoolError;
use crate::{secrets, throttle};
use strm_model::{AuthResponse, LoginRequest, RefreshRequest, rules};

pub fn routes() -> Vec<Route> {
    vec![
        Route::new("/v1/accounts", &["POST"], post(create_account)),
        Route::new("/v1/auth", &["POST"], post(login)),
        Route::new("/v1/refresh", &["POST"], post(refresh)),
        Route::new("/v1/revoke", &["POST"], post(revoke)),
    ]
}

/// A sign-in or sign-up may run now, or the caller waits (429).
fn attempt(
    state: &AppState,
    email: Option<&str>,
    client: &ClientAddress,
) -> ApiResult<throttle::Attempt> {
    state.throttle.begin(email, client.0).map_err(|wait| {
        ApiError::slow_down(
            format!(
                "too many sign-in attempts for this account or from this address; try again \
                 in {} s",
                wait.as_secs_f64().ceil().max(1.0)
            ),
            wait,
        )
    })
}

fn pool_error(e: PoolError) -> ApiError {
    match e {
        PoolError::Busy => ApiError::busy(
            "the server is busy checking other passwords; try again in a second",
            1,
        ),
        PoolError::Failed(e) => ApiError::internal("password hashing", e),
    }
}

async fn create_account(
    State(state): State<AppState>,
    client: ClientAddress,
    JsonBody(req): JsonBody<LoginRequest>,
) -> ApiResult<Json<AuthResponse>> {
    rules::check_email(&req.email)?;
    rules::check_password(&req.password)?;
    // Only what runs at once from one address is capped here: a sign-up is no guess.
    let attempt = attempt(&state, None, &client)?;
    let hash = state
        .passwords
        .hash(req.password)
        .await
        .map_err(pool_error)?;
    drop(attempt);
    let ttl = state.token_ttl_secs;
    let auth = state
        .db
        .call(move |conn| {
            conn.transaction(|tx| {
                let account = accounts::create_account(tx, &req.email, &hash)?;
                Ok(accounts::start_session(tx, &account, ttl)?)
            })
        })
        .await?;
    tracing::info!(billing_id = %auth.billing_id, "account created");
    Ok(Json(auth))
}

async fn login(
    State(state): State<AppState>,
    client: ClientAddress,
    JsonBody(req): JsonBody<LoginRequest>,
) -> ApiResult<Json<AuthResponse>> {
    let attempt = attempt(&state, Some(&req.email), &client)?;
    let email = req.email.clone();
    let account = state
        .db
        .call(move |conn| Ok(accounts::find_account(conn, &email)?))
        .await?;
    // An unknown e-mail costs the same hash as a wrong password, so answer times do not
    // tell which accounts exist.
    let stored = match &account {
        Some(a) => a.password_hash.clone(),
        None => secrets::unknown_account_hash()
            .unwrap_or_default()
            .to_string(),
    };
    let ok = state
        .passwords
        .verify(req.password, stored)
        .await
        .map_err(pool_error)?
        && account.is_some();
    attempt.finish(ok);
    let Some(account) = account.filter(|_| ok) else {
        return Err(ApiError::unauthorized(WRONG_LOGIN));
    };
    let ttl = state.token_ttl_secs;
    let auth = state
        .db
        .call(move |conn| Ok(accounts::start_session(conn, &account, ttl)?))
        .await?;
    Ok(Json(auth))
}

async fn refresh(
    State(state): State<AppState>,
    JsonBody(req): JsonBody<RefreshRequest>,
) -> ApiResult<Json<AuthResponse>> {
    let ttl = state.token_ttl_secs;
    let auth = state
        .db
        .call(move |conn| accounts::refresh_session(conn, &req.refresh_token, ttl))
        .await?;
    Ok(Json(auth))
}

async fn revoke(
    State(state): State<AppState>,
    JsonBody(req): JsonBody<RefreshRequest>,
) -> ApiResult<StatusCode> {
    state
        .db
        .call(move |conn| Ok(accounts::revoke(conn, &req.refresh_token)?))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
