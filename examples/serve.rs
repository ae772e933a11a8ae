//! Runs the local server on its own until Ctrl-C: `cargo run --example serve -- DATA_DIR [PORT]`.
//! (`strm-tui serve` does the same from the main binary.)

use std::net::SocketAddr;
use std::path::PathBuf;

use strm_server::{ServerConfig, serve};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().unwrap_or_else(|| "strm-data".into()));
    let port: u16 = args.next().map(|p| p.parse()).transpose()?.unwrap_or(0);
    let mut config = ServerConfig::new(dir);
    config.addr = SocketAddr::from(([127, 0, 0, 1], port));
    serve(config).await?;
    Ok(())
}
