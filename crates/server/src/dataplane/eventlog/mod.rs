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

mod index;
mod record;
mod segment;
#[cfg(test)]
mod tests;

use std::borrow::Cow;
use std::fs::File;
use std::io::{self, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use self::index::{Entry, Index};
use self::record::{EventRecord, Record, put_deleted, put_event, read_record};
use self::segment::{Segment, open_segment, segment_path, segment_seq};
use strm_model::now_epoch_ms;

/// The directory of the log, next to the database file.
pub const EVENTS_DIR: &str = "events";

/// A segment is closed (synced, and a new one begun) at this size...
const SEGMENT_BYTES: u64 = 64 << 20;
/// ...or once its first event is this old, so retention can remove whole files.
const SEGMENT_AGE_MS: i64 = 3600 * 1000;

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
pub type Encoder = Box<dyn FnOnce(i64) -> io::Result<Vec<u8>> + Send>;

/// Why one event of a batch was not appended.
#[derive(Debug, thiserror::Error)]
pub enum AppendError {
    /// Its encoder failed; the other events of the batch are not affected.
    #[error(transparent)]
    Encode(io::Error),
    /// Writing the batch failed: none of its events was accepted.
    #[error("the event store failed: {0}")]
    Write(Arc<io::Error>),
    #[error("the event store answered nothing")]
    Unanswered,
    /// A shared event store cannot be reached (the reason); the sender may try again.
    #[error("{0}")]
    Unavailable(String),
}

struct State {
    /// The segments before the active one, oldest first.
    older: Vec<Segment>,
    /// The segment appended to.
    active: Segment,
    index: Index,
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

impl State {
    /// The file of the segment holding an event.
    fn file_of(&self, seq: i64) -> Option<Arc<File>> {
        if seq >= self.active.first_seq {
            return Some(self.active.file.clone());
        }
        let i = self.older.partition_point(|s| s.first_seq <= seq);
        Some(self.older.get(i.checked_sub(1)?)?.file.clone())
    }

    /// Writes records to the active segment; on failure the segment is cut back, so the
    /// log never holds a torn record before good ones.
    fn write(&mut self, buf: &[u8]) -> io::Result<u64> {
        if let Some(why) = &self.broken {
            return Err(io::Error::other(why.clone()));
        }
        let active = &mut self.active;
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
        let active = &self.active;
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
        if self.active.first_seq == next {
            // Nothing with a sequence number since it began: it stays the active one.
            return;
        }
        match open_segment(&segment_path(dir, next), next, true) {
            Ok(segment) => {
                let closed = std::mem::replace(&mut self.active, segment);
                self.closed.push(closed.file.clone());
                self.older.push(closed);
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
        let mut segments = Vec::with_capacity(found.len() + 1);
        let mut index = Index::default();
        let (mut next_seq, mut last_ts) = (1, 0);
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
                        consent,
                        ..
                    }) => {
                        let class = index.class(&consent);
                        index.push(
                            account,
                            stream,
                            Entry {
                                seq,
                                ts_ms,
                                offset: at as u64,
                                len: len as u32,
                                class,
                            },
                        );
                        next_seq = next_seq.max(seq + 1);
                        segment.first_ts.get_or_insert(ts_ms);
                        segment.last_ts = segment.last_ts.max(ts_ms);
                        last_ts = last_ts.max(ts_ms);
                    }
                    Record::Deleted {
                        ts_ms,
                        account,
                        stream,
                    } => {
                        index.forget(account, stream);
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
            next_seq = next_seq.max(first_seq);
            segments.push(segment);
        }
        // The newest segment was opened for appending; an empty log begins one.
        let active = match segments.pop() {
            Some(newest) => newest,
            None => open_segment(&segment_path(dir, next_seq), next_seq, true)?,
        };
        Ok(EventLog {
            dir: dir.to_owned(),
            state: Mutex::new(State {
                older: segments,
                active,
                index,
                next_seq,
                last_ts,
                dirty: false,
                closed: Vec::new(),
                broken: None,
            }),
        })
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Accepts a batch: each event gets the next sequence number and an acceptance time
    /// that never goes backwards (exporters rely on time order agreeing with sequence
    /// order), and the batch is written in one go.
    pub fn append(&self, events: Vec<NewEvent>) -> Vec<Result<StoredEvent, AppendError>> {
        let mut state = self.state();
        let now = now_epoch_ms();
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
                Err(why) => results.push(Err(AppendError::Encode(why))),
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
                let why = Arc::new(e);
                return results
                    .into_iter()
                    .map(|r| r.and_then(|_| Err(AppendError::Write(why.clone()))))
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
                class: state.index.class(&stored.consent),
            };
            state.index.push(&account, &stream, entry);
        }
        let ts = state.last_ts;
        state.active.first_ts.get_or_insert(ts);
        state.active.last_ts = ts;
        state.maybe_roll(&self.dir, now);
        results
    }

    /// Appends one event; it returns once the event is in the log.
    pub fn append_one(&self, event: NewEvent) -> Result<StoredEvent, AppendError> {
        self.append(vec![event])
            .pop()
            .unwrap_or(Err(AppendError::Unanswered))
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
            let Some(entries) = state.index.entries(account, stream) else {
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
            .index
            .entries(account, stream)
            .map_or(0, |entries| entries.len())
    }

    /// How many events of a stream after `after_seq` reach a view (`admits` asks once
    /// per consent set), and when the first of them was accepted: what an exporter at
    /// that position has still to write.
    pub fn pending_after(
        &self,
        account: &str,
        stream: &str,
        after_seq: i64,
        admits: &dyn Fn(&[i32]) -> bool,
    ) -> (u64, Option<i64>) {
        let state = self.state();
        let Some(entries) = state.index.entries(account, stream) else {
            return (0, None);
        };
        let start = entries.partition_point(|e| e.seq <= after_seq);
        let mut verdicts: Vec<Option<bool>> = Vec::new();
        let (mut count, mut first) = (0, None);
        for e in entries.range(start..) {
            let class = e.class as usize;
            if verdicts.len() <= class {
                verdicts.resize(class + 1, None);
            }
            let admitted =
                *verdicts[class].get_or_insert_with(|| admits(state.index.consent(e.class)));
            if admitted {
                count += 1;
                first.get_or_insert(e.ts_ms);
            }
        }
        (count, first)
    }

    /// The newest sequence number handed out, or 0.
    pub fn last_seq(&self) -> i64 {
        self.state().next_seq - 1
    }

    /// Drops events accepted before `before_ms` and deletes the segment files that hold
    /// nothing newer; the number of events dropped.
    pub fn prune(&self, before_ms: i64) -> io::Result<usize> {
        let mut state = self.state();
        let dropped = state.index.prune(before_ms);
        // Whole files, oldest first: a deletion record is removed only with every
        // segment before it, which hold the events it deleted.
        while state.older.first().is_some_and(|s| s.last_ts < before_ms) {
            let gone = state.older.remove(0);
            std::fs::remove_file(&gone.path)?;
        }
        if state.active.last_ts < before_ms {
            state.roll(&self.dir);
        }
        Ok(dropped)
    }

    /// Deletes a stream's (or output's) events: a deletion record in the log, so the
    /// events stay gone after a restart, and nothing of it in the index.
    pub fn delete_stream(&self, account: &str, stream: &str) -> io::Result<()> {
        let mut state = self.state();
        let ts_ms = now_epoch_ms().max(state.last_ts);
        let mut buf = Vec::new();
        put_deleted(&mut buf, ts_ms, account, stream);
        state.write(&buf)?;
        state.active.last_ts = ts_ms;
        state.index.forget(account, stream);
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
            let class = state.index.class(&e.consent);
            state.index.push(
                &account,
                &stream,
                Entry {
                    seq: e.seq,
                    ts_ms: e.ts_ms,
                    offset,
                    len: len as u32,
                    class,
                },
            );
            state.next_seq = e.seq + 1;
            state.last_ts = state.last_ts.max(e.ts_ms);
            let active = &mut state.active;
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
                files.push(state.active.file.clone());
            }
            files
        };
        files.iter().try_for_each(|f| f.sync_data())
    }
}
