//! [`GoBuilder`]: the real harness. Copies the tree twice, pins the toolchain,
//! builds each copy in its own controlled environment, and hands back the two
//! artifacts with what each build did and what differed between them.
//!
//! [`GoBuilder::build`] runs the steps, one module each:
//! 1. `plan`: check the request (nothing is created before it passes), find
//!    `go` on the user's PATH and ask it (in the user's environment) for its
//!    version, module cache and network settings; choose the toolchain; fix
//!    what both sides' environments share;
//! 2. `prepare`: create the run's temp root and each side's dirs (see
//!    `workspace`), copy the tree into both workdirs (see `workdir`), make the
//!    lhs a git repository with `--git-lhs`;
//! 3. `probe`: each side's toolchain (`go version`, `go env`); the two must agree;
//! 4. `command` and `run_sides`: what each side runs, then both builds, in
//!    parallel with `--jobs 2`, each with a deadline;
//! 5. `collect`: check the artifacts, collect records, variation hints and notes.
//!
//! It also keeps what `--confirm` needs to build the rhs again ([`Replay`]).

use std::path::Path;

use super::collect;
use super::command;
use super::confirm::Replay;
use super::env;
use super::own_tree;
use super::plan::{self, Pin, Plan};
use super::prepare;
use super::probe;
use super::run_sides;
use super::toolchain;
use super::{
    ArtifactPair, BuildError, BuildPair, BuildRecord, BuildRequest, Builder, ConfirmError,
    Progress, Rebuilt, Side, ToolchainInfo, VariationHints, Workspace,
};

/// The real builder: runs the Go toolchain (or the user's build command) twice.
#[derive(Debug, Clone)]
pub struct GoBuilder {
    /// The user's environment: where `go` is looked up (PATH), what `go env`
    /// sees, and the network settings `--allow-network` passes on. Never
    /// handed to a build as a whole.
    user_env: Vec<(String, String)>,
}

impl Default for GoBuilder {
    fn default() -> Self {
        GoBuilder::new()
    }
}

