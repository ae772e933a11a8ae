//! `GET /v1/nodes`: the live nodes of the cluster — from the JetStream heartbeats when
//! the events are shared, else this one node. Each caller sees only its own exporters
//! among those a node runs, and on the node that answered its own live tails, including
//! the events tails that fell behind did not get.

use axum::Json;
use axum::extract::State;
use axum::routing::get;

use super::Route;
use crate::AppState;
use crate::accounts::Caller;
use crate::error::{ApiError, ApiResult};
use crate::store::exporters;
use strm_model::{NodeEgress, NodeList};

pub fn routes() -> Vec<Route> {
    vec![Route::new("/v1/nodes", &["GET"], get(list))]
}

async fn list(State(s): State<AppState>, caller: Caller) -> ApiResult<Json<NodeList>> {
    let mut nodes = match s.data.store().events().cluster() {
        Some(cluster) => {
            let records = cluster.nodes.list().await.map_err(|e| {
                ApiError::new(axum::http::StatusCode::SERVICE_UNAVAILABLE, e.to_string())
            })?;
            records
                .iter()
                .map(|n| n.for_account(&caller.billing_id))
                .collect()
        }
        None => {
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
            vec![node]
        }
    };
    let counts = s.data.egress_counts(&caller.billing_id);
    if let Some(me) = nodes.iter_mut().find(|n| n.name == s.node.node.name) {
        me.egress = Some(NodeEgress {
            tails: counts.tails,
            dropped_events: counts.dropped_events,
            tails_closed_behind: counts.tails_closed_behind,
        });
    }
    Ok(Json(NodeList { nodes }))
}
