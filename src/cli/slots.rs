//! TEMPORARY stand-ins, with the exact signatures of what the data-plane branch brings,
//! so that the lead swaps each for the real item at merge and nothing else in `cli`
//! changes: `SimulateArgs`, `DemoArgs`, `simulate_command`, `demo` → `crate::simulate::*`.

use std::io::Write;

use clap::Args;
use color_eyre::eyre::{Result, eyre};

use crate::paths::Paths;

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
