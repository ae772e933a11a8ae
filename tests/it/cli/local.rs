//! Without `--api-url` the CLI starts or joins the local server; `serve` runs it on its own.

use std::io::BufRead;

use serde_json::json;

use super::Home;
use crate::support::{EMAIL, KillOnDrop, PASSWORD, strm_tui};

#[test]
fn without_an_api_url_the_local_server_answers() {
    let home = Home::new(None);
    assert_eq!(home.json(&["streams", "list"]), json!([]));
    let created = home.json(&["streams", "create", "local-one"]);
    assert_eq!(created["name"], "local-one");
    // A second process finds the same local data.
    assert_eq!(home.json(&["streams", "list"])[0]["name"], "local-one");
    let show = home.ok(&["auth", "show"]);
    assert!(show.starts_with("Credentials for "), "{show}");
    // The secret the CLI saved at creation is what the simulator sends with.
    let sent = home.ok(&["simulate", "local-one", "--count", "3", "--rate", "50"]);
    assert!(sent.contains("3 events sent to local-one"), "{sent}");
}

#[test]
fn serve_runs_the_local_server_with_the_given_accounts() {
    let home = Home::new(None);
    let err = home.fails(&["serve", "--user", "strm-bart@example.com:short"], 2);
    assert!(err.contains("password") && !err.contains("short"), "{err}");

    let server = strm_tui(home.dir.path())
        .args(["serve", "--addr", "127.0.0.1:0", "--user"])
        .arg(format!("{EMAIL}:{PASSWORD}"))
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut server = KillOnDrop(server); // stopped even when an assertion fails
    let mut lines = std::io::BufReader::new(server.0.stderr.take().unwrap()).lines();
    let mut before = Vec::new();
    let url = lines
        .by_ref()
        .map_while(Result::ok)
        .find_map(|line| {
            before.push(line.clone());
            line.split_once("listening on ")
                .map(|(_, u)| u.trim().to_string())
        })
        .expect("serve prints its URL");
    // apache-avro's warning about the 2021 schema's `date` on a long is not repeated at
    // every start; the server's own lines are there.
    let started = before.join("\n");
    assert!(
        !started.contains("Ignoring unknown logical type"),
        "{started}"
    );
    assert!(
        started.contains("Stream Machine server listening"),
        "{started}"
    );
    // Keep reading so the server's log lines never meet a closed pipe.
    std::thread::spawn(move || lines.for_each(drop));
    // Commands without --api-url on the same data directory join this server rather
    // than starting a second one on the same database.
    assert_eq!(home.json(&["streams", "list"]), json!([]));
    let published =
        std::fs::read_to_string(home.dir.path().join("data/server/server.json")).unwrap();
    assert!(published.contains(&url), "{published} names {url}");
    let err = home.fails(&["serve", "--addr", "127.0.0.1:0"], 1);
    assert!(
        err.contains("already runs the local server") && err.contains(&url),
        "{err}"
    );
    let remote = Home {
        dir: home.dir,
        api: Some(url),
    };
    let out = remote.ok(&["auth", "login", "-e", EMAIL, "-p", PASSWORD]);
    assert!(out.contains(EMAIL), "{out}");
    assert_eq!(remote.json(&["streams", "list"]), json!([]));
}
