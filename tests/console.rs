//! End-to-end: the real `strm-tui` binary in a pseudo-terminal, against the real local
//! server (embedded) or a silent TCP listener, read through a tiny screen model so that
//! assertions are about what a person would see.

use std::io::Read;
use std::process::Command;
use std::time::{Duration, Instant};

use base64::Engine;
use expectrl::Expect;
use expectrl::session::OsSession as Session;

const COLS: usize = 120;
const ROWS: usize = 40;

/// Enough of a terminal to follow ratatui's output: cursor moves, printable text,
/// clears; everything else (colours, modes) is skipped.
struct Screen {
    grid: Vec<Vec<char>>,
    row: usize,
    col: usize,
    raw: Vec<u8>,
    pending: Vec<u8>,
}

impl Screen {
    fn new() -> Screen {
        Screen {
            grid: vec![vec![' '; COLS]; ROWS],
            row: 0,
            col: 0,
            raw: Vec::new(),
            pending: Vec::new(),
        }
    }

    fn feed(&mut self, bytes: &[u8]) {
        self.raw.extend_from_slice(bytes);
        self.pending.extend_from_slice(bytes);
        let valid = match std::str::from_utf8(&self.pending) {
            Ok(s) => s.len(),
            Err(e) if e.error_len().is_none() => e.valid_up_to(),
            Err(_) => self.pending.len(),
        };
        let text = String::from_utf8_lossy(&self.pending[..valid]).into_owned();
        // Keep an escape sequence cut in half for the next read.
        let cut = text
            .rfind('\x1b')
            .filter(|&i| !complete_escape(&text[i..]))
            .unwrap_or(text.len());
        self.apply(&text[..cut]);
        let rest = text.as_bytes()[cut..].to_vec();
        let tail = self.pending[valid..].to_vec();
        self.pending = [rest, tail].concat();
    }

    fn apply(&mut self, text: &str) {
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\x1b' => match chars.next() {
                    Some('[') => {
                        let mut params = String::new();
                        let mut fin = ' ';
                        for c in chars.by_ref() {
                            if ('@'..='~').contains(&c) {
                                fin = c;
                                break;
                            }
                            params.push(c);
                        }
                        let nums: Vec<usize> = params
                            .split(';')
                            .map(|p| p.trim_start_matches('?').parse().unwrap_or(0))
                            .collect();
                        match fin {
                            'H' | 'f' => {
                                self.row = nums.first().copied().unwrap_or(1).max(1) - 1;
                                self.col = nums.get(1).copied().unwrap_or(1).max(1) - 1;
                            }
                            'J' if nums.first() == Some(&2) => {
                                self.grid = vec![vec![' '; COLS]; ROWS];
                            }
                            'K' if self.row < ROWS => {
                                for x in self.col..COLS {
                                    self.grid[self.row][x] = ' ';
                                }
                            }
                            _ => {}
                        }
                    }
                    // OSC / DCS: skip to BEL or ST.
                    Some(']') | Some('P') => {
                        while let Some(c) = chars.next() {
                            if c == '\x07' {
                                break;
                            }
                            if c == '\x1b' && chars.peek() == Some(&'\\') {
                                chars.next();
                                break;
                            }
                        }
                    }
                    _ => {}
                },
                '\r' => self.col = 0,
                '\n' => self.row = (self.row + 1).min(ROWS - 1),
                c if c >= ' ' => {
                    if self.row < ROWS && self.col < COLS {
                        self.grid[self.row][self.col] = c;
                    }
                    self.col += 1;
                }
                _ => {}
            }
        }
    }

    fn text(&self) -> String {
        self.grid
            .iter()
            .map(|r| r.iter().collect::<String>())
            .collect::<Vec<_>>()
            .join("\n")
    }
}

fn complete_escape(s: &str) -> bool {
    let b = s.as_bytes();
    match b.get(1) {
        None => false,
        Some(b'[') => b[2..].iter().any(|c| (b'@'..=b'~').contains(c)),
        Some(b']') | Some(b'P') => s.contains('\x07') || s[1..].contains("\x1b\\"),
        Some(_) => true,
    }
}

struct Console {
    session: Session,
    screen: Screen,
}

impl Console {
    fn spawn(root: &std::path::Path, args: &[&str]) -> Console {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_strm-tui"));
        cmd.args(args)
            .env("STRM_TUI_CONFIG_DIR", root.join("config"))
            .env("STRM_TUI_DATA_DIR", root.join("data"))
            .env("TERM", "xterm-256color")
            // OSC 52 first, as over SSH; no system clipboard in a test.
            .env("SSH_TTY", "/dev/pts/test")
            .env_remove("TMUX")
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .env_remove("STRM_API_URL")
            .env_remove("NO_COLOR");
        let mut session = Session::spawn(cmd).expect("spawn strm-tui");
        session
            .get_process_mut()
            .set_window_size(COLS as u16, ROWS as u16)
            .unwrap();
        Console {
            session,
            screen: Screen::new(),
        }
    }

