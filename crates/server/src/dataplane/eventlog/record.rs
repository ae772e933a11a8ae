//! The log's record format: kind (1 byte), payload length (u32), CRC-32 of kind and
//! payload (u32), then the payload, all little-endian. A record that is incomplete or does
//! not check out is a torn write.

use std::borrow::Cow;

const KIND_EVENT: u8 = 1;
/// A stream (or output) was deleted: its events written before this record are gone.
const KIND_DELETED: u8 = 2;
/// kind (1 byte), payload length (u32), CRC-32 of kind and payload (u32).
const HEADER: usize = 9;

fn put_bytes(buf: &mut Vec<u8>, bytes: &[u8]) {
    buf.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
    buf.extend_from_slice(bytes);
}

/// Appends a record: header, then what `payload` writes.
fn put_record(buf: &mut Vec<u8>, kind: u8, payload: impl FnOnce(&mut Vec<u8>)) -> usize {
    let start = buf.len();
    buf.extend_from_slice(&[kind, 0, 0, 0, 0, 0, 0, 0, 0]);
    payload(buf);
    let len = (buf.len() - start - HEADER) as u32;
    let mut crc = crc32fast::Hasher::new();
    crc.update(&[kind]);
    crc.update(&buf[start + HEADER..]);
    buf[start + 1..start + 5].copy_from_slice(&len.to_le_bytes());
    buf[start + 5..start + 9].copy_from_slice(&crc.finalize().to_le_bytes());
    buf.len() - start
}

/// The fields of an event's record.
pub(super) struct EventRecord<'a> {
    pub seq: i64,
    pub ts_ms: i64,
    pub account: &'a str,
    pub stream: &'a str,
    pub schema_id: &'a str,
    pub consent: Cow<'a, [i32]>,
    pub body: &'a [u8],
}

/// Appends an event's record; its length.
pub(super) fn put_event(buf: &mut Vec<u8>, e: &EventRecord<'_>) -> usize {
    put_record(buf, KIND_EVENT, |b| {
        b.extend_from_slice(&e.seq.to_le_bytes());
        b.extend_from_slice(&e.ts_ms.to_le_bytes());
        put_bytes(b, e.account.as_bytes());
        put_bytes(b, e.stream.as_bytes());
        put_bytes(b, e.schema_id.as_bytes());
        b.extend_from_slice(&(e.consent.len() as u32).to_le_bytes());
        for level in e.consent.iter() {
            b.extend_from_slice(&level.to_le_bytes());
        }
        put_bytes(b, e.body);
    })
}

/// Appends the record of a stream's deletion.
pub(super) fn put_deleted(buf: &mut Vec<u8>, ts_ms: i64, account: &str, stream: &str) -> usize {
    put_record(buf, KIND_DELETED, |b| {
        b.extend_from_slice(&ts_ms.to_le_bytes());
        put_bytes(b, account.as_bytes());
        put_bytes(b, stream.as_bytes());
    })
}

/// Reads the fields of a payload in order.
struct Fields<'a>(&'a [u8]);

impl<'a> Fields<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Some(head)
    }
    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }
    fn i64(&mut self) -> Option<i64> {
        Some(i64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
    fn bytes(&mut self) -> Option<&'a [u8]> {
        let n = self.u32()? as usize;
        self.take(n)
    }
    fn text(&mut self) -> Option<&'a str> {
        std::str::from_utf8(self.bytes()?).ok()
    }
}

pub(super) enum Record<'a> {
    Event(EventRecord<'a>),
    Deleted {
        ts_ms: i64,
        account: &'a str,
        stream: &'a str,
    },
}

/// The record at the start of `bytes` and its length; `None` when it is incomplete or
/// does not check out (a torn write).
pub(super) fn read_record(bytes: &[u8]) -> Option<(Record<'_>, usize)> {
    let header = bytes.get(..HEADER)?;
    let kind = header[0];
    let len = u32::from_le_bytes(header[1..5].try_into().ok()?) as usize;
    let crc = u32::from_le_bytes(header[5..9].try_into().ok()?);
    let payload = bytes.get(HEADER..HEADER + len)?;
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(&[kind]);
    hasher.update(payload);
    if hasher.finalize() != crc {
        return None;
    }
    let mut f = Fields(payload);
    let record = match kind {
        KIND_EVENT => {
            let (seq, ts_ms) = (f.i64()?, f.i64()?);
            let (account, stream, schema_id) = (f.text()?, f.text()?, f.text()?);
            let n = f.u32()? as usize;
            let consent = (0..n)
                .map(|_| Some(i32::from_le_bytes(f.take(4)?.try_into().ok()?)))
                .collect::<Option<Vec<i32>>>()?;
            Record::Event(EventRecord {
                seq,
                ts_ms,
                account,
                stream,
                schema_id,
                consent: Cow::Owned(consent),
                body: f.bytes()?,
            })
        }
        KIND_DELETED => Record::Deleted {
            ts_ms: f.i64()?,
            account: f.text()?,
            stream: f.text()?,
        },
        _ => return None,
    };
    Some((record, HEADER + len))
}
