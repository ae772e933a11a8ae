//! The live tail view's state: a bounded ring of the newest events with counters, the
//! `/` filter (the lines it lets through, kept as events arrive) and a pause that holds
//! what arrives in a bounded buffer. The worker's tail task (`worker/tail.rs`) sends
//! the batches and connects again by itself; they meet only in `protocol`.

mod search;

use std::collections::VecDeque;
use std::path::PathBuf;

pub use self::search::{Filter, matches_in};
pub use crate::protocol::RING;
use crate::protocol::{TailBatch, TailTarget};

/// Events a paused tail holds for when it resumes; more are dropped, oldest first.
pub const HOLD_MAX: usize = RING;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TailState {
    Connecting,
    Live,
    /// No saved secret (or one of another clientId: `stale`) in `file`.
    NoSecret {
        file: PathBuf,
        stale: bool,
    },
    Failed(String),
    /// The server closed the websocket.
    Ended,
    /// The websocket went away (`reason`); the tail connects again by itself.
    Reconnecting {
        reason: String,
        attempt: u32,
    },
}

/// The tail popup's state. `id` is the worker request that runs the tail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TailView {
    pub id: u64,
    pub target: TailTarget,
    pub state: TailState,
    pub lines: VecDeque<String>,
    /// `lines` with ASCII letters lower-cased, for the filter: made once per event, so
    /// a keystroke in `/` costs a plain substring search per line.
    lower: VecDeque<String>,
    /// The number of `lines[0]` among all events kept so far.
    pub first: u64,
    pub received: u64,
    pub dropped: u64,
    pub paused: bool,
    /// What arrived while paused, newest last.
    pub held: VecDeque<String>,
    /// Of those, dropped because the buffer was full.
    pub held_dropped: u64,
    /// Lines hidden below the view (0 follows the newest). With a filter, lines of the
    /// filtered list.
    pub scroll: usize,
    /// Columns hidden left of the view.
    pub hscroll: u16,
    /// Long events wrap over several rows instead of being cut at the edge.
    pub wrap: bool,
    pub filter: Filter,
    /// The `/` line has the keys.
    pub filter_editing: bool,
    /// The match `n`/`N` last jumped to: (event number, byte offset).
    pub at_match: Option<(u64, usize)>,
    /// How often the tail connected again after losing its websocket.
    pub reconnects: u32,
}

impl TailView {
    pub fn new(id: u64, target: TailTarget) -> TailView {
        TailView {
            id,
            target,
            state: TailState::Connecting,
            lines: VecDeque::with_capacity(RING),
            lower: VecDeque::with_capacity(RING),
            first: 0,
            received: 0,
            dropped: 0,
            paused: false,
            held: VecDeque::new(),
            held_dropped: 0,
            scroll: 0,
            hscroll: 0,
            wrap: false,
            filter: Filter::default(),
            filter_editing: false,
            at_match: None,
            reconnects: 0,
        }
    }

    /// Adds a batch: kept, or held while paused (bounded); a view scrolled back stays
    /// on the events it shows.
    pub fn append(&mut self, mut batch: TailBatch) {
        let lines = std::mem::take(&mut batch.lines);
        self.received += lines.len() as u64 + batch.dropped;
        self.dropped += batch.dropped;
        if self.paused {
            self.held.extend(lines);
            let over = self.held.len().saturating_sub(HOLD_MAX);
            self.held.drain(..over);
            self.held_dropped += over as u64;
            self.dropped += over as u64;
            return;
        }
        self.keep(lines);
    }

    fn keep(&mut self, lines: Vec<String>) {
        let start = self.first + self.lines.len() as u64;
        let mut shown = 0;
        for (i, line) in lines.iter().enumerate() {
            let lower = line.to_ascii_lowercase();
            if self.filter.offer(start + i as u64, &lower) {
                shown += 1;
            }
            self.lower.push_back(lower);
        }
        self.lines.extend(lines);
        let over = self.lines.len().saturating_sub(RING);
        self.lines.drain(..over);
        self.lower.drain(..over);
        self.first += over as u64;
        self.filter.forget_before(self.first);
        // New lines come in below: a view scrolled back stays on its lines.
        if self.scroll > 0 {
            self.scroll += shown;
        }
        self.scroll = self.scroll.min(self.shown_len().saturating_sub(1));
    }

    /// Pauses, or resumes with what was held.
    pub fn toggle_pause(&mut self) {
        self.paused = !self.paused;
        if !self.paused {
            let held: Vec<String> = self.held.drain(..).collect();
            self.held_dropped = 0;
            self.keep(held);
        }
    }

    /// How many lines the view lists: all kept, or those the filter lets through.
    pub fn shown_len(&self) -> usize {
        if self.filter.is_active() {
            self.filter.hits.len()
        } else {
            self.lines.len()
        }
    }

    /// The event number of the `k`-th line the view lists.
    pub fn shown_number(&self, k: usize) -> Option<u64> {
        if self.filter.is_active() {
            self.filter.hits.get(k).copied()
        } else {
            (k < self.lines.len()).then(|| self.first + k as u64)
        }
    }

    pub fn line(&self, number: u64) -> Option<&str> {
        let i = number.checked_sub(self.first)? as usize;
        self.lines.get(i).map(String::as_str)
    }

    /// The lines the view lists, oldest first (what `s` saves).
    pub fn shown(&self) -> Vec<String> {
        (0..self.shown_len())
            .filter_map(|k| self.line(self.shown_number(k)?).map(str::to_string))
            .collect()
    }

