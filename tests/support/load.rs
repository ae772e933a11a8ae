//! A bounded load of numbered events (each event's URL ends in its number) from eight
//! senders at once, so that a kill lands while requests are in flight; it records which
//! numbers were accepted (204) and how many sends failed.

use std::collections::BTreeSet;
use std::sync::atomic::Ordering::SeqCst;
use std::sync::atomic::{AtomicBool, AtomicU32};
use std::sync::{Arc, Mutex};

use strm_client::events::EventClient;
use tokio::task::JoinHandle;

use super::click;

#[derive(Clone, Default)]
pub struct Load {
    accepted: Arc<Mutex<BTreeSet<u32>>>,
    next: Arc<AtomicU32>,
    failed: Arc<AtomicU32>,
    stop: Arc<AtomicBool>,
}

impl Load {
    pub fn new() -> Load {
        Load::default()
    }

    /// Eight senders sending events numbered from the current number up to `last`
    /// (exclusive), until then or `stop`.
    pub fn spawn(&self, sender: &Arc<EventClient>, last: u32) -> Vec<JoinHandle<()>> {
        self.stop.store(false, SeqCst);
        (0..8)
            .map(|_| {
                let (load, sender) = (self.clone(), sender.clone());
                tokio::spawn(async move {
                    while !load.stop.load(SeqCst) {
                        let n = load.next.fetch_add(1, SeqCst);
                        if n >= last {
                            return;
                        }
                        let e = click(
                            &format!("session-{}", n % 7),
                            &[0],
                            &format!("https://a.io/{n}"),
                        );
                        match sender.send_json("clickstream", &e).await {
                            Ok(()) => {
                                load.accepted.lock().unwrap().insert(n);
                            }
                            Err(_) => {
                                load.failed.fetch_add(1, SeqCst);
                            }
                        }
                    }
                })
            })
            .collect()
    }

    /// Stops the senders after their current request, and waits for them.
    pub async fn stop(&self, senders: Vec<JoinHandle<()>>) {
        self.stop.store(true, SeqCst);
        for task in senders {
            task.await.unwrap();
        }
    }

    /// Numbers the next senders from `n` on, with no failure counted yet.
    pub fn restart_at(&self, n: u32) {
        self.next.store(n, SeqCst);
        self.failed.store(0, SeqCst);
    }

    pub fn accepted(&self) -> BTreeSet<u32> {
        self.accepted.lock().unwrap().clone()
    }

    pub fn failed(&self) -> u32 {
        self.failed.load(SeqCst)
    }
}
