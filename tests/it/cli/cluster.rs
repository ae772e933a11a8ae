//! The CLI of a cluster: `serve`'s cluster options refused with the option, the value's
//! problem and the rule (credentials never shown), and `nodes list` as a table and JSON.

use super::Home;
use crate::support::cluster::serve_node;
use crate::support::free_port;
use crate::support::nats::Nats;

#[test]
fn serve_refuses_bad_cluster_options_naming_option_value_and_rule() {
    let home = Home::new(None);
    let err = home.fails(
        &["serve", "--event-store", "http://strm:s3cret@nats.internal"],
        2,
    );
    assert!(
        err.contains("--event-store: \"http://***@nats.internal\" has the scheme \"http\"")
            && err.contains("nats://HOST[:PORT]"),
        "{err}"
    );
    let err = home.fails(&["serve", "--event-replicas", "3"], 2);
    assert!(
        err.contains("--event-replicas: is 3 with the local event store"),
        "{err}"
    );
    let err = home.fails(
        &[
            "serve",
            "--event-store",
            "nats://127.0.0.1:4222",
            "--event-replicas",
            "6",
        ],
        2,
    );
    assert!(
        err.contains("--event-replicas: is 6; event replicas are a whole number from 1 to 5"),
        "{err}"
    );
    let err = home.fails(&["serve", "--node-name", "api 1"], 2);
    assert!(err.contains("--node-name: \"api 1\" contains ' '"), "{err}");

    // NATS that does not answer: the start fails saying where, without the password.
    let closed = free_port();
    let url = format!("nats://strm:s3cret@127.0.0.1:{closed}");
    let err = home.fails(&["serve", "--event-store", &url], 1);
    assert!(
        err.contains(&format!("nats://***@127.0.0.1:{closed}")) && !err.contains("s3cret"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nodes_list_shows_the_cluster_and_marks_the_node_that_answered() {
    let nats = Nats::single().await;
    let home = Home::new(None);
    let (_node, url) = serve_node(
        home.dir.path(),
        &nats,
        "api-1",
        &crate::support::cluster::Database::SqliteCopies,
        None,
    );
    let table = home.ok(&["nodes", "list"]);
    let lines: Vec<&str> = table.lines().collect();
    assert!(
        lines[0].starts_with("NAME") && lines[0].contains("EXPORTERS"),
        "{table}"
    );
    assert!(
        lines[1].starts_with("api-1 *")
            && lines[1].contains(&url)
            && lines[1].contains("jetstream R1"),
        "{table}"
    );
    assert_eq!(lines.last(), Some(&"* answered this request"));
    let json = home.json(&["nodes", "list", "--json"]);
    assert_eq!(json["nodes"][0]["name"], "api-1");
    assert_eq!(json["nodes"][0]["address"], url.as_str());
}
