//! `:buckets`: a sink's objects as folders by prefix. Enter opens a folder, or an
//! object as its lines (an exported batch: one event a line), and a line in the same
//! inspector as the tail's; back goes up a level, to the list of sinks at the top.

use std::cell::Cell;

use strm_model::{ObjectList, SinkType};

/// The sink being browsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Browsed {
    pub name: String,
    pub sink_type: SinkType,
    pub bucket: String,
}

/// One entry of a folder: a folder below it, or an object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    Folder(String),
    Object {
        key: String,
        size: u64,
        last_modified: i64,
    },
}

impl Entry {
    pub fn key(&self) -> &str {
        match self {
            Entry::Folder(k) | Entry::Object { key: k, .. } => k,
        }
    }
}

/// An opened object: its lines.
#[derive(Debug, Clone, Default)]
pub struct Opened {
    pub key: String,
    pub lines: Vec<String>,
    pub size: u64,
    pub loading: bool,
    pub selected: usize,
    pub offset: Cell<usize>,
}

impl Opened {
    /// Whether only the start of the object was read.
    pub fn truncated(&self) -> bool {
        self.size > crate::protocol::OBJECT_SHOWN_MAX
    }
}

#[derive(Debug, Default)]
pub struct BucketsView {
    /// `None`: choosing a sink.
    pub sink: Option<Browsed>,
    /// The folder shown ("" is the bucket's top).
    pub prefix: String,
    pub entries: Vec<Entry>,
    /// More entries after the last (a page of the listing).
    pub more: Option<String>,
    pub loading: bool,
    pub error: Option<String>,
    pub selected: usize,
    pub offset: Cell<usize>,
    pub opened: Option<Opened>,
}

impl BucketsView {
    /// Takes a listing of `prefix` (a later page is added to the entries).
    pub fn listed(&mut self, prefix: &str, list: ObjectList, page: bool) {
        if prefix != self.prefix {
            return;
        }
        let keep = self.entries.get(self.selected).map(|e| e.key().to_string());
        if !page {
            self.entries.clear();
        }
        self.entries
            .extend(list.prefixes.into_iter().map(Entry::Folder));
        self.entries
            .extend(list.objects.into_iter().map(|o| Entry::Object {
                key: o.key,
                size: o.size,
                last_modified: o.last_modified,
            }));
        self.more = list.next;
        self.loading = false;
        self.error = None;
        if let Some(k) = keep {
            self.selected = self
                .entries
                .iter()
                .position(|e| e.key() == k)
                .unwrap_or(self.selected);
        }
        self.selected = self.selected.min(self.entries.len().saturating_sub(1));
    }

    /// The folder above the current one ("" above a top-level folder).
    pub fn parent(&self) -> Option<String> {
        if self.prefix.is_empty() {
            return None;
        }
        let inner = self.prefix.trim_end_matches('/');
        Some(
            inner
                .rfind('/')
                .map_or(String::new(), |i| inner[..=i].to_string()),
        )
    }

    /// Shows `prefix` (empty until its listing comes).
    pub fn enter(&mut self, prefix: String) {
        self.prefix = prefix;
        self.entries.clear();
        self.more = None;
        self.selected = 0;
        self.offset.set(0);
        self.loading = true;
        self.error = None;
    }

    /// The entry's name within the folder shown.
    pub fn short<'a>(&self, entry: &'a Entry) -> &'a str {
        entry
            .key()
            .strip_prefix(self.prefix.as_str())
            .unwrap_or(entry.key())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use strm_model::BucketObject;

    #[test]
    fn folders_come_first_and_parents_go_up_one_level() {
        let mut v = BucketsView::default();
        v.enter("level01/".into());
        assert_eq!(v.parent(), Some(String::new()));
        v.listed(
            "level01/",
            ObjectList {
                objects: vec![BucketObject {
                    key: "level01/a.jsonl".into(),
                    size: 3,
                    last_modified: 0,
                }],
                prefixes: vec!["level01/2026/".into()],
                next: None,
            },
            false,
        );
        assert_eq!(v.entries[0], Entry::Folder("level01/2026/".into()));
        assert_eq!(v.short(&v.entries[1]), "a.jsonl");
        v.enter("level01/2026/".into());
        assert_eq!(v.parent().as_deref(), Some("level01/"));
        // A listing of another folder (an old answer) is not taken.
        v.listed("level01/", ObjectList::default(), false);
        assert!(v.loading);
    }
}
