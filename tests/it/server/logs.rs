//! The server's log never holds a password, a token or a secret.

use std::io::Write;
use std::sync::{Arc, Mutex};

use crate::support::{LocalServer, PASSWORD, output, s3_sink, stream};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_password_token_or_secret_reaches_the_log() {
    let captured = Captured::default();
    let writer = captured.clone();
    // The only test in this binary that installs a subscriber; it sees every log
    // line of the server at the most verbose level.
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .init();
    let local = LocalServer::start().await;
    let api = local.account("quiet@example.com").await;
    let s = api.create_stream(&stream("bart")).await.unwrap();
    let used_token = api.session().await.unwrap().id_token;
    let o = api
        .create_output("bart", &output("out", &[0]))
        .await
        .unwrap();
    api.create_sink(&s3_sink("sink", "bucket-one"))
        .await
        .unwrap();
    let session = api.refresh().await.unwrap();
    let _ = api.login("quiet@example.com", "wrong password").await;
    api.login("quiet@example.com", PASSWORD).await.unwrap();
    local.shutdown().await;

    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        log.contains("/v1/streams"),
        "the log records requests: {log}"
    );
    for secret in [
        PASSWORD,
        "wrong password",
        "TOPSECRETKEY",
        &used_token,
        &session.id_token,
        &session.refresh_token,
        s.credentials.client_secret.as_deref().unwrap(),
        o.credentials.client_secret.as_deref().unwrap(),
    ] {
        assert!(!log.contains(secret), "{secret:?} is in the log");
    }
}
