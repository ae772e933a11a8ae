//! The console's settings from `Paths::config_file()` (TOML). A missing file is the
//! defaults; a broken one is reported and the defaults are used.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

pub const DEFAULT_REFRESH_SECS: u64 = 10;

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub api_url: Option<String>,
    /// Auto-refresh interval; 0 turns it off.
    pub refresh_secs: Option<u64>,
    pub theme: Option<String>,
    pub mouse: Option<bool>,
    /// Action name → keys, e.g. `quit = ["ctrl-q"]` or `quit = "ctrl-q"`.
    #[serde(default)]
    pub keys: BTreeMap<String, OneOrMany>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl Config {
    /// The config and any problem found reading it (for the error log).
    pub fn load(path: &Path) -> (Config, Option<String>) {
        match std::fs::read_to_string(path) {
            Ok(text) => match toml::from_str(&text) {
                Ok(c) => (c, None),
                Err(e) => (
                    Config::default(),
                    Some(format!(
                        "{}: {}; using the defaults",
                        path.display(),
                        e.message()
                    )),
                ),
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => (Config::default(), None),
            Err(e) => (
                Config::default(),
                Some(format!("{}: cannot read: {e}", path.display())),
            ),
        }
    }

    pub fn key_overrides(&self) -> BTreeMap<String, Vec<String>> {
        self.keys
            .iter()
            .map(|(k, v)| {
                let keys = match v {
                    OneOrMany::One(s) => vec![s.clone()],
                    OneOrMany::Many(v) => v.clone(),
                };
                (k.clone(), keys)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_setting() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(
            &path,
            "api_url = \"http://127.0.0.1:1\"\nrefresh_secs = 5\ntheme = \"mono\"\nmouse = true\n[keys]\nquit = \"ctrl-q\"\nhelp = [\"?\", \"F1\"]\n",
        )
        .unwrap();
        let (c, problem) = Config::load(&path);
        assert_eq!(problem, None);
        assert_eq!(c.api_url.as_deref(), Some("http://127.0.0.1:1"));
        assert_eq!(c.refresh_secs, Some(5));
        assert_eq!(c.mouse, Some(true));
        assert_eq!(c.key_overrides()["help"], vec!["?", "F1"]);
    }

    #[test]
    fn a_broken_file_is_named_and_defaults_used() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, "refresh_secs = \"often\"\n").unwrap();
        let (c, problem) = Config::load(&path);
        assert_eq!(c, Config::default());
        let problem = problem.unwrap();
        assert!(problem.contains("config.toml"), "{problem}");
    }
}
