//! The wire types of the Stream Machine API (`shared/spec/`) and the one definition of
//! names, limits and validation rules, used alike by the client, the CLI, the console and
//! the local server.

#[macro_use]
mod wire_enum;
#[macro_use]
mod debug_showing;

mod auth;
pub mod clock;
mod cloud_bucket;
mod contracts;
mod error;
pub mod files;
pub mod logs;
mod nodes;
mod observability;
mod resources;
pub mod rules;
mod schema_fields;
mod secret;

pub use auth::*;
pub use clock::{now_epoch_ms, now_epoch_secs};
pub use cloud_bucket::CloudBucket;
pub use contracts::*;
pub use error::*;
pub use nodes::*;
pub use observability::*;
pub use resources::*;
pub use rules::Invalid;
pub use schema_fields::{SchemaField, resolve_json_ref, schema_fields};
pub use secret::Secret;
