//! The local Stream Machine server.

pub mod dataplane;
