//! TEMPORARY stand-ins for parts that other branches land on main (console, simulate,
//! demo). Each says what replaces it; the lead swaps them at merge.
//! Nothing else in `cli` needs to change then.

use clap::Args;

use super::output::{CliError, CliResult};
use crate::paths::Paths;

/// TEMPORARY: replaced by `console::run(ConsoleOptions { api_url, read_only, mouse }, paths)`.
pub fn console(
    _api_url: Option<String>,
    _read_only: bool,
    _mouse: bool,
    _paths: Paths,
) -> CliResult {
    Err(CliError::Failed(
        "console not built yet; use the subcommands (strm-tui --help)".into(),
    ))
}

/// TEMPORARY: replaced by the data-plane engineer's `SimulateArgs`.
#[derive(Debug, Args)]
pub struct SimulateArgs {
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, hide = true)]
    pub rest: Vec<String>,
}

/// TEMPORARY: replaced by the data-plane engineer's `DemoArgs`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, hide = true)]
    pub rest: Vec<String>,
}

/// TEMPORARY: replaced by the data-plane engineer's simulate function.
pub async fn simulate(_args: SimulateArgs, _paths: &Paths, _api_url: Option<&str>) -> CliResult {
    Err(CliError::Failed("simulate is not built yet".into()))
}

/// TEMPORARY: replaced by the data-plane engineer's demo function.
pub async fn demo(_args: DemoArgs, _paths: &Paths, _api_url: Option<&str>) -> CliResult {
    Err(CliError::Failed("demo is not built yet".into()))
}
