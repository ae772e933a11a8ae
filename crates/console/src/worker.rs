//! The API worker: a task that owns the backend (HTTP client, credentials, the embedded
//! server's lifetime) and the saved-secrets file. Requests come in with ids and run
//! concurrently, each under a timeout; every answer carries its request's id so the UI
//! can drop stale ones. Read-only mode is enforced here, whatever the UI sends.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use tokio::sync::mpsc;

use crate::protocol::{Answer, Created, Listed, Request, Response, Secret, SessionInfo};
use strm_client::backend::{Backend, Connector};
use strm_client::paths::Paths;
use strm_client::secrets::SecretStore;
use strm_client::{ApiClient, ClientError};

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

async fn run(
    config: WorkerConfig,
    mut requests: mpsc::UnboundedReceiver<(u64, Request)>,
    replies: mpsc::UnboundedSender<Response>,
) {
    let mut backend: Option<Backend> = None;
    let secrets = SecretStore::new(&config.paths);
    let mut tails: HashMap<u64, tokio::task::JoinHandle<()>> = HashMap::new();
    while let Some((id, req)) = requests.recv().await {
        tails.retain(|_, task| !task.is_finished());
        if let Request::StopTail(tail) = req {
            // Aborting drops the websocket: the server sees the tail close.
            if let Some(task) = tails.remove(&tail) {
                task.abort();
            }
            continue;
        }
        if config.read_only && req.mutates() {
            let _ = replies.send(Response {
                id,
                result: Err(ClientError::Refused(
                    "the console runs read-only (--read-only); nothing is changed".into(),
                )),
                session: None,
            });
            continue;
        }
        if req == Request::Connect || backend.is_none() {
            // Connecting is done in order: later requests wait for it in the channel.
            let connected = tokio::time::timeout(
                config.timeout,
                config.connector.connect(config.api_url.as_deref()),
            )
            .await;
            let result = match connected {
                Ok(Ok(b)) => {
                    let session = b.client.session().await.as_ref().map(SessionInfo::from);
                    let answer = Answer::Connected {
                        api_url: b.api_url.clone(),
                        local: b.local,
                        session: session.clone(),
                    };
                    backend = Some(b);
                    Ok(answer)
                }
                Ok(Err(e)) => Err(connect_error(&config, e.to_string())),
                Err(_) => Err(ClientError::Timeout {
                    api: config
                        .api_url
                        .clone()
                        .unwrap_or_else(|| "the local server".into()),
                    secs: config.timeout.as_secs(),
                }),
            };
            let session = match &result {
                Ok(Answer::Connected { session, .. }) => session.clone(),
                _ => None,
            };
            // A request that connected on the way answers only for itself, unless the
            // connection failed.
            if req == Request::Connect || result.is_err() {
                let _ = replies.send(Response {
                    id,
                    result,
                    session,
                });
                continue;
            }
        }
        let Some(b) = backend.as_ref() else {
            let _ = replies.send(Response {
                id,
                result: Err(connect_error(&config, "not connected".into())),
                session: None,
            });
            continue;
        };
        let client = b.client.clone();
        let api_url = b.api_url.clone();
        if let Request::Tail(target) = req {
            let source = tail::TailSource {
                events_url: config.events_url.clone().unwrap_or_else(|| api_url.clone()),
                api_url,
                billing_id: client.session().await.map(|s| s.billing_id),
                secrets: secrets.clone(),
                timeout: config.timeout,
            };
            let task = tokio::spawn(tail::follow(id, target, source, replies.clone()));
            tails.insert(id, task);
            continue;
        }
        let replies = replies.clone();
        let secrets = secrets.clone();
        let timeout = config.timeout;
        tokio::spawn(async move {
            let result = match tokio::time::timeout(
                timeout,
                execute(&client, &api_url, &secrets, req),
            )
            .await
            {
                Ok(r) => r,
                Err(_) => Err(ClientError::Timeout {
                    api: api_url.clone(),
                    secs: timeout.as_secs(),
                }),
            };
            let session = client.session().await.as_ref().map(SessionInfo::from);
            let _ = replies.send(Response {
                id,
                result,
                session,
            });
        });
    }
}

fn connect_error(config: &WorkerConfig, reason: String) -> ClientError {
    ClientError::Unreachable {
        api: config
            .api_url
            .clone()
            .unwrap_or_else(|| "the local server".into()),
        reason,
    }
}

