//! Error rows as tables: each bad input with its expected status and what the message
//! must say, walked by one loop that names the failing row.

use strm_client::ClientError;

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

/// The HTTP status of an API's refusal; panics on any other error.
pub fn api_status(err: &ClientError) -> u16 {
    err.status()
        .unwrap_or_else(|| panic!("expected an API error, got {err}"))
}

/// A refused call of a client: what it is, its result; the status; what the message says.
pub type Refusal<'a> = (&'a str, Result<(), ClientError>, u16, &'a [Says<'a>]);

/// Checks that each row's call was refused with its status and message.
pub fn refused_calls(rows: Vec<Refusal<'_>>) {
    for (row, result, status, says) in rows {
        let err = result.expect_err(row);
        assert_eq!(api_status(&err), status, "{row}: {err}");
        check(row, &err.to_string(), says);
    }
}
