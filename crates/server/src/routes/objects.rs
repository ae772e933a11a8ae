//! A sink's bucket objects (`observability.md`, "Bucket objects"): listed and read with
//! the sink's own credentials; only the account's own sinks, keys checked so that none
//! resolves outside the bucket.

use axum::Json;
use axum::body::Body;
use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::Route;
use super::me::Me;
use crate::dataplane::SinkTarget;
use crate::dataplane::objects::{self, Listing, ObjectsError};
use crate::error::{ApiError, ApiResult};
use crate::extract::QueryMap;
use crate::store::sinks;
use strm_model::rules::{self, OBJECTS_LIMIT_DEFAULT};
use strm_model::{Invalid, ObjectList};

use crate::dataplane::sink::SinkError;

pub fn routes() -> Vec<Route> {
    vec![
        Route::new("/v1/sinks/{sink}/objects", &["GET"], get(list)),
        Route::new("/v1/sinks/{sink}/objects/{*key}", &["GET"], get(read)),
    ]
}

impl From<ObjectsError> for ApiError {
    fn from(e: ObjectsError) -> Self {
        let status = match e {
            ObjectsError::NotFound(_) => StatusCode::NOT_FOUND,
            ObjectsError::BadRange(_) => StatusCode::BAD_REQUEST,
            ObjectsError::Store(_) => StatusCode::BAD_GATEWAY,
        };
        ApiError::new(status, e.to_string())
    }
}

/// The sink's store, as its exporters write to it: only this account's sink.
async fn target(me: &Me, name: String, query: &QueryMap) -> ApiResult<SinkTarget> {
    let kind = super::sinks::sink_type(query)?;
    let row = me
        .call(move |c, account| {
            let kind = sinks::kind_of(c, account, &name, kind)?;
            sinks::find(c, account, &name, kind)?.ok_or_else(|| sinks::not_found(&name, kind))
        })
        .await?;
    // The sink's own credentials, unsealed, and its bucket as this account's.
    row.target(&me.caller.billing_id, &me.s.sinks)
        .map_err(|e| match e {
            SinkError::Invalid(invalid) => ApiError::from(invalid),
            SinkError::NotOwner { .. } => ApiError::conflict(e.to_string()),
            other => ApiError::internal("opening the sink's store", other),
        })
}

async fn list(me: Me, Path(sink): Path<String>, query: QueryMap) -> ApiResult<Json<ObjectList>> {
    let prefix = query.get("prefix").map_or("", String::as_str);
    rules::check_object_prefix(prefix)?;
    let after = query.get("after").map(String::as_str);
    if let Some(a) = after {
        rules::check_object_prefix(a).map_err(|e| Invalid {
            field: "after".into(),
            ..e
        })?;
    }
    let limit = match query.get("limit") {
        Some(text) => rules::check_objects_limit(text)?,
        None => OBJECTS_LIMIT_DEFAULT,
    };
    let folders = match query.get("delimiter").map(String::as_str) {
        None | Some("") => false,
        Some("/") => true,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "delimiter: {other:?} is not supported; the only delimiter is \"/\""
            )));
        }
    };
    let target = target(&me, sink, &query).await?;
    let listing = Listing {
        prefix,
        folders,
        after,
        limit,
    };
    Ok(Json(objects::list(&target, &listing).await?))
}

/// The object's bytes: 200 with all of it, or 206 with `Content-Range` for a part.
async fn read(
    me: Me,
    Path((sink, key)): Path<(String, String)>,
    query: QueryMap,
) -> ApiResult<Response> {
    rules::check_object_key(&key)?;
    let offset = match query.get("offset") {
        Some(text) => rules::check_read_number("offset", text)?,
        None => 0,
    };
    let length = query
        .get("length")
        .map(|text| rules::check_read_number("length", text))
        .transpose()?;
    let target = target(&me, sink, &query).await?;
    let part = objects::read(&target, &key, offset, length).await?;
    let whole = part.offset == 0 && part.bytes.len() as u64 == part.size;
    let range = (!whole).then(|| {
        let last = (part.offset + part.bytes.len() as u64).saturating_sub(1);
        format!("bytes {}-{last}/{}", part.offset, part.size)
    });
    let mut response = Response::new(Body::from(part.bytes));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    if let Some(range) = range.and_then(|r| HeaderValue::from_str(&r).ok()) {
        *response.status_mut() = StatusCode::PARTIAL_CONTENT;
        response.headers_mut().insert(header::CONTENT_RANGE, range);
    }
    Ok(response.into_response())
}
