//! What one node deleted or destroyed, told to every node at once so that each drops
//! its cached copy: the keys of a forgotten person (no node may decrypt with them
//! again), the tokens and live tails of a deleted stream or output, an archived
//! contract. The database is already changed by the node that did it; these are cache
//! invalidations, on core NATS (at most once). A node that was disconnected may have
//! missed some, so it drops all its caches when it connects again.

use serde::{Deserialize, Serialize};

/// The subject every node publishes changes to and listens on.
pub const SUBJECT: &str = "strm.changes";

/// No ids of people: keys are named by stream and key id only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Change {
    StreamDeleted {
        account: String,
        name: String,
    },
    KeysDestroyed {
        account: String,
        keys: Vec<(String, u32)>,
    },
    ContractArchived {
        account: String,
        reference: String,
    },
}

/// Tells every node (this one too, which applies it twice: harmless).
pub fn publish(client: &async_nats::Client, change: &Change) {
    let Ok(body) = serde_json::to_vec(change) else {
        return;
    };
    let client = client.clone();
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        return;
    };
    runtime.spawn(async move {
        if let Err(e) = client.publish(SUBJECT, body.into()).await {
            tracing::warn!(error = %e, "telling the other nodes of a change failed");
        }
    });
}
