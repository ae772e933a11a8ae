//! `demo` sets up the seed's scenario and sends; the simulator sends with the saved secrets.

use strm_client::paths::Paths;
use strm_model::ConsentLevelType;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_sets_up_the_seed_scenario_and_the_simulator_uses_saved_secrets() {
    use strm_client::secrets::SecretStore;
    use strm_tui::simulate::{DemoArgs, SimulateArgs, demo, simulate_command};
    let dir = tempfile::tempdir().unwrap();
    let paths = Paths::under(dir.path());
    let mut out = Vec::new();
    let report = demo(
        &paths,
        &DemoArgs {
            rate: 500.0,
            count: Some(20),
        },
        &mut out,
    )
    .await
    .unwrap();
    assert_eq!((report.sent, report.rejected), (20, 0));
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("demo ready on http://127.0.0.1:"), "{text}");
    assert!(text.ends_with("20 events sent to bart\n"), "{text}");

    // Run again: everything exists, the saved secrets are reused.
    let mut out = Vec::new();
    demo(
        &paths,
        &DemoArgs {
            rate: 500.0,
            count: Some(5),
        },
        &mut out,
    )
    .await
    .unwrap();
    let args = SimulateArgs {
        stream: "bart".into(),
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
    let report = simulate_command(&paths, None, &args, &mut Vec::new())
        .await
        .unwrap();
    assert_eq!(report.sent, 7);

    let backend = strm_tui::backend::connect(&paths, None).await.unwrap();
    let outputs = backend.client.list_outputs("bart").await.unwrap();
    assert_eq!(outputs[0].name, "level0-1");
    assert_eq!(outputs[0].consent_level_type, ConsentLevelType::Granular);
    assert_eq!(outputs[0].consent_levels, vec![0, 1]);
    let exporters = backend.client.list_exporters().await.unwrap();
    assert_eq!(exporters.len(), 1);
    assert_eq!(
        (
            exporters[0].linked_stream.as_str(),
            exporters[0].interval_secs
        ),
        ("level0-1", 30)
    );
    let billing = backend.client.session().await.unwrap().billing_id;
    let secrets = SecretStore::new(&paths);
    let saved = |name: &str| secrets.get(&backend.api_url, &billing, name).unwrap();
    assert!(saved("bart").is_some() && saved("level0-1").is_some());
    backend.shutdown().await;
    // Every event the two demos and the simulator sent is stored, once.
    let store =
        strm_server::dataplane::DataStore::open(&paths.server_dir().join("strm.db")).unwrap();
    assert_eq!(store.event_count(&billing, "bart"), 32);
}
