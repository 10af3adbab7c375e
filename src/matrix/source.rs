//! The identity of a source tree, so that `merge` can refuse shards built
//! from different sources: sha256 over every file's relative path and
//! contents, in sorted path order, `.git` left out (a symlink counts by its
//! target, never followed). The same commit checked out anywhere gives the
//! same digest.

use std::path::Path;

use anyhow::{Context as _, Result};
use sha2::{Digest, Sha256};

use crate::report::matrix::Source;

/// Files walked at most: a tree larger than this is not a Go module to verify.
const MAX_FILES: u64 = 1_000_000;

/// The digest of the tree at `dir`.
pub(super) fn digest(dir: &Path) -> Result<Source> {
    let root = std::fs::canonicalize(dir)
        .with_context(|| format!("cannot read source directory {}", dir.display()))?;
    let mut entries: Vec<(String, std::path::PathBuf, bool)> = Vec::new();
    let mut stack = vec![root.clone()];
    while let Some(d) = stack.pop() {
        let read = std::fs::read_dir(&d).with_context(|| format!("cannot read {}", d.display()))?;
        for entry in read {
            let entry = entry.with_context(|| format!("cannot read {}", d.display()))?;
            let path = entry.path();
            let kind = entry
                .file_type()
                .with_context(|| format!("cannot read {}", path.display()))?;
            if kind.is_dir() {
                if entry.file_name() != ".git" {
                    stack.push(path);
                }
                continue;
            }
            let rel = path
                .strip_prefix(&root)
                .unwrap_or(&path)
                .to_string_lossy()
                .replace('\\', "/");
            entries.push((rel, path, kind.is_symlink()));
            if entries.len() as u64 > MAX_FILES {
                anyhow::bail!(
                    "{} holds more than {MAX_FILES} files: not a source tree twinbuild verifies",
                    root.display()
                );
            }
        }
    }
    entries.sort();
    let mut all = Sha256::new();
    for (rel, path, symlink) in &entries {
        let content = if *symlink {
            let target = std::fs::read_link(path)
                .with_context(|| format!("cannot read link {}", path.display()))?;
            format!("symlink:{}", target.to_string_lossy()).into_bytes()
        } else {
            let mut h = Sha256::new();
            let mut f = std::fs::File::open(path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            std::io::copy(&mut f, &mut h)
                .with_context(|| format!("cannot read {}", path.display()))?;
            h.finalize().to_vec()
        };
        all.update((rel.len() as u64).to_le_bytes());
        all.update(rel.as_bytes());
        all.update((content.len() as u64).to_le_bytes());
        all.update(&content);
    }
    Ok(Source {
        dir: dir.display().to_string(),
        sha256: crate::binary::hex(&all.finalize()),
        files: entries.len() as u64,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_tree_same_digest_anywhere_and_any_change_shows() {
        let make = |extra: &str| {
            let d = tempfile::tempdir().unwrap();
            std::fs::create_dir_all(d.path().join("cmd/a")).unwrap();
            std::fs::create_dir_all(d.path().join(".git")).unwrap();
            std::fs::write(d.path().join(".git/HEAD"), extra).unwrap();
            std::fs::write(d.path().join("go.mod"), "module m\n").unwrap();
            std::fs::write(d.path().join("cmd/a/main.go"), "package main\n").unwrap();
            d
        };
        let (a, b) = (make("x"), make("y"));
        let (da, db) = (digest(a.path()).unwrap(), digest(b.path()).unwrap());
        assert_eq!(da.sha256, db.sha256, ".git and the location do not count");
        assert_eq!(da.files, 2);
        std::fs::write(b.path().join("cmd/a/main.go"), "package main\n\n").unwrap();
        assert_ne!(digest(b.path()).unwrap().sha256, da.sha256);
        std::fs::rename(b.path().join("cmd/a"), b.path().join("cmd/b")).unwrap();
        std::fs::write(b.path().join("cmd/b/main.go"), "package main\n").unwrap();
        assert_ne!(
            digest(b.path()).unwrap().sha256,
            da.sha256,
            "a rename counts"
        );
    }
}
