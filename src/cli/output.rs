//! What the CLI prints: the API's JSON pretty on stdout, one-line confirmations, and one
//! error line on stderr with the exit code scripts rely on (1 API or I/O, 2 usage).

use std::io::Write;
use std::process::ExitCode;

use serde::Serialize;

use strm_client::ClientError;
use strm_model::Invalid;

/// A failed command: the one line to show and which kind of failure it was.
#[derive(Debug)]
pub enum CliError {
    /// The command line asked for something invalid (exit 2, like clap's own errors).
    Usage(String),
    /// The API refused, or a file or the network failed (exit 1).
    Failed(String),
}

impl CliError {
    pub fn exit_code(&self) -> ExitCode {
        match self {
            CliError::Usage(_) => ExitCode::from(2),
            CliError::Failed(_) => ExitCode::from(1),
        }
    }

    pub fn message(&self) -> &str {
        match self {
            CliError::Usage(m) | CliError::Failed(m) => m,
        }
    }

    /// The one line to show: a server's multi-line text joined (scripts expect one
    /// line), and its REST advice said as the CLI does it.
    pub fn line(&self) -> String {
        let line = self
            .message()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        speak_cli(&line)
    }

    /// Prints the error line and returns the exit code.
    pub fn report(&self) -> ExitCode {
        eprintln!("strm-tui: error: {}", self.line());
        self.exit_code()
    }
}

/// The server's advice names its REST calls (for API clients); the CLI's user needs the
/// command or option that does the same.
const CLI_WORDS: &[(&str, &str)] = &[
    ("use ?recursive=true", "use --recursive"),
    (
        "create it first with PUT /v1/sinks",
        "create it first with `strm-tui sinks create`",
    ),
    (
        "sign in again with POST /v1/auth",
        "log in again with `strm-tui auth login`",
    ),
    (
        "refresh it with POST /v1/refresh or sign in again",
        "log in again with `strm-tui auth login`",
    ),
    (
        "sign in with POST /v1/auth",
        "log in with `strm-tui auth login`",
    ),
];

/// `text` with every REST phrase of `CLI_WORDS` replaced by its CLI words.
pub fn speak_cli(text: &str) -> String {
    CLI_WORDS
        .iter()
        .fold(text.to_string(), |t, (rest, cli)| t.replace(rest, cli))
}

impl From<Invalid> for CliError {
    fn from(e: Invalid) -> Self {
        CliError::Usage(e.to_string())
    }
}

impl From<ClientError> for CliError {
    fn from(e: ClientError) -> Self {
        match e {
            ClientError::Invalid(_) | ClientError::Refused(_) => CliError::Usage(e.to_string()),
            ClientError::LoginRequired { .. } => {
                CliError::Failed(format!("{e} with `strm-tui auth login`"))
            }
            _ => CliError::Failed(e.to_string()),
        }
    }
}

impl From<color_eyre::Report> for CliError {
    /// Reports from the backend, console and simulator keep the exit code of the error
    /// inside them (a rule or a bad URL is a usage error).
    fn from(e: color_eyre::Report) -> Self {
        if let Some(client_error) = e.downcast_ref::<ClientError>() {
            return CliError::from(client_error.clone());
        }
        if let Some(invalid) = e.downcast_ref::<Invalid>() {
            return CliError::from(invalid.clone());
        }
        CliError::Failed(format!("{e:#}"))
    }
}

pub type CliResult = Result<(), CliError>;

/// Prints `value` as pretty JSON; a closed pipe (`| head`) is not an error.
pub fn print_json<T: Serialize>(value: &T) -> CliResult {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| CliError::Failed(format!("cannot print the answer as JSON: {e}")))?;
    print_line(&text)
}

pub fn print_line(text: &str) -> CliResult {
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{text}").and_then(|_| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(CliError::Failed(format!("cannot write to stdout: {e}")))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rest_advice_is_said_in_cli_words() {
        let e = CliError::from(ClientError::Api {
            status: 409,
            message: "stream \"bart\" still has outputs level0-1; delete them first or use \n ?recursive=true".into(),
        });
        assert_eq!(
            e.line(),
            "stream \"bart\" still has outputs level0-1; delete them first or use --recursive (HTTP 409)"
        );
        let e = CliError::Failed(
            "sinkName: there is no S3 sink named \"x\"; create it first with PUT /v1/sinks".into(),
        );
        assert!(
            e.line()
                .ends_with("create it first with `strm-tui sinks create`")
        );
        assert!(!speak_cli("sign in again with POST /v1/auth").contains("/v1/"));
    }
}
