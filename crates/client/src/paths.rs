//! The one definition of where strm-tui keeps its files. Every override an environment
//! variable allows is read here and nowhere else.

use std::path::{Path, PathBuf};

pub use strm_model::files::{create_private_dir, write_new_private_file, write_private_file};

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
}
