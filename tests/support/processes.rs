//! Child processes: the `strm-tui` binary in a home of its own, and a guard that kills a
//! child when the test ends, passed or failed.

use std::path::Path;
use std::process::{Child, Command, Output};

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

/// Runs `cmd` to its end; it must succeed (`what` names it when it does not).
#[allow(dead_code, reason = "the benches run no commands")]
pub fn run_ok(cmd: &mut Command, what: &str) -> Output {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{what} does not start: {e}"));
    succeeded(out, what)
}

/// The output of a process that must have succeeded (`what` names it when it did not).
#[allow(dead_code, reason = "the benches run no commands")]
pub fn succeeded(out: Output, what: &str) -> Output {
    assert!(
        out.status.success(),
        "{what} failed ({:?}): {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// `strm-tui serve` on `root`'s data directory, as its own process, once it listens;
/// with its URL. Commands and consoles on `root` join it.
#[allow(dead_code, reason = "the benches do not serve")]
pub fn serve_in(root: &Path) -> (KillOnDrop, String) {
    serve_with(root, &[])
}

/// `serve_in` with more options for `serve`.
#[allow(dead_code, reason = "the benches do not serve")]
pub fn serve_with(root: &Path, options: &[String]) -> (KillOnDrop, String) {
    use std::io::BufRead;
    let child = strm_tui(root)
        .args(["serve", "--addr", "127.0.0.1:0"])
        .args(options)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("strm-tui serve starts");
    let mut child = KillOnDrop(child);
    let stderr = child.0.stderr.take().expect("piped");
    let mut lines = std::io::BufReader::new(stderr).lines();
    let url = lines
        .by_ref()
        .map_while(Result::ok)
        .find_map(|line| {
            line.split_once("listening on ")
                .map(|(_, u)| u.trim().to_string())
        })
        .expect("serve prints its URL");
    // Keep reading so the server's log lines never meet a closed pipe.
    std::thread::spawn(move || lines.for_each(drop));
    (child, url)
}
