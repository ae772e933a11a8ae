//! The in-memory index of the log: each stream's events in sequence order, with where
//! each one's record is and which consent levels it carries (as a class: events share
//! a handful of consent sets, so each entry holds a number, not the set).

use std::collections::{HashMap, VecDeque};

/// Where one event's record is.
#[derive(Debug, Clone, Copy)]
pub(super) struct Entry {
    pub seq: i64,
    pub ts_ms: i64,
    /// Within the segment whose first sequence number is the greatest not above `seq`.
    pub offset: u64,
    pub len: u32,
    /// The event's consent levels, by `Index::consent`; fits the entry's padding.
    pub class: u32,
}

/// account → stream → its events in sequence order.
#[derive(Default)]
pub(super) struct Index {
    streams: HashMap<String, HashMap<String, VecDeque<Entry>>>,
    /// Every consent set seen, by class number.
    classes: Vec<Box<[i32]>>,
    class_of: HashMap<Box<[i32]>, u32>,
}

impl Index {
    /// The class number of a consent set, made on first sight.
    pub fn class(&mut self, consent: &[i32]) -> u32 {
        if let Some(&class) = self.class_of.get(consent) {
            return class;
        }
        let class = self.classes.len() as u32;
        self.classes.push(consent.into());
        self.class_of.insert(consent.into(), class);
        class
    }

    pub fn consent(&self, class: u32) -> &[i32] {
        self.classes.get(class as usize).map_or(&[], |c| c)
    }

    pub fn entries(&self, account: &str, stream: &str) -> Option<&VecDeque<Entry>> {
        self.streams.get(account)?.get(stream)
    }

    /// Adds an event after the stream's others.
    pub fn push(&mut self, account: &str, stream: &str, entry: Entry) {
        // Looked up by reference first: an event of a known stream allocates nothing.
        if let Some(entries) = self
            .streams
            .get_mut(account)
            .and_then(|s| s.get_mut(stream))
        {
            entries.push_back(entry);
            return;
        }
        self.streams
            .entry(account.to_owned())
            .or_default()
            .entry(stream.to_owned())
            .or_default()
            .push_back(entry);
    }

    pub fn forget(&mut self, account: &str, stream: &str) {
        if let Some(streams) = self.streams.get_mut(account) {
            streams.remove(stream);
            if streams.is_empty() {
                self.streams.remove(account);
            }
        }
    }

    /// Drops the events accepted before `before_ms`; how many.
    pub fn prune(&mut self, before_ms: i64) -> usize {
        let mut dropped = 0;
        for streams in self.streams.values_mut() {
            for entries in streams.values_mut() {
                let keep = entries.partition_point(|e| e.ts_ms < before_ms);
                entries.drain(..keep);
                dropped += keep;
            }
            streams.retain(|_, entries| !entries.is_empty());
        }
        self.streams.retain(|_, streams| !streams.is_empty());
        dropped
    }
}
