//! Ports on 127.0.0.1 for the peers a test starts itself.

use super::wait_for;

/// A port nothing listens on (the OS's pick, released at once).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Waits up to 30 s until something accepts connections on `port`.
pub async fn wait_listening(port: u16) {
    wait_for(30, async || {
        tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .ok()
            .map(|_| ())
    })
    .await;
}
