//! The data plane of the local server (`shared/spec/data-plane.md`): events in through
//! `/event`, personal data encrypted per key-field value, consent-filtered and decrypted
//! views for outputs, live egress over websockets and batch exports to buckets.

pub mod avro_json;
pub mod avro_path;
pub mod avro_seed;
pub mod buckets;
mod changes;
pub mod cloud_stores;
pub mod consent;
pub mod contracts;
pub mod crypto;
pub mod decode;
pub mod directory;
pub mod egress;
pub mod eventlog;
pub mod exporter;
pub mod field_path;
pub mod json_event;
pub mod json_instance;
pub mod objects;
pub mod pipeline;
pub mod render;
pub mod routes;
pub mod scheduler;
pub mod schemas;
pub mod sink;
pub mod status;
pub mod store;
#[cfg(test)]
mod tests;
pub mod usage;

pub use consent::View;
pub use directory::Directory;
pub use pipeline::{DataError, DataPlane, DataPlaneConfig, IngestRequest, PreparedEvent};
pub use sink::{ExportJob, SinkTarget};
pub use store::{DataStore, Principal};
