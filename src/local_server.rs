//! The embedded local server: the first strm-tui process on a data directory runs it and
//! holds `server.lock`; later ones find it through `server.json` and join it. The local
//! account it signs in to is created once and kept in `local-account.json` (0600).

use std::fs::{File, OpenOptions, TryLockError};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use strm_model::rules::DatabaseOption;
use strm_server::ClusterOptions;
use strm_server::dataplane::cloud_stores::CloudStores;
use strm_server::users::LocalAccount;
use strm_server::{ServerConfig, ServerError, ServerHandle, secrets};

pub const LOCK_FILE: &str = "server.lock";
pub const SERVER_FILE: &str = "server.json";
pub const ACCOUNT_FILE: &str = "local-account.json";
pub const LOCAL_EMAIL: &str = "local@strm.local";
/// How long a joining process waits for the lock holder to publish a live server (or to
/// release the lock).
const JOIN_WAIT: Duration = Duration::from_secs(10);

#[derive(Debug)]
pub struct LocalBackend {
    pub url: String,
    pub account: LocalAccount,
    /// `Some` in the process that runs the server; `None` when it joined another's.
    pub handle: Option<ServerHandle>,
}

#[derive(Serialize, Deserialize)]
struct ServerFile {
    url: String,
}

/// How the process that takes a server directory's lock runs its server.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// A fixed address; `None` reuses the previous port when free, else any port.
    pub addr: Option<SocketAddr>,
    /// Accounts to create (or whose password to reset) besides the local account.
    pub users: Vec<LocalAccount>,
    /// `serve --database --event-store --event-replicas --node-name`.
    pub cluster: ClusterOptions,
    /// Timeouts and caps of client connections.
    pub connections: strm_server::listen::ConnectionLimits,
    /// Make a new master key and seal the stored secrets with it before serving.
    pub rotate_master_key: bool,
}

