//! Accounts: the seed's address and the one password every test account uses.

use std::path::Path;

use strm_client::paths::Paths;
use strm_client::{ApiClient, CredentialStore};

/// The seed's account.
pub const EMAIL: &str = "strm-bart@example.com";
pub const PASSWORD: &str = "correct horse battery";

/// A signed-up account with its own credentials store under `dir/email`, so that two
/// accounts in one test never share a session.
pub async fn account(url: &str, dir: &Path, email: &str) -> ApiClient {
    let paths = Paths::under(&dir.join(email));
    let client = ApiClient::with_store(url, CredentialStore::for_api(&paths, url)).unwrap();
    client.create_account(email, PASSWORD).await.unwrap();
    client
}

/// An account signed up earlier, signed in again (after a restart, on a new address).
pub async fn sign_in(url: &str, dir: &Path, email: &str) -> ApiClient {
    let paths = Paths::under(&dir.join(email));
    let client = ApiClient::with_store(url, CredentialStore::for_api(&paths, url)).unwrap();
    client.login(email, PASSWORD).await.unwrap();
    client
}
