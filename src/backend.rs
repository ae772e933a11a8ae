//! The glue the console and the CLI use to reach an API: a remote one by URL, or the
//! embedded local server (started here or joined), signed in to without a prompt.

use color_eyre::eyre::{Result, WrapErr};
use futures::future::BoxFuture;
pub use strm_client::backend::Backend;
use strm_client::backend::{Connector, HostedServer};
use strm_client::paths::Paths;
use strm_client::{ApiClient, CredentialStore};
use strm_server::ServerHandle;

use crate::local_server::start_or_join;

/// With a URL: a client for it with its stored credentials. Without: the embedded local
/// server, signed in to its local account when there is no valid session.
pub async fn connect(paths: &Paths, api_url: Option<&str>) -> Result<Backend> {
    if let Some(url) = api_url {
        return Ok(Backend::remote(paths, url)?);
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
            .login(&local.account.email, local.account.password.expose())
            .await
            .wrap_err("cannot sign in to the local server")?;
    }
    let hosted = local
        .handle
        .map(|h| Box::new(Hosted(h)) as Box<dyn HostedServer>);
    Ok(Backend::new(local.url.clone(), client, true, hosted))
}

/// What the console's worker connects (and reconnects) with.
pub struct LocalOrRemote {
    pub paths: Paths,
}

impl Connector for LocalOrRemote {
    fn connect<'a>(&'a self, api_url: Option<&'a str>) -> BoxFuture<'a, eyre::Result<Backend>> {
        Box::pin(connect(&self.paths, api_url))
    }
}

struct Hosted(ServerHandle);

impl HostedServer for Hosted {
    fn shutdown(self: Box<Self>) -> BoxFuture<'static, ()> {
        Box::pin(self.0.shutdown())
    }
}
