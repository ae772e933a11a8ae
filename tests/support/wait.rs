//! Waiting for a condition instead of sleeping a fixed time.

use std::time::{Duration, Instant};

/// Polls until `check` returns Some, every 250 ms for up to `secs`; panics after.
pub async fn wait_for<T>(secs: u64, mut check: impl AsyncFnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(Instant::now() < deadline, "gave up after {secs} s");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Polls `check` every `every` until it returns Some, for up to `within`; `None` when it
/// never did, so that the caller can say what it saw instead.
pub fn wait_until<T>(
    within: Duration,
    every: Duration,
    mut check: impl FnMut() -> Option<T>,
) -> Option<T> {
    let deadline = Instant::now() + within;
    loop {
        if let Some(v) = check() {
            return Some(v);
        }
        if Instant::now() > deadline {
            return None;
        }
        std::thread::sleep(every);
    }
}
