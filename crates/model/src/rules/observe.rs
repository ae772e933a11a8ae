//! The rules of `observability.md`: usage ranges and windows, bucket object keys and
//! prefixes, page sizes and read lengths. The server enforces them; the CLI checks the
//! same before it sends.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::{Invalid, is_printable};

/// Window lengths a usage request may ask for, in seconds.
pub const USAGE_BY_MIN: i64 = 1;
pub const USAGE_BY_MAX: i64 = 86_400;
pub const USAGE_BY_DEFAULT: u32 = 300;
/// Most windows one usage request answers.
pub const USAGE_WINDOWS_MAX: i64 = 20_000;
/// Most counts (windows times streams and outputs) one account-wide usage request
/// answers.
pub const USAGE_SUMMARY_COUNTS_MAX: usize = 1_000_000;
/// The range a usage request covers when it names none: the last 24 hours.
pub const USAGE_RANGE_DEFAULT_MS: i64 = 24 * 3600 * 1000;
/// The server counts events per second for this long, and per `USAGE_COARSE_SECS`
/// seconds for as long as it keeps the events.
pub const USAGE_FINE_KEEP_SECS: i64 = 3600;
pub const USAGE_COARSE_SECS: i64 = 10;

pub const OBJECTS_LIMIT_DEFAULT: usize = 100;
pub const OBJECTS_LIMIT_MAX: usize = 1000;
/// Most bytes of an object one read answers.
pub const OBJECT_READ_MAX: u64 = 1024 * 1024;
pub const OBJECT_KEY_MAX: usize = 1024;

pub const USAGE_TIME_RULE: &str = "a time is epoch milliseconds or RFC 3339 \
     (2026-11-29T19:20:00Z), and from comes before until";
pub const USAGE_BY_RULE: &str =
    "by is a window length of 1 to 86400 seconds, with at most 20000 windows per request";
pub const USAGE_FINE_RULE: &str = "the server counts per second for the last hour and per \
     10 seconds before that, so windows reaching further back need a by that is a multiple of 10";
pub const USAGE_SUMMARY_RULE: &str = "an account-wide usage request answers at most \
     1000000 counts (windows times streams and outputs); ask for fewer or longer windows";
pub const OBJECT_KEY_RULE: &str = "an object key is 1-1024 bytes of printable characters in \
     '/'-separated segments, none empty, '.' or '..', not starting with '/'";
pub const OBJECT_PREFIX_RULE: &str = "a prefix is at most 1024 bytes of printable characters \
     in '/'-separated segments, none '.' or '..', not starting with '/'";
pub const OBJECTS_LIMIT_RULE: &str = "limit is a whole number from 1 to 1000";
pub const OBJECT_READ_RULE: &str = "a read is at most 1 MiB (1048576 bytes) from an offset \
     inside the object; read larger objects in parts with offset";

/// A time given as epoch milliseconds or RFC 3339, as epoch milliseconds.
pub fn parse_time(field: &str, text: &str) -> Result<i64, Invalid> {
    let text = text.trim();
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return text
            .parse::<i64>()
            .map_err(|_| Invalid::new(field, format!("{text:?} is too large"), USAGE_TIME_RULE));
    }
    let at = OffsetDateTime::parse(text, &Rfc3339).map_err(|e| {
        Invalid::new(
            field,
            format!("{text:?} is not a time ({e})"),
            USAGE_TIME_RULE,
        )
    })?;
    Ok((at.unix_timestamp_nanos() / 1_000_000) as i64)
}

/// The windows of a usage request: each `by` seconds long, aligned to multiples of
/// `by` since the epoch, the first holding `from` and the last ending at or after
/// `until`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UsageRange {
    /// The first window's start, epoch milliseconds.
    pub start_ms: i64,
    pub by: u32,
    pub windows: usize,
}

impl UsageRange {
    pub fn by_ms(&self) -> i64 {
        self.by as i64 * 1000
    }

    /// The end of the last window.
    pub fn end_ms(&self) -> i64 {
        self.start_ms + self.windows as i64 * self.by_ms()
    }

    /// The start of window `i`.
    pub fn window_start(&self, i: usize) -> i64 {
        self.start_ms + i as i64 * self.by_ms()
    }
}

