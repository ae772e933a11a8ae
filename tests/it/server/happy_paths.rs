//! The seed's sequence through the API client, and exporters under their three route
//! families.

use reqwest::StatusCode;
use serde_json::json;
use strm_model::{ConsentLevel, ConsentLevelType, SinkType};

use super::raw::{Raw, refused};
use crate::support::Says::Has;
use crate::support::{LocalServer, api_status, exporter, output, s3_sink, stream};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_seed_sequence_through_the_api_client() {
    let local = LocalServer::start().await;
    let api = local.account("strm-bart@example.com").await;

    let me = api.session().await.unwrap();
    assert!(me.billing_id.starts_with("strmbart"));
    assert_eq!(me.billing_id.len(), "strmbart".len() + 10);

    assert!(api.list_streams().await.unwrap().is_empty());
    let created = api.create_stream(&stream("bart")).await.unwrap();
    let creds = &created.credentials;
    assert_eq!(creds.client_id.len(), 30);
    assert!(
        creds
            .client_id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
    );
    assert_eq!(creds.client_secret.as_ref().unwrap().len(), 30);
    // The secret is shown once: never in a list or a read.
    let listed = api.list_streams().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].credentials.client_secret, None);
    assert_eq!(listed[0].credentials.client_id, creds.client_id);
    assert_eq!(
        api.get_stream("bart")
            .await
            .unwrap()
            .credentials
            .client_secret,
        None
    );

    let out = api
        .create_output("bart", &output("level0-1", &[1, 0, 1]))
        .await
        .unwrap();
    assert_eq!(out.linked_stream, "bart");
    assert_eq!(out.consent_levels, vec![0, 1]);
    assert_eq!(out.consent_level_type, ConsentLevelType::Granular);
    assert_eq!(out.decrypter_name, "default");
    assert!(out.credentials.client_secret.is_some());
    assert_ne!(out.credentials.client_id, creds.client_id);
    let outs = api.list_outputs("bart").await.unwrap();
    assert_eq!(outs.len(), 1);
    assert_eq!(outs[0].credentials.client_secret, None);
    assert_eq!(
        api.get_output("bart", "level0-1").await.unwrap().name,
        "level0-1"
    );
    // Outputs are not streams.
    assert_eq!(api.list_streams().await.unwrap().len(), 1);

    let sink = api
        .create_sink(&s3_sink("s3-bart", "bvandeenen-streammachine-bucket"))
        .await
        .unwrap();
    assert_eq!(sink.bucket_name, "bvandeenen-streammachine-bucket");
    // PUT of an existing name and type replaces it.
    api.create_sink(&s3_sink("s3-bart", "other-bucket"))
        .await
        .unwrap();
    let sinks = api.list_sinks().await.unwrap();
    assert_eq!(sinks.len(), 1);
    assert_eq!(sinks[0].bucket_name, "other-bucket");
    assert_eq!(
        api.get_sink("s3-bart", SinkType::S3)
            .await
            .unwrap()
            .bucket_name,
        "other-bucket"
    );
    assert_eq!(
        api_status(&api.get_sink("s3-bart", SinkType::Gcloud).await.unwrap_err()),
        404
    );

    let exp = api
        .create_exporter("level0-1", &exporter("s3", "s3-bart", 30))
        .await
        .unwrap();
    assert_eq!(
        serde_json::to_value(&exp).unwrap(),
        json!({"name": "s3", "linkedStream": "level0-1", "sinkName": "s3-bart",
            "sinkType": "S3", "intervalSecs": 30, "type": "BATCH", "pathPrefix": "level01"})
    );
    // A key exporter of the same name is a separate exporter.
    let mut keys = exporter("s3", "s3-bart", 60);
    keys.export_keys = true;
    assert!(
        api.create_exporter("level0-1", &keys)
            .await
            .unwrap()
            .export_keys
    );
    assert_eq!(api.list_exporters().await.unwrap().len(), 2);
    assert_eq!(
        api.get_exporter("level0-1", "s3", true)
            .await
            .unwrap()
            .interval_secs,
        60
    );
    assert_eq!(
        api.get_exporter("level0-1", "s3", false)
            .await
            .unwrap()
            .interval_secs,
        30
    );

    let named = api
        .create_consent_level(&ConsentLevel {
            id: 0,
            name: "necessary".into(),
        })
        .await
        .unwrap();
    assert_eq!(named.name, "necessary");
    api.create_consent_level(&ConsentLevel {
        id: 0,
        name: "essential".into(),
    })
    .await
    .unwrap();
    assert_eq!(
        api.list_consent_levels().await.unwrap(),
        vec![ConsentLevel {
            id: 0,
            name: "essential".into()
        }]
    );
    assert_eq!(api.get_consent_level(0).await.unwrap().name, "essential");
    api.delete_consent_level(0).await.unwrap();
    assert_eq!(
        api_status(&api.get_consent_level(0).await.unwrap_err()),
        404
    );

    api.delete_exporter("level0-1", "s3", true).await.unwrap();
    api.delete_exporter("level0-1", "s3", false).await.unwrap();
    assert!(api.list_exporters().await.unwrap().is_empty());
    api.delete_sink("s3-bart", SinkType::S3).await.unwrap();
    assert!(api.list_sinks().await.unwrap().is_empty());
    api.delete_output("bart", "level0-1", false).await.unwrap();
    api.delete_stream("bart", false).await.unwrap();
    assert!(api.list_streams().await.unwrap().is_empty());
    local.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exporters_answer_under_all_three_route_families() {
    let local = LocalServer::start().await;
    let api = local.account("fam@example.com").await;
    api.create_stream(&stream("bart")).await.unwrap();
    api.create_output("bart", &output("level0-1", &[0]))
        .await
        .unwrap();
    api.create_sink(&s3_sink("s3-bart", "bucket-one"))
        .await
        .unwrap();
    let raw = Raw::for_client(&api).await;
    let body = |name: &str| {
        json!({"name": name, "sinkName": "s3-bart", "sinkType": "S3", "intervalSecs": 30,
            "type": "BATCH", "exportKeys": false})
    };

    let (st, v) = raw
        .json("PUT", "/v1/streams/bart/exporters", body("on-stream"))
        .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["linkedStream"], "bart");
    let (st, v) = raw
        .json(
            "PUT",
            "/v1/streams/bart/outputs/level0-1/exporters",
            body("on-output"),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["linkedStream"], "level0-1");

    let (st, v) = raw.send("GET", "/v1/streams/bart/exporters", None).await;
    assert_eq!((st, v.as_array().unwrap().len()), (StatusCode::OK, 1));
    let (st, v) = raw.send("GET", "/v1/exporters/level0-1", None).await;
    assert_eq!(
        (st, v[0]["name"].clone()),
        (StatusCode::OK, json!("on-output"))
    );
    for (path, name) in [
        (
            "/v1/streams/bart/outputs/level0-1/exporters/on-output",
            "on-output",
        ),
        (
            "/v1/streams/bart/exporters/on-stream?exportKeys=false",
            "on-stream",
        ),
    ] {
        let (st, v) = raw.send("GET", path, None).await;
        assert_eq!(
            (st, v["name"].clone()),
            (StatusCode::OK, json!(name)),
            "{path}"
        );
    }
    // The output route checks that the output belongs to that stream.
    refused(vec![(
        "an output under another stream",
        &raw,
        "GET",
        "/v1/streams/level0-1/outputs/level0-1/exporters",
        None,
        404,
        &[Has("level0-1")],
    )])
    .await;

    for path in [
        "/v1/streams/bart/outputs/level0-1/exporters/on-output",
        "/v1/streams/bart/exporters/on-stream",
    ] {
        let (st, _) = raw.send("DELETE", path, None).await;
        assert_eq!(st, 204, "{path}");
    }
    assert!(api.list_exporters().await.unwrap().is_empty());
    local.shutdown().await;
}
