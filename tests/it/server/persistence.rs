//! A restart on the same data directory keeps every resource and the billing id.

use strm_client::ApiClient;
use strm_model::{ConsentLevel, Exporter, Output, Sink, Stream};

use crate::support::{LocalServer, PASSWORD, seed_resources};

/// Every resource of `api`'s account.
async fn everything(
    api: &ApiClient,
) -> (
    Vec<Stream>,
    Vec<Output>,
    Vec<Sink>,
    Vec<Exporter>,
    Vec<ConsentLevel>,
) {
    (
        api.list_streams().await.unwrap(),
        api.list_outputs("bart").await.unwrap(),
        api.list_sinks().await.unwrap(),
        api.list_exporters().await.unwrap(),
        api.list_consent_levels().await.unwrap(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_on_the_same_data_dir_keeps_every_resource() {
    let local = LocalServer::start().await;
    let api = local.account("keep@example.com").await;
    let billing = api.session().await.unwrap().billing_id;
    let s = seed_resources(&api).await;
    api.create_consent_level(&ConsentLevel {
        id: 0,
        name: "necessary".into(),
    })
    .await
    .unwrap();
    let before = everything(&api).await;

    let local = local.restart().await;
    let api = ApiClient::new(&local.url()).unwrap();
    let again = api.login("keep@example.com", PASSWORD).await.unwrap();
    assert_eq!(again.billing_id, billing, "the billing id is stable");
    let after = everything(&api).await;
    assert_eq!(before, after);
    assert_eq!(after.0[0].credentials.client_id, s.credentials.client_id);
    local.shutdown().await;
}
