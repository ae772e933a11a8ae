//! The seam through which the server opens buckets in S3 or Google Cloud Storage. Their
//! clients bring an HTTP client and TLS, so they live outside this crate (`strm-buckets`):
//! the binary hands the server an opener in `ServerConfig::cloud_stores`. Without one the
//! server still writes local bucket directories, and a cloud sink's exports fail saying so.

use std::sync::Arc;

use object_store::ObjectStore;
use strm_model::CloudBucket;

/// Opens the store of a cloud bucket with the bucket's own credentials.
pub trait OpenCloudBucket: Send + Sync {
    fn open(&self, bucket: &CloudBucket) -> Result<Arc<dyn ObjectStore>, object_store::Error>;
}

impl<F> OpenCloudBucket for F
where
    F: Fn(&CloudBucket) -> Result<Arc<dyn ObjectStore>, object_store::Error> + Send + Sync,
{
    fn open(&self, bucket: &CloudBucket) -> Result<Arc<dyn ObjectStore>, object_store::Error> {
        self(bucket)
    }
}

/// The opener of cloud buckets the server was given, if any.
#[derive(Clone, Default)]
pub struct CloudStores(Option<Arc<dyn OpenCloudBucket>>);

impl CloudStores {
    pub fn new(opener: impl OpenCloudBucket + 'static) -> CloudStores {
        CloudStores(Some(Arc::new(opener)))
    }

    /// `None` when the server has no opener.
    pub fn open(
        &self,
        bucket: &CloudBucket,
    ) -> Option<Result<Arc<dyn ObjectStore>, object_store::Error>> {
        self.0.as_ref().map(|o| o.open(bucket))
    }
}

impl std::fmt::Debug for CloudStores {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self.0 {
            Some(_) => "CloudStores(opener)",
            None => "CloudStores(none)",
        })
    }
}

/// The same opener (or both none): targets resolved by one server compare equal.
impl PartialEq for CloudStores {
    fn eq(&self, other: &CloudStores) -> bool {
        match (&self.0, &other.0) {
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            (None, None) => true,
            _ => false,
        }
    }
}

impl Eq for CloudStores {}
