//! A scratch directory per test, and what it holds.

use std::path::{Path, PathBuf};

/// A directory of its own under the temp dir, removed on drop.
pub struct Scratch(PathBuf);

impl Scratch {
    /// `metrics-{test}-{pid}` under the temp dir, empty.
    pub fn new(test: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("metrics-{test}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch directory");
        Scratch(dir)
    }

    /// `name` in the directory.
    pub fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The names in `dir`, sorted: a leftover temporary file shows up here.
pub fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("readable directory")
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}
