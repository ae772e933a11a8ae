//! `POST /v1/accounts` (local extension), `/v1/auth`, `/v1/refresh`, `/v1/revoke`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;

use super::Route;
use crate::AppState;
use crate::accounts::{self, WRONG_LOGIN};
use crate::error::{ApiError, ApiResult};
use crate::extract::JsonBody;
use crate::secrets;
use strm_model::{AuthResponse, LoginRequest, RefreshRequest, rules};

pub fn routes() -> Vec<Route> {
    vec![
        Route::new("/v1/accounts", &["POST"], post(create_account)),
        Route::new("/v1/auth", &["POST"], post(login)),
        Route::new("/v1/refresh", &["POST"], post(refresh)),
        Route::new("/v1/revoke", &["POST"], post(revoke)),
    ]
}

/// Argon2 is deliberately expensive in CPU and memory, and these routes need no token:
/// bounding how many hashes run at once keeps a flood of logins from exhausting the
/// server.
static HASHING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

async fn blocking<R: Send + 'static>(f: impl FnOnce() -> R + Send + 'static) -> ApiResult<R> {
    let _permit = HASHING
        .acquire()
        .await
        .map_err(|e| ApiError::internal("password hashing", e))?;
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError::internal("password hashing", e))
}

async fn create_account(
    State(state): State<AppState>,
    JsonBody(req): JsonBody<LoginRequest>,
) -> ApiResult<Json<AuthResponse>> {
    rules::check_email(&req.email)?;
    rules::check_password(&req.password)?;
    let password = req.password;
    let hash = blocking(move || secrets::hash_password(&password))
        .await?
        .map_err(|e| ApiError::internal("password hashing", e))?;
    let ttl = state.token_ttl_secs;
    let auth = state
        .db
        .call(move |conn| {
            let tx = conn.transaction()?;
            let account = accounts::create_account(&tx, &req.email, &hash)?;
            let auth = accounts::start_session(&tx, &account, ttl)?;
            tx.commit()?;
            Ok(auth)
        })
        .await?;
    tracing::info!(billing_id = %auth.billing_id, "account created");
    Ok(Json(auth))
}

async fn login(
    State(state): State<AppState>,
    JsonBody(req): JsonBody<LoginRequest>,
) -> ApiResult<Json<AuthResponse>> {
    let email = req.email.clone();
    let account = state
        .db
        .call(move |conn| Ok(accounts::find_account(conn, &email)?))
        .await?;
    // An unknown e-mail costs the same hash as a wrong password, so answer times do not
    // tell which accounts exist.
    let stored = account.as_ref().map(|a| a.password_hash.clone());
    let ok = blocking(move || match stored {
        Some(stored) => secrets::verify_password(&req.password, &stored),
        None => {
            if let Some(hash) = secrets::unknown_account_hash() {
                secrets::verify_password(&req.password, hash);
            }
            false
        }
    })
    .await?;
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
