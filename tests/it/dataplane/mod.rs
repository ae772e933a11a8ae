//! The data plane end to end against the real server on 127.0.0.1: ingest and egress
//! views, every bad-input row, exporters to the directory default and to an
//! S3-compatible store (moto_server), a crash of a `serve` process, the 2021 Python
//! driver and the demo. Python peers come from the virtualenv at `$STRM_TUI_VENV`
//! (`support::venv`).

mod crash;
mod demo;
mod exporters;
mod ingest;
mod python;

use std::path::{Path, PathBuf};

/// The files in `dir`, sorted; none when it does not exist (yet).
fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    v.sort();
    v
}
