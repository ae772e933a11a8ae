//! The cloud object stores a sink writes to: S3 (or an S3-compatible endpoint) and Google
//! Cloud Storage. They live in their own crate because their clients bring an HTTP client
//! and TLS, which the server must not carry: the binary hands `open` to the server, which
//! opens local bucket directories itself.

// A failure is an error the server reports, never a panic.
#![deny(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use object_store::ObjectStore;
use object_store::aws::AmazonS3Builder;
use object_store::gcp::GoogleCloudStorageBuilder;
use strm_model::CloudBucket;

/// The region S3 requests are signed for: a sink's credentials name none, and
/// S3-compatible stores accept any.
const S3_REGION: &str = "us-east-1";

/// The store of `bucket`, with its own credentials. Nothing is sent until the store is
/// used: a bad endpoint or key fails at the first write or listing.
pub fn open(bucket: &CloudBucket) -> Result<Arc<dyn ObjectStore>, object_store::Error> {
    match bucket {
        CloudBucket::S3 {
            bucket,
            endpoint,
            access_key_id,
            secret_access_key,
        } => {
            let mut b = AmazonS3Builder::new()
                .with_bucket_name(bucket)
                .with_region(S3_REGION)
                .with_access_key_id(access_key_id)
                .with_secret_access_key(secret_access_key.expose());
            if let Some(e) = endpoint {
                b = b
                    .with_endpoint(e)
                    .with_allow_http(e.starts_with("http://"))
                    .with_virtual_hosted_style_request(false);
            }
            Ok(Arc::new(b.build()?))
        }
        CloudBucket::Gcs {
            bucket,
            service_account_json,
        } => Ok(Arc::new(
            GoogleCloudStorageBuilder::new()
                .with_bucket_name(bucket)
                .with_service_account_key(service_account_json.expose())
                .build()?,
        )),
    }
}
