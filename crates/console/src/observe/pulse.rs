//! `:pulse`: ingest and delivery over the last minutes as a chart, each stream's and
//! output's rate with a sparkline, and the exporters with their state, last batch and
//! pending events (failing ones first, in words and in colour). The numbers come from
//! `Observed`; this is only where the list is scrolled to.

use std::cell::Cell;

use super::Observed;
use crate::protocol::ExporterRef;
use strm_model::{ExporterState, ExporterStatus};

#[derive(Debug, Default)]
pub struct PulseView {
    /// The first stream or output row shown.
    pub scroll: usize,
    /// Rows the list had room for in the last frame (a page).
    pub page: Cell<usize>,
}

impl PulseView {
    pub fn scroll_by(&mut self, by: isize, rows: usize) {
        let max = rows.saturating_sub(self.page.get().max(1)) as isize;
        self.scroll = (self.scroll as isize + by).clamp(0, max.max(0)) as usize;
    }
}

/// The exporters as the pulse lists them: failing first, then by name.
pub fn exporters(observed: &Observed) -> Vec<(&ExporterRef, &Result<ExporterStatus, String>)> {
    let failing = |s: &Result<ExporterStatus, String>| {
        matches!(s, Ok(st) if st.state == ExporterState::Failing) || s.is_err()
    };
    // The map is in name order already: a stable sort moves the failing ones first.
    let mut list: Vec<_> = observed.statuses.iter().collect();
    list.sort_by_key(|(_, s)| !failing(s));
    list
}
