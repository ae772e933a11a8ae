//! Usage (`observability.md`): a stream's or output's event counts per window, and
//! (a local extension) every stream's and output's at once for consoles.

use crate::params;
use axum::Json;
use axum::extract::Path;
use axum::routing::get;

use super::Route;
use super::me::Me;
use crate::dataplane::View;
use crate::dataplane::usage::Counted;
use crate::error::{ApiError, ApiResult};
use crate::extract::QueryMap;
use crate::store::streams::{self, StreamRow};
use strm_model::rules::{self, UsageRange};
use strm_model::{Usage, UsageSeries, UsageSummary, UsageWindow, now_epoch_ms};

pub fn routes() -> Vec<Route> {
    vec![
        Route::new("/v1/usage", &["GET"], get(summary)),
        Route::new("/v1/streams/{stream}/usage", &["GET"], get(stream_usage)),
        Route::new(
            "/v1/streams/{stream}/outputs/{output}/usage",
            &["GET"],
            get(output_usage),
        ),
    ]
}

/// `from`, `until` and `by` of the query, checked by the model's rules.
fn range_of(query: &QueryMap) -> ApiResult<UsageRange> {
    let get = |name: &str| query.get(name).map(String::as_str);
    Ok(rules::usage_range(
        get("from"),
        get("until"),
        get("by"),
        now_epoch_ms(),
    )?)
}

/// What a stream or output row counts: its own name, its source stream, its view.
fn view_of(row: &StreamRow) -> (String, View) {
    match &row.linked_stream {
        None => (row.name.clone(), View::Source),
        Some(source) => (
            source.clone(),
            View::output(
                row.consent_level_type.unwrap_or_default(),
                &row.consent_levels,
            ),
        ),
    }
}

/// The row's counts over `range` (off the async runtime: the store is SQLite).
async fn counts(
    me: &Me,
    rows: Vec<StreamRow>,
    range: UsageRange,
) -> ApiResult<Vec<(StreamRow, Vec<u64>, Option<i64>)>> {
    me.data("reading usage", move |data, account| {
        rows.into_iter()
            .map(|row| {
                let (source, view) = view_of(&row);
                let what = Counted {
                    account,
                    name: &row.name,
                    source: &source,
                    view: &view,
                };
                let (counts, last) = data
                    .usage(&what, &range)
                    .map_err(|e| ApiError::internal("reading usage", e))?;
                Ok((row, counts, last))
            })
            .collect()
    })
    .await?
}

fn answer(row: &StreamRow, counts: Vec<u64>, last: Option<i64>, range: &UsageRange) -> Usage {
    let windows = counts
        .into_iter()
        .enumerate()
        .map(|(i, event_count)| UsageWindow {
            start_time: range.window_start(i),
            end_time: range.window_start(i + 1),
            event_count,
        })
        .collect();
    let (stream, output) = match &row.linked_stream {
        Some(source) => (source.clone(), Some(row.name.clone())),
        None => (row.name.clone(), None),
    };
    Usage {
        stream,
        output,
        by: range.by,
        windows,
        last_event_at: last,
    }
}

async fn one(me: &Me, row: StreamRow, range: UsageRange) -> ApiResult<Json<Usage>> {
    let mut found = counts(me, vec![row], range).await?;
    let (row, counts, last) = found
        .pop()
        .ok_or_else(|| ApiError::internal("reading usage", "no answer"))?;
    Ok(Json(answer(&row, counts, last, &range)))
}

async fn stream_usage(
    me: Me,
    Path(stream): Path<String>,
    query: QueryMap,
) -> ApiResult<Json<Usage>> {
    let range = range_of(&query)?;
    let row = me
        .call(move |c, account| streams::get_stream_row(c, account, &stream))
        .await?;
    one(&me, row, range).await
}

async fn output_usage(
    me: Me,
    Path((stream, output)): Path<(String, String)>,
    query: QueryMap,
) -> ApiResult<Json<Usage>> {
    let range = range_of(&query)?;
    let row = me
        .call(move |c, account| streams::get_output_row(c, account, &stream, &output))
        .await?;
    one(&me, row, range).await
}

/// `GET /v1/usage`: every stream and output of the account over the same windows.
async fn summary(me: Me, query: QueryMap) -> ApiResult<Json<UsageSummary>> {
    let range = range_of(&query)?;
    let rows = me
        .call(move |c, id| {
            let sql = format!(
                "{} WHERE s.account_id = ?1 ORDER BY COALESCE(p.name, s.name), p.name IS NOT NULL, s.name",
                streams::SELECT
            );
            Ok(c.query_map(&sql, params![id], streams::from_row)?)
        })
        .await?;
    rules::check_usage_summary(&range, rows.len())?;
    let usage = counts(&me, rows, range)
        .await?
        .into_iter()
        .map(|(row, counts, last_event_at)| {
            let (stream, output) = match row.linked_stream {
                Some(source) => (source, Some(row.name)),
                None => (row.name, None),
            };
            UsageSeries {
                stream,
                output,
                counts,
                last_event_at,
            }
        })
        .collect();
    Ok(Json(UsageSummary {
        from: range.start_ms,
        until: range.end_ms(),
        by: range.by,
        usage,
    }))
}
