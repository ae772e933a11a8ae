//! The data-plane store's tests: keys, tokens, exporter positions, events, and what
//! concerns them all (deleting a stream, retention).

use super::*;
use crate::dataplane::crypto::DataKey;
use crate::params;

fn store() -> (tempfile::TempDir, DataStore) {
    let dir = tempfile::tempdir().unwrap();
    let s = DataStore::open(&dir.path().join("db.sqlite")).unwrap();
    (dir, s)
}

fn req<'a>(value: &'a str) -> KeyRequest<'a> {
    KeyRequest {
        account: "acc",
        stream: "bart",
        schema_id: "clickstream",
        key_field_value: value,
    }
}

const DAY: i64 = 24 * 3600 * 1000;

/// The key of `value` of `bart` at `now_ms`: reused for a day, else a new one made then.
fn key_at(s: &DataStore, value: &str, now_ms: i64) -> DataKey {
    let make = || DataKey::generate(uuid::Uuid::new_v4().to_string(), now_ms);
    s.keys().for_value(&req(value), now_ms, DAY, make).unwrap()
}

#[test]
fn one_key_per_value_reused_for_a_day_then_rotated() {
    let (_d, s) = store();
    let a1 = key_at(&s, "session-1", 1000);
    let a2 = key_at(&s, "session-1", 2000);
    assert_eq!(a1, a2);
    let b = key_at(&s, "session-2", 2000);
    assert_ne!(a1.key_id, b.key_id);
    let later = 1000 + DAY + 1;
    let a3 = key_at(&s, "session-1", later);
    assert_ne!(a1.key_link, a3.key_link);
    assert_eq!(s.keys().by_id("acc", "bart", a1.key_id).unwrap(), Some(a1));
    assert_eq!(s.keys().after("acc", "bart", 0, 10).unwrap().len(), 3);
}

#[test]
fn one_value_has_a_key_per_account_stream_and_schema_until_its_stream_goes() {
    let (_d, s) = store();
    let make = || DataKey::generate(uuid::Uuid::new_v4().to_string(), 1000);
    let at = |account, stream, schema_id| KeyRequest {
        account,
        stream,
        schema_id,
        key_field_value: "session-1",
    };
    let requests = [
        at("acc", "bart", "clickstream"),
        at("acc", "lisa", "clickstream"),
        at("acc", "bart", "nps_unified_v1"),
        at("other", "bart", "clickstream"),
    ];
    let keys: Vec<DataKey> = requests
        .iter()
        .map(|r| s.keys().for_value(r, 1000, DAY, make).unwrap())
        .collect();
    let ids: std::collections::HashSet<u32> = keys.iter().map(|k| k.key_id).collect();
    assert_eq!(ids.len(), 4, "{keys:?}");
    for (r, k) in requests.iter().zip(&keys) {
        assert_eq!(&s.keys().for_value(r, 2000, DAY, make).unwrap(), k);
    }
    s.delete_stream("acc", "bart").unwrap();
    let after: Vec<DataKey> = requests
        .iter()
        .map(|r| s.keys().for_value(r, 2000, DAY, make).unwrap())
        .collect();
    assert_ne!(after[0], keys[0]);
    assert_eq!(after[1], keys[1]);
    assert_ne!(after[2], keys[2]);
    assert_eq!(after[3], keys[3]);
}

#[test]
fn keys_made_after_every_key_was_pruned_come_after_the_exported_position() {
    let (_d, s) = store();
    key_at(&s, "session-1", 1000);
    key_at(&s, "session-2", 1000);
    let exported = s.keys().after("acc", "bart", 0, 10).unwrap();
    let position = exported.last().unwrap().0;
    assert_eq!(s.prune(0, 2000, 0).unwrap(), (0, 2));
    let fresh = key_at(&s, "session-3", 3000);
    let next = s.keys().after("acc", "bart", position, 10).unwrap();
    assert_eq!(
        next.len(),
        1,
        "the new key must be after position {position}"
    );
    assert_eq!(next[0].1, fresh);
}

#[test]
fn keys_survive_a_reopen_and_values_are_not_stored_in_clear() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db.sqlite");
    let key = {
        let s = DataStore::open(&path).unwrap();
        key_at(&s, "session-secret-value", 1)
    };
    let s = DataStore::open(&path).unwrap();
    assert_eq!(
        s.keys().by_id("acc", "bart", key.key_id).unwrap(),
        Some(key)
    );
    let raw = std::fs::read(&path).unwrap();
    let needle = b"session-secret-value";
    assert!(!raw.windows(needle.len()).any(|w| w == needle));
}

fn event(stream: &str, consent: &[i32], body: Vec<u8>) -> NewEvent {
    NewEvent {
        account: "acc".into(),
        stream: stream.into(),
        schema_id: "clickstream".into(),
        consent: consent.to_vec(),
        encode: Box::new(move |_| Ok(body)),
    }
}

/// `e` appended to the event log; it must be.
async fn append(s: &DataStore, e: NewEvent) -> StoredEvent {
    s.events().append(e).await.unwrap()
}

