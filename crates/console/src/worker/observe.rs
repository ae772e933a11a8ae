//! The worker's side of seeing the data flow: usage, exporter statuses, bucket objects,
//! a schema's contract, and saving tail lines to a file.

use futures::StreamExt;

use crate::protocol::{Answer, ExporterRef, OBJECT_SHOWN_MAX, Payload, Request};
use strm_client::{ApiClient, ClientError, ObjectQuery, UsageQuery};
use strm_model::{ContractRef, SchemaContract, now_epoch_ms};

/// Status requests in flight at once when the account has many exporters.
const STATUS_PARALLEL: usize = 8;
/// A page of the buckets view.
const OBJECTS_PAGE: usize = 1000;

pub async fn execute(client: &ApiClient, req: Request) -> Result<Answer, ClientError> {
    Ok(match req {
        Request::Usage { span_secs, by } => {
            let until = now_epoch_ms();
            let query = UsageQuery {
                from: Some((until - span_secs * 1000).to_string()),
                until: Some(until.to_string()),
                by: Some(by),
            };
            Answer::Usage(client.usage_summary(&query).await?)
        }
        Request::ExporterStatuses(exporters) => {
            let answers = futures::stream::iter(exporters)
                .map(|e: ExporterRef| {
                    let client = client.clone();
                    async move {
                        let status = client
                            .exporter_status(&e.linked_stream, &e.name, e.export_keys)
                            .await
                            .map_err(|err| err.to_string());
                        (e, status)
                    }
                })
                .buffer_unordered(STATUS_PARALLEL)
                .collect::<Vec<_>>()
                .await;
            Answer::ExporterStatuses(answers)
        }
        Request::ListObjects {
            sink,
            sink_type,
            prefix,
            after,
        } => {
            let query = ObjectQuery {
                sink_type: Some(sink_type),
                prefix: prefix.clone(),
                folders: true,
                limit: Some(OBJECTS_PAGE),
                after,
            };
            let list = client.list_objects(&sink, &query).await?;
            Answer::Objects { sink, prefix, list }
        }
        Request::ReadObject {
            sink,
            sink_type,
            key,
        } => {
            let mut bytes = Vec::new();
            let size = client
                .read_object_whole(
                    &sink,
                    Some(sink_type),
                    &key,
                    Some(OBJECT_SHOWN_MAX),
                    &mut |b| {
                        bytes.extend_from_slice(b);
                        Ok(())
                    },
                )
                .await?;
            Answer::Object {
                key,
                text: Payload(String::from_utf8_lossy(&bytes).into_owned()),
                size,
            }
        }
        Request::SchemaContract(id) => Answer::SchemaContract(match id.parse::<ContractRef>() {
            // A data contract's ref (`acme/checkout/1.0.0`): its own terms.
            Ok(reference) => {
                let c = client.get_data_contract(&reference).await?;
                SchemaContract {
                    schema_id: id,
                    key_field: c.key_field,
                    pii_fields: c.pii_fields,
                }
            }
            Err(_) => client.schema_contract(&id).await?,
        }),
        Request::SaveLines {
            path,
            lines: Payload(lines),
        } => {
            let count = lines.len();
            let mut text = lines.join("\n");
            text.push('\n');
            let target = path.clone();
            tokio::task::spawn_blocking(move || {
                strm_client::paths::write_new_private_file(&target, text.as_bytes())
            })
            .await
            .map_err(|e| ClientError::File {
                path: path.clone(),
                reason: e.to_string(),
            })?
            .map_err(|e| ClientError::File {
                path: path.clone(),
                reason: match e.kind() {
                    std::io::ErrorKind::AlreadyExists => {
                        "exists; choose another file name (nothing was overwritten)".into()
                    }
                    _ => format!("cannot be written ({e})"),
                },
            })?;
            Answer::Saved { path, count }
        }
        // Never reached: the worker sends only the requests above here. Not formatted:
        // a request may hold event payloads.
        _ => return Err(ClientError::Refused("not a request of this module".into())),
    })
}
