//! The integration tests, in one binary so that the shared `support` is compiled and
//! linked once: the real `ApiClient`, event client and `strm-tui` binary against the real
//! server on 127.0.0.1.
//!
//! - `server`: the control plane end to end (happy paths, auth, error rows, isolation,
//!   persistence, the embedded server, the route contract, the log);
//! - `dataplane`: ingest and egress, exporters, a crash of a `serve` process, the 2021
//!   Python driver, the demo;
//! - `cluster`: nodes on a NATS JetStream event store: the seed's path, egress across
//!   nodes, NATS failures, exporter leases, purge and retention;
//! - `contracts`: data contracts and data subjects (bring your own events, forgetting);
//! - `cli`: the seed's CLI walkthrough, its error paths and exit codes;
//! - `console`: the full-screen console in a pseudo-terminal;
//! - `observe`: usage, exporter status and bucket objects (`observability.md`);
//! - `layers`: what each library crate may pull in.

#[path = "../support/mod.rs"]
mod support;

mod cli;
mod cluster;
mod console;
mod contracts;
mod dataplane;
mod hostile;
mod layers;
mod observe;
mod server;
