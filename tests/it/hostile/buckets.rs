//! Local buckets belong to the account that first used them: another account's sink on
//! the same bucket is refused (409), and nothing writes into (or reads from) a bucket for
//! anyone but its owner — also for sinks an older version let two accounts share.

use crate::server::raw::Raw;
use crate::support::{LocalServer, Scenario, sink};

/// Creates `s`'s sink `name` on the local bucket `bucket`.
async fn local_sink(s: &Scenario, name: &str, bucket: &str) {
    s.api.create_sink(&sink(name, bucket, None)).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_accounts_sink_on_a_local_bucket_is_refused() {
    let local = LocalServer::start().await;
    let alice = local.seed("alice@example.com").await;
    local_sink(&alice, "mine", "alice-bucket").await;
    alice.exporter("level0-1", "mine", false).await.unwrap();

    let bob = local.seed("bob@example.com").await;
    let raw = Raw::for_client(&bob.api).await;
    let (status, body) = raw
        .json(
            "PUT",
            "/v1/sinks",
            serde_json::json!({"sinkType": "S3", "sinkName": "theirs", "bucketName": "alice-bucket"}),
        )
        .await;
    assert_eq!(status, 409, "{body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.starts_with("bucketName:")
            && message.contains("alice-bucket")
            && message.contains("another account"),
        "{message}"
    );
    assert!(
        bob.api.list_sinks().await.unwrap().is_empty(),
        "nothing was created"
    );
    // Alice may add more sinks on her bucket; Bob's own bucket is his.
    local_sink(&alice, "mine-too", "alice-bucket").await;
    local_sink(&bob, "his", "bob-bucket").await;
    bob.exporter("level0-1", "his", false).await.unwrap();
    local.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bucket_two_accounts_shared_before_belongs_to_the_first_and_the_other_cannot_export_into_it()
 {
    let local = LocalServer::start().await;
    let alice = local.seed("first@example.com").await;
    local_sink(&alice, "mine", "shared-bucket").await;
    let bob = local.seed("second@example.com").await;
    let bob_billing = bob.billing_id.clone();
    let local_dir = local.dir().to_path_buf();
    let local = local
        .restart_with(|server_dir| {
            // As an older version left it: no owners, and Bob's sink on Alice's bucket.
            std::fs::remove_dir_all(server_dir.join("buckets/.owners")).unwrap();
            let db = rusqlite::Connection::open(server_dir.join("strm.db")).unwrap();
            db.execute(
                "INSERT INTO sinks (account_id, name, sink_type, bucket_name, credentials)
             SELECT id, 'sneaky', 'S3', 'shared-bucket', NULL FROM accounts WHERE billing_id = ?1",
                [&bob_billing],
            )
            .unwrap();
        })
        .await;
    assert_eq!(local.dir(), local_dir);
    let err = bob.exporter("level0-1", "sneaky", false).await.unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("shared-bucket") && message.contains("another account"),
        "{message}"
    );
    alice.exporter("level0-1", "mine", false).await.unwrap();
    local.shutdown().await;
}
