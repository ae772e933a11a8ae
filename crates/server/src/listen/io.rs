//! One client connection's socket as hyper sees it: it holds the connection's place in
//! the limits (until the connection, or the websocket it became, closes), notes when the
//! client or the server last moved a byte (for the idle timeout), and gives hyper's own
//! error answers a JSON body (`error_heads`).

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::task::{Context, Poll, ready};
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

use super::error_heads::{HeadWatch, Step};
use super::limits::Admission;

/// When a connection last moved a byte, and whether the server ever answered on it.
pub struct Activity {
    opened: Instant,
    /// Milliseconds after `opened`.
    last_ms: AtomicU64,
    answered: AtomicBool,
}

impl Activity {
    pub fn new() -> Activity {
        Activity {
            opened: Instant::now(),
            last_ms: AtomicU64::new(0),
            answered: AtomicBool::new(false),
        }
    }

    fn touch(&self) {
        let ms = self.opened.elapsed().as_millis() as u64;
        self.last_ms.store(ms, Ordering::Relaxed);
    }

    /// When the connection last moved a byte (its opening if never).
    pub fn last(&self) -> Instant {
        self.opened + Duration::from_millis(self.last_ms.load(Ordering::Relaxed))
    }

    pub fn opened(&self) -> Instant {
        self.opened
    }

    /// Whether the server has written anything on it.
    pub fn answered(&self) -> bool {
        self.answered.load(Ordering::Relaxed)
    }
}

pub struct ConnIo {
    inner: TcpStream,
    activity: Arc<Activity>,
    heads: HeadWatch,
    /// Bytes to write before anything hyper offers next.
    pending: Vec<u8>,
    written: usize,
    _admission: Admission,
}

impl ConnIo {
    pub fn new(inner: TcpStream, admission: Admission, activity: Arc<Activity>) -> ConnIo {
        ConnIo {
            inner,
            activity,
            heads: HeadWatch::default(),
            pending: Vec::new(),
            written: 0,
            _admission: admission,
        }
    }

    fn wrote(&self) {
        self.activity.touch();
        self.activity.answered.store(true, Ordering::Relaxed);
    }

    /// Writes out `pending`.
    fn drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.written < self.pending.len() {
            let n =
                ready!(Pin::new(&mut self.inner).poll_write(cx, &self.pending[self.written..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.written += n;
            self.wrote();
        }
        self.pending.clear();
        self.written = 0;
        Poll::Ready(Ok(()))
    }
}

impl AsyncRead for ConnIo {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        ready!(Pin::new(&mut this.inner).poll_read(cx, buf))?;
        if buf.filled().len() > before {
            this.activity.touch();
        }
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for ConnIo {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        ready!(this.drain(cx))?;
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        match this.heads.step(buf, &mut this.pending) {
            Step::Direct(n) => {
                let n = ready!(Pin::new(&mut this.inner).poll_write(cx, &buf[..n]))?;
                this.heads.wrote_direct(n);
                this.wrote();
                Poll::Ready(Ok(n))
            }
            Step::Taken(n) => {
                // Sent now if the socket takes it, else by the next write or flush.
                if let Poll::Ready(Err(e)) = this.drain(cx) {
                    return Poll::Ready(Err(e));
                }
                Poll::Ready(Ok(n))
            }
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.drain(cx))?;
        Pin::new(&mut this.inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.drain(cx))?;
        Pin::new(&mut this.inner).poll_shutdown(cx)
    }

    // hyper then hands over each response in one buffer, which is what `error_heads`
    // reads heads from.
    fn is_write_vectored(&self) -> bool {
        false
    }
}
