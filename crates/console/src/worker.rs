//! The API worker: a task that owns the backend (HTTP client, credentials, the embedded
//! server's lifetime) and the saved-secrets file. Requests come in with ids and run
//! concurrently, each under a timeout; every answer carries its request's id so the UI
//! can drop stale ones. Read-only mode is enforced here, whatever the UI sends.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, watch};

use crate::protocol::{Answer, Request, Response, SessionInfo};
use strm_client::ClientError;
use strm_client::backend::{Backend, Connector};
use strm_client::paths::Paths;
use strm_client::secrets::SecretStore;

mod execute;
mod observe;
mod tail;

pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);
/// Parallel `list_outputs` calls when listing the outputs of every stream.
const OUTPUTS_PARALLEL: usize = 8;

pub struct WorkerConfig {
    pub paths: Paths,
    /// How the worker connects, and connects again after the API went away.
    pub connector: Arc<dyn Connector>,
    pub api_url: Option<String>,
    /// The data plane's base URL (`STRM_EVENTS_URL`); default: the API's address, as on
    /// the local server.
    pub events_url: Option<String>,
    pub read_only: bool,
    pub timeout: Duration,
}

/// Starts the worker on the current runtime.
pub fn spawn(
    config: WorkerConfig,
) -> (
    mpsc::UnboundedSender<(u64, Request)>,
    mpsc::UnboundedReceiver<Response>,
) {
    let (req_tx, req_rx) = mpsc::unbounded_channel();
    let (resp_tx, resp_rx) = mpsc::unbounded_channel();
    tokio::spawn(run(config, req_rx, resp_tx));
    (req_tx, resp_rx)
}

/// What the worker loop keeps between requests.
struct Worker {
    config: WorkerConfig,
    backend: Option<Backend>,
    secrets: SecretStore,
    tails: HashMap<u64, tokio::task::JoinHandle<()>>,
    /// The address of the API as last connected: tails that lost their websocket
    /// reconnect to wherever it is now (the local server may have a new host).
    api_url: watch::Sender<Option<String>>,
    replies: mpsc::UnboundedSender<Response>,
    /// The node last reported to the UI, shared with the request tasks.
    node: NodeReport,
}

/// Tells the UI which node answers (the `Strm-Node` header), when it changes.
#[derive(Clone)]
struct NodeReport {
    last: Arc<std::sync::Mutex<Option<String>>>,
    replies: mpsc::UnboundedSender<Response>,
}

impl NodeReport {
    fn after(&self, client: &strm_client::ApiClient) {
        let Some(node) = client.last_node() else {
            return;
        };
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        if last.as_deref() != Some(node.as_str()) {
            *last = Some(node.clone());
            let _ = self.replies.send(Response {
                id: 0,
                result: Ok(Answer::Node(node)),
                session: None,
            });
        }
    }
}

async fn run(
    config: WorkerConfig,
    mut requests: mpsc::UnboundedReceiver<(u64, Request)>,
    replies: mpsc::UnboundedSender<Response>,
) {
    let mut worker = Worker {
        secrets: SecretStore::new(&config.paths),
        config,
        backend: None,
        tails: HashMap::new(),
        api_url: watch::channel(None).0,
        node: NodeReport {
            last: Arc::default(),
            replies: replies.clone(),
        },
        replies,
    };
    while let Some((id, req)) = requests.recv().await {
        worker.handle(id, req).await;
    }
}

impl Worker {
    fn answer(&self, id: u64, result: Result<Answer, ClientError>, session: Option<SessionInfo>) {
        let _ = self.replies.send(Response {
            id,
            result,
            session,
        });
    }

