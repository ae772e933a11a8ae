//! With `strm-tui demo` running, the real console shows the data flow: `:xray` has the
//! chain demo-clicks → demo-level0-1 → demo-export → demo-sink (the issue's bart →
//! level0-1 → s3 → s3-bart under the demo's own names), the tail of demo-level0-1
//! filtered with `/` lists
//! only matching events and Enter shows a decrypted PII field marked as such, and
//! `:buckets` opens a batch the demo's exporter wrote.

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::Duration;

use super::pty::Console;
use super::{ENTER, ESC};
use crate::support::{KillOnDrop, strm_tui, wait_until};

/// The rows inside the open view's box.
fn rows(c: &Console) -> Vec<String> {
    c.screen
        .text()
        .lines()
        .filter_map(|row| row.strip_prefix('│'))
        .map(|row| row.trim_end().trim_end_matches('│').to_string())
        .collect()
}

/// Waits up to `secs` for the screen to satisfy `check`, pressing `key` now and then
/// (a refresh) while it does not.
fn wait_screen(c: &mut Console, secs: u64, key: &str, check: impl Fn(&str) -> bool) {
    let mut last_key = std::time::Instant::now();
    let shown = wait_until(
        Duration::from_secs(secs),
        Duration::from_millis(100),
        || {
            c.pump();
            if check(&c.screen.text()) {
                return Some(());
            }
            if !key.is_empty() && last_key.elapsed() > Duration::from_secs(5) {
                c.keys(key);
                last_key = std::time::Instant::now();
            }
            None
        },
    );
    if shown.is_none() {
        panic!("the screen never got there; it shows:\n{}", c.screen.text());
    }
}

#[test]
fn with_the_demo_running_xray_tail_filter_inspector_and_buckets_show_the_flow() {
    let root = tempfile::tempdir().unwrap();
    let mut demo = strm_tui(root.path())
        .args(["demo", "--rate", "20"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = demo.stdout.take().unwrap();
    let _demo = KillOnDrop(demo);
    let mut lines = BufReader::new(stdout).lines();
    let ready = lines.next().unwrap().unwrap();
    assert!(ready.starts_with("demo ready on "), "{ready}");
    std::thread::spawn(move || lines.for_each(drop));

    let mut c = Console::spawn(root, &[]);
    c.wait_for("┌ Streams (1/1)");

    // :xray — the whole chain, with the stream's rate.
    c.keys(":xray");
    c.keys(ENTER);
    c.wait_for("X-ray");
    wait_screen(&mut c, 20, "", |s| {
        s.contains("RUNNING") || s.contains("IDLE")
    });
    let tree = rows(&c);
    let at = |label: &str| {
        tree.iter()
            .position(|r| {
                r.split_whitespace().next() == Some(label) || r.contains(&format!("─ {label} "))
            })
            .unwrap_or_else(|| panic!("{label} in {tree:#?}"))
    };
    let (bart, output, exporter, sink) = (
        at("demo-clicks"),
        at("demo-level0-1"),
        at("demo-export"),
        at("demo-sink"),
    );
    assert!(
        bart < output && output < exporter && exporter < sink,
        "{tree:#?}"
    );
    assert!(tree[output].contains("└─ demo-level0-1"), "{tree:#?}");
    assert!(
        tree[exporter].contains("└─ demo-export ") && tree[exporter].contains("exporter"),
        "{tree:#?}"
    );
    assert!(
        tree[sink].contains("└─ demo-sink") && tree[sink].contains("strm-demo-bucket"),
        "{tree:#?}"
    );
    assert!(tree[bart].contains("/s"), "a rate: {tree:#?}");
    c.keys(ESC);

    // The tail of demo-level0-1, filtered as typed: only matching events are listed.
    c.keys("2");
    c.wait_for("┌ Outputs (1/1)");
    c.keys("t");
    c.wait_for("Tail of output demo-level0-1 of demo-clicks — decrypted view");
    wait_screen(&mut c, 20, "", |s| {
        s.contains("kept 1") || s.contains("kept 2") || s.contains("kept 3")
    });
    c.keys("/");
    c.keys("\"nonce\":-");
    wait_screen(&mut c, 20, "", |s| {
        s.lines()
            .any(|l| l.contains("/\"nonce\":-: ") && !l.contains("/\"nonce\":-: 0 of"))
    });
    let events: Vec<String> = rows(&c)
        .into_iter()
        .filter(|r| r.starts_with("{\"strmMeta\""))
        .collect();
    assert!(!events.is_empty());
    assert!(
        events.iter().all(|e| e.contains("\"nonce\":-")),
        "only matching events: {events:#?}"
    );
    c.keys(ENTER); // keep the filter
    c.keys(ENTER); // inspect the selected event
    c.wait_for("Event inspector");
    c.wait_for("DECRYPTED");
    let shown = c.screen.text();
    assert!(
        shown.contains("\"id\": \"customer-session-"),
        "the customer id in clear: {shown}"
    );
    assert!(
        shown.contains("↳ PII, consent level 0: DECRYPTED — its consent allows level 0"),
        "{shown}"
    );
    c.keys(ESC);
    c.keys(ESC);

    // :buckets — the sink, its folder, then the first batch the exporter wrote (every
    // 30 s), whose lines are the events.
    c.keys(":buckets");
    c.keys(ENTER);
    c.wait_for("Buckets — choose a sink");
    c.keys(ENTER);
    c.wait_for("▸ level01/");
    c.keys(ENTER);
    wait_screen(&mut c, 75, "r", |s| {
        s.contains("-stream-") && s.contains("{0,1,2,3,4}.jsonl")
    });
    let listed = rows(&c);
    let batch = listed.iter().position(|r| r.contains("-stream-")).unwrap();
    let first = listed
        .iter()
        .position(|r| r.contains(".strm_test_"))
        .unwrap();
    for _ in first..batch {
        c.keys("j");
    }
    c.keys(ENTER);
    c.wait_for("enter inspects an event");
    let opened = rows(&c);
    assert!(
        opened
            .iter()
            .filter(|r| r.starts_with("{\"strmMeta\""))
            .count()
            >= 1,
        "{opened:#?}"
    );
    c.keys(ENTER);
    c.wait_for("Event inspector");
    c.wait_for("DECRYPTED");
    c.quit_restores_terminal(|c| {
        c.keys(ESC);
        c.keys(ESC);
        c.keys("q");
    });
}
