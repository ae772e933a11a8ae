//! Password hashing off the async runtime, in bounded memory: a fixed number of threads,
//! each reusing one argon2 memory area for every hash it computes, behind a short queue.
//! A flood of sign-ins waits in the queue or is turned away at once (busy), so memory
//! stays at `WORKERS` areas (19 MiB each) whatever the load, and the rest of the server
//! keeps its threads.

use std::sync::mpsc::{Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};

use argon2::password_hash::{Output, ParamsString, PasswordHash, Salt, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use rand::Rng;

/// Threads that hash; the machine's other cores keep serving.
pub const WORKERS: usize = 2;
/// Hashes that may wait for a thread; beyond that a sign-in is answered "busy".
pub const QUEUE: usize = 64;
/// The most memory a stored hash may ask for (KiB); this server writes 19 MiB ones.
const MAX_M_COST: u32 = 64 * 1024;

/// Why a hash was not computed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PoolError {
    #[error("the server is busy checking other passwords")]
    Busy,
    #[error("password hashing failed: {0}")]
    Failed(String),
}

enum Work {
    Hash(String),
    /// A password and the stored hash to check it against.
    Verify(String, String),
}

enum Done {
    Hashed(Result<String, String>),
    Verified(bool),
}

struct Job {
    work: Work,
    reply: tokio::sync::oneshot::Sender<Done>,
}

pub struct PasswordPool {
    jobs: SyncSender<Job>,
}

impl PasswordPool {
    pub fn new() -> std::io::Result<PasswordPool> {
        let (jobs, queue) = std::sync::mpsc::sync_channel::<Job>(QUEUE);
        let queue = Arc::new(Mutex::new(queue));
        for n in 0..WORKERS {
            let queue = queue.clone();
            std::thread::Builder::new()
                .name(format!("password-{n}"))
                .spawn(move || work(&queue))?;
        }
        Ok(PasswordPool { jobs })
    }

    async fn run(&self, work: Work) -> Result<Done, PoolError> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.jobs
            .try_send(Job { work, reply })
            .map_err(|e| match e {
                TrySendError::Full(_) => PoolError::Busy,
                TrySendError::Disconnected(_) => PoolError::Failed("no hashing thread runs".into()),
            })?;
        answer
            .await
            .map_err(|_| PoolError::Failed("a hashing thread stopped".into()))
    }

    /// A new salted argon2id hash of `password` (PHC string).
    pub async fn hash(&self, password: String) -> Result<String, PoolError> {
        match self.run(Work::Hash(password)).await? {
            Done::Hashed(result) => result.map_err(PoolError::Failed),
            Done::Verified(_) => Err(PoolError::Failed("a wrong answer".into())),
        }
    }

    /// Whether `password` matches `stored` (a PHC string); unreadable hashes match nothing.
    pub async fn verify(&self, password: String, stored: String) -> Result<bool, PoolError> {
        match self.run(Work::Verify(password, stored)).await? {
            Done::Verified(ok) => Ok(ok),
            Done::Hashed(_) => Err(PoolError::Failed("a wrong answer".into())),
        }
    }
}

/// One hashing thread: takes jobs until the pool is dropped.
fn work(queue: &Mutex<Receiver<Job>>) {
    let mut memory: Vec<Block> = Vec::new();
    loop {
        let job = {
            let queue = queue.lock().unwrap_or_else(|e| e.into_inner());
            match queue.recv() {
                Ok(job) => job,
                Err(_) => return,
            }
        };
        let done = match job.work {
            Work::Hash(password) => Done::Hashed(hash(&mut memory, password.as_bytes())),
            Work::Verify(password, stored) => {
                Done::Verified(verify(&mut memory, password.as_bytes(), &stored))
            }
        };
        let _ = job.reply.send(done);
    }
}

/// The memory area for `params`, grown once and then reused.
fn area<'m>(memory: &'m mut Vec<Block>, params: &Params) -> &'m mut [Block] {
    if memory.len() < params.block_count() {
        memory.resize(params.block_count(), Block::default());
    }
    &mut memory[..params.block_count()]
}

fn hash(memory: &mut Vec<Block>, password: &[u8]) -> Result<String, String> {
    let params = Params::default();
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let mut salt_bytes = [0u8; 16];
    rand::rng().fill(&mut salt_bytes);
    let salt = SaltString::encode_b64(&salt_bytes).map_err(|e| e.to_string())?;
    let output = Output::init_with(Params::DEFAULT_OUTPUT_LEN, |out| {
        argon
            .hash_password_into_with_memory(password, &salt_bytes, out, area(memory, &params))
            .map_err(|_| argon2::password_hash::Error::Crypto)
    })
    .map_err(|e| e.to_string())?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(|e| e.to_string())?,
        salt: Some(Salt::from(&salt)),
        hash: Some(output),
    };
    Ok(phc.to_string())
}

fn verify(memory: &mut Vec<Block>, password: &[u8], stored: &str) -> bool {
    let mut check = || -> Option<bool> {
        let phc = PasswordHash::new(stored).ok()?;
        let algorithm = Algorithm::try_from(phc.algorithm).ok()?;
        let version = match phc.version {
            Some(v) => Version::try_from(v).ok()?,
            None => Version::default(),
        };
        let expected = phc.hash?;
        let mut params = Params::try_from(&phc).ok()?;
        if params.m_cost() > MAX_M_COST {
            return None;
        }
        params = Params::new(
            params.m_cost(),
            params.t_cost(),
            params.p_cost(),
            Some(expected.len()),
        )
        .ok()?;
        let mut salt = [0u8; 64];
        let salt = phc.salt?.decode_b64(&mut salt).ok()?;
        let argon = Argon2::new(algorithm, version, params.clone());
        let mut out = vec![0u8; expected.len()];
        argon
            .hash_password_into_with_memory(password, salt, &mut out, area(memory, &params))
            .ok()?;
        // `Output`'s equality is constant-time.
        Some(Output::new(&out).ok()? == expected)
    };
    check().unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_interoperate_with_the_plain_argon2_api() {
        let pool = PasswordPool::new().unwrap();
        let h = pool.hash("correct horse".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(
            pool.verify("correct horse".into(), h.clone())
                .await
                .unwrap()
        );
        assert!(!pool.verify("wrong horse".into(), h.clone()).await.unwrap());
        assert!(!pool.verify("x".into(), "not a hash".into()).await.unwrap());
        // Hashes of the plain API (accounts made by earlier versions) still verify, and
        // the plain API accepts ours.
        let old = crate::secrets::hash_password("older password").unwrap();
        assert!(pool.verify("older password".into(), old).await.unwrap());
        assert!(crate::secrets::verify_password("correct horse", &h));
    }

    #[tokio::test]
    async fn a_full_queue_is_busy_at_once() {
        let pool = PasswordPool::new().unwrap();
        let many: Vec<_> = (0..WORKERS + QUEUE + 20)
            .map(|i| {
                pool.verify(
                    format!("guess {i}"),
                    crate::secrets::unknown_account_hash().unwrap().into(),
                )
            })
            .collect();
        let results = futures::future::join_all(many).await;
        assert!(
            results.contains(&Err(PoolError::Busy)),
            "some are turned away"
        );
        assert!(results.contains(&Ok(false)), "the others are answered");
    }
}
