//! The resources of the control plane as stored in SQLite. Every lookup starts from the
//! calling account: functions take its id, or a stream row already resolved for it
//! (exporters, clients), so one account never reads or touches another's rows.

pub mod clients;
pub mod consent;
pub mod contracts;
pub mod exporters;
pub mod sinks;
pub mod streams;
