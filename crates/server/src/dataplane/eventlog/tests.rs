//! The event log's tests: reading back, reopening, torn records, deletion, pruning, imports.

use std::borrow::Cow;
use std::fs::OpenOptions;
use std::io::Write;

use super::record::{EventRecord, put_event};
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
        encode: Box::new(|_| Err(io::Error::other("no"))),
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

#[test]
fn pending_events_are_counted_by_what_a_view_admits_also_after_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let log = EventLog::open(dir.path()).unwrap();
    let with = |consent: &[i32]| NewEvent {
        consent: consent.to_vec(),
        ..event("acc", "bart", "x")
    };
    let stored = log.append(vec![with(&[0]), with(&[0, 1]), with(&[1]), with(&[0, 1])]);
    let first_ts = stored[1].as_ref().unwrap().ts_ms;
    let has_1 = |c: &[i32]| c.contains(&1);
    assert_eq!(
        log.pending_after("acc", "bart", 0, &has_1),
        (3, Some(first_ts))
    );
    assert_eq!(log.pending_after("acc", "bart", 3, &has_1).0, 1);
    assert_eq!(log.pending_after("acc", "bart", 4, &has_1), (0, None));
    assert_eq!(log.pending_after("acc", "lisa", 0, &|_| true), (0, None));
    drop(log);
    let log = EventLog::open(dir.path()).unwrap();
    assert_eq!(log.pending_after("acc", "bart", 0, &has_1).0, 3);
    assert_eq!(log.pending_after("acc", "bart", 0, &|c| c == [0]).0, 1);
}
