//! The data-plane client (`shared/spec/data-plane.md`): event tokens for a stream's or
//! an output's credentials triplet, sending events as JSON or Avro binary, and the live
//! websocket tail. It speaks to the local server (one address) or to hosts given apart.

use std::time::Duration;

use futures::StreamExt;
use reqwest::Url;
use tokio::sync::Mutex;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use super::{ClientError, REFRESH_MARGIN_SECS, now_epoch_secs, parse_base_url};
use strm_model::{EventAuthRequest, EventTokens, RefreshRequest};

type Result<T, E = ClientError> = std::result::Result<T, E>;

/// Where the three data-plane services live. The local server serves all three on one
/// address; the 2021 service used `auth.`, `in.` and `out.strm.services`.
#[derive(Debug, Clone)]
pub struct EventHosts {
    pub auth: Url,
    pub ingest: Url,
    pub egress: Url,
}

impl EventHosts {
    pub fn single(base_url: &str) -> Result<EventHosts> {
        let base = parse_base_url(base_url)?;
        Ok(EventHosts {
            auth: base.clone(),
            ingest: base.clone(),
            egress: base,
        })
    }
}

/// How a body is serialized (the `Strm-Serialization-Type` header).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Serialization {
    AvroBinary,
    Json,
}

impl Serialization {
    pub fn header(self) -> &'static str {
        match self {
            Serialization::AvroBinary => "application/x-avro-binary",
            Serialization::Json => "application/json",
        }
    }
}

pub struct EventClient {
    hosts: EventHosts,
    http: reqwest::Client,
    credentials: EventAuthRequest,
    tokens: Mutex<Option<EventTokens>>,
}

strm_model::debug_showing!(EventClient {
    hosts,
    billing_id: credentials.billing_id,
    client_id: credentials.client_id,
});

fn join(base: &Url, path: &str) -> Url {
    let mut url = base.clone();
    url.set_path(&format!("{}/{path}", base.path().trim_end_matches('/')));
    url
}

impl EventClient {
    pub fn new(hosts: EventHosts, credentials: EventAuthRequest) -> Result<EventClient> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .connect_timeout(Duration::from_secs(5))
            .pool_max_idle_per_host(64)
            .user_agent(concat!("strm-tui/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ClientError::Unreachable {
                api: hosts.ingest.to_string(),
                reason: e.to_string(),
            })?;
        Ok(EventClient {
            hosts,
            http,
            credentials,
            tokens: Mutex::new(None),
        })
    }

    fn unreachable(url: &Url, e: reqwest::Error) -> ClientError {
        if e.is_timeout() {
            ClientError::Timeout {
                api: url.to_string(),
                secs: 15,
            }
        } else {
            ClientError::Unreachable {
                api: url.to_string(),
                reason: e.to_string(),
            }
        }
    }

    async fn post_tokens<B: serde::Serialize>(&self, path: &str, body: &B) -> Result<EventTokens> {
        let url = join(&self.hosts.auth, path);
        let resp = self
            .http
            .post(url.clone())
            .json(body)
            .send()
            .await
            .map_err(|e| Self::unreachable(&url, e))?;
        let status = resp.status().as_u16();
        let text = resp.text().await.map_err(|e| Self::unreachable(&url, e))?;
        if status != 200 {
            return Err(ClientError::from_body(status, &text));
        }
        serde_json::from_str(&text).map_err(|e| ClientError::Decode {
            api: url.to_string(),
            reason: e.to_string(),
        })
    }

    /// `POST /auth` with the triplet; keeps the tokens for later calls.
    pub async fn authenticate(&self) -> Result<EventTokens> {
        let tokens: EventTokens = self.post_tokens("auth", &self.credentials).await?;
        *self.tokens.lock().await = Some(tokens.clone());
        Ok(tokens)
    }

    /// A valid id token: refreshed near expiry, re-authenticated when refresh fails.
    pub async fn id_token(&self) -> Result<String> {
        let current = self.tokens.lock().await.clone();
        match current {
            Some(t) if t.expires_at - now_epoch_secs() > REFRESH_MARGIN_SECS => Ok(t.id_token),
            Some(t) => {
                let body = RefreshRequest {
                    refresh_token: t.refresh_token,
                };
                match self.post_tokens("refresh", &body).await {
                    Ok(fresh) => {
                        *self.tokens.lock().await = Some(fresh.clone());
                        Ok(fresh.id_token)
                    }
                    Err(_) => Ok(self.authenticate().await?.id_token),
                }
            }
            None => Ok(self.authenticate().await?.id_token),
        }
    }

    /// `POST /event` of one serialized event, naming its schema as the drivers did: a
    /// built-in id (`clickstream`) in `Strm-Schema-Id`, a contract ref
    /// (`acme/checkout/1.0.0`) in `Strm-Schema-Ref`. A 401 triggers one
    /// re-authentication.
    pub async fn send(
        &self,
        schema_id: &str,
        serialization: Serialization,
        body: Vec<u8>,
    ) -> Result<()> {
        let url = join(&self.hosts.ingest, "event");
        for attempt in 0..2 {
            let token = self.id_token().await?;
            let resp = self
                .http
                .post(url.clone())
                .bearer_auth(&token)
                .header(schema_header(schema_id), schema_id)
                .header("Strm-Serialization-Type", serialization.header())
                .header(reqwest::header::CONTENT_TYPE, serialization.header())
                .header("Strm-Driver-Version", env!("CARGO_PKG_VERSION"))
                .body(body.clone())
                .send()
                .await
                .map_err(|e| Self::unreachable(&url, e))?;
            let status = resp.status().as_u16();
            if status == 204 {
                return Ok(());
            }
            let text = resp.text().await.unwrap_or_default();
            if status == 401 && attempt == 0 {
                *self.tokens.lock().await = None;
                continue;
            }
            return Err(ClientError::Api {
                status,
                message: text.trim().chars().take(500).collect(),
            });
        }
        unreachable!("the loop returns on its second pass")
    }

    pub async fn send_json(&self, schema_id: &str, event: &serde_json::Value) -> Result<()> {
        self.send(
            schema_id,
            Serialization::Json,
            event.to_string().into_bytes(),
        )
        .await
    }

    /// The live tail: every event this token's stream or output receives from now on.
    pub async fn receive(&self, as_json: bool) -> Result<EventReceiver> {
        let mut url = join(&self.hosts.egress, "ws");
        let scheme = if url.scheme() == "https" { "wss" } else { "ws" };
        // http(s) → ws(s) stays within the special schemes, which `set_scheme` allows.
        url.set_scheme(scheme)
            .map_err(|()| ClientError::Unreachable {
                api: url.to_string(),
                reason: format!("cannot use {scheme}:// for this address"),
            })?;
        if as_json {
            url.set_query(Some("asJson=true"));
        }
        let token = self.id_token().await?;
        let mut request =
            url.as_str()
                .into_client_request()
                .map_err(|e| ClientError::Unreachable {
                    api: url.to_string(),
                    reason: e.to_string(),
                })?;
        // The token comes from the server's answer: a broken one is an error, not a panic.
        let authorization = format!("Bearer {token}")
            .parse()
            .map_err(|_| ClientError::Decode {
                api: join(&self.hosts.auth, "auth").to_string(),
                reason: "the event token is not a valid HTTP header value".into(),
            })?;
        request.headers_mut().insert("Authorization", authorization);
        let (ws, _) = tokio_tungstenite::connect_async(request)
            .await
            .map_err(|e| match e {
                tokio_tungstenite::tungstenite::Error::Http(resp) => ClientError::Api {
                    status: resp.status().as_u16(),
                    message: resp
                        .body()
                        .as_ref()
                        .map(|b| String::from_utf8_lossy(b).into_owned())
                        .unwrap_or_else(|| "websocket upgrade refused".into()),
                },
                other => ClientError::Unreachable {
                    api: url.to_string(),
                    reason: other.to_string(),
                },
            })?;
        Ok(EventReceiver { ws, closed: None })
    }
}

