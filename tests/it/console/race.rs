//! Keys act on the state they were typed against: `c` then `l` typed at once open the
//! credentials of the stream `c` was pressed on, with its clientId, and `i` copies that
//! clientId — never an empty one.

use super::pty::Console;
use super::{ESC, saved_triplet};

#[test]
fn credentials_typed_ahead_of_a_drill_show_and_copy_the_real_client_id() {
    let mut c = Console::start(&["--refresh-secs", "0"]);
    c.wait_for("Streams (0)");
    c.create_stream("race");
    c.keys(ESC);
    c.wait_for("┌ Streams (1/1)");
    let (_, _, client_id, _) = saved_triplet(c.root(), "race");

    // Both keys in one write: they reach the console in the same read.
    c.keys("cl");
    c.wait_for("Credentials of race");
    c.wait_for(&format!("clientId  {client_id}"));
    let before = c.screen.raw.len();
    c.keys("i");
    c.wait_for("Copied clientId (OSC 52");
    assert!(
        c.copied_since(before, &client_id),
        "the clientId of race went to the clipboard"
    );
    // The `l` did not drill into race's outputs behind the popup.
    c.keys(ESC);
    c.wait_for("┌ Streams (1/1)");
    c.keys("q");
    c.wait_exit();
}