#[tokio::test]
async fn events_get_increasing_sequence_numbers_and_monotonic_times() {
    let (_d, s) = store();
    let stamped = |consent: &[i32]| NewEvent {
        encode: Box::new(|ts| Ok(ts.to_be_bytes().to_vec())),
        ..event("bart", consent, vec![])
    };
    let e1 = s.events().append(stamped(&[0])).await.unwrap();
    let e2 = s.events().append(stamped(&[])).await.unwrap();
    assert!(e2.seq > e1.seq);
    assert!(e2.ts_ms >= e1.ts_ms);
    // The body is encoded with the acceptance time the row carries.
    assert_eq!(e2.body, e2.ts_ms.to_be_bytes());
    append(&s, event("other", &[1], vec![1])).await;
    let got = s.events().after("acc", "bart", 0, 10).unwrap();
    assert_eq!(
        got.iter().map(|e| e.seq).collect::<Vec<_>>(),
        vec![e1.seq, e2.seq]
    );
    assert_eq!(got[0].consent, vec![0]);
    assert_eq!(
        s.events().after("acc", "bart", e1.seq, 10).unwrap().len(),
        1
    );
    assert_eq!(s.events().count("acc", "other"), 1);
}

#[tokio::test]
async fn events_an_earlier_version_kept_in_sqlite_move_into_the_log_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db.sqlite");
    {
        let conn = crate::db::open(&path).unwrap();
        conn.execute_batch(
            "INSERT INTO dp_events (seq, account, stream, ts_ms, schema_id, consent, body)
             VALUES (41, 'acc', 'bart', 1000, 'clickstream', '[0,1]', CAST('{}' AS BLOB)),
                    (42, 'acc', 'bart', 1001, 'clickstream', '[]', CAST('{}' AS BLOB));
             DELETE FROM dp_events WHERE seq = 42;",
        )
        .unwrap();
    }
    for _ in 0..2 {
        let s = DataStore::open(&path).unwrap();
        let got = s.events().after("acc", "bart", 0, 10).unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!((got[0].seq, got[0].ts_ms), (41, 1000));
        assert_eq!(got[0].consent, vec![0, 1]);
        assert_eq!(got[0].body, b"{}");
        // 42 was handed out (its event is gone): it is not given again.
        assert_eq!(s.events().last_seq(), 42);
        let rows: i64 = s
            .busy()
            .query_row("SELECT COUNT(*) FROM dp_events", params![], |r| r.get(0))
            .unwrap();
        assert_eq!(rows, 0);
    }
    let s = DataStore::open(&path).unwrap();
    assert_eq!(append(&s, event("bart", &[], vec![])).await.seq, 43);
}

#[tokio::test]
async fn concurrent_appends_commit_together_in_time_order() {
    let (_d, s) = store();
    let s = std::sync::Arc::new(s);
    let handles: Vec<_> = (0..200u8)
        .map(|i| {
            let s = s.clone();
            tokio::spawn(async move { append(&s, event("bart", &[0], vec![i])).await })
        })
        .collect();
    for h in handles {
        h.await.unwrap();
    }
    let all = s.events().after("acc", "bart", 0, 1000).unwrap();
    assert_eq!(all.len(), 200);
    assert!(
        all.windows(2)
            .all(|w| w[0].seq < w[1].seq && w[0].ts_ms <= w[1].ts_ms)
    );
}

#[tokio::test]
async fn pruning_removes_old_events_and_expired_keys() {
    let (_d, s) = store();
    let e = append(&s, event("bart", &[0], vec![1])).await;
    let old = key_at(&s, "a", 1000);
    let new = key_at(&s, "b", e.ts_ms);
    assert_eq!(s.prune(e.ts_ms, 5000, 0).unwrap(), (0, 1));
    assert_eq!(s.events().count("acc", "bart"), 1);
    assert!(s.keys().by_id("acc", "bart", old.key_id).unwrap().is_none());
    assert!(s.keys().by_id("acc", "bart", new.key_id).unwrap().is_some());
    assert_eq!(s.prune(e.ts_ms + 1, 0, 0).unwrap(), (1, 0));
    assert_eq!(s.events().count("acc", "bart"), 0);
}

#[tokio::test]
async fn deleting_a_stream_removes_its_events_keys_and_tokens() {
    let (_d, s) = store();
    let p = Principal {
        account: "acc".into(),
        stream: "bart".into(),
        output: None,
    };
    append(&s, event("bart", &[0], vec![1])).await;
    let k = key_at(&s, "a", 1);
    s.tokens().put("tok", &p, Some(10_000)).unwrap();
    assert_eq!(s.tokens().find("tok", false, 5).unwrap(), Some(p.clone()));
    s.delete_stream("acc", "bart").unwrap();
    assert_eq!(s.events().count("acc", "bart"), 0);
    assert!(s.keys().by_id("acc", "bart", k.key_id).unwrap().is_none());
    assert!(s.tokens().find("tok", false, 5).unwrap().is_none());
}

