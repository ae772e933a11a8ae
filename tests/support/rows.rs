//! Error rows as tables: each bad input with its expected status and what the message
//! must say, walked by one loop that names the failing row.

/// One thing an error message must (or must not) say.
#[derive(Debug, Clone, Copy)]
pub enum Says<'a> {
    Starts(&'a str),
    Has(&'a str),
    Lacks(&'a str),
    /// One line, no more (a CLI error scripts can show as it is).
    OneLine,
}

impl Says<'_> {
    fn holds(&self, text: &str) -> bool {
        match *self {
            Says::Starts(s) => text.starts_with(s),
            Says::Has(s) => text.contains(s),
            Says::Lacks(s) => !text.contains(s),
            Says::OneLine => text.lines().count() == 1,
        }
    }
}

/// Checks each of `says` against the message `text` of the row `row`.
pub fn check(row: &str, text: &str, says: &[Says]) {
    for s in says {
        assert!(
            s.holds(text),
            "{row}: the message should match {s:?}: {text}"
        );
    }
}
