//! The scriptable CLI: the 2021 `strm` commands with `strm-tui` in its place, printing
//! the API's JSON for jq. `run` parses (after rewriting the seed's multi-letter shorts)
//! and hands each command to its module.

pub mod args;
mod auth;
pub mod complete;
mod contracts;
pub mod help;
mod logs;
pub(crate) mod names;
mod nodes;
mod observe;
mod output;
mod prompt;
mod resources;
mod serve;
pub mod shorts;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};
use clap_complete::Shell;

use crate::backend::Backend;
use args::{AuthCommand, Cli, Command};
pub use output::CliError;
use output::CliResult;
use strm_client::paths::Paths;
use strm_client::{ApiClient, CredentialStore};
use strm_console::ConsoleOptions;

/// The whole command line as clap sees it, with the seed-style help installed.
pub fn command() -> clap::Command {
    help::with_seed_help(Cli::command())
}

/// Parses `argv` (program name first), runs the command and returns the exit code:
/// 0 success, 1 API or I/O error, 2 usage error.
pub fn run<I, T>(argv: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString>,
{
    let argv: Vec<OsString> = argv.into_iter().map(Into::into).collect();
    // A shell asking for completions: answer and stop.
    if complete::answer_callback(&argv) {
        return ExitCode::SUCCESS;
    }
    let matches = match command().try_get_matches_from(shorts::rewrite_args(argv)) {
        Ok(m) => m,
        Err(e) => {
            // Help and version are "errors" too; clap knows which stream and code.
            let _ = e.print();
            return ExitCode::from(e.exit_code() as u8);
        }
    };
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(2);
        }
    };
    match execute(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => e.report(),
    }
}

