//! Accounts are isolated from each other: no account sees or touches another's resources.

use strm_client::ClientError;
use strm_model::{ConsentLevel, SinkType};

use crate::support::{LocalServer, api_status, exporter, output, s3_sink, stream};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accounts_cannot_see_or_touch_each_others_resources() {
    let local = LocalServer::start().await;
    let alice = local.account("alice@example.com").await;
    let bob = local.account("bob@example.com").await;
    alice.create_stream(&stream("bart")).await.unwrap();
    alice
        .create_output("bart", &output("out", &[0]))
        .await
        .unwrap();
    alice
        .create_sink(&s3_sink("sink", "bucket-one"))
        .await
        .unwrap();
    alice
        .create_exporter("out", &exporter("exp", "sink", 30))
        .await
        .unwrap();
    alice
        .create_consent_level(&ConsentLevel {
            id: 1,
            name: "analytics".into(),
        })
        .await
        .unwrap();

    assert!(bob.list_streams().await.unwrap().is_empty());
    assert!(bob.list_sinks().await.unwrap().is_empty());
    assert!(bob.list_exporters().await.unwrap().is_empty());
    assert!(bob.list_consent_levels().await.unwrap().is_empty());
    let not_found = |r: Result<(), ClientError>| assert_eq!(api_status(&r.unwrap_err()), 404);
    not_found(bob.get_stream("bart").await.map(drop));
    not_found(bob.list_outputs("bart").await.map(drop));
    not_found(bob.get_output("bart", "out").await.map(drop));
    not_found(bob.get_sink("sink", SinkType::S3).await.map(drop));
    not_found(bob.get_exporter("out", "exp", false).await.map(drop));
    not_found(bob.get_consent_level(1).await.map(drop));
    not_found(bob.delete_stream("bart", true).await);
    not_found(bob.delete_output("bart", "out", true).await);
    not_found(bob.delete_sink("sink", SinkType::S3).await);
    not_found(bob.delete_exporter("out", "exp", false).await);
    not_found(
        bob.create_output("bart", &output("mine", &[0]))
            .await
            .map(drop),
    );
    not_found(
        bob.create_exporter("out", &exporter("e", "sink", 30))
            .await
            .map(drop),
    );
    // Names are per account: bob may have his own "bart", and it is a different one.
    let bobs = bob.create_stream(&stream("bart")).await.unwrap();
    let alices = alice.get_stream("bart").await.unwrap();
    assert_ne!(bobs.credentials.client_id, alices.credentials.client_id);
    // Alice's resources are untouched.
    assert_eq!(alice.list_outputs("bart").await.unwrap().len(), 1);
    assert_eq!(alice.list_exporters().await.unwrap().len(), 1);
    assert_eq!(alice.list_sinks().await.unwrap().len(), 1);
    local.shutdown().await;
}
