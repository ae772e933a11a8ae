//! Where exports go: a sink resolved to a local bucket directory, S3 (or an
//! S3-compatible endpoint) or Google Cloud Storage (opened through `cloud_stores`), and
//! the exporters the scheduler runs.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use object_store::ObjectStore;
use object_store::path::Path as ObjectPath;

use super::cloud_stores::CloudStores;
use super::consent::View;
use strm_model::{CloudBucket, Invalid, S3Credentials, Secret, SinkType};

/// Why a sink's store could not be opened or named an object.
#[derive(Debug, thiserror::Error)]
pub enum SinkError {
    #[error("cannot create {}: {source}", path.display())]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] object_store::Error),
    #[error(transparent)]
    Path(#[from] object_store::path::Error),
    #[error(
        "the local bucket {bucket:?} belongs to another account (a bucket belongs to the \
         account that first used it); choose another bucket name"
    )]
    NotOwner { bucket: String },
    #[error("cannot record the owner of a local bucket in {}: {source}", path.display())]
    Owner {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "bucket {bucket:?} is in {store}, and this server was started without the clients \
         of cloud stores; only local bucket directories can be used"
    )]
    NoCloudStores { bucket: String, store: &'static str },
    #[error(transparent)]
    Sealed(#[from] crate::master_key::SealError),
    #[error(transparent)]
    Invalid(#[from] Invalid),
}

/// Where a sink's objects go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SinkTarget {
    /// The embedded default: a bucket is `<data dir>/buckets/<bucket>/`, opened only
    /// for the account that owns it (`buckets`).
    Directory {
        bucket: String,
        root: PathBuf,
        /// The billing id of the account whose sink this is.
        account: String,
    },
    /// S3, an S3-compatible store or Google Cloud Storage, opened by `stores`.
    Cloud {
        bucket: CloudBucket,
        stores: CloudStores,
    },
}

/// Where local buckets live.
pub fn buckets_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("buckets")
}

/// Turns a sink as the database keeps it into where it writes: its credentials opened
/// with the master key, its local bucket bound to its account. Every reader of a sink's
/// bucket (exporters, the exporter probe, listings) goes through here.
#[derive(Clone)]
pub struct SinkResolver {
    pub data_dir: PathBuf,
    pub s3_endpoint: Option<String>,
    pub keyring: Arc<crate::master_key::Keyring>,
    /// Opens cloud buckets (the binary's `strm-buckets`); none opens only directories.
    pub cloud_stores: CloudStores,
}

impl SinkResolver {
    /// The target of `account`'s sink; `stored_credentials` as the database holds them.
    pub fn target(
        &self,
        account: &str,
        sink_type: SinkType,
        bucket: &str,
        stored_credentials: Option<&str>,
    ) -> Result<SinkTarget, SinkError> {
        let credentials = stored_credentials
            .map(|c| {
                self.keyring
                    .open_text(crate::master_key::Purpose::SinkCredentials, c)
            })
            .transpose()?;
        let target = SinkTarget::resolve(
            account,
            sink_type,
            bucket,
            credentials.as_deref(),
            &self.data_dir,
            self.s3_endpoint.as_deref(),
        )?;
        Ok(match target {
            SinkTarget::Cloud { bucket, .. } => SinkTarget::Cloud {
                bucket,
                stores: self.cloud_stores.clone(),
            },
            local => local,
        })
    }
}

