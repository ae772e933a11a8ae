//! The one route table of the server. The router is built from it, and a test checks it
//! against `assets/openapi.json` in both directions. Each area adds its own table in
//! `table()`; the data plane appends its routes the same way.

mod accounts;
mod consent;
mod contracts;
mod exporters;
mod me;
pub mod nodes;
mod objects;
mod openapi;
mod schemas;
mod sinks;
mod streams;
mod subjects;
mod usage;

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::handler::Handler;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get};

use super::AppState;
use super::error::{ApiError, KeepErrorBody};

pub use openapi::OPENAPI_JSON;

/// One path of the API: the methods it declares (as the OpenAPI document lists them)
/// and the handlers that answer them.
pub struct Route {
    pub path: &'static str,
    pub methods: &'static [&'static str],
    pub handler: MethodRouter<AppState>,
}

impl Route {
    pub fn new(
        path: &'static str,
        methods: &'static [&'static str],
        handler: MethodRouter<AppState>,
    ) -> Route {
        Route {
            path,
            methods,
            handler,
        }
    }
}

/// A collection of one kind: at `path` `GET` lists and `PUT` creates; at `item` `GET`
/// reads one and `DELETE` deletes it.
pub fn collection<L, P, G, D, TL, TP, TG, TD>(
    path: &'static str,
    list: L,
    put: P,
    item: &'static str,
    one: G,
    delete: D,
) -> Vec<Route>
where
    L: Handler<TL, AppState>,
    P: Handler<TP, AppState>,
    G: Handler<TG, AppState>,
    D: Handler<TD, AppState>,
    TL: 'static,
    TP: 'static,
    TG: 'static,
    TD: 'static,
{
    vec![
        Route::new(path, &["GET", "PUT"], get(list).put(put)),
        Route::new(item, &["GET", "DELETE"], get(one).delete(delete)),
    ]
}

/// Every route the server answers.
pub fn table() -> Vec<Route> {
    [
        openapi::routes(),
        accounts::routes(),
        streams::routes(),
        sinks::routes(),
        exporters::routes(),
        consent::routes(),
        usage::routes(),
        objects::routes(),
        schemas::routes(),
        contracts::routes(),
        subjects::routes(),
        nodes::routes(),
        crate::dataplane::routes::routes()
            .into_iter()
            .map(|(path, methods, handler)| Route::new(path, methods, handler))
            .collect(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// The routes of `table()` with the JSON fallback (404), inside `middleware`.
pub fn build(state: AppState) -> Router {
    let mut router = Router::new();
    for route in table() {
        router = router.route(route.path, route.handler);
    }
    let timeout = state.request_timeout;
    let node = HeaderValue::from_str(&state.node.node.name).ok();
    middleware(router.fallback(not_found).with_state(state), timeout).layer(
        axum::middleware::map_response(move |mut response: Response| {
            let node = node.clone();
            async move {
                if let Some(node) = node {
                    response.headers_mut().insert(strm_model::NODE_HEADER, node);
                }
                response
            }
        }),
    )
}

/// What every request of the server passes through around its route: the body limit,
/// the request timeout, the JSON error mapping for everything axum or tower answer by
/// themselves (405, 413, 408, path rejections) and the request span. Public so that the
/// ingest bench can give its bare 204 handler the very same stack.
pub fn middleware(routes: Router, timeout: std::time::Duration) -> Router {
    let routes = routes
        .layer(axum::extract::DefaultBodyLimit::max(
            strm_model::rules::MAX_BODY_BYTES,
        ))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            timeout,
        ));
    // Wrapped whole, not per route: axum adds the Allow header of a 405 outside the
    // per-route layers, and the message names the allowed methods.
    Router::new()
        .fallback_service(routes)
        .layer(axum::middleware::from_fn(json_errors))
        .layer(
            // Method and path only: headers carry tokens and bodies carry secrets.
            tower_http::trace::TraceLayer::new_for_http().make_span_with(
                |req: &Request| {
                    tracing::info_span!("request", method = %req.method(), path = %req.uri().path())
                },
            ),
        )
}

async fn not_found(req: Request) -> ApiError {
    ApiError::not_found(format!(
        "there is no {} {}; the API is described at GET /openapi.json",
        req.method(),
        req.uri().path()
    ))
}

/// Errors that axum and tower produce themselves come without the contract's JSON body;
/// this gives them one, so every non-204 answer is JSON.
async fn json_errors(req: Request, next: Next) -> Response {
    // A clone of the URI shares its bytes: no copy on the way of every request.
    let method = req.method().clone();
    let uri = req.uri().clone();
    let response = next.run(req).await;
    if response.extensions().get::<KeepErrorBody>().is_some() {
        return response;
    }
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, 64 * 1024)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_string())
        .unwrap_or_default();
    let message = match status {
        StatusCode::METHOD_NOT_ALLOWED => {
            let allowed = parts
                .headers
                .get(header::ALLOW)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("none");
            format!(
                "{method} is not allowed on {}; allowed methods: {allowed}",
                uri.path()
            )
        }
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::too_large().message,
        StatusCode::REQUEST_TIMEOUT => {
            format!(
                "{method} {} took too long and was stopped; try again",
                uri.path()
            )
        }
        _ if !text.is_empty() => text,
        _ => strm_model::reason_phrase(status.as_u16()).to_string(),
    };
    let mut fixed = ApiError::new(status, message).into_response();
    if let Some(allow) = parts.headers.get(header::ALLOW) {
        fixed.headers_mut().insert(header::ALLOW, allow.clone());
    }
    fixed
}

/// For responses built outside this module that need the JSON content type.
pub fn json_response(body: &'static str) -> Response {
    let mut r = Response::new(Body::from(body));
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::routing::get;
    use tower::ServiceExt;

    async fn call(router: Router, path: &str) -> (StatusCode, String, String) {
        let resp = router
            .oneshot(Request::get(path).body(Body::empty()).unwrap())
            .await
            .unwrap();
        let status = resp.status();
        let ctype = resp
            .headers()
            .get(header::CONTENT_TYPE)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        let body = axum::body::to_bytes(resp.into_body(), 1 << 16)
            .await
            .unwrap();
        (status, ctype, String::from_utf8(body.to_vec()).unwrap())
    }

    fn router() -> Router {
        Router::new()
            .route(
                "/plain",
                get(|| async { (StatusCode::BAD_REQUEST, "field x: bad") }),
            )
            .route(
                "/kept",
                get(|| async {
                    let mut r = (StatusCode::BAD_REQUEST, "schema mismatch").into_response();
                    r.extensions_mut().insert(KeepErrorBody);
                    r
                }),
            )
            .layer(axum::middleware::from_fn(json_errors))
    }

    #[tokio::test]
    async fn plain_errors_become_the_json_error_body_keeping_their_text() {
        let (status, ctype, body) = call(router(), "/plain").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(ctype.starts_with("application/json"), "{ctype}");
        let parsed: strm_model::ErrorBody = serde_json::from_str(&body).unwrap();
        assert_eq!(parsed, strm_model::ErrorBody::new(400, "field x: bad"));
    }

    #[tokio::test]
    async fn a_handler_can_keep_its_plain_text_error() {
        let (status, ctype, body) = call(router(), "/kept").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(ctype.starts_with("text/plain"), "{ctype}");
        assert_eq!(body, "schema mismatch");
    }
}
