//! Accepting connections and serving HTTP on them, within limits: a client has
//! `header_timeout` to send a request's headers, and a connection that moves no byte for
//! that long is closed (keep-alive, HTTP/2 and connections that never send anything
//! alike); connections are capped per client address and in total, below the descriptor
//! limit, which is raised to its hard maximum at start. Websockets keep their connection's
//! place until they close.

mod error_heads;
mod io;
pub mod limits;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tower::Service;

use self::io::{Activity, ConnIo};
use self::limits::{Admission, Limits, Refusal};
use strm_model::ErrorBody;

/// The most bytes of request headers (and of the read buffer that holds them).
pub const MAX_HEAD_BYTES: usize = 64 * 1024;
/// The most request headers.
pub const MAX_HEADERS: usize = 100;
/// Concurrent requests on one HTTP/2 connection.
const MAX_STREAMS: u32 = 128;

/// How long connections may stay, and how many.
#[derive(Debug, Clone)]
pub struct ConnectionLimits {
    /// Time to send a request's headers, and the longest a connection may be idle.
    pub header_timeout: Duration,
    /// Connections at once; `None`: as many as the descriptor limit allows.
    pub max_connections: Option<usize>,
    /// Connections at once from one client address.
    pub max_connections_per_address: usize,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            header_timeout: Duration::from_secs(30),
            max_connections: None,
            max_connections_per_address: 512,
        }
    }
}

/// Raises the soft limit of open descriptors to the hard one; the limit now in force.
pub fn raise_descriptor_limit() -> u64 {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    match getrlimit(Resource::RLIMIT_NOFILE) {
        Ok((soft, hard)) if soft < hard => match setrlimit(Resource::RLIMIT_NOFILE, hard, hard) {
            Ok(()) => hard,
            Err(e) => {
                tracing::warn!(error = %e, soft, hard, "cannot raise the open-files limit");
                soft
            }
        },
        Ok((soft, _)) => soft,
        Err(e) => {
            tracing::warn!(error = %e, "cannot read the open-files limit; assuming 1024");
            1024
        }
    }
}

/// The caps for `limits` under the descriptor limit now in force.
pub fn caps(limits: &ConnectionLimits) -> Arc<Limits> {
    let ceiling = Limits::total_for(raise_descriptor_limit());
    let total = limits.max_connections.map_or(ceiling, |n| n.min(ceiling));
    Limits::new(total, limits.max_connections_per_address)
}

