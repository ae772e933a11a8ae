//! The credentials store: one `<api-host>-credentials.json` per API host in the config
//! directory, holding exactly the `AuthResponse` JSON, created 0600.

use std::path::{Path, PathBuf};

use super::ClientError;
use crate::paths::{self, Paths};
use strm_model::AuthResponse;

#[derive(Debug, Clone)]
pub struct CredentialStore {
    path: PathBuf,
}

impl CredentialStore {
    pub fn for_api(paths: &Paths, api_url: &str) -> CredentialStore {
        CredentialStore {
            path: paths.credentials_file(api_url),
        }
    }

    pub fn at(path: impl Into<PathBuf>) -> CredentialStore {
        CredentialStore { path: path.into() }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The stored credentials; `None` when there is no file. A file that is there but
    /// unreadable or not the expected JSON is an error that names it.
    pub fn load(&self) -> Result<Option<AuthResponse>, ClientError> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(self.file_error(format!("cannot read: {e}"))),
        };
        serde_json::from_str(&text).map(Some).map_err(|e| {
            self.file_error(format!(
                "is not a credentials file ({e}); delete it or log in again"
            ))
        })
    }

    pub fn save(&self, auth: &AuthResponse) -> Result<(), ClientError> {
        let json = serde_json::to_vec_pretty(auth)
            .map_err(|e| self.file_error(format!("cannot encode: {e}")))?;
        paths::write_private_file(&self.path, &json)
            .map_err(|e| self.file_error(format!("cannot write: {e}")))
    }

    /// Logging out deletes the file; a missing file is already logged out.
    pub fn delete(&self) -> Result<(), ClientError> {
        match std::fs::remove_file(&self.path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(self.file_error(format!("cannot delete: {e}"))),
        }
    }

    fn file_error(&self, reason: String) -> ClientError {
        ClientError::File {
            path: self.path.clone(),
            reason,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn auth() -> AuthResponse {
        AuthResponse {
            email: "a@b.c".into(),
            billing_id: "a1234567890".into(),
            expires_at: 10,
            id_token: "id".into(),
            refresh_token: "rt".into(),
        }
    }

    #[test]
    fn round_trip_and_delete() {
        let dir = tempfile::tempdir().unwrap();
        let store = CredentialStore::for_api(&Paths::under(dir.path()), "http://127.0.0.1:9/");
        assert!(store.path().ends_with("127.0.0.1_9-credentials.json"));
        assert_eq!(store.load().unwrap(), None);
        store.save(&auth()).unwrap();
        assert_eq!(store.load().unwrap(), Some(auth()));
        store.delete().unwrap();
        assert_eq!(store.load().unwrap(), None);
    }

    #[test]
    fn a_broken_file_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let store = CredentialStore::at(dir.path().join("x-credentials.json"));
        std::fs::write(store.path(), "not json").unwrap();
        let err = store.load().unwrap_err().to_string();
        assert!(
            err.contains("x-credentials.json") && err.contains("not a credentials file"),
            "{err}"
        );
    }
}
