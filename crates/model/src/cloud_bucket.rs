use crate::Secret;

/// A sink's bucket in a cloud store, with the credentials that open it: what the server
/// resolves an S3 or Google Cloud Storage sink to, and what the binary's opener of cloud
/// stores (`strm-buckets`) opens. The server itself carries no cloud client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CloudBucket {
    /// S3, or an S3-compatible store at `endpoint`.
    S3 {
        bucket: String,
        endpoint: Option<String>,
        access_key_id: String,
        secret_access_key: Secret,
    },
    Gcs {
        bucket: String,
        service_account_json: Secret,
    },
}

impl CloudBucket {
    pub fn bucket(&self) -> &str {
        match self {
            CloudBucket::S3 { bucket, .. } | CloudBucket::Gcs { bucket, .. } => bucket,
        }
    }

    /// The store's name, for messages.
    pub fn store(&self) -> &'static str {
        match self {
            CloudBucket::S3 { .. } => "S3",
            CloudBucket::Gcs { .. } => "Google Cloud Storage",
        }
    }
}
