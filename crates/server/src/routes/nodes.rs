//! `GET /v1/nodes`: this server as the one node of the API, with what it carries for the
//! caller's account: its exporters and its live tails, including the events tails that
//! fell behind did not get.

use axum::Json;
use axum::extract::State;
use axum::routing::get;

use super::Route;
use crate::AppState;
use crate::accounts::Caller;
use crate::error::ApiResult;
use strm_model::{Node, NodeEgress};

pub fn routes() -> Vec<Route> {
    vec![Route::new("/v1/nodes", &["GET"], get(nodes))]
}

/// Who this node is: set when the server binds its address.
#[derive(Debug, Clone)]
pub struct NodeInfo {
    pub name: String,
    pub address: String,
    pub started_at: i64,
}

impl NodeInfo {
    pub fn new(address: std::net::SocketAddr) -> NodeInfo {
        let host = nix::unistd::gethostname()
            .ok()
            .and_then(|h| h.into_string().ok())
            .unwrap_or_else(|| "localhost".into());
        NodeInfo {
            name: format!("{host}:{}", address.port()),
            address: address.to_string(),
            started_at: strm_model::now_epoch_ms(),
        }
    }
}

async fn nodes(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Vec<Node>>> {
    let account = caller.account_id;
    let exporters_held: i64 = state
        .db
        .call(move |conn| {
            Ok(conn.query_row(
                "SELECT COUNT(*) FROM exporters WHERE account_id = ?1",
                [account],
                |r| r.get(0),
            )?)
        })
        .await?;
    let counts = state.data.egress_counts(&caller.billing_id);
    Ok(Json(vec![Node {
        name: state.node.name.clone(),
        address: state.node.address.clone(),
        started_at: state.node.started_at,
        version: env!("CARGO_PKG_VERSION").to_string(),
        exporters_held: exporters_held as u64,
        egress: NodeEgress {
            tails: counts.tails,
            dropped_events: counts.dropped_events,
            tails_closed_behind: counts.tails_closed_behind,
        },
    }]))
}
