//! `auth login | show | print-access-token | revoke | logout`.

use time::OffsetDateTime;
use time::macros::format_description;

use super::args::AuthCommand;
use super::output::{CliError, CliResult, print_json, print_line};
use super::prompt;
use crate::backend::Backend;
use strm_client::ApiClient;
use strm_model::{AuthResponse, Secret, rules};

pub async fn run(cmd: AuthCommand, backend: &Backend) -> CliResult {
    let client = &backend.client;
    match cmd {
        AuthCommand::Login { email, password } => {
            let auth = login(client, email, password).await?;
            print_line(&format!("Successfully logged in as {}", auth.email))
        }
        AuthCommand::Show { json } => {
            let auth = session(backend).await?;
            if json {
                print_json(&auth)
            } else {
                print_line(&show_lines(&auth))
            }
        }
        AuthCommand::PrintAccessToken => print_line(&client.access_token().await?),
        AuthCommand::Revoke => {
            let auth = session(backend).await?;
            client.revoke().await?;
            print_line(&format!(
                "Revoked the refresh token of {} at {} and deleted the stored credentials",
                auth.email, backend.api_url
            ))
        }
        AuthCommand::Logout => {
            client.logout().await?;
            let place = if backend.local {
                format!("the local server at {}", backend.api_url)
            } else {
                backend.api_url.clone()
            };
            print_line(&format!("Logged out of {place}"))
        }
    }
}

/// Asks for what the command line left out (offering the last e-mail), then logs in;
/// the client stores the new session.
pub async fn login(
    client: &ApiClient,
    email: Option<String>,
    password: Option<Secret>,
) -> Result<AuthResponse, CliError> {
    let last_email = client.session().await.map(|s| s.email);
    let email = match email {
        Some(e) => e,
        None => ask(|| {
            prompt::line(
                "Enter your Stream Machine portal email address",
                last_email.as_deref(),
            )
        })?,
    };
    rules::check_email(&email)?;
    let password = match password {
        Some(p) => p.into_inner(),
        None => ask(|| prompt::secret("Please enter your Stream Machine portal password"))?,
    };
    Ok(client.login(&email, &password).await?)
}

/// Prompts block on the terminal; the runtime's other workers keep serving meanwhile.
fn ask(question: impl FnOnce() -> std::io::Result<String>) -> Result<String, CliError> {
    tokio::task::block_in_place(question)
        .map_err(|e| CliError::Failed(format!("cannot read the answer: {e}")))
}

async fn session(backend: &Backend) -> Result<AuthResponse, CliError> {
    backend.client.session().await.ok_or_else(|| {
        CliError::Failed(format!(
            "not logged in to {}; run `strm-tui auth login`",
            backend.api_url
        ))
    })
}

/// The seed's three lines.
pub fn show_lines(auth: &AuthResponse) -> String {
    format!(
        "Credentials for {}\nBilling id = {}\nCurrent token valid until = {} UTC",
        auth.email,
        auth.billing_id,
        utc_time(auth.expires_at)
    )
}

/// `2021-01-14T16:28:16`, as the seed shows an expiry.
fn utc_time(epoch_secs: i64) -> String {
    OffsetDateTime::from_unix_timestamp(epoch_secs)
        .ok()
        .and_then(|t| {
            t.format(format_description!(
                "[year]-[month]-[day]T[hour]:[minute]:[second]"
            ))
            .ok()
        })
        .unwrap_or_else(|| format!("{epoch_secs} (epoch seconds)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn show_prints_the_seed_lines() {
        let auth = AuthResponse {
            email: "strm-bart@example.com".into(),
            billing_id: "strmbart8891421710".into(),
            expires_at: 1610641696,
            id_token: "SECRET".into(),
            refresh_token: "SECRET".into(),
        };
        assert_eq!(
            show_lines(&auth),
            "Credentials for strm-bart@example.com\nBilling id = strmbart8891421710\n\
             Current token valid until = 2021-01-14T16:28:16 UTC"
        );
    }
}
