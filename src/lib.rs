//! strm-tui: a terminal console, a scriptable CLI and a local server for Stream Machine.

pub mod backend;
pub mod cli;
pub mod client;
pub mod console;
pub mod model;
pub mod paths;
pub mod server;
pub mod simulate;
