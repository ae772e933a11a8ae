//! Seeing the data flow (`observability.md`): what the console knows of usage and
//! exporter statuses, and the state of the views built on them — the xray tree, the
//! pulse, the bucket browser and the event inspector. The views draw it (`views/`),
//! `update/observe.rs` changes it.

pub mod buckets;
pub mod inspector;
pub mod pulse;
pub mod usage;
pub mod xray;

pub use usage::Observed;

/// "4s", "3m", "2h", "5d": how long ago, in the largest whole unit.
pub fn format_age(ms: i64) -> String {
    let s = (ms / 1000).max(0);
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m", s / 60),
        3600..86_400 => format!("{}h", s / 3600),
        _ => format!("{}d", s / 86_400),
    }
}

/// Events per second, short: "0", "0.3", "12", "1.5k".
pub fn format_rate(rate: f64) -> String {
    if rate <= 0.0 {
        "0".into()
    } else if rate < 10.0 {
        let text = format!("{rate:.1}");
        text.strip_suffix(".0").map_or(text.clone(), str::to_string)
    } else if rate < 1000.0 {
        format!("{rate:.0}")
    } else {
        format!("{:.1}k", rate / 1000.0)
    }
}

/// Bars for a sparkline in text (tables, where a widget per row would not fit).
pub fn spark_text(counts: &[u64], width: usize) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let shown = &counts[counts.len().saturating_sub(width)..];
    let max = shown.iter().copied().max().unwrap_or(0);
    shown
        .iter()
        .map(|&n| match (n, max) {
            (0, _) | (_, 0) => ' ',
            (n, max) => BARS[(n * 7 / max).min(7) as usize],
        })
        .collect()
}

/// Bytes, short: "512 B", "3.1 KB", "2.0 MB".
pub fn format_bytes(n: u64) -> String {
    match n {
        0..1024 => format!("{n} B"),
        1024..1_048_576 => format!("{:.1} KB", n as f64 / 1024.0),
        _ => format!("{:.1} MB", n as f64 / 1_048_576.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_rates_bars_and_sizes_read_short() {
        assert_eq!(format_age(4_200), "4s");
        assert_eq!(format_age(185_000), "3m");
        assert_eq!(format_age(7_300_000), "2h");
        assert_eq!(format_age(-5), "0s");
        assert_eq!(format_rate(0.0), "0");
        assert_eq!(format_rate(0.25), "0.2");
        assert_eq!(format_rate(3.0), "3");
        assert_eq!(format_rate(123.4), "123");
        assert_eq!(format_rate(1530.0), "1.5k");
        assert_eq!(spark_text(&[0, 1, 2, 4, 8], 4), "▁▂▄█");
        assert_eq!(spark_text(&[0, 0], 5), "  ");
        assert_eq!(format_bytes(2048), "2.0 KB");
    }
}
