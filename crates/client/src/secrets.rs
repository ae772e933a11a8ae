//! Client secrets this machine saw when it created a stream or output (the API shows a
//! secret once). One 0600 file, `Paths::saved_secrets_file()`, shaped
//! `{"<api-host-key>": {"<billingId>/<name>": {"clientId", "clientSecret"}}}`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use strm_model::Credentials;

use super::ClientError;
use crate::paths::{self, Paths};

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SavedSecret {
    pub client_id: String,
    pub client_secret: String,
}

strm_model::debug_showing!(SavedSecret { client_id });

type SecretsFile = BTreeMap<String, BTreeMap<String, SavedSecret>>;

#[derive(Debug, Clone)]
pub struct SecretStore {
    path: PathBuf,
}

impl SecretStore {
    pub fn new(paths: &Paths) -> SecretStore {
        SecretStore {
            path: paths.saved_secrets_file(),
        }
    }

    pub fn at(path: impl Into<PathBuf>) -> SecretStore {
        SecretStore { path: path.into() }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn load(&self) -> Result<SecretsFile, ClientError> {
        match std::fs::read_to_string(&self.path) {
            Ok(text) => serde_json::from_str(&text).map_err(|e| ClientError::File {
                path: self.path.clone(),
                reason: format!("is not a saved-secrets file ({e})"),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(SecretsFile::new()),
            Err(e) => Err(ClientError::File {
                path: self.path.clone(),
                reason: format!("cannot read: {e}"),
            }),
        }
    }

    pub fn get(
        &self,
        api_url: &str,
        billing_id: &str,
        name: &str,
    ) -> Result<Option<SavedSecret>, ClientError> {
        Ok(self
            .load()?
            .get(&paths::host_key(api_url))
            .and_then(|m| m.get(&format!("{billing_id}/{name}")))
            .cloned())
    }

    pub fn save(
        &self,
        api_url: &str,
        billing_id: &str,
        name: &str,
        secret: SavedSecret,
    ) -> Result<(), ClientError> {
        let mut all = self.load()?;
        all.entry(paths::host_key(api_url))
            .or_default()
            .insert(format!("{billing_id}/{name}"), secret);
        let file_error = |reason: String| ClientError::File {
            path: self.path.clone(),
            reason,
        };
        let json = serde_json::to_vec_pretty(&all)
            .map_err(|e| file_error(format!("cannot encode: {e}")))?;
        paths::write_private_file(&self.path, &json)
            .map_err(|e| file_error(format!("cannot write: {e}")))
    }

    /// Keeps the secret the API showed in its answer to creating `name` (a stream or an
    /// output): the one way the CLI, the console and the demo save it. Answers what was
    /// saved; `None` when the answer carried no secret.
    pub fn save_created(
        &self,
        api_url: &str,
        billing_id: &str,
        name: &str,
        credentials: &Credentials,
    ) -> Result<Option<SavedSecret>, ClientError> {
        let Some(secret) = &credentials.client_secret else {
            return Ok(None);
        };
        let saved = SavedSecret {
            client_id: credentials.client_id.clone(),
            client_secret: secret.clone(),
        };
        self.save(api_url, billing_id, name, saved.clone())?;
        Ok(Some(saved))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saved_secrets_round_trip_with_the_shared_shape() {
        let dir = tempfile::tempdir().unwrap();
        let store = SecretStore::new(&Paths::under(dir.path()));
        let secret = SavedSecret {
            client_id: "cid".into(),
            client_secret: "S3CR3T".into(),
        };
        store
            .save("http://127.0.0.1:9", "bart0000000001", "s1", secret.clone())
            .unwrap();
        assert_eq!(
            store
                .get("http://127.0.0.1:9/", "bart0000000001", "s1")
                .unwrap(),
            Some(secret.clone())
        );
        assert_eq!(
            store
                .get("http://127.0.0.1:9", "bart0000000001", "s2")
                .unwrap(),
            None
        );
        let raw: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(store.path()).unwrap()).unwrap();
        assert_eq!(
            raw,
            serde_json::json!({"127.0.0.1_9": {"bart0000000001/s1":
                {"clientId": "cid", "clientSecret": "S3CR3T"}}})
        );
        assert!(!format!("{secret:?}").contains("S3CR3T"));
    }

    #[test]
    fn a_created_secret_is_saved_and_none_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let store = SecretStore::new(&Paths::under(dir.path()));
        let api = "http://127.0.0.1:9";
        let without = Credentials {
            client_id: "cid".into(),
            client_secret: None,
        };
        assert_eq!(store.save_created(api, "b1", "s1", &without).unwrap(), None);
        assert!(!store.path().exists());
        let with = Credentials {
            client_secret: Some("S3CR3T".into()),
            ..without
        };
        let saved = store.save_created(api, "b1", "s1", &with).unwrap();
        assert_eq!(store.get(api, "b1", "s1").unwrap(), saved);
        assert_eq!(saved.unwrap().client_secret, "S3CR3T");
    }
}
