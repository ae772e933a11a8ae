//! The typed calls of `observability.md`: usage per window, an exporter's status, a
//! sink's bucket objects, and (local extensions) the account's usage at once and a
//! built-in schema's PII contract.

use reqwest::Method;
use reqwest::header::CONTENT_RANGE;

use super::{ApiClient, ClientError, Result, export_keys_query};
use strm_model::{ExporterStatus, ObjectList, SchemaContract, SinkType, Usage, UsageSummary};

/// A usage request's range as typed (epoch milliseconds or RFC 3339); the server
/// applies the defaults and rules of `strm_model::rules::usage_range`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UsageQuery {
    pub from: Option<String>,
    pub until: Option<String>,
    pub by: Option<u32>,
}

impl UsageQuery {
    fn pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs = Vec::new();
        if let Some(from) = &self.from {
            pairs.push(("from", from.clone()));
        }
        if let Some(until) = &self.until {
            pairs.push(("until", until.clone()));
        }
        if let Some(by) = self.by {
            pairs.push(("by", by.to_string()));
        }
        pairs
    }
}

/// A listing of a sink's objects.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObjectQuery {
    pub sink_type: Option<SinkType>,
    pub prefix: String,
    /// Objects directly under the prefix and the folders below it.
    pub folders: bool,
    pub limit: Option<usize>,
    pub after: Option<String>,
}

/// Bytes of an object from `offset`, of an object of `size` bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectPart {
    pub bytes: Vec<u8>,
    pub offset: u64,
    pub size: u64,
}

fn borrowed<'a>(pairs: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    pairs.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// The size in `Content-Range: bytes FIRST-LAST/SIZE`.
fn range_size(value: &str) -> Option<u64> {
    value.rsplit_once('/')?.1.trim().parse().ok()
}

impl ApiClient {
    /// A stream's usage, or one of its outputs'.
    pub async fn usage(&self, stream: &str, output: Option<&str>, q: &UsageQuery) -> Result<Usage> {
        let pairs = q.pairs();
        match output {
            None => {
                self.get(&["v1", "streams", stream, "usage"], &borrowed(&pairs))
                    .await
            }
            Some(o) => {
                self.get(
                    &["v1", "streams", stream, "outputs", o, "usage"],
                    &borrowed(&pairs),
                )
                .await
            }
        }
    }

    /// Local-server extension: every stream's and output's counts over the same windows.
    pub async fn usage_summary(&self, q: &UsageQuery) -> Result<UsageSummary> {
        self.get(&["v1", "usage"], &borrowed(&q.pairs())).await
    }

    /// `stream` is the stream or output the exporter reads.
    pub async fn exporter_status(
        &self,
        stream: &str,
        name: &str,
        export_keys: bool,
    ) -> Result<ExporterStatus> {
        self.get(
            &["v1", "exporters", stream, name, "status"],
            &export_keys_query(export_keys),
        )
        .await
    }

    pub async fn list_objects(&self, sink: &str, q: &ObjectQuery) -> Result<ObjectList> {
        let mut pairs: Vec<(&'static str, String)> = Vec::new();
        if let Some(t) = q.sink_type {
            pairs.push(("sinkType", t.as_str().to_string()));
        }
        if !q.prefix.is_empty() {
            pairs.push(("prefix", q.prefix.clone()));
        }
        if q.folders {
            pairs.push(("delimiter", "/".into()));
        }
        if let Some(limit) = q.limit {
            pairs.push(("limit", limit.to_string()));
        }
        if let Some(after) = &q.after {
            pairs.push(("after", after.clone()));
        }
        self.get(&["v1", "sinks", sink, "objects"], &borrowed(&pairs))
            .await
    }

    /// Up to 1 MiB of an object from `offset` (`length` bytes, or all that is left).
    pub async fn read_object(
        &self,
        sink: &str,
        sink_type: Option<SinkType>,
        key: &str,
        offset: u64,
        length: Option<u64>,
    ) -> Result<ObjectPart> {
        let mut segments = vec!["v1", "sinks", sink, "objects"];
        // Each segment is encoded on its own, so the key's '/' stay separators.
        segments.extend(key.split('/'));
        let mut pairs: Vec<(&'static str, String)> = Vec::new();
        if let Some(t) = sink_type {
            pairs.push(("sinkType", t.as_str().to_string()));
        }
        if offset > 0 {
            pairs.push(("offset", offset.to_string()));
        }
        if let Some(n) = length {
            pairs.push(("length", n.to_string()));
        }
        let answer = self
            .authorized_bytes(Method::GET, &segments, &borrowed(&pairs), None::<&()>)
            .await?;
        let size = match answer.headers.get(CONTENT_RANGE) {
            Some(v) => v
                .to_str()
                .ok()
                .and_then(range_size)
                .ok_or_else(|| ClientError::Decode {
                    api: self.base_url().to_string(),
                    reason: format!("a Content-Range the client cannot read: {v:?}"),
                })?,
            None => offset + answer.body.len() as u64,
        };
        Ok(ObjectPart {
            bytes: answer.body,
            offset,
            size,
        })
    }

    /// Reads an object from its start, part after part, handing each to `take`; stops
    /// after `max` bytes (`None`: the whole object). The object's size.
    pub async fn read_object_whole(
        &self,
        sink: &str,
        sink_type: Option<SinkType>,
        key: &str,
        max: Option<u64>,
        take: &mut (dyn FnMut(&[u8]) -> Result<()> + Send),
    ) -> Result<u64> {
        let mut offset = 0;
        loop {
            let left = max.map(|m| m.saturating_sub(offset));
            if left == Some(0) {
                return Ok(offset);
            }
            let part = self
                .read_object(
                    sink,
                    sink_type,
                    key,
                    offset,
                    left.map(|l| l.min(strm_model::rules::OBJECT_READ_MAX)),
                )
                .await?;
            take(&part.bytes)?;
            offset += part.bytes.len() as u64;
            if part.bytes.is_empty() || offset >= part.size {
                return Ok(part.size);
            }
        }
    }

    /// Local-server extension: a built-in schema's key field and PII fields.
    pub async fn schema_contract(&self, schema_id: &str) -> Result<SchemaContract> {
        self.get(&["v1", "schemas", schema_id, "contract"], &[])
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_range_gives_the_size() {
        assert_eq!(range_size("bytes 0-1048575/5000000"), Some(5_000_000));
        assert_eq!(range_size("bytes */7"), Some(7));
        assert_eq!(range_size("nonsense"), None);
    }

    #[test]
    fn usage_queries_send_only_what_is_set() {
        let q = UsageQuery {
            from: Some("2026-11-29T19:20:00Z".into()),
            until: None,
            by: Some(10),
        };
        assert_eq!(
            q.pairs(),
            vec![("from", "2026-11-29T19:20:00Z".into()), ("by", "10".into())]
        );
    }
}
