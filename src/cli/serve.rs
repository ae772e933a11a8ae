//! `strm-tui serve`: the local Stream Machine on its own, for the 2021 drivers, curl and
//! scripts.

use super::args::ServeArgs;
use super::output::{CliError, CliResult};
use crate::local_server as embedded;
use crate::local_server::RunOptions;
use strm_client::paths::Paths;
use strm_model::rules;
use strm_server as server;
use strm_server::users::LocalAccount;

/// Runs the server of the same directory the console embeds (or `--data-dir`), holding
/// its lock: consoles and commands started meanwhile join this server instead of
/// starting their own.
pub async fn run(args: ServeArgs, paths: &Paths) -> CliResult {
    let server_dir = args.data_dir.unwrap_or_else(|| paths.server_dir());
    let options = RunOptions {
        addr: args.addr,
        users: args
            .users
            .iter()
            .map(|u| parse_user(u.expose()))
            .collect::<Result<_, _>>()?,
    };
    super::logs::to_stderr();
    let local = embedded::start_owned(&server_dir, options)
        .await
        .map_err(|e| CliError::Failed(e.to_string()))?;
    eprintln!("Stream Machine API listening on {}", local.url);
    eprintln!(
        "Data in {}; consoles and commands on this directory join this server. \
         Local account {} (password in {}).",
        server_dir.display(),
        local.account.email,
        server_dir.join(embedded::ACCOUNT_FILE).display()
    );
    server::shutdown_signal().await;
    tracing::info!("shutting down");
    if let Some(handle) = local.handle {
        handle.shutdown().await;
    }
    Ok(())
}

/// `EMAIL:PASSWORD`; the password may itself contain ':'. Messages never show it.
fn parse_user(text: &str) -> Result<LocalAccount, CliError> {
    let (email, password) = text.split_once(':').ok_or_else(|| {
        CliError::Usage(
            "--user: has no ':'; it is EMAIL:PASSWORD, e.g. strm-bart@example.com:secret-pw".into(),
        )
    })?;
    rules::check_email(email)?;
    rules::check_password(password).map_err(|e| CliError::Usage(format!("--user {email}: {e}")))?;
    Ok(LocalAccount {
        email: email.to_string(),
        password: password.into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_are_email_colon_password() {
        let user = parse_user("strm-bart@example.com:pass:word").unwrap();
        assert_eq!(user.email, "strm-bart@example.com");
        assert_eq!(user.password.expose(), "pass:word");
        let err = parse_user("strm-bart@example.com:short").unwrap_err();
        let msg = err.message();
        assert!(msg.contains("password") && msg.contains("8-1024"), "{msg}");
        assert!(
            !msg.contains("short\""),
            "the password is never shown: {msg}"
        );
        assert!(parse_user("no-colon").is_err());
        assert!(
            parse_user("nobody:long-enough-pw")
                .unwrap_err()
                .message()
                .contains("email")
        );
    }
}
