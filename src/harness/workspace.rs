//! The temp dirs of one run and where each side's dirs go inside them.
//!
//! One `tempfile::TempDir` root per run, in the system temp dir, holds both
//! sides. The two sides' dirs differ in name, length *and* depth, so a path
//! that leaks into a binary shifts its layout, as it would between two real
//! machines:
//!
//! ```text
//! <root>/lhs/                      <root>/rhs_build/work/
//!   src/          the workdir        tree/src/     the workdir
//!   home/ tmp/ gotmp/ gocache/ gopath/ (GOMODCACHE = gopath/pkg/mod) out/
//! ```
//!
//! Every name the harness gives (the root's `twinbuild_` prefix and the
//! random letters and digits `tempfile` adds, and the dirs above) is made of
//! letters, digits, `_`, `.` and `/`: the go command refuses `-` and `@` in
//! a `#cgo CFLAGS: -D...=${SRCDIR}/...` value, so a `-` in the harness's
//! paths would break cgo builds that work in the user's checkout.
//!
//! With `--cache-dir D` the caches are `D/lhs` and `D/rhs` instead of
//! `gocache/`. The [`Workspace`] registers its root with `cleanup` and removes
//! it (read-only module-cache dirs included) when dropped, unless kept.

use std::path::{Path, PathBuf};

use super::{cleanup, BuildError, Side, Workspace};

/// Every path one side's build uses.
#[derive(Debug, Clone)]
pub(crate) struct SideDirs {
    pub side: Side,
    /// `<root>/lhs` or `<root>/rhs_build/work`: everything of this side below it (except a `--cache-dir` cache).
    pub base: PathBuf,
    /// The copy of the source tree; the builds run here.
    pub workdir: PathBuf,
    pub home: PathBuf,
    pub tmp: PathBuf,
    pub gotmp: PathBuf,
    pub gocache: PathBuf,
    pub gopath: PathBuf,
    pub gomodcache: PathBuf,
    /// Where `go build -o` writes, outside the workdir so the tree is not changed.
    pub out: PathBuf,
}

impl SideDirs {
    /// The layout of `side` under `root`; `cache_dir` is absolute when given.
    pub fn new(root: &Path, side: Side, cache_dir: Option<&Path>) -> SideDirs {
        let (base, workdir) = match side {
            Side::Lhs => {
                let base = root.join("lhs");
                let workdir = base.join("src");
                (base, workdir)
            }
            Side::Rhs => {
                let base = root.join("rhs_build").join("work");
                let workdir = base.join("tree").join("src");
                (base, workdir)
            }
        };
        let gopath = base.join("gopath");
        SideDirs {
            side,
            workdir,
            home: base.join("home"),
            tmp: base.join("tmp"),
            gotmp: base.join("gotmp"),
            gocache: match cache_dir {
                Some(d) => d.join(side.name()),
                None => base.join("gocache"),
            },
            gomodcache: gopath.join("pkg").join("mod"),
            gopath,
            out: base.join("out"),
            base,
        }
    }

    /// Creates every dir except the workdir (the copy creates it).
    pub fn create(&self) -> Result<(), BuildError> {
        for d in [
            &self.home,
            &self.tmp,
            &self.gotmp,
            &self.gocache,
            &self.gopath,
            &self.out,
        ] {
            std::fs::create_dir_all(d)
                .map_err(|e| io_error(format!("cannot create {}", d.display()), e))?;
        }
        if let Some(parent) = self.workdir.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| io_error(format!("cannot create {}", parent.display()), e))?;
        }
        Ok(())
    }
}

impl Workspace {
    /// A fresh temp root in the system temp dir, registered for Ctrl-C cleanup.
    pub fn create() -> Result<Workspace, BuildError> {
        let dir = tempfile::Builder::new()
            .prefix("twinbuild_")
            .tempdir()
            .map_err(|e| io_error("cannot create a temp dir".to_string(), e))?;
        cleanup::register_root(dir.path());
        Ok(Workspace { root: Some(dir) })
    }

    /// A workspace that owns nothing (for builders that create no temp dirs).
    pub fn none() -> Workspace {
        Workspace { root: None }
    }

