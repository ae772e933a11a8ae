//! A flood of failed sign-ins costs bounded memory, is slowed down per account and per
//! address, and everyone else keeps being answered.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::json;

use super::{http_from, other_address};
use crate::support::{PASSWORD, Served};

const FLOOD: usize = 500;
const MEMORY_CAP_MIB: u64 = 300;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_hundred_concurrent_failed_sign_ins_stay_small_and_others_keep_being_answered() {
    let (_dir, served) = Served::with_user("owner@example.com", "warn");
    let url = served.url.clone();
    let attacker = reqwest::Client::builder()
        .pool_max_idle_per_host(FLOOD)
        .build()
        .unwrap();
    // No account needed: wrong passwords for addresses that do not exist, all at once.
    let flood: Vec<_> = (0..FLOOD)
        .map(|n| {
            let (http, url) = (attacker.clone(), url.clone());
            tokio::spawn(async move {
                let body = json!({"email": format!("nobody{n}@example.com"), "password": "not the password"});
                let resp = http
                    .post(format!("{url}/v1/auth"))
                    .json(&body)
                    .timeout(Duration::from_secs(120))
                    .send()
                    .await
                    .expect("every attempt is answered");
                let retry = resp.headers().get("retry-after").is_some();
                (resp.status(), retry, resp.text().await.unwrap())
            })
        })
        .collect();

    // Meanwhile another client is served: the liveness check, and a real sign-in.
    let other = http_from(other_address());
    let mut slowest = Duration::ZERO;
    for _ in 0..10 {
        let started = Instant::now();
        let resp = other
            .get(format!("{url}/is-alive"))
            .timeout(Duration::from_secs(10))
            .send()
            .await
            .expect("/is-alive answers during the flood");
        assert_eq!(resp.status(), StatusCode::OK);
        slowest = slowest.max(started.elapsed());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let login = other
        .post(format!("{url}/v1/auth"))
        .json(&json!({"email": "owner@example.com", "password": PASSWORD}))
        .timeout(Duration::from_secs(30))
        .send()
        .await
        .expect("a real sign-in is answered during the flood");
    assert_eq!(
        login.status(),
        StatusCode::OK,
        "{}",
        login.text().await.unwrap()
    );

    let mut refused = 0;
    for answer in flood {
        let (status, retry, body) = answer.await.unwrap();
        let v: serde_json::Value =
            serde_json::from_str(&body).unwrap_or_else(|e| panic!("{status}: {e}: {body}"));
        assert_eq!(v["error"]["code"], status.as_u16(), "{body}");
        match status {
            StatusCode::UNAUTHORIZED => {}
            StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE => {
                assert!(retry, "{status} says when to try again: {body}");
                refused += 1;
            }
            other => panic!("{other}: {body}"),
        }
    }
    assert!(refused > 0, "a burst from one address is slowed down");
    let (now, peak) = served.memory_mib();
    eprintln!(
        "{FLOOD} failed sign-ins: {refused} turned away, resident peak {peak} MiB, now {now} MiB, slowest /is-alive {slowest:?}"
    );
    assert!(
        peak < MEMORY_CAP_MIB,
        "resident memory peaked at {peak} MiB (now {now} MiB) during {FLOOD} failed sign-ins"
    );
    assert!(slowest < Duration::from_secs(10), "{slowest:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeated_failures_for_one_account_wait_with_retry_after_and_the_owner_still_signs_in_later()
 {
    let (_dir, served) = Served::with_user("target@example.com", "warn");
    let url = served.url.clone();
    let http = reqwest::Client::new();
    let attempt = |password: &'static str| {
        let (http, url) = (http.clone(), url.clone());
        async move {
            let resp = http
                .post(format!("{url}/v1/auth"))
                .json(&json!({"email": "target@example.com", "password": password}))
                .send()
                .await
                .unwrap();
            let retry = resp
                .headers()
                .get("retry-after")
                .map(|v| v.to_str().unwrap().parse::<u64>().unwrap());
            (resp.status(), retry, resp.text().await.unwrap())
        }
    };
    let mut statuses = Vec::new();
    for _ in 0..8 {
        statuses.push(attempt("a wrong guess").await);
    }
    let first_429 = statuses
        .iter()
        .position(|(s, _, _)| *s == StatusCode::TOO_MANY_REQUESTS)
        .unwrap_or_else(|| panic!("guesses are slowed down: {statuses:?}"));
    assert!(first_429 >= 3, "a few mistakes are free: {statuses:?}");
    let (_, retry, body) = &statuses[first_429];
    assert!(retry.is_some_and(|s| (1..=300).contains(&s)), "{retry:?}");
    assert!(body.contains("too many sign-in attempts"), "{body}");
    // While it waits, even the right password is turned away; after the wait it works.
    let (status, retry, _) = attempt(PASSWORD).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    tokio::time::sleep(Duration::from_secs(retry.unwrap())).await;
    let (status, _, body) = attempt(PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}
