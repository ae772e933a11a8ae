//! A live tail that falls behind is told: what it received is an unbroken run of the
//! stream's events, then the server closes it with 1013 and the number of events it did
//! not get; `GET /v1/nodes` counts them.

use std::time::Duration;

use futures::StreamExt;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use crate::server::raw::Raw;
use crate::support::{LocalServer, click};

/// Events sent, one after the other, while the tail does not read: far more than the
/// server buffers (16 here) plus what the websocket's write buffer (1 MiB) and the
/// sockets between them hold, whatever the machine's speed.
const SENT: usize = 2000;
/// Each event's url carries this many bytes more, so that what was sent (about 4 MB)
/// cannot fit in those buffers: with short events 2,000 of them did, on a loaded machine.
const PADDING: usize = 2000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tail_that_falls_behind_is_closed_with_the_count_it_missed() {
    let local = LocalServer::start_with(|c| c.egress_buffer = 16).await;
    let s = local.seed("behind@example.com").await;
    let token = s.client(&s.output).id_token().await.unwrap();
    let mut request = format!("{}/ws?asJson=true", local.url().replace("http://", "ws://"))
        .into_client_request()
        .unwrap();
    request
        .headers_mut()
        .insert("Authorization", format!("Bearer {token}").parse().unwrap());
    // A small receive buffer: the socket holds little of what the server sends.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let stream = socket.connect(local.server.addr()).await.unwrap();
    let (mut ws, _) = tokio_tungstenite::client_async(request, stream)
        .await
        .unwrap();

    let sender = s.client(&s.stream);
    let padding = "x".repeat(PADDING);
    for n in 0..SENT {
        let e = click(
            &format!("s{}", n % 50),
            &[0, 1],
            &format!("https://a.io/{n}/{padding}"),
        );
        sender.send_json("clickstream", &e).await.unwrap();
    }

    // Now it reads: an unbroken run from the first event on, then the close.
    let mut received = 0usize;
    let reason = loop {
        match tokio::time::timeout(Duration::from_secs(20), ws.next()).await {
            Ok(Some(Ok(Message::Text(text)))) => {
                let expected = format!("\"https://a.io/{received}/x");
                assert!(
                    text.contains(&expected),
                    "event {received} comes next: {text}"
                );
                received += 1;
            }
            Ok(Some(Ok(Message::Close(Some(frame))))) => {
                assert_eq!(frame.code, CloseCode::Again, "{frame:?}");
                break frame.reason.to_string();
            }
            Ok(Some(Ok(_))) => {}
            other => panic!("the tail ended without saying why after {received} events: {other:?}"),
        }
    };
    let dropped: u64 = reason
        .strip_prefix("fell behind: ")
        .and_then(|r| r.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("the reason counts the events: {reason}"));
    assert!(
        dropped > 0 && received < SENT,
        "{received} received, {dropped} dropped"
    );

    let raw = Raw::for_client(&s.api).await;
    let (status, nodes) = raw.send("GET", "/v1/nodes", None).await;
    assert_eq!(status, 200, "{nodes}");
    let egress = &nodes["nodes"][0]["egress"];
    assert_eq!(egress["droppedEvents"], dropped, "{nodes}");
    assert_eq!(egress["tailsClosedBehind"], 1, "{nodes}");
    // Another account sees none of it.
    let other = local.account("bystander@example.com").await;
    let (_, theirs) = Raw::for_client(&other)
        .await
        .send("GET", "/v1/nodes", None)
        .await;
    assert_eq!(theirs["nodes"][0]["egress"]["droppedEvents"], 0, "{theirs}");
    local.shutdown().await;
}
