//! Local buckets (directories `<data dir>/buckets/<bucket>/`) are one namespace for the
//! whole server, as S3 bucket names are one namespace for the world. Like S3, a local
//! bucket belongs to the account that first used it (created a sink on it): another
//! account's sink on that name is refused (409), and nothing of the server opens the
//! directory for anyone but its owner. Owners are recorded beside the buckets, in
//! `buckets/.owners/<bucket>` (a bucket name never starts with a dot).

use std::io::Write;
use std::path::{Path, PathBuf};

use super::sink::SinkError;

fn owner_file(buckets: &Path, bucket: &str) -> PathBuf {
    buckets.join(".owners").join(bucket)
}

/// The account `bucket` belongs to, if any did use it yet.
pub fn owner(buckets: &Path, bucket: &str) -> Result<Option<String>, SinkError> {
    let path = owner_file(buckets, bucket);
    match std::fs::read_to_string(&path) {
        Ok(owner) => Ok(Some(owner.trim().to_owned())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(SinkError::Owner { path, source }),
    }
}

/// Makes `account` the owner of `bucket` if it has none; `Err(NotOwner)` when another
/// account owns it. Two accounts claiming at once: exactly one wins.
pub fn claim(buckets: &Path, bucket: &str, account: &str) -> Result<(), SinkError> {
    if let Some(owner) = owner(buckets, bucket)? {
        return check(bucket, &owner, account);
    }
    let path = owner_file(buckets, bucket);
    let io = |source| SinkError::Owner {
        path: path.clone(),
        source,
    };
    let dir = path.parent().unwrap_or(buckets);
    strm_model::files::create_private_dir(dir).map_err(io)?;
    // Written whole under a unique name, then linked into place: the link fails if
    // another claim got there first, and a reader never sees half a name.
    let tmp = dir.join(format!(".{bucket}.{}", uuid::Uuid::new_v4()));
    let mut file = std::fs::File::create(&tmp).map_err(io)?;
    file.write_all(account.as_bytes()).map_err(io)?;
    file.sync_all().map_err(io)?;
    let linked = std::fs::hard_link(&tmp, &path);
    let _ = std::fs::remove_file(&tmp);
    match linked {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let owner = owner(buckets, bucket)?.unwrap_or_default();
            check(bucket, &owner, account)
        }
        Err(e) => Err(io(e)),
    }
}

fn check(bucket: &str, owner: &str, account: &str) -> Result<(), SinkError> {
    if owner == account {
        Ok(())
    } else {
        Err(SinkError::NotOwner {
            bucket: bucket.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_account_owns_a_bucket_and_others_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        claim(dir.path(), "alice-bucket", "alice1234567890").unwrap();
        claim(dir.path(), "alice-bucket", "alice1234567890").unwrap();
        let err = claim(dir.path(), "alice-bucket", "bob1234567890").unwrap_err();
        assert!(matches!(err, SinkError::NotOwner { .. }), "{err}");
        assert!(err.to_string().contains("alice-bucket"), "{err}");
        claim(dir.path(), "bob-bucket", "bob1234567890").unwrap();
        assert_eq!(
            owner(dir.path(), "bob-bucket").unwrap().as_deref(),
            Some("bob1234567890")
        );
    }

    #[test]
    fn racing_claims_have_one_winner() {
        let dir = tempfile::tempdir().unwrap();
        let wins: usize = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8)
                .map(|n| {
                    let root = dir.path();
                    s.spawn(move || claim(root, "contested", &format!("account{n}")).is_ok())
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap() as usize)
                .sum()
        });
        assert_eq!(wins, 1);
    }
}
