//! Create, copy, drill in, delete and quit: the terminal is restored.

use super::pty::Console;
use super::{ENTER, ESC, RIGHT, TAB, saved_secret};

#[test]
fn console_creates_copies_drills_deletes_and_restores_the_terminal() {
    let mut c = Console::start(&["--refresh-secs", "0"]);
    c.wait_for("1 Streams");
    c.wait_for("LOCAL");
    c.wait_for("Streams (0)");

    c.create_stream("e2e-stream");

    // Copy the secret: OSC 52 carries it base64-encoded.
    let before = c.screen.raw.len();
    c.keys("s");
    c.wait_for("Copied clientSecret (OSC 52");
    let secret = saved_secret(c.root(), "e2e-stream");
    assert!(c.copied_since(before, &secret), "no OSC 52 with the secret");

    c.keys(ESC);
    c.wait_for("Streams (1/1)");
    c.wait_for("e2e-stream");

    c.keys(ENTER);
    c.wait_for("Streams › e2e-stream › Outputs (0)");
    c.keys("n");
    c.wait_for("Create output");
    c.keys(TAB);
    c.keys("e2e-out");
    c.keys(TAB);
    c.keys(RIGHT); // GRANULAR
    c.keys(TAB);
    c.keys("0,1");
    c.keys(ENTER);
    c.wait_for("Credentials of e2e-out");
    c.keys(ESC);
    c.wait_for("Streams › e2e-stream › Outputs (1/1)");
    c.wait_for("GRANULAR");

    // A plain dialog: `y` deletes, and the message says what went.
    c.keys("d");
    c.wait_for("Delete output e2e-out");
    c.keys("y");
    c.wait_for("Deleted output e2e-out of e2e-stream");
    c.wait_for("Streams › e2e-stream › Outputs (0)");

    c.keys(ESC);
    c.wait_for("┌ Streams (1/1)");
    // A dialog that asks for the name: something else typed is said, not cancelled...
    c.keys("d");
    c.wait_for("Type e2e-stream to confirm");
    c.keys("e2e");
    c.keys(ENTER);
    c.wait_for("\"e2e\" is not e2e-stream");
    // ...and once the name matches, Enter deletes.
    c.keys("-stream");
    c.keys(ENTER);
    c.wait_for("Deleted stream e2e-stream");
    c.wait_for("┌ Streams (0)");

    c.quit_restores_terminal(|c| c.keys("q"));
}
