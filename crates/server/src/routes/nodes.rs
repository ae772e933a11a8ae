//! `GET /v1/nodes`: the live nodes of the cluster — from the JetStream heartbeats when
//! the events are shared, else this one node. Each caller sees only its own exporters
//! among those a node runs.

use axum::Json;
use axum::extract::State;
use axum::routing::get;

use super::Route;
use crate::AppState;
use crate::accounts::Caller;
use crate::error::{ApiError, ApiResult};
use crate::store::exporters;
use strm_model::NodeList;

pub fn routes() -> Vec<Route> {
    vec![Route::new("/v1/nodes", &["GET"], get(list))]
}

async fn list(State(s): State<AppState>, caller: Caller) -> ApiResult<Json<NodeList>> {
    if let Some(cluster) = s.data.store().events().cluster() {
        let nodes = cluster.nodes.list().await.map_err(|e| {
            ApiError::new(axum::http::StatusCode::SERVICE_UNAVAILABLE, e.to_string())
        })?;
        return Ok(Json(NodeList {
            nodes: nodes
                .iter()
                .map(|n| n.for_account(&caller.billing_id))
                .collect(),
        }));
    }
    // One node runs every exporter.
    let account_id = caller.account_id;
    let mine =
        s.db.call(move |c| exporters::list_all(c, account_id))
            .await?;
    let mut node = s.node.for_account(&caller.billing_id);
    node.exporters = mine
        .iter()
        .map(|e| format!("{}/{}", e.linked_stream, e.name))
        .collect();
    node.exporters.dedup();
    Ok(Json(NodeList { nodes: vec![node] }))
}