    /// The temp root, while it is owned.
    pub fn path(&self) -> Option<&Path> {
        self.root.as_ref().map(|d| d.path())
    }

    /// Stops owning the root: it stays on disk after the run. Returns its path.
    pub fn keep(&mut self) -> Option<PathBuf> {
        let dir = self.root.take()?;
        cleanup::unregister_root(dir.path());
        Some(dir.keep())
    }
}

impl Drop for Workspace {
    fn drop(&mut self) {
        if let Some(dir) = self.root.take() {
            // TempDir's own removal fails on the read-only module-cache dirs: remove it ourselves.
            let path = dir.keep();
            let _ = cleanup::remove_tree(&path);
            cleanup::unregister_root(&path);
        }
    }
}

/// Whether the go command accepts `p` in every #cgo flag: it refuses `-` and
/// `@` in a `-D` value, which `${SRCDIR}` expands into (cmd/go's
/// security.go). The harness's own names use letters, digits, `_`, `.` and
/// `/` only; the system temp dir above them is the user's.
pub(crate) fn cgo_flag_safe(p: &Path) -> bool {
    !p.to_string_lossy().contains(['-', '@'])
}

/// Whether every character of `p` is a letter, a digit, `_`, `.` or `/`.
#[cfg(test)]
fn plain(p: &Path) -> bool {
    p.to_string_lossy()
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_./".contains(c))
}

pub(crate) fn io_error(context: String, source: std::io::Error) -> BuildError {
    BuildError::Io { context, source }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sides_differ_in_name_length_and_depth() {
        let root = Path::new("/tmp/twinbuild_x");
        let l = SideDirs::new(root, Side::Lhs, None);
        let r = SideDirs::new(root, Side::Rhs, None);
        for (a, b) in [
            (&l.workdir, &r.workdir),
            (&l.home, &r.home),
            (&l.tmp, &r.tmp),
            (&l.gotmp, &r.gotmp),
            (&l.gocache, &r.gocache),
            (&l.gopath, &r.gopath),
            (&l.gomodcache, &r.gomodcache),
            (&l.out, &r.out),
        ] {
            // Regression: `rhs-build` made `#cgo CFLAGS: -DX=${SRCDIR}/...` fail on both sides.
            assert!(plain(a) && plain(b), "{a:?} {b:?}");
            assert!(cgo_flag_safe(a) && cgo_flag_safe(b), "{a:?} {b:?}");
            assert_ne!(a.as_os_str().len(), b.as_os_str().len(), "{a:?} {b:?}");
            assert_ne!(
                a.components().count(),
                b.components().count(),
                "{a:?} {b:?}"
            );
        }
        assert_ne!(
            l.workdir.parent().unwrap().file_name(),
            r.workdir.parent().unwrap().file_name()
        );
        let c = SideDirs::new(root, Side::Rhs, Some(Path::new("/cache")));
        assert_eq!(c.gocache, Path::new("/cache/rhs"));
    }

    #[test]
    fn paths_the_go_command_refuses_in_cgo_flags() {
        assert!(cgo_flag_safe(Path::new("/tmp/twinbuild_aZ09/lhs/src")));
        assert!(!cgo_flag_safe(Path::new("/tmp/twinbuild-aZ09/lhs/src")));
        assert!(!cgo_flag_safe(Path::new("/home/me@corp/src")));
        assert!(plain(Path::new("/a_b/c.d/9")));
        assert!(!plain(Path::new("/a b")) && !plain(Path::new("/a-b")));
    }

    #[test]
    fn workspace_is_removed_on_drop_and_kept_on_request() {
        let ws = Workspace::create().unwrap();
        let p = ws.path().unwrap().to_path_buf();
        // The prefix and tempfile's random part: letters, digits and `_` (no `-`).
        let name = Path::new(p.file_name().unwrap());
        assert!(name.to_string_lossy().starts_with("twinbuild_"), "{p:?}");
        assert!(plain(name), "{p:?}");
        std::fs::create_dir_all(p.join("a/b")).unwrap();
        drop(ws);
        assert!(!p.exists());

        let mut ws = Workspace::create().unwrap();
        let kept = ws.keep().unwrap();
        drop(ws);
        assert!(kept.exists());
        std::fs::remove_dir_all(kept).unwrap();
    }
}
