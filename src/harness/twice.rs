//! `explain-cache`'s builds: one side built twice at the same paths into one
//! cache, the way a CI machine builds one commit after another with its
//! build cache kept.
//!
//! Input: a [`BuildRequest`] (its lhs settings; no side variables, no
//! `--git-lhs`, no `--cache-dir`). Output: [`CacheRuns`], the two builds'
//! records, each with what its go command recorded (`record`): the **cold**
//! build into an empty GOCACHE, then the **warm** build from a fresh copy of
//! the tree at the same workdir path, with the same HOME, TMPDIR, GOCACHE
//! and output dir (emptied), so that everything the two builds are given is
//! the same and only what the build itself makes differ (a generated file, a
//! flag computed by a build script, a timestamp) can make the go command
//! miss its cache.
//!
//! The cold build's workdir and output dir are moved aside into
//! `<side>/cold/` (the same file system: nothing is copied) before the warm
//! copy is made; the cold build's records stay in `<side>/record/`, the
//! warm one's go to `<side>/record_warm/`.

use std::path::{Path, PathBuf};

use super::collect;
use super::command;
use super::go_builder::{keep_dirs, network_note, Setup};
use super::plan::Plan;
use super::prepare;
use super::probe;
use super::record;
use super::run_sides;
use super::toolchain;
use super::workdir;
use super::workspace::io_error;
use super::GoBuilder;
use super::{BuildError, BuildRecord, BuildRequest, Progress, Side, ToolchainInfo, Workspace};

/// The two builds of `explain-cache`. Dropping it removes the temp dirs (unless kept).
#[derive(Debug)]
pub struct CacheRuns {
    pub toolchain: ToolchainInfo,
    /// The first build, into an empty cache. Its workdir is where it ran;
    /// its artifact lies where it was moved aside.
    pub cold: BuildRecord,
    /// The second build, at the same paths, into the cache the first filled.
    pub warm: BuildRecord,
    /// Notes for the report.
    pub notes: Vec<String>,
    /// Keeps the temp dirs alive until the records are read.
    pub workspace: Workspace,
}

impl GoBuilder {
    /// Builds `request` twice at the same paths into one cache, recording both.
    pub fn build_twice(
        &self,
        request: &BuildRequest,
        progress: &dyn Progress,
    ) -> Result<CacheRuns, BuildError> {
        if request.git_lhs || request.side_env.values().any(|v| !v.is_empty()) {
            return Err(BuildError::Usage(
                "explain-cache builds one side twice: it takes no side variables and no --git-lhs"
                    .into(),
            ));
        }
        let plan = Plan::check(request)?;
        let go = toolchain::find_go(self.user_var("PATH").map(std::ffi::OsStr::new))
            .ok_or(BuildError::NoGo)?;
        let mut workspace = Workspace::create()?;
        let mut result = self.twice_in(&workspace, &plan, &go, request, progress);
        keep_dirs(&mut workspace, request, &mut result, |r| &mut r.2);
        let (cold, warm, notes, toolchain) = result?;
        Ok(CacheRuns {
            toolchain,
            cold,
            warm,
            notes,
            workspace,
        })
    }

