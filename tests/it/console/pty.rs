//! The real `strm-tui` binary in a pseudo-terminal of 120×40.

use std::io::Read;
use std::path::Path;
use std::time::Duration;

use expectrl::Expect;
use expectrl::session::OsSession as Session;
use tempfile::TempDir;

use super::ENTER;
use super::screen::{COLS, ROWS, Screen};
use crate::support::{strm_tui, wait_until};

/// The console's session, what its screen shows, and its home.
pub struct Console {
    pub session: Session,
    pub screen: Screen,
    root: std::path::PathBuf,
    // Removed with the console when the console owns its home.
    _owned: Option<TempDir>,
}

impl Console {
    /// Starts `strm-tui args` in a home of its own.
    pub fn start(args: &[&str]) -> Console {
        Console::spawn(tempfile::tempdir().unwrap(), args)
    }

    /// Starts `strm-tui args` with its config and data under `root`.
    pub fn spawn(root: TempDir, args: &[&str]) -> Console {
        let mut c = Console::spawn_in(root.path(), args, COLS, ROWS);
        c._owned = Some(root);
        c
    }

    /// Starts `strm-tui args` in a `cols`×`rows` terminal with its config and data under
    /// `root`, which others (a demo, another console) may share.
    pub fn spawn_in(root: &Path, args: &[&str], cols: usize, rows: usize) -> Console {
        let mut cmd = strm_tui(root);
        cmd.args(args)
            .env("TERM", "xterm-256color")
            // OSC 52 first, as over SSH; no system clipboard in a test.
            .env("SSH_TTY", "/dev/pts/test")
            .env_remove("TMUX")
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .env_remove("NO_COLOR");
        let mut session = Session::spawn(cmd).expect("spawn strm-tui");
        session
            .get_process_mut()
            .set_window_size(cols as u16, rows as u16)
            .unwrap();
        Console {
            session,
            screen: Screen::new(cols, rows),
            root: root.to_path_buf(),
            _owned: None,
        }
    }

    /// Where the console keeps its config (`config/`) and data (`data/`).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Waits until `check` finds what it wants on the screen, and answers it.
    pub fn wait_until<T>(&mut self, what: &str, mut check: impl FnMut(&str) -> Option<T>) -> T {
        let found = wait_until(Duration::from_secs(20), Duration::from_millis(30), || {
            self.pump();
            check(&self.screen.text())
        });
        found.unwrap_or_else(|| {
            panic!(
                "screen never showed {what}; it shows:\n{}",
                self.screen.text()
            )
        })
    }

    /// Feeds the screen everything the console has written so far.
    pub fn pump(&mut self) {
        let mut buf = [0u8; 65536];
        while let Ok(n) = self.session.try_read(&mut buf) {
            if n == 0 {
                break;
            }
            self.screen.feed(&buf[..n]);
        }
    }

    /// Waits until the screen shows `needle`.
    pub fn wait_for(&mut self, needle: &str) {
        let shown = wait_until(Duration::from_secs(20), Duration::from_millis(30), || {
            self.pump();
            self.screen.text().contains(needle).then_some(())
        });
        if shown.is_none() {
            panic!(
                "screen never showed {needle:?}; it shows:\n{}",
                self.screen.text()
            );
        }
    }

    /// Everything the console wrote since it had written `before` bytes.
    pub fn written_since(&self, before: usize) -> String {
        String::from_utf8_lossy(&self.screen.raw[before..]).into_owned()
    }

    /// Whether the console put `text` on the terminal's clipboard (OSC 52, base64) since it
    /// had written `before` bytes.
    pub fn copied_since(&self, before: usize, text: &str) -> bool {
        use base64::Engine;
        let b64 = base64::engine::general_purpose::STANDARD.encode(text);
        self.written_since(before)
            .contains(&format!("\x1b]52;c;{b64}\x07"))
    }

    /// Creates the stream `name` with the form, up to its credentials.
    pub fn create_stream(&mut self, name: &str) {
        self.keys("n");
        self.wait_for("Create stream");
        self.keys(name);
        self.keys(ENTER);
        self.wait_for(&format!("Credentials of {name}"));
    }

    /// Makes the console quit with `quit` and checks that it left the terminal as it found
    /// it: the alternate screen left, the cursor shown again.
    pub fn quit_restores_terminal(&mut self, quit: impl FnOnce(&mut Console)) {
        let before = self.screen.raw.len();
        quit(self);
        self.wait_exit();
        let tail = self.written_since(before);
        assert!(
            tail.contains("\x1b[?1049l"),
            "alternate screen left: {tail:?}"
        );
        assert!(tail.contains("\x1b[?25h"), "cursor shown again: {tail:?}");
    }

    pub fn keys(&mut self, keys: &str) {
        self.session.send(keys).unwrap();
        std::thread::sleep(Duration::from_millis(60));
    }

    /// Waits for the console to quit, then reads the rest of what it wrote.
    pub fn wait_exit(&mut self) {
        let quit = wait_until(Duration::from_secs(10), Duration::from_millis(50), || {
            self.pump();
            (!self.session.get_process().is_alive().unwrap_or(false)).then_some(())
        });
        assert!(quit.is_some(), "the console did not quit");
        self.pump();
        let mut rest = Vec::new();
        let _ = self.session.read_to_end(&mut rest);
        self.screen.feed(&rest);
    }
}
