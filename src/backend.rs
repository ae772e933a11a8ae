//! The glue the console and the CLI use to reach an API: a remote one by URL, or the
//! embedded local server (started here or joined), signed in to without a prompt.

use color_eyre::eyre::{Result, WrapErr};

use crate::client::{ApiClient, CredentialStore};
use crate::paths::Paths;
use crate::server::ServerHandle;
use crate::server::embedded::start_or_join;

pub struct Backend {
    pub api_url: String,
    pub client: ApiClient,
    /// True for the embedded local server (shown as LOCAL).
    pub local: bool,
    // Keeps the embedded server running while this process uses it.
    _server: Option<ServerHandle>,
}

impl std::fmt::Debug for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Backend")
            .field("api_url", &self.api_url)
            .field("local", &self.local)
            .field("runs_server", &self._server.is_some())
            .finish()
    }
}

impl Backend {
    /// True when this process runs the embedded server (rather than joining another's).
    pub fn runs_server(&self) -> bool {
        self._server.is_some()
    }

    /// Stops the embedded server this process runs, if any.
    pub async fn shutdown(mut self) {
        if let Some(server) = self._server.take() {
            server.shutdown().await;
        }
    }
}

/// With a URL: a client for it with its stored credentials. Without: the embedded local
/// server, signed in to its local account when there is no valid session.
pub async fn connect(paths: &Paths, api_url: Option<&str>) -> Result<Backend> {
    if let Some(url) = api_url {
        let client = ApiClient::with_store(url, CredentialStore::for_api(paths, url))?;
        return Ok(Backend {
            api_url: client.base_url().to_string(),
            client,
            local: false,
            _server: None,
        });
    }
    let server_dir = paths.server_dir();
    let local = start_or_join(&server_dir)
        .await
        .wrap_err_with(|| format!("cannot start the local server in {}", server_dir.display()))?;
    let client = ApiClient::with_store(&local.url, CredentialStore::for_api(paths, &local.url))?;
    // A stored session is only good while this server still knows its refresh token
    // (the database may be new); refreshing proves it, else sign in again.
    let valid = match client.session().await {
        Some(s) if s.email == local.account.email => client.refresh().await.is_ok(),
        _ => false,
    };
    if !valid {
        client
            .login(&local.account.email, &local.account.password)
            .await
            .wrap_err("cannot sign in to the local server")?;
    }
    Ok(Backend {
        api_url: local.url.clone(),
        client,
        local: true,
        _server: local.handle,
    })
}
