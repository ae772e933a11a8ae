//! An API that never answers does not freeze the keys, and SIGTERM restores the terminal.

use std::process::Command;

use serde_json::json;

use super::ESC;
use super::pty::Console;

#[test]
fn keys_work_while_the_api_never_answers() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for sock in listener.incoming() {
            held.push(sock);
        }
    });
    let root = tempfile::tempdir().unwrap();
    // A session valid for an hour: the console goes straight to the (silent) API.
    let session = json!({"email": "a@b.c", "billingId": "a0000000001", "idToken": "id",
        "refreshToken": "rt", "expiresAt": strm_client::now_epoch_secs() + 3600});
    let paths = strm_client::paths::Paths::under(root.path());
    strm_client::CredentialStore::for_api(&paths, &url)
        .save(&serde_json::from_value(session).unwrap())
        .unwrap();
    let mut c = Console::spawn(root, &["--api-url", &url]);
    c.wait_for("1 Streams");
    c.wait_for("a@b.c");
    c.keys("2");
    c.wait_for("┌ Outputs (0)");
    c.keys("/abc");
    c.wait_for("(0 of 0) /abc");
    c.keys(ESC);
    c.keys("?");
    c.wait_for("Help — keys from the live keymap");
    c.keys(ESC);
    // SIGTERM leaves the terminal as it found it, even with requests hanging.
    c.quit_restores_terminal(|c| {
        let pid = c.session.get_process().pid().to_string();
        let killed = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(killed.success());
    });
}
