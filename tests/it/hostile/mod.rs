//! The server under hostile and heavy load, as an attacker or a heavy user would run it
//! against the real `strm-tui serve` on 127.0.0.1: floods of failed sign-ins, idle and
//! slow connections, oversized websocket messages, secrets at rest and in the log,
//! buckets of other accounts, and a fuzzer over the published contract. Every load is
//! bounded in count and time.

mod buckets;
mod connections;
mod egress;
mod fuzz;
mod logins;
mod logs;
mod secrets;
mod websockets;

use std::net::IpAddr;

/// A second loopback address: "another client" as the server sees it.
pub fn other_address() -> IpAddr {
    IpAddr::from([127, 0, 0, 2])
}

/// An HTTP client whose connections come from `from`.
pub fn http_from(from: IpAddr) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(from)
        .build()
        .unwrap()
}
