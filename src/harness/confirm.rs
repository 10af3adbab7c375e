//! `verify --confirm`: building the rhs again with one of the harness's own
//! variations taken from the lhs, to show causally that the variation put
//! its bytes there.
//!
//! Input: a finished [`BuildPair`] (its [`Replay`]: everything the rhs build
//! used) and a variation the harness introduced (workdir, HOME, TMPDIR,
//! GOTMPDIR, GOCACHE, GOMODCACHE, GOPATH). Output: a [`Rebuilt`], the path
//! of the confirming build's binary inside the run's workspace.
//!
//! The confirming build is the rhs build again, from scratch, at the rhs's
//! own paths, except that the one variation is the lhs's *path*: for
//! `workdir` the rhs tree is copied to the lhs workdir's path, for `GOCACHE`
//! the rhs builds with a fresh, empty cache at the lhs cache's path, and so
//! on; for `vcs` (`--git-lhs`) the rhs copy is made the same git snapshot as
//! the lhs's. Two builds cannot use one path at once, so it runs after the pair:
//!
//! 1. the rhs's dirs (`<root>/rhs_build/work`) and the lhs's dir of that
//!    variation are renamed into `<root>/confirm/aside/` (the same file
//!    system, so nothing is copied and the lhs binary is not touched);
//! 2. fresh dirs are made at those paths, the tree is copied again, and the
//!    rhs command runs with the rhs environment (`--rhs-env` included), the
//!    one variable changed;
//! 3. its binary is copied to `<root>/confirm/<variation>/`, the fresh dirs
//!    are removed and the originals renamed back, whether the build worked
//!    or not, so `--keep-workdirs` leaves the pair as it was built.
//!
//! Every dir is fresh and empty as in the pair's builds: a warm cache would
//! return the lhs's objects and prove nothing. Not removed: the user's own
//! `--lhs-env`/`--rhs-env` variables (a deliberate variation), the layout
//! dirs no build setting names (`out-dir`, `side-root`), paths found only by
//! comparing the binaries (`derived`), and `GOCACHE` with `--cache-dir` (the
//! lhs's persistent cache is warm).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::env::{self, CommonEnv};
use super::proxy;
use super::run;
use super::toolchain;
use super::workdir::{self, CopyOptions};
use super::workspace::{io_error, SideDirs};
use super::{cleanup, BuildError, BuildRequest, BuiltIn, Progress, Side};

/// The harness's own variations a confirming build can remove, as hints name
/// them; besides them `vcs`, the git checkout `--git-lhs` gives the lhs only.
pub const REMOVABLE: &[&str] = &[
    "workdir",
    "HOME",
    "TMPDIR",
    "GOTMPDIR",
    "GOCACHE",
    "GOMODCACHE",
    "GOPATH",
];

/// The variation to remove for a root that names `variation`, or why none is.
///
/// `package-dir` is the workdir seen from the package's subdir: removing the
/// workdir removes it.
pub fn removable(variation: &str, request: &BuildRequest) -> Result<&'static str, String> {
    let asked = request
        .side_env
        .iter()
        .find(|(_, vars)| vars.iter().any(|(k, _)| k == variation));
    if let Some((side, _)) = asked {
        return Err(format!(
            "{variation} is a variation you asked for with --{}-env; twinbuild does not remove it",
            side.name()
        ));
    }
    let name = if variation == "package-dir" {
        "workdir"
    } else {
        variation
    };
    if name == "vcs" {
        return if request.git_lhs {
            Ok("vcs")
        } else {
            Err("the VCS stamp differs though both workdirs got the same copy of the tree: not a variation of the harness's".into())
        };
    }
    if name == "GOCACHE" && request.cache_dir.is_some() {
        return Err("with --cache-dir the lhs's cache is warm: a build at its path would reuse the lhs's objects and prove nothing".into());
    }
    match REMOVABLE.iter().find(|v| **v == name) {
        Some(v) => Ok(v),
        None => Err(match name {
            "out-dir" | "side-root" => format!(
                "{name} is where the harness lays out a side's dirs, not one build setting; it is not removed on its own"
            ),
            _ => format!("{name} is not a variation the harness introduces; only {} are removed", REMOVABLE.join(", ")),
        }),
    }
}

