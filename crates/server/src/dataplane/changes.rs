//! What the nodes of a cluster tell each other (`cluster::changes`): this node says what
//! it deleted or destroyed, and drops its own cached copies of what others did.

use std::sync::Arc;

use futures::StreamExt;

use super::pipeline::{DataError, DataPlane, WeakDataPlane};
use crate::cluster::Cluster;
use crate::cluster::changes::{self, Change};

impl DataPlane {
    /// Tells the other nodes, when there are any.
    pub(super) fn tell(&self, change: Change) {
        if let Some(cluster) = self.store().events().cluster() {
            changes::publish(&cluster.client, &change);
        }
    }

    /// Drops this node's cached copies of what another node changed.
    pub fn apply(&self, change: &Change) {
        match change {
            Change::StreamDeleted { account, name } => self.forget_stream_here(account, name),
            Change::KeysDestroyed { account, keys } => {
                self.store().keys().forget_cached(account, keys)
            }
            Change::ContractArchived { account, reference } => {
                self.contracts().archived(account, reference)
            }
        }
    }

    /// Everything this node may have cached from the database.
    fn clear_caches(&self) {
        self.store().keys().clear_cache();
        self.store().tokens().clear_cache();
        self.contracts().clear_cache();
    }

    /// Deletes data subjects (`DataStore::forget_subjects`), on every node: returns how
    /// many keys were destroyed.
    pub fn forget_subjects(&self, account: &str, subjects: &[String]) -> Result<usize, DataError> {
        let (destroyed, keys) = self.store().forget_subjects(account, subjects)?;
        self.tell(Change::KeysDestroyed {
            account: account.into(),
            keys,
        });
        Ok(destroyed)
    }

    /// A contract was archived: events naming it are refused on every node from now on.
    pub fn archive_contract(&self, account: &str, reference: &str) {
        self.contracts().archived(account, reference);
        self.tell(Change::ContractArchived {
            account: account.into(),
            reference: reference.into(),
        });
    }
}

/// Listens for the other nodes' changes while the data plane lives; drops every cache
/// when the connection to NATS comes back (changes may have been missed meanwhile).
pub(super) fn spawn_listener(plane: WeakDataPlane, cluster: Arc<Cluster>) {
    tokio::spawn(async move {
        let mut reconnects = cluster.reconnects.clone();
        let mut changes = match cluster.client.subscribe(changes::SUBJECT).await {
            Ok(s) => s,
            Err(e) => {
                tracing::error!(error = %e, "cannot hear the other nodes' changes");
                return;
            }
        };
        loop {
            tokio::select! {
                message = changes.next() => {
                    let Some(message) = message else { return };
                    let Some(plane) = plane.upgrade() else { return };
                    match serde_json::from_slice::<Change>(&message.payload) {
                        Ok(change) => plane.apply(&change),
                        Err(e) => tracing::warn!(error = %e, "a change from another node is unreadable"),
                    }
                }
                changed = reconnects.changed() => {
                    if changed.is_err() {
                        return;
                    }
                    let Some(plane) = plane.upgrade() else { return };
                    plane.clear_caches();
                    tracing::info!("connected to NATS again: cached keys, tokens and contracts dropped");
                }
            }
        }
    });
}
