//! Another account's usage, exporter status and bucket objects are a 404, like the
//! resources themselves.

use strm_client::{ObjectQuery, UsageQuery};

use super::send_each;
use crate::support::{LocalServer, sink};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_account_gets_404_for_usage_status_and_objects() {
    let local = LocalServer::start().await;
    let alice = local.seed("alice-observes@example.com").await;
    alice
        .api
        .create_sink(&sink("files", "alice-bucket", None))
        .await
        .unwrap();
    alice.exporter("level0-1", "files", false).await.unwrap();
    send_each(&alice.client(&alice.stream), "a", &[&[0, 1]]).await;
    let bucket = local.dir().join("server/buckets/alice-bucket");
    std::fs::write(bucket.join("secret.jsonl"), b"{}\n").unwrap();
    // Alice sees her own.
    let q = UsageQuery::default();
    assert!(alice.api.usage("bart", None, &q).await.is_ok());
    assert!(
        alice
            .api
            .exporter_status("level0-1", "s3", false)
            .await
            .is_ok()
    );
    assert!(
        alice
            .api
            .read_object("files", None, "secret.jsonl", 0, None)
            .await
            .is_ok()
    );

    let bob = local.account("bob-observes@example.com").await;
    let status = |r: Result<(), strm_client::ClientError>| r.unwrap_err().status();
    let calls = [
        (
            "stream usage",
            status(bob.usage("bart", None, &q).await.map(drop)),
        ),
        (
            "output usage",
            status(bob.usage("bart", Some("level0-1"), &q).await.map(drop)),
        ),
        (
            "exporter status",
            status(bob.exporter_status("level0-1", "s3", false).await.map(drop)),
        ),
        (
            "objects",
            status(
                bob.list_objects("files", &ObjectQuery::default())
                    .await
                    .map(drop),
            ),
        ),
        (
            "an object",
            status(
                bob.read_object("files", None, "secret.jsonl", 0, None)
                    .await
                    .map(drop),
            ),
        ),
    ];
    for (what, got) in calls {
        assert_eq!(got, Some(404), "{what}");
    }
    let summary = bob.usage_summary(&q).await.unwrap();
    assert!(summary.usage.is_empty(), "{summary:?}");
    local.shutdown().await;
}
