//! The embedded local server: start-or-join, the local account, and the backend's connect.

use strm_client::ApiClient;
use strm_client::paths::Paths;
use strm_tui::local_server::{LOCAL_EMAIL, start_or_join};

use crate::support::stream;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_caller_joins_the_first_and_a_stale_server_file_is_taken_over() {
    let dir = tempfile::tempdir().unwrap();
    let server_dir = dir.path().join("server");
    let first = start_or_join(&server_dir).await.unwrap();
    assert!(first.handle.is_some());
    assert_eq!(first.account.email, LOCAL_EMAIL);
    let second = start_or_join(&server_dir).await.unwrap();
    assert!(second.handle.is_none(), "the second caller joins");
    assert_eq!(second.url, first.url);
    assert_eq!(second.account, first.account);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(server_dir.join("local-account.json"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // The local account works against the joined server.
    let client = ApiClient::new(&second.url).unwrap();
    client
        .login(&second.account.email, second.account.password.expose())
        .await
        .unwrap();
    client.create_stream(&stream("kept")).await.unwrap();

    // The first stops (as after a crash, server.json stays behind); the next caller
    // takes the free lock and starts a fresh server on the same database.
    let old_url = first.url.clone();
    first.handle.unwrap().shutdown().await;
    assert!(server_dir.join("server.json").exists());
    let third = start_or_join(&server_dir).await.unwrap();
    assert!(third.handle.is_some());
    assert_eq!(third.account, second.account);
    let client = ApiClient::new(&third.url).unwrap();
    client
        .login(&third.account.email, third.account.password.expose())
        .await
        .unwrap();
    assert_eq!(client.list_streams().await.unwrap()[0].name, "kept");
    assert_eq!(third.url, old_url, "the free previous port is reused");
    third.handle.unwrap().shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backend_connect_signs_in_to_the_local_server_without_a_prompt() {
    let dir = tempfile::tempdir().unwrap();
    let paths = Paths::under(dir.path());
    let backend = strm_tui::backend::connect(&paths, None).await.unwrap();
    assert!(backend.local);
    assert!(backend.runs_server());
    backend
        .client
        .create_stream(&stream("local-one"))
        .await
        .unwrap();
    // A second connect (another console) joins and reuses the stored session.
    let other = strm_tui::backend::connect(&paths, None).await.unwrap();
    assert!(!other.runs_server());
    assert_eq!(other.api_url, backend.api_url);
    assert_eq!(other.client.list_streams().await.unwrap().len(), 1);
    // With a URL, no server is started and the client uses that URL.
    let remote = strm_tui::backend::connect(&paths, Some(&backend.api_url))
        .await
        .unwrap();
    assert!(!remote.local);
    backend.shutdown().await;
}
