//! The tail of a stream created in the console shows an event sent to it, encrypted.

use std::time::Duration;

use super::pty::Console;
use super::screen::Screen;
use super::{ESC, saved_triplet};
use crate::support::wait_until;

/// The text inside the tail's box, rows joined, so that a wrapped event reads whole.
fn tail_text(screen: &Screen) -> String {
    screen
        .text()
        .lines()
        .filter_map(|row| row.strip_prefix('│'))
        .map(|row| row.trim_end().trim_end_matches('│'))
        .collect()
}

#[test]
fn tail_shows_events_sent_to_a_stream_created_in_the_console() {
    let mut c = Console::start(&["--refresh-secs", "0"]);
    c.wait_for("Streams (0)");
    c.create_stream("tail-e2e");
    c.keys(ESC);
    c.wait_for("┌ Streams (1/1)");

    c.keys("t");
    c.wait_for("Tail of stream tail-e2e — encrypted view");
    c.wait_for("● live");
    c.keys("w"); // wrap: the url comes after strmMeta

    let (url, billing_id, client_id, client_secret) = saved_triplet(c.root(), "tail-e2e");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        use strm_client::events::{EventClient, EventHosts};
        let client = EventClient::new(
            EventHosts::single(&url).unwrap(),
            strm_model::EventAuthRequest {
                billing_id,
                client_id,
                client_secret,
            },
        )
        .unwrap();
        let mut event = strm_tui::simulate::clickstream_event(&mut rand::rng());
        event["url"] = "https://e2e.example/tail-check".into();
        event["strmMeta"]["consentLevels"] = serde_json::json!([0, 1]);
        client.send_json("clickstream", &event).await.unwrap();
    });

    let shown = wait_until(Duration::from_secs(20), Duration::from_millis(30), || {
        c.pump();
        let text = tail_text(&c.screen);
        text.contains("\"url\":\"https://e2e.example/tail-check\"")
            .then_some(text)
    });
    let text = shown.unwrap_or_else(|| {
        panic!(
            "the event never showed; the screen shows:\n{}",
            c.screen.text()
        )
    });
    // The stream's view: the customer id is encrypted, not `customer-session-…`.
    assert!(!text.contains("\"id\":\"customer-session-"), "{text}");
    c.wait_for("received 1  dropped 0  kept 1/2000");

    c.keys(ESC);
    c.wait_for("┌ Streams (1/1)");
    c.keys("q");
    c.wait_exit();
}
