//! Stream and output secrets this user saw when creating them (the API shows a secret
//! only once), kept in `Paths::saved_secrets_file()` so that the console, the CLI and the
//! simulator can use them later. One file, 0600:
//! `{"<api-host-key>": {"<billingId>/<name>": {"clientId": ..., "clientSecret": ...}}}`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::ClientError;
use crate::paths::{self, host_key};

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

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SavedSecrets {
    path: PathBuf,
    by_host: BTreeMap<String, BTreeMap<String, SavedSecret>>,
}

fn entry_key(billing_id: &str, name: &str) -> String {
    format!("{billing_id}/{name}")
}

impl SavedSecrets {
    /// The saved secrets; an absent file is an empty set, a broken one an error naming it.
    pub fn load(path: &Path) -> Result<SavedSecrets, ClientError> {
        let fail = |reason: String| ClientError::File {
            path: path.to_path_buf(),
            reason,
        };
        let by_host = match std::fs::read_to_string(path) {
            Ok(text) => serde_json::from_str(&text).map_err(|e| {
                fail(format!(
                    "is not a saved-secrets file ({e}); it maps API hosts to \
                     {{\"<billingId>/<name>\": {{\"clientId\", \"clientSecret\"}}}}"
                ))
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => BTreeMap::new(),
            Err(e) => return Err(fail(format!("cannot read: {e}"))),
        };
        Ok(SavedSecrets {
            path: path.to_path_buf(),
            by_host,
        })
    }

    pub fn save(&self) -> Result<(), ClientError> {
        let json = serde_json::to_vec_pretty(&self.by_host).expect("secrets serialise");
        paths::write_private_file(&self.path, &json).map_err(|e| ClientError::File {
            path: self.path.clone(),
            reason: format!("cannot write: {e}"),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn get(&self, api_url: &str, billing_id: &str, name: &str) -> Option<&SavedSecret> {
        self.by_host
            .get(&host_key(api_url))?
            .get(&entry_key(billing_id, name))
    }

    pub fn insert(&mut self, api_url: &str, billing_id: &str, name: &str, secret: SavedSecret) {
        self.by_host
            .entry(host_key(api_url))
            .or_default()
            .insert(entry_key(billing_id, name), secret);
    }

    pub fn remove(&mut self, api_url: &str, billing_id: &str, name: &str) -> Option<SavedSecret> {
        self.by_host
            .get_mut(&host_key(api_url))?
            .remove(&entry_key(billing_id, name))
    }

    /// Loads, changes and saves in one step.
    pub fn remember(
        path: &Path,
        api_url: &str,
        billing_id: &str,
        name: &str,
        secret: SavedSecret,
    ) -> Result<(), ClientError> {
        let mut all = SavedSecrets::load(path)?;
        all.insert(api_url, billing_id, name, secret);
        all.save()
    }
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
    fn round_trip_in_the_agreed_shape() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cfg/client-secrets.json");
        SavedSecrets::remember(
            &path,
            "http://127.0.0.1:8642",
            "bart123",
            "bart",
            secret("abc"),
        )
        .unwrap();
        let all = SavedSecrets::load(&path).unwrap();
        assert_eq!(
            all.get("http://127.0.0.1:8642/", "bart123", "bart"),
            Some(&secret("abc"))
        );
        assert_eq!(
            all.get("https://api.streammachine.io", "bart123", "bart"),
            None
        );
        let raw: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(
            raw,
            serde_json::json!({"127.0.0.1_8642": {"bart123/bart":
                {"clientId": "abc", "clientSecret": "S3CRET!"}}})
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
    }

    #[test]
    fn missing_is_empty_and_broken_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("client-secrets.json");
        assert_eq!(SavedSecrets::load(&path).unwrap().get("h", "b", "n"), None);
        std::fs::write(&path, "[1,2]").unwrap();
        let err = SavedSecrets::load(&path).unwrap_err().to_string();
        assert!(
            err.contains("client-secrets.json") && err.contains("not a saved-secrets file"),
            "{err}"
        );
    }

    #[test]
    fn debug_hides_the_secret() {
        assert!(!format!("{:?}", secret("a")).contains("S3CRET"));
    }
}
