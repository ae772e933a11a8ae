//! What the unit tests of the workspace's crates share (a dev-dependency only): files in
//! a temporary directory, for the code that reads files a user names.

use std::path::PathBuf;

use tempfile::TempDir;

/// A temporary directory, removed when dropped.
pub struct Scratch(TempDir);

impl Scratch {
    pub fn new() -> Scratch {
        Scratch(tempfile::tempdir().expect("a temporary directory"))
    }

    /// A new directory holding one file, `name` with `text`; the file's path.
    pub fn with_file(name: &str, text: &str) -> (Scratch, PathBuf) {
        let dir = Scratch::new();
        let path = dir.file(name, text);
        (dir, path)
    }

    /// Where `name` is in it; no file is made.
    pub fn path(&self, name: &str) -> PathBuf {
        self.0.path().join(name)
    }

    /// The file `name` holding `text` (replaced if it was there); its path.
    pub fn file(&self, name: &str, text: &str) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, text).expect("the file is written");
        path
    }
}

impl Default for Scratch {
    fn default() -> Scratch {
        Scratch::new()
    }
}