/// Runs the local server for `server_dir`, or joins the one another process runs. While
/// the lock holder is starting — or quitting, its server gone but the lock not yet
/// released — this keeps trying both, so that whoever needs the server next takes it
/// over at once.
pub async fn start_or_join(server_dir: &Path) -> Result<LocalBackend, ServerError> {
    let deadline = tokio::time::Instant::now() + JOIN_WAIT;
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(2))
        .build()
        .map_err(|e| ServerError::Other(e.to_string()))?;
    loop {
        if let Some(lock) = take_lock(server_dir)? {
            return run(server_dir, lock, RunOptions::default()).await;
        }
        let (url, problem) = match join(server_dir, &http).await {
            Ok(joined) => return Ok(joined),
            Err(unanswered) => unanswered,
        };
        if tokio::time::Instant::now() >= deadline {
            return Err(ServerError::Unreachable {
                url,
                file: server_dir.join(SERVER_FILE),
                reason: format!(
                    "{problem}; another strm-tui process holds {} but its server is not answering",
                    server_dir.join(LOCK_FILE).display()
                ),
            });
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Runs the local server for `server_dir` in this process (`strm-tui serve`), so that
/// consoles and commands on the same directory join it. Refused while another process
/// runs it: two servers must never share a database.
pub async fn start_owned(
    server_dir: &Path,
    options: RunOptions,
) -> Result<LocalBackend, ServerError> {
    match take_lock(server_dir)? {
        Some(lock) => run(server_dir, lock, options).await,
        None => Err(ServerError::Other(format!(
            "another strm-tui process already runs the local server of {} at {}; use it, or stop that process first",
            server_dir.display(),
            read_server_file(&server_dir.join(SERVER_FILE)).unwrap_or_else(|_| "(starting)".into())
        ))),
    }
}

/// The directory's lock when free; `None` while another process holds it.
fn take_lock(server_dir: &Path) -> Result<Option<File>, ServerError> {
    strm_model::files::create_private_dir(server_dir)
        .map_err(|e| ServerError::io(server_dir, e))?;
    let lock_path = server_dir.join(LOCK_FILE);
    let lock = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| ServerError::io(&lock_path, e))?;
    match lock.try_lock() {
        Ok(()) => Ok(Some(lock)),
        Err(TryLockError::WouldBlock) => Ok(None),
        Err(TryLockError::Error(e)) => Err(ServerError::io(&lock_path, e)),
    }
}

/// The configuration of a server on `server_dir` as this binary runs it: with the
/// clients of cloud stores (`strm-buckets`), which the server crate does not carry.
pub fn server_config(server_dir: &Path) -> ServerConfig {
    let mut config = ServerConfig::new(server_dir.to_path_buf());
    config.cloud_stores = CloudStores::new(strm_buckets::open);
    config
}

async fn run(
    server_dir: &Path,
    lock: File,
    options: RunOptions,
) -> Result<LocalBackend, ServerError> {
    let account = load_or_create_account(server_dir)?;
    let mut config = server_config(server_dir);
    // A shared database has no account of one node's own: each node's generated
    // password would replace the one before.
    if options.cluster.database == DatabaseOption::Sqlite {
        config.users = vec![account.clone()];
    }
    config.users.extend(options.users);
    config.cluster = options.cluster;
    config.connections = options.connections;
    // STRM_MASTER_KEY (and STRM_PREVIOUS_MASTER_KEY) when set, else `master.key`.
    config.master_key = strm_server::master_key::MasterKeyConfig::from_env();
    config.master_key.rotate = options.rotate_master_key;
    if let Some(addr) = options.addr {
        let mut handle = strm_server::start(ServerConfig { addr, ..config }).await?;
        return publish(server_dir, &mut handle, lock).map(|url| LocalBackend {
            url,
            account,
            handle: Some(handle),
        });
    }
    let file = server_dir.join(SERVER_FILE);
    // The previous port, when still free, keeps the URL (and with it the credentials
    // file, which is named after host and port) the same across restarts.
    let previous_port = read_server_file(&file).ok().and_then(|url| {
        url.rsplit_once(':')
            .and_then(|(_, p)| p.parse::<u16>().ok())
    });
    let mut handle = match previous_port {
        Some(port) => {
            let mut again = config.clone();
            again.addr.set_port(port);
            match strm_server::start(again).await {
                Ok(handle) => handle,
                Err(ServerError::Bind { .. }) => strm_server::start(config).await?,
                Err(e) => return Err(e),
            }
        }
        None => strm_server::start(config).await?,
    };
    let url = publish(server_dir, &mut handle, lock)?;
    Ok(LocalBackend {
        url,
        account,
        handle: Some(handle),
    })
}

/// Ties the lock to the running server and tells joiners where it listens.
fn publish(
    server_dir: &Path,
    handle: &mut ServerHandle,
    lock: File,
) -> Result<String, ServerError> {
    handle.hold_lock(lock);
    let url = handle.url();
    let file = server_dir.join(SERVER_FILE);
    let json = serde_json::to_vec(&ServerFile { url: url.clone() }).expect("serialises");
    strm_model::files::write_private_file(&file, &json).map_err(|e| ServerError::io(&file, e))?;
    Ok(url)
}

/// The server `server.json` names, when it answers; else (its URL, what went wrong).
async fn join(server_dir: &Path, http: &reqwest::Client) -> Result<LocalBackend, (String, String)> {
    let url = read_server_file(&server_dir.join(SERVER_FILE))
        .map_err(|e| (String::from("(none yet)"), e))?;
    match http.get(format!("{url}/openapi.json")).send().await {
        Ok(r) if r.status().is_success() => {
            let account = read_account(&server_dir.join(ACCOUNT_FILE))
                .map_err(|e| (url.clone(), e.to_string()))?;
            Ok(LocalBackend {
                url,
                account,
                handle: None,
            })
        }
        Ok(r) => Err((url, format!("it answered HTTP {}", r.status()))),
        Err(e) => Err((url, e.to_string())),
    }
}

fn read_server_file(file: &Path) -> Result<String, String> {
    let text = std::fs::read_to_string(file).map_err(|e| e.to_string())?;
    serde_json::from_str::<ServerFile>(&text)
        .map(|f| f.url)
        .map_err(|e| format!("not a server file ({e})"))
}

fn read_account(path: &Path) -> Result<LocalAccount, ServerError> {
    let text = std::fs::read_to_string(path).map_err(|e| ServerError::io(path, e))?;
    serde_json::from_str(&text).map_err(|e| ServerError::Account {
        email: LOCAL_EMAIL.into(),
        reason: format!(
            "{} is not a local account file ({e}); delete it to make a new one",
            path.display()
        ),
    })
}

fn load_or_create_account(server_dir: &Path) -> Result<LocalAccount, ServerError> {
    let path: PathBuf = server_dir.join(ACCOUNT_FILE);
    if path.exists() {
        return read_account(&path);
    }
    let account = LocalAccount {
        email: LOCAL_EMAIL.into(),
        password: secrets::token().into(),
    };
    let json = serde_json::to_vec_pretty(&account).expect("serialises");
    strm_model::files::write_private_file(&path, &json).map_err(|e| ServerError::io(&path, e))?;
    Ok(account)
}
