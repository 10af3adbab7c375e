//! Recreating the original absolute paths of a build without `-trimpath`.
//!
//! Input: the recipe's [`OriginalPaths`] and the workspace dirs that must
//! appear there (the module root, the toolchain's GOROOT, the module cache).
//! Output: a [`MountPlan`], and from it the `unshare` command line that runs
//! the build in a private mount namespace where those dirs are bind-mounted at
//! the original paths.
//!
//! The host's real directories at those paths are never touched: the mounts
//! exist only inside the namespace and vanish with it. A path whose parent
//! does not exist on the host is made by mounting an empty tmpfs over its
//! deepest existing ancestor (inside the namespace only), which hides that
//! ancestor's contents from the build; the plan refuses when anything the
//! build needs (the workspace, the toolchain, the system's `/bin`, `/usr`,
//! `/lib`, `/etc`, `/dev`, `/proc`, `/tmp`) is under such an ancestor, when
//! the ancestor would be `/` itself, and for Windows paths. `unshare -m`
//! needs root (or user namespaces: `unshare -Urm` is tried otherwise); when
//! neither works the rebuild says so and exits 2.
//!
//! Pure except for the `exists` probe the planner is given.

use std::path::{Path, PathBuf};

use super::fake_git::sh_quote;

/// One bind mount: `source` (in the workspace) appears at `target` (the original path).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bind {
    pub source: PathBuf,
    pub target: String,
}

/// The mounts that recreate the original paths.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MountPlan {
    /// Existing host dirs covered by an empty tmpfs inside the namespace, so missing dirs can be made.
    pub tmpfs: Vec<String>,
    /// Dirs to create (inside the tmpfs mounts).
    pub mkdirs: Vec<String>,
    /// Bind mounts, parents before children.
    pub binds: Vec<Bind>,
}

/// Dirs the build needs from the host, which no tmpfs may hide.
const NEEDED: &[&str] = &[
    "/bin", "/sbin", "/usr", "/lib", "/lib64", "/etc", "/dev", "/proc", "/sys", "/tmp",
];

/// Why the original paths cannot be recreated.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PathError {
    #[error(
        "the original path {0} is not a Unix absolute path; it cannot be recreated on this host"
    )]
    NotUnix(String),
    #[error("recreating {path} would hide {hidden}, which the rebuild needs")]
    Hides { path: String, hidden: String },
    #[error("recreating {0} would need an empty file system over /")]
    Root(String),
}

/// Plans the mounts for `binds` (`(workspace dir, original path)`); `needed` are more host paths the build reads.
pub fn plan(
    binds: &[(PathBuf, String)],
    needed: &[PathBuf],
    exists: &dyn Fn(&Path) -> bool,
) -> Result<MountPlan, PathError> {
    let mut out = MountPlan {
        tmpfs: Vec::new(),
        mkdirs: Vec::new(),
        binds: Vec::new(),
    };
    let mut sorted: Vec<&(PathBuf, String)> = binds.iter().collect();
    sorted.sort_by_key(|(_, t)| (t.matches('/').count(), t.clone()));
    for (source, target) in sorted {
        if !target.starts_with('/') || target.contains("/../") || target.ends_with("/..") {
            return Err(PathError::NotUnix(target.clone()));
        }
        let target = target.trim_end_matches('/').to_string();
        let inside_earlier = out
            .binds
            .iter()
            .any(|b| target.starts_with(&format!("{}/", b.target)));
        let inside_tmpfs = out
            .tmpfs
            .iter()
            .any(|t| target.starts_with(&format!("{t}/")));
        if !inside_earlier && !inside_tmpfs && !exists(Path::new(&target)) {
            // The deepest existing ancestor gets an empty tmpfs.
            let mut ancestor = Path::new(&target).parent();
            while let Some(a) = ancestor {
                if exists(a) {
                    break;
                }
                ancestor = a.parent();
            }
            let a = ancestor.unwrap_or(Path::new("/"));
            if a == Path::new("/") {
                return Err(PathError::Root(target));
            }
            let a_str = a.to_string_lossy().to_string();
            let host_needed = NEEDED
                .iter()
                .map(PathBuf::from)
                .chain(needed.iter().cloned());
            for n in host_needed {
                if n.starts_with(a) || a.starts_with(&n) {
                    return Err(PathError::Hides {
                        path: target,
                        hidden: n.display().to_string(),
                    });
                }
            }
            if !out.tmpfs.contains(&a_str) {
                out.tmpfs.push(a_str);
            }
        }
        if !exists(Path::new(&target)) || inside_earlier || inside_tmpfs {
            out.mkdirs.push(target.clone());
        }
        out.binds.push(Bind {
            source: source.clone(),
            target,
        });
    }
    Ok(out)
}

