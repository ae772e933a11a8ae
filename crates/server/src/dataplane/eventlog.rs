//! The accepted events as an append-only log: segment files named by their first sequence
//! number (`00000000000000000001.log`) in one directory, each a run of checksummed
//! records, and an in-memory index of each stream's events.
//!
//! Events are written once and never updated, so a log fits them better than a B-tree:
//! appending is one `write` of the records to the page cache, short enough for the
//! request's own thread, where an SQLite commit wrote whole pages of two B-trees to its
//! WAL and checkpointed them again, on a writer thread each request had to wait for.
//! SQLite keeps everything else of the data plane (keys, tokens, exporter positions).
//!
//! Durability is what SQLite gave at `synchronous=NORMAL`: an event is written before it
//! is answered, so a killed process loses nothing it accepted, and the store syncs the
//! log to the disk every second from a thread of its own. A record torn by a crash
//! mid-write can only be the newest one; it is cut off on open.

use std::borrow::Cow;
use std::collections::{HashMap, VecDeque};
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

/// The directory of the log, next to the database file.
pub const EVENTS_DIR: &str = "events";

/// A segment is closed (synced, and a new one begun) at this size...
const SEGMENT_BYTES: u64 = 64 << 20;
/// ...or once its first event is this old, so retention can remove whole files.
const SEGMENT_AGE_MS: i64 = 3600 * 1000;

const KIND_EVENT: u8 = 1;
/// A stream (or output) was deleted: its events written before this record are gone.
const KIND_DELETED: u8 = 2;
/// kind (1 byte), payload length (u32), CRC-32 of kind and payload (u32).
const HEADER: usize = 9;

/// One stored event: its body is the event as the source stream holds it (all PII
/// encrypted), as compact JSON in the schema's field order, the form egress and exports
/// deliver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    pub seq: i64,
    pub ts_ms: i64,
    pub schema_id: String,
    pub consent: Vec<i32>,
    pub body: Vec<u8>,
}

/// An event for `append`: its body is encoded once the acceptance time is known.
pub struct NewEvent {
    pub account: String,
    pub stream: String,
    pub schema_id: String,
    pub consent: Vec<i32>,
    pub encode: Encoder,
}

/// Makes an event's body once its acceptance time is known.
pub type Encoder = Box<dyn FnOnce(i64) -> Result<Vec<u8>, String> + Send>;

/// Where one event's record is.
#[derive(Debug, Clone, Copy)]
struct Entry {
    seq: i64,
    ts_ms: i64,
    /// Within the segment whose first sequence number is the greatest not above `seq`.
    offset: u64,
    len: u32,
}

struct Segment {
    first_seq: i64,
    path: PathBuf,
    file: Arc<File>,
    len: u64,
    /// Acceptance time of its first event, and of its newest record.
    first_ts: Option<i64>,
    last_ts: i64,
}

struct State {
    /// Oldest first; the last one is appended to.
    segments: Vec<Segment>,
    /// account → stream → its events in sequence order.
    streams: HashMap<String, HashMap<String, VecDeque<Entry>>>,
    next_seq: i64,
    last_ts: i64,
    /// Written since the last sync.
    dirty: bool,
    /// Segments closed since the last sync, to sync once more.
    closed: Vec<Arc<File>>,
    /// A failed write could not be undone: refuse further writes rather than append
    /// after a torn record.
    broken: Option<String>,
}

pub struct EventLog {
    dir: PathBuf,
    state: Mutex<State>,
}

fn segment_path(dir: &Path, first_seq: i64) -> PathBuf {
    dir.join(format!("{first_seq:020}.log"))
}

fn segment_seq(path: &Path) -> Option<i64> {
    let name = path.file_name()?.to_str()?;
    let digits = name.strip_suffix(".log")?;
    (digits.len() == 20 && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| digits.parse().ok())
        .flatten()
}

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
struct EventRecord<'a> {
    seq: i64,
    ts_ms: i64,
    account: &'a str,
    stream: &'a str,
    schema_id: &'a str,
    consent: Cow<'a, [i32]>,
    body: &'a [u8],
}

