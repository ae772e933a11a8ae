//! `usage`, `exporters status`, `sinks objects` and `sinks get-object` with the real
//! binary against the real server: CSV and JSON, every page, bytes to a pipe.

use serde_json::Value;
use strm_model::now_epoch_ms;

use super::{Home, server, words};

#[tokio::test(flavor = "multi_thread")]
async fn usage_status_and_objects_from_the_command_line() {
    let server = server().await;
    let home = Home::signed_in(&server);
    home.ok(&["streams", "create", "bart"]);
    home.ok(&words(
        "outputs create bart level0-1 -cl 0 -cl 1 -clt GRANULAR",
    ));
    home.ok(&words("sinks create s3 files --bucket-name cli-bucket"));
    home.ok(&words(
        "exporters create -en s3 -sn files -st S3 -i 30 -pp level01 level0-1",
    ));
    let t0 = now_epoch_ms();
    // The simulator sends with the secret the CLI saved.
    let sent = home.ok(&words("simulate bart --count 12 --rate 100 --json"));
    assert!(sent.contains("12 events sent"), "{sent}");

    // CSV: the later CLI's columns, one row per 10-second window, every event counted.
    let from = (t0 - 30_000).to_string();
    let csv = home.ok(&["usage", "bart", "--by", "10", "--from", &from]);
    let mut rows = csv.lines();
    assert_eq!(rows.next(), Some("from,count,duration,change,rate"));
    let rows: Vec<Vec<&str>> = rows.map(|r| r.split(',').collect()).collect();
    assert!(rows.len() >= 3, "{csv}");
    assert!(rows.iter().all(|r| r.len() == 5 && r[2] == "10"), "{csv}");
    assert!(rows[0][0].ends_with('Z') && rows[0][3].is_empty(), "{csv}");
    let total: u64 = rows.iter().map(|r| r[1].parse::<u64>().unwrap()).sum();
    assert_eq!(total, 12, "{csv}");
    // JSON: the API's answer; the output counts what it delivered, no more.
    let json: Value = home.json(&[
        "usage", "bart", "--output", "level0-1", "--by", "10", "--from", &from, "--json",
    ]);
    assert_eq!(json["output"], "level0-1");
    let delivered: u64 = json["windows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["eventCount"].as_u64().unwrap())
        .sum();
    assert!(delivered <= 12, "{json}");
    let err = home.fails(&["usage", "bart", "--by", "0"], 2);
    assert!(
        err.contains("by: 0 is out of range") && err.contains("86400"),
        "{err}"
    );
    let err = home.fails(&["usage", "lisa"], 1);
    assert!(err.contains("lisa"), "{err}");

    let status = home.json(&words("exporters status level0-1 -en s3"));
    assert_eq!(status["state"], "IDLE", "{status}");
    assert!(status["lastError"].is_null() && status.get("pendingEvents").is_some());

    // Objects: the exporter's probe is there; a batch put in the bucket reads back whole.
    let bucket = server.dir().join("server/buckets/cli-bucket");
    let big: Vec<u8> = (0..2_500_000u32).map(|i| (i % 253) as u8).collect();
    std::fs::write(bucket.join("level01/big.bin"), &big).unwrap();
    for n in 0..3 {
        std::fs::write(bucket.join(format!("level01/{n}.jsonl")), b"{}\n").unwrap();
    }
    let listed = home.json(&words("sinks objects files --prefix level01/"));
    let keys: Vec<&str> = listed["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys.len(), 5, "{listed}");
    assert!(keys[0].starts_with("level01/.strm_test_"), "{keys:?}");
    assert_eq!(
        &keys[1..],
        [
            "level01/0.jsonl",
            "level01/1.jsonl",
            "level01/2.jsonl",
            "level01/big.bin"
        ]
    );
    let page = home.json(&words("sinks objects files --limit 2"));
    assert_eq!(page["objects"].as_array().unwrap().len(), 2);
    assert!(page["next"].is_string(), "{page}");
    let folders = home.json(&words("sinks objects files --folders"));
    assert_eq!(folders["prefixes"], serde_json::json!(["level01/"]));
    let read = home.ok_bytes(&words("sinks get-object files level01/big.bin"));
    assert!(read == big, "{} bytes", read.len());
    let err = home.fails(&words("sinks get-object files level01/nope.bin"), 1);
    assert!(
        err.contains("level01/nope.bin") && err.contains("cli-bucket"),
        "{err}"
    );
    let err = home.fails(&words("sinks get-object files ../strm.db"), 2);
    assert!(err.contains("key:") && err.contains("'..'"), "{err}");
}
