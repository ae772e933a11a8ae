//! Usage counting (`observability.md`, "Usage"): every accepted event is counted in
//! memory, per stream, second and consent set — a few instructions under a lock of its
//! own on the request's path — and `flush` moves the counts into the store every few
//! seconds and at shutdown. An output's count is the events its view admits; flush
//! works it out from the consent sets, so ingest never looks at outputs.
//!
//! A query reads the store and what is still in memory; the gate keeps a flush from
//! running in between, so a count is seen once, never twice or not at all.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, RwLock};

use super::consent::View;
use super::store::{Count, Resolution, StoreError, UsageStore};
use strm_model::rules::{USAGE_COARSE_SECS, UsageRange};

/// How often the scheduler flushes counts to the store.
pub const FLUSH_EVERY_MS: i64 = 5_000;

/// One second's counts of a stream, per consent set (events carry a handful of sets).
struct Second {
    at: i64,
    counts: Vec<(Box<[i32]>, u64)>,
}

impl Second {
    fn admitted(&self, view: &View) -> u64 {
        self.counts
            .iter()
            .filter(|(consent, _)| view.admits(consent))
            .map(|(_, n)| n)
            .sum()
    }
}

/// account → stream → its seconds in time order.
type Pending = HashMap<String, HashMap<String, Vec<Second>>>;

/// A stream's outputs with their views, by account and stream (`Directory::outputs_of`).
pub type OutputsOf<'a> = &'a dyn Fn(&str, &str) -> Vec<(String, View)>;

/// What a query counts: a stream (`name == source`, the source view) or an output of
/// `source` with its view.
pub struct Counted<'a> {
    pub account: &'a str,
    pub name: &'a str,
    pub source: &'a str,
    pub view: &'a View,
}

#[derive(Default)]
pub struct Usage {
    pending: Mutex<Pending>,
    /// Written while a flush moves counts from memory to the store, read while a query
    /// reads both. Ingest never takes it.
    gate: RwLock<()>,
}

impl Usage {
    fn pending(&self) -> MutexGuard<'_, Pending> {
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Counts one accepted event.
    pub fn count(&self, account: &str, stream: &str, ts_ms: i64, consent: &[i32]) {
        let at = ts_ms.div_euclid(1000);
        let mut pending = self.pending();
        // Looked up by reference first: a known stream allocates nothing.
        if !pending.get(account).is_some_and(|s| s.contains_key(stream)) {
            pending
                .entry(account.to_owned())
                .or_default()
                .insert(stream.to_owned(), Vec::new());
        }
        let Some(seconds) = pending.get_mut(account).and_then(|s| s.get_mut(stream)) else {
            return;
        };
        // Nearly always the newest second; an event counted late by a slower thread
        // finds its place.
        let i = match seconds.last() {
            Some(last) if last.at == at => seconds.len() - 1,
            Some(last) if last.at < at => seconds.len(),
            None => 0,
            Some(_) => match seconds.binary_search_by_key(&at, |s| s.at) {
                Ok(i) | Err(i) => i,
            },
        };
        if seconds.get(i).is_none_or(|s| s.at != at) {
            seconds.insert(
                i,
                Second {
                    at,
                    counts: Vec::new(),
                },
            );
        }
        let second = &mut seconds[i];
        match second.counts.iter_mut().find(|(c, _)| **c == *consent) {
            Some((_, n)) => *n += 1,
            None => second.counts.push((consent.into(), 1)),
        }
    }

    /// Moves the counts in memory to the store: each stream's, and each of its
    /// outputs' (`outputs` names them with their views). On failure they stay in memory
    /// for the next flush. The number of rows written.
    pub fn flush(&self, store: &UsageStore, outputs: OutputsOf<'_>) -> Result<usize, StoreError> {
        let _gate = self.gate.write().unwrap_or_else(|e| e.into_inner());
        let taken = std::mem::take(&mut *self.pending());
        let mut rows = Vec::new();
        for (account, streams) in &taken {
            for (stream, seconds) in streams {
                let views = outputs(account, stream);
                for second in seconds {
                    let row = |name: &str, count| Count {
                        account: account.clone(),
                        name: name.to_owned(),
                        second: second.at,
                        count,
                    };
                    rows.push(row(stream, second.counts.iter().map(|(_, n)| n).sum()));
                    for (output, view) in &views {
                        let n = second.admitted(view);
                        if n > 0 {
                            rows.push(row(output, n));
                        }
                    }
                }
            }
        }
        if let Err(e) = store.add(&rows) {
            self.restore(taken);
            return Err(e);
        }
        Ok(rows.len())
    }

