//! The one definition of where strm-tui keeps its files. Every override an environment
//! variable allows is read here and nowhere else.

use std::path::{Path, PathBuf};

use directories::ProjectDirs;

/// Overrides the configuration directory (credentials, saved secrets, config.toml).
pub const CONFIG_DIR_ENV: &str = "STRM_TUI_CONFIG_DIR";
/// Overrides the data directory (the local server's database, buckets, logs).
pub const DATA_DIR_ENV: &str = "STRM_TUI_DATA_DIR";
/// The API the console and CLI talk to; unset means the local embedded server.
pub const API_URL_ENV: &str = "STRM_API_URL";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    pub config_dir: PathBuf,
    pub data_dir: PathBuf,
}

impl Paths {
    /// The user's directories, unless overridden by the environment.
    pub fn from_env() -> Paths {
        let dirs = ProjectDirs::from("io", "streammachine", "strm-tui");
        let fallback = || std::env::temp_dir().join("strm-tui");
        let config_dir = std::env::var_os(CONFIG_DIR_ENV)
            .map(PathBuf::from)
            .or_else(|| dirs.as_ref().map(|d| d.config_dir().to_path_buf()))
            .unwrap_or_else(fallback);
        let data_dir = std::env::var_os(DATA_DIR_ENV)
            .map(PathBuf::from)
            .or_else(|| dirs.as_ref().map(|d| d.data_dir().to_path_buf()))
            .unwrap_or_else(fallback);
        Paths {
            config_dir,
            data_dir,
        }
    }

    /// Both directories under one root; for tests and `--data-dir` style setups.
    pub fn under(root: &Path) -> Paths {
        Paths {
            config_dir: root.join("config"),
            data_dir: root.join("data"),
        }
    }

    pub fn config_file(&self) -> PathBuf {
        self.config_dir.join("config.toml")
    }

    /// Secrets this console saw when it created a stream or output (the API shows them
    /// once), kept so that later copy-outs and tools can use them.
    pub fn saved_secrets_file(&self) -> PathBuf {
        self.config_dir.join("client-secrets.json")
    }

    pub fn log_dir(&self) -> PathBuf {
        self.data_dir.join("logs")
    }

    /// The local server's directory inside the data directory.
    pub fn server_dir(&self) -> PathBuf {
        self.data_dir.join("server")
    }

    /// `<api-host>-credentials.json`, one per API host (and port, so that two local
    /// servers never share a session).
    pub fn credentials_file(&self, api_url: &str) -> PathBuf {
        self.config_dir
            .join(format!("{}-credentials.json", host_key(api_url)))
    }
}

/// The host part of an API URL as a file-name-safe key: `https://api.streammachine.io`
/// → `api.streammachine.io`, `http://127.0.0.1:8642/` → `127.0.0.1_8642`.
pub fn host_key(api_url: &str) -> String {
    let rest = api_url.split_once("://").map_or(api_url, |(_, r)| r);
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
    host.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Creates a directory (and parents) readable only by the user.
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// Writes a file readable only by the user, atomically (temp file + rename) so that a
/// crash never leaves half a credentials file.
pub fn write_private_file(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path.parent().unwrap_or(Path::new("."));
    create_private_dir(dir)?;
    let tmp = dir.join(format!(
        ".{}.tmp-{}",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("file"),
        std::process::id()
    ));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&tmp)?;
    file.write_all(contents)?;
    file.sync_all()?;
    drop(file);
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_keys() {
        assert_eq!(
            host_key("https://api.streammachine.io"),
            "api.streammachine.io"
        );
        assert_eq!(host_key("http://127.0.0.1:8642/"), "127.0.0.1_8642");
        assert_eq!(host_key("http://[::1]:80/v1"), "___1__80");
    }

    #[cfg(unix)]
    #[test]
    fn private_files_are_0600_in_0700_dirs() {
        use std::os::unix::fs::PermissionsExt;
        let root = tempfile::tempdir().unwrap();
        let path = root.path().join("cfg").join("x-credentials.json");
        write_private_file(&path, b"{}").unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(path.parent().unwrap()), 0o700);
        assert_eq!(std::fs::read(&path).unwrap(), b"{}");
    }
}
