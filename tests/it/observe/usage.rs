//! Usage windows after sending a known number of events at known times: a stream counts
//! every event, a GRANULAR output only those it delivers; counts survive a restart.

use strm_client::events::{EventClient, EventHosts};
use strm_client::{ApiClient, UsageQuery};
use strm_model::{Usage, now_epoch_ms};

use super::send_each;
use crate::server::raw::{Raw, refused};
use crate::support::{LocalServer, PASSWORD, Says};

/// Windows of `by` seconds from a little before `t0`.
fn around(t0: i64, by: u32) -> UsageQuery {
    UsageQuery {
        from: Some((t0 - 20_000).to_string()),
        until: Some((t0 + 60_000).to_string()),
        by: Some(by),
    }
}

/// Every window of `around(t0, by)` is there, in order, back to back; the events fall
/// between `t0` and `t1` (the windows holding them), and they add up to `total`.
fn check_windows(u: &Usage, t0: i64, t1: i64, total: u64) {
    let by_ms = u.by as i64 * 1000;
    let (from, until) = (t0 - 20_000, t0 + 60_000);
    let start = from.div_euclid(by_ms) * by_ms;
    let windows = (until - start + by_ms - 1) / by_ms;
    assert_eq!(u.windows.len() as i64, windows, "{u:?}");
    assert_eq!(u.windows[0].start_time, start);
    for pair in u.windows.windows(2) {
        assert_eq!(pair[0].end_time, pair[1].start_time);
        assert_eq!(pair[0].end_time - pair[0].start_time, by_ms);
    }
    assert_eq!(u.windows[0].start_time % by_ms, 0, "aligned to the epoch");
    for w in &u.windows {
        if w.event_count > 0 {
            assert!(
                w.end_time > t0 && w.start_time <= t1,
                "{w:?} holds events sent between {t0} and {t1}"
            );
        }
    }
    assert_eq!(u.windows.iter().map(|w| w.event_count).sum::<u64>(), total);
    let last = u.last_event_at.expect("a last event");
    assert!(last >= t0 - 1000 && last <= t1, "{last} in {t0}..{t1}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_and_a_granular_output_count_their_events_per_window_across_a_restart() {
    let local = LocalServer::start().await;
    let s = local.seed("usage@example.com").await;
    let sender = s.client(&s.stream);
    let t0 = now_epoch_ms();
    // level0-1 is GRANULAR [0, 1]: it delivers the events that have both levels.
    send_each(
        &sender,
        "in",
        &[&[0, 1], &[0, 1, 2], &[0], &[1], &[], &[0, 1]],
    )
    .await;
    let t1 = now_epoch_ms();
    for by in [1, 10, 60] {
        let stream = s.api.usage("bart", None, &around(t0, by)).await.unwrap();
        assert_eq!(
            (stream.stream.as_str(), stream.output.as_deref()),
            ("bart", None)
        );
        check_windows(&stream, t0, t1, 6);
        let output = s
            .api
            .usage("bart", Some("level0-1"), &around(t0, by))
            .await
            .unwrap();
        assert_eq!(output.output.as_deref(), Some("level0-1"));
        check_windows(&output, t0, t1, 3);
    }
    let summary = s.api.usage_summary(&around(t0, 10)).await.unwrap();
    let names: Vec<(&str, u64)> = summary
        .usage
        .iter()
        .map(|u| (u.name(), u.counts.iter().sum()))
        .collect();
    assert_eq!(names, [("bart", 6), ("level0-1", 3)]);
    assert_eq!(summary.by, 10);

    // A restart keeps every count (the server flushes them on the way down).
    let local = local.restart().await;
    let api = ApiClient::new(&local.url()).unwrap();
    api.login("usage@example.com", PASSWORD).await.unwrap();
    let stream = api.usage("bart", None, &around(t0, 10)).await.unwrap();
    check_windows(&stream, t0, t1, 6);
    let output = api
        .usage("bart", Some("level0-1"), &around(t0, 1))
        .await
        .unwrap();
    check_windows(&output, t0, t1, 3);
    // And counting goes on.
    let hosts = EventHosts::single(&local.url()).unwrap();
    let sender = EventClient::new(hosts, s.triplet(&s.stream)).unwrap();
    send_each(&sender, "after", &[&[0, 1]]).await;
    let stream = api.usage("bart", None, &around(t0, 10)).await.unwrap();
    assert_eq!(stream.windows.iter().map(|w| w.event_count).sum::<u64>(), 7);
    local.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_requests_that_break_a_rule_say_which_and_why() {
    let local = LocalServer::start().await;
    let s = local.seed("usage-rules@example.com").await;
    let raw = Raw::for_client(&s.api).await;
    let path = "/v1/streams/bart/usage";
    let q = |query: &str| format!("{path}?{query}");
    let rows = [
        (
            "by 0",
            q("by=0"),
            400,
            vec![
                Says::Starts("by: 0 is out of range"),
                Says::Has("1 to 86400"),
            ],
        ),
        (
            "by text",
            q("by=ten"),
            400,
            vec![Says::Starts("by:"), Says::Has("whole number")],
        ),
        (
            "too many windows",
            q("by=1&from=0"),
            400,
            vec![Says::Starts("by:"), Says::Has("20000")],
        ),
        (
            "by 7 a day back",
            q("by=7"),
            400,
            vec![Says::Has("multiple of 10")],
        ),
        (
            "from after until",
            q("from=2000&until=1000"),
            400,
            vec![Says::Starts("from:"), Says::Has("before until")],
        ),
        (
            "a bad time",
            q("until=yesterday"),
            400,
            vec![Says::Starts("until:"), Says::Has("RFC 3339")],
        ),
        (
            "no such stream",
            "/v1/streams/lisa/usage".into(),
            404,
            vec![Says::Has("lisa")],
        ),
        (
            "an output is not a stream",
            "/v1/streams/level0-1/usage".into(),
            404,
            vec![Says::Has("output")],
        ),
        (
            "no such output",
            "/v1/streams/bart/outputs/nope/usage".into(),
            404,
            vec![Says::Has("nope")],
        ),
    ];
    let rows: Vec<_> = rows
        .iter()
        .map(|(row, path, status, says)| {
            (
                *row,
                &raw,
                "GET",
                path.as_str(),
                None,
                *status,
                says.as_slice(),
            )
        })
        .collect();
    refused(rows).await;
    local.shutdown().await;
}
