//! strm-tui: the `strm-tui` binary's library — the CLI, the glue that starts or joins the
//! embedded local server, and the event simulator. The console, client, server and wire
//! model live in their own crates under `crates/`.

pub mod backend;
pub mod cli;
pub mod demo;
pub mod local_server;
pub mod simulate;