    /// The selected line: the lowest one in view.
    pub fn selected(&self) -> Option<(u64, &str)> {
        let end = self.shown_len().checked_sub(self.scroll + 1)?;
        let n = self.shown_number(end)?;
        Some((n, self.line(n)?))
    }

    pub fn scroll_by(&mut self, up: isize) {
        let max = self.shown_len().saturating_sub(1) as isize;
        self.scroll = (self.scroll as isize + up).clamp(0, max.max(0)) as usize;
    }

    /// Filters the kept lines by `text` (as typed, case-insensitive).
    pub fn set_filter(&mut self, text: String) {
        self.filter.set(text, self.first, &self.lower);
        self.scroll = 0;
        self.at_match = None;
    }

    /// Jumps to the next (or previous) match of the filter, from the one last jumped
    /// to or the selected line: the line comes into view, and the match in sight.
    pub fn jump(&mut self, forward: bool, width: usize) {
        if !self.filter.is_active() {
            return;
        }
        // The first jump starts at the selected line: forward its own first match
        // counts, backward the one before it.
        let (from, at_from) = match self.at_match {
            Some(m) => (Some(m), false),
            None => (self.selected().map(|(n, _)| (n, 0)), forward),
        };
        let Some(found) = self
            .filter
            .next_match(&self.lines, self.first, from, forward, at_from)
        else {
            return;
        };
        self.at_match = Some(found);
        if let Some(k) = self.filter.hits.iter().position(|&n| n == found.0) {
            self.scroll = self.shown_len() - 1 - k;
        }
        // Byte offset to columns; the match starts a little in from the left edge.
        let line = self.line(found.0).unwrap_or_default();
        let col = line.get(..found.1).map_or(0, |s| s.chars().count());
        self.hscroll = if col + self.filter.text.chars().count() < width {
            0
        } else {
            col.saturating_sub(width / 4) as u16
        };
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    fn target() -> TailTarget {
        TailTarget {
            name: "bart".into(),
            client_id: "cid".into(),
            output_of: None,
        }
    }

    fn numbered(range: std::ops::Range<usize>) -> Vec<String> {
        range.map(|i| format!("{{\"n\":{i}}}")).collect()
    }

    #[test]
    fn the_ring_keeps_the_newest_and_counts_everything() {
        let mut view = TailView::new(1, target());
        view.append(TailBatch::new(numbered(0..RING + 20), 3));
        assert_eq!(view.lines.len(), RING);
        assert_eq!(
            view.lines.back().unwrap(),
            &format!("{{\"n\":{}}}", RING + 19)
        );
        assert_eq!(view.lines.front().unwrap(), "{\"n\":20}");
        assert_eq!((view.received, view.dropped), (RING as u64 + 23, 3));
        assert_eq!(view.first, 20);
    }

    #[test]
    fn a_paused_tail_holds_a_bounded_buffer_and_resumes_with_it() {
        let mut view = TailView::new(1, target());
        view.append(TailBatch::new(numbered(0..3), 0));
        view.toggle_pause();
        view.append(TailBatch::new(numbered(3..HOLD_MAX + 13), 0));
        assert_eq!(view.lines.len(), 3, "the view stays as it was");
        assert_eq!((view.held.len(), view.held_dropped), (HOLD_MAX, 10));
        assert_eq!(view.dropped, 10);
        view.toggle_pause();
        assert!(view.held.is_empty());
        assert_eq!(
            view.lines.back().unwrap(),
            &format!("{{\"n\":{}}}", HOLD_MAX + 12)
        );
        assert_eq!(view.lines.len(), RING);
    }

    #[test]
    fn the_filter_keeps_up_with_new_and_dropped_lines_and_n_jumps_between_matches() {
        let mut view = TailView::new(1, target());
        view.append(TailBatch::new(
            vec!["{\"url\":\"A\"}".into(), "{\"x\":1}".into()],
            0,
        ));
        view.set_filter("url".into());
        assert_eq!(view.shown(), ["{\"url\":\"A\"}"]);
        view.append(TailBatch::new(
            vec!["{\"URL\":\"b\"}".into(), "{}".into()],
            0,
        ));
        assert_eq!(
            view.shown_len(),
            2,
            "case-insensitive, and new lines are filtered"
        );
        assert_eq!(view.selected().unwrap().1, "{\"URL\":\"b\"}");
        view.jump(false, 80);
        assert_eq!(view.selected().unwrap().1, "{\"url\":\"A\"}");
        view.jump(true, 80);
        assert_eq!(view.selected().unwrap().1, "{\"URL\":\"b\"}");
        view.append(TailBatch::new(numbered(0..RING), 0));
        assert_eq!(view.shown_len(), 0, "matches that left the ring are gone");
        view.set_filter(String::new());
        assert_eq!(view.shown_len(), RING);
    }

    #[test]
    fn a_consumed_batch_gives_its_credit_back() {
        let outstanding = Arc::new(AtomicUsize::new(0));
        let batch = TailBatch::counted(vec!["{}".into(), "{}".into()], 0, &outstanding);
        let copy = batch.clone();
        drop(copy);
        assert_eq!(
            outstanding.load(Ordering::Relaxed),
            2,
            "a clone has no credit"
        );
        let mut view = TailView::new(1, target());
        view.append(batch);
        assert_eq!(outstanding.load(Ordering::Relaxed), 0);
    }
}
