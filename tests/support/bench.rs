//! What the benches measure with: numbered events sent over HTTP with many requests in
//! flight, the CPU time of this process and of child processes, and percentiles.

use std::time::{Duration, Instant};

use futures::StreamExt;

use super::events::event_body;

/// Where a bench sends events: a `POST /event` URL and an event token for it.
#[derive(Clone)]
pub struct Target {
    pub http: reqwest::Client,
    pub url: String,
    pub token: String,
}

impl Target {
    /// Sends events `first..first + count` with `in_flight` requests at a time; panics on
    /// any answer but 204. The wall time it took.
    pub async fn send_many(&self, first: u64, count: u64, in_flight: usize) -> Duration {
        let start = Instant::now();
        futures::stream::iter(first..first + count)
            .map(|n| {
                let req = self
                    .http
                    .post(&self.url)
                    .bearer_auth(&self.token)
                    .header("Strm-Schema-Id", "clickstream")
                    .header("Strm-Serialization-Type", "application/json")
                    .body(event_body(n));
                async move {
                    let status = req.send().await.unwrap().status();
                    assert_eq!(status, 204);
                }
            })
            .buffer_unordered(in_flight)
            .collect::<Vec<()>>()
            .await;
        start.elapsed()
    }
}

/// CPU time (user + system) of process `pid` (`self` for this one) so far, from
/// `/proc/<pid>/stat` in clock ticks of 1/100 s; `None` where there is no such file.
pub fn process_cpu(pid: &str) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The fields after the parenthesised command name; utime and stime are 14 and 15.
    let mut fields = stat.rsplit_once(')')?.1.split_whitespace().skip(11);
    let ticks: u64 = fields.next()?.parse::<u64>().ok()? + fields.next()?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

/// The resident memory of this process, in MB, from `/proc/self/status`.
pub fn resident_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb / 1024.0)
}

/// The `p` quantile (0-1) of sorted samples.
pub fn quantile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 * p) as usize).min(sorted.len() - 1)]
}

/// Egress latency under load: a background sender keeps `load` at `rate` events/s while
/// 300 probes sent to `probe` measure send-to-receive on a tail of `output` (a decrypting websocket
/// consumer cannot keep up with everything, and egress drops what a slow consumer
/// cannot take: a probe dropped that way, or the tail closed for falling behind, counts as
/// lost, not as a time; the tail is then opened again). The samples and
/// the number lost.
pub async fn egress_probes(
    load: &Target,
    probe: &Target,
    output: &strm_client::events::EventClient,
    rate: f64,
    in_flight: usize,
) -> (Vec<Duration>, u32) {
    let mut tail = output.receive(true).await.unwrap();
    let background = {
        let load = load.clone();
        tokio::spawn(async move {
            const BATCH: u64 = 100;
            let pace = Duration::from_secs_f64(BATCH as f64 / rate);
            let mut k = 20_000_000u64;
            loop {
                let started = Instant::now();
                load.send_many(k, BATCH, in_flight).await;
                k += BATCH;
                tokio::time::sleep(pace.saturating_sub(started.elapsed())).await;
            }
        })
    };
    let mut samples = Vec::new();
    let mut lost = 0;
    for n in 0..300u64 {
        let marker = 90_000_000 + n;
        let sent = Instant::now();
        probe.send_many(marker, 1, 1).await;
        let needle = format!("https://a.io/{marker}\"");
        let seen = tokio::time::timeout(Duration::from_secs(2), async {
            loop {
                match tail.next().await {
                    Some(Ok(text)) if text.contains(&needle) => return true,
                    Some(Ok(_)) => {}
                    // Closed for falling behind (1013): the probe is lost.
                    _ => return false,
                }
            }
        })
        .await;
        match seen {
            Ok(true) => samples.push(sent.elapsed()),
            Ok(false) => {
                lost += 1;
                tail = output.receive(true).await.unwrap();
            }
            Err(_) => lost += 1,
        }
    }
    background.abort();
    tokio::time::sleep(Duration::from_millis(200)).await;
    (samples, lost)
}