/// Serves `app` on `listener` until `stop` resolves; then stops accepting, lets open
/// requests finish (for up to `grace`) and returns.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    settings: ConnectionLimits,
    caps: Arc<Limits>,
    stop: impl std::future::Future<Output = ()>,
    grace: Duration,
) {
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(settings.header_timeout)
        .max_buf_size(MAX_HEAD_BYTES)
        .max_headers(MAX_HEADERS);
    builder
        .http2()
        .timer(TokioTimer::new())
        // Websockets over HTTP/2 (RFC 8441), as axum serves them.
        .enable_connect_protocol()
        .max_concurrent_streams(MAX_STREAMS)
        .max_header_list_size(MAX_HEAD_BYTES as u32);
    let builder = Arc::new(builder);
    let (stopping, stopped) = watch::channel(false);
    let refusals = Refusals::default();
    tokio::pin!(stop);
    loop {
        let (stream, peer) = tokio::select! {
            _ = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    accept_failed(e).await;
                    continue;
                }
            },
        };
        let admission = match caps.admit(peer.ip()) {
            Ok(a) => a,
            Err(refusal) => {
                refusals.note(peer, refusal);
                refuse(&stream, refusal);
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        tokio::spawn(connection(
            stream,
            peer,
            admission,
            app.clone(),
            builder.clone(),
            settings.header_timeout,
            stopped.clone(),
        ));
    }
    drop(listener);
    let _ = stopping.send(true);
    let deadline = tokio::time::Instant::now() + grace;
    while caps.open() > 0 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Serves one connection until it ends, is idle for `timeout`, or the server stops.
async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    admission: Admission,
    app: Router,
    builder: Arc<Builder<TokioExecutor>>,
    timeout: Duration,
    mut stopping: watch::Receiver<bool>,
) {
    let activity = Arc::new(Activity::new());
    let io = TokioIo::new(ConnIo::new(stream, admission, activity.clone()));
    let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
        // Handlers that slow down by client address (sign-in) read it here.
        req.extensions_mut().insert(ConnectInfo(peer));
        let mut app = app.clone();
        app.call(req.map(Body::new))
    });
    let conn = builder.serve_connection_with_upgrades(io, service);
    tokio::pin!(conn);
    // Once closing, a connection gets `timeout` more to finish what it was answering.
    let mut closing: Option<tokio::time::Instant> = None;
    loop {
        let check = match closing {
            Some(at) => at,
            None if activity.answered() => (activity.last() + timeout).into(),
            None => (activity.opened() + timeout)
                .min(activity.last() + timeout)
                .into(),
        };
        tokio::select! {
            _ = conn.as_mut() => break,
            changed = stopping.changed(), if closing.is_none() => {
                if changed.is_err() || *stopping.borrow() {
                    conn.as_mut().graceful_shutdown();
                    closing = Some(tokio::time::Instant::now() + timeout);
                }
            }
            _ = tokio::time::sleep_until(check) => {
                if closing.is_some() {
                    break;
                }
                let now = std::time::Instant::now();
                let idle = now.duration_since(activity.last()) >= timeout;
                // A client that never completes a first request (say, a slow HTTP/2
                // preface) is idle as far as the server is concerned.
                let unanswered = !activity.answered() && now.duration_since(activity.opened()) >= timeout;
                if idle || unanswered {
                    conn.as_mut().graceful_shutdown();
                    closing = Some(tokio::time::Instant::now() + timeout);
                }
            }
        }
    }
}

/// Accept fails when the process is out of descriptors (the caps keep a reserve, but
/// other processes share the system's): wait a moment instead of spinning.
async fn accept_failed(e: std::io::Error) {
    use std::io::ErrorKind::*;
    if matches!(e.kind(), ConnectionAborted | ConnectionReset | Interrupted) {
        return;
    }
    tracing::warn!(error = %e, "accepting a connection failed");
    tokio::time::sleep(Duration::from_millis(100)).await;
}

/// Answers a connection over the caps and closes it; the answer is sent only if the
/// socket takes it at once (a refused client gets no more of the server's time).
fn refuse(stream: &TcpStream, refusal: Refusal) {
    let (status, message) = match refusal {
        Refusal::PerAddress(n) => (
            429,
            format!(
                "connection: this client address holds {n} connections to the server, the \
                 most one address may (serve --max-connections-per-address); close some \
                 and try again"
            ),
        ),
        Refusal::Total(n) => (
            503,
            format!(
                "connection: the server holds {n} connections, the most it can (serve \
                 --max-connections and the open-files limit); try again shortly"
            ),
        ),
    };
    let body = serde_json::to_string(&ErrorBody::new(status, message)).unwrap_or_default();
    let answer = format!(
        "HTTP/1.1 {status} {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
         retry-after: 1\r\nconnection: close\r\n\r\n{body}",
        strm_model::reason_phrase(status),
        body.len()
    );
    let _ = stream.try_write(answer.as_bytes());
}

/// Counts refused connections and logs them at most once a second.
#[derive(Default)]
struct Refusals {
    count: AtomicU64,
    last_log_secs: AtomicU64,
}

impl Refusals {
    fn note(&self, peer: SocketAddr, refusal: Refusal) {
        let count = self.count.fetch_add(1, Ordering::Relaxed) + 1;
        let now = strm_model::now_epoch_secs() as u64;
        if self.last_log_secs.swap(now, Ordering::Relaxed) != now {
            tracing::warn!(client = %peer.ip(), ?refusal, refused_so_far = count, "connection refused: over the connection limits");
        }
    }
}
