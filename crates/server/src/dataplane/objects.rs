//! A sink's bucket as the API shows it (`observability.md`, "Bucket objects"): objects
//! listed with the sink's own credentials from its store (a local bucket directory or
//! an S3-compatible store), keys sorted, and read in parts of at most 1 MiB. Keys are
//! checked by the caller (`rules::check_object_key`), so none leaves the bucket.

use std::time::Duration;

use bytes::Bytes;
use futures::StreamExt;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectMeta, ObjectStore, ObjectStoreExt};

use super::sink::SinkTarget;
use strm_model::rules::OBJECT_READ_MAX;
use strm_model::{BucketObject, ObjectList};

/// How long a listing or a read waits for the store: the store client itself retries
/// an unreachable endpoint for minutes.
const STORE_TIMEOUT: Duration = Duration::from_secs(10);

/// Why a listing or a read failed, with the status it answers.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ObjectsError {
    /// 404: no such object.
    #[error("{0}")]
    NotFound(String),
    /// 400: an offset beyond the object.
    #[error("{0}")]
    BadRange(String),
    /// 502: the store did not answer, or refused.
    #[error("{0}")]
    Store(String),
}

/// A part of an object: `bytes` from `offset` of an object of `size` bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectPart {
    pub bytes: Bytes,
    pub offset: u64,
    pub size: u64,
}

/// A listing request: `prefix` is a "folder" (`level01/`) or the start of a key.
#[derive(Debug, Clone, Default)]
pub struct Listing<'a> {
    pub prefix: &'a str,
    /// Objects directly under the prefix, and the folders below it (S3's delimiter).
    pub folders: bool,
    pub after: Option<&'a str>,
    pub limit: usize,
}

fn store_error(target: &SinkTarget, e: impl std::fmt::Display) -> ObjectsError {
    ObjectsError::Store(format!(
        "the store of bucket {:?} failed: {e}",
        target.bucket()
    ))
}

fn missing(target: &SinkTarget, key: &str) -> ObjectsError {
    ObjectsError::NotFound(format!("no object {key:?} in bucket {:?}", target.bucket()))
}

/// Runs a store call on `key` (a prefix for listings) within `STORE_TIMEOUT`. Messages
/// name the key, never the store's own path (a directory's is the server's disk).
async fn timed<T>(
    target: &SinkTarget,
    key: &str,
    work: impl Future<Output = Result<T, object_store::Error>>,
) -> Result<T, ObjectsError> {
    match tokio::time::timeout(STORE_TIMEOUT, work).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(object_store::Error::NotFound { .. })) => Err(missing(target, key)),
        Ok(Err(e)) => Err(store_error(target, e)),
        Err(_) => Err(store_error(
            target,
            format!("no answer within {} s", STORE_TIMEOUT.as_secs()),
        )),
    }
}

/// The store, or `None` for a bucket directory that does not exist yet (nothing was
/// exported to it): listing must not create it.
fn open(target: &SinkTarget) -> Result<Option<std::sync::Arc<dyn ObjectStore>>, ObjectsError> {
    if let SinkTarget::Directory { root, .. } = target
        && !root.is_dir()
    {
        return Ok(None);
    }
    target
        .object_store()
        .map(Some)
        .map_err(|e| store_error(target, e))
}

fn object(meta: &ObjectMeta) -> BucketObject {
    BucketObject {
        key: meta.location.to_string(),
        size: meta.size,
        last_modified: meta.last_modified.timestamp_millis(),
    }
}

/// The "folder" part of a prefix (up to its last '/'), which the store lists.
fn folder_of(prefix: &str) -> Result<Option<ObjectPath>, ObjectsError> {
    let folder = prefix.rfind('/').map_or("", |i| &prefix[..i]);
    if folder.is_empty() {
        return Ok(None);
    }
    ObjectPath::parse(folder)
        .map(Some)
        .map_err(|e| ObjectsError::NotFound(format!("prefix {prefix:?}: {e}")))
}

/// One page of a sink's objects, keys (and folders) sorted.
pub async fn list(target: &SinkTarget, req: &Listing<'_>) -> Result<ObjectList, ObjectsError> {
    let Some(store) = open(target)? else {
        return Ok(ObjectList::default());
    };
    let folder = folder_of(req.prefix)?;
    let wanted = |key: &str| key.starts_with(req.prefix) && req.after.is_none_or(|a| key > a);
    // (key, object or folder), sorted by key.
    let mut entries: Vec<(String, Option<BucketObject>)> = if req.folders {
        let listed = timed(
            target,
            req.prefix,
            store.list_with_delimiter(folder.as_ref()),
        )
        .await?;
        let folders = listed
            .common_prefixes
            .iter()
            .map(|p| (format!("{p}/"), None));
        let objects = listed
            .objects
            .iter()
            .map(|m| (m.location.to_string(), Some(object(m))));
        folders
            .chain(objects)
            .filter(|(key, _)| wanted(key))
            .collect()
    } else {
        // S3 and GCS list in key order and can stop at a page; a directory lists in
        // no order, so it is read whole and sorted.
        let ordered = !matches!(target, SinkTarget::Directory { .. });
        let mut stream = store.list(folder.as_ref());
        let mut found = Vec::new();
        let collect = async {
            while let Some(meta) = stream.next().await {
                let meta = meta?;
                let key = meta.location.to_string();
                if wanted(&key) {
                    found.push((key, Some(object(&meta))));
                    if ordered && found.len() > req.limit {
                        break;
                    }
                }
            }
            Ok(())
        };
        timed(target, req.prefix, collect).await?;
        found
    };
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    let more = entries.len() > req.limit;
    entries.truncate(req.limit);
    let next = more
        .then(|| entries.last().map(|(k, _)| k.clone()))
        .flatten();
    let mut list = ObjectList {
        next,
        ..Default::default()
    };
    for (key, entry) in entries {
        match entry {
            Some(o) => list.objects.push(o),
            None => list.prefixes.push(key),
        }
    }
    Ok(list)
}

/// Reads `length` bytes (at most 1 MiB; all that is left when `None`) from `offset`.
pub async fn read(
    target: &SinkTarget,
    key: &str,
    offset: u64,
    length: Option<u64>,
) -> Result<ObjectPart, ObjectsError> {
    let Some(store) = open(target)? else {
        return Err(missing(target, key));
    };
    let path = ObjectPath::parse(key).map_err(|_| missing(target, key))?;
    let meta = timed(target, key, store.head(&path)).await?;
    if offset > meta.size {
        return Err(ObjectsError::BadRange(format!(
            "offset: {offset} is beyond the end of {key:?} ({} bytes); {}",
            meta.size,
            strm_model::rules::OBJECT_READ_RULE
        )));
    }
    let length = length
        .unwrap_or(OBJECT_READ_MAX)
        .min(OBJECT_READ_MAX)
        .min(meta.size - offset);
    let bytes = if length == 0 {
        Bytes::new()
    } else {
        timed(target, key, store.get_range(&path, offset..offset + length)).await?
    };
    Ok(ObjectPart {
        bytes,
        offset,
        size: meta.size,
    })
}
