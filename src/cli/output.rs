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

    /// Prints the error line and returns the exit code.
    pub fn report(&self) -> ExitCode {
        // A message may carry a server's multi-line text; scripts expect one line.
        let line = self
            .message()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        eprintln!("strm-tui: error: {line}");
        self.exit_code()
    }
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
