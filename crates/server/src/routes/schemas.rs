//! `GET /v1/schemas/{schema}/contract` (a local extension): which fields of a built-in
//! schema are personal data and at which consent level, so that a console can mark
//! them in an event. Data contracts (`data-contracts.md`) will serve the same and more.

use axum::Json;
use axum::extract::{Path, State};
use axum::routing::get;

use super::Route;
use crate::AppState;
use crate::accounts::Caller;
use crate::error::{ApiError, ApiResult};
use strm_model::SchemaContract;

pub fn routes() -> Vec<Route> {
    vec![Route::new(
        "/v1/schemas/{schema}/contract",
        &["GET"],
        get(contract),
    )]
}

async fn contract(
    State(s): State<AppState>,
    _caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<SchemaContract>> {
    let registry = s.data.registry();
    let schema = registry.get(&id).ok_or_else(|| {
        ApiError::not_found(format!(
            "no schema {id:?}; the server knows {}",
            registry.ids().join(", ")
        ))
    })?;
    Ok(Json(SchemaContract {
        schema_id: schema.id.clone(),
        key_field: schema.key_field.to_string(),
        pii_fields: schema
            .pii
            .iter()
            .map(|(path, level)| (path.to_string(), *level))
            .collect(),
    }))
}