    async fn handle(&mut self, id: u64, req: Request) {
        self.tails.retain(|_, task| !task.is_finished());
        if let Request::StopTail(tail) = req {
            // Aborting drops the websocket: the server sees the tail close.
            if let Some(task) = self.tails.remove(&tail) {
                task.abort();
            }
            return;
        }
        if self.config.read_only && req.mutates() {
            let refused = ClientError::Refused(
                "the console runs read-only (--read-only); nothing is changed".into(),
            );
            return self.answer(id, Err(refused), None);
        }
        if req == Request::Connect || self.backend.is_none() {
            // Connecting is done in order: later requests wait for it in the channel.
            let result = self.connect().await;
            let session = match &result {
                Ok(Answer::Connected { session, .. }) => session.clone(),
                _ => None,
            };
            // A request that connected on the way answers only for itself, unless the
            // connection failed.
            if let Some(b) = &self.backend {
                self.node.after(&b.client);
            }
            if req == Request::Connect || result.is_err() {
                return self.answer(id, result, session);
            }
        }
        let Some(b) = self.backend.as_ref() else {
            return self.answer(id, Err(self.connect_error("not connected".into())), None);
        };
        let client = b.client.clone();
        let api_url = b.api_url.clone();
        let events_url = self
            .config
            .events_url
            .clone()
            .unwrap_or_else(|| api_url.clone());
        if let Request::Tail(target) = req {
            let source = tail::TailSource {
                events_url: self.config.events_url.clone(),
                api_url: self.api_url.subscribe(),
                billing_id: client.session().await.map(|s| s.billing_id),
                secrets: self.secrets.clone(),
                timeout: self.config.timeout,
            };
            let task = tokio::spawn(tail::follow(id, target, source, self.replies.clone()));
            self.tails.insert(id, task);
            return;
        }
        let replies = self.replies.clone();
        let node = self.node.clone();
        let secrets = self.secrets.clone();
        let timeout = self.config.timeout;
        tokio::spawn(async move {
            let cx = execute::Context {
                client: &client,
                api_url: &api_url,
                events_url: &events_url,
                secrets: &secrets,
            };
            let result = match tokio::time::timeout(timeout, execute::execute(&cx, req)).await {
                Ok(r) => r,
                Err(_) => Err(ClientError::Timeout {
                    api: api_url.clone(),
                    secs: timeout.as_secs(),
                }),
            };
            let session = client.session().await.as_ref().map(SessionInfo::from);
            node.after(&client);
            let _ = replies.send(Response {
                id,
                result,
                session,
            });
        });
    }

    /// Connects (again): a remote API, or the local server started here or joined.
    async fn connect(&mut self) -> Result<Answer, ClientError> {
        // This process runs the local server: it is there as long as we are, and
        // connecting again would join it and drop (so stop) the one that runs it.
        if let Some(b) = self.backend.as_ref().filter(|b| b.runs_server()) {
            return Ok(connected(b).await);
        }
        let config = &self.config;
        let connected_now = tokio::time::timeout(
            config.timeout,
            config.connector.connect(config.api_url.as_deref()),
        )
        .await;
        match connected_now {
            Ok(Ok(b)) => {
                let answer = connected(&b).await;
                self.api_url.send_replace(Some(b.api_url.clone()));
                self.backend = Some(b);
                Ok(answer)
            }
            Ok(Err(e)) => Err(self.connect_error(e.to_string())),
            Err(_) => Err(ClientError::Timeout {
                api: config
                    .api_url
                    .clone()
                    .unwrap_or_else(|| "the local server".into()),
                secs: config.timeout.as_secs(),
            }),
        }
    }

    fn connect_error(&self, reason: String) -> ClientError {
        ClientError::Unreachable {
            api: self
                .config
                .api_url
                .clone()
                .unwrap_or_else(|| "the local server".into()),
            reason,
        }
    }
}

