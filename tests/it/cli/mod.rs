//! The seed's CLI walkthrough, run with the real `strm-tui` binary against the real local
//! server on 127.0.0.1, plus the error paths and exit codes scripts rely on.

mod cluster;
mod completion;
mod contracts;
mod errors;
mod local;
mod observe;
mod serve_passwords;
mod shell;
mod walkthrough;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

use crate::support::{EMAIL, LocalServer, PASSWORD, strm_tui, succeeded};

/// A config and data directory of its own, so no test sees the user's files or another
/// test's session.
struct Home {
    dir: tempfile::TempDir,
    api: Option<String>,
}

impl Home {
    fn new(api: Option<&str>) -> Home {
        Home {
            dir: tempfile::tempdir().unwrap(),
            api: api.map(str::to_string),
        }
    }

    /// A home whose CLI is signed in to `server` as the seed's account.
    fn signed_in(server: &LocalServer) -> Home {
        let home = Home::new(Some(&server.url()));
        home.ok(&["auth", "login", "-e", EMAIL, "-p", PASSWORD]);
        home
    }

    fn config_dir(&self) -> PathBuf {
        self.dir.path().join("config")
    }

    fn file(&self, name: &str, contents: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, contents).unwrap();
        path
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = Command::from_std(strm_tui(self.dir.path()));
        cmd.current_dir(self.dir.path()).args(args);
        if let Some(api) = &self.api {
            cmd.args(["--api-url", api]);
        }
        cmd
    }

    /// Runs a command that must succeed and returns its stdout.
    fn ok(&self, args: &[&str]) -> String {
        String::from_utf8(self.ok_bytes(args)).unwrap()
    }

    /// The same, for a command whose output is not text.
    fn ok_bytes(&self, args: &[&str]) -> Vec<u8> {
        succeeded(self.cmd(args).output().unwrap(), &format!("{args:?}")).stdout
    }

    fn json(&self, args: &[&str]) -> Value {
        let text = self.ok(args);
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{args:?}: {e}: {text}"))
    }

    /// Runs a command that must fail with `code`; returns its one stderr line.
    fn fails(&self, args: &[&str], code: i32) -> String {
        let out = self.cmd(args).output().unwrap();
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(out.status.code(), Some(code), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?} printed to stdout");
        stderr
    }

    fn credentials_file(&self) -> PathBuf {
        strm_client::paths::Paths {
            config_dir: self.config_dir(),
            data_dir: self.dir.path().join("data"),
        }
        .credentials_file(self.api.as_deref().unwrap())
    }
}

/// The local server in this process, with the seed's account.
async fn server() -> LocalServer {
    let local = LocalServer::start().await;
    local.account(EMAIL).await;
    local
}

/// A command line's arguments (none of them with a space).
fn words(line: &str) -> Vec<&str> {
    line.split_whitespace().collect()
}

fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}
