//! `strm-tui serve` as its own process (the real binary), its log captured, and what the
//! kernel says about it (memory, descriptors).

use std::io::BufRead;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::{KillOnDrop, strm_tui};

/// A running `strm-tui serve`, killed when dropped.
pub struct Served {
    pub child: KillOnDrop,
    pub url: String,
    log: Arc<Mutex<String>>,
}

impl Served {
    /// `strm-tui serve` with its config and data below `root`, the extra `args` (on
    /// `--addr 127.0.0.1:0` unless they give an address) and environment `envs`; returns
    /// once it prints its URL.
    pub fn start(root: &Path, args: &[&str], envs: &[(&str, &str)]) -> Served {
        let mut cmd = strm_tui(root);
        cmd.arg("serve");
        if !args.contains(&"--addr") {
            cmd.args(["--addr", "127.0.0.1:0"]);
        }
        cmd.args(args);
        Served::spawn(cmd, envs, None)
    }

    /// `strm-tui serve --user EMAIL` with the password `PASSWORD` in `STRM_TUI_PASSWORD`,
    /// logging at `log` (`RUST_LOG`), in a fresh temporary directory kept beside it.
    pub fn with_user(email: &str, log: &str) -> (tempfile::TempDir, Served) {
        let dir = tempfile::tempdir().unwrap();
        let served = Served::start(
            dir.path(),
            &["--user", email],
            &[("STRM_TUI_PASSWORD", super::PASSWORD), ("RUST_LOG", log)],
        );
        (dir, served)
    }

    /// Like `start`, from a prepared command, with `stdin` written to the child first.
    pub fn spawn(mut cmd: Command, envs: &[(&str, &str)], stdin: Option<&str>) -> Served {
        cmd.envs(envs.iter().copied())
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stderr(Stdio::piped());
        let mut child = KillOnDrop(cmd.spawn().expect("strm-tui serve starts"));
        if let Some(text) = stdin {
            use std::io::Write;
            let mut input = child.0.stdin.take().unwrap();
            input.write_all(text.as_bytes()).unwrap();
        }
        let log = Arc::new(Mutex::new(String::new()));
        let (url_tx, url_rx) = std::sync::mpsc::channel();
        let lines = std::io::BufReader::new(child.0.stderr.take().unwrap()).lines();
        let kept = log.clone();
        // Reads to the end, so the server never writes into a closed pipe.
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                // Kept before the URL is handed over: a caller that reads the log as
                // soon as it has the URL finds the line that gave it.
                let url = line
                    .split_once("listening on ")
                    .map(|(_, url)| url.trim().to_string());
                {
                    let mut log = kept.lock().unwrap();
                    log.push_str(&line);
                    log.push('\n');
                }
                if let Some(url) = url {
                    let _ = url_tx.send(url);
                }
            }
        });
        let url = url_rx
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("serve printed no URL: {}", log.lock().unwrap()));
        Served { child, url, log }
    }

    pub fn pid(&self) -> u32 {
        self.child.0.id()
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.url.rsplit(':').next().unwrap().parse().unwrap()
    }

    /// Everything it wrote to stderr so far.
    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// Its memory: (resident now, the most it was resident), in MiB.
    pub fn memory_mib(&self) -> (u64, u64) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap();
        let kib = |key: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(key))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
                .unwrap_or_else(|| panic!("no {key} in {status}"))
        };
        (kib("VmRSS:") / 1024, kib("VmHWM:") / 1024)
    }

    /// What `ps` shows of it: its command line.
    pub fn command_line(&self) -> String {
        std::fs::read_to_string(format!("/proc/{}/cmdline", self.pid()))
            .unwrap()
            .replace('\0', " ")
    }
}

/// Raises this process's soft limit of open files to the hard one, for tests that hold
/// thousands of connections; the new soft limit.
pub fn raise_open_files_limit() -> u64 {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    let (_, hard) = getrlimit(Resource::RLIMIT_NOFILE).unwrap();
    setrlimit(Resource::RLIMIT_NOFILE, hard, hard).unwrap();
    hard
}
