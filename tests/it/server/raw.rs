//! Raw HTTP for the error rows, and the checks of an error's shape.

use reqwest::StatusCode;
use serde_json::Value;
use strm_client::ApiClient;

use crate::support::{Says, check};

/// Status and parsed JSON body (every answer but 204 is JSON), with or without a token.
pub struct Raw {
    http: reqwest::Client,
    url: String,
    pub token: Option<String>,
}

impl Raw {
    pub async fn for_client(client: &ApiClient) -> Raw {
        Raw {
            http: reqwest::Client::new(),
            url: client.base_url().to_string(),
            token: Some(client.session().await.unwrap().id_token),
        }
    }

    pub fn anonymous(url: &str) -> Raw {
        Raw {
            http: reqwest::Client::new(),
            url: url.to_string(),
            token: None,
        }
    }

    pub async fn send(
        &self,
        method: &str,
        path: &str,
        body: Option<Vec<u8>>,
    ) -> (StatusCode, Value) {
        let mut req = self
            .http
            .request(method.parse().unwrap(), format!("{}{}", self.url, path));
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.header("content-type", "application/json").body(b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let text = resp.text().await.unwrap();
        if status == StatusCode::NO_CONTENT {
            assert!(text.is_empty());
            return (status, Value::Null);
        }
        let value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{method} {path}: {status} body is not JSON ({e}): {text}"));
        (status, value)
    }

    pub async fn json(&self, method: &str, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(method, path, Some(body.to_string().into_bytes()))
            .await
    }
}

/// The error body's message, after checking the body has the contract's shape.
fn message(status: StatusCode, body: &Value) -> String {
    assert_eq!(body["error"]["code"], status.as_u16(), "{body}");
    assert_eq!(
        body["error"]["status"],
        strm_model::reason_phrase(status.as_u16()),
        "{body}"
    );
    body["error"]["message"].as_str().unwrap().to_string()
}

/// A bad request: what it is, who sends it, method, path and body; the status; what the
/// message says.
pub type BadRequest<'a> = (
    &'a str,
    &'a Raw,
    &'a str,
    &'a str,
    Option<Vec<u8>>,
    u16,
    &'a [Says<'a>],
);

/// A JSON request body.
pub fn body(v: Value) -> Option<Vec<u8>> {
    Some(v.to_string().into_bytes())
}

/// The body of a sign-up or a login.
pub fn credentials(email: &str, password: &str) -> Option<Vec<u8>> {
    body(serde_json::json!({"email": email, "password": password}))
}

/// Sends each row's request; checks its status, its error body and what the message says.
pub async fn refused(rows: Vec<BadRequest<'_>>) {
    for (row, raw, method, path, body, status, says) in rows {
        let (st, v) = raw.send(method, path, body).await;
        assert_eq!(st, status, "{row}: {v}");
        check(row, &message(st, &v), says);
    }
}
