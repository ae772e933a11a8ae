//! How many connections the server holds: in total (below the descriptor limit, so that
//! SQLite, the event log and exports always find a descriptor) and per client address
//! (so that one client cannot take them all). A connection over either is answered at
//! once and closed.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard};

/// Descriptors kept free for everything but client connections: the database and its
/// journal, event-log segments, bucket files, connections to S3 stores, logs.
pub const RESERVED_DESCRIPTORS: u64 = 256;
/// The fewest connections a total cap derived from a small descriptor limit allows.
const MIN_TOTAL: usize = 64;

/// Why a connection was not admitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// This address holds its share already (answered 429).
    PerAddress(usize),
    /// The server holds all it can (answered 503).
    Total(usize),
}

#[derive(Default)]
struct Counts {
    total: usize,
    by_address: HashMap<IpAddr, usize>,
}

pub struct Limits {
    total: usize,
    per_address: usize,
    counts: Mutex<Counts>,
}

impl Limits {
    pub fn new(total: usize, per_address: usize) -> Arc<Limits> {
        let total = total.max(1);
        Arc::new(Limits {
            total,
            per_address: per_address.clamp(1, total),
            counts: Mutex::new(Counts::default()),
        })
    }

    /// The total cap for a soft descriptor limit.
    pub fn total_for(open_files: u64) -> usize {
        (open_files.saturating_sub(RESERVED_DESCRIPTORS) as usize).max(MIN_TOTAL)
    }

    pub fn total(&self) -> usize {
        self.total
    }

    pub fn per_address(&self) -> usize {
        self.per_address
    }

    fn counts(&self) -> MutexGuard<'_, Counts> {
        self.counts.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Connections held now.
    pub fn open(&self) -> usize {
        self.counts().total
    }

    /// Admits a connection from `address`; the admission ends when dropped.
    pub fn admit(self: &Arc<Self>, address: IpAddr) -> Result<Admission, Refusal> {
        let mut counts = self.counts();
        if counts.total >= self.total {
            return Err(Refusal::Total(self.total));
        }
        let held = counts.by_address.entry(address).or_default();
        if *held >= self.per_address {
            return Err(Refusal::PerAddress(self.per_address));
        }
        *held += 1;
        counts.total += 1;
        Ok(Admission {
            limits: self.clone(),
            address,
        })
    }
}

/// One admitted connection; dropping it (when the connection, or the websocket it was
/// upgraded to, closes) frees its place.
pub struct Admission {
    limits: Arc<Limits>,
    address: IpAddr,
}

impl Drop for Admission {
    fn drop(&mut self) {
        let mut counts = self.limits.counts();
        counts.total = counts.total.saturating_sub(1);
        if let Some(held) = counts.by_address.get_mut(&self.address) {
            *held -= 1;
            if *held == 0 {
                counts.by_address.remove(&self.address);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(last: u8) -> IpAddr {
        IpAddr::from([127, 0, 0, last])
    }

    #[test]
    fn each_address_gets_its_share_and_all_together_the_total() {
        let limits = Limits::new(5, 3);
        let a: Vec<_> = (0..3).map(|_| limits.admit(ip(1)).unwrap()).collect();
        assert_eq!(limits.admit(ip(1)).err(), Some(Refusal::PerAddress(3)));
        let b: Vec<_> = (0..2).map(|_| limits.admit(ip(2)).unwrap()).collect();
        assert_eq!(limits.admit(ip(3)).err(), Some(Refusal::Total(5)));
        assert_eq!(limits.open(), 5);
        drop(a);
        assert_eq!(limits.open(), 2);
        let _again = limits.admit(ip(1)).unwrap();
        drop(b);
        assert_eq!(limits.open(), 1);
        assert!(
            limits.counts().by_address.len() == 1,
            "empty entries are removed"
        );
    }

    #[test]
    fn the_total_stays_below_the_descriptor_limit() {
        assert_eq!(Limits::total_for(1024), 768);
        assert_eq!(Limits::total_for(100), MIN_TOTAL);
        assert_eq!(Limits::new(10, 50).per_address(), 10);
    }
}
