//! `GET /openapi.json`: the hand-written contract document, compiled in.

use axum::response::Response;
use axum::routing::get;

use super::{Route, json_response};

pub const OPENAPI_JSON: &str = include_str!("../../../../assets/openapi.json");

pub fn routes() -> Vec<Route> {
    vec![Route::new("/openapi.json", &["GET"], get(document))]
}

async fn document() -> Response {
    json_response(OPENAPI_JSON)
}
