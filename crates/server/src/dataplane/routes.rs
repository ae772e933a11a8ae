//! The data plane's HTTP routes, served next to `/v1` on the local server's one address:
//! `POST /auth`, `POST /refresh`, `POST /event`, `GET /ws[?asJson=true]`, `GET /is-alive`.

use axum::Json;
use axum::Router;
use axum::body::Body;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{DefaultBodyLimit, FromRef, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};

use super::egress::Subscription;
use super::pipeline::{DataError, DataPlane, IngestRequest};
use super::store::Principal;
use strm_model::rules::MAX_BODY_BYTES;
use strm_model::{ErrorBody, EventAuthRequest, EventTokens, RefreshRequest};

/// The data plane's routes: path, methods (as the OpenAPI document lists them), handler.
pub fn routes<S>() -> Vec<(&'static str, &'static [&'static str], MethodRouter<S>)>
where
    S: Clone + Send + Sync + 'static,
    DataPlane: FromRef<S>,
{
    vec![
        ("/auth", &["POST"], post(auth)),
        ("/refresh", &["POST"], post(refresh)),
        // The handler reads the body itself so that an oversized event gets the data
        // plane's own plain-text 413.
        (
            "/event",
            &["POST"],
            post(event).layer(DefaultBodyLimit::disable()),
        ),
        ("/ws", &["GET"], get(egress)),
        ("/is-alive", &["GET"], get(|| async { "ok" })),
    ]
}

/// The data plane alone (tests of this module).
pub fn router(plane: DataPlane) -> Router {
    routes::<DataPlane>()
        .into_iter()
        .fold(Router::new(), |r, (path, _, handler)| {
            r.route(path, handler)
        })
        .with_state(plane)
}

fn json_error(e: &DataError) -> Response {
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, Json(ErrorBody::new(e.status(), e.to_string()))).into_response()
}

/// `/event` answers errors in plain text, as the 2021 gateway did and its drivers log.
fn text_error(e: &DataError) -> Response {
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("{e}\n"),
    )
        .into_response();
    response
        .extensions_mut()
        .insert(crate::error::KeepErrorBody);
    response
}

fn parse_json<T: serde::de::DeserializeOwned>(
    body: &[u8],
    shape: &str,
) -> Result<T, Box<Response>> {
    serde_json::from_slice(body).map_err(|e| {
        Box::new(
            (
                StatusCode::BAD_REQUEST,
                Json(ErrorBody::new(
                    400,
                    format!("body: is not {shape} ({e}); send JSON with exactly those fields"),
                )),
            )
                .into_response(),
        )
    })
}

fn tokens_response(result: Result<EventTokens, DataError>) -> Response {
    match result {
        Ok(tokens) => Json(tokens).into_response(),
        Err(e) => json_error(&e),
    }
}

async fn auth(State(plane): State<DataPlane>, body: axum::body::Bytes) -> Response {
    match parse_json::<EventAuthRequest>(&body, "{\"billingId\", \"clientId\", \"clientSecret\"}") {
        Ok(req) => tokens_response(
            tokio::task::spawn_blocking(move || plane.auth(&req))
                .await
                .unwrap_or_else(|e| Err(DataError::Internal(e.to_string()))),
        ),
        Err(r) => *r,
    }
}

async fn refresh(State(plane): State<DataPlane>, body: axum::body::Bytes) -> Response {
    match parse_json::<RefreshRequest>(&body, "{\"refreshToken\"}") {
        Ok(req) => tokens_response(
            tokio::task::spawn_blocking(move || plane.refresh(&req.refresh_token))
                .await
                .unwrap_or_else(|e| Err(DataError::Internal(e.to_string()))),
        ),
        Err(r) => *r,
    }
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The request's principal: from the token cache on the hot path, else from SQLite on
/// the blocking pool.
async fn authorize(plane: &DataPlane, headers: &HeaderMap) -> Result<Principal, DataError> {
    let authorization = header(headers, "authorization");
    if let Some(known) = plane.authorize_cached(authorization) {
        return known;
    }
    let (plane, authorization) = (plane.clone(), authorization.map(str::to_owned));
    tokio::task::spawn_blocking(move || plane.authorize(authorization.as_deref()))
        .await
        .unwrap_or_else(|e| Err(DataError::Internal(e.to_string())))
}

async fn event(State(plane): State<DataPlane>, headers: HeaderMap, body: Body) -> Response {
    let principal = match authorize(&plane, &headers).await {
        Ok(p) => p,
        Err(e) => return text_error(&e),
    };
    let declared = header(&headers, "content-length").and_then(|v| v.parse::<usize>().ok());
    if let Some(n) = declared.filter(|n| *n > MAX_BODY_BYTES) {
        return text_error(&DataError::TooLarge(n));
    }
    let body = match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(b) => b,
        Err(_) => return text_error(&DataError::TooLarge(MAX_BODY_BYTES + 1)),
    };
    let request = IngestRequest {
        schema_id: header(&headers, "strm-schema-id"),
        schema_ref: header(&headers, "strm-schema-ref"),
        serialization_type: header(&headers, "strm-serialization-type"),
        content_type: header(&headers, "content-type"),
        body: &body,
    };
    match plane.ingest(&principal, request).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => text_error(&e),
    }
}

async fn egress(
    State(plane): State<DataPlane>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    let subscription = match authorize(&plane, &headers).await {
        Ok(p) => tokio::task::spawn_blocking(move || plane.subscribe(&p))
            .await
            .unwrap_or_else(|e| Err(DataError::Internal(e.to_string()))),
        Err(e) => Err(e),
    };
    let subscription = match subscription {
        Ok(s) => s,
        Err(e) => return json_error(&e),
    };
    // With a shared event store the tail is answered only once its feed delivers, so
    // that it misses nothing accepted after this answer.
    if let Err(why) = subscription.ready().await {
        return json_error(&DataError::Unavailable(why));
    }
    // Without `asJson` the service sent the same JSON text; both are served alike.
    upgrade.on_upgrade(move |socket| tail(socket, subscription))
}

async fn tail(mut socket: WebSocket, mut subscription: Subscription) {
    loop {
        tokio::select! {
            next = subscription.next() => {
                let Some(text) = next else {
                    // Shutdown, or the stream or output was deleted: say so.
                    let frame = axum::extract::ws::CloseFrame {
                        code: axum::extract::ws::close_code::AWAY,
                        reason: "the tail ended: server stopping or stream/output deleted".into(),
                    };
                    let _ = socket.send(Message::Close(Some(frame))).await;
                    break;
                };
                if socket.send(Message::Text(text.into())).await.is_err() {
                    break;
                }
            }
            incoming = socket.recv() => {
                match incoming {
                    Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                    Some(Ok(_)) => {}
                }
            }
        }
    }
    if subscription.dropped() > 0 {
        tracing::info!(
            dropped = subscription.dropped(),
            "websocket tail closed after dropping events"
        );
    }
}
