//! Segment files: named by their first sequence number (`00000000000000000001.log`), so
//! that listing the directory orders them.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub(super) struct Segment {
    pub first_seq: i64,
    pub path: PathBuf,
    pub file: Arc<File>,
    pub len: u64,
    /// Acceptance time of its first event, and of its newest record.
    pub first_ts: Option<i64>,
    pub last_ts: i64,
}

pub(super) fn segment_path(dir: &Path, first_seq: i64) -> PathBuf {
    dir.join(format!("{first_seq:020}.log"))
}

/// The first sequence number a segment file's name gives; `None` for other files.
pub(super) fn segment_seq(path: &Path) -> Option<i64> {
    let name = path.file_name()?.to_str()?;
    let digits = name.strip_suffix(".log")?;
    (digits.len() == 20 && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| digits.parse().ok())
        .flatten()
}

/// Opens a segment file; only the newest one is opened for appending (and created).
pub(super) fn open_segment(path: &Path, first_seq: i64, writable: bool) -> io::Result<Segment> {
    use std::os::unix::fs::OpenOptionsExt;
    let file = OpenOptions::new()
        .read(true)
        .append(writable)
        .create(writable)
        .mode(0o600)
        .open(path)?;
    Ok(Segment {
        first_seq,
        path: path.to_owned(),
        len: file.metadata()?.len(),
        file: Arc::new(file),
        first_ts: None,
        last_ts: 0,
    })
}