async fn execute(
    client: &ApiClient,
    api_url: &str,
    secrets: &SecretStore,
    req: Request,
) -> Result<Answer, ClientError> {
    Ok(match req {
        Request::Connect | Request::Tail(_) | Request::StopTail(_) => {
            unreachable!("handled by the worker loop")
        }
        Request::Login { email, password } => {
            Answer::LoggedIn(SessionInfo::from(&client.login(&email, &password.0).await?))
        }
        Request::Logout => {
            // Revoking needs the server; forgetting locally must work even offline.
            if client.revoke().await.is_err() {
                client.logout().await?;
            }
            Answer::LoggedOut
        }
        Request::ListStreams => Answer::Listed(Listed::Streams(client.list_streams().await?)),
        Request::ListOutputs(Some(stream)) => {
            let outputs = client.list_outputs(&stream).await?;
            Answer::Listed(Listed::Outputs(Some(stream), outputs))
        }
        Request::ListOutputs(None) => {
            let streams = client.list_streams().await?;
            // A few at a time: thousands of parallel requests cost memory and sockets.
            let names: Vec<String> = streams.into_iter().map(|s| s.name).collect();
            let lists: Vec<_> = futures::stream::iter(names)
                .map(|name| {
                    let client = client.clone();
                    async move { client.list_outputs(&name).await }
                })
                .buffer_unordered(OUTPUTS_PARALLEL)
                .collect()
                .await;
            let mut all = Vec::new();
            for list in lists {
                match list {
                    Ok(l) => all.extend(l),
                    // A stream deleted meanwhile is not an error for the overview.
                    Err(ClientError::Api { status: 404, .. }) => {}
                    Err(e) => return Err(e),
                }
            }
            Answer::Listed(Listed::Outputs(None, all))
        }
        Request::ListSinks => Answer::Listed(Listed::Sinks(client.list_sinks().await?)),
        Request::ListExporters => Answer::Listed(Listed::Exporters(client.list_exporters().await?)),
        Request::ListConsentLevels => {
            Answer::Listed(Listed::ConsentLevels(client.list_consent_levels().await?))
        }
        Request::CreateStream(req) => {
            let stream = client.create_stream(&req).await?;
            save_secret(client, api_url, secrets, &stream.name, &stream.credentials).await;
            Answer::Created(Created::Stream(stream))
        }
        Request::CreateOutput(stream, req) => {
            let output = client.create_output(&stream, &req).await?;
            save_secret(client, api_url, secrets, &output.name, &output.credentials).await;
            Answer::Created(Created::Output(output))
        }
        Request::CreateSink(req) => Answer::Created(Created::Sink(client.create_sink(&req).await?)),
        Request::CreateExporter(stream, req) => Answer::Created(Created::Exporter(
            client.create_exporter(&stream, &req).await?,
        )),
        Request::CreateConsentLevel(level) => Answer::Created(Created::ConsentLevel(
            client.create_consent_level(&level).await?,
        )),
        Request::DeleteStream { name, recursive } => {
            client.delete_stream(&name, recursive).await?;
            Answer::Deleted
        }
        Request::DeleteOutput {
            stream,
            name,
            recursive,
        } => {
            client.delete_output(&stream, &name, recursive).await?;
            Answer::Deleted
        }
        Request::DeleteSink { name, sink_type } => {
            client.delete_sink(&name, sink_type).await?;
            Answer::Deleted
        }
        Request::DeleteExporter {
            stream,
            name,
            export_keys,
        } => {
            client.delete_exporter(&stream, &name, export_keys).await?;
            Answer::Deleted
        }
        Request::DeleteConsentLevel(id) => {
            client.delete_consent_level(id).await?;
            Answer::Deleted
        }
        Request::SavedSecret { name } => {
            let billing = client
                .session()
                .await
                .map(|s| s.billing_id)
                .unwrap_or_default();
            Answer::SavedSecret(
                secrets
                    .get(api_url, &billing, &name)?
                    .map(|s| s.client_secret),
            )
        }
        Request::AccessToken => Answer::Token(Secret(client.access_token().await?)),
        Request::Call(call) => call.run(client.clone()).await?,
    })
}

async fn save_secret(
    client: &ApiClient,
    api_url: &str,
    secrets: &SecretStore,
    name: &str,
    creds: &strm_model::Credentials,
) {
    let Some(session) = client.session().await else {
        return;
    };
    if let Err(e) = secrets.save_created(api_url, &session.billing_id, name, creds) {
        tracing::warn!("could not save the client secret of {name}: {e}");
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

    #[tokio::test]
    async fn read_only_is_refused_in_the_worker() {
        let dir = tempfile::tempdir().unwrap();
        let (url, _api) = silent_api().await;
        let (tx, mut rx) = spawn(WorkerConfig {
            paths: Paths::under(dir.path()),
            connector: remote(&Paths::under(dir.path())),
            api_url: Some(url),
            events_url: None,
            read_only: true,
            timeout: Duration::from_secs(2),
        });
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
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::under(dir.path());
        let (url, _api) = silent_api().await;
        signed_in(&paths, &url);
        let (tx, mut rx) = spawn(WorkerConfig {
            connector: remote(&paths),
            paths,
            api_url: Some(url),
            events_url: None,
            read_only: false,
            timeout: Duration::from_secs(2),
        });
        tx.send((1, Request::ListStreams)).unwrap();
        tx.send((2, Request::SavedSecret { name: "x".into() }))
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
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::under(dir.path());
        let (url, _api) = silent_api().await;
        signed_in(&paths, &url);
        let secrets = SecretStore::new(&paths);
        let (tx, mut rx) = spawn(WorkerConfig {
            paths: paths.clone(),
            connector: remote(&paths),
            api_url: Some(url.clone()),
            events_url: None,
            read_only: true,
            timeout: Duration::from_secs(2),
        });
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
                &url,
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
