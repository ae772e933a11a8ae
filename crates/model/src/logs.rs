//! The one rule of what may reach a log below `info`: only strm-tui's own code. Libraries
//! log request heads, websocket frames (decrypted events included) and connection details
//! at `debug` and `trace`; whatever `RUST_LOG` or `STRM_TUI_LOG` asks for, they stay at
//! `info` and above, so that no level shows event payloads, secrets or tokens.

/// Whether a log target may emit `debug` and `trace` records.
pub fn verbose_allowed(target: &str) -> bool {
    // `tower_http::trace` is the request span's own events: method, path, status, latency.
    target.starts_with("strm_") || target.starts_with("tower_http::trace")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_our_own_targets_are_verbose() {
        for ours in [
            "strm_server::dataplane::egress",
            "strm_tui",
            "strm_console::worker",
        ] {
            assert!(verbose_allowed(ours), "{ours}");
        }
        for theirs in [
            "tungstenite::protocol",
            "tokio_tungstenite",
            "hyper::proto::h1",
            "h2::codec",
            "rusqlite",
            "reqwest::connect",
            "strm",
        ] {
            assert!(!verbose_allowed(theirs), "{theirs}");
        }
    }
}