async fn connected(b: &Backend) -> Answer {
    Answer::Connected {
        api_url: b.api_url.clone(),
        local: b.local,
        session: b.client.session().await.as_ref().map(SessionInfo::from),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::TailTarget;
    use strm_client::CredentialStore;
    use strm_client::backend::RemoteOnly;
    use strm_client::secrets::SavedSecret;
    use strm_model::AuthResponse;

    fn remote(paths: &Paths) -> Arc<dyn Connector> {
        Arc::new(RemoteOnly {
            paths: paths.clone(),
        })
    }

    /// An API that accepts connections and never answers.
    async fn silent_api() -> (String, tokio::task::JoinHandle<()>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((sock, _)) = listener.accept().await {
                held.push(sock);
            }
        });
        (url, task)
    }

    fn signed_in(paths: &Paths, url: &str) {
        CredentialStore::for_api(paths, url)
            .save(&AuthResponse {
                email: "a@b.c".into(),
                billing_id: "a0000000001".into(),
                expires_at: strm_client::now_epoch_secs() + 3600,
                id_token: "id".into(),
                refresh_token: "rt".into(),
            })
            .unwrap();
    }

    /// A worker (timing out after 2 s) on an API that never answers, signed in to it.
    struct Silent {
        _dir: tempfile::TempDir,
        _api: tokio::task::JoinHandle<()>,
        paths: Paths,
        url: String,
        tx: mpsc::UnboundedSender<(u64, Request)>,
        rx: mpsc::UnboundedReceiver<Response>,
    }

    async fn silent_worker(read_only: bool) -> Silent {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::under(dir.path());
        let (url, api) = silent_api().await;
        signed_in(&paths, &url);
        let (tx, rx) = spawn(WorkerConfig {
            paths: paths.clone(),
            connector: remote(&paths),
            api_url: Some(url.clone()),
            events_url: None,
            read_only,
            timeout: Duration::from_secs(2),
        });
        Silent {
            _dir: dir,
            _api: api,
            paths,
            url,
            tx,
            rx,
        }
    }

    #[tokio::test]
    async fn read_only_is_refused_in_the_worker() {
        let mut worker = silent_worker(true).await;
        let Silent { tx, rx, .. } = &mut worker;
        tx.send((
            7,
            Request::DeleteStream {
                name: "bart".into(),
                recursive: true,
            },
        ))
        .unwrap();
        let resp = rx.recv().await.unwrap();
        assert_eq!(resp.id, 7);
        match resp.result {
            Err(ClientError::Refused(msg)) => assert!(msg.contains("read-only"), "{msg}"),
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn a_hanging_api_does_not_hold_up_other_requests() {
        let mut worker = silent_worker(false).await;
        let Silent { tx, rx, .. } = &mut worker;
        tx.send((1, Request::ListStreams)).unwrap();
        tx.send((
            2,
            Request::SavedSecret {
                name: "x".into(),
                client_id: "cid".into(),
            },
        ))
        .unwrap();
        let second = rx.recv().await.unwrap();
        assert_eq!(
            second.id, 2,
            "the quick request answers while the list hangs"
        );
        assert_eq!(second.result.unwrap(), Answer::SavedSecret(None));
        let third = tokio::time::timeout(Duration::from_secs(10), rx.recv())
            .await
            .expect("the hanging request times out")
            .unwrap();
        assert_eq!(third.id, 1);
        assert!(third.result.unwrap_err().is_offline());
    }

    #[tokio::test]
    async fn a_tail_without_a_usable_saved_secret_says_so() {
        let mut worker = silent_worker(true).await;
        let Silent {
            tx, rx, paths, url, ..
        } = &mut worker;
        let secrets = SecretStore::new(paths);
        let target = TailTarget {
            name: "bart".into(),
            client_id: "cid-now".into(),
            output_of: None,
        };
        tx.send((1, Request::Tail(target.clone()))).unwrap();
        let resp = rx.recv().await.unwrap();
        assert_eq!(resp.id, 1);
        let file = secrets.path().to_path_buf();
        assert_eq!(
            resp.result.unwrap(),
            Answer::TailNoSecret {
                file: file.clone(),
                stale: false
            }
        );
        // A secret saved for an older `bart` (another clientId) is not used.
        secrets
            .save(
                url,
                "a0000000001",
                "bart",
                SavedSecret {
                    client_id: "cid-before".into(),
                    client_secret: "s".into(),
                },
            )
            .unwrap();
        tx.send((2, Request::Tail(target))).unwrap();
        let resp = rx.recv().await.unwrap();
        assert_eq!(resp.id, 2);
        assert_eq!(
            resp.result.unwrap(),
            Answer::TailNoSecret { file, stale: true }
        );
    }
}
