//! An S3-compatible store for exporter tests: moto_server from the test virtualenv on a
//! free 127.0.0.1 port, killed on drop, with one bucket made.

use futures::TryStreamExt;
use object_store::{ObjectStore, ObjectStoreExt};

use super::{KillOnDrop, free_port, venv, wait_listening};

pub struct Moto {
    pub endpoint: String,
    _server: KillOnDrop,
}

impl Moto {
    /// moto_server with the bucket `bucket`.
    pub async fn with_bucket(bucket: &str) -> Moto {
        let port = free_port();
        let server = KillOnDrop(
            std::process::Command::new(venv().join("bin/moto_server"))
                .args(["-H", "127.0.0.1", "-p", &port.to_string()])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .expect("moto_server starts"),
        );
        wait_listening(port).await;
        let endpoint = format!("http://127.0.0.1:{port}");
        let created = reqwest::Client::new()
            .put(format!("{endpoint}/{bucket}"))
            .send()
            .await
            .unwrap();
        assert!(created.status().is_success(), "{}", created.status());
        Moto {
            endpoint,
            _server: server,
        }
    }

    /// The bucket as `object_store` reads it, with the keys the tests' sinks use.
    pub fn store(&self, bucket: &str) -> impl ObjectStore + use<> {
        object_store::aws::AmazonS3Builder::new()
            .with_bucket_name(bucket)
            .with_region("us-east-1")
            .with_access_key_id("AKIAMOTO")
            .with_secret_access_key("moto")
            .with_endpoint(&self.endpoint)
            .with_allow_http(true)
            .build()
            .unwrap()
    }

    /// A sink's credentials for this store.
    pub fn credentials(&self) -> String {
        super::resources::endpoint_credentials("AKIAMOTO", "moto", &self.endpoint)
    }
}

/// The text of each object of `store` whose key contains `part`, in listing order; `None`
/// while the store does not answer.
#[allow(dead_code, reason = "the benches read no bucket")]
pub async fn texts_of(store: &impl ObjectStore, part: &str) -> Option<Vec<String>> {
    let listed: Vec<_> = store.list(None).try_collect().await.ok()?;
    let mut texts = Vec::new();
    for object in listed.iter().filter(|o| o.location.as_ref().contains(part)) {
        let bytes = store.get(&object.location).await.ok()?.bytes().await.ok()?;
        texts.push(String::from_utf8(bytes.to_vec()).ok()?);
    }
    Some(texts)
}
