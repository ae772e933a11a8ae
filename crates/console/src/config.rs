//! The console's settings from `Paths::config_file()` (TOML). A missing file is the
//! defaults; a broken one is reported and the defaults are used.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use strm_model::Invalid;

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
    /// The config file; a missing file is the defaults. A file that is not valid names
    /// the line, the value and what it may be (toml's words: "unknown field `them`,
    /// expected one of `api_url`, ..."), and the console does not start.
    pub fn load(path: &Path) -> Result<Config, Invalid> {
        match std::fs::read_to_string(path) {
            Ok(text) => toml::from_str(&text).map_err(|e| {
                let line = e
                    .span()
                    .map(|s| text[..s.start.min(text.len())].lines().count().max(1));
                let at = line.map_or(String::new(), |l| format!(" line {l}"));
                Invalid::new(
                    format!("{}{at}", path.display()),
                    e.message().trim().to_string(),
                    "fix or remove it (the README's console section lists every setting)",
                )
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Config::default()),
            Err(e) => Err(Invalid::new(
                path.display().to_string(),
                format!("cannot read: {e}"),
                "make it readable, or remove it",
            )),
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
    use strm_testkit::Scratch;

    #[test]
    fn reads_every_setting() {
        let settings = "api_url = \"http://127.0.0.1:1\"\nrefresh_secs = 5\ntheme = \"mono\"\nmouse = true\n[keys]\nquit = \"ctrl-q\"\nhelp = [\"?\", \"F1\"]\n";
        let (_dir, path) = Scratch::with_file("config.toml", settings);
        let c = Config::load(&path).unwrap();
        assert_eq!(c.api_url.as_deref(), Some("http://127.0.0.1:1"));
        assert_eq!(c.refresh_secs, Some(5));
        assert_eq!(c.mouse, Some(true));
        assert_eq!(c.key_overrides()["help"], vec!["?", "F1"]);
    }

    #[test]
    fn a_broken_file_names_the_file_the_value_and_what_it_may_be() {
        let dir = Scratch::new();
        let path = dir.file("config.toml", "mouse = true\nrefresh_secs = \"often\"\n");
        let problem = Config::load(&path).unwrap_err().to_string();
        assert!(problem.contains("config.toml line 2"), "{problem}");
        assert!(problem.contains("\"often\""), "{problem}");
        std::fs::write(&path, "them = \"dark\"\n").unwrap();
        let problem = Config::load(&path).unwrap_err().to_string();
        assert!(
            problem.contains("unknown field `them`") && problem.contains("`theme`"),
            "{problem}"
        );
        assert_eq!(Config::load(&dir.path("none.toml")), Ok(Config::default()));
    }
}