/// What it takes to run the rhs build again: kept in the [`BuildPair`](super::BuildPair) by the real builder.
#[derive(Debug, Clone)]
pub(crate) struct Replay {
    /// The run's temp root (canonical), kept or not.
    pub root: PathBuf,
    /// The user's tree (canonical).
    pub source: PathBuf,
    pub copy: CopyOptions,
    pub common: CommonEnv,
    /// The user's GOPATH, to seed the checksum database's tree head offline.
    pub seed_gopath: Option<String>,
    /// `--rhs-env`.
    pub rhs_extra: Vec<(String, String)>,
    pub lhs: SideDirs,
    pub rhs: SideDirs,
    pub program: PathBuf,
    pub args: Vec<String>,
    /// The rhs's binary; with `--build-cmd`, `workdir_artifact` (relative to the workdir) instead.
    pub artifact: PathBuf,
    pub workdir_artifact: Option<PathBuf>,
    pub timeout: Duration,
}

/// The binary of a confirming build.
#[derive(Debug, Clone)]
pub struct Rebuilt {
    /// The variation that was removed.
    pub variation: String,
    /// A copy of the binary in the workspace (`<root>/confirm/<variation>/`).
    pub artifact: PathBuf,
    /// The command line as run.
    pub command: String,
    pub duration: Duration,
}

/// Why there is no confirming build.
#[derive(Debug, thiserror::Error)]
pub enum ConfirmError {
    /// It was not tried (the reason is for the report).
    #[error("{0}")]
    NotRun(String),
    /// It was tried and could not give a binary.
    #[error(transparent)]
    Build(#[from] BuildError),
}

impl Replay {
    /// Builds the rhs again with `variation` (one of [`REMOVABLE`]) set to the lhs's path.
    pub fn rebuild_without(
        &self,
        variation: &'static str,
        progress: &dyn Progress,
    ) -> Result<Rebuilt, ConfirmError> {
        let mut dirs = self.rhs.clone();
        // The lhs's path of the variation, now the rhs's too (none for `vcs`).
        let lhs_path: Option<PathBuf> = {
            let (l, r) = (&self.lhs, &mut dirs);
            let swap = match variation {
                "workdir" => Some((&l.workdir, &mut r.workdir)),
                "HOME" => Some((&l.home, &mut r.home)),
                "TMPDIR" => Some((&l.tmp, &mut r.tmp)),
                "GOTMPDIR" => Some((&l.gotmp, &mut r.gotmp)),
                "GOCACHE" => Some((&l.gocache, &mut r.gocache)),
                "GOMODCACHE" => Some((&l.gomodcache, &mut r.gomodcache)),
                "GOPATH" => Some((&l.gopath, &mut r.gopath)),
                "vcs" => None,
                other => return Err(ConfirmError::NotRun(format!("{other} cannot be removed"))),
            };
            swap.map(|(from, to)| {
                *to = from.clone();
                from.clone()
            })
        };
        let confirm = self.root.join("confirm");
        let aside = confirm.join("aside");
        let dest_dir = confirm.join(variation);
        for d in [&aside, &dest_dir] {
            std::fs::create_dir_all(d)
                .map_err(|e| io_error(format!("cannot create {}", d.display()), e))?;
        }
        // The originals moved aside, to come back afterwards: (original, aside).
        let mut moved: Vec<(PathBuf, PathBuf)> = Vec::new();
        // Paths where fresh dirs may be made, and so removed afterwards: only
        // those whose original is aside or never existed.
        let mut fresh: Vec<PathBuf> = Vec::new();
        let mut result = (|| {
            let paths = [(&self.rhs.base, "rhs")]
                .into_iter()
                .chain(lhs_path.as_ref().map(|p| (p, "lhs")));
            for (from, name) in paths {
                if std::fs::symlink_metadata(from).is_ok() {
                    let to = aside.join(name);
                    std::fs::rename(from, &to).map_err(|e| {
                        io_error(format!("cannot move {} aside", from.display()), e)
                    })?;
                    moved.push((from.clone(), to));
                }
                fresh.push(from.clone());
            }
            self.build(&dirs, variation, &dest_dir, progress)
        })();
        // Restore, whatever happened: the fresh dirs go, the originals come back.
        let restored = (|| {
            for f in &fresh {
                cleanup::remove_tree(f)
                    .map_err(|e| io_error(format!("cannot remove {}", f.display()), e))?;
            }
            for (original, at) in moved.iter().rev() {
                std::fs::rename(at, original)
                    .map_err(|e| io_error(format!("cannot move {} back", original.display()), e))?;
            }
            Ok::<(), BuildError>(())
        })();
        if let Err(e) = restored {
            result = Err(e);
        }
        result.map_err(|e| match e {
            BuildError::Usage(m) => ConfirmError::NotRun(m),
            e => ConfirmError::Build(e),
        })
    }

