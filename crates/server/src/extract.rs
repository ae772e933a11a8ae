//! Request extractors whose rejections are the contract's JSON errors, naming the field
//! that was wrong.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

use super::error::{ApiError, ApiResult};

/// A JSON request body. Unlike `axum::Json` it does not insist on a Content-Type (curl's
/// `-d` sends a form type), and a bad field is named by its path.
pub struct JsonBody<T>(pub T);

impl<S, T> FromRequest<S> for JsonBody<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> ApiResult<Self> {
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::too_large()
            } else {
                ApiError::bad_request(format!("request body: could not be read ({e})"))
            }
        })?;
        parse_json(&bytes).map(JsonBody)
    }
}

pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> ApiResult<T> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_request(
            "request body: is empty; send a JSON object",
        ));
    }
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if path == "." || path.is_empty() {
            ApiError::bad_request(format!("request body: {inner}"))
        } else {
            ApiError::bad_request(format!("request body: field `{path}`: {inner}"))
        }
    })
}

/// The token of an `Authorization: Bearer <token>` value (the scheme in any case), for
/// the control plane's id tokens and the data plane's event tokens alike.
pub fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// The client's address, when the request came over a connection of the server's own
/// listener (requests a test routes in-process have none).
pub struct ClientAddress(pub Option<std::net::IpAddr>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(ClientAddress(
            parts
                .extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|c| c.0.ip()),
        ))
    }
}

/// Query parameters, read leniently so that a bad value gets a message naming it.
pub type QueryMap = axum::extract::Query<HashMap<String, String>>;

/// A `true`/`false` query flag; absent means false.
pub fn query_flag(query: &HashMap<String, String>, name: &str) -> ApiResult<bool> {
    match query.get(name).map(|v| v.to_ascii_lowercase()) {
        None => Ok(false),
        Some(v) if v == "true" || v == "1" || v.is_empty() => Ok(true),
        Some(v) if v == "false" || v == "0" => Ok(false),
        Some(v) => Err(ApiError::bad_request(format!(
            "{name}: {v:?} is not a flag; it is true or false"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use strm_model::StreamCreate;

    #[test]
    fn a_missing_field_is_named() {
        let e = parse_json::<StreamCreate>(br#"{"tags": []}"#).unwrap_err();
        assert_eq!(e.status, StatusCode::BAD_REQUEST);
        assert!(e.message.contains("missing field `name`"), "{}", e.message);
    }

    #[test]
    fn a_wrongly_typed_field_is_named_by_path() {
        let e = parse_json::<StreamCreate>(br#"{"name": "a", "tags": [1]}"#).unwrap_err();
        assert!(e.message.contains("tags[0]"), "{}", e.message);
    }

    #[test]
    fn malformed_and_empty_bodies_say_so() {
        let e = parse_json::<StreamCreate>(b"{\"name\": ").unwrap_err();
        assert!(e.message.starts_with("request body:"), "{}", e.message);
        let e = parse_json::<StreamCreate>(b"  ").unwrap_err();
        assert!(e.message.contains("empty"), "{}", e.message);
    }

    #[test]
    fn flags_accept_true_and_false_only() {
        let mut q = HashMap::new();
        assert!(!query_flag(&q, "recursive").unwrap());
        q.insert("recursive".to_string(), "TRUE".to_string());
        assert!(query_flag(&q, "recursive").unwrap());
        q.insert("recursive".to_string(), "yes please".to_string());
        let e = query_flag(&q, "recursive").unwrap_err();
        assert!(e.message.starts_with("recursive:"), "{}", e.message);
    }
}
