//! Client secrets seen when a stream or output was created (the API shows them only
//! then), kept in `Paths::saved_secrets_file()` (0600) as
//! `{"<api-host-key>": {"<billingId>/<name>": {"clientId", "clientSecret"}}}`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::ClientError;
use crate::paths::{self, Paths};

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SavedSecret {
    pub client_id: String,
    pub client_secret: String,
}

impl std::fmt::Debug for SavedSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SavedSecret")
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

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

    pub fn get(
        &self,
        api_url: &str,
        billing_id: &str,
        name: &str,
    ) -> Result<Option<SavedSecret>, ClientError> {
        Ok(self
            .load()?
            .get(&paths::host_key(api_url))
            .and_then(|m| m.get(&key(billing_id, name)))
            .cloned())
    }

    /// Adds or replaces one secret, keeping every other entry.
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
            .insert(key(billing_id, name), secret);
        let json = serde_json::to_vec_pretty(&all).expect("secrets serialise");
        paths::write_private_file(&self.path, &json)
            .map_err(|e| self.error(format!("cannot write: {e}")))
    }

    fn load(&self) -> Result<SecretsFile, ClientError> {
        match std::fs::read_to_string(&self.path) {
            Ok(text) => serde_json::from_str(&text)
                .map_err(|e| self.error(format!("is not a saved-secrets file ({e})"))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(SecretsFile::new()),
            Err(e) => Err(self.error(format!("cannot read: {e}"))),
        }
    }

    fn error(&self, reason: String) -> ClientError {
        ClientError::File {
            path: self.path.clone(),
            reason,
        }
    }
}

fn key(billing_id: &str, name: &str) -> String {
    format!("{billing_id}/{name}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(id: &str) -> SavedSecret {
        SavedSecret {
            client_id: id.into(),
            client_secret: "S3CRET!".into(),
        }
    }

    #[test]
    fn saves_in_the_shared_shape_and_keeps_other_entries() {
        let dir = tempfile::tempdir().unwrap();
        let store = SecretStore::new(&Paths::under(dir.path()));
        store
            .save(
                "http://127.0.0.1:8642",
                "bart0000000001",
                "bart",
                secret("a"),
            )
            .unwrap();
        store
            .save(
                "http://127.0.0.1:8642",
                "bart0000000001",
                "level0-1",
                secret("b"),
            )
            .unwrap();
        let json: serde_json::Value =
            serde_json::from_slice(&std::fs::read(store.path()).unwrap()).unwrap();
        assert_eq!(
            json["127.0.0.1_8642"]["bart0000000001/bart"],
            serde_json::json!({"clientId": "a", "clientSecret": "S3CRET!"})
        );
        assert_eq!(
            store
                .get("http://127.0.0.1:8642/", "bart0000000001", "level0-1")
                .unwrap(),
            Some(secret("b"))
        );
        assert!(!format!("{:?}", secret("a")).contains("S3CRET"));
    }

    #[cfg(unix)]
    #[test]
    fn the_file_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let store = SecretStore::at(dir.path().join("s.json"));
        store
            .save("https://api.streammachine.io", "b", "n", secret("a"))
            .unwrap();
        let mode = std::fs::metadata(store.path())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn a_broken_file_is_named_not_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let store = SecretStore::at(dir.path().join("s.json"));
        std::fs::write(store.path(), "garbage").unwrap();
        let err = store
            .save("http://x", "b", "n", secret("a"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("s.json") && err.contains("not a saved-secrets file"),
            "{err}"
        );
        assert_eq!(std::fs::read_to_string(store.path()).unwrap(), "garbage");
    }
}
