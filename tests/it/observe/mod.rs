//! Seeing the data flow (`observability.md`) end to end against the real server on
//! 127.0.0.1: usage windows across a restart, an exporter's status through its states,
//! bucket objects from the directory default and from `moto_server`, and isolation.

mod exporter_status;
mod isolation;
mod objects;
mod usage;

use strm_client::events::EventClient;

use crate::support::send_click;

/// Sends one click per consent set of `levels`, each its own session.
async fn send_each(sender: &EventClient, tag: &str, levels: &[&[i32]]) {
    for (n, l) in levels.iter().enumerate() {
        send_click(sender, &format!("{tag}-{n}"), l, "https://a.io/x").await;
    }
}
