//! What every handler can reach, and opening it: the data directory made private, the
//! master key loaded (secrets sealed again under it when needed), the database, the data
//! plane, local buckets bound to their owners, the configured accounts.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use strm_model::rules::{DatabaseOption, EventStoreOption};

use crate::cluster::nodes::NodeRecord;
use crate::cluster::{Cluster, ClusterConfig};
use crate::dataplane::sink::{SinkError, SinkResolver, SinkTarget};
use crate::db::{self, Db};
use crate::{ServerConfig, ServerError};
use crate::{dataplane, master_key, password_pool, private_files, throttle, users};

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    /// Password hashing in bounded memory (sign-in, sign-up).
    pub passwords: Arc<password_pool::PasswordPool>,
    /// Slows down repeated failed sign-ins per account and per address.
    pub throttle: Arc<throttle::LoginThrottle>,
    pub token_ttl_secs: i64,
    pub request_timeout: Duration,
    pub data: dataplane::DataPlane,
    /// This node (the `Strm-Node` header of every answer, and `GET /v1/nodes` without a
    /// cluster).
    pub node: Arc<NodeRecord>,
    /// Stored sinks to where they write (credentials sealed, local buckets owned).
    pub sinks: SinkResolver,
}

impl axum::extract::FromRef<AppState> for dataplane::DataPlane {
    fn from_ref(state: &AppState) -> Self {
        state.data.clone()
    }
}

/// Opens the database, makes sure the configured accounts exist, and builds the state;
/// joins the cluster first when the events are in JetStream. `addr` is where the node
/// listens.
pub async fn open_state(config: &ServerConfig, addr: SocketAddr) -> Result<AppState, ServerError> {
    config.cluster.check()?;
    let node = crate::node_record(config, addr);
    let cluster = match &config.cluster.event_store {
        EventStoreOption::Local => None,
        EventStoreOption::Nats(urls) => {
            let settings = ClusterConfig {
                urls: urls.clone(),
                replicas: config.cluster.event_replicas,
                retention: config.retention,
                lease_ttl: config.lease_ttl,
            };
            Some(Arc::new(Cluster::join(settings, node.clone()).await?))
        }
    };
    strm_model::files::create_private_dir(&config.data_dir)
        .map_err(|e| ServerError::io(&config.data_dir, e))?;
    let dir = config.data_dir.clone();
    let opened = tokio::task::spawn_blocking(move || private_files::make_private(&dir)).await?;
    match opened {
        Ok(0) => {}
        Ok(n) => tracing::info!(
            changed = n,
            "made files and directories of the data directory private (0600/0700)"
        ),
        Err(e) => return Err(ServerError::io(&config.data_dir, e)),
    }
    let keyring = Arc::new(master_key::load(&config.data_dir, &config.master_key)?);
    let path = config.data_dir.join(db::DB_FILE);
    let db = match &config.cluster.database {
        DatabaseOption::Sqlite => {
            let (path, dir, keyring) = (path.clone(), config.data_dir.clone(), keyring.clone());
            Db::new(tokio::task::spawn_blocking(move || open_sealed(&path, &dir, &keyring)).await??)
        }
        DatabaseOption::Postgres(url) => {
            let (url, dir, keyring) = (url.clone(), config.data_dir.clone(), keyring.clone());
            tokio::task::spawn_blocking(move || open_postgres(&url, &dir, &keyring)).await??
        }
    };
    if db.is_postgres() {
        let (db, me, store, ttl) = (
            db.clone(),
            registered(&node),
            config.cluster.event_store.clone(),
            config.lease_ttl,
        );
        tokio::task::spawn_blocking(move || crate::registry::join(&db, &me, &store, ttl))
            .await?
            .map_err(|e| ServerError::Other(e.to_string()))?;
    }
    let sinks = SinkResolver {
        data_dir: config.data_dir.clone(),
        s3_endpoint: config.s3_endpoint.clone(),
        keyring: keyring.clone(),
        cloud_stores: config.cloud_stores.clone(),
    };
    let (owners_db, owners_sinks) = (db.clone(), sinks.clone());
    tokio::task::spawn_blocking(move || claim_local_buckets(&owners_db, &owners_sinks)).await?;
    let data = open_data_plane(config, &path, db.clone(), sinks.clone(), cluster).await?;
    let passwords = password_pool::PasswordPool::new()
        .map_err(|e| ServerError::Other(format!("cannot start the password threads: {e}")))?;
    let state = AppState {
        db,
        passwords: Arc::new(passwords),
        throttle: Arc::new(throttle::LoginThrottle::default()),
        token_ttl_secs: config.token_ttl.as_secs() as i64,
        request_timeout: config.request_timeout,
        data,
        node: Arc::new(node),
        sinks,
    };
    for user in &config.users {
        users::ensure_account(&state.db, user).await?;
    }
    Ok(state)
}

