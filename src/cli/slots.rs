//! TEMPORARY stand-ins for parts that other branches land on main (console, server,
//! backend, simulate, demo). Each says what replaces it; the lead swaps them at merge.
//! Nothing else in `cli` needs to change then.

use clap::Args;

use super::args::ServeArgs;
use super::output::{CliError, CliResult};
use crate::client::{ApiClient, CredentialStore};
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

/// TEMPORARY: replaced by building `server::ServerConfig` from `args` and calling
/// `server::serve(config).await`.
pub async fn serve(_args: ServeArgs, _paths: &Paths) -> CliResult {
    Err(CliError::Failed("the local server is not built yet".into()))
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

/// TEMPORARY: replaced by `crate::backend::Backend`.
pub struct Backend {
    pub api_url: String,
    pub client: ApiClient,
    pub local: bool,
}

/// TEMPORARY: replaced by `crate::backend::connect(paths, api_url)`.
pub async fn connect(paths: &Paths, api_url: Option<&str>) -> Result<Backend, CliError> {
    let Some(url) = api_url else {
        return Err(CliError::Failed(
            "the local server is not built yet; pass --api-url".into(),
        ));
    };
    let client = ApiClient::with_store(url, CredentialStore::for_api(paths, url))?;
    Ok(Backend {
        api_url: client.base_url().to_string(),
        client,
        local: false,
    })
}