pub fn check_usage_by(text: &str) -> Result<u32, Invalid> {
    let by: i64 = text.trim().parse().map_err(|_| {
        Invalid::new(
            "by",
            format!("{text:?} is not a whole number of seconds"),
            USAGE_BY_RULE,
        )
    })?;
    if !(USAGE_BY_MIN..=USAGE_BY_MAX).contains(&by) {
        return Err(Invalid::new(
            "by",
            format!("{by} is out of range"),
            USAGE_BY_RULE,
        ));
    }
    Ok(by as u32)
}

/// Checks a usage request's `from`, `until` and `by` (each optional, as typed) at
/// `now_ms`: the defaults are the last 24 hours in 300-second windows.
pub fn usage_range(
    from: Option<&str>,
    until: Option<&str>,
    by: Option<&str>,
    now_ms: i64,
) -> Result<UsageRange, Invalid> {
    let by = match by {
        Some(text) => check_usage_by(text)?,
        None => USAGE_BY_DEFAULT,
    };
    let until_ms = match until {
        Some(text) => parse_time("until", text)?,
        None => now_ms,
    };
    let from_ms = match from {
        Some(text) => parse_time("from", text)?,
        None => until_ms - USAGE_RANGE_DEFAULT_MS,
    };
    if from_ms >= until_ms {
        return Err(Invalid::new(
            "from",
            format!("{from_ms} is not before until ({until_ms})"),
            USAGE_TIME_RULE,
        ));
    }
    let by_ms = by as i64 * 1000;
    let start_ms = from_ms.div_euclid(by_ms) * by_ms;
    let windows = (until_ms - start_ms + by_ms - 1) / by_ms;
    if windows > USAGE_WINDOWS_MAX {
        return Err(Invalid::new(
            "by",
            format!("{by} s windows from {from_ms} to {until_ms} are {windows} windows"),
            USAGE_BY_RULE,
        ));
    }
    if by as i64 % USAGE_COARSE_SECS != 0 && start_ms < now_ms - USAGE_FINE_KEEP_SECS * 1000 {
        return Err(Invalid::new(
            "by",
            format!("{by} s windows from {start_ms}, over an hour ago"),
            USAGE_FINE_RULE,
        ));
    }
    Ok(UsageRange {
        start_ms,
        by,
        windows: windows as usize,
    })
}

fn check_segments(
    field: &str,
    text: &str,
    rule: &str,
    allow_trailing: bool,
) -> Result<(), Invalid> {
    let fail = |problem: String| Err(Invalid::new(field, problem, rule));
    if text.len() > OBJECT_KEY_MAX {
        return fail(format!("is {} bytes long", text.len()));
    }
    if text.starts_with('/') {
        return fail(format!("{text:?} starts with '/'"));
    }
    if !text.chars().all(is_printable) || text.contains('\\') {
        return fail(format!("{text:?} has a control character or backslash"));
    }
    let body = match text.strip_suffix('/') {
        Some(inner) if allow_trailing => inner,
        _ => text,
    };
    if body.is_empty() {
        return Ok(());
    }
    for seg in body.split('/') {
        if seg.is_empty() {
            return fail(format!("{text:?} has an empty segment"));
        }
        if seg == "." || seg == ".." {
            return fail(format!("{text:?} has a '{seg}' segment"));
        }
    }
    Ok(())
}

/// An object key: never resolved outside its bucket.
pub fn check_object_key(key: &str) -> Result<(), Invalid> {
    if key.is_empty() {
        return Err(Invalid::new("key", "is empty", OBJECT_KEY_RULE));
    }
    check_segments("key", key, OBJECT_KEY_RULE, false)
}

/// A listing's prefix: empty, a "folder" (`level01/`) or the start of a key.
pub fn check_object_prefix(prefix: &str) -> Result<(), Invalid> {
    check_segments("prefix", prefix, OBJECT_PREFIX_RULE, true)
}

/// An account-wide usage request: `windows` for each of `series` streams and outputs.
pub fn check_usage_summary(range: &UsageRange, series: usize) -> Result<(), Invalid> {
    let counts = range.windows.saturating_mul(series);
    if counts > USAGE_SUMMARY_COUNTS_MAX {
        return Err(Invalid::new(
            "by",
            format!(
                "{} windows for {series} streams and outputs are {counts} counts",
                range.windows
            ),
            USAGE_SUMMARY_RULE,
        ));
    }
    Ok(())
}

