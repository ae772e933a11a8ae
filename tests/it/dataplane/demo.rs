//! `demo` sets up its own resources and sends, leaving the user's alone; the simulator
//! sends with the saved secrets.

use strm_client::paths::Paths;
use strm_model::ConsentLevelType;
use strm_tui::demo::{DEMO_BUCKET, DemoArgs, demo};
use strm_tui::simulate::{SimulateArgs, simulate_command};

use crate::support::{s3_sink, stream};

fn args(count: u64) -> DemoArgs {
    DemoArgs {
        rate: 500.0,
        count: Some(count),
        prefix: "demo".into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_sets_up_its_own_scenario_and_the_simulator_uses_saved_secrets() {
    use strm_client::secrets::SecretStore;
    let dir = tempfile::tempdir().unwrap();
    let paths = Paths::under(dir.path());
    // The user's own seed resources, one of them a sink the old demo used to repoint.
    {
        let backend = strm_tui::backend::connect(&paths, None).await.unwrap();
        let api = &backend.client;
        api.create_stream(&stream("bart")).await.unwrap();
        api.create_sink(&s3_sink("s3-bart", "users-own-bucket"))
            .await
            .unwrap();
        backend.shutdown().await;
    }
    let mut out = Vec::new();
    let report = demo(&paths, &args(20), &mut out).await.unwrap();
    assert_eq!((report.sent, report.rejected), (20, 0));
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("demo ready on http://127.0.0.1:"), "{text}");
    assert!(text.ends_with("20 events sent to demo-clicks\n"), "{text}");

    // Run again: everything exists, the saved secrets are reused.
    demo(&paths, &args(5), &mut Vec::new()).await.unwrap();
    let sim = SimulateArgs {
        stream: "demo-clicks".into(),
        rate: 500.0,
        count: Some(7),
        schema: "clickstream".into(),
        contract: None,
        file: None,
        client_id: None,
        client_secret: None,
        json: true,
        events_url: None,
    };
    let report = simulate_command(&paths, None, &sim, &mut Vec::new())
        .await
        .unwrap();
    assert_eq!(report.sent, 7);

    let backend = strm_tui::backend::connect(&paths, None).await.unwrap();
    let api = &backend.client;
    let outputs = api.list_outputs("demo-clicks").await.unwrap();
    assert_eq!(outputs[0].name, "demo-level0-1");
    assert_eq!(outputs[0].consent_level_type, ConsentLevelType::Granular);
    assert_eq!(outputs[0].consent_levels, vec![0, 1]);
    let exporters = api.list_exporters().await.unwrap();
    assert_eq!(exporters.len(), 1);
    assert_eq!(
        (
            exporters[0].linked_stream.as_str(),
            exporters[0].sink_name.as_str(),
            exporters[0].interval_secs
        ),
        ("demo-level0-1", "demo-sink", 30)
    );
    // The user's sink still points where the user pointed it, with its credentials.
    let sink = api
        .get_sink("s3-bart", strm_model::SinkType::S3)
        .await
        .unwrap();
    assert_eq!(sink.bucket_name, "users-own-bucket");
    let demo_sink = api
        .get_sink("demo-sink", strm_model::SinkType::S3)
        .await
        .unwrap();
    assert_eq!(demo_sink.bucket_name, DEMO_BUCKET);
    assert!(api.list_outputs("bart").await.unwrap().is_empty());
    let billing = api.session().await.unwrap().billing_id;
    let secrets = SecretStore::new(&paths);
    let saved = |name: &str| secrets.get(&backend.api_url, &billing, name).unwrap();
    assert!(saved("demo-clicks").is_some() && saved("demo-level0-1").is_some());
    backend.shutdown().await;
    // Every event the two demos and the simulator sent is stored, once; none went to
    // the user's stream.
    let server = paths.server_dir().join("strm.db");
    let store = strm_server::dataplane::DataStore::open(&server).unwrap();
    assert_eq!(store.event_count(&billing, "demo-clicks"), 32);
    assert_eq!(store.event_count(&billing, "bart"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_demo_name_taken_by_the_users_resource_stops_the_demo_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let paths = Paths::under(dir.path());
    {
        let backend = strm_tui::backend::connect(&paths, None).await.unwrap();
        backend
            .client
            .create_sink(&s3_sink("demo-sink", "users-own-bucket"))
            .await
            .unwrap();
        backend.shutdown().await;
    }
    let err = demo(&paths, &args(1), &mut Vec::new())
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("S3 sink demo-sink exists and is not the demo's")
            && err.contains("users-own-bucket")
            && err.contains("--prefix"),
        "{err}"
    );
    // With another prefix the demo runs beside the user's sink.
    let mine = DemoArgs {
        prefix: "trial".into(),
        ..args(3)
    };
    let report = demo(&paths, &mine, &mut Vec::new()).await.unwrap();
    assert_eq!(report.sent, 3);
    let backend = strm_tui::backend::connect(&paths, None).await.unwrap();
    let sink = backend
        .client
        .get_sink("demo-sink", strm_model::SinkType::S3)
        .await
        .unwrap();
    assert_eq!(sink.bucket_name, "users-own-bucket");
    assert_eq!(
        backend.client.list_streams().await.unwrap()[0].name,
        "trial-clicks"
    );
    backend.shutdown().await;
}
