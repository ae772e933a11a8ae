//! Ctrl-C quits from the main screen, from every popup and from every field — the
//! terminal restored each time — and `q` typed into the login form is text.

use super::pty::Console;
use super::screen::{COLS, ROWS};
use super::{ENTER, ESC};

const CTRL_C: &str = "\x03";

#[test]
fn ctrl_c_quits_from_every_popup_and_restores_the_terminal() {
    let root = tempfile::tempdir().unwrap();
    let args = ["--refresh-secs", "0"];
    let mut c = Console::spawn_in(root.path(), &args, COLS, ROWS);
    c.wait_for("Streams (0)");
    c.create_stream("cc");
    c.keys(ESC);
    c.wait_for("┌ Streams (1/1)");
    c.quit_restores_terminal(|c| c.keys(CTRL_C));
    // (keys that open it, what the screen then shows)
    let popups: &[(&str, &str)] = &[
        ("?", "Help — keys from the live keymap"),
        ("E", "Errors this session"),
        (":", "streams  outputs  sinks"),
        ("/", " filter: "),
        ("n", "Create stream"),
        // In a text field, with text typed: Ctrl-C is not text.
        ("nab", "Create stream"),
        ("d", "Type cc to confirm"),
        ("c", "Credentials of cc"),
        ("t", "Tail of stream cc"),
    ];
    for (keys, shows) in popups {
        let mut c = Console::spawn_in(root.path(), &args, COLS, ROWS);
        c.wait_for("┌ Streams (1/1)");
        c.keys(keys);
        c.wait_for(shows);
        c.quit_restores_terminal(|c| c.keys(CTRL_C));
    }
}

#[test]
fn the_login_form_takes_q_as_text_and_ctrl_c_quits() {
    // An API with an account but no stored login: the console opens the login form.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime.block_on(crate::support::LocalServer::start());
    let url = server.url();
    let mut c = Console::start(&["--api-url", &url]);
    c.wait_for("Log in");
    c.keys("q");
    c.keys("uit@example.com");
    c.wait_for("quit@example.com");
    c.keys(ENTER);
    c.wait_for("Fix the fields marked ✗ to submit");
    c.quit_restores_terminal(|c| c.keys(CTRL_C));
    runtime.block_on(server.shutdown());
}
