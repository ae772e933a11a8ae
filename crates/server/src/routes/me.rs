//! `Me`: what most handlers take — the signed-in account a request acts for, with the
//! server's state — and the work done for that account, off the async workers.

use axum::Json;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use crate::AppState;
use crate::accounts::Caller;
use crate::dataplane::DataPlane;
use crate::error::{ApiError, ApiResult};

pub struct Me {
    pub s: AppState,
    pub caller: Caller,
}

impl FromRequestParts<AppState> for Me {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ApiResult<Me> {
        let caller = Caller::from_request_parts(parts, state).await?;
        Ok(Me {
            s: state.clone(),
            caller,
        })
    }
}

impl Me {
    /// What `f` answers from the database, given this account's id, as JSON.
    pub async fn answer<R, F>(&self, f: F) -> ApiResult<Json<R>>
    where
        R: Send + 'static,
        F: FnOnce(&mut crate::sql::Conn, i64) -> ApiResult<R> + Send + 'static,
    {
        self.call(f).await.map(Json)
    }

    /// What `f` does in the database, given this account's id.
    pub async fn call<R, F>(&self, f: F) -> ApiResult<R>
    where
        R: Send + 'static,
        F: FnOnce(&mut crate::sql::Conn, i64) -> ApiResult<R> + Send + 'static,
    {
        let id = self.caller.account_id;
        self.s.db.call(move |c| f(c, id)).await
    }

    /// What `f` does in the data plane, given this account's billing id: its stores are
    /// SQLite, so on the blocking pool. `what` names the work if its task fails.
    pub async fn data<R, F>(&self, what: &'static str, f: F) -> ApiResult<R>
    where
        R: Send + 'static,
        F: FnOnce(&DataPlane, &str) -> R + Send + 'static,
    {
        let (data, billing_id) = (self.s.data.clone(), self.caller.billing_id.clone());
        tokio::task::spawn_blocking(move || f(&data, &billing_id))
            .await
            .map_err(|e| ApiError::internal(what, e))
    }
}
