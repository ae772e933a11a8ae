//! Accounts, passwords and tokens: sign-up rules, logins, expiry and refresh, revocation,
//! the private credentials file.

use std::time::Duration;

use serde_json::json;
use strm_client::paths::Paths;
use strm_client::{ApiClient, CredentialStore};

use super::raw::{Raw, body, credentials, refused};
use crate::support::Says::{Has, Lacks, Starts};
use crate::support::{LocalServer, PASSWORD, api_status, stream};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_password_and_unknown_email_get_401() {
    let local = LocalServer::start().await;
    local.account("who@example.com").await;
    let raw = Raw::anonymous(&local.url());
    let says = &[Has("wrong e-mail address or password")];
    refused(vec![
        (
            "a wrong password",
            &raw,
            "POST",
            "/v1/auth",
            credentials("who@example.com", "wrong password"),
            401,
            says,
        ),
        (
            "an unknown address",
            &raw,
            "POST",
            "/v1/auth",
            credentials("nobody@example.com", PASSWORD),
            401,
            says,
        ),
    ])
    .await;
    let client = ApiClient::new(&local.url()).unwrap();
    let err = client
        .login("who@example.com", "wrong password")
        .await
        .unwrap_err();
    assert_eq!(api_status(&err), 401);
    assert!(client.login("WHO@example.com", PASSWORD).await.is_ok());
    local.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn account_rules_are_checked_and_emails_are_unique() {
    let local = LocalServer::start().await;
    local.account("twice@example.com").await;
    let raw = Raw::anonymous(&local.url());
    refused(vec![
        (
            "a short password",
            &raw,
            "POST",
            "/v1/accounts",
            credentials("a@b.c", "short"),
            400,
            &[Has("password"), Has("8-1024"), Lacks("short")],
        ),
        (
            "an address without @",
            &raw,
            "POST",
            "/v1/accounts",
            credentials("no-at-sign", PASSWORD),
            400,
            &[Starts("email:")],
        ),
        (
            "an address taken",
            &raw,
            "POST",
            "/v1/accounts",
            credentials("twice@example.com", PASSWORD),
            409,
            &[Has("already exists")],
        ),
    ])
    .await;
    local.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_token_is_refused_and_the_client_refreshes_transparently() {
    let local = LocalServer::start_with(|c| c.token_ttl = Duration::from_secs(1)).await;
    let api = local.account("ttl@example.com").await;
    let raw = Raw::for_client(&api).await;
    let old_token = raw.token.clone().unwrap();
    tokio::time::sleep(Duration::from_millis(2100)).await;
    refused(vec![(
        "an expired token",
        &raw,
        "GET",
        "/v1/streams",
        None,
        401,
        &[Has("expired or unknown")],
    )])
    .await;
    // The client sees the token about to expire, refreshes, and carries on.
    api.create_stream(&stream("after-refresh")).await.unwrap();
    let session = api.session().await.unwrap();
    assert_ne!(session.id_token, old_token);
    // The refreshed session was stored, and refresh answers all five fields.
    let stored = CredentialStore::for_api(
        &Paths::under(&local.dir().join("ttl@example.com")),
        &local.url(),
    )
    .load()
    .unwrap()
    .unwrap();
    assert_eq!(stored, session);
    let (st, v) = Raw::anonymous(&local.url())
        .json(
            "POST",
            "/v1/refresh",
            json!({"refreshToken": session.refresh_token,
            "email": "ignored", "idToken": "ignored"}),
        )
        .await;
    assert_eq!(st, 200);
    for key in ["email", "billingId", "expiresAt", "idToken", "refreshToken"] {
        assert!(v.get(key).is_some(), "{key} missing in {v}");
    }
    local.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_refresh_token_means_logging_in_again() {
    let local = LocalServer::start().await;
    let api = local.account("rev@example.com").await;
    let session = api.session().await.unwrap();
    let anon = Raw::anonymous(&local.url());
    let refresh = body(json!({"refreshToken": session.refresh_token}));
    let (st, _) = anon.send("POST", "/v1/revoke", refresh.clone()).await;
    assert_eq!(st, 204);
    refused(vec![(
        "a revoked refresh token",
        &anon,
        "POST",
        "/v1/refresh",
        refresh,
        401,
        &[Has("refreshToken")],
    )])
    .await;
    // Its id token died with it; the client's refresh is refused: log in again.
    let err = api.list_streams().await.unwrap_err();
    assert!(err.needs_login(), "{err}");
    assert!(err.to_string().contains("log in again"), "{err}");
    // The client's own revoke (logout) works and forgets the session.
    api.login("rev@example.com", PASSWORD).await.unwrap();
    api.revoke().await.unwrap();
    assert!(api.session().await.is_none());
    local.shutdown().await;
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_credentials_file_is_private_after_login() {
    use std::os::unix::fs::PermissionsExt;
    let local = LocalServer::start().await;
    local.account("perm@example.com").await;
    let paths = Paths::under(&local.dir().join("login"));
    let store = CredentialStore::for_api(&paths, &local.url());
    let client = ApiClient::with_store(&local.url(), store.clone()).unwrap();
    client.login("perm@example.com", PASSWORD).await.unwrap();
    let mode = std::fs::metadata(store.path())
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600, "{:o}", mode);
    let text = std::fs::read_to_string(store.path()).unwrap();
    assert!(!text.contains(PASSWORD));
    local.shutdown().await;
}