    fn twice_in(
        &self,
        workspace: &Workspace,
        plan: &Plan,
        go: &Path,
        req: &BuildRequest,
        progress: &dyn Progress,
    ) -> Result<(BuildRecord, BuildRecord, Vec<String>, ToolchainInfo), BuildError> {
        let mut notes = Vec::new();
        let Setup {
            root,
            user,
            pin,
            common,
        } = self.setup(workspace, plan, go, req, &mut notes)?;
        let prepared = prepare::sides(req, plan, &root, &user, &common, &[Side::Lhs], &mut notes)?;
        let mut probes = probe::sides(go, &prepared.sides, req, &pin, &user)?;
        let goos = probes
            .first()
            .and_then(|p| p.go_env.get("GOOS").cloned())
            .unwrap_or_default();
        let mut plans = command::side_plans(req, plan, go, prepared.sides, &goos);
        let (Some(side), Some(probe)) = (plans.pop(), probes.pop()) else {
            return Err(BuildError::Usage("no side was planned".into()));
        };

        // The cold build.
        let cold_records = record::dir(&side.dirs);
        let cold = run_sides::run_side(&side, req.timeout, Some(cold_records.clone()), progress)?;
        collect::check_artifacts(std::slice::from_ref(&side))?;

        // Its tree and output aside; a fresh copy at the same path.
        let aside = side.dirs.base.join("cold");
        let moved = move_aside(&[&side.dirs.workdir, &side.dirs.out], &aside)?;
        std::fs::create_dir_all(&side.dirs.out)
            .map_err(|e| io_error(format!("cannot create {}", side.dirs.out.display()), e))?;
        workdir::copy_tree(&plan.source, &side.dirs.workdir, prepared.copy)?;

        // The warm build.
        let warm_records = side.dirs.base.join("record_warm");
        let warm = run_sides::run_side(&side, req.timeout, Some(warm_records.clone()), progress)?;
        collect::check_artifacts(std::slice::from_ref(&side))?;

        notes.push(network_note(req, &common));
        let cold_artifact = moved_path(&side.artifact, &moved);
        let mut cold_record = collect::record(
            command::SidePlan {
                artifact: cold_artifact,
                ..side.clone()
            },
            &cold,
            probe.clone(),
            &cold_records,
        );
        cold_record.side = Side::Lhs;
        let mut warm_record = collect::record(side, &warm, probe, &warm_records);
        warm_record.side = Side::Rhs;
        let toolchain = ToolchainInfo {
            version: pin.version,
            source: pin.source.to_string(),
            pinned: pin.pinned,
        };
        Ok((cold_record, warm_record, notes, toolchain))
    }
}

/// Renames each of `dirs` into `aside` (created), keeping its name; returns
/// (original, new) for each.
fn move_aside(dirs: &[&Path], aside: &Path) -> Result<Vec<(PathBuf, PathBuf)>, BuildError> {
    std::fs::create_dir_all(aside)
        .map_err(|e| io_error(format!("cannot create {}", aside.display()), e))?;
    dirs.iter()
        .map(|from| {
            let name = from.file_name().unwrap_or(from.as_os_str());
            let to = aside.join(name);
            std::fs::rename(from, &to)
                .map_err(|e| io_error(format!("cannot move {} aside", from.display()), e))?;
            Ok((from.to_path_buf(), to))
        })
        .collect()
}

/// Where `path` is after [`move_aside`] moved the dir holding it.
fn moved_path(path: &Path, moved: &[(PathBuf, PathBuf)]) -> PathBuf {
    moved
        .iter()
        .find_map(|(from, to)| Some(to.join(path.strip_prefix(from).ok()?)))
        .unwrap_or_else(|| path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_artifact_is_found_where_its_dir_was_moved() {
        let moved = vec![
            (
                PathBuf::from("/r/lhs/src"),
                PathBuf::from("/r/lhs/cold/src"),
            ),
            (
                PathBuf::from("/r/lhs/out"),
                PathBuf::from("/r/lhs/cold/out"),
            ),
        ];
        assert_eq!(
            moved_path(Path::new("/r/lhs/out/app"), &moved),
            Path::new("/r/lhs/cold/out/app")
        );
        assert_eq!(
            moved_path(Path::new("/r/lhs/src/bin/app"), &moved),
            Path::new("/r/lhs/cold/src/bin/app")
        );
        assert_eq!(
            moved_path(Path::new("/elsewhere/app"), &moved),
            Path::new("/elsewhere/app")
        );
    }

    #[test]
    fn dirs_move_aside_by_name() {
        let t = tempfile::tempdir().unwrap();
        let (src, out) = (t.path().join("src"), t.path().join("out"));
        std::fs::create_dir_all(src.join("pkg")).unwrap();
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(out.join("app"), b"x").unwrap();
        let aside = t.path().join("cold");
        let moved = move_aside(&[&src, &out], &aside).unwrap();
        assert_eq!(moved.len(), 2);
        assert!(!src.exists() && !out.exists());
        assert!(aside.join("src/pkg").is_dir());
        assert_eq!(std::fs::read(aside.join("out/app")).unwrap(), b"x");
    }
}