pub fn check_objects_limit(text: &str) -> Result<usize, Invalid> {
    match text.trim().parse::<usize>() {
        Ok(n) if (1..=OBJECTS_LIMIT_MAX).contains(&n) => Ok(n),
        _ => Err(Invalid::new(
            "limit",
            format!("{text:?} is not from 1 to {OBJECTS_LIMIT_MAX}"),
            OBJECTS_LIMIT_RULE,
        )),
    }
}

/// An object read's `offset` or `length`, as typed.
pub fn check_read_number(field: &str, text: &str) -> Result<u64, Invalid> {
    let n: u64 = text.trim().parse().map_err(|_| {
        Invalid::new(
            field,
            format!("{text:?} is not a whole number of bytes"),
            OBJECT_READ_RULE,
        )
    })?;
    if field == "length" && !(1..=OBJECT_READ_MAX).contains(&n) {
        return Err(Invalid::new(
            field,
            format!("{n} is not from 1 to {OBJECT_READ_MAX}"),
            OBJECT_READ_RULE,
        ));
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_764_444_000_000;

    #[test]
    fn times_are_epoch_ms_or_rfc3339() {
        assert_eq!(parse_time("from", "1764444000000").unwrap(), NOW);
        assert_eq!(parse_time("from", "2025-11-29T19:20:00Z").unwrap(), NOW);
        assert_eq!(
            parse_time("from", "2025-11-29T20:20:00.5+01:00").unwrap(),
            NOW + 500
        );
        let e = parse_time("until", "yesterday").unwrap_err();
        assert_eq!(e.field, "until");
        assert!(e.to_string().contains("RFC 3339"), "{e}");
    }

    #[test]
    fn ranges_default_to_a_day_in_five_minute_windows_aligned_to_the_epoch() {
        let r = usage_range(None, None, None, NOW + 1).unwrap();
        assert_eq!(r.by, 300);
        assert_eq!(r.start_ms, NOW - 24 * 3600 * 1000);
        assert_eq!(r.windows, 24 * 12 + 1);
        let r = usage_range(
            Some("1764444005000"),
            Some("1764444031000"),
            Some("10"),
            NOW,
        )
        .unwrap();
        assert_eq!((r.start_ms, r.windows, r.end_ms()), (NOW, 4, NOW + 40_000));
    }

    #[test]
    fn bad_ranges_name_the_field_and_the_rule() {
        let e = usage_range(Some("10"), Some("5"), None, NOW).unwrap_err();
        assert_eq!(e.field, "from");
        let e = usage_range(None, None, Some("0"), NOW).unwrap_err();
        assert_eq!((e.field.as_str(), e.rule.as_str()), ("by", USAGE_BY_RULE));
        let e = usage_range(Some("0"), None, Some("1"), NOW).unwrap_err();
        assert!(e.problem.contains("windows"), "{e}");
        let e = usage_range(None, None, Some("15"), NOW).unwrap_err();
        assert_eq!(e.rule, USAGE_FINE_RULE);
        let recent = (NOW - 600_000).to_string();
        assert_eq!(
            usage_range(Some(&recent), None, Some("1"), NOW)
                .unwrap()
                .windows,
            600
        );
    }

    #[test]
    fn keys_and_prefixes_stay_inside_the_bucket() {
        for good in ["a", "level01/2026-11-29T19:20:00-stream-u{0,1,2,3,4}.jsonl"] {
            assert!(check_object_key(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "/etc/passwd",
            "a/../b",
            "..",
            "a//b",
            "a/",
            "a\\b",
            "a\nb",
        ] {
            let e = check_object_key(bad).unwrap_err();
            assert_eq!(e.field, "key", "{bad}");
        }
        for good in ["", "level01/", "level01/2026-11", "a/b/"] {
            assert!(check_object_prefix(good).is_ok(), "{good}");
        }
        for bad in ["/", "../", "a//", "a/./b"] {
            assert!(check_object_prefix(bad).is_err(), "{bad}");
        }
        assert!(check_objects_limit("1000").is_ok());
        assert!(check_objects_limit("1001").is_err());
        assert!(check_read_number("length", "1048577").is_err());
        assert_eq!(check_read_number("offset", "5000000").unwrap(), 5_000_000);
    }
}
