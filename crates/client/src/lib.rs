//! The typed HTTP client of the Stream Machine control plane (`shared/spec/control-plane.md`).
//!
//! One `ApiClient` is cheap to clone and safe to use from many tasks at once: the session
//! sits behind one async mutex, so concurrent requests that find the token about to expire
//! refresh it once, not once each.

// Outside tests a failure is an error the caller handles, never a panic.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod backend;
pub mod contract_files;
mod credentials;
mod error;
pub mod events;
mod observe;
pub mod paths;
pub mod secrets;
pub mod sink_credentials;

use std::sync::Arc;
use std::time::Duration;

use reqwest::{Method, StatusCode, Url};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::sync::Mutex;

pub use credentials::CredentialStore;
pub use error::ClientError;
pub use observe::{ObjectPart, ObjectQuery, UsageQuery};

use strm_model::{
    AuthResponse, ConsentLevel, ContractRef, DataContract, DataContractCreate, DataSubjectPage,
    DataSubjectsDelete, DataSubjectsDeleted, Exporter, ExporterCreate, LoginRequest, NodeList,
    Output, OutputCreate, RefreshRequest, Sink, SinkCreate, SinkType, Stream, StreamCreate,
};

/// A token this close to its expiry is refreshed before use (the 2021 CLI's rule).
pub const REFRESH_MARGIN_SECS: i64 = 60;
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);

pub type Result<T, E = ClientError> = std::result::Result<T, E>;

#[derive(Clone)]
pub struct ApiClient {
    inner: Arc<Inner>,
}

struct Inner {
    base: Url,
    http: reqwest::Client,
    timeout: Duration,
    session: Mutex<Option<AuthResponse>>,
    store: Option<CredentialStore>,
    /// The node that answered last (the `Strm-Node` header), for the status bar.
    node: std::sync::Mutex<Option<String>>,
}

impl std::fmt::Debug for ApiClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiClient")
            .field("base", &self.inner.base.as_str())
            .finish()
    }
}

/// The console and the CLI read the clock here; it is the model's one clock.
pub use strm_model::now_epoch_secs;

