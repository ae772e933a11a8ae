//! `strm-tui serve`: the local Stream Machine on its own, for the 2021 drivers, curl and
//! scripts.

use super::args::ServeArgs;
use super::output::{CliError, CliResult};
use super::prompt;
use crate::local_server as embedded;
use crate::local_server::RunOptions;
use strm_client::paths::Paths;
use strm_model::rules;
use strm_server as server;
use strm_server::listen::ConnectionLimits;
use strm_server::users::LocalAccount;

/// Runs the server of the same directory the console embeds (or `--data-dir`), holding
/// its lock: consoles and commands started meanwhile join this server instead of
/// starting their own.
pub async fn run(args: ServeArgs, paths: &Paths) -> CliResult {
    let server_dir = args.data_dir.unwrap_or_else(|| paths.server_dir());
    // The URLs may hold credentials: messages show them without (the rules' own).
    let database = rules::parse_database(args.database.expose())?;
    let event_store = rules::parse_event_store(args.event_store.expose())?;
    rules::check_event_replicas(args.event_replicas, &event_store)?;
    if let Some(name) = &args.node_name {
        rules::check_node_name(name)?;
    }
    let source = PasswordSource {
        file: args.password_file,
        env: std::env::var(PASSWORD_ENV).ok().filter(|p| !p.is_empty()),
    };
    let mut users = Vec::new();
    for user in &args.users {
        users.push(account(user.expose(), &source)?);
    }
    let shared = database != rules::DatabaseOption::Sqlite;
    let options = RunOptions {
        addr: args.addr,
        users,
        cluster: strm_server::ClusterOptions {
            database,
            event_store,
            event_replicas: args.event_replicas,
            node_name: args.node_name,
        },
        connections: ConnectionLimits {
            header_timeout: std::time::Duration::from_secs(args.header_timeout),
            max_connections: args.max_connections.map(|n| n as usize),
            max_connections_per_address: args.max_connections_per_address as usize,
        },
        rotate_master_key: args.rotate_master_key,
    };
    super::logs::to_stderr();
    let local = embedded::start_owned(&server_dir, options)
        .await
        .map_err(|e| CliError::Failed(e.to_string()))?;
    eprintln!("Stream Machine API listening on {}", local.url);
    if shared {
        eprintln!(
            "Data in PostgreSQL and {}; sign in with an account of the cluster (--user \
             makes one). A shared database has no local account.",
            server_dir.display()
        );
    } else {
        eprintln!(
            "Data in {}; consoles and commands on this directory join this server. \
             Local account {} (password in {}).",
            server_dir.display(),
            local.account.email,
            server_dir.join(embedded::ACCOUNT_FILE).display()
        );
    }
    server::shutdown_signal().await;
    tracing::info!("shutting down");
    if let Some(handle) = local.handle {
        handle.shutdown().await;
    }
    Ok(())
}

/// The environment variable with the password of `--user EMAIL`.
pub const PASSWORD_ENV: &str = "STRM_TUI_PASSWORD";

/// Where the password of a `--user EMAIL` comes from, first found first: the
/// `--password-file`, `STRM_TUI_PASSWORD`, else a prompt.
struct PasswordSource {
    file: Option<std::path::PathBuf>,
    env: Option<String>,
}

impl PasswordSource {
    fn password(&self, email: &str) -> Result<String, CliError> {
        if let Some(path) = &self.file {
            return read_password_file(path);
        }
        if let Some(p) = &self.env {
            return Ok(p.clone());
        }
        tokio::task::block_in_place(|| prompt::secret(&format!("Password for {email}"))).map_err(
            |e| {
                CliError::Usage(format!(
                    "--user {email}: no password ({e}); give it in {PASSWORD_ENV}, \
                     with --password-file FILE, or type it at the prompt"
                ))
            },
        )
    }
}

/// The first line of the file (without its line end).
fn read_password_file(path: &std::path::Path) -> Result<String, CliError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        CliError::Failed(format!(
            "--password-file {}: cannot be read ({e})",
            path.display()
        ))
    })?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(path)
            && meta.permissions().mode() & 0o077 != 0
        {
            eprintln!(
                "warning: --password-file {}: other users can read it; chmod 600 it",
                path.display()
            );
        }
    }
    Ok(text.lines().next().unwrap_or_default().to_string())
}

/// `EMAIL` (the password from `source`), or the old `EMAIL:PASSWORD` with a warning; the
/// password may itself contain ':'. Messages never show it.
fn account(text: &str, source: &PasswordSource) -> Result<LocalAccount, CliError> {
    let (email, password) = match text.split_once(':') {
        Some((email, password)) => {
            eprintln!(
                "warning: --user {email}:PASSWORD puts the password where every user of this \
                 machine sees it (ps, shell history); use --user {email} with {PASSWORD_ENV}, \
                 --password-file FILE or the prompt"
            );
            (email, password.to_string())
        }
        None => {
            rules::check_email(text)?;
            (text, source.password(text)?)
        }
    };
    rules::check_email(email)?;
    rules::check_password(&password)
        .map_err(|e| CliError::Usage(format!("--user {email}: {e}")))?;
    Ok(LocalAccount {
        email: email.to_string(),
        password: password.into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_source() -> PasswordSource {
        PasswordSource {
            file: None,
            env: Some("from-the-environment".into()),
        }
    }

    #[test]
    fn the_old_form_is_email_colon_password() {
        let user = account("strm-bart@example.com:pass:word", &no_source()).unwrap();
        assert_eq!(user.email, "strm-bart@example.com");
        assert_eq!(user.password.expose(), "pass:word");
        let err = account("strm-bart@example.com:short", &no_source()).unwrap_err();
        let msg = err.message();
        assert!(msg.contains("password") && msg.contains("8-1024"), "{msg}");
        assert!(
            !msg.contains("short\""),
            "the password is never shown: {msg}"
        );
        assert!(
            account("nobody:long-enough-pw", &no_source())
                .unwrap_err()
                .message()
                .contains("email")
        );
    }

    #[test]
    fn an_email_alone_takes_the_password_from_the_file_first_then_the_environment() {
        let user = account("strm-bart@example.com", &no_source()).unwrap();
        assert_eq!(user.password.expose(), "from-the-environment");
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("pw");
        std::fs::write(&file, "from-the-file\nsecond line\n").unwrap();
        let source = PasswordSource {
            file: Some(file),
            env: Some("from-the-environment".into()),
        };
        let user = account("strm-bart@example.com", &source).unwrap();
        assert_eq!(user.password.expose(), "from-the-file");
        let missing = PasswordSource {
            file: Some(dir.path().join("none")),
            env: None,
        };
        let err = account("strm-bart@example.com", &missing).unwrap_err();
        assert!(
            err.message().contains("--password-file"),
            "{}",
            err.message()
        );
        assert!(
            account("no-at-sign", &no_source())
                .unwrap_err()
                .message()
                .contains("email")
        );
    }
}