fn execute(cli: Cli) -> CliResult {
    let paths = Paths::from_env();
    if let Some(shell) = cli.generate_completion {
        return print_completion(shell);
    }
    if cli.print_paths {
        return print_paths(&paths, cli.api_url.as_deref());
    }
    let Some(command) = cli.command else {
        let options = ConsoleOptions {
            api_url: cli.api_url,
            read_only: cli.read_only,
            mouse: cli.mouse,
            refresh_secs: cli.refresh_secs,
            theme: cli.theme,
        };
        let connector = std::sync::Arc::new(crate::backend::LocalOrRemote {
            paths: paths.clone(),
        });
        return Ok(strm_console::run(options, paths, connector)?);
    };
    if let Command::Completions { shell } = command {
        return print_completion(shell);
    }
    if cli.read_only && changes_data(&command) {
        return Err(CliError::Usage(
            "refused: --read-only is set and this command creates or deletes".into(),
        ));
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Failed(format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(dispatch(command, cli.api_url, paths))
}

async fn dispatch(command: Command, api_url: Option<String>, paths: Paths) -> CliResult {
    let api_url = api_url.as_deref();
    match command {
        Command::Serve(args) => return serve::run(args, &paths).await,
        Command::Simulate(args) => {
            let mut out = std::io::stdout();
            crate::simulate::simulate_command(&paths, api_url, &args, &mut out).await?;
            return Ok(());
        }
        Command::Demo(args) => {
            if api_url.is_some() {
                return Err(CliError::Usage(
                    "demo sets up the local server; run it without --api-url".into(),
                ));
            }
            crate::demo::demo(&paths, &args, &mut std::io::stdout()).await?;
            return Ok(());
        }
        _ => {}
    }
    // Logging out must work even when the stored file is broken, so it does not load it.
    if let (Command::Auth(AuthCommand::Logout), Some(url)) = (&command, api_url) {
        strm_client::parse_base_url(url)?;
        CredentialStore::for_api(&paths, url).delete()?;
        return output::print_line(&format!("Logged out of {url}"));
    }
    // A broken credentials file is replaced by logging in, as its error advises.
    if let (Command::Auth(AuthCommand::Login { email, password }), Some(url)) = (&command, api_url)
    {
        let store = CredentialStore::for_api(&paths, url);
        if store.load().is_err() {
            let auth = auth::login(&ApiClient::new(url)?, email.clone(), password.clone()).await?;
            store.save(&auth)?;
            return output::print_line(&format!("Successfully logged in as {}", auth.email));
        }
    }
    let backend = connect(&paths, api_url).await?;
    match command {
        Command::Auth(cmd) => auth::run(cmd, &backend).await,
        Command::Streams(cmd) => resources::streams(cmd, &backend, &paths).await,
        Command::Outputs(cmd) => resources::outputs(cmd, &backend, &paths).await,
        Command::Sinks(cmd) => resources::sinks(cmd, &backend).await,
        Command::Exporters(cmd) => resources::exporters(cmd, &backend).await,
        Command::ConsentLevels(cmd) => resources::consent_levels(cmd, &backend).await,
        Command::Nodes(cmd) => nodes::run(cmd, &backend).await,
        Command::DataContracts(cmd) => contracts::data_contracts(cmd, &backend).await,
        Command::DataSubjects(cmd) => contracts::data_subjects(cmd, &backend).await,
        Command::Usage(args) => observe::usage(args, &backend).await,
        Command::Serve(_)
        | Command::Simulate(_)
        | Command::Demo(_)
        | Command::Completions { .. } => {
            unreachable!("handled above")
        }
    }
}

/// The API by URL, or the local server (started for this command or joined).
async fn connect(paths: &Paths, api_url: Option<&str>) -> Result<Backend, CliError> {
    Ok(crate::backend::connect(paths, api_url).await?)
}

fn changes_data(command: &Command) -> bool {
    use args::{
        ConsentLevelsCommand as C, ExportersCommand as E, OutputsCommand as O, SinksCommand as Si,
        StreamsCommand as St,
    };
    use contracts::{DataContractsCommand as Dc, DataSubjectsCommand as Ds};
    matches!(
        command,
        Command::Streams(St::Create { .. } | St::Delete { .. })
            | Command::Outputs(O::Create { .. } | O::Delete { .. })
            | Command::Sinks(Si::Create { .. } | Si::Delete { .. })
            | Command::Exporters(E::Create { .. } | E::Delete { .. })
            | Command::ConsentLevels(C::Create { .. } | C::Delete { .. })
            | Command::DataContracts(Dc::Create { .. } | Dc::Delete { .. })
            | Command::DataSubjects(Ds::Delete { .. })
    )
}

fn print_completion(shell: Shell) -> CliResult {
    complete::print_script(shell)
}

fn print_paths(paths: &Paths, api_url: Option<&str>) -> CliResult {
    let credentials = match api_url {
        Some(url) => paths.credentials_file(url),
        None => paths.config_dir.join("<local-server>-credentials.json"),
    };
    output::print_line(&format!(
        "{}credentials:   {}\nserver dir:    {}",
        strm_console::describe_paths(paths),
        credentials.display(),
        paths.server_dir().display()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use args::{ExportersCommand, OutputsCommand};

    fn parse(argv: &[&str]) -> Result<Cli, clap::Error> {
        let argv = std::iter::once("strm-tui").chain(argv.iter().copied());
        let matches = command().try_get_matches_from(shorts::rewrite_args(argv))?;
        Cli::from_arg_matches(&matches)
    }

    #[test]
    fn seed_output_command_parses() {
        let cli = parse(&[
            "outputs", "create", "bart", "level0-1", "-cl", "0", "-cl", "1", "-clt", "GRANULAR",
        ])
        .unwrap();
        let Some(Command::Outputs(OutputsCommand::Create {
            stream,
            output,
            consent_levels,
            consent_level_type,
            ..
        })) = cli.command
        else {
            panic!("not outputs create");
        };
        assert_eq!((stream.as_str(), output.as_str()), ("bart", "level0-1"));
        assert_eq!(consent_levels, [0, 1]);
        assert_eq!(consent_level_type, strm_model::ConsentLevelType::Granular);
    }

    #[test]
    fn seed_exporter_command_parses_and_negative_interval_is_a_value() {
        for (interval, expected) in [("30", 30), ("-1", -1)] {
            let cli = parse(&[
                "exporters",
                "create",
                "-en",
                "s3",
                "-sn",
                "s3-bart",
                "-st",
                "S3",
                "-i",
                interval,
                "-pp",
                "level01",
                "level0-1",
            ])
            .unwrap();
            let Some(Command::Exporters(ExportersCommand::Create {
                exporter_name,
                sink_name,
                sink_type,
                interval,
                path_prefix,
                stream,
                ..
            })) = cli.command
            else {
                panic!("not exporters create");
            };
            assert_eq!(exporter_name, "s3");
            assert_eq!(sink_name, "s3-bart");
            assert_eq!(sink_type, strm_model::SinkType::S3);
            assert_eq!(interval, expected);
            assert_eq!(path_prefix.as_deref(), Some("level01"));
            assert_eq!(stream, "level0-1");
        }
    }

    #[test]
    fn sink_types_take_any_case_and_others_are_usage_errors() {
        assert!(
            parse(&[
                "sinks", "create", "S3", "x", "-bn", "bucket", "-cf", "f.json"
            ])
            .is_ok()
        );
        assert!(parse(&["sinks", "delete", "x", "gcloud"]).is_ok());
        let cli = parse(&[
            "outputs", "create", "a", "b", "-cl", "1", "-clt", "granular",
        ])
        .unwrap();
        assert!(matches!(
            cli.command,
            Some(Command::Outputs(OutputsCommand::Create {
                consent_level_type: strm_model::ConsentLevelType::Granular,
                ..
            }))
        ));
        let err = parse(&["sinks", "delete", "x", "azure"]).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().contains("azure"), "{err}");
        let err = parse(&[
            "sinks", "create", "s3", "x", "-bn", "b", "-c", "{}", "-cf", "f",
        ])
        .unwrap_err();
        assert_eq!(err.kind(), clap::error::ErrorKind::ArgumentConflict);
    }

    #[test]
    fn read_only_refuses_only_changes() {
        let changes = |argv: &[&str]| changes_data(&parse(argv).unwrap().command.unwrap());
        assert!(changes(&["streams", "create", "bart"]));
        assert!(changes(&["exporters", "delete", "level0-1", "-en", "s3"]));
        assert!(changes(&[
            "consent-levels",
            "create",
            "0",
            "-n",
            "necessary"
        ]));
        assert!(!changes(&["streams", "list"]));
        assert!(!changes(&["exporters", "get", "level0-1", "-en", "s3"]));
        assert!(!changes(&["auth", "show"]));
        assert!(changes(&["data-subjects", "delete", "alice"]));
        assert!(changes(&[
            "data-contracts",
            "delete",
            "acme/checkout/1.0.0"
        ]));
        assert!(!changes(&["data-contracts", "list"]));
    }

    #[test]
    fn global_options_work_after_the_command() {
        let cli = parse(&[
            "streams",
            "list",
            "--api-url",
            "http://127.0.0.1:1",
            "--read-only",
        ])
        .unwrap();
        assert_eq!(cli.api_url.as_deref(), Some("http://127.0.0.1:1"));
        assert!(cli.read_only);
    }
}
