//! Where the master key comes from, and its rotation.
//!
//! - `STRM_MASTER_KEY` (base64 of 32 bytes) when set; else `<data dir>/master.key`,
//!   made (0600) at first start.
//! - Rotating the file's key (`serve --rotate-master-key`): a new key is written to
//!   `master.key.new` first; at start every value is sealed again under it, and only
//!   then does it replace `master.key`. A start that finds `master.key.new` (a rotation a
//!   crash interrupted) finishes it.
//! - Rotating a key given in the environment: start once with the new key in
//!   `STRM_MASTER_KEY` and the old one in `STRM_PREVIOUS_MASTER_KEY`. A key that
//!   `master.key` holds is accepted as an older one too, so moving from the file to the
//!   environment needs nothing else.

use std::path::{Path, PathBuf};

use super::{Keyring, MasterKey};
use crate::ServerError;
use strm_model::Secret;

pub const MASTER_KEY_FILE: &str = "master.key";
pub const NEXT_MASTER_KEY_FILE: &str = "master.key.new";
pub const MASTER_KEY_ENV: &str = "STRM_MASTER_KEY";
pub const PREVIOUS_MASTER_KEY_ENV: &str = "STRM_PREVIOUS_MASTER_KEY";

/// How the server gets its master key.
#[derive(Debug, Clone, Default)]
pub struct MasterKeyConfig {
    /// `STRM_MASTER_KEY`: used instead of the file.
    pub key: Option<Secret>,
    /// `STRM_PREVIOUS_MASTER_KEY`: an older key whose values are sealed again.
    pub previous: Option<Secret>,
    /// Make a new file key and seal everything under it.
    pub rotate: bool,
}

impl MasterKeyConfig {
    /// The configuration the environment gives.
    pub fn from_env() -> MasterKeyConfig {
        let var = |name| {
            std::env::var(name)
                .ok()
                .filter(|v| !v.trim().is_empty())
                .map(Secret::new)
        };
        MasterKeyConfig {
            key: var(MASTER_KEY_ENV),
            previous: var(PREVIOUS_MASTER_KEY_ENV),
            rotate: false,
        }
    }
}

fn parse(what: &str, text: &str) -> Result<MasterKey, ServerError> {
    MasterKey::parse(text).map_err(|problem| {
        ServerError::Other(format!(
            "{what}: {problem}; a master key is base64 of 32 random bytes"
        ))
    })
}

fn read_key(path: &Path) -> Result<Option<MasterKey>, ServerError> {
    match std::fs::read_to_string(path) {
        Ok(text) => parse(&path.display().to_string(), &text).map(Some),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(ServerError::io(path, e)),
    }
}

fn write_new_key(path: &Path) -> Result<MasterKey, ServerError> {
    let (key, text) = MasterKey::generate();
    strm_model::files::write_private_file(path, format!("{text}\n").as_bytes())
        .map_err(|e| ServerError::io(path, e))?;
    Ok(key)
}

/// The keyring for `data_dir` under `config`; makes the key file when there is none.
pub fn load(data_dir: &Path, config: &MasterKeyConfig) -> Result<Keyring, ServerError> {
    let file = data_dir.join(MASTER_KEY_FILE);
    let next = data_dir.join(NEXT_MASTER_KEY_FILE);
    let mut older = Vec::new();
    if let Some(previous) = &config.previous {
        older.push(parse(PREVIOUS_MASTER_KEY_ENV, previous.expose())?);
    }
    if let Some(given) = &config.key {
        if config.rotate {
            return Err(ServerError::Other(format!(
                "the master key comes from {MASTER_KEY_ENV}; rotate it by starting with the \
                 new key in {MASTER_KEY_ENV} and the old one in {PREVIOUS_MASTER_KEY_ENV}"
            )));
        }
        older.extend(read_key(&file)?);
        older.extend(read_key(&next)?);
        return Ok(Keyring::new(parse(MASTER_KEY_ENV, given.expose())?, older));
    }
    let current_file = read_key(&file)?;
    let mut pending = read_key(&next)?;
    if config.rotate && pending.is_none() {
        pending = Some(write_new_key(&next)?);
    }
    let current = match (current_file, pending) {
        (Some(old), Some(new)) => {
            older.push(old);
            new
        }
        (None, Some(new)) | (Some(new), None) => new,
        (None, None) => write_new_key(&file)?,
    };
    Ok(Keyring::new(current, older))
}

