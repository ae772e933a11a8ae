//! How accounts, streams, exporters and nodes become NATS subject tokens and KV keys.
//!
//! A subject token may not hold '.', '*', '>' or white space, and a KV key only
//! `[-/_=.a-zA-Z0-9]`. Names are escaped so that any text maps to exactly one token and
//! back: letters, digits and '-' stay as they are, every other byte becomes `_` and its
//! two upper-case hex digits (`_` itself becomes `_5F`). Today's names (billing ids,
//! stream names) are letters, digits and '-' only, so their subjects read as they are.

use std::fmt::Write;

/// The subjects of the events: `strm.ev.<account>.<stream>`.
pub const EVENTS_PREFIX: &str = "strm.ev";

/// One name as a subject token (never empty: an empty name is `_`).
pub fn token(name: &str) -> String {
    if name.is_empty() {
        return "_".into();
    }
    let mut out = String::with_capacity(name.len());
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b == b'-' {
            out.push(b as char);
        } else {
            let _ = write!(out, "_{b:02X}");
        }
    }
    out
}

/// The subject of a stream's events.
pub fn events_subject(account: &str, stream: &str) -> String {
    format!("{EVENTS_PREFIX}.{}.{}", token(account), token(stream))
}

/// The KV key of an exporter's lease.
pub fn exporter_key(account: &str, stream: &str, name: &str, export_keys: bool) -> String {
    let kind = if export_keys { "keys" } else { "events" };
    format!(
        "{}.{}.{}.{kind}",
        token(account),
        token(stream),
        token(name)
    )
}

/// The KV key of a node's heartbeat.
pub fn node_key(name: &str) -> String {
    token(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_become_safe_tokens_one_to_one() {
        assert_eq!(
            events_subject("strmbart0123456789", "bart"),
            "strm.ev.strmbart0123456789.bart"
        );
        assert_eq!(token("a.b*c>d e_f"), "a_2Eb_2Ac_3Ed_20e_5Ff");
        assert_eq!(token("host:8080"), "host_3A8080");
        assert_ne!(token("a_2E"), token("a."));
        assert_eq!(token(""), "_");
        assert_eq!(exporter_key("acc", "bart", "s3", true), "acc.bart.s3.keys");
    }
}
