//! The resources of the control plane as stored in SQLite. Every function takes the
//! calling account's id, so one account never reads or touches another's rows.

pub mod clients;
pub mod consent;
pub mod exporters;
pub mod sinks;
pub mod streams;
