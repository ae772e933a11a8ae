//! An event as a JetStream message: the metadata the store needs to give it back
//! (acceptance time, schema, consent levels) in a short binary header, then the event's
//! stored JSON as it is. The subject names the account and stream; the stream sequence
//! JetStream assigns is the event's sequence number.
//!
//! Layout: `1` (version) ‖ acceptance time (i64, big-endian ms) ‖ schema id length (u8)
//! ‖ schema id ‖ consent count (u16) ‖ each level (i32) ‖ body.

use bytes::{BufMut, Bytes, BytesMut};

const VERSION: u8 = 1;

/// An event as the message carries it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireEvent {
    pub ts_ms: i64,
    pub schema_id: String,
    pub consent: Vec<i32>,
    pub body: Vec<u8>,
}

pub fn encode(ts_ms: i64, schema_id: &str, consent: &[i32], body: &[u8]) -> Bytes {
    let schema = &schema_id.as_bytes()[..schema_id.len().min(u8::MAX as usize)];
    let levels = &consent[..consent.len().min(u16::MAX as usize)];
    let mut buf = BytesMut::with_capacity(12 + schema.len() + levels.len() * 4 + body.len());
    buf.put_u8(VERSION);
    buf.put_i64(ts_ms);
    buf.put_u8(schema.len() as u8);
    buf.put_slice(schema);
    buf.put_u16(levels.len() as u16);
    for level in levels {
        buf.put_i32(*level);
    }
    buf.put_slice(body);
    buf.freeze()
}

/// The event of a message; `None` when the message is not one this store wrote.
pub fn decode(payload: &[u8]) -> Option<WireEvent> {
    let (&version, rest) = payload.split_first()?;
    if version != VERSION {
        return None;
    }
    let (ts, rest) = rest.split_first_chunk::<8>()?;
    let (&schema_len, rest) = rest.split_first()?;
    let (schema, rest) = rest.split_at_checked(schema_len as usize)?;
    let (count, mut rest) = rest.split_first_chunk::<2>()?;
    let mut consent = Vec::with_capacity(u16::from_be_bytes(*count) as usize);
    for _ in 0..u16::from_be_bytes(*count) {
        let (level, after) = rest.split_first_chunk::<4>()?;
        consent.push(i32::from_be_bytes(*level));
        rest = after;
    }
    Some(WireEvent {
        ts_ms: i64::from_be_bytes(*ts),
        schema_id: std::str::from_utf8(schema).ok()?.to_owned(),
        consent,
        body: rest.to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_round_trips_and_garbage_is_refused() {
        let bytes = encode(
            1_610_704_326_171,
            "clickstream",
            &[0, 1, 4095],
            b"{\"a\":1}",
        );
        let e = decode(&bytes).unwrap();
        assert_eq!(e.ts_ms, 1_610_704_326_171);
        assert_eq!(e.schema_id, "clickstream");
        assert_eq!(e.consent, vec![0, 1, 4095]);
        assert_eq!(e.body, b"{\"a\":1}");
        assert!(decode(&bytes[..10]).is_none());
        assert!(decode(b"").is_none());
        assert!(decode(b"\x02rest").is_none());
    }
}
