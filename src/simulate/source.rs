//! What the simulator sends: the built-in clickstream generator, or the events of a JSONL
//! file (one JSON event per line) under any contract; and how each event is serialized
//! (Avro binary with the contract's Avro schema, else JSON).

use std::path::Path;

use apache_avro::Schema as AvroSchema;
use serde_json::Value;

use strm_model::Invalid;

pub const FILE_RULE: &str =
    "--file is a JSONL file: one JSON event per line (blank lines are skipped)";
pub const CONTRACT_RULE: &str = "--contract is a contract ref handle/name/version: one of yours \
     (strm-tui data-contracts list) or a public one";

/// Where the events come from.
#[derive(Debug, Clone)]
pub enum Events {
    /// The service's own clickstream simulator (`schemas/README.md`).
    Clickstream,
    /// The events of a file, in order, with their line numbers.
    File(Vec<(usize, Value)>),
}

/// What a simulation sends: the schema's name as the headers carry it (a built-in id or
/// a contract ref), the events, and the Avro schema to serialize them with (`None`:
/// plain JSON).
#[derive(Debug, Clone)]
pub struct Plan {
    pub schema: String,
    pub events: Events,
    pub avro: Option<AvroSchema>,
}

/// Reads a JSONL file of events; a line that is not a JSON object names the file and
/// the line.
pub fn read_jsonl(path: &Path) -> Result<Vec<(usize, Value)>, Invalid> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Invalid::new(
            "--file",
            format!("{} cannot be read ({e})", path.display()),
            FILE_RULE,
        )
    })?;
    let mut events = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let event: Value = serde_json::from_str(line).map_err(|e| {
            Invalid::new(
                "--file",
                format!("{} line {}: is not JSON ({e})", path.display(), i + 1),
                FILE_RULE,
            )
        })?;
        if !event.is_object() {
            return Err(Invalid::new(
                "--file",
                format!("{} line {}: is not a JSON object", path.display(), i + 1),
                FILE_RULE,
            ));
        }
        events.push((i + 1, event));
    }
    if events.is_empty() {
        return Err(Invalid::new(
            "--file",
            format!("{} has no events", path.display()),
            FILE_RULE,
        ));
    }
    Ok(events)
}

#[cfg(test)]
mod tests {
    use super::*;
    use strm_testkit::Scratch;

    #[test]
    fn jsonl_files_are_read_line_by_line_and_bad_lines_named() {
        let dir = Scratch::new();
        let path = dir.file("events.jsonl", "{\"a\": 1}\n\n{\"a\": 2}\n");
        let events = read_jsonl(&path).unwrap();
        assert_eq!(events.iter().map(|(n, _)| *n).collect::<Vec<_>>(), [1, 3]);
        std::fs::write(&path, "{\"a\": 1}\n{\"a\": \n").unwrap();
        let err = read_jsonl(&path).unwrap_err();
        assert!(err.problem.contains("line 2: is not JSON"), "{err}");
        std::fs::write(&path, "[1]\n").unwrap();
        assert!(
            read_jsonl(&path)
                .unwrap_err()
                .problem
                .contains("not a JSON object")
        );
        let err = read_jsonl(&dir.path("missing.jsonl")).unwrap_err();
        assert!(err.problem.contains("cannot be read"), "{err}");
    }
}
