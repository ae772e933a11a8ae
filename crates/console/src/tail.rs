//! The live tail view's state: a bounded ring of the newest events with counters. The
//! worker's tail task (`worker/tail.rs`) sends the batches; they meet only in
//! `protocol`.

use std::collections::VecDeque;
use std::path::PathBuf;

pub use crate::protocol::RING;
use crate::protocol::{TailBatch, TailTarget};

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
    pub received: u64,
    pub dropped: u64,
    pub paused: bool,
    /// Lines hidden below the view (0 follows the newest).
    pub scroll: usize,
    /// Columns hidden left of the view.
    pub hscroll: u16,
    /// Long events wrap over several rows instead of being cut at the edge.
    pub wrap: bool,
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
            received: 0,
            dropped: 0,
            paused: false,
            scroll: 0,
            hscroll: 0,
            wrap: false,
            reconnects: 0,
        }
    }

    /// Adds a batch: kept unless paused (then counted as dropped); a view scrolled
    /// back stays on the events it shows.
    pub fn append(&mut self, mut batch: TailBatch) {
        let lines = std::mem::take(&mut batch.lines);
        self.received += lines.len() as u64 + batch.dropped;
        self.dropped += batch.dropped;
        if self.paused {
            self.dropped += lines.len() as u64;
            return;
        }
        let n = lines.len();
        self.lines.extend(lines);
        let over = self.lines.len().saturating_sub(RING);
        self.lines.drain(..over);
        if self.scroll > 0 {
            self.scroll = (self.scroll + n).min(self.lines.len().saturating_sub(1));
        }
    }

    pub fn scroll_by(&mut self, up: isize) {
        let max = self.lines.len().saturating_sub(1) as isize;
        self.scroll = (self.scroll as isize + up).clamp(0, max.max(0)) as usize;
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

    #[test]
    fn the_ring_keeps_the_newest_and_counts_everything() {
        let mut view = TailView::new(1, target());
        let lines: Vec<String> = (0..RING + 20).map(|i| format!("{{\"n\":{i}}}")).collect();
        view.append(TailBatch::new(lines, 3));
        assert_eq!(view.lines.len(), RING);
        assert_eq!(
            view.lines.back().unwrap(),
            &format!("{{\"n\":{}}}", RING + 19)
        );
        assert_eq!(view.lines.front().unwrap(), "{\"n\":20}");
        assert_eq!((view.received, view.dropped), (RING as u64 + 23, 3));
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
