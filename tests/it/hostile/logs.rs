//! At the most verbose level (`RUST_LOG=trace`) the log of a server carrying events to
//! a decrypted tail holds no event payload, secret, token or password.

use std::time::Duration;

use crate::support::{PASSWORD, Scenario, Served, send_click};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trace_level_log_with_egress_shows_no_payload_secret_or_token() {
    let (dir, served) = Served::with_user("traced@example.com", "trace");
    let s = Scenario::seed(&served.url, dir.path(), "tracer@example.com").await;
    let stream_token = s.client(&s.stream).id_token().await.unwrap();
    let output = s.client(&s.output);
    let output_token = output.id_token().await.unwrap();
    let mut tail = output.receive(true).await.unwrap();
    let sender = s.client(&s.stream);
    let marker = "pii-marker-7f3a9c";
    for n in 0..5 {
        send_click(
            &sender,
            &format!("{marker}-{n}"),
            &[0, 1],
            &format!("https://{marker}.io/{n}"),
        )
        .await;
    }
    for _ in 0..5 {
        let event = tokio::time::timeout(Duration::from_secs(10), tail.next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        // The output sees the session id decrypted: the payload is there to be logged.
        assert!(event.contains(&format!("{marker}-")), "{event}");
    }
    let session = s.api.session().await.unwrap();
    drop(tail);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let log = served.log();
    assert!(
        log.contains("TRACE") || log.contains("DEBUG"),
        "the log is verbose: {log}"
    );
    for (what, secret) in [
        ("an event payload", marker),
        ("the password", PASSWORD),
        (
            "the stream's client secret",
            s.stream.client_secret.as_deref().unwrap(),
        ),
        (
            "the output's client secret",
            s.output.client_secret.as_deref().unwrap(),
        ),
        ("an event token", &stream_token),
        ("an event token", &output_token),
        ("an id token", &session.id_token),
        ("a refresh token", &session.refresh_token),
    ] {
        assert!(!log.contains(secret), "{what} is in the trace log");
    }
}
