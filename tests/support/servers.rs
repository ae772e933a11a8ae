//! The local server in this process, on a free 127.0.0.1 port.

use std::path::Path;

use strm_client::ApiClient;
use strm_server::{ServerConfig, ServerHandle, start};
use tempfile::TempDir;

use super::{Scenario, account};

/// Starts a server whose data lives in `dir/server`; `tweak` changes its configuration
/// first.
async fn start_server(dir: &Path, tweak: impl FnOnce(&mut ServerConfig)) -> ServerHandle {
    let mut config = ServerConfig::new(dir.join("server"));
    tweak(&mut config);
    start(config).await.expect("server starts")
}

/// A server on a temporary directory of its own (its data in `server/`, each account's
/// credentials in a folder named after it), removed after the server stops.
pub struct LocalServer {
    // Declared first, so dropped first: the server stops before its directory goes.
    pub server: ServerHandle,
    dir: TempDir,
}

impl LocalServer {
    pub async fn start() -> LocalServer {
        LocalServer::start_with(|_| {}).await
    }

    /// A server whose configuration `tweak` changes first.
    pub async fn start_with(tweak: impl FnOnce(&mut ServerConfig)) -> LocalServer {
        let dir = tempfile::tempdir().unwrap();
        let server = start_server(dir.path(), tweak).await;
        LocalServer { server, dir }
    }

    pub fn url(&self) -> String {
        self.server.url()
    }

    /// The temporary directory (the server's data is in `server/` below it).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// A signed-up account `email` with its own credentials store.
    pub async fn account(&self, email: &str) -> ApiClient {
        account(&self.url(), self.dir(), email).await
    }

    /// The account `email`, signed up earlier, signed in again.
    pub async fn account_again(&self, email: &str) -> ApiClient {
        super::accounts::sign_in(&self.url(), self.dir(), email).await
    }

    /// The seed's scenario for the account `email`.
    pub async fn seed(&self, email: &str) -> Scenario {
        Scenario::seed(&self.url(), self.dir(), email).await
    }

    /// Stops the server and starts a new one on the same data.
    pub async fn restart(self) -> LocalServer {
        let LocalServer { server, dir } = self;
        server.shutdown().await;
        let server = start_server(dir.path(), |_| {}).await;
        LocalServer { server, dir }
    }

    pub async fn shutdown(self) {
        self.server.shutdown().await;
    }
}