    fn pump(&mut self) {
        let mut buf = [0u8; 65536];
        while let Ok(n) = self.session.try_read(&mut buf) {
            if n == 0 {
                break;
            }
            self.screen.feed(&buf[..n]);
        }
    }

    /// Waits until the screen shows `needle`.
    fn wait_for(&mut self, needle: &str) {
        let until = Instant::now() + Duration::from_secs(20);
        loop {
            self.pump();
            if self.screen.text().contains(needle) {
                return;
            }
            if Instant::now() > until {
                panic!(
                    "screen never showed {needle:?}; it shows:\n{}",
                    self.screen.text()
                );
            }
            std::thread::sleep(Duration::from_millis(30));
        }
    }

    fn keys(&mut self, keys: &str) {
        self.session.send(keys).unwrap();
        std::thread::sleep(Duration::from_millis(60));
    }

    fn wait_exit(&mut self) {
        let until = Instant::now() + Duration::from_secs(10);
        while self.session.get_process().is_alive().unwrap_or(false) {
            assert!(Instant::now() < until, "the console did not quit");
            self.pump();
            std::thread::sleep(Duration::from_millis(50));
        }
        self.pump();
        let mut rest = Vec::new();
        let _ = self.session.read_to_end(&mut rest);
        self.screen.feed(&rest);
    }
}

const TAB: &str = "\t";
const ENTER: &str = "\r";
const ESC: &str = "\x1b";
const RIGHT: &str = "\x1b[C";

fn saved_secret(root: &std::path::Path, name: &str) -> String {
    let path = root.join("config").join("client-secrets.json");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "saved secrets are private");
    }
    let all: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let (_, by_name) = all.as_object().unwrap().iter().next().unwrap();
    by_name
        .as_object()
        .unwrap()
        .iter()
        .find(|(k, _)| k.ends_with(&format!("/{name}")))
        .map(|(_, v)| v["clientSecret"].as_str().unwrap().to_string())
        .unwrap()
}

#[test]
fn console_creates_copies_drills_deletes_and_restores_the_terminal() {
    let root = tempfile::tempdir().unwrap();
    let mut c = Console::spawn(root.path(), &["--refresh-secs", "0"]);
    c.wait_for("1 Streams");
    c.wait_for("LOCAL");
    c.wait_for("Streams (0)");

    c.keys("n");
    c.wait_for("Create stream");
    c.keys("e2e-stream");
    c.keys(ENTER);
    c.wait_for("Credentials of e2e-stream");

    // Copy the secret: OSC 52 carries it base64-encoded.
    let before = c.screen.raw.len();
    c.keys("s");
    c.wait_for("Copied clientSecret (OSC 52");
    let secret = saved_secret(root.path(), "e2e-stream");
    let sent = String::from_utf8_lossy(&c.screen.raw[before..]).into_owned();
    let b64 = base64::engine::general_purpose::STANDARD.encode(&secret);
    assert!(
        sent.contains(&format!("\x1b]52;c;{b64}\x07")),
        "no OSC 52 with the secret"
    );

    c.keys(ESC);
    c.wait_for("Streams (1)");
    c.wait_for("e2e-stream");

    c.keys(ENTER);
    c.wait_for("Streams › e2e-stream › Outputs (0)");
    c.keys("n");
    c.wait_for("Create output");
    c.keys(TAB);
    c.keys("e2e-out");
    c.keys(TAB);
    c.keys(RIGHT); // GRANULAR
    c.keys(TAB);
    c.keys("0,1");
    c.keys(ENTER);
    c.wait_for("Credentials of e2e-out");
    c.keys(ESC);
    c.wait_for("Streams › e2e-stream › Outputs (1)");
    c.wait_for("GRANULAR");

    c.keys("d");
    c.wait_for("Delete output e2e-out");
    c.keys(RIGHT);
    c.keys(ENTER);
    c.wait_for("Streams › e2e-stream › Outputs (0)");

    c.keys(ESC);
    c.wait_for("┌ Streams (1)");
    c.keys("d");
    c.wait_for("Type e2e-stream to confirm");
    c.keys("e2e-stream");
    c.keys(RIGHT);
    c.keys(ENTER);
    c.wait_for("┌ Streams (0)");

    let before = c.screen.raw.len();
    c.keys("q");
    c.wait_exit();
    let tail = String::from_utf8_lossy(&c.screen.raw[before..]).into_owned();
    assert!(
        tail.contains("\x1b[?1049l"),
        "alternate screen left: {tail:?}"
    );
    assert!(tail.contains("\x1b[?25h"), "cursor shown again: {tail:?}");
}

