//! At 60×15 every create form shows each of its fields as the focus reaches it, and a
//! stream can be created and deleted at that size.

use super::pty::Console;
use super::{ENTER, ESC, TAB};

/// Each tab's form: its title and its fields' labels, in order.
const FORMS: &[(&str, &str, &[&str])] = &[
    ("1", "Create stream", &["name", "description", "tags"]),
    (
        "2",
        "Create output",
        &[
            "stream",
            "name",
            "consent type",
            "consent levels",
            "description",
            "tags",
        ],
    ),
    (
        "3",
        "Create sink",
        &[
            "type",
            "name",
            "bucket",
            "credentials file",
            "credentials JSON",
        ],
    ),
    (
        "4",
        "Create exporter",
        &[
            "stream or output",
            "name",
            "sink",
            "interval (s)",
            "path prefix",
            "export keys",
        ],
    ),
    ("5", "Name a consent level", &["id", "name"]),
];

#[test]
fn every_form_is_usable_at_60_by_15() {
    let root = tempfile::tempdir().unwrap();
    let mut c = Console::spawn_in(root.path(), &["--refresh-secs", "0"], 60, 15);
    c.wait_for("Streams (0)");
    for (tab, title, labels) in FORMS {
        c.keys(tab);
        c.keys("n");
        c.wait_for(title);
        for (i, label) in labels.iter().enumerate() {
            // The focused field's row: its label, then its input.
            c.wait_until(&format!("{title}: {label}"), |screen| {
                screen
                    .lines()
                    .any(|row| row.trim_start_matches('│').trim_start().starts_with(label))
                    .then_some(())
            });
            if i + 1 < labels.len() {
                c.keys(TAB);
            }
        }
        c.keys(ESC);
        c.wait_until("the form closed", |s| (!s.contains(title)).then_some(()));
    }
    // A stream made and deleted at this size.
    c.keys("1");
    c.keys("n");
    c.wait_for("Create stream");
    c.keys("small");
    c.keys(ENTER);
    c.wait_for("Credentials of small");
    c.keys(ESC);
    c.keys("d");
    c.wait_for("Type small to confirm");
    c.keys("small");
    c.keys(ENTER);
    c.wait_for("Deleted stream small");
    c.keys("q");
    c.wait_exit();
}