/// A cluster's PostgreSQL, its schema brought up to date and every secret sealed under
/// the current master key (every node must be given the same one).
fn open_postgres(
    url: &str,
    dir: &std::path::Path,
    keyring: &master_key::Keyring,
) -> Result<Db, ServerError> {
    let shown = DatabaseOption::Postgres(url.to_string()).redacted();
    let failed = |reason: String| ServerError::Other(format!("--database {shown}: {reason}"));
    let pool = crate::sql::connect_pool(url).map_err(|e| failed(e.to_string()))?;
    let mut conn = pool.get().map_err(|e| failed(e.to_string()))?;
    crate::sql::pg_schema::migrate(&mut conn).map_err(|e| failed(e.to_string()))?;
    let resealed = master_key::reseal(&mut conn, keyring).map_err(|e| {
        failed(format!(
            "{e} (the nodes of a cluster share one master key: give each the same STRM_MASTER_KEY)"
        ))
    })?;
    log_resealed(resealed, keyring);
    if master_key::finish_rotation(dir)? {
        tracing::info!(master_key = %keyring.current().id_hex(), "master key rotated");
    }
    drop(conn);
    tracing::info!(database = %shown, "using PostgreSQL");
    Ok(Db::postgres(pool))
}

/// The database with every secret sealed under the current master key; a rotated key
/// file replaces the old one once that is done.
fn open_sealed(
    path: &std::path::Path,
    dir: &std::path::Path,
    keyring: &master_key::Keyring,
) -> Result<crate::sql::Conn, ServerError> {
    let failed = |reason: String| ServerError::Other(format!("{}: {reason}", path.display()));
    let mut conn = crate::sql::Conn::from(db::open(path).map_err(|e| ServerError::Database {
        path: path.to_path_buf(),
        source: e.into(),
    })?);
    let resealed = master_key::reseal(&mut conn, keyring).map_err(|e| failed(e.to_string()))?;
    log_resealed(resealed, keyring);
    if master_key::finish_rotation(dir)? {
        tracing::info!(master_key = %keyring.current().id_hex(), "master key rotated");
    }
    Ok(conn)
}

/// This node as the PostgreSQL node registry holds it.
pub(crate) fn registered(node: &NodeRecord) -> crate::registry::Registered {
    crate::registry::Registered {
        name: node.node.name.clone(),
        address: node.node.address.clone(),
        event_store: match node.node.event_store.as_str() {
            "local" => "local".into(),
            _ => "jetstream".into(),
        },
    }
}

fn log_resealed(resealed: master_key::Resealed, keyring: &master_key::Keyring) {
    if resealed != master_key::Resealed::default() {
        tracing::info!(
            credentials = resealed.credentials,
            keys = resealed.keys,
            master_key = %keyring.current().id_hex(),
            "sealed stored secrets with the current master key"
        );
    }
}

/// A stored sink as binding needs it: account, type, bucket, credentials (sealed).
type StoredSink = (String, String, String, Option<String>);

/// Local buckets used before buckets had owners become their first user's (the oldest
/// sink on them); a later sink of another account on the same bucket stops exporting.
fn claim_local_buckets(db: &Db, sinks: &SinkResolver) {
    let rows = db.blocking(|conn| -> crate::sql::DbResult<Vec<StoredSink>> {
        conn.query_map(
            "SELECT a.billing_id, s.sink_type, s.bucket_name, s.credentials
             FROM sinks s JOIN accounts a ON a.id = s.account_id ORDER BY s.id",
            crate::params![],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
    });
    let rows = match rows {
        Ok(rows) => rows,
        Err(e) => {
            tracing::warn!(error = %e, "reading sinks to bind local buckets failed");
            return;
        }
    };
    for (account, kind, bucket, credentials) in rows {
        let Ok(kind) = kind.parse() else { continue };
        let claimed = sinks
            .target(&account, kind, &bucket, credentials.as_deref())
            .and_then(|t: SinkTarget| t.claim());
        match claimed {
            Ok(()) => {}
            Err(SinkError::NotOwner { .. }) => tracing::warn!(
                %bucket,
                "a sink uses a local bucket of another account; its exporters stop"
            ),
            Err(e) => tracing::warn!(%bucket, error = %e, "binding a local bucket failed"),
        }
    }
}

/// The data plane over its own connection to the same database, so that ingest does not
/// queue behind control-plane queries.
async fn open_data_plane(
    config: &ServerConfig,
    path: &std::path::Path,
    db: Db,
    sinks: SinkResolver,
    cluster: Option<Arc<Cluster>>,
) -> Result<dataplane::DataPlane, ServerError> {
    let (owned, keyring) = (path.to_path_buf(), sinks.keyring.clone());
    let shared = db.is_postgres().then(|| db.clone());
    let store = tokio::task::spawn_blocking(move || {
        dataplane::DataStore::open_with(&owned, shared, keyring, cluster)
    })
    .await?
    .map_err(|source| ServerError::Database {
        path: path.to_path_buf(),
        source,
    })?;
    let mut settings = dataplane::DataPlaneConfig::new(config.data_dir.clone());
    settings.retention = config.retention;
    settings.token_ttl_secs = config.token_ttl.as_secs() as i64;
    settings.s3_endpoint = config.s3_endpoint.clone();
    settings.tick = config.export_tick;
    settings.egress_buffer = config.egress_buffer;
    let directory = dataplane::directory::DbDirectory::new(db, sinks);
    Ok(dataplane::DataPlane::new(
        store,
        Arc::new(directory),
        settings,
    )?)
}
