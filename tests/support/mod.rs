//! What the integration tests (`tests/it/`) and the benches (`benches/`) share: the local
//! server, accounts, the seed's scenario and its resources, free ports, child processes that
//! are killed on drop, waiting for a condition, the Python virtualenv and the error-row
//! tables. One definition each, so that a test says what it checks and not how to set up.

pub mod accounts;
#[allow(dead_code, reason = "the benches' own; the tests do not measure")]
pub mod bench;
pub mod cluster;
pub mod events;
pub mod load;
pub mod moto;
pub mod nats;
pub mod ports;
pub mod postgres;
pub mod processes;
pub mod resources;
pub mod rows;
pub mod scenario;
pub mod serve;
pub mod servers;
pub mod venv;
pub mod wait;

pub use accounts::{EMAIL, PASSWORD, account};
pub use events::{click, is_ciphertext, next_json, post_event, send_click};
pub use ports::{free_port, wait_listening};
pub use processes::{KillOnDrop, run_ok, serve_in, strm_tui, succeeded};
pub use resources::{cumulative, exporter, output, s3_sink, sink, stream};
pub use rows::{Refusal, Says, api_status, check, refused_calls};
pub use scenario::{Scenario, seed_resources};
pub use serve::{Served, raise_open_files_limit};
pub use servers::LocalServer;
pub use venv::venv;
pub use wait::{wait_for, wait_until};
