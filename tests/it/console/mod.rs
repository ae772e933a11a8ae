//! End-to-end: the real `strm-tui` binary in a pseudo-terminal, against the real local
//! server (embedded) or a silent TCP listener, read through a tiny screen model so that
//! assertions are about what a person would see.

mod handover;
mod keys;
mod observe;
mod offline;
mod pty;
mod race;
mod screen;
mod small;
mod tail;
mod walkthrough;

use std::path::Path;

use serde_json::Value;

const TAB: &str = "\t";
const ENTER: &str = "\r";
const ESC: &str = "\x1b";
const RIGHT: &str = "\x1b[C";

/// The host key, the `billingId/name` key and the saved `{clientId, clientSecret}` of
/// `name` in the console's saved secrets.
fn saved(root: &Path, name: &str) -> (String, String, Value) {
    let path = root.join("config").join("client-secrets.json");
    let all: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let (host, by_name) = all.as_object().unwrap().iter().next().unwrap();
    let (key, saved) = by_name
        .as_object()
        .unwrap()
        .iter()
        .find(|(k, _)| k.ends_with(&format!("/{name}")))
        .unwrap();
    (host.clone(), key.clone(), saved.clone())
}

/// The client secret the console saved for `name`, in a file only its owner reads.
fn saved_secret(root: &Path, name: &str) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let path = root.join("config").join("client-secrets.json");
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "saved secrets are private");
    }
    let (_, _, saved) = saved(root, name);
    saved["clientSecret"].as_str().unwrap().to_string()
}

/// The API address, billingId, clientId and clientSecret the console saved for `name`.
fn saved_triplet(root: &Path, name: &str) -> (String, String, String, String) {
    let (host, key, saved) = saved(root, name);
    // The host key is `127.0.0.1_PORT`.
    let url = format!("http://{}", host.replacen('_', ":", 1));
    let billing = key.split('/').next().unwrap().to_string();
    let field = |f: &str| saved[f].as_str().unwrap().to_string();
    (url, billing, field("clientId"), field("clientSecret"))
}
