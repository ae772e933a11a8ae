//! Forgetting a person: deleting a data subject destroys the keys that encrypted their
//! personal data. The output's next export skips their events while others still
//! decrypt, the source stream keeps the ciphertext, a restart changes nothing, and the
//! key's bytes are gone from every file of the data directory (the SQLite database and
//! its write-ahead log included; the event log never held them).

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::{checkout, is_ciphertext, next_json, register_checkout};
use crate::support::{LocalServer, cumulative, exporter, sink, wait_for};

/// Every file under `dir` but the local buckets (exported key batches are the account's
/// own copies and stay, as the spec says).
fn data_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                if path.file_name().is_some_and(|n| n != "buckets") {
                    todo.push(path);
                }
            } else {
                out.push(path);
            }
        }
    }
    out
}

/// The files under `dir` that hold `needle`.
fn files_holding(dir: &Path, needle: &[u8]) -> Vec<PathBuf> {
    data_files(dir)
        .into_iter()
        .filter(|f| {
            std::fs::read(f)
                .map(|bytes| bytes.windows(needle.len()).any(|w| w == needle))
                .unwrap_or(false)
        })
        .collect()
}

/// The key material of every key linked to `subject`, read from the database.
fn key_material(data_dir: &Path, subject: &str) -> Vec<Vec<u8>> {
    let db = rusqlite::Connection::open(data_dir.join("strm.db")).unwrap();
    let mut stmt = db
        .prepare(
            "SELECT k.material FROM dp_keys k JOIN dp_subject_keys l ON l.account = k.account
             AND l.stream = k.stream AND l.key_id = k.key_id WHERE l.subject = ?1",
        )
        .unwrap();
    stmt.query_map([subject], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// The lines of every event batch under `dir`, once one of them has a line `until`
/// accepts.
async fn batches(dir: &Path, until: impl Fn(&Value) -> bool) -> Vec<Value> {
    wait_for(75, async || {
        let mut lines = Vec::new();
        for entry in std::fs::read_dir(dir).ok()?.flatten() {
            if entry.file_name().to_string_lossy().contains("-stream-") {
                let text = std::fs::read_to_string(entry.path()).ok()?;
                lines.extend(
                    text.lines()
                        .map(|l| serde_json::from_str::<Value>(l).unwrap()),
                );
            }
        }
        lines.iter().any(&until).then_some(lines)
    })
    .await
}

/// The ids of the account's listed data subjects.
async fn subject_ids(api: &strm_client::ApiClient) -> Vec<String> {
    let page = api.list_data_subjects(None, None, None).await.unwrap();
    page.data_subjects.into_iter().map(|d| d.id).collect()
}

fn export(name: &str, prefix: &str) -> strm_model::ExporterCreate {
    let mut e = exporter(name, "local", 30);
    e.path_prefix = Some(prefix.into());
    e
}

/// Waits until the current 30-second batch window has at least 12 s left, so that
/// events sent now and a deletion right after land before the batch is cut.
async fn early_in_a_window() {
    loop {
        let now = strm_model::now_epoch_ms();
        if now % 30_000 < 18_000 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forgetting_a_person_makes_their_events_unreadable_everywhere() {
    let local = LocalServer::start().await;
    let everything = cumulative("everything", 2);
    let s = local
        .scenario("forget@example.com", "shop", everything)
        .await;
    register_checkout(&s.api).await;
    s.api
        .create_sink(&sink("local", "forget-bucket", None))
        .await
        .unwrap();
    s.api
        .create_exporter("everything", &export("out", "out"))
        .await
        .unwrap();
    s.api
        .create_exporter("shop", &export("src", "src"))
        .await
        .unwrap();
    let sender = s.client(&s.stream);
    let mut output_tail = s.client(&s.output).receive(true).await.unwrap();
    let r = "acme/checkout/1.0.0";
    // Some traffic first, so that the keys' pages are not the only ones written.
    for n in 0..40 {
        let e = checkout(&format!("warm-{n}"), &format!("warm-{n}"), &[]);
        sender.send_json(r, &e).await.unwrap();
    }

    early_in_a_window().await;
    // Alice and Dave share session s-1 (one key); Bob has his own.
    for (session, who) in [("s-1", "alice"), ("s-2", "bob"), ("s-1", "dave")] {
        sender
            .send_json(r, &checkout(session, who, &[0, 1, 2]))
            .await
            .unwrap();
        assert_eq!(next_json(&mut output_tail).await["customer"]["id"], who);
    }
    let page = s
        .api
        .list_data_subjects(Some("a"), None, None)
        .await
        .unwrap();
    assert_eq!(page.data_subjects.len(), 1);
    assert_eq!(
        (
            page.data_subjects[0].id.as_str(),
            page.data_subjects[0].key_links
        ),
        ("alice", 1)
    );
    let first = s.api.list_data_subjects(None, None, Some(2)).await.unwrap();
    let ids: Vec<&str> = first.data_subjects.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(ids, ["alice", "bob"]);
    let rest = s
        .api
        .list_data_subjects(None, first.next.as_deref(), Some(2))
        .await
        .unwrap();
    assert_eq!(rest.data_subjects[0].id, "dave");

    let data_dir = local.dir().join("server");
    let alice_keys = key_material(&data_dir, "alice");
    assert_eq!(alice_keys.len(), 1);
    assert!(
        !files_holding(&data_dir, &alice_keys[0]).is_empty(),
        "the search finds a live key"
    );
    let bob_keys = key_material(&data_dir, "bob");

    let deleted = s.api.delete_data_subjects(&["alice".into()]).await.unwrap();
    assert_eq!(deleted.deleted_key_links, 1);
    let left = subject_ids(&s.api).await;
    assert!(
        left.contains(&"bob".to_string()) && !left.contains(&"alice".to_string()),
        "{left:?}"
    );
    assert!(
        !left.contains(&"dave".to_string()),
        "Dave's only key went with Alice's: {left:?}"
    );
    assert_eq!(
        files_holding(&data_dir, &alice_keys[0]),
        Vec::<PathBuf>::new()
    );
    assert!(!files_holding(&data_dir, &bob_keys[0]).is_empty());

    // A new event of the same session gets a new key, readable again.
    sender
        .send_json(r, &checkout("s-1", "erin", &[0, 1, 2]))
        .await
        .unwrap();
    assert_eq!(next_json(&mut output_tail).await["customer"]["id"], "erin");

    let local = local.restart().await;
    assert_eq!(
        files_holding(&data_dir, &alice_keys[0]),
        Vec::<PathBuf>::new()
    );
    let api = local.account_again("forget@example.com").await;
    let mut after = subject_ids(&api).await;
    after.retain(|id| !id.starts_with("warm-"));
    after.sort();
    assert_eq!(after, ["bob", "erin"]);

    // The output's export, written after the deletion and the restart: Bob and Erin
    // decrypted, nothing of Alice or Dave.
    let buckets = data_dir.join("buckets/forget-bucket");
    let out = batches(&buckets.join("out"), |l| l["customer"]["id"] == "erin").await;
    let mut customers: Vec<&str> = out
        .iter()
        .map(|l| l["customer"]["id"].as_str().unwrap())
        .collect();
    customers.sort();
    assert_eq!(customers, ["bob", "erin"], "{out:?}");
    // The source stream still holds every event, Alice's ciphertext included.
    let consented = |l: &Value| l["strmMeta"]["consentLevels"] == serde_json::json!([0, 1, 2]);
    let src = batches(&buckets.join("src"), consented).await;
    let mine: Vec<&Value> = src.iter().filter(|l| consented(l)).collect();
    assert!(mine.len() >= 3, "{src:?}");
    assert!(
        mine.iter().all(|l| is_ciphertext(&l["customer"]["id"])),
        "{mine:?}"
    );
    local.shutdown().await;
}
