//! An exporter's status on the real server: IDLE, RUNNING once it wrote a batch,
//! FAILING while its bucket cannot be written (saying which bucket and why), RUNNING
//! again once it can; pending events count what its view will deliver.

use std::path::Path;

use strm_client::ApiClient;
use strm_model::{ExporterState, ExporterStatus};

use super::send_each;
use crate::server::raw::Raw;
use crate::support::{LocalServer, wait_for};

async fn status(api: &ApiClient, on: &str, name: &str, keys: bool) -> ExporterStatus {
    api.exporter_status(on, name, keys).await.unwrap()
}

/// Waits (a batch interval is 30 s) until the exporter's state is `state`.
async fn until_state(api: &ApiClient, state: ExporterState) -> ExporterStatus {
    wait_for(75, async || {
        let s = status(api, "level0-1", "s3", false).await;
        (s.state == state).then_some(s)
    })
    .await
}

/// Makes a directory unwritable even for root: a file takes its place.
fn block(dir: &Path) {
    std::fs::rename(dir, dir.with_extension("moved")).unwrap();
    std::fs::write(dir, b"not a directory").unwrap();
}

fn unblock(dir: &Path) {
    std::fs::remove_file(dir).unwrap();
    std::fs::rename(dir.with_extension("moved"), dir).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_exporter_goes_idle_running_failing_running_and_counts_what_it_wrote() {
    let local = LocalServer::start().await;
    let s = local.seed("status@example.com").await;
    s.exports_to("status-bucket").await;

    let idle = status(&s.api, "level0-1", "s3", false).await;
    assert_eq!(idle.state, ExporterState::Idle);
    assert_eq!((idle.objects, idle.pending_events), (0, 0));
    assert_eq!((idle.last_batch_at, idle.last_error), (None, None));
    assert!(idle.next_run_at.is_some());

    // level0-1 (GRANULAR [0, 1]) delivers two of these three.
    let sender = s.client(&s.stream);
    send_each(&sender, "one", &[&[0, 1], &[0], &[0, 1, 2]]).await;
    let waiting = status(&s.api, "level0-1", "s3", false).await;
    assert_eq!(waiting.pending_events, 2, "{waiting:?}");
    let keys = status(&s.api, "bart", "keys", true).await;
    assert_eq!(keys.pending_events, 3, "one key per session: {keys:?}");

    let running = until_state(&s.api, ExporterState::Running).await;
    assert_eq!((running.objects, running.events), (1, 2), "{running:?}");
    assert_eq!(running.pending_events, 0);
    assert!(running.bytes > 0);
    let first_batch = running.last_object.clone().unwrap();
    assert!(
        first_batch.starts_with("level01/") && first_batch.ends_with("{0,1,2,3,4}.jsonl"),
        "{first_batch}"
    );
    assert!(running.last_batch_at.unwrap() <= strm_model::now_epoch_ms());
    // The object it names is in the bucket, with the events it counted.
    let mut text = Vec::new();
    s.api
        .read_object_whole("s3-bart", None, &first_batch, None, &mut |b| {
            text.extend_from_slice(b);
            Ok(())
        })
        .await
        .unwrap();
    assert_eq!(String::from_utf8(text).unwrap().lines().count(), 2);

    let folder = local.dir().join("server/buckets/status-bucket/level01");
    block(&folder);
    send_each(&sender, "two", &[&[0, 1]]).await;
    let failing = until_state(&s.api, ExporterState::Failing).await;
    let error = failing.last_error.clone().unwrap();
    assert!(error.contains("status-bucket"), "names the bucket: {error}");
    assert_eq!(failing.pending_events, 1, "{failing:?}");
    assert_eq!(failing.objects, 1, "the failed batch is not counted");
    assert_eq!(failing.last_object.as_deref(), Some(first_batch.as_str()));

    unblock(&folder);
    let recovered = until_state(&s.api, ExporterState::Running).await;
    assert_eq!(recovered.last_error, None);
    assert_eq!(
        (recovered.objects, recovered.events),
        (2, 3),
        "{recovered:?}"
    );
    assert_eq!(recovered.pending_events, 0);
    assert_ne!(recovered.last_object.as_deref(), Some(first_batch.as_str()));

    // Every route family answers for the same exporters; an unknown one is a 404.
    let raw = Raw::for_client(&s.api).await;
    let (st, v) = raw
        .send(
            "GET",
            "/v1/streams/bart/outputs/level0-1/exporters/s3/status",
            None,
        )
        .await;
    assert_eq!((st.as_u16(), v["objects"].as_u64()), (200, Some(2)), "{v}");
    let (st, v) = raw
        .send(
            "GET",
            "/v1/streams/bart/exporters/keys/status?exportKeys=true",
            None,
        )
        .await;
    assert_eq!(st, 200, "{v}");
    assert!(
        v["state"] == "RUNNING" || v["pendingEvents"].as_u64() > Some(0),
        "{v}"
    );
    let missing = s.api.exporter_status("level0-1", "nope", false).await;
    assert_eq!(missing.unwrap_err().status(), Some(404));
    local.shutdown().await;
}
