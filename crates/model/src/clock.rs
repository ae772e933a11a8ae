//! The one clock of the client and the server: the wall-clock time since the Unix epoch.

/// Milliseconds since the Unix epoch (0 for a clock set before it).
pub fn now_epoch_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}

/// Whole seconds since the Unix epoch.
pub fn now_epoch_secs() -> i64 {
    now_epoch_ms().div_euclid(1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_are_the_milliseconds_truncated() {
        let (secs, ms) = (now_epoch_secs(), now_epoch_ms());
        assert!(secs > 1_600_000_000, "{secs}");
        assert!(ms / 1000 - secs <= 1, "{ms} {secs}");
    }
}
