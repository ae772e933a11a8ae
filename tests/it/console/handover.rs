//! The local server outlives whichever process runs it: when the demo that runs it quits,
//! the console takes it over and its tail reconnects by itself, saying so; when the
//! console that runs it quits, a running demo takes it over and keeps sending.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use super::pty::Console;
use super::screen::{COLS, ROWS};
use crate::support::{KillOnDrop, run_ok, strm_tui};

/// `strm-tui demo` on `root`, its output lines sent to the receiver as they come.
fn demo(root: &std::path::Path, args: &[&str]) -> (KillOnDrop, mpsc::Receiver<String>) {
    let mut child: Child = strm_tui(root)
        .arg("demo")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, rx) = mpsc::channel();
    let out = child.stdout.take().unwrap();
    let err = child.stderr.take().unwrap();
    for stream in [Box::new(out) as Box<dyn Read + Send>, Box::new(err)] {
        let tx = tx.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
    }
    (KillOnDrop(child), rx)
}

/// Waits for a line containing `needle`; answers every line seen up to it.
fn line_with(rx: &mpsc::Receiver<String>, needle: &str) -> Vec<String> {
    let mut seen = Vec::new();
    loop {
        match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(line) => {
                let done = line.contains(needle);
                seen.push(line);
                if done {
                    return seen;
                }
            }
            Err(_) => panic!("no line with {needle:?}; the demo printed {seen:?}"),
        }
    }
}

/// The tail's `received N` count on the screen.
fn received(screen: &str) -> Option<u64> {
    let (_, rest) = screen.split_once("received ")?;
    rest.split_whitespace().next()?.parse().ok()
}

#[test]
fn the_console_takes_over_from_a_demo_that_quits_and_its_tail_reconnects() {
    let root = tempfile::tempdir().unwrap();
    let (mut running, lines) = demo(root.path(), &["--rate", "20"]);
    line_with(&lines, "demo ready on");
    let mut c = Console::spawn_in(root.path(), &["--refresh-secs", "0"], COLS, ROWS);
    c.wait_for("demo-clicks");
    c.keys("t");
    c.wait_for("Tail of stream demo-clicks");
    c.wait_for("● live");
    c.wait_until("events", |s| received(s).filter(|&n| n > 0));

    // The demo (and with it the server it ran) goes away.
    running.0.kill().unwrap();
    running.0.wait().unwrap();
    let before = c.wait_until("the tail reconnected", |s| {
        s.contains("● live (reconnected)")
            .then(|| received(s))
            .flatten()
    });
    // Events sent now reach the server the console runs, and the tail shows them.
    let args = ["simulate", "demo-clicks", "--count", "5", "--rate", "50"];
    run_ok(strm_tui(root.path()).args(args), "strm-tui simulate");
    c.wait_until("5 more events", |s| {
        received(s).filter(|&n| n >= before + 5)
    });
    c.keys("q");
    c.keys("q");
    c.wait_exit();
}

#[test]
fn quitting_the_console_that_runs_the_server_does_not_stop_a_demo() {
    let root = tempfile::tempdir().unwrap();
    let mut c = Console::spawn_in(root.path(), &["--refresh-secs", "0"], COLS, ROWS);
    c.wait_for("LOCAL");
    c.wait_for("Streams (0)");
    let (mut running, lines) = demo(root.path(), &["--rate", "20", "--count", "100"]);
    line_with(&lines, "demo ready on");
    c.keys("q");
    c.wait_exit();
    line_with(&lines, "taking it over");
    line_with(&lines, "this process runs the local server now");
    line_with(&lines, "100 events sent to demo-clicks");
    let status = running.0.wait().unwrap();
    assert!(status.success(), "the demo finished its events: {status:?}");
}
