//! PostgreSQL for the cluster tests: Debian's `postgresql` server (any version under
//! `/usr/lib/postgresql`, or the directory `STRM_PG_BIN` names) on a free 127.0.0.1 port,
//! from a fresh data directory, stopped on drop. PostgreSQL refuses to run as root, so
//! when the tests do, it runs as `nobody`. It can be stopped and started again on the
//! same port and data (to test a database that goes away).

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use tempfile::TempDir;

use super::{KillOnDrop, free_port, wait_listening};

/// The user the server runs as when the tests run as root.
const NOBODY: u32 = 65534;
/// Its superuser, trusted on 127.0.0.1 (no password: nothing else listens there).
const USER: &str = "strm";

pub struct Postgres {
    // Declared first, so dropped first: the server stops before its data goes.
    server: Option<KillOnDrop>,
    port: u16,
    bin: PathBuf,
    dir: TempDir,
}

/// Where Debian's PostgreSQL programs are.
fn bin_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("STRM_PG_BIN") {
        return dir.into();
    }
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .expect("PostgreSQL is installed (Debian's postgresql package, or set STRM_PG_BIN)")
        .filter_map(|e| Some(e.ok()?.path().join("bin")))
        .filter(|bin| bin.join("postgres").exists())
        .collect();
    versions.sort();
    versions
        .pop()
        .expect("a PostgreSQL server under /usr/lib/postgresql/*/bin")
}

/// A command of PostgreSQL's, as `nobody` when this process is root.
fn as_owner(program: &Path) -> Command {
    let mut cmd = Command::new(program);
    if nix::unistd::geteuid().is_root() {
        cmd.uid(NOBODY).gid(NOBODY);
    }
    cmd
}

impl Postgres {
    pub async fn start() -> Postgres {
        let bin = bin_dir();
        let dir = tempfile::tempdir().unwrap();
        if nix::unistd::geteuid().is_root() {
            std::os::unix::fs::chown(dir.path(), Some(NOBODY), Some(NOBODY)).unwrap();
        }
        let init = as_owner(&bin.join("initdb"))
            .arg("-D")
            .arg(dir.path().join("data"))
            .args(["-U", USER, "--auth=trust", "-E", "UTF8", "--no-sync"])
            .stdout(Stdio::null())
            .output()
            .expect("initdb runs");
        assert!(
            init.status.success(),
            "initdb: {}",
            String::from_utf8_lossy(&init.stderr)
        );
        let mut pg = Postgres {
            server: None,
            port: free_port(),
            bin,
            dir,
        };
        pg.start_again().await;
        pg
    }

    /// Starts the server (again) on its port and data.
    pub async fn start_again(&mut self) {
        let server = as_owner(&self.bin.join("postgres"))
            .arg("-D")
            .arg(self.dir.path().join("data"))
            .arg("-k")
            .arg(self.dir.path())
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string()])
            // A test database: nothing needs to survive a crash of the machine.
            .args(["-c", "fsync=off", "-c", "synchronous_commit=off"])
            .args(["-c", "full_page_writes=off", "-c", "max_connections=200"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("postgres starts");
        self.server = Some(KillOnDrop(server));
        wait_listening(self.port).await;
        // Listening comes a moment before accepting sessions.
        for _ in 0..100 {
            if self.psql("postgres", "SELECT 1").is_ok() {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("PostgreSQL does not accept sessions on port {}", self.port);
    }

    /// Stops the server (a fast shutdown: its sessions are cut), as an outage would.
    pub fn stop(&mut self) {
        if let Some(mut server) = self.server.take() {
            let pid = server.0.id().to_string();
            let _ = Command::new("kill").args(["-INT", &pid]).status();
            let _ = server.0.wait();
        }
    }

    /// A new, empty database; its URL.
    pub fn database(&self, name: &str) -> String {
        self.psql("postgres", &format!("CREATE DATABASE {name}"))
            .expect("CREATE DATABASE");
        self.url(name)
    }

    pub fn url(&self, database: &str) -> String {
        format!("postgres://{USER}@127.0.0.1:{}/{database}", self.port)
    }

    /// Runs SQL with psql; its output (unaligned, tuples only), or its error.
    pub fn psql(&self, database: &str, sql: &str) -> Result<String, String> {
        let out = Command::new(self.bin.join("psql"))
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string(), "-U", USER])
            .args(["-d", database, "-XAtq", "-v", "ON_ERROR_STOP=1", "-c", sql])
            .output()
            .map_err(|e| e.to_string())?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    }
}