fn put_event(buf: &mut Vec<u8>, e: &EventRecord<'_>) -> usize {
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

enum Record<'a> {
    Event(EventRecord<'a>),
    Deleted {
        ts_ms: i64,
        account: &'a str,
        stream: &'a str,
    },
}

/// The record at the start of `bytes` and its length; `None` when it is incomplete or
/// does not check out (a torn write).
fn read_record(bytes: &[u8]) -> Option<(Record<'_>, usize)> {
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

fn open_segment(path: &Path, first_seq: i64, writable: bool) -> io::Result<Segment> {
    use std::os::unix::fs::OpenOptionsExt;
    let file = OpenOptions::new()
        .read(true)
        .append(writable)
        .create(writable)
        .mode(0o600)
        .open(path)?;
    Ok(Segment {
        first_seq,
        path: path.to_owned(),
        len: file.metadata()?.len(),
        file: Arc::new(file),
        first_ts: None,
        last_ts: 0,
    })
}

impl State {
    fn active(&mut self) -> &mut Segment {
        self.segments
            .last_mut()
            .expect("the log always has a segment")
    }

    fn index(&mut self, account: &str, stream: &str) -> &mut VecDeque<Entry> {
        // Looked up by reference first: an event of a known stream allocates nothing.
        if !self
            .streams
            .get(account)
            .is_some_and(|s| s.contains_key(stream))
        {
            self.streams
                .entry(account.to_owned())
                .or_default()
                .insert(stream.to_owned(), VecDeque::new());
        }
        self.streams
            .get_mut(account)
            .and_then(|s| s.get_mut(stream))
            .expect("inserted above")
    }

    fn forget(&mut self, account: &str, stream: &str) {
        if let Some(streams) = self.streams.get_mut(account) {
            streams.remove(stream);
            if streams.is_empty() {
                self.streams.remove(account);
            }
        }
    }

    /// The file of the segment holding an event.
    fn file_of(&self, seq: i64) -> Option<Arc<File>> {
        let i = self.segments.partition_point(|s| s.first_seq <= seq);
        Some(self.segments.get(i.checked_sub(1)?)?.file.clone())
    }

    /// Writes records to the active segment; on failure the segment is cut back, so the
    /// log never holds a torn record before good ones.
    fn write(&mut self, buf: &[u8]) -> io::Result<u64> {
        if let Some(why) = &self.broken {
            return Err(io::Error::other(why.clone()));
        }
        let active = self.active();
        let base = active.len;
        if let Err(e) = (&*active.file).write_all(buf) {
            if let Err(undo) = active.file.set_len(base) {
                let why = format!(
                    "a write to {} failed ({e}) and could not be undone ({undo}); restart the server",
                    active.path.display()
                );
                tracing::error!("{why}");
                self.broken = Some(why);
            }
            return Err(e);
        }
        active.len += buf.len() as u64;
        self.dirty = true;
        Ok(base)
    }

    /// Begins a new segment when the active one is full or old.
    fn maybe_roll(&mut self, dir: &Path, now_ms: i64) {
        let active = self.active();
        let full = active.len >= SEGMENT_BYTES;
        let old = active
            .first_ts
            .is_some_and(|t| t <= now_ms - SEGMENT_AGE_MS);
        if full || old {
            self.roll(dir);
        }
    }

    fn roll(&mut self, dir: &Path) {
        let next = self.next_seq;
        if self.active().first_seq == next {
            // Nothing with a sequence number since it began: it stays the active one.
            return;
        }
        match open_segment(&segment_path(dir, next), next, true) {
            Ok(segment) => {
                let closed = self.active().file.clone();
                self.closed.push(closed);
                self.segments.push(segment);
            }
            Err(e) => tracing::error!(error = %e, "starting an event log segment failed"),
        }
    }
}

impl EventLog {
    /// Opens (or creates) the log in `dir`, reading every segment to rebuild the index.
    pub fn open(dir: &Path) -> io::Result<EventLog> {
        strm_model::files::create_private_dir(dir)?;
        let mut found: Vec<(i64, PathBuf)> = std::fs::read_dir(dir)?
            .filter_map(|e| e.ok())
            .filter_map(|e| Some((segment_seq(&e.path())?, e.path())))
            .collect();
        found.sort();
        let mut state = State {
            segments: Vec::with_capacity(found.len() + 1),
            streams: HashMap::new(),
            next_seq: 1,
            last_ts: 0,
            dirty: false,
            closed: Vec::new(),
            broken: None,
        };
        let count = found.len();
        for (i, (first_seq, path)) in found.into_iter().enumerate() {
            let newest = i + 1 == count;
            let mut segment = open_segment(&path, first_seq, newest)?;
            let bytes = std::fs::read(&path)?;
            let mut at = 0;
            while at < bytes.len() {
                let Some((record, len)) = read_record(&bytes[at..]) else {
                    break;
                };
                match record {
                    Record::Event(EventRecord {
                        seq,
                        ts_ms,
                        account,
                        stream,
                        ..
                    }) => {
                        state.index(account, stream).push_back(Entry {
                            seq,
                            ts_ms,
                            offset: at as u64,
                            len: len as u32,
                        });
                        state.next_seq = state.next_seq.max(seq + 1);
                        segment.first_ts.get_or_insert(ts_ms);
                        segment.last_ts = segment.last_ts.max(ts_ms);
                        state.last_ts = state.last_ts.max(ts_ms);
                    }
                    Record::Deleted {
                        ts_ms,
                        account,
                        stream,
                    } => {
                        state.forget(account, stream);
                        segment.last_ts = segment.last_ts.max(ts_ms);
                    }
                }
                at += len;
            }
            if at < bytes.len() {
                if newest {
                    tracing::warn!(
                        segment = %path.display(),
                        bytes = bytes.len() - at,
                        "cutting off an incomplete record at the end of the event log (a crash mid-write)"
                    );
                    segment.file.set_len(at as u64)?;
                    segment.len = at as u64;
                } else {
                    tracing::error!(
                        segment = %path.display(),
                        offset = at,
                        "an event log segment is damaged; the events after the damage are skipped"
                    );
                }
            }
            state.next_seq = state.next_seq.max(first_seq);
            state.segments.push(segment);
        }
        if state.segments.is_empty() {
            let first = state.next_seq;
            state
                .segments
                .push(open_segment(&segment_path(dir, first), first, true)?);
        }
        Ok(EventLog {
            dir: dir.to_owned(),
            state: Mutex::new(state),
        })
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Accepts a batch: each event gets the next sequence number and an acceptance time
    /// that never goes backwards (exporters rely on time order agreeing with sequence
    /// order), and the batch is written in one go.
    pub fn append(&self, events: Vec<NewEvent>) -> Vec<Result<StoredEvent, String>> {
        let mut state = self.state();
        let now = super::pipeline::now_ms();
        let (first_seq, first_ts) = (state.next_seq, state.last_ts);
        let mut buf = Vec::with_capacity(events.len() * 1024);
        let mut placed = Vec::with_capacity(events.len());
        let mut results = Vec::with_capacity(events.len());
        for e in events {
            let ts_ms = now.max(state.last_ts);
            match (e.encode)(ts_ms) {
                Ok(body) => {
                    let seq = state.next_seq;
                    let offset = buf.len() as u64;
                    let len = put_event(
                        &mut buf,
                        &EventRecord {
                            seq,
                            ts_ms,
                            account: &e.account,
                            stream: &e.stream,
                            schema_id: &e.schema_id,
                            consent: Cow::Borrowed(&e.consent),
                            body: &body,
                        },
                    );
                    state.next_seq += 1;
                    state.last_ts = ts_ms;
                    placed.push((e.account, e.stream, offset, len as u32, results.len()));
                    results.push(Ok(StoredEvent {
                        seq,
                        ts_ms,
                        schema_id: e.schema_id,
                        consent: e.consent,
                        body,
                    }));
                }
                Err(why) => results.push(Err(why)),
            }
        }
        if placed.is_empty() {
            return results;
        }
        let base = match state.write(&buf) {
            Ok(base) => base,
            Err(e) => {
                tracing::error!(error = %e, "writing events failed");
                (state.next_seq, state.last_ts) = (first_seq, first_ts);
                let why = format!("the event store failed: {e}");
                return results
                    .into_iter()
                    .map(|r| r.and_then(|_| Err(why.clone())))
                    .collect();
            }
        };
        for (account, stream, offset, len, i) in placed {
            let Ok(stored) = &results[i] else { continue };
            let entry = Entry {
                seq: stored.seq,
                ts_ms: stored.ts_ms,
                offset: base + offset,
                len,
            };
            state.index(&account, &stream).push_back(entry);
        }
        let ts = state.last_ts;
        let active = state.active();
        active.first_ts.get_or_insert(ts);
        active.last_ts = ts;
        state.maybe_roll(&self.dir, now);
        results
    }

    /// Up to `limit` events of a stream after sequence number `after_seq`, in order.
    pub fn events_after(
        &self,
        account: &str,
        stream: &str,
        after_seq: i64,
        limit: usize,
    ) -> io::Result<Vec<StoredEvent>> {
        let wanted: Vec<(Entry, Arc<File>)> = {
            let state = self.state();
            let Some(entries) = state.streams.get(account).and_then(|s| s.get(stream)) else {
                return Ok(Vec::new());
            };
            let start = entries.partition_point(|e| e.seq <= after_seq);
            entries
                .range(start..)
                .take(limit)
                .filter_map(|e| Some((*e, state.file_of(e.seq)?)))
                .collect()
        };
        // Records are immutable once indexed: read without holding the lock.
        let mut buf = Vec::new();
        wanted
            .into_iter()
            .map(|(entry, file)| {
                buf.resize(entry.len as usize, 0);
                file.read_exact_at(&mut buf, entry.offset)?;
                match read_record(&buf) {
                    Some((Record::Event(e), _)) if e.seq == entry.seq => Ok(StoredEvent {
                        seq: e.seq,
                        ts_ms: e.ts_ms,
                        schema_id: e.schema_id.to_owned(),
                        consent: e.consent.into_owned(),
                        body: e.body.to_vec(),
                    }),
                    _ => Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!(
                            "the event log record of event {} does not check out",
                            entry.seq
                        ),
                    )),
                }
            })
            .collect()
    }

    /// How many events of a stream the log holds.
    pub fn count(&self, account: &str, stream: &str) -> usize {
        self.state()
            .streams
            .get(account)
            .and_then(|s| s.get(stream))
            .map_or(0, VecDeque::len)
    }

    /// The newest sequence number handed out, or 0.
    pub fn last_seq(&self) -> i64 {
        self.state().next_seq - 1
    }

    /// Drops events accepted before `before_ms` and deletes the segment files that hold
    /// nothing newer; the number of events dropped.
    pub fn prune(&self, before_ms: i64) -> io::Result<usize> {
        let mut state = self.state();
        let mut dropped = 0;
        for streams in state.streams.values_mut() {
            for entries in streams.values_mut() {
                let keep = entries.partition_point(|e| e.ts_ms < before_ms);
                entries.drain(..keep);
                dropped += keep;
            }
            streams.retain(|_, entries| !entries.is_empty());
        }
        state.streams.retain(|_, streams| !streams.is_empty());
        // Whole files, oldest first: a deletion record is removed only with every
        // segment before it, which hold the events it deleted.
        while state.segments.len() > 1 && state.segments[0].last_ts < before_ms {
            let gone = state.segments.remove(0);
            std::fs::remove_file(&gone.path)?;
        }
        if state.active().last_ts < before_ms {
            state.roll(&self.dir);
        }
        Ok(dropped)
    }

    /// Deletes a stream's (or output's) events: a deletion record in the log, so the
    /// events stay gone after a restart, and nothing of it in the index.
    pub fn delete_stream(&self, account: &str, stream: &str) -> io::Result<()> {
        let mut state = self.state();
        let ts_ms = super::pipeline::now_ms().max(state.last_ts);
        let mut buf = Vec::new();
        put_record(&mut buf, KIND_DELETED, |b| {
            b.extend_from_slice(&ts_ms.to_le_bytes());
            put_bytes(b, account.as_bytes());
            put_bytes(b, stream.as_bytes());
        });
        state.write(&buf)?;
        state.active().last_ts = ts_ms;
        state.forget(account, stream);
        Ok(())
    }

    /// Makes sequence numbers continue at `next_seq` at least: numbers handed out
    /// before whose events are gone are never given again (exporter positions hold them).
    pub fn reserve(&self, next_seq: i64) {
        let mut state = self.state();
        state.next_seq = state.next_seq.max(next_seq);
    }

    /// Writes events accepted by an earlier store with their own numbers and times
    /// (numbers above the log's newest only, so that doing it twice adds nothing).
    pub fn import(
        &self,
        events: impl IntoIterator<Item = (String, String, StoredEvent)>,
    ) -> io::Result<usize> {
        let mut state = self.state();
        let mut imported = 0;
        for (account, stream, e) in events {
            if e.seq < state.next_seq {
                continue;
            }
            let mut buf = Vec::new();
            let len = put_event(
                &mut buf,
                &EventRecord {
                    seq: e.seq,
                    ts_ms: e.ts_ms,
                    account: &account,
                    stream: &stream,
                    schema_id: &e.schema_id,
                    consent: Cow::Borrowed(&e.consent),
                    body: &e.body,
                },
            );
            let offset = state.write(&buf)?;
            state.index(&account, &stream).push_back(Entry {
                seq: e.seq,
                ts_ms: e.ts_ms,
                offset,
                len: len as u32,
            });
            state.next_seq = e.seq + 1;
            state.last_ts = state.last_ts.max(e.ts_ms);
            let active = state.active();
            active.first_ts.get_or_insert(e.ts_ms);
            active.last_ts = active.last_ts.max(e.ts_ms);
            imported += 1;
        }
        drop(state);
        self.sync()?;
        Ok(imported)
    }

    /// Syncs what was written since the last sync to the disk; the writes go on
    /// meanwhile.
    pub fn sync(&self) -> io::Result<()> {
        let files = {
            let mut state = self.state();
            let mut files = std::mem::take(&mut state.closed);
            if std::mem::take(&mut state.dirty) {
                files.push(state.active().file.clone());
            }
            files
        };
        files.iter().try_for_each(|f| f.sync_data())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(account: &str, stream: &str, body: &str) -> NewEvent {
        let body = body.as_bytes().to_vec();
        NewEvent {
            account: account.into(),
            stream: stream.into(),
            schema_id: "clickstream".into(),
            consent: vec![0, 2],
            encode: Box::new(move |_| Ok(body)),
        }
    }

    fn bodies(log: &EventLog, stream: &str) -> Vec<String> {
        log.events_after("acc", stream, 0, 100)
            .unwrap()
            .into_iter()
            .map(|e| String::from_utf8(e.body).unwrap())
            .collect()
    }

    fn segments(dir: &Path) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        files
    }

    #[test]
    fn events_are_read_back_per_stream_and_after_a_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let log = EventLog::open(dir.path()).unwrap();
        let stored = log.append(vec![
            event("acc", "bart", "a"),
            event("acc", "lisa", "b"),
            event("acc", "bart", "c"),
            event("other", "bart", "d"),
        ]);
        let seqs: Vec<i64> = stored.iter().map(|r| r.as_ref().unwrap().seq).collect();
        assert_eq!(seqs, vec![1, 2, 3, 4]);
        assert_eq!(bodies(&log, "bart"), vec!["a", "c"]);
        let after_first = log.events_after("acc", "bart", 1, 10).unwrap();
        assert_eq!(after_first.len(), 1);
        assert_eq!(after_first[0].consent, vec![0, 2]);
        assert_eq!(log.count("other", "bart"), 1);
        drop(log);

        let log = EventLog::open(dir.path()).unwrap();
        assert_eq!(bodies(&log, "bart"), vec!["a", "c"]);
        assert_eq!(log.last_seq(), 4);
        use std::os::unix::fs::PermissionsExt;
        for file in segments(dir.path()) {
            let mode = std::fs::metadata(&file).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "{}", file.display());
        }
        let next = log.append(vec![event("acc", "bart", "e")]);
        assert_eq!(next[0].as_ref().unwrap().seq, 5);
    }

    #[test]
    fn a_record_torn_by_a_crash_is_cut_off_and_the_log_goes_on() {
        let dir = tempfile::tempdir().unwrap();
        let log = EventLog::open(dir.path()).unwrap();
        log.append(vec![event("acc", "bart", "kept")]);
        drop(log);
        // A crash in the middle of writing the next record.
        let path = segments(dir.path()).pop().unwrap();
        let mut torn = Vec::new();
        let lost = EventRecord {
            seq: 2,
            ts_ms: 5,
            account: "acc",
            stream: "bart",
            schema_id: "clickstream",
            consent: Cow::Borrowed(&[]),
            body: b"lost",
        };
        put_event(&mut torn, &lost);
        let mut file = OpenOptions::new().append(true).open(&path).unwrap();
        file.write_all(&torn[..torn.len() - 3]).unwrap();
        drop(file);

        let log = EventLog::open(dir.path()).unwrap();
        assert_eq!(bodies(&log, "bart"), vec!["kept"]);
        log.append(vec![event("acc", "bart", "after")]);
        drop(log);
        let log = EventLog::open(dir.path()).unwrap();
        assert_eq!(bodies(&log, "bart"), vec!["kept", "after"]);
    }

    #[test]
    fn a_deleted_stream_stays_deleted_after_a_reopen_and_can_begin_again() {
        let dir = tempfile::tempdir().unwrap();
        let log = EventLog::open(dir.path()).unwrap();
        log.append(vec![event("acc", "bart", "old"), event("acc", "lisa", "x")]);
        log.delete_stream("acc", "bart").unwrap();
        assert_eq!(log.count("acc", "bart"), 0);
        log.append(vec![event("acc", "bart", "new")]);
        drop(log);
        let log = EventLog::open(dir.path()).unwrap();
        assert_eq!(bodies(&log, "bart"), vec!["new"]);
        assert_eq!(bodies(&log, "lisa"), vec!["x"]);
    }

    #[test]
    fn pruning_drops_old_events_and_removes_whole_old_segments() {
        let dir = tempfile::tempdir().unwrap();
        let log = EventLog::open(dir.path()).unwrap();
        let first = log.append(vec![event("acc", "bart", "1")]);
        let t1 = first[0].as_ref().unwrap().ts_ms;
        // Nothing is older than the first event: nothing goes.
        assert_eq!(log.prune(t1).unwrap(), 0);
        std::thread::sleep(std::time::Duration::from_millis(5));
        // Everything so far has expired: the segment is closed, then removed.
        assert_eq!(log.prune(t1 + 1).unwrap(), 1);
        log.append(vec![event("acc", "bart", "2")]);
        assert_eq!(segments(dir.path()).len(), 2);
        assert_eq!(log.prune(t1 + 1).unwrap(), 0);
        assert_eq!(segments(dir.path()).len(), 1);
        assert_eq!(bodies(&log, "bart"), vec!["2"]);
        drop(log);
        let log = EventLog::open(dir.path()).unwrap();
        assert_eq!(bodies(&log, "bart"), vec!["2"]);
        assert_eq!(log.last_seq(), 2, "numbers are never given twice");
    }

    #[test]
    fn imports_keep_their_numbers_once_and_reserved_numbers_are_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let log = EventLog::open(dir.path()).unwrap();
        let old = |seq: i64| {
            (
                "acc".to_string(),
                "bart".to_string(),
                StoredEvent {
                    seq,
                    ts_ms: seq * 10,
                    schema_id: "clickstream".into(),
                    consent: vec![1],
                    body: format!("old {seq}").into_bytes(),
                },
            )
        };
        assert_eq!(log.import([old(7), old(9)]).unwrap(), 2);
        assert_eq!(log.import([old(7), old(9)]).unwrap(), 0);
        log.reserve(20);
        let next = log.append(vec![event("acc", "bart", "new")]);
        let next = next[0].as_ref().unwrap();
        assert_eq!(next.seq, 20);
        assert!(next.ts_ms >= 90);
        let got = log.events_after("acc", "bart", 7, 10).unwrap();
        assert_eq!(got.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![9, 20]);
    }

    #[test]
    fn a_failed_encoding_fails_only_its_event() {
        let dir = tempfile::tempdir().unwrap();
        let log = EventLog::open(dir.path()).unwrap();
        let bad = NewEvent {
            encode: Box::new(|_| Err("no".into())),
            ..event("acc", "bart", "")
        };
        let results = log.append(vec![
            event("acc", "bart", "a"),
            bad,
            event("acc", "bart", "b"),
        ]);
        assert!(results[0].is_ok() && results[1].is_err() && results[2].is_ok());
        assert_eq!(bodies(&log, "bart"), vec!["a", "b"]);
    }
}