/// After every value is sealed under the current key: a rotated file key replaces the
/// old one.
pub fn finish_rotation(data_dir: &Path) -> Result<bool, ServerError> {
    let next: PathBuf = data_dir.join(NEXT_MASTER_KEY_FILE);
    if !next.exists() {
        return Ok(false);
    }
    let file = data_dir.join(MASTER_KEY_FILE);
    std::fs::rename(&next, &file).map_err(|e| ServerError::io(&file, e))?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::master_key::Purpose;

    #[test]
    fn a_first_start_makes_a_private_key_file_that_later_starts_reuse() {
        let dir = tempfile::tempdir().unwrap();
        let ring = load(dir.path(), &MasterKeyConfig::default()).unwrap();
        let path = dir.path().join(MASTER_KEY_FILE);
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        let again = load(dir.path(), &MasterKeyConfig::default()).unwrap();
        assert_eq!(again.current().id_hex(), ring.current().id_hex());
    }

    #[test]
    fn rotating_the_file_key_keeps_the_old_one_until_it_is_finished() {
        let dir = tempfile::tempdir().unwrap();
        let first = load(dir.path(), &MasterKeyConfig::default()).unwrap();
        let sealed = first.seal(Purpose::KeyMaterial, b"k");
        let rotate = MasterKeyConfig {
            rotate: true,
            ..Default::default()
        };
        let rotated = load(dir.path(), &rotate).unwrap();
        assert_ne!(rotated.current().id_hex(), first.current().id_hex());
        assert_eq!(super::super::tests::opened(&rotated, &sealed), b"k");
        // Interrupted before it finished: the next start still knows both.
        let resumed = load(dir.path(), &MasterKeyConfig::default()).unwrap();
        assert_eq!(resumed.current().id_hex(), rotated.current().id_hex());
        assert!(resumed.open(Purpose::KeyMaterial, &sealed).is_ok());
        assert!(finish_rotation(dir.path()).unwrap());
        let after = load(dir.path(), &MasterKeyConfig::default()).unwrap();
        assert_eq!(after.current().id_hex(), rotated.current().id_hex());
        assert!(
            after.open(Purpose::KeyMaterial, &sealed).is_err(),
            "the old key is gone"
        );
    }

    #[test]
    fn a_key_from_the_environment_is_checked_and_accepts_the_file_key_as_older() {
        let dir = tempfile::tempdir().unwrap();
        let file = load(dir.path(), &MasterKeyConfig::default()).unwrap();
        let (_, text) = MasterKey::generate();
        let env = MasterKeyConfig {
            key: Some(Secret::new(text.clone())),
            ..Default::default()
        };
        let ring = load(dir.path(), &env).unwrap();
        let sealed = file.seal(Purpose::KeyMaterial, b"k");
        assert!(ring.open(Purpose::KeyMaterial, &sealed).is_ok());
        let bad = MasterKeyConfig {
            key: Some(Secret::new("short")),
            ..Default::default()
        };
        let err = load(dir.path(), &bad).unwrap_err().to_string();
        assert!(
            err.contains(MASTER_KEY_ENV) && !err.contains("short"),
            "{err}"
        );
        let rotate_env = MasterKeyConfig {
            key: Some(Secret::new(text)),
            rotate: true,
            ..Default::default()
        };
        assert!(
            load(dir.path(), &rotate_env)
                .unwrap_err()
                .to_string()
                .contains(PREVIOUS_MASTER_KEY_ENV)
        );
    }
}
