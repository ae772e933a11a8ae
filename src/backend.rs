//! PLACEHOLDER (console branch): the documented signature of `backend::connect`, so that
//! the console compiles before the server branch lands. The merge with `main` replaces
//! this file with the real one, which starts or joins the embedded local server.

use crate::client::{ApiClient, CredentialStore};
use crate::paths::Paths;

pub struct Backend {
    pub api_url: String,
    pub client: ApiClient,
    pub local: bool,
}

pub async fn connect(paths: &Paths, api_url: Option<&str>) -> color_eyre::Result<Backend> {
    let Some(url) = api_url else {
        color_eyre::eyre::bail!("the embedded local server is not in this build yet");
    };
    let client = ApiClient::with_store(url, CredentialStore::for_api(paths, url))?;
    Ok(Backend {
        api_url: client.base_url().to_string(),
        client,
        local: false,
    })
}
