//! The wire types of `shared/spec/observability.md`: usage counts per window, an
//! exporter's status, a sink's bucket objects, and (a local extension) the account's
//! usage at once and a schema's PII contract for the console's inspector.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// One window of a usage answer: `[startTime, endTime)` in epoch milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UsageWindow {
    pub start_time: i64,
    pub end_time: i64,
    pub event_count: u64,
}

/// `GET /v1/streams/{stream}[/outputs/{output}]/usage`: every window of the range, in
/// time order, empty ones with 0.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Usage {
    pub stream: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
    /// Window length in seconds.
    pub by: u32,
    pub windows: Vec<UsageWindow>,
    /// A local extension: the start of the last second that had an event (any time the
    /// counts are kept), or null.
    #[serde(default)]
    pub last_event_at: Option<i64>,
}

/// One stream's or output's counts in a `UsageSummary`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UsageSeries {
    pub stream: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
    /// One count per window of the summary, oldest first.
    pub counts: Vec<u64>,
    #[serde(default)]
    pub last_event_at: Option<i64>,
}

impl UsageSeries {
    /// The name the account knows it by (streams and outputs share one namespace).
    pub fn name(&self) -> &str {
        self.output.as_deref().unwrap_or(&self.stream)
    }
}

/// `GET /v1/usage` (a local extension): every stream and output of the account over
/// the same windows, counts as plain arrays so that a thousand of them stay small.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UsageSummary {
    /// The first window's start, epoch milliseconds.
    pub from: i64,
    /// The end of the last window.
    pub until: i64,
    pub by: u32,
    pub usage: Vec<UsageSeries>,
}

wire_enum! {
    /// An exporter's state: `IDLE` until it wrote something, `FAILING` while its last
    /// attempt failed, else `RUNNING`.
    pub enum ExporterState: "state", "an exporter state", "it is IDLE, RUNNING or FAILING" {
        #[default]
        Idle,
        Running,
        Failing,
    }
}

/// `GET /v1/exporters/{stream}/{exporter}/status` (and the other two route families).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExporterStatus {
    pub state: ExporterState,
    /// When the last batch was written, epoch milliseconds.
    pub last_batch_at: Option<i64>,
    /// Its object key in the bucket.
    pub last_object: Option<String>,
    /// Objects, events (or keys) and bytes written so far.
    pub objects: u64,
    pub events: u64,
    pub bytes: u64,
    /// Accepted events (keys for a key exporter) not exported yet.
    pub pending_events: u64,
    /// When the exporter next writes (or retries), epoch milliseconds.
    pub next_run_at: Option<i64>,
    /// Why the last attempt failed, naming the bucket and the store's error.
    pub last_error: Option<String>,
}

/// One object of a sink's bucket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BucketObject {
    pub key: String,
    pub size: u64,
    /// Epoch milliseconds.
    pub last_modified: i64,
}

/// `GET /v1/sinks/{sink}/objects`: keys sorted; `next` is the `after` of the next page.
/// With `delimiter=/` (a local extension, as S3's CommonPrefixes) the objects are those
/// directly under the prefix, and `prefixes` the "folders" below it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectList {
    pub objects: Vec<BucketObject>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub prefixes: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// `GET /v1/schemas/{schemaId}/contract` (a local extension until data contracts are
/// served): which fields of a built-in schema are personal data, at which consent level.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SchemaContract {
    pub schema_id: String,
    /// Path (segments joined by `/`) of the field whose value chooses the key.
    pub key_field: String,
    /// Path → consent level.
    pub pii_fields: BTreeMap<String, u32>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_has_the_spec_shape_with_nulls() {
        let status = ExporterStatus {
            state: ExporterState::Running,
            last_batch_at: Some(1_764_444_000_000),
            objects: 42,
            ..Default::default()
        };
        let v = serde_json::to_value(&status).unwrap();
        assert_eq!(v["state"], "RUNNING");
        assert_eq!(v["lastBatchAt"], 1_764_444_000_000i64);
        assert!(v["lastError"].is_null() && v.get("lastError").is_some());
        assert_eq!(v["pendingEvents"], 0);
        assert_eq!(
            "FAILING".parse::<ExporterState>().unwrap(),
            ExporterState::Failing
        );
    }

    #[test]
    fn usage_windows_are_camel_case() {
        let u = Usage {
            stream: "bart".into(),
            output: None,
            by: 300,
            windows: vec![UsageWindow {
                start_time: 0,
                end_time: 300_000,
                event_count: 7,
            }],
            last_event_at: None,
        };
        let v = serde_json::to_value(&u).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"stream": "bart", "by": 300, "lastEventAt": null,
                "windows": [{"startTime": 0, "endTime": 300000, "eventCount": 7}]})
        );
    }
}