impl GoBuilder {
    /// A builder that looks things up in this process's environment.
    pub fn new() -> GoBuilder {
        GoBuilder::with_env(
            std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?))),
        )
    }

    /// A builder that takes the given variables as the user's environment (for tests).
    pub fn with_env(vars: impl IntoIterator<Item = (String, String)>) -> GoBuilder {
        GoBuilder {
            user_env: vars.into_iter().collect(),
        }
    }

    /// A variable of the user's environment (the last one set wins).
    pub(super) fn user_var(&self, name: &str) -> Option<&str> {
        self.user_env
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

impl Builder for GoBuilder {
    fn build(
        &self,
        request: &BuildRequest,
        progress: &dyn Progress,
    ) -> Result<BuildPair, BuildError> {
        let plan = Plan::check(request)?;
        let go = toolchain::find_go(self.user_var("PATH").map(std::ffi::OsStr::new))
            .ok_or(BuildError::NoGo)?;
        let mut workspace = Workspace::create()?;
        let mut result = self.build_in(&workspace, &plan, &go, request, progress);
        keep_dirs(&mut workspace, request, &mut result, |d| &mut d.notes);
        let done = result?;
        Ok(BuildPair {
            toolchain: done.toolchain,
            lhs: done.lhs,
            rhs: done.rhs,
            artifacts: done.artifacts,
            hints: done.hints,
            notes: done.notes,
            workspace,
            replay: Some(done.replay),
        })
    }

    fn rebuild_without(
        &self,
        pair: &BuildPair,
        variation: &'static str,
        progress: &dyn Progress,
    ) -> Result<Rebuilt, ConfirmError> {
        let replay = pair.replay.as_ref().ok_or_else(|| {
            ConfirmError::NotRun("this pair was not built by twinbuild's harness".into())
        })?;
        replay.rebuild_without(variation, progress)
    }
}

/// What a successful run produced, before the workspace is attached.
struct Done {
    toolchain: ToolchainInfo,
    lhs: BuildRecord,
    rhs: BuildRecord,
    artifacts: Vec<ArtifactPair>,
    hints: VariationHints,
    notes: Vec<String>,
    replay: Replay,
}

/// With `--keep-workdirs`, the run's dirs stay on disk, and the result says
/// where: a note of a finished run (in `notes`), the output of a failed build.
pub(super) fn keep_dirs<T>(
    workspace: &mut Workspace,
    req: &BuildRequest,
    result: &mut Result<T, BuildError>,
    notes: impl FnOnce(&mut T) -> &mut Vec<String>,
) {
    if !req.keep_workdirs {
        return;
    }
    let Some(path) = workspace.keep() else {
        return;
    };
    match result {
        Ok(done) => notes(done).push(format!("build dirs kept at {}", path.display())),
        Err(BuildError::Failed { output, .. }) => {
            output.push_str(&format!("\n(build dirs kept at {})", path.display()))
        }
        Err(_) => {}
    }
}

/// The report's note on where modules came from.
pub(super) fn network_note(req: &BuildRequest, common: &super::env::CommonEnv) -> String {
    if req.allow_network {
        format!(
            "network allowed: GOPROXY={}",
            env::redact("GOPROXY", &common.goproxy)
        )
    } else {
        "offline: modules came from your module cache through a local GOPROXY; the go command had no network proxy"
            .into()
    }
}

/// What every build of a run shares, worked out before any dir is made.
pub(super) struct Setup {
    /// The workspace's root, canonical.
    pub root: std::path::PathBuf,
    /// What the user's go says in the user's environment.
    pub user: toolchain::UserGo,
    /// The toolchain the builds get.
    pub pin: Pin,
    /// The environment every build shares.
    pub common: super::env::CommonEnv,
}

impl GoBuilder {
    /// The workspace's root, the user's go, the toolchain and the shared
    /// environment (steps before `prepare`).
    pub(super) fn setup(
        &self,
        workspace: &Workspace,
        plan: &Plan,
        go: &Path,
        req: &BuildRequest,
        notes: &mut Vec<String>,
    ) -> Result<Setup, BuildError> {
        let root = prepare::resolve_root(workspace, plan)?;
        let user = toolchain::query_user_go(go, &self.user_env, &root, req.timeout)?;
        let pin = Pin::choose(req, plan, &user, notes);
        let goflags = plan::goflags(req, plan, notes);
        let network = plan::network_settings(self, req, &user, &root, notes)?;
        let common = plan::common_env(req, go, &pin, goflags, network, notes);
        Ok(Setup {
            root,
            user,
            pin,
            common,
        })
    }

    fn build_in(
        &self,
        workspace: &Workspace,
        plan: &Plan,
        go: &Path,
        req: &BuildRequest,
        progress: &dyn Progress,
    ) -> Result<Done, BuildError> {
        let mut notes = Vec::new();
        let Setup {
            root,
            user,
            pin,
            common,
        } = self.setup(workspace, plan, go, req, &mut notes)?;

        // The dirs and the copies.
        let prepared = prepare::sides(
            req,
            plan,
            &root,
            &user,
            &common,
            &[Side::Lhs, Side::Rhs],
            &mut notes,
        )?;

        // The toolchain each side gets.
        let probes = probe::sides(go, &prepared.sides, req, &pin, &user)?;
        let goos = probes[0].go_env.get("GOOS").cloned().unwrap_or_default();

        // The commands and the builds.
        let plans = command::side_plans(req, plan, go, prepared.sides, &goos);
        let finished =
            match run_sides::run_all(&plans, plan.jobs, req.timeout, req.record_inputs, progress) {
                Ok(finished) => finished,
                Err(mut e) => {
                    // Both failed: does the same go build work in the user's tree?
                    if let BuildError::Failed { built_in, .. } = &mut e {
                        if req.build_cmd.is_none()
                            && built_in.other.as_ref().is_some_and(|o| o.failed)
                        {
                            built_in.own_tree = own_tree::probe(
                                go,
                                &plans[0].args,
                                &plan.source,
                                &self.user_env,
                                req.timeout,
                            );
                        }
                    }
                    return Err(e);
                }
            };
        collect::check_artifacts(&plans)?;

        notes.push(network_note(req, &common));
        let module = plan.go_mod.as_ref().and_then(|m| m.module.as_deref());
        let hints = collect::variation_hints(&plans[0], &plans[1], &plan.packages, module);
        let artifacts = collect::artifacts(&plan.packages, &plans[0], &plans[1]);
        let replay = Replay {
            root: root.clone(),
            source: plan.source.clone(),
            copy: prepared.copy,
            common: common.clone(),
            seed_gopath: (!req.allow_network).then(|| user.gopath.clone()),
            rhs_extra: req.side_env.get(&Side::Rhs).cloned().unwrap_or_default(),
            lhs: plans[0].dirs.clone(),
            rhs: plans[1].dirs.clone(),
            program: plans[1].program.clone(),
            args: plans[1].args.clone(),
            artifact: plans[1].artifact.clone(),
            workdir_artifact: req.build_cmd.as_ref().and(plan.artifact.clone()),
            timeout: req.timeout,
        };
        let (lhs, rhs) = collect::records(plans, finished, probes);
        Ok(Done {
            toolchain: pin.into(),
            lhs,
            rhs,
            artifacts,
            hints,
            notes,
            replay,
        })
    }
}
