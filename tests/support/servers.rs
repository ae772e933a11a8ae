//! The local server in this process, on a free 127.0.0.1 port.

use std::path::Path;

use strm_client::ApiClient;
use strm_model::OutputCreate;
use strm_server::{ServerConfig, ServerHandle, start};
use tempfile::TempDir;

use super::{Scenario, account};

/// Starts a server whose data lives in `dir/server`; `tweak` changes its configuration
/// first.
async fn start_server(dir: &Path, tweak: impl FnOnce(&mut ServerConfig)) -> ServerHandle {
    let mut config = strm_tui::local_server::server_config(&dir.join("server"));
    tweak(&mut config);
    start(config).await.expect("server starts")
}

/// The runtime a bench runs its server and client on: two workers, as the machine the
/// figures in BENCHMARKS.md come from has two cores.
#[allow(dead_code, reason = "only the benches use it")]
pub fn bench_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
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
        LocalServer::start_in(tempfile::tempdir().unwrap(), tweak).await
    }

    /// `start_with` on a directory the caller prepared (its data in `server/`).
    pub async fn start_in(dir: TempDir, tweak: impl FnOnce(&mut ServerConfig)) -> LocalServer {
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

    /// An account `email` with stream `stream` and its output `out`.
    #[allow(dead_code, reason = "the benches do not use it")]
    pub async fn scenario(&self, email: &str, stream: &str, out: OutputCreate) -> Scenario {
        Scenario::new(&self.url(), self.dir(), email, stream, out).await
    }

    /// An account `email` with stream `stream` and its output `all`: CUMULATIVE from level
    /// 1, so every event of the seed's clickstream reaches it (the benches' set-up).
    #[allow(dead_code, reason = "only the benches use it")]
    pub async fn all_events(&self, email: &str, stream: &str) -> Scenario {
        self.scenario(email, stream, super::cumulative("all", 1))
            .await
    }

    /// Stops the server and starts a new one on the same data.
    pub async fn restart(self) -> LocalServer {
        let LocalServer { server, dir } = self;
        server.shutdown().await;
        let server = start_server(dir.path(), |_| {}).await;
        LocalServer { server, dir }
    }

    /// Stops the server, lets `change` alter its data directory (`dir/server`), and
    /// starts a new one on it at the same address (so clients keep their sessions).
    pub async fn restart_with(self, change: impl FnOnce(&Path)) -> LocalServer {
        let LocalServer { server, dir } = self;
        let addr = server.addr();
        server.shutdown().await;
        change(&dir.path().join("server"));
        let server = start_server(dir.path(), |c| c.addr = addr).await;
        LocalServer { server, dir }
    }

    pub async fn shutdown(self) {
        self.server.shutdown().await;
    }
}