impl SinkTarget {
    /// Decides where a sink of `account` writes: a real store when its credentials (or
    /// the server's S3 endpoint) say so, else the local bucket directory. A cloud target
    /// has no opener yet: `SinkResolver::target` gives it the server's.
    pub fn resolve(
        account: &str,
        sink_type: SinkType,
        bucket: &str,
        credentials: Option<&str>,
        data_dir: &Path,
        server_s3_endpoint: Option<&str>,
    ) -> Result<SinkTarget, Invalid> {
        strm_model::rules::check_bucket_name(bucket)?;
        if let Some(text) = credentials {
            strm_model::rules::check_sink_credentials(sink_type, text)?;
        }
        let cloud = |bucket| SinkTarget::Cloud {
            bucket,
            stores: CloudStores::default(),
        };
        let local = || SinkTarget::Directory {
            bucket: bucket.to_owned(),
            root: buckets_dir(data_dir).join(bucket),
            account: account.to_owned(),
        };
        match sink_type {
            SinkType::S3 => {
                let creds: Option<S3Credentials> =
                    credentials.and_then(|t| serde_json::from_str(t).ok());
                let endpoint = creds
                    .as_ref()
                    .and_then(|c| c.endpoint_url.clone())
                    .or_else(|| server_s3_endpoint.map(str::to_owned));
                match (creds, endpoint) {
                    (Some(c), Some(endpoint)) => Ok(cloud(CloudBucket::S3 {
                        bucket: bucket.to_owned(),
                        endpoint: Some(endpoint),
                        access_key_id: c.access_key.access_key_id,
                        secret_access_key: Secret::new(c.access_key.secret_access_key),
                    })),
                    _ => Ok(local()),
                }
            }
            SinkType::Gcloud => {
                let real = credentials
                    .and_then(|t| serde_json::from_str::<serde_json::Value>(t).ok())
                    .is_some_and(|v| {
                        v.get("private_key").is_some() && v.get("client_email").is_some()
                    });
                match credentials {
                    Some(text) if real => Ok(cloud(CloudBucket::Gcs {
                        bucket: bucket.to_owned(),
                        service_account_json: Secret::new(text),
                    })),
                    _ => Ok(local()),
                }
            }
        }
    }

    pub fn bucket(&self) -> &str {
        match self {
            SinkTarget::Directory { bucket, .. } => bucket,
            SinkTarget::Cloud { bucket, .. } => bucket.bucket(),
        }
    }

    /// Makes a local bucket its account's, or says it is another's; other stores
    /// check their own credentials.
    pub fn claim(&self) -> Result<(), SinkError> {
        match self {
            SinkTarget::Directory {
                bucket,
                root,
                account,
            } => super::buckets::claim(root.parent().unwrap_or(root), bucket, account),
            _ => Ok(()),
        }
    }

    pub fn object_store(&self) -> Result<Arc<dyn ObjectStore>, SinkError> {
        self.claim()?;
        match self {
            SinkTarget::Directory { root, .. } => {
                std::fs::create_dir_all(root).map_err(|source| SinkError::CreateDir {
                    path: root.clone(),
                    source,
                })?;
                let fs = object_store::local::LocalFileSystem::new_with_prefix(root)?;
                Ok(Arc::new(fs))
            }
            SinkTarget::Cloud { bucket, stores } => stores
                .open(bucket)
                .ok_or_else(|| SinkError::NoCloudStores {
                    bucket: bucket.bucket().to_owned(),
                    store: bucket.store(),
                })?
                .map_err(SinkError::Store),
        }
    }
}

/// One exporter as the scheduler runs it.
#[derive(Debug, Clone)]
pub struct ExportJob {
    pub account: String,
    pub name: String,
    /// The exporter's `linkedStream`: a stream or an output name.
    pub linked_stream: String,
    /// The source stream whose events (or keys) are read.
    pub source_stream: String,
    pub view: View,
    pub sink: SinkTarget,
    pub interval_secs: u32,
    pub path_prefix: Option<String>,
    pub export_keys: bool,
}

impl ExportJob {
    /// The object a batch file goes to, under the exporter's path prefix.
    pub fn object(&self, file: &str) -> Result<ObjectPath, SinkError> {
        let key = match self.path_prefix.as_deref().map(|p| p.trim_matches('/')) {
            Some(p) if !p.is_empty() => format!("{p}/{file}"),
            _ => file.to_owned(),
        };
        Ok(ObjectPath::parse(&key)?)
    }
}
