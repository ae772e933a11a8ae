//! `/ws` takes nothing from the client: any data closes the tail, and a message over the
//! tiny limit is refused without being buffered.

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use crate::support::{Scenario, Served};

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

const BIG: usize = 16 * 1024 * 1024;
const CLIENTS: usize = 8;
/// What the server may grow by while eight clients each send 16 MiB.
const GROWTH_CAP_MIB: u64 = 32;

async fn tail(url: &str, token: &str) -> Ws {
    let mut request = format!("{}/ws?asJson=true", url.replace("http://", "ws://"))
        .into_client_request()
        .unwrap();
    request
        .headers_mut()
        .insert("Authorization", format!("Bearer {token}").parse().unwrap());
    tokio_tungstenite::connect_async(request).await.unwrap().0
}

/// How the server ended the tail: its close code, or `None` when it dropped the
/// connection; panics when it did neither within 10 s.
async fn ended(ws: &mut Ws) -> Option<CloseCode> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        match tokio::time::timeout_at(deadline, ws.next()).await {
            Err(_) => panic!("the server kept the tail open"),
            Ok(Some(Ok(Message::Close(frame)))) => return frame.map(|f| f.code),
            Ok(Some(Ok(_))) => continue,
            Ok(Some(Err(_)) | None) => return None,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_from_the_client_closes_the_tail_and_16_mib_messages_are_not_buffered() {
    let dir = tempfile::tempdir().unwrap();
    let served = Served::start(dir.path(), &[], &[("RUST_LOG", "warn")]);
    let s = Scenario::seed(&served.url, dir.path(), "ws@example.com").await;
    let token = s.client(&s.output).id_token().await.unwrap();

    let mut chatty = tail(&served.url, &token).await;
    chatty.send(Message::text("hello")).await.unwrap();
    assert_eq!(ended(&mut chatty).await, Some(CloseCode::Policy));

    let (before, peak_before) = served.memory_mib();
    let big = vec![b'x'; BIG];
    let senders: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let (url, token, big) = (served.url.clone(), token.clone(), big.clone());
            tokio::spawn(async move {
                let mut ws = tail(&url, &token).await;
                // The server may cut the connection before all of it is sent.
                let _ = ws.send(Message::binary(big)).await;
                ended(&mut ws).await
            })
        })
        .collect();
    for sender in senders {
        let code = sender.await.unwrap();
        assert!(
            matches!(code, None | Some(CloseCode::Size)),
            "a 16 MiB message ends the tail: {code:?}"
        );
    }
    let (after, peak) = served.memory_mib();
    eprintln!(
        "{CLIENTS} x 16 MiB messages: resident {before} MiB before, {after} MiB after, peak {peak} MiB (before: {peak_before} MiB)"
    );
    assert!(
        peak <= peak_before.max(before) + GROWTH_CAP_MIB,
        "memory stays flat: {before} MiB before, {after} MiB after, peak {peak} MiB"
    );

    // The server keeps serving tails.
    let mut fresh = tail(&served.url, &token).await;
    let sender = s.client(&s.stream);
    crate::support::send_click(&sender, "after", &[0, 1], "https://a.io/after").await;
    let event = tokio::time::timeout(Duration::from_secs(10), fresh.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert!(
        event.to_text().unwrap().contains("https://a.io/after"),
        "{event}"
    );
}
