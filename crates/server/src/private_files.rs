//! Everything the server writes is readable only by its user: files 0600, directories
//! 0700 — the database and SQLite's `-wal` and `-shm` beside it, the event log, bucket
//! directories and the objects exporters write there (decrypted events and exported keys
//! included), the master key. Libraries create some of these files themselves (SQLite,
//! `object_store`), so the process's file-creation mask says it for all of them, and
//! files an older version left readable are made private at start.

use std::path::Path;

/// Makes every file this process creates from now on private (umask 077). The console,
/// which embeds the server, keeps only private files too.
pub fn keep_private() {
    use nix::sys::stat::{Mode, umask};
    umask(Mode::from_bits_truncate(0o077));
}

/// Makes `dir` and everything below it private; how many entries it changed. Symbolic
/// links are left alone (and not followed).
pub fn make_private(dir: &Path) -> std::io::Result<usize> {
    use std::os::unix::fs::PermissionsExt;
    let mut changed = 0;
    let mut todo = vec![dir.to_path_buf()];
    while let Some(path) = todo.pop() {
        let meta = match std::fs::symlink_metadata(&path) {
            Ok(m) => m,
            // Removed meanwhile (a temporary file of an export).
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        };
        let wanted = if meta.is_dir() {
            0o700
        } else if meta.is_file() {
            0o600
        } else {
            continue;
        };
        if meta.permissions().mode() & 0o777 != wanted {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(wanted))?;
            changed += 1;
        }
        if meta.is_dir() {
            for entry in std::fs::read_dir(&path)? {
                todo.push(entry?.path());
            }
        }
    }
    Ok(changed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn files_an_older_version_left_open_become_private() {
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let root = tempfile::tempdir().unwrap();
        let bucket = root.path().join("buckets/b/level01");
        std::fs::create_dir_all(&bucket).unwrap();
        let file = bucket.join("x.jsonl");
        std::fs::write(&file, "{}").unwrap();
        for p in [root.path().join("buckets"), bucket.clone()] {
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        std::os::unix::fs::symlink("/etc/hostname", root.path().join("link")).unwrap();
        assert!(make_private(root.path()).unwrap() >= 3);
        assert_eq!(mode(&file), 0o600);
        assert_eq!(mode(&bucket), 0o700);
        assert_eq!(mode(&root.path().join("buckets")), 0o700);
        assert_eq!(
            make_private(root.path()).unwrap(),
            0,
            "a second pass changes nothing"
        );
    }
}
