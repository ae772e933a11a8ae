//! Child processes: the `strm-tui` binary in a home of its own, and a guard that kills a
//! child when the test ends, passed or failed.

use std::path::Path;
use std::process::{Child, Command};

/// A child process killed (and reaped) when dropped, so that a failed assertion leaves no
/// server or peer running.
pub struct KillOnDrop(pub Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The `strm-tui` binary with its config in `root/config` and its data in `root/data`,
/// so that it sees neither the user's files nor another test's, and without the caller's
/// `STRM_API_URL`.
pub fn strm_tui(root: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_strm-tui"));
    cmd.env("STRM_TUI_CONFIG_DIR", root.join("config"))
        .env("STRM_TUI_DATA_DIR", root.join("data"))
        .env_remove("STRM_API_URL");
    cmd
}
