//! TEMPORARY stand-ins, with the exact signatures of what other branches bring, so that
//! the lead swaps each for the real item at merge and nothing else in `cli` changes:
//! - `ConsoleOptions`, `console_run` → `crate::console::{ConsoleOptions, run}`
//!   (add `..Default::default()` for its other fields);
//! - `SimulateArgs`, `DemoArgs`, `simulate_command`, `demo` → `crate::simulate::*`.

use std::io::Write;

use clap::Args;
use color_eyre::eyre::{Result, eyre};

use crate::paths::Paths;

#[derive(Debug, Clone, Default)]
#[allow(dead_code, reason = "read by the real console")]
pub struct ConsoleOptions {
    pub api_url: Option<String>,
    pub read_only: bool,
    pub mouse: bool,
}

pub fn console_run(_opts: ConsoleOptions, _paths: Paths) -> Result<()> {
    Err(eyre!(
        "console not built yet; use the subcommands (strm-tui --help)"
    ))
}

#[derive(Debug, Clone, Args)]
pub struct SimulateArgs {
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, hide = true)]
    pub rest: Vec<String>,
}

#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, hide = true)]
    pub rest: Vec<String>,
}

pub async fn simulate_command(
    _paths: &Paths,
    _api_url: Option<&str>,
    _args: &SimulateArgs,
    _out: &mut (dyn Write + Send),
) -> Result<()> {
    Err(eyre!("simulate is not built yet"))
}

pub async fn demo(_paths: &Paths, _args: &DemoArgs, _out: &mut (dyn Write + Send)) -> Result<()> {
    Err(eyre!("demo is not built yet"))
}