impl MountPlan {
    /// The shell commands that set the mounts up (run inside the new namespace), then
    /// enter `dir` and run the build.
    pub fn script(&self, dir: &Path) -> String {
        let mut s = String::from("set -e; mount --make-rprivate / ; ");
        for t in &self.tmpfs {
            s.push_str(&format!("mount -t tmpfs twinbuild {} ; ", sh_quote(t)));
        }
        for b in &self.binds {
            if self.mkdirs.contains(&b.target) {
                s.push_str(&format!("mkdir -p {} ; ", sh_quote(&b.target)));
            }
            s.push_str(&format!(
                "mount --bind {} {} ; ",
                sh_quote(&b.source.to_string_lossy()),
                sh_quote(&b.target)
            ));
        }
        s.push_str(&format!(
            "cd {} && exec \"$@\"",
            sh_quote(&dir.to_string_lossy())
        ));
        s
    }
}

/// `unshare` and its arguments for running `program args` under `plan`: root uses `-m`, others `-Urm`.
pub fn command(plan: &MountPlan, is_root: bool, dir: &Path) -> Vec<String> {
    let mut v = vec!["unshare".to_string()];
    v.push(if is_root { "-m" } else { "-Urm" }.to_string());
    v.extend([
        "--".into(),
        "/bin/sh".into(),
        "-c".into(),
        plan.script(dir),
        "twinbuild-mounts".into(),
    ]);
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exists_in(list: &'static [&'static str]) -> impl Fn(&Path) -> bool {
        move |p: &Path| list.iter().any(|e| Path::new(e) == p)
    }

    #[test]
    fn missing_paths_get_a_tmpfs_over_their_existing_ancestor() {
        let exists = exists_in(&["/", "/home", "/opt", "/tmp"]);
        let binds = vec![
            (
                PathBuf::from("/tmp/ws/src"),
                "/home/runner/work/app/app".to_string(),
            ),
            (
                PathBuf::from("/tmp/ws/mod"),
                "/home/runner/go/pkg/mod".to_string(),
            ),
            (
                PathBuf::from("/tmp/ws/go"),
                "/opt/hostedtoolcache/go/1.26.2/x64".to_string(),
            ),
        ];
        let p = plan(&binds, &[PathBuf::from("/tmp/ws")], &exists).unwrap();
        assert_eq!(p.tmpfs, vec!["/home".to_string(), "/opt".to_string()]);
        assert_eq!(p.binds.len(), 3);
        assert_eq!(p.mkdirs.len(), 3);
        assert!(p
            .script(Path::new("/home/runner/work/app/app"))
            .contains("mount --bind /tmp/ws/src /home/runner/work/app/app"));
    }

    #[test]
    fn refuses_to_hide_what_the_build_needs() {
        let exists = exists_in(&["/", "/tmp"]);
        let binds = vec![(PathBuf::from("/tmp/ws/src"), "/tmp/build/src".to_string())];
        assert!(matches!(
            plan(&binds, &[], &exists),
            Err(PathError::Hides { .. })
        ));
        let binds = vec![(
            PathBuf::from("/tmp/ws/src"),
            "/Users/runner/work".to_string(),
        )];
        assert!(matches!(
            plan(&binds, &[], &exists),
            Err(PathError::Root(_))
        ));
        let binds = vec![(PathBuf::from("/tmp/ws/src"), "D:\\a\\app".to_string())];
        assert!(matches!(
            plan(&binds, &[], &exists),
            Err(PathError::NotUnix(_))
        ));
    }

    #[test]
    fn an_existing_path_is_covered_by_the_bind_only() {
        let exists = exists_in(&["/", "/srv", "/srv/app"]);
        let binds = vec![(PathBuf::from("/tmp/ws/src"), "/srv/app".to_string())];
        let p = plan(&binds, &[], &exists).unwrap();
        assert!(p.tmpfs.is_empty());
        assert!(p.mkdirs.is_empty());
    }
}
