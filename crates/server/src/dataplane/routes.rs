//! The data plane's HTTP routes, served next to `/v1` on the local server's one address:
//! `POST /auth`, `POST /refresh`, `POST /event`, `GET /ws[?asJson=true]`, `GET /is-alive`.

use axum::Json;
use axum::Router;
use axum::body::Body;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{DefaultBodyLimit, FromRef, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};

use futures::{FutureExt, SinkExt};

use super::egress::{Behind, Subscription};
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

/// The most a client may send in one websocket message (control frames only: egress
/// takes nothing from the client).
pub const WS_MAX_CLIENT_MESSAGE: usize = 1024;
/// Events written to a socket before it is flushed, when they are ready at once.
const WS_BATCH: usize = 64;
/// The most a tail buffers for a socket that does not take what it is sent.
const WS_MAX_WRITE_BUFFER: usize = 1024 * 1024;
/// Close codes the tail ends with (RFC 6455 §7.4.1).
const CLOSE_POLICY: u16 = 1008;
const CLOSE_TOO_BIG: u16 = 1009;
const CLOSE_TRY_AGAIN: u16 = 1013;

async fn egress(
    State(plane): State<DataPlane>,
    headers: HeaderMap,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    // The token first: a request without one is 401 whatever else it lacks.
    let principal = match authorize(&plane, &headers).await {
        Ok(p) => p,
        Err(e) => return json_error(&e),
    };
    let upgrade = match upgrade {
        Ok(u) => u,
        Err(rejection) => return upgrade_refused(rejection),
    };
    let subscription = tokio::task::spawn_blocking(move || plane.subscribe(&principal))
        .await
        .unwrap_or_else(|e| Err(DataError::Internal(e.to_string())));
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
    upgrade
        .max_message_size(WS_MAX_CLIENT_MESSAGE)
        .max_frame_size(WS_MAX_CLIENT_MESSAGE)
        // Thousands of tails: small buffers each (clients send nothing).
        .read_buffer_size(4 * 1024)
        .write_buffer_size(16 * 1024)
        .max_write_buffer_size(WS_MAX_WRITE_BUFFER)
        .on_upgrade(move |socket| tail(socket, subscription))
}

/// Why a `GET /ws` is no websocket handshake, as the contract's JSON error.
fn upgrade_refused(rejection: WebSocketUpgradeRejection) -> Response {
    let status = rejection.status();
    let message = format!(
        "GET /ws is a websocket: send it as an upgrade (Connection: Upgrade, Upgrade: \
         websocket, Sec-WebSocket-Version: 13, Sec-WebSocket-Key); {}",
        rejection.body_text()
    );
    (status, Json(ErrorBody::new(status.as_u16(), message))).into_response()
}

async fn close(socket: &mut WebSocket, code: u16, reason: String) {
    let frame = CloseFrame {
        code,
        reason: reason.into(),
    };
    let _ = socket.send(Message::Close(Some(frame))).await;
}

async fn tail(mut socket: WebSocket, mut subscription: Subscription) {
    loop {
        tokio::select! {
            next = subscription.next() => match next {
                Some(Ok(text)) => {
                    if socket.feed(Message::Text(text)).await.is_err() {
                        break;
                    }
                    // What else is ready goes out in the same write.
                    let mut fed = 1;
                    let mut behind = None;
                    while fed < WS_BATCH {
                        match subscription.next().now_or_never() {
                            Some(Some(Ok(text))) => {
                                if socket.feed(Message::Text(text)).await.is_err() {
                                    return;
                                }
                                fed += 1;
                            }
                            Some(Some(Err(b))) => {
                                behind = Some(b);
                                break;
                            }
                            _ => break,
                        }
                    }
                    if socket.flush().await.is_err() {
                        break;
                    }
                    if let Some(Behind(n)) = behind {
                        close(&mut socket, CLOSE_TRY_AGAIN, fell_behind(n)).await;
                        break;
                    }
                }
                Some(Err(Behind(n))) => {
                    close(&mut socket, CLOSE_TRY_AGAIN, fell_behind(n)).await;
                    break;
                }
                None => {
                    // Shutdown, or the stream or output was deleted: say so.
                    let reason = "the tail ended: server stopping or stream/output deleted";
                    close(&mut socket, axum::extract::ws::close_code::AWAY, reason.into()).await;
                    break;
                }
            },
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Close(_))) | None => break,
                // Pings are answered by the socket itself.
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
                Some(Ok(Message::Text(_) | Message::Binary(_))) => {
                    let reason = "egress takes no data from the client; this tail is closed";
                    close(&mut socket, CLOSE_POLICY, reason.into()).await;
                    break;
                }
                Some(Err(e)) => {
                    if e.to_string().contains("Space limit exceeded") {
                        let reason = format!(
                            "a message to egress is at most {WS_MAX_CLIENT_MESSAGE} bytes (and \
                             egress takes none); this tail is closed"
                        );
                        close(&mut socket, CLOSE_TOO_BIG, reason).await;
                    }
                    break;
                }
            },
        }
    }
}

/// The close reason of a tail that fell behind (at most 123 bytes, as close frames are).
fn fell_behind(n: u64) -> String {
    format!("fell behind: {n} events dropped; reconnect to follow the stream again")
}
