//! The server's log never holds a password, a token, a secret or a data subject's id.

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
    // A person's id is personal data: forgetting them is logged as a count.
    crate::contracts::register_checkout(&api).await;
    let billing_id = api.session().await.unwrap().billing_id;
    let sender = strm_client::events::EventClient::new(
        strm_client::events::EventHosts::single(&local.url()).unwrap(),
        strm_model::EventAuthRequest {
            billing_id,
            client_id: s.credentials.client_id.clone(),
            client_secret: s.credentials.client_secret.clone().unwrap(),
        },
    )
    .unwrap();
    let person = "forget-me-7731";
    let event = crate::contracts::checkout("s-1", person, &[0]);
    sender
        .send_json("acme/checkout/1.0.0", &event)
        .await
        .unwrap();
    api.delete_data_subjects(&[person.to_string()])
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
    assert!(
        log.contains("data subjects deleted"),
        "the deletion is logged as a count: {log}"
    );
    for secret in [
        "forget-me-7731",
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