/// The header that names a schema: a ref has slashes, an id has none.
fn schema_header(schema: &str) -> &'static str {
    if schema.contains('/') {
        "Strm-Schema-Ref"
    } else {
        "Strm-Schema-Id"
    }
}

pub struct EventReceiver {
    ws: tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
    closed: Option<(u16, String)>,
}

impl EventReceiver {
    /// The next event as JSON text; `None` when the server closes the tail
    /// (`close_reason` says why).
    pub async fn next(&mut self) -> Option<Result<String>> {
        loop {
            match self.ws.next().await? {
                Ok(Message::Text(t)) => return Some(Ok(t.to_string())),
                Ok(Message::Close(frame)) => {
                    self.closed = frame.map(|f| (u16::from(f.code), f.reason.to_string()));
                    return None;
                }
                Ok(_) => continue,
                Err(e) => {
                    return Some(Err(ClientError::Unreachable {
                        api: "websocket".into(),
                        reason: e.to_string(),
                    }));
                }
            }
        }
    }
}

impl EventReceiver {
    /// The close code and reason the server ended the tail with: 1013 and "fell behind:
    /// N events dropped; …" when this receiver did not keep up, 1001 when the server
    /// stopped or the stream or output was deleted.
    pub fn close_reason(&self) -> Option<(u16, &str)> {
        self.closed
            .as_ref()
            .map(|(code, reason)| (*code, reason.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_event_token_that_is_no_header_value_is_an_error() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let app = axum::Router::new().route(
            "/auth",
            axum::routing::post(|| async {
                axum::Json(serde_json::json!({
                    "idToken": "broken\ntoken", "refreshToken": "r", "expiresAt": 4_000_000_000i64
                }))
            }),
        );
        tokio::spawn(async move { axum::serve(listener, app).await });
        let client = EventClient::new(
            EventHosts::single(&url).unwrap(),
            EventAuthRequest {
                billing_id: "b".into(),
                client_id: "c".into(),
                client_secret: "s".into(),
            },
        )
        .unwrap();
        let err = client.receive(true).await.err().expect("refused");
        assert!(
            matches!(&err, ClientError::Decode { reason, .. } if reason.contains("header")),
            "{err:?}"
        );
    }
}
