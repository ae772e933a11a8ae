//! The seed's scenario: an account with stream `bart` and its output `level0-1` (GRANULAR
//! [0, 1]), with the credentials of both at hand for the data plane.

use std::path::Path;

use strm_client::events::{EventClient, EventHosts};
use strm_client::{ApiClient, ClientError};
use strm_model::{Credentials, EventAuthRequest, OutputCreate, Stream};

use super::{account, exporter, output, s3_sink, stream};

/// The seed's resources in `api`'s account: stream `bart`, its output `level0-1`
/// GRANULAR [0, 1], sink `s3-bart` on `bucket-one`, and exporter `s3` of `level0-1` to that
/// sink every 30 s. Returns the stream as created (with its secret).
pub async fn seed_resources(api: &ApiClient) -> Stream {
    let created = api.create_stream(&stream("bart")).await.unwrap();
    let out = output("level0-1", &[0, 1]);
    api.create_output("bart", &out).await.unwrap();
    api.create_sink(&s3_sink("s3-bart", "bucket-one"))
        .await
        .unwrap();
    let export = exporter("s3", "s3-bart", 30);
    api.create_exporter("level0-1", &export).await.unwrap();
    created
}

/// An account with a stream and an output of it, and the credentials of both.
pub struct Scenario {
    pub api: ApiClient,
    pub url: String,
    pub billing_id: String,
    pub stream: Credentials,
    pub output: Credentials,
}

impl Scenario {
    /// The seed's account `email`: stream `bart`, output `level0-1` GRANULAR [0, 1].
    pub async fn seed(url: &str, dir: &Path, email: &str) -> Scenario {
        Scenario::new(url, dir, email, "bart", output("level0-1", &[0, 1])).await
    }

    /// An account `email` with one stream and one output of it.
    pub async fn new(
        url: &str,
        dir: &Path,
        email: &str,
        stream_name: &str,
        out: OutputCreate,
    ) -> Scenario {
        let api = account(url, dir, email).await;
        let billing_id = api.session().await.unwrap().billing_id;
        let stream = api.create_stream(&stream(stream_name)).await.unwrap();
        let output = api.create_output(stream_name, &out).await.unwrap();
        Scenario {
            api,
            url: url.to_string(),
            billing_id,
            stream: stream.credentials,
            output: output.credentials,
        }
    }

    /// The billing id, client id and secret that authenticate `c` on the data plane.
    pub fn triplet(&self, c: &Credentials) -> EventAuthRequest {
        EventAuthRequest {
            billing_id: self.billing_id.clone(),
            client_id: c.client_id.clone(),
            client_secret: c.client_secret.clone().unwrap(),
        }
    }

    /// A data-plane client that sends (or receives) as `c`.
    pub fn client(&self, c: &Credentials) -> EventClient {
        EventClient::new(EventHosts::single(&self.url).unwrap(), self.triplet(c)).unwrap()
    }

    /// An S3 sink named after `bucket` (at the S3-compatible store of `credentials`, or
    /// the local bucket directory) and the seed's event exporter `s3` of `on` to it.
    pub async fn export(&self, on: &str, bucket: &str, credentials: Option<String>) {
        self.api
            .create_sink(&super::sink(bucket, bucket, credentials))
            .await
            .unwrap();
        self.exporter(on, bucket, false).await.unwrap();
    }

    /// The seed's exporter (`keys` when it exports keys, else `s3`) on `on` to `sink`.
    /// A sink `s3-bart` on the local bucket `bucket`, with two exporters to it: the seed's
    /// output's events and its stream's keys.
    #[allow(dead_code, reason = "the benches do not export")]
    pub async fn exports_to(&self, bucket: &str) {
        self.api
            .create_sink(&super::sink("s3-bart", bucket, None))
            .await
            .unwrap();
        self.exporter("level0-1", "s3-bart", false).await.unwrap();
        self.exporter("bart", "s3-bart", true).await.unwrap();
    }

    pub async fn exporter(
        &self,
        on: &str,
        sink: &str,
        export_keys: bool,
    ) -> Result<(), ClientError> {
        let mut create = exporter(if export_keys { "keys" } else { "s3" }, sink, 30);
        create.export_keys = export_keys;
        self.api.create_exporter(on, &create).await.map(|_| ())
    }
}