#[test]
fn keys_work_while_the_api_never_answers() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for sock in listener.incoming() {
            held.push(sock);
        }
    });
    let root = tempfile::tempdir().unwrap();
    let paths = strm_client::paths::Paths::under(root.path());
    strm_client::CredentialStore::for_api(&paths, &url)
        .save(&strm_model::AuthResponse {
            email: "a@b.c".into(),
            billing_id: "a0000000001".into(),
            expires_at: strm_client::now_epoch_secs() + 3600,
            id_token: "id".into(),
            refresh_token: "rt".into(),
        })
        .unwrap();
    let mut c = Console::spawn(root.path(), &["--api-url", &url]);
    c.wait_for("1 Streams");
    c.wait_for("a@b.c");
    c.keys("2");
    c.wait_for("┌ Outputs (0)");
    c.keys("/abc");
    c.wait_for("(0/0) /abc");
    c.keys(ESC);
    c.keys("?");
    c.wait_for("Help — keys from the live keymap");
    c.keys(ESC);
    // SIGTERM leaves the terminal as it found it, even with requests hanging.
    let before = c.screen.raw.len();
    let pid = c.session.get_process().pid().to_string();
    let killed = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(killed.success());
    c.wait_exit();
    let tail = String::from_utf8_lossy(&c.screen.raw[before..]).into_owned();
    assert!(
        tail.contains("\x1b[?1049l"),
        "alternate screen left: {tail:?}"
    );
    assert!(tail.contains("\x1b[?25h"), "cursor shown again: {tail:?}");
}

/// The API address, billingId, clientId and clientSecret the console saved for `name`.
fn saved_triplet(root: &std::path::Path, name: &str) -> (String, String, String, String) {
    let path = root.join("config").join("client-secrets.json");
    let all: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let (host, by_name) = all.as_object().unwrap().iter().next().unwrap();
    let (key, saved) = by_name
        .as_object()
        .unwrap()
        .iter()
        .find(|(k, _)| k.ends_with(&format!("/{name}")))
        .unwrap();
    // The host key is `127.0.0.1_PORT`.
    let url = format!("http://{}", host.replacen('_', ":", 1));
    let billing = key.split('/').next().unwrap().to_string();
    let field = |f: &str| saved[f].as_str().unwrap().to_string();
    (url, billing, field("clientId"), field("clientSecret"))
}

/// The text inside the tail's box, rows joined, so that a wrapped event reads whole.
fn tail_text(screen: &Screen) -> String {
    screen
        .text()
        .lines()
        .filter_map(|row| row.strip_prefix('│'))
        .map(|row| row.trim_end().trim_end_matches('│'))
        .collect()
}

#[test]
fn tail_shows_events_sent_to_a_stream_created_in_the_console() {
    let root = tempfile::tempdir().unwrap();
    let mut c = Console::spawn(root.path(), &["--refresh-secs", "0"]);
    c.wait_for("Streams (0)");
    c.keys("n");
    c.wait_for("Create stream");
    c.keys("tail-e2e");
    c.keys(ENTER);
    c.wait_for("Credentials of tail-e2e");
    c.keys(ESC);
    c.wait_for("┌ Streams (1)");

    c.keys("t");
    c.wait_for("Tail of stream tail-e2e — encrypted view");
    c.wait_for("● live");
    c.keys("w"); // wrap: the url comes after strmMeta

    let (url, billing_id, client_id, client_secret) = saved_triplet(root.path(), "tail-e2e");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        use strm_client::events::{EventClient, EventHosts};
        let client = EventClient::new(
            EventHosts::single(&url).unwrap(),
            strm_model::EventAuthRequest {
                billing_id,
                client_id,
                client_secret,
            },
        )
        .unwrap();
        let mut event = strm_tui::simulate::clickstream_event(&mut rand::rng());
        event["url"] = "https://e2e.example/tail-check".into();
        event["strmMeta"]["consentLevels"] = serde_json::json!([0, 1]);
        client.send_json("clickstream", &event).await.unwrap();
    });

    let until = Instant::now() + Duration::from_secs(20);
    loop {
        c.pump();
        let text = tail_text(&c.screen);
        if text.contains("\"url\":\"https://e2e.example/tail-check\"") {
            // The stream's view: the customer id is encrypted, not `customer-session-…`.
            assert!(!text.contains("\"id\":\"customer-session-"), "{text}");
            break;
        }
        assert!(
            Instant::now() < until,
            "the event never showed; the screen shows:\n{}",
            c.screen.text()
        );
        std::thread::sleep(Duration::from_millis(30));
    }
    c.wait_for("received 1  dropped 0  kept 1/500");

    c.keys(ESC);
    c.wait_for("┌ Streams (1)");
    c.keys("q");
    c.wait_exit();
}
