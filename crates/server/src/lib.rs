//! The local Stream Machine server: the control plane of `shared/spec/control-plane.md`
//! over axum and SQLite. `start` runs it inside the caller's tokio runtime (the console's
//! embedded server, tests); `serve` runs it on its own until Ctrl-C or SIGTERM.

// Outside tests a failure is an error the caller handles, never a panic.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod accounts;
pub mod cluster;
mod cluster_options;
pub mod dataplane;
pub mod db;
pub mod error;
pub mod extract;
pub mod listen;
pub mod master_key;
pub mod password_pool;
pub mod private_files;
pub mod registry;
pub mod routes;
pub mod secrets;
pub mod sql;
mod state;
pub mod store;
pub mod throttle;
pub mod users;

use std::fs::File;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use self::cluster::ClusterError;
use self::cluster::nodes::NodeRecord;
pub use self::cluster_options::ClusterOptions;
pub use self::state::{AppState, open_state};
use self::users::LocalAccount;
use strm_model::rules::{self, EventStoreOption};

/// How long `shutdown` waits for open requests before giving up on them.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);
/// How long of that open connections get to finish; the exporters stop after.
const CONNECTIONS_GRACE: Duration = Duration::from_secs(3);

#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub addr: SocketAddr,
    pub data_dir: PathBuf,
    /// Accounts that must exist (created, or their password reset, on start).
    pub users: Vec<LocalAccount>,
    pub token_ttl: Duration,
    pub request_timeout: Duration,
    /// How long the data plane keeps events (and the keys they need).
    pub retention: Duration,
    /// An S3-compatible endpoint for S3 sinks whose credentials name none.
    pub s3_endpoint: Option<String>,
    /// How often exporters look for closed batches.
    pub export_tick: Duration,
    /// The database, the event store and the node's name.
    pub cluster: ClusterOptions,
    /// In a cluster: how long an exporter lease (and a node's heartbeat) outlives its
    /// holder's last renewal; another node takes the exporters of a dead node over
    /// within this and one export tick.
    pub lease_ttl: Duration,
    /// Events of a stream its live tails may fall behind before a tail is closed.
    pub egress_buffer: usize,
    /// Header and idle timeouts, connection caps.
    pub connections: listen::ConnectionLimits,
    /// Where the master key comes from (the data directory's `master.key` by default).
    pub master_key: master_key::MasterKeyConfig,
    /// Opens S3 and Google Cloud Storage buckets; none (the default) opens only local
    /// bucket directories.
    pub cloud_stores: dataplane::cloud_stores::CloudStores,
}

impl ServerConfig {
    pub fn new(data_dir: PathBuf) -> Self {
        ServerConfig {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            data_dir,
            users: Vec::new(),
            token_ttl: Duration::from_secs(strm_model::TOKEN_LIFETIME_SECS as u64),
            request_timeout: Duration::from_secs(30),
            retention: dataplane::pipeline::DEFAULT_RETENTION,
            s3_endpoint: None,
            export_tick: Duration::from_secs(1),
            cluster: ClusterOptions::default(),
            lease_ttl: DEFAULT_LEASE_TTL,
            egress_buffer: dataplane::pipeline::EGRESS_BUFFER,
            connections: listen::ConnectionLimits::default(),
            master_key: master_key::MasterKeyConfig::default(),
            cloud_stores: Default::default(),
        }
    }
}

/// How long an exporter lease outlives its holder by default.
pub const DEFAULT_LEASE_TTL: Duration = Duration::from_secs(10);

/// The host name of this machine, for the default node name.
fn host_name() -> String {
    ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .find_map(|f| std::fs::read_to_string(f).ok())
        .map(|h| h.trim().to_string())
        .filter(|h| rules::check_node_name(h).is_ok())
        .unwrap_or_else(|| "localhost".into())
}