    /// Puts counts a failed flush took back, merged with those counted meanwhile.
    fn restore(&self, taken: Pending) {
        let mut pending = self.pending();
        for (account, streams) in taken {
            let into = pending.entry(account).or_default();
            for (stream, seconds) in streams {
                let now = into.entry(stream).or_default();
                for second in seconds {
                    match now.binary_search_by_key(&second.at, |s| s.at) {
                        Err(i) => now.insert(i, second),
                        Ok(i) => {
                            for (consent, n) in second.counts {
                                match now[i].counts.iter_mut().find(|(c, _)| *c == consent) {
                                    Some((_, m)) => *m += n,
                                    None => now[i].counts.push((consent, n)),
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Forgets a deleted stream's (or output's) counts in memory.
    pub fn forget(&self, account: &str, stream: &str) {
        if let Some(streams) = self.pending().get_mut(account) {
            streams.remove(stream);
        }
    }

    /// A stream's or output's count in each window of `range`, and the start (epoch
    /// milliseconds) of the last second it had an event in.
    pub fn windows(
        &self,
        store: &UsageStore,
        what: &Counted<'_>,
        range: &UsageRange,
    ) -> Result<(Vec<u64>, Option<i64>), StoreError> {
        let _gate = self.gate.read().unwrap_or_else(|e| e.into_inner());
        let mut counts = vec![0u64; range.windows];
        let (start_ms, by_ms) = (range.start_ms, range.by_ms());
        let mut add = |second: i64, n: u64| {
            let at = second * 1000 - start_ms;
            if at >= 0
                && let Some(c) = counts.get_mut((at / by_ms) as usize)
            {
                *c += n;
            }
        };
        let resolution = if range.by as i64 % USAGE_COARSE_SECS == 0 {
            Resolution::Windows
        } else {
            Resolution::Seconds
        };
        let (from_s, until_s) = (start_ms.div_euclid(1000), range.end_ms().div_euclid(1000));
        for (second, n) in store.counts(what.account, what.name, resolution, from_s, until_s)? {
            add(second, n);
        }
        let mut last = store.last_second(what.account, what.name)?;
        if let Some(seconds) = self
            .pending()
            .get(what.account)
            .and_then(|s| s.get(what.source))
        {
            for second in seconds {
                let n = second.admitted(what.view);
                if n > 0 {
                    if (from_s..until_s).contains(&second.at) {
                        add(second.at, n);
                    }
                    last = last.max(Some(second.at));
                }
            }
        }
        Ok((counts, last.map(|s| s * 1000)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataplane::store::DataStore;
    use strm_model::ConsentLevelType;

    fn range(start_s: i64, by: u32, windows: usize) -> UsageRange {
        UsageRange {
            start_ms: start_s * 1000,
            by,
            windows,
        }
    }

    #[test]
    fn counts_are_seen_once_before_and_after_a_flush_and_outputs_count_what_they_admit() {
        let dir = tempfile::tempdir().unwrap();
        let store = DataStore::open(&dir.path().join("db.sqlite")).unwrap();
        let usage = Usage::default();
        let granular = View::output(ConsentLevelType::Granular, &[0, 1]);
        for (ts, consent) in [
            (100_100, &[0, 1][..]),
            (100_900, &[0][..]),
            (101_000, &[0, 1, 2][..]),
            (99_500, &[1, 0][..]),
            (112_000, &[][..]),
        ] {
            usage.count("acc", "bart", ts, consent);
        }
        usage.count("other", "bart", 100_000, &[0, 1]);
        let stream = Counted {
            account: "acc",
            name: "bart",
            source: "bart",
            view: &View::Source,
        };
        let output = Counted {
            account: "acc",
            name: "level0-1",
            source: "bart",
            view: &granular,
        };
        let check = |usage: &Usage| {
            let tens = range(90, 10, 3);
            let (counts, last) = usage.windows(store.usage(), &stream, &tens).unwrap();
            assert_eq!((counts, last), (vec![1, 3, 1], Some(112_000)));
            let (counts, last) = usage.windows(store.usage(), &output, &tens).unwrap();
            assert_eq!((counts, last), (vec![1, 2, 0], Some(101_000)));
            let seconds = range(99, 1, 3);
            let (counts, _) = usage.windows(store.usage(), &stream, &seconds).unwrap();
            assert_eq!(counts, vec![1, 2, 1]);
        };
        check(&usage);
        let outputs = |account: &str, _stream: &str| match account {
            "acc" => vec![("level0-1".to_string(), granular.clone())],
            _ => Vec::new(),
        };
        assert_eq!(usage.flush(store.usage(), &outputs).unwrap(), 8);
        check(&usage);
        usage.count("acc", "bart", 100_500, &[0, 1]);
        let (counts, _) = usage
            .windows(store.usage(), &output, &range(100, 1, 1))
            .unwrap();
        assert_eq!(counts, vec![2], "memory and store add up");
        usage.forget("acc", "bart");
        let (counts, _) = usage
            .windows(store.usage(), &output, &range(100, 1, 1))
            .unwrap();
        assert_eq!(counts, vec![1]);
    }
}
