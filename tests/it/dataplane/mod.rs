//! The data plane end to end against the real server on 127.0.0.1: ingest and egress
//! views, every bad-input row, exporters to the directory default and to an
//! S3-compatible store (moto_server), a crash of a `serve` process, the 2021 Python
//! driver and the demo. Python peers come from the virtualenv at `$STRM_TUI_VENV`
//! (`support::venv`).

mod crash;
mod demo;
mod exporters;
pub(crate) mod ingest;
pub(crate) mod python;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::support::events::count_exported;
use crate::support::wait_for;

/// The files in `dir`, sorted; none when it does not exist (yet).
fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    v.sort();
    v
}

/// Waits (up to 120 s: batches close every 30 s) until every `accepted` event number is
/// among those `exported` counts, and checks that none is there twice.
pub(crate) async fn assert_each_exported_once(
    accepted: &BTreeSet<u32>,
    mut exported: impl AsyncFnMut() -> Option<BTreeMap<u32, u32>>,
) {
    let counts = wait_for(120, async || {
        let counts = exported().await?;
        accepted
            .iter()
            .all(|n| counts.contains_key(n))
            .then_some(counts)
    })
    .await;
    let doubled: Vec<_> = counts.iter().filter(|(_, c)| **c > 1).collect();
    assert!(doubled.is_empty(), "exported more than once: {doubled:?}");
}

/// `assert_each_exported_once` for the event batches of the bucket directory `bucket`.
pub(crate) async fn assert_exported_once(bucket: &Path, accepted: &BTreeSet<u32>) {
    assert_each_exported_once(accepted, async || {
        let mut counts = BTreeMap::<u32, u32>::new();
        for file in files_in(bucket) {
            let name = file.file_name().unwrap().to_string_lossy().into_owned();
            if name.contains("-stream-") {
                count_exported(&std::fs::read_to_string(&file).ok()?, &mut counts)?;
            }
        }
        Some(counts)
    })
    .await;
}