/// This node as `GET /v1/nodes` and the `Strm-Node` header show it.
pub(crate) fn node_record(config: &ServerConfig, addr: SocketAddr) -> NodeRecord {
    NodeRecord {
        node: strm_model::Node {
            name: config
                .cluster
                .node_name
                .clone()
                .unwrap_or_else(|| format!("{}:{}", host_name(), addr.port())),
            address: format!("http://{addr}"),
            started: strm_model::now_epoch_secs(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            event_store: match &config.cluster.event_store {
                EventStoreOption::Local => "local".into(),
                EventStoreOption::Nats(_) => {
                    format!("jetstream R{}", config.cluster.event_replicas)
                }
            },
            exporters: Vec::new(),
            egress: None,
        },
        held_exporters: Vec::new(),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("database {path}: {source}")]
    Database {
        path: PathBuf,
        source: dataplane::store::StoreError,
    },
    #[error("local account {email}: {reason}")]
    Account { email: String, reason: String },
    #[error("the local server at {url} ({file}) does not answer: {reason}")]
    Unreachable {
        url: String,
        file: PathBuf,
        reason: String,
    },
    /// The embedded event schemas do not load (a broken build).
    #[error(transparent)]
    Schemas(#[from] dataplane::schemas::SchemaError),
    /// A task of the start-up work panicked or was cancelled.
    #[error(transparent)]
    Task(#[from] tokio::task::JoinError),
    /// An option breaks its rule.
    #[error(transparent)]
    Invalid(#[from] strm_model::Invalid),
    /// The cluster (NATS JetStream) could not be joined.
    #[error(transparent)]
    Cluster(#[from] ClusterError),
    #[error("{0}")]
    Other(String),
}

impl ServerError {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        ServerError::Io {
            path: path.into(),
            source,
        }
    }
}

pub fn router(state: AppState) -> axum::Router {
    routes::build(state)
}

/// A running server. Dropping it stops the server too; `shutdown` also waits for it.
pub struct ServerHandle {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
    // Held for the server's life by the embedded server (see `embedded`).
    _lock: Option<File>,
}

impl std::fmt::Debug for ServerHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerHandle")
            .field("addr", &self.addr)
            .finish()
    }
}

impl ServerHandle {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting, lets open requests finish (up to a few seconds), and returns.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = tokio::time::timeout(SHUTDOWN_GRACE, task).await;
        }
    }

    pub fn hold_lock(&mut self, lock: File) {
        self._lock = Some(lock);
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Binds `config.addr`, serves in a background task of the current runtime, returns.
pub async fn start(config: ServerConfig) -> Result<ServerHandle, ServerError> {
    private_files::keep_private();
    let caps = listen::caps(&config.connections);
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .map_err(|source| ServerError::Bind {
            addr: config.addr,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| ServerError::Bind {
        addr: config.addr,
        source,
    })?;
    let state = open_state(&config, addr).await?;
    let (stop, stopped) = oneshot::channel::<()>();
    let (stop_exports, exports_stopped) = tokio::sync::watch::channel(false);
    let cluster = state.data.store().events().cluster().cloned();
    let heartbeat = cluster
        .clone()
        .map(|c| cluster::nodes::spawn_heartbeat(c, exports_stopped.clone()));
    let registry = state.db.is_postgres().then(|| {
        registry::spawn_heartbeat(
            state.db.clone(),
            state::registered(&state.node),
            config.lease_ttl,
            exports_stopped.clone(),
        )
    });
    let exports = dataplane::scheduler::spawn_scheduler(state.data.clone(), exports_stopped);
    let data = state.data.clone();
    let app = router(state);
    tracing::info!(
        %addr,
        max_connections = caps.total(),
        per_address = caps.per_address(),
        "Stream Machine server listening"
    );
    let settings = config.connections.clone();
    let task = tokio::spawn(async move {
        let stop = async move {
            let _ = stopped.await;
            data.close_egress();
        };
        listen::serve(listener, app, settings, caps, stop, CONNECTIONS_GRACE).await;
        let _ = stop_exports.send(true);
        let _ = exports.await;
        if let Some(heartbeat) = heartbeat {
            let _ = heartbeat.await;
        }
        if let Some(registry) = registry {
            let _ = registry.await;
        }
        // A clean stop hands the exporters over at once.
        if let Some(c) = cluster {
            c.leave().await;
        }
    });
    Ok(ServerHandle {
        addr,
        stop: Some(stop),
        task: Some(task),
        _lock: None,
    })
}

/// `strm-tui serve`: logs to stderr and runs until Ctrl-C or SIGTERM.
pub async fn serve(config: ServerConfig) -> Result<(), ServerError> {
    log_to_stderr();
    let handle = start(config).await?;
    eprintln!("Stream Machine API listening on {}", handle.url());
    shutdown_signal().await;
    tracing::info!("shutting down");
    handle.shutdown().await;
    Ok(())
}

/// Server logs for a server run on its own (`RUST_LOG` filters; `info` by default). Below
/// `info` only strm-tui's own targets speak (`strm_model::logs`): libraries log frames
/// and headers there.
pub fn log_to_stderr() {
    use tracing_subscriber::Layer;
    use tracing_subscriber::filter::{EnvFilter, FilterExt, filter_fn};
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let wanted = EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    let ours = filter_fn(|meta| {
        *meta.level() <= tracing::Level::INFO || strm_model::logs::verbose_allowed(meta.target())
    });
    let _ = tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_filter(wanted.and(ours)),
        )
        .try_init();
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}
