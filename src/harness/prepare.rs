//! Step 2 of [`GoBuilder::build`](super::GoBuilder): the two sides' dirs and
//! copies. Resolves the run's temp root (never inside the source), creates
//! each side's dirs (see `workspace`), copies the tree into both workdirs
//! (see `workdir`), seeds each GOPATH with the checksum database's tree head
//! when offline, writes each side's environment (see `env`), and makes the
//! lhs a git repository with `--git-lhs`.
//!
//! Input: the checked [`Plan`], the [`CommonEnv`] and the [`Workspace`].
//! Output: [`Prepared`], each side's [`SideDirs`] and environment, plus notes
//! for the report.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::env::{self, CommonEnv};
use super::plan::Plan;
use super::proxy;
use super::toolchain::{self, UserGo};
use super::workdir::{self, CopyOptions, GitState};
use super::workspace::{io_error, SideDirs};
use super::{BuildError, BuildRequest, Side, Workspace};

/// Both sides' dirs, filled, and their environments (lhs first).
pub(super) struct Prepared {
    /// How the tree was copied (again by `--confirm`).
    pub copy: CopyOptions,
    pub sides: Vec<(SideDirs, BTreeMap<String, String>)>,
}

/// The workspace's root, canonical, refused when it lies inside the source.
pub(super) fn resolve_root(workspace: &Workspace, plan: &Plan) -> Result<PathBuf, BuildError> {
    let root_tmp = workspace
        .path()
        .ok_or_else(|| BuildError::Usage("no workspace".into()))?;
    let root = std::fs::canonicalize(root_tmp)
        .map_err(|e| io_error(format!("cannot resolve {}", root_tmp.display()), e))?;
    if root.starts_with(&plan.source) {
        return Err(BuildError::Usage(format!(
            "the temp dir {} is inside the source dir; set TMPDIR to a directory outside it",
            root.display()
        )));
    }
    Ok(root)
}

/// Creates the dirs of each of `which` (both sides for a pair; the lhs alone
/// for `explain-cache`) under `root` and copies the tree into each workdir.
pub(super) fn sides(
    req: &BuildRequest,
    plan: &Plan,
    root: &Path,
    user: &UserGo,
    common: &CommonEnv,
    which: &[Side],
    notes: &mut Vec<String>,
) -> Result<Prepared, BuildError> {
    let git = workdir::git_state(&plan.source);
    match (git, req.git_lhs) {
        (_, true) => notes.push(
            "--git-lhs: the lhs workdir is a fresh git repository of the tree (one commit, fixed author and date), the rhs a plain copy"
                .into(),
        ),
        (GitState::Repo, false) => {
            notes.push("the source has a .git directory: copied into both workdirs so both builds see the same VCS state".into())
        }
        (GitState::Link, false) => notes.push(
            "the source's .git is a file (a worktree or submodule): not copied, so the builds are not VCS-stamped".into(),
        ),
        (GitState::None, false) => {}
    }
    let copy = CopyOptions {
        include_git: git == GitState::Repo && !req.git_lhs,
    };
    let mut sides = Vec::with_capacity(which.len());
    for &side in which {
        let dirs = SideDirs::new(root, side, plan.cache_dir.as_deref());
        dirs.create()?;
        if !req.allow_network {
            proxy::seed_sumdb_latest(&user.gopath, &dirs.gopath)
                .map_err(|e| io_error(format!("cannot seed {}", dirs.gopath.display()), e))?;
        }
        workdir::copy_tree(&plan.source, &dirs.workdir, copy)?;
        let extra = req.side_env.get(&side).map(Vec::as_slice).unwrap_or(&[]);
        let env = env::side_env(common, &dirs, extra).map_err(BuildError::Usage)?;
        sides.push((dirs, env));
    }
    if let (true, Some((dirs, env))) = (req.git_lhs, sides.first()) {
        let git = toolchain::find_executable(std::ffi::OsStr::new(&env["PATH"]), "git")
            .ok_or_else(|| BuildError::Usage(format!("--git-lhs needs git in {}", env["PATH"])))?;
        workdir::git_snapshot(&git, &dirs.workdir, env, req.timeout)?;
    }
    if let Some(d) = &plan.cache_dir {
        notes.push(format!(
            "persistent build caches {}/lhs and {}/rhs: a warm cache can hide compile nondeterminism",
            d.display(),
            d.display()
        ));
    }
    Ok(Prepared { copy, sides })
}
