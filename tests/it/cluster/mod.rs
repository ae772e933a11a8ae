//! Nodes whose events are in NATS JetStream (`shared/spec/scale-out.md`), against real
//! `nats-server`s and real servers on 127.0.0.1 (`support::nats`, `support::cluster`):
//!
//! - `database`: the server's query interface alike on SQLite and PostgreSQL;
//! - `events`: the seed's event path and the 2021 Python driver on a JetStream store,
//!   across two nodes;
//! - `nodes`: egress across nodes, `GET /v1/nodes` and the `Strm-Node` header, the
//!   exporter lease moving when its node is killed;
//! - `failures`: NATS stopped and started again, one NATS server of three killed under
//!   load;
//! - `shared`: nodes on one PostgreSQL: any node answers anything, the database down
//!   and back, a local event store refused;
//! - `retention`: a deleted stream's events purged, old events dropped.

mod database;
mod events;
mod failures;
mod nodes;
mod retention;
mod shared;
