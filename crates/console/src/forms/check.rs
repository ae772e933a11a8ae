//! Small readers the typed forms share, so that a field's message is the one the
//! shared rules (`model::rules`) give the CLI and the server.

use strm_model::rules::Invalid;

/// What a choice shows when there is nothing to pick yet.
pub const NONE_YET: &str = "(none yet)";

pub fn choice_or_none(values: Vec<String>) -> Vec<String> {
    if values.is_empty() {
        vec![NONE_YET.to_string()]
    } else {
        values
    }
}

pub fn tags(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(String::from)
        .collect()
}

pub fn optional(text: &str) -> Option<String> {
    let t = text.trim();
    (!t.is_empty()).then(|| t.to_string())
}

pub fn whole_number(field: &str, text: &str, rule: &str) -> Result<i64, Invalid> {
    text.trim()
        .parse::<i64>()
        .map_err(|_| Invalid::new(field, format!("{text:?} is not a whole number"), rule))
}

pub fn must_pick(field: &str, value: &str, what: &str) -> Result<(), Invalid> {
    if value == NONE_YET || value.is_empty() {
        Err(Invalid::new(
            field,
            "nothing to pick",
            format!("create {what} first"),
        ))
    } else {
        Ok(())
    }
}

/// The message a field shows for a check's result.
pub fn msg(r: Result<impl Sized, Invalid>) -> Option<String> {
    r.err().map(|e| e.to_string())
}