#[test]
fn tokens_expire_and_kinds_do_not_mix() {
    let (_d, s) = store();
    let p = Principal {
        account: "acc".into(),
        stream: "bart".into(),
        output: Some("o".into()),
    };
    s.tokens().put("id", &p, Some(100)).unwrap();
    s.tokens().put("refresh", &p, None).unwrap();
    assert_eq!(s.tokens().find("id", false, 99).unwrap(), Some(p.clone()));
    assert!(s.tokens().find("id", false, 100).unwrap().is_none());
    assert!(s.tokens().find("id", true, 1).unwrap().is_none());
    assert_eq!(s.tokens().find("refresh", true, i64::MAX).unwrap(), Some(p));
}

#[test]
fn export_state_is_stable_and_commits() {
    let (_d, s) = store();
    let (uuid, pos) = s.exports().state("acc", "bart", "s3", false, 7).unwrap();
    assert_eq!(pos, 7);
    s.exports()
        .commit("acc", "bart", "s3", false, 42, None)
        .unwrap();
    assert_eq!(
        s.exports().state("acc", "bart", "s3", false, 0).unwrap(),
        (uuid.clone(), 42)
    );
    let (other, _) = s.exports().state("acc", "bart", "s3", true, 0).unwrap();
    assert_ne!(uuid, other);
    s.exports().forget("acc", "bart", "s3", false).unwrap();
    assert_ne!(
        s.exports().state("acc", "bart", "s3", false, 0).unwrap().0,
        uuid
    );
}

#[test]
fn an_exporter_record_keeps_totals_and_the_last_error_until_a_success() {
    let (_d, s) = store();
    let e = s.exports();
    assert_eq!(e.record("acc", "bart", "s3", false).unwrap(), None);
    e.state("acc", "bart", "s3", false, 0).unwrap();
    let written = |n: usize| Written {
        object: format!("level01/batch-{n}.jsonl"),
        lines: n,
        bytes: 100 * n,
        at_ms: 1000 * n as i64,
    };
    e.commit("acc", "bart", "s3", false, 5, Some(&written(2)))
        .unwrap();
    e.commit("acc", "bart", "s3", false, 6, None).unwrap();
    assert!(
        e.attempted("acc", "bart", "s3", false, Some("bucket gone"), 7000)
            .unwrap()
    );
    assert!(
        !e.attempted("acc", "bart", "s3", false, Some("bucket gone"), 8000)
            .unwrap(),
        "the same error again changes nothing"
    );
    let failing = e.record("acc", "bart", "s3", false).unwrap().unwrap();
    assert_eq!(failing.last_error.as_deref(), Some("bucket gone"));
    assert_eq!(failing.failed_ms, Some(7000));
    e.commit("acc", "bart", "s3", false, 9, Some(&written(3)))
        .unwrap();
    let r = e.record("acc", "bart", "s3", false).unwrap().unwrap();
    assert_eq!(
        r,
        ExportRecord {
            position: 9,
            last_batch_ms: Some(3000),
            last_object: Some("level01/batch-3.jsonl".into()),
            objects: 2,
            events: 5,
            bytes: 500,
            last_error: None,
            failed_ms: None,
        }
    );
    assert!(!e.attempted("acc", "bart", "s3", false, None, 9000).unwrap());
}

#[test]
fn usage_counts_add_up_per_second_and_per_window_and_go_with_their_stream() {
    let (_d, s) = store();
    let count = |name: &str, second: i64, count: u64| Count {
        account: "acc".into(),
        name: name.into(),
        second,
        count,
    };
    let u = s.usage();
    u.add(&[
        count("bart", 101, 2),
        count("bart", 109, 3),
        count("level0-1", 109, 1),
    ])
    .unwrap();
    u.add(&[count("bart", 109, 1), count("bart", 110, 4)])
        .unwrap();
    assert_eq!(
        u.counts("acc", "bart", Resolution::Seconds, 100, 111)
            .unwrap(),
        vec![(101, 2), (109, 4), (110, 4)]
    );
    assert_eq!(
        u.counts("acc", "bart", Resolution::Windows, 0, 1000)
            .unwrap(),
        vec![(100, 6), (110, 4)]
    );
    assert_eq!(u.last_second("acc", "bart").unwrap(), Some(110));
    assert_eq!(u.last_second("other", "bart").unwrap(), None);
    s.prune(0, 0, 105_000).unwrap();
    assert_eq!(
        u.counts("acc", "bart", Resolution::Seconds, 0, 1000)
            .unwrap(),
        vec![(109, 4), (110, 4)]
    );
    assert_eq!(u.last_second("acc", "level0-1").unwrap(), Some(109));
    s.delete_stream("acc", "bart").unwrap();
    assert!(
        u.counts("acc", "bart", Resolution::Windows, 0, 1000)
            .unwrap()
            .is_empty()
    );
    assert_eq!(u.last_second("acc", "level0-1").unwrap(), Some(109));
}
