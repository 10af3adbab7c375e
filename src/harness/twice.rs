//! One side built twice at the same paths, one build after the other, for
//! the commands about the build cache.
//!
//! Input: a [`BuildRequest`] (its lhs settings; no side variables, no
//! `--git-lhs`) and [`Twice`]: variables for the first build only, and
//! whether the second gets a fresh, empty GOCACHE. Output: [`CacheRuns`],
//! the two builds' records, each with what its go command recorded
//! (`record`). The second build runs from a fresh copy of the tree at the
//! same workdir path, with the same HOME and TMPDIR and an emptied output
//! dir, so the two builds' action IDs can only differ by what the build
//! itself changes:
//!
//! - `explain-cache`: the first build into an empty GOCACHE (**cold**), the
//!   second into the cache it filled (**warm**): a package compiled again
//!   names an input the build changes (a generated file, a volatile flag).
//! - `cache-audit`: the first build through the cache under audit
//!   (GOCACHEPROG), the second cold, into a fresh GOCACHE: each entry the
//!   first was served is checked against what the cold build made.
//!
//! The first build's workdir and output dir (and its GOCACHE, when the
//! second gets a fresh one) are moved aside into `<side>/first/` (the same
//! file system: nothing is copied); its records stay in `<side>/record/`,
//! the second's go to `<side>/record_second/`.

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

/// How the two builds differ.
#[derive(Debug, Clone, Default)]
pub struct Twice {
    /// Variables set for the first build only (e.g. GOCACHEPROG).
    pub first_env: Vec<(String, String)>,
    /// The second build gets a fresh, empty GOCACHE (else the first's).
    pub fresh_cache: bool,
}

/// The two builds. Dropping it removes the temp dirs (unless kept).
#[derive(Debug)]
pub struct CacheRuns {
    pub toolchain: ToolchainInfo,
    /// The first build. Its workdir is where it ran; its artifact lies
    /// where it was moved aside.
    pub first: BuildRecord,
    /// The second build, at the same paths.
    pub second: BuildRecord,
    /// The second build's GOCACHE.
    pub second_cache: PathBuf,
    /// Notes for the report.
    pub notes: Vec<String>,
    /// Keeps the temp dirs alive until the records are read.
    pub workspace: Workspace,
}

impl GoBuilder {
    /// Builds `request` twice at the same paths, recording both.
    /// `after_first` looks at the first build before the second runs: its
    /// error ends the run (`BuildError::Usage`, its message as is).
    pub fn build_twice(
        &self,
        request: &BuildRequest,
        twice: &Twice,
        after_first: &dyn Fn() -> Result<(), String>,
        progress: &dyn Progress,
    ) -> Result<CacheRuns, BuildError> {
        if request.git_lhs || request.side_env.values().any(|v| !v.is_empty()) {
            return Err(BuildError::Usage(
                "one side is built twice: no side variables and no --git-lhs".into(),
            ));
        }
        let plan = Plan::check(request)?;
        let go = toolchain::find_go(self.user_var("PATH").map(std::ffi::OsStr::new))
            .ok_or(BuildError::NoGo)?;
        let mut workspace = Workspace::create()?;
        let how = How { twice, after_first };
        let mut result = self.twice_in(&workspace, &plan, &go, request, &how, progress);
        keep_dirs(&mut workspace, request, &mut result, |r| &mut r.notes);
        let runs = result?;
        Ok(CacheRuns { workspace, ..runs })
    }

    fn twice_in(
        &self,
        workspace: &Workspace,
        plan: &Plan,
        go: &Path,
        req: &BuildRequest,
        how: &How<'_>,
        progress: &dyn Progress,
    ) -> Result<CacheRuns, BuildError> {
        let How { twice, after_first } = how;
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

        // The first build.
        let first_side = command::SidePlan {
            env: side
                .env
                .clone()
                .into_iter()
                .chain(twice.first_env.iter().cloned())
                .collect(),
            ..side.clone()
        };
        let first_records = record::dir(&side.dirs);
        let first = run_sides::run_side(
            &first_side,
            req.timeout,
            Some(first_records.clone()),
            progress,
        )?;
        collect::check_artifacts(std::slice::from_ref(&side))?;
        after_first().map_err(BuildError::Usage)?;

        // Its tree and output (and cache) aside; fresh ones at the same paths.
        let mut dirs: Vec<&Path> = vec![&side.dirs.workdir, &side.dirs.out];
        if twice.fresh_cache {
            dirs.push(&side.dirs.gocache);
        }
        let moved = move_aside(&dirs, &side.dirs.base.join("first"))?;
        for d in dirs.iter().skip(1) {
            std::fs::create_dir_all(d)
                .map_err(|e| io_error(format!("cannot create {}", d.display()), e))?;
        }
        workdir::copy_tree(&plan.source, &side.dirs.workdir, prepared.copy)?;

        // The second build.
        let second_records = side.dirs.base.join("record_second");
        let second =
            run_sides::run_side(&side, req.timeout, Some(second_records.clone()), progress)?;
        collect::check_artifacts(std::slice::from_ref(&side))?;

        notes.push(network_note(req, &common));
        let first_artifact = moved_path(&side.artifact, &moved);
        let mut first_record = collect::record(
            command::SidePlan {
                artifact: first_artifact,
                ..first_side
            },
            &first,
            probe.clone(),
            &first_records,
        );
        first_record.side = Side::Lhs;
        let second_cache = side.dirs.gocache.clone();
        let mut second_record = collect::record(side, &second, probe, &second_records);
        second_record.side = Side::Rhs;
        Ok(CacheRuns {
            toolchain: pin.into(),
            first: first_record,
            second: second_record,
            second_cache,
            notes,
            workspace: Workspace::none(),
        })
    }
}

/// The two builds' difference and the check between them.
struct How<'a> {
    twice: &'a Twice,
    after_first: &'a dyn Fn() -> Result<(), String>,
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