/// Checks an API base URL: http or https, with a host.
pub fn parse_base_url(text: &str) -> Result<Url> {
    let invalid = |problem: String| {
        ClientError::Invalid(strm_model::Invalid::new(
            "api-url",
            problem,
            "the API URL is http:// or https:// followed by a host, e.g. https://api.streammachine.io",
        ))
    };
    let url =
        Url::parse(text.trim()).map_err(|e| invalid(format!("{text:?} is not a URL ({e})")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(invalid(format!(
            "{text:?} is not an http(s) URL with a host"
        )));
    }
    Ok(url)
}

impl ApiClient {
    /// A client without stored credentials (log in, or set a session, before calls).
    pub fn new(base_url: &str) -> Result<ApiClient> {
        Self::build(base_url, None, DEFAULT_TIMEOUT)
    }

    /// A client that reads its session from `store` and writes every new one back.
    pub fn with_store(base_url: &str, store: CredentialStore) -> Result<ApiClient> {
        Self::build(base_url, Some(store), DEFAULT_TIMEOUT)
    }

    pub fn with_timeout(self, timeout: Duration) -> Result<ApiClient> {
        let session = self.inner.session.try_lock().ok().and_then(|s| s.clone());
        Self::build_with(
            self.inner.base.as_str(),
            self.inner.store.clone(),
            timeout,
            session,
        )
    }

    fn build(
        base_url: &str,
        store: Option<CredentialStore>,
        timeout: Duration,
    ) -> Result<ApiClient> {
        Self::build_with(base_url, store, timeout, None)
    }

    /// `session`, when given, replaces the one the store holds.
    fn build_with(
        base_url: &str,
        store: Option<CredentialStore>,
        timeout: Duration,
        session: Option<AuthResponse>,
    ) -> Result<ApiClient> {
        let mut base = parse_base_url(base_url)?;
        // Path segments are appended, so the base must not end in '/'.
        if base.path().ends_with('/') {
            let trimmed = base.path().trim_end_matches('/').to_string();
            base.set_path(&trimmed);
        }
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(Duration::from_secs(5).min(timeout))
            .user_agent(concat!("strm-tui/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ClientError::Unreachable {
                api: base_url.into(),
                reason: e.to_string(),
            })?;
        let stored = match &store {
            Some(s) => s.load()?,
            None => None,
        };
        let session = session.or(stored);
        Ok(ApiClient {
            inner: Arc::new(Inner {
                base,
                http,
                timeout,
                session: Mutex::new(session),
                node: std::sync::Mutex::new(None),
                store,
            }),
        })
    }

    pub fn base_url(&self) -> &str {
        self.inner.base.as_str().trim_end_matches('/')
    }

    pub fn store(&self) -> Option<&CredentialStore> {
        self.inner.store.as_ref()
    }

    pub async fn session(&self) -> Option<AuthResponse> {
        self.inner.session.lock().await.clone()
    }

    /// Replaces the session (and stores it when this client has a store).
    pub async fn set_session(&self, auth: AuthResponse) -> Result<()> {
        if let Some(store) = &self.inner.store {
            store.save(&auth)?;
        }
        *self.inner.session.lock().await = Some(auth);
        Ok(())
    }

    // ---- authentication -------------------------------------------------------------

    pub async fn login(&self, email: &str, password: &str) -> Result<AuthResponse> {
        self.sign_in_at(&["v1", "auth"], email, password).await
    }

    /// Local-server extension: creates an account and signs in to it.
    pub async fn create_account(&self, email: &str, password: &str) -> Result<AuthResponse> {
        self.sign_in_at(&["v1", "accounts"], email, password).await
    }

    /// Posts e-mail and password to `path` and keeps the session it answers.
    async fn sign_in_at(&self, path: &[&str], email: &str, password: &str) -> Result<AuthResponse> {
        let body = LoginRequest {
            email: email.into(),
            password: password.into(),
        };
        let auth: AuthResponse = self.unauthenticated(path, &body).await?;
        self.set_session(auth.clone()).await?;
        Ok(auth)
    }

    /// Refreshes now, whatever the token's age.
    pub async fn refresh(&self) -> Result<AuthResponse> {
        let mut session = self.inner.session.lock().await;
        self.refresh_locked(&mut session).await
    }

    /// Local-server extension: revokes the refresh token server-side, then forgets the
    /// session here.
    pub async fn revoke(&self) -> Result<()> {
        let current = self.inner.session.lock().await.clone();
        if let Some(auth) = current {
            let body = RefreshRequest {
                refresh_token: auth.refresh_token,
            };
            let url = self.url(&["v1", "revoke"])?;
            let resp = self.send_raw(Method::POST, url, None, Some(&body)).await?;
            if !resp.0.is_success() {
                return Err(ClientError::from_body(resp.0.as_u16(), &resp.1));
            }
        }
        self.logout().await
    }

    /// Forgets the session and deletes the credentials file.
    pub async fn logout(&self) -> Result<()> {
        *self.inner.session.lock().await = None;
        match &self.inner.store {
            Some(store) => store.delete(),
            None => Ok(()),
        }
    }

    /// A valid id token, refreshed first when it expires within a minute.
    pub async fn access_token(&self) -> Result<String> {
        let mut session = self.inner.session.lock().await;
        match session.as_ref() {
            None => Err(self.login_required("no credentials stored")),
            Some(s) if s.expires_at - now_epoch_secs() > REFRESH_MARGIN_SECS => {
                Ok(s.id_token.clone())
            }
            Some(_) => Ok(self.refresh_locked(&mut session).await?.id_token),
        }
    }

    async fn refresh_locked(&self, session: &mut Option<AuthResponse>) -> Result<AuthResponse> {
        let Some(current) = session.as_ref() else {
            return Err(self.login_required("no credentials stored"));
        };
        let body = RefreshRequest {
            refresh_token: current.refresh_token.clone(),
        };
        match self
            .unauthenticated::<AuthResponse>(&["v1", "refresh"], &body)
            .await
        {
            Ok(auth) => {
                if let Some(store) = &self.inner.store {
                    store.save(&auth)?;
                }
                *session = Some(auth.clone());
                Ok(auth)
            }
            Err(ClientError::Api {
                status: 400 | 401 | 403,
                message,
            }) => Err(self.login_required(&format!("the refresh token was refused ({message})"))),
            Err(e) => Err(e),
        }
    }

    fn login_required(&self, reason: &str) -> ClientError {
        ClientError::LoginRequired {
            api: self.base_url().to_string(),
            reason: reason.to_string(),
        }
    }

    // ---- streams --------------------------------------------------------------------

    pub async fn list_streams(&self) -> Result<Vec<Stream>> {
        self.get(&["v1", "streams"], &[]).await
    }

    pub async fn get_stream(&self, name: &str) -> Result<Stream> {
        self.get(&["v1", "streams", name], &[]).await
    }

    /// The answer carries the client secret: the only time the API shows it.
    pub async fn create_stream(&self, req: &StreamCreate) -> Result<Stream> {
        self.put(&["v1", "streams"], req).await
    }

    pub async fn delete_stream(&self, name: &str, recursive: bool) -> Result<()> {
        self.delete(&["v1", "streams", name], &recursive_query(recursive))
            .await
    }

    // ---- outputs --------------------------------------------------------------------

    pub async fn list_outputs(&self, stream: &str) -> Result<Vec<Output>> {
        self.get(&["v1", "streams", stream, "outputs"], &[]).await
    }

    pub async fn get_output(&self, stream: &str, output: &str) -> Result<Output> {
        self.get(&["v1", "streams", stream, "outputs", output], &[])
            .await
    }

    pub async fn create_output(&self, stream: &str, req: &OutputCreate) -> Result<Output> {
        self.put(&["v1", "streams", stream, "outputs"], req).await
    }

    pub async fn delete_output(&self, stream: &str, output: &str, recursive: bool) -> Result<()> {
        self.delete(
            &["v1", "streams", stream, "outputs", output],
            &recursive_query(recursive),
        )
        .await
    }

    // ---- sinks ----------------------------------------------------------------------

    pub async fn list_sinks(&self) -> Result<Vec<Sink>> {
        self.get(&["v1", "sinks"], &[]).await
    }

    pub async fn get_sink(&self, name: &str, sink_type: SinkType) -> Result<Sink> {
        self.get(&["v1", "sinks", name], &[("sinkType", sink_type.as_str())])
            .await
    }

    pub async fn create_sink(&self, req: &SinkCreate) -> Result<Sink> {
        self.put(&["v1", "sinks"], req).await
    }

    pub async fn delete_sink(&self, name: &str, sink_type: SinkType) -> Result<()> {
        self.delete(&["v1", "sinks", name], &[("sinkType", sink_type.as_str())])
            .await
    }

    // ---- exporters ------------------------------------------------------------------

    // ---- nodes ----------------------------------------------------------------------

    /// The live nodes of the cluster (the one node of a single server).
    pub async fn list_nodes(&self) -> Result<NodeList> {
        self.get(&["v1", "nodes"], &[]).await
    }

    /// The name of the node that answered the last request, when the server says.
    pub fn last_node(&self) -> Option<String> {
        self.inner
            .node
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub async fn list_exporters(&self) -> Result<Vec<Exporter>> {
        self.get(&["v1", "exporters"], &[]).await
    }

    pub async fn get_exporter(
        &self,
        stream: &str,
        name: &str,
        export_keys: bool,
    ) -> Result<Exporter> {
        self.get(
            &["v1", "exporters", stream, name],
            &export_keys_query(export_keys),
        )
        .await
    }

    /// `stream` is a stream or an output name.
    pub async fn create_exporter(&self, stream: &str, req: &ExporterCreate) -> Result<Exporter> {
        self.put(&["v1", "exporters", stream], req).await
    }

    pub async fn delete_exporter(&self, stream: &str, name: &str, export_keys: bool) -> Result<()> {
        self.delete(
            &["v1", "exporters", stream, name],
            &export_keys_query(export_keys),
        )
        .await
    }

    // ---- consent-level names ----------------------------------------------------------

    pub async fn list_consent_levels(&self) -> Result<Vec<ConsentLevel>> {
        self.get(&["v1", "consent-levels"], &[]).await
    }

    pub async fn get_consent_level(&self, id: i64) -> Result<ConsentLevel> {
        self.get(&["v1", "consent-levels", &id.to_string()], &[])
            .await
    }

    pub async fn create_consent_level(&self, level: &ConsentLevel) -> Result<ConsentLevel> {
        self.put(&["v1", "consent-levels"], level).await
    }

    pub async fn delete_consent_level(&self, id: i64) -> Result<()> {
        self.delete(&["v1", "consent-levels", &id.to_string()], &[])
            .await
    }

    // ---- data contracts ---------------------------------------------------------------

    /// The account's own contracts and the public ones.
    pub async fn list_data_contracts(&self) -> Result<Vec<DataContract>> {
        self.get(&["v1", "data-contracts"], &[]).await
    }

    pub async fn get_data_contract(&self, r: &ContractRef) -> Result<DataContract> {
        self.get(
            &["v1", "data-contracts", &r.handle, &r.name, &r.version],
            &[],
        )
        .await
    }

    pub async fn create_data_contract(&self, req: &DataContractCreate) -> Result<DataContract> {
        self.put(&["v1", "data-contracts"], req).await
    }

    /// Archives a contract: events naming it are refused from then on.
    pub async fn archive_data_contract(&self, r: &ContractRef) -> Result<()> {
        self.delete(
            &["v1", "data-contracts", &r.handle, &r.name, &r.version],
            &[],
        )
        .await
    }

    // ---- data subjects ----------------------------------------------------------------

    /// One page of the account's data subjects, sorted by id.
    pub async fn list_data_subjects(
        &self,
        prefix: Option<&str>,
        after: Option<&str>,
        limit: Option<usize>,
    ) -> Result<DataSubjectPage> {
        let limit = limit.map(|n| n.to_string());
        let query: Vec<(&str, &str)> = [
            ("prefix", prefix),
            ("after", after),
            ("limit", limit.as_deref()),
        ]
        .into_iter()
        .filter_map(|(k, v)| Some((k, v?)))
        .collect();
        self.get(&["v1", "data-subjects"], &query).await
    }

    /// Destroys the keys of these data subjects for good.
    pub async fn delete_data_subjects(&self, ids: &[String]) -> Result<DataSubjectsDeleted> {
        let body = DataSubjectsDelete {
            data_subjects: ids.to_vec(),
        };
        let text = self
            .authorized(Method::DELETE, &["v1", "data-subjects"], &[], Some(&body))
            .await?;
        self.decode(&text)
    }

    // ---- transport ------------------------------------------------------------------

    fn url(&self, segments: &[&str]) -> Result<Url> {
        let mut url = self.inner.base.clone();
        // `parse_base_url` admits only http(s) URLs with a host, which always have a path.
        url.path_segments_mut()
            .map_err(|()| self.not_a_base())?
            .extend(segments);
        Ok(url)
    }

    fn not_a_base(&self) -> ClientError {
        ClientError::Invalid(strm_model::Invalid::new(
            "api-url",
            format!("{:?} cannot have a path", self.base_url()),
            "the API URL is http:// or https:// followed by a host",
        ))
    }

    async fn get<T: DeserializeOwned>(
        &self,
        segments: &[&str],
        query: &[(&str, &str)],
    ) -> Result<T> {
        let text = self
            .authorized(Method::GET, segments, query, None::<&()>)
            .await?;
        self.decode(&text)
    }

    async fn put<B: Serialize, T: DeserializeOwned>(
        &self,
        segments: &[&str],
        body: &B,
    ) -> Result<T> {
        let text = self
            .authorized(Method::PUT, segments, &[], Some(body))
            .await?;
        self.decode(&text)
    }

    async fn delete(&self, segments: &[&str], query: &[(&str, &str)]) -> Result<()> {
        self.authorized(Method::DELETE, segments, query, None::<&()>)
            .await
            .map(drop)
    }

    fn decode<T: DeserializeOwned>(&self, text: &str) -> Result<T> {
        serde_json::from_str(text).map_err(|e| ClientError::Decode {
            api: self.base_url().to_string(),
            reason: e.to_string(),
        })
    }

    async fn unauthenticated<T: DeserializeOwned>(
        &self,
        segments: &[&str],
        body: &impl Serialize,
    ) -> Result<T> {
        let (status, text) = self
            .send_raw(Method::POST, self.url(segments)?, None, Some(body))
            .await?;
        if !status.is_success() {
            return Err(ClientError::from_body(status.as_u16(), &text));
        }
        self.decode(&text)
    }

    /// Sends with the bearer token; a 401 triggers one refresh-and-retry.
    async fn authorized<B: Serialize>(
        &self,
        method: Method,
        segments: &[&str],
        query: &[(&str, &str)],
        body: Option<&B>,
    ) -> Result<String> {
        let answer = self.authorized_bytes(method, segments, query, body).await?;
        Ok(String::from_utf8_lossy(&answer.body).into_owned())
    }

    /// `authorized` with the answer's status, headers and bytes as they came.
    async fn authorized_bytes<B: Serialize>(
        &self,
        method: Method,
        segments: &[&str],
        query: &[(&str, &str)],
        body: Option<&B>,
    ) -> Result<Answer> {
        let mut url = self.url(segments)?;
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        let token = self.access_token().await?;
        let answer = self
            .send_bytes(method.clone(), url.clone(), Some(&token), body)
            .await?;
        let answer = if answer.status == StatusCode::UNAUTHORIZED {
            let token = {
                let mut session = self.inner.session.lock().await;
                // Another task may have refreshed already while this one waited.
                match session.as_ref() {
                    Some(s)
                        if s.id_token != token
                            && s.expires_at - now_epoch_secs() > REFRESH_MARGIN_SECS =>
                    {
                        s.id_token.clone()
                    }
                    _ => self.refresh_locked(&mut session).await?.id_token,
                }
            };
            self.send_bytes(method, url, Some(&token), body).await?
        } else {
            answer
        };
        let text = || String::from_utf8_lossy(&answer.body).into_owned();
        if answer.status.is_success() {
            Ok(answer)
        } else if answer.status == StatusCode::UNAUTHORIZED {
            Err(self.login_required(&ClientError::from_body(401, &text()).to_string()))
        } else {
            Err(ClientError::from_body(answer.status.as_u16(), &text()))
        }
    }

    async fn send_raw<B: Serialize>(
        &self,
        method: Method,
        url: Url,
        token: Option<&str>,
        body: Option<&B>,
    ) -> Result<(StatusCode, String)> {
        let answer = self.send_bytes(method, url, token, body).await?;
        Ok((
            answer.status,
            String::from_utf8_lossy(&answer.body).into_owned(),
        ))
    }

    async fn send_bytes<B: Serialize>(
        &self,
        method: Method,
        url: Url,
        token: Option<&str>,
        body: Option<&B>,
    ) -> Result<Answer> {
        let mut req = self.inner.http.request(method, url);
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        if let Some(body) = body {
            req = req.json(body);
        }
        let resp = req.send().await.map_err(|e| self.transport_error(e))?;
        if let Some(node) = resp
            .headers()
            .get(strm_model::NODE_HEADER)
            .and_then(|v| v.to_str().ok())
        {
            *self.inner.node.lock().unwrap_or_else(|e| e.into_inner()) = Some(node.to_owned());
        }
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = resp.bytes().await.map_err(|e| self.transport_error(e))?;
        Ok(Answer {
            status,
            headers,
            body: body.to_vec(),
        })
    }

    fn transport_error(&self, e: reqwest::Error) -> ClientError {
        let api = self.base_url().to_string();
        if e.is_timeout() {
            ClientError::Timeout {
                api,
                secs: self.inner.timeout.as_secs(),
            }
        } else {
            // reqwest's top-level message is vague; the source chain says what failed.
            let mut reason = e.to_string();
            let mut source = std::error::Error::source(&e);
            while let Some(s) = source {
                reason = s.to_string();
                source = s.source();
            }
            ClientError::Unreachable { api, reason }
        }
    }
}

/// An HTTP answer as it came.
struct Answer {
    status: StatusCode,
    headers: reqwest::header::HeaderMap,
    body: Vec<u8>,
}

fn recursive_query(recursive: bool) -> Vec<(&'static str, &'static str)> {
    if recursive {
        vec![("recursive", "true")]
    } else {
        vec![]
    }
}

fn export_keys_query(export_keys: bool) -> Vec<(&'static str, &'static str)> {
    vec![("exportKeys", if export_keys { "true" } else { "false" })]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_are_checked() {
        assert!(parse_base_url("https://api.streammachine.io").is_ok());
        assert!(parse_base_url("http://127.0.0.1:8642").is_ok());
        let err = parse_base_url("ftp://x").unwrap_err().to_string();
        assert!(err.contains("api-url") && err.contains("http"), "{err}");
        assert!(parse_base_url("not a url").is_err());
    }

    #[test]
    fn segments_are_encoded_and_base_path_kept() {
        let c = ApiClient::new("http://127.0.0.1:1/prefix/").unwrap();
        assert_eq!(
            c.url(&["v1", "streams", "a b/c"]).unwrap().as_str(),
            "http://127.0.0.1:1/prefix/v1/streams/a%20b%2Fc"
        );
        assert_eq!(c.base_url(), "http://127.0.0.1:1/prefix");
    }
}
