//! Idle and slow connections are closed, connections are capped per address and in
//! total below the descriptor limit, and the server keeps answering within them.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use super::other_address;
use crate::support::{Served, raise_open_files_limit, strm_tui, wait_until};

const IDLE: usize = 2000;

/// `strm-tui serve` with an open-files limit of 1024, soft and hard, as on many machines.
fn serve_with_1024_descriptors(root: &std::path::Path, args: &[&str]) -> Served {
    let exe = strm_tui(root);
    let mut cmd = std::process::Command::new("sh");
    cmd.arg("-c")
        .arg("ulimit -Sn 1024 && ulimit -Hn 1024 && exec \"$0\" \"$@\"")
        .arg(exe.get_program())
        .args(["serve", "--addr", "127.0.0.1:0"])
        .args(args);
    for (k, v) in exe.get_envs() {
        match v {
            Some(v) => cmd.env(k, v),
            None => cmd.env_remove(k),
        };
    }
    Served::spawn(cmd, &[("RUST_LOG", "warn")], None)
}

/// A connection from `from` to the server that sends nothing.
async fn connect_from(
    from: std::net::IpAddr,
    to: SocketAddr,
) -> std::io::Result<tokio::net::TcpStream> {
    let socket = tokio::net::TcpSocket::new_v4()?;
    socket.bind(SocketAddr::new(from, 0))?;
    socket.connect(to).await
}

/// One `GET /is-alive` on a fresh connection from 127.0.0.1: how long the answer took.
fn is_alive(to: SocketAddr) -> Duration {
    let started = Instant::now();
    let mut s = TcpStream::connect_timeout(&to, Duration::from_secs(5)).expect("connects");
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.write_all(b"GET /is-alive HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).expect("answered");
    assert!(
        answer.starts_with("HTTP/1.1 200") && answer.ends_with("ok"),
        "{answer}"
    );
    started.elapsed()
}

/// Whether the server closed `s` (end of stream, or reset) within `within`.
fn closed_by_server(s: &mut TcpStream, within: Duration) -> bool {
    s.set_read_timeout(Some(within)).unwrap();
    let mut buf = [0u8; 4096];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return true,
            Err(_) => return false,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_thousand_idle_connections_from_one_address_do_not_lock_out_anyone_else() {
    use tokio::io::AsyncReadExt;
    raise_open_files_limit();
    let dir = tempfile::tempdir().unwrap();
    let served = serve_with_1024_descriptors(dir.path(), &[]);
    let to: SocketAddr = served.url.trim_start_matches("http://").parse().unwrap();
    let mut idle = Vec::new();
    for _ in 0..IDLE {
        if let Ok(s) = connect_from(other_address(), to).await {
            idle.push(s);
        }
    }
    // More than one address may hold (512), whatever this machine lets the test open.
    assert!(
        idle.len() > 600,
        "the connections were made: {}",
        idle.len()
    );
    // Connections over the per-address cap are answered 429 and closed at once.
    let mut answer = String::new();
    let last = idle.last_mut().unwrap();
    let _ = tokio::time::timeout(Duration::from_secs(5), last.read_to_string(&mut answer)).await;
    assert!(answer.starts_with("HTTP/1.1 429"), "{answer}");
    assert!(
        answer.contains("retry-after: 1") && answer.contains("\"code\":429"),
        "{answer}"
    );
    let mut times = Vec::new();
    for _ in 0..10 {
        times.push(
            tokio::task::spawn_blocking(move || is_alive(to))
                .await
                .unwrap(),
        );
    }
    times.sort();
    assert!(
        times[times.len() / 2] < Duration::from_millis(100),
        "/is-alive answers within 100 ms while {IDLE} idle connections are open: {times:?}"
    );
    drop(idle);
    drop(served);
}

#[test]
fn idle_and_slow_header_connections_are_closed_after_the_header_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let served = Served::start(
        dir.path(),
        &["--header-timeout", "2"],
        &[("RUST_LOG", "warn")],
    );
    let to: SocketAddr = served.url.trim_start_matches("http://").parse().unwrap();
    let started = Instant::now();
    // One that sends nothing, one that sends a header line every half second, one that
    // stays after a request (keep-alive).
    let mut silent = TcpStream::connect(to).unwrap();
    let mut slow = TcpStream::connect(to).unwrap();
    let mut kept = TcpStream::connect(to).unwrap();
    kept.write_all(b"GET /is-alive HTTP/1.1\r\nhost: x\r\n\r\n")
        .unwrap();
    let mut first = [0u8; 512];
    let n = kept.read(&mut first).unwrap();
    assert!(first[..n].starts_with(b"HTTP/1.1 200"));
    let dripping = std::thread::spawn(move || {
        let _ = slow.write_all(b"GET /is-alive HTTP/1.1\r\n");
        for n in 0..40 {
            std::thread::sleep(Duration::from_millis(500));
            if slow
                .write_all(format!("x-drip-{n}: 1\r\n").as_bytes())
                .is_err()
            {
                return (true, slow);
            }
        }
        (false, slow)
    });
    assert!(
        closed_by_server(&mut silent, Duration::from_secs(10)),
        "a silent connection is closed"
    );
    assert!(
        closed_by_server(&mut kept, Duration::from_secs(10)),
        "an idle keep-alive connection is closed"
    );
    let (write_failed, mut slow) = dripping.join().unwrap();
    assert!(
        write_failed || closed_by_server(&mut slow, Duration::from_secs(1)),
        "a client dripping headers is cut off"
    );
    assert!(
        started.elapsed() < Duration::from_secs(19),
        "{:?}",
        started.elapsed()
    );
    // And the server still answers.
    let answered = wait_until(Duration::from_secs(5), Duration::from_millis(100), || {
        Some(is_alive(to))
    });
    assert!(answered.is_some());
}