    /// The rhs build in `dirs` (fresh), its binary copied into `dest_dir`.
    fn build(
        &self,
        dirs: &SideDirs,
        variation: &str,
        dest_dir: &Path,
        progress: &dyn Progress,
    ) -> Result<Rebuilt, BuildError> {
        dirs.create()?;
        if let Some(g) = &self.seed_gopath {
            proxy::seed_sumdb_latest(g, &dirs.gopath)
                .map_err(|e| io_error(format!("cannot seed {}", dirs.gopath.display()), e))?;
        }
        workdir::copy_tree(&self.source, &dirs.workdir, self.copy)?;
        let env: BTreeMap<String, String> =
            env::side_env(&self.common, dirs, &self.rhs_extra).map_err(BuildError::Usage)?;
        if variation == "vcs" {
            // The same snapshot as the lhs's: fixed author, date and message,
            // so the same tree gives the same commit.
            let git = toolchain::find_executable(std::ffi::OsStr::new(&env["PATH"]), "git")
                .ok_or_else(|| BuildError::Usage(format!("no git in {}", env["PATH"])))?;
            workdir::git_snapshot(&git, &dirs.workdir, &env, self.timeout)?;
        }
        let artifact = match &self.workdir_artifact {
            Some(rel) => dirs.workdir.join(rel),
            None => self.artifact.clone(),
        };
        let command = run::display_command(&self.program, &self.args);
        progress.started(Side::Rhs, &command);
        let spawn = run::Spawn {
            program: &self.program,
            args: &self.args,
            dir: &dirs.workdir,
            env: &env,
        };
        let done = run::run(&spawn, self.timeout);
        let duration = done.as_ref().map_or(Duration::ZERO, |f| f.duration);
        progress.finished(Side::Rhs, duration);
        let done = done.map_err(|e| io_error(format!("cannot run {command}"), e))?;
        if cleanup::interrupted() {
            return Err(BuildError::Interrupted);
        }
        match done.exit {
            run::Exit::TimedOut => {
                return Err(BuildError::Timeout {
                    side: "confirming",
                    command,
                    secs: self.timeout.as_secs(),
                })
            }
            run::Exit::Status(s) if !s.success() => {
                return Err(BuildError::Failed {
                    side: "confirming",
                    command,
                    code: done.code(),
                    output: done.output,
                    built_in: BuiltIn::at(&dirs.workdir),
                })
            }
            run::Exit::Status(_) => {}
        }
        let is_file = std::fs::symlink_metadata(&artifact).is_ok_and(|m| m.is_file());
        if !is_file {
            return Err(BuildError::NoArtifact {
                side: "confirming",
                path: artifact,
            });
        }
        let name = artifact
            .file_name()
            .unwrap_or(std::ffi::OsStr::new(variation));
        let dest = dest_dir.join(name);
        std::fs::copy(&artifact, &dest)
            .map_err(|e| io_error(format!("cannot copy {}", artifact.display()), e))?;
        Ok(Rebuilt {
            variation: variation.to_string(),
            artifact: dest,
            command,
            duration,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_removed_and_why_not() {
        let mut req = BuildRequest::new(".");
        req.side_env
            .insert(Side::Rhs, vec![("SOURCE_DATE_EPOCH".into(), "2".into())]);
        assert_eq!(removable("workdir", &req), Ok("workdir"));
        assert_eq!(removable("package-dir", &req), Ok("workdir"));
        assert_eq!(removable("HOME", &req), Ok("HOME"));
        assert_eq!(removable("GOCACHE", &req), Ok("GOCACHE"));
        let why = removable("SOURCE_DATE_EPOCH", &req).unwrap_err();
        assert!(why.contains("--rhs-env"), "{why}");
        assert!(removable("out-dir", &req).unwrap_err().contains("lays out"));
        assert!(removable("derived", &req).is_err());
        assert!(removable("vcs", &req).is_err());
        req.git_lhs = true;
        assert_eq!(removable("vcs", &req), Ok("vcs"));
        // A side variable overriding one of the harness's own is the user's.
        req.side_env
            .insert(Side::Lhs, vec![("HOME".into(), "/h".into())]);
        assert!(removable("HOME", &req).unwrap_err().contains("--lhs-env"));
        req.cache_dir = Some("/c".into());
        assert!(removable("GOCACHE", &req).unwrap_err().contains("warm"));
    }
}
