//! A connected API as the console and the CLI use it: a client, the URL it talks to, and —
//! when this process hosts the embedded local server — what keeps that server running.
//! How a connection is made (a remote URL, or the local server started or joined) is the
//! binary's business: it hands a `Connector` to whoever needs to connect again later.

use futures::future::BoxFuture;

use crate::paths::Paths;
use crate::{ApiClient, ClientError, CredentialStore};

/// A server this process runs for the connection's sake; stopped when the backend is.
pub trait HostedServer: Send + Sync {
    fn shutdown(self: Box<Self>) -> BoxFuture<'static, ()>;
}

/// Makes a `Backend`: for `api_url`, or the embedded local server when `None`.
pub trait Connector: Send + Sync {
    fn connect<'a>(&'a self, api_url: Option<&'a str>) -> BoxFuture<'a, eyre::Result<Backend>>;
}

pub struct Backend {
    pub api_url: String,
    pub client: ApiClient,
    /// True for the embedded local server (shown as LOCAL).
    pub local: bool,
    // Keeps the embedded server running while this process uses it.
    hosted: Option<Box<dyn HostedServer>>,
}

impl std::fmt::Debug for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Backend")
            .field("api_url", &self.api_url)
            .field("local", &self.local)
            .field("runs_server", &self.hosted.is_some())
            .finish()
    }
}

impl Backend {
    /// A client for a remote API with the credentials stored for its host.
    pub fn remote(paths: &Paths, api_url: &str) -> Result<Backend, ClientError> {
        let client = ApiClient::with_store(api_url, CredentialStore::for_api(paths, api_url))?;
        Ok(Backend::new(
            client.base_url().to_string(),
            client,
            false,
            None,
        ))
    }

    pub fn new(
        api_url: String,
        client: ApiClient,
        local: bool,
        hosted: Option<Box<dyn HostedServer>>,
    ) -> Self {
        Backend {
            api_url,
            client,
            local,
            hosted,
        }
    }

    /// True when this process runs the embedded server (rather than joining another's).
    pub fn runs_server(&self) -> bool {
        self.hosted.is_some()
    }

    /// Stops the embedded server this process runs, if any.
    pub async fn shutdown(mut self) {
        if let Some(server) = self.hosted.take() {
            server.shutdown().await;
        }
    }
}

/// Connects to API URLs only; for consoles that never host a server (tests, tools).
pub struct RemoteOnly {
    pub paths: Paths,
}

impl Connector for RemoteOnly {
    fn connect<'a>(&'a self, api_url: Option<&'a str>) -> BoxFuture<'a, eyre::Result<Backend>> {
        Box::pin(async move {
            let url =
                api_url.ok_or_else(|| eyre::eyre!("no API URL given and no local server here"))?;
            Ok(Backend::remote(&self.paths, url)?)
        })
    }
}
