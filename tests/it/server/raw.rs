//! Raw HTTP for the error rows, and the checks of an error's shape.

use reqwest::StatusCode;
use serde_json::Value;
use strm_client::{ApiClient, ClientError};

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
pub fn message(status: StatusCode, body: &Value) -> String {
    assert_eq!(body["error"]["code"], status.as_u16(), "{body}");
    assert_eq!(
        body["error"]["status"],
        strm_model::reason_phrase(status.as_u16()),
        "{body}"
    );
    body["error"]["message"].as_str().unwrap().to_string()
}

pub fn api_status(err: &ClientError) -> u16 {
    err.status()
        .unwrap_or_else(|| panic!("expected an API error, got {err}"))
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

/// Sends each row's request; checks its status, its error body and what the message says.
pub async fn refused(rows: Vec<BadRequest<'_>>) {
    for (row, raw, method, path, body, status, says) in rows {
        let (st, v) = raw.send(method, path, body).await;
        assert_eq!(st, status, "{row}: {v}");
        check(row, &message(st, &v), says);
    }
}

/// A refused call of the API client: what it is, its result; the status; what the
/// message says.
pub type Refusal<'a> = (&'a str, Result<(), ClientError>, u16, &'a [Says<'a>]);

/// Checks that each row's call was refused with its status and message.
pub fn refused_calls(rows: Vec<Refusal<'_>>) {
    for (row, result, status, says) in rows {
        let err = result.expect_err(row);
        assert_eq!(api_status(&err), status, "{row}: {err}");
        check(row, &err.to_string(), says);
    }
}
