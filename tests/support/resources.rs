//! The control plane's resources as the seed creates them: stream `bart`, output
//! `level0-1`, sink `s3-bart`, exporter `s3` every 30 s under `level01`.

use strm_model::{
    ConsentLevelType, ExporterCreate, ExporterType, OutputCreate, SinkCreate, SinkType,
    StreamCreate,
};

/// An `aws iam create-access-key` answer, as a sink's credentials.
pub const S3_CREDS: &str = r#"{"AccessKey": {"UserName": "u", "AccessKeyId": "AKIA1", "Status": "Active", "SecretAccessKey": "TOPSECRETKEY", "CreateDate": "2021-01-15"}}"#;

pub fn stream(name: &str) -> StreamCreate {
    StreamCreate {
        name: name.into(),
        description: None,
        tags: vec![],
    }
}

/// A GRANULAR output of `levels`.
pub fn output(name: &str, levels: &[i64]) -> OutputCreate {
    OutputCreate {
        name: name.into(),
        consent_level_type: ConsentLevelType::Granular,
        consent_levels: levels.to_vec(),
        ..Default::default()
    }
}

/// A CUMULATIVE output up to `level`.
pub fn cumulative(name: &str, level: i64) -> OutputCreate {
    OutputCreate {
        consent_level_type: ConsentLevelType::Cumulative,
        ..output(name, &[level])
    }
}

/// An S3 sink with `credentials` (`None`: the server's bucket directory).
pub fn sink(name: &str, bucket: &str, credentials: Option<String>) -> SinkCreate {
    SinkCreate {
        sink_type: SinkType::S3,
        sink_name: name.into(),
        bucket_name: bucket.into(),
        credentials,
    }
}

/// An S3 sink with the access key of [`S3_CREDS`].
pub fn s3_sink(name: &str, bucket: &str) -> SinkCreate {
    sink(name, bucket, Some(S3_CREDS.into()))
}

/// Credentials for an S3-compatible store at `endpoint` (moto_server, or a closed port).
pub fn endpoint_credentials(key_id: &str, secret: &str, endpoint: &str) -> String {
    format!(
        r#"{{"AccessKey": {{"AccessKeyId": "{key_id}", "SecretAccessKey": "{secret}"}}, "EndpointUrl": "{endpoint}"}}"#
    )
}

/// An S3 sink whose store cannot be reached: its endpoint is a closed loopback port.
pub fn unreachable_sink(name: &str, bucket: &str) -> SinkCreate {
    let closed = crate::support::free_port();
    let endpoint = format!("http://127.0.0.1:{closed}");
    sink(
        name,
        bucket,
        Some(endpoint_credentials("AKIA", "s", &endpoint)),
    )
}

/// A batch exporter of events to an S3 sink, under the prefix `level01`.
pub fn exporter(name: &str, sink: &str, interval: i64) -> ExporterCreate {
    ExporterCreate {
        name: name.into(),
        sink_name: sink.into(),
        sink_type: SinkType::S3,
        interval_secs: interval,
        exporter_type: ExporterType::Batch,
        path_prefix: Some("level01".into()),
        export_keys: false,
    }
}
