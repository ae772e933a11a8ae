//! What the console last heard of usage and exporter statuses, for the tables' rate
//! and last-event columns, the detail sparkline, the xray and the pulse.

use std::collections::{BTreeMap, HashMap};

use crate::protocol::ExporterRef;
use strm_model::{ExporterStatus, UsageSeries, UsageSummary};

/// The usage the console asks for: the last ten minutes in 10-second windows.
pub const USAGE_SPAN_SECS: i64 = 600;
pub const USAGE_BY: u32 = 10;
/// The rate column's span: events per second over the last minute.
const RATE_SPAN_MS: i64 = 60_000;

#[derive(Debug, Clone, Default)]
pub struct Observed {
    /// The last usage answer.
    pub usage: Option<UsageSummary>,
    /// When it came (epoch milliseconds): rates and ages are as of then.
    pub usage_at_ms: i64,
    /// The API has no usage (not the local server): the columns say so, and it is not
    /// asked again.
    pub unsupported: bool,
    index: HashMap<String, usize>,
    /// Events per second in and out per complete window, summed once per answer.
    totals: [Vec<f64>; 2],
    pub statuses: BTreeMap<ExporterRef, Result<ExporterStatus, String>>,
}

impl Observed {
    pub fn set_usage(&mut self, summary: UsageSummary, at_ms: i64) {
        self.index = summary
            .usage
            .iter()
            .enumerate()
            .map(|(i, s)| (s.name().to_string(), i))
            .collect();
        self.usage = Some(summary);
        self.usage_at_ms = at_ms;
        self.totals = [self.sum(false), self.sum(true)];
    }

    pub fn series(&self, name: &str) -> Option<&UsageSeries> {
        let i = *self.index.get(name)?;
        self.usage.as_ref()?.usage.get(i)
    }

    pub fn all(&self) -> &[UsageSeries] {
        self.usage.as_ref().map_or(&[], |u| &u.usage)
    }

    /// Events per second over about the last minute: the windows that began in it,
    /// the current one too (so a rate shows at once), over the time they span up to
    /// the answer; `None` before any answer.
    pub fn rate(&self, name: &str) -> Option<f64> {
        let series = self.series(name)?;
        let usage = self.usage.as_ref()?;
        let by_ms = usage.by.max(1) as i64 * 1000;
        let since = self.usage_at_ms - RATE_SPAN_MS;
        let mut first = None;
        let mut events = 0;
        for (i, &n) in series.counts.iter().enumerate() {
            let start = usage.from + i as i64 * by_ms;
            if start >= since && start < self.usage_at_ms {
                first.get_or_insert(start);
                events += n;
            }
        }
        let span = first.map_or(0, |f| self.usage_at_ms - f).max(1000);
        Some(events as f64 * 1000.0 / span as f64)
    }

    /// How long before the answer the last event came, in milliseconds.
    pub fn last_event_age(&self, name: &str) -> Option<i64> {
        let at = self.series(name)?.last_event_at?;
        Some(self.usage_at_ms - at)
    }

    /// How many windows had ended when the answer came: charts leave out the one
    /// still filling, which would look like a drop.
    fn complete(&self) -> usize {
        let Some(u) = &self.usage else { return 0 };
        let by_ms = u.by.max(1) as i64 * 1000;
        ((self.usage_at_ms - u.from).div_euclid(by_ms)).max(0) as usize
    }

    /// The counts of the complete windows of a stream or output, oldest first.
    pub fn counts(&self, name: &str) -> &[u64] {
        let complete = self.complete();
        self.series(name)
            .map_or(&[], |s| &s.counts[..complete.min(s.counts.len())])
    }

    /// Per complete window, the events of every stream (`outputs` false: ingest) or of
    /// every output (delivery), per second.
    pub fn totals(&self, outputs: bool) -> &[f64] {
        &self.totals[outputs as usize]
    }

    fn sum(&self, outputs: bool) -> Vec<f64> {
        let Some(usage) = &self.usage else {
            return Vec::new();
        };
        let windows = usage
            .usage
            .first()
            .map_or(0, |s| s.counts.len())
            .min(self.complete());
        let mut sum = vec![0u64; windows];
        for series in usage.usage.iter().filter(|s| s.output.is_some() == outputs) {
            for (total, n) in sum.iter_mut().zip(&series.counts) {
                *total += n;
            }
        }
        let by = usage.by.max(1) as f64;
        sum.into_iter().map(|n| n as f64 / by).collect()
    }

    /// The cells of a table's rate and last-event columns.
    pub fn cells(&self, name: &str) -> [String; 2] {
        if self.unsupported || self.usage.is_none() {
            return ["—".into(), "—".into()];
        }
        let rate = self.rate(name).map_or("0".into(), super::format_rate);
        let last = self
            .last_event_age(name)
            .map_or("none".into(), super::format_age);
        [rate, last]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rate_is_the_last_minute_up_to_the_answer_and_ages_are_as_of_it() {
        let mut o = Observed::default();
        assert_eq!(o.cells("bart"), ["—", "—"]);
        // Eight windows from 0 to 80 s; the answer came at 75 s: the windows that
        // began in the last minute are those of 20..=70 s, 55 s of events.
        let series = |output: Option<&str>, counts: Vec<u64>, last| UsageSeries {
            stream: "bart".into(),
            output: output.map(str::to_string),
            counts,
            last_event_at: last,
        };
        o.set_usage(
            UsageSummary {
                from: 0,
                until: 80_000,
                by: 10,
                usage: vec![
                    series(None, vec![100, 100, 6, 6, 6, 6, 6, 3], Some(71_000)),
                    series(Some("level0-1"), vec![0; 8], None),
                ],
            },
            75_000,
        );
        assert_eq!(o.rate("bart"), Some(33.0 / 55.0));
        assert_eq!(o.cells("bart"), ["0.6", "4s"]);
        assert_eq!(o.cells("level0-1"), ["0", "none"]);
        assert_eq!(
            o.totals(false).len(),
            7,
            "the window still filling is left out"
        );
        assert_eq!(o.totals(false)[6], 0.6);
        assert_eq!(o.counts("bart").len(), 7);
        assert_eq!(o.totals(true)[0], 0.0);
        assert_eq!(o.counts("nope"), &[] as &[u64]);
    }
}
