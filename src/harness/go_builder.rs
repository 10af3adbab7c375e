//! [`GoBuilder`]: the real harness. Copies the tree twice, pins the toolchain,
//! builds each copy in its own controlled environment, and hands back the two
//! artifacts with what each build did and what differed between them.
//!
//! The steps of [`GoBuilder::build`]:
//! 1. check the request (nothing is created before it passes);
//! 2. find `go` on the user's PATH and ask it (in the user's environment) for
//!    its version, module cache and network settings;
//! 3. create the run's temp root and each side's dirs (see `workspace`),
//!    copy the tree into both workdirs (see `workdir`), make the lhs a git
//!    repository with `--git-lhs`;
//! 4. probe each side's toolchain (`go version`, `go env`); the two must agree;
//! 5. build both sides, in parallel with `--jobs 2`, each with a deadline;
//! 6. check the artifacts, collect records, variation hints and notes.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};
use std::time::Duration;

use super::confirm::Replay;
use super::env::{self, CommonEnv};
use super::proxy;
use super::run::{self, Exit, Spawn};
use super::toolchain::{self, GoMod, UserGo};
use super::workdir::{self, CopyOptions, GitState};
use super::workspace::{io_error, SideDirs};
use super::{
    cleanup, BuildError, BuildPair, BuildRecord, BuildRequest, Builder, ConfirmError, Hint,
    Profile, Progress, Rebuilt, Side, ToolchainInfo, VariationHints, Workspace,
};

/// `go build` flags that run other tools or swap inputs: allowed, but the report warns.
const SUSPICIOUS_GO_FLAGS: &[&str] = &["-toolexec", "-overlay", "-modfile"];

/// Environment variables passed through from the user with `--allow-network`
/// (besides the go command's own, read from `go env`).
const NETWORK_PASSTHROUGH: &[&str] = &[
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "NO_PROXY",
    "no_proxy",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
];

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

    fn user_var(&self, name: &str) -> Option<&str> {
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
        match self.build_in(&workspace, &plan, &go, request, progress) {
            Ok(mut done) => {
                if request.keep_workdirs {
                    if let Some(path) = workspace.keep() {
                        done.notes
                            .push(format!("build dirs kept at {}", path.display()));
                    }
                }
                Ok(BuildPair {
                    toolchain: done.toolchain,
                    lhs: done.lhs,
                    rhs: done.rhs,
                    hints: done.hints,
                    notes: done.notes,
                    workspace,
                    replay: Some(done.replay),
                })
            }
            Err(mut e) => {
                if request.keep_workdirs {
                    if let (Some(path), BuildError::Failed { output, .. }) =
                        (workspace.keep(), &mut e)
                    {
                        output.push_str(&format!("\n(build dirs kept at {})", path.display()));
                    }
                }
                Err(e)
            }
        }
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
    hints: VariationHints,
    notes: Vec<String>,
    replay: Replay,
}

/// The request, checked and normalised.
struct Plan {
    source: PathBuf,
    go_mod: Option<GoMod>,
    package: String,
    artifact: Option<PathBuf>,
    cache_dir: Option<PathBuf>,
    jobs: usize,
}

impl Plan {
    fn check(req: &BuildRequest) -> Result<Plan, BuildError> {
        let usage = |m: String| Err(BuildError::Usage(m));
        let source = std::fs::canonicalize(&req.source_dir).map_err(|e| BuildError::Source {
            path: req.source_dir.clone(),
            reason: e.to_string(),
        })?;
        if !source.is_dir() {
            return Err(BuildError::Source {
                path: source,
                reason: "is not a directory".into(),
            });
        }
        let go_mod_path = source.join("go.mod");
        let go_mod = match std::fs::read_to_string(&go_mod_path) {
            Ok(text) => Some(toolchain::parse_go_mod(&text)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => {
                return Err(BuildError::Source {
                    path: go_mod_path,
                    reason: e.to_string(),
                })
            }
        };
        if go_mod.is_none() && req.build_cmd.is_none() {
            return usage(format!(
                "{} has no go.mod: point twinbuild at the module root (the directory with go.mod), or give --build-cmd",
                source.display()
            ));
        }
        let package = if req.package.trim().is_empty() {
            ".".to_string()
        } else {
            req.package.trim().to_string()
        };
        if package.starts_with('-') {
            return usage(format!(
                "--package {package}: a package, not a flag, is expected"
            ));
        }
        if package.contains("...") {
            return usage(format!("--package {package}: twinbuild builds one package; `...` patterns are not supported"));
        }
        let artifact = match (&req.build_cmd, &req.artifact) {
            (Some(_), None) => return usage("--build-cmd needs --artifact: the path of the binary it leaves, relative to the source dir".into()),
            (None, Some(_)) => return usage("--artifact goes with --build-cmd".into()),
            (Some(_), Some(a)) => {
                let bad = a.as_os_str().is_empty()
                    || a.components().any(|c| !matches!(c, Component::Normal(_) | Component::CurDir));
                if bad {
                    return usage(format!(
                        "--artifact {}: must be a path inside the source dir, relative, without `..`",
                        a.display()
                    ));
                }
                Some(a.clone())
            }
            (None, None) => None,
        };
        if let Some(t) = &req.toolchain {
            if !toolchain::is_toolchain_version(t) {
                return usage(format!(
                    "--toolchain {t}: an exact Go version like go1.26.8 is expected"
                ));
            }
        }
        if let Some((os, arch)) = &req.target {
            let ok = |s: &str| {
                !s.is_empty()
                    && s.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            };
            if !ok(os) || !ok(arch) {
                return usage(format!(
                    "--target {os}/{arch}: GOOS/GOARCH like linux/amd64 is expected"
                ));
            }
        }
        for f in &req.go_flags {
            let name = f.trim_start_matches('-').split('=').next().unwrap_or("");
            if name == "o" {
                return usage(format!(
                    "--go-flag {f}: twinbuild sets the output path itself"
                ));
            }
        }
        for (side, vars) in &req.side_env {
            for (k, _) in vars {
                if k.is_empty() || k.contains('=') || k.contains('\0') {
                    return usage(format!("--{}-env {k}: not a variable name", side.name()));
                }
            }
        }
        let cache_dir = match &req.cache_dir {
            None => None,
            Some(d) => {
                let abs = std::path::absolute(d)
                    .map_err(|e| io_error(format!("cannot resolve {}", d.display()), e))?;
                // Checked before creating it (lexically) and after (resolved).
                let given = std::path::absolute(&req.source_dir).unwrap_or_else(|_| source.clone());
                let inside = |p: &Path| p.starts_with(&source) || p.starts_with(&given);
                if inside(&abs) {
                    return usage(format!(
                        "--cache-dir {}: must be outside the source dir, which twinbuild never writes to",
                        d.display()
                    ));
                }
                std::fs::create_dir_all(&abs)
                    .map_err(|e| io_error(format!("cannot create {}", abs.display()), e))?;
                let abs = std::fs::canonicalize(&abs)
                    .map_err(|e| io_error(format!("cannot resolve {}", abs.display()), e))?;
                if abs.to_str().is_none() {
                    return usage(format!(
                        "--cache-dir {}: the path must be UTF-8",
                        abs.display()
                    ));
                }
                Some(abs)
            }
        };
        if let Some(d) = &cache_dir {
            if d.starts_with(&source) {
                // Reached only through a symlink; the dirs were created, but empty.
                return usage(format!(
                    "--cache-dir {}: must be outside the source dir, which twinbuild never writes to",
                    d.display()
                ));
            }
        }
        Ok(Plan {
            source,
            go_mod,
            package,
            artifact,
            cache_dir,
            jobs: req.jobs.max(1),
        })
    }
}

/// One side, ready to build.
struct SidePlan {
    dirs: SideDirs,
    env: BTreeMap<String, String>,
    program: PathBuf,
    args: Vec<String>,
    artifact: PathBuf,
}

impl GoBuilder {
    fn build_in(
        &self,
        workspace: &Workspace,
        plan: &Plan,
        go: &Path,
        req: &BuildRequest,
        progress: &dyn Progress,
    ) -> Result<Done, BuildError> {
        let mut notes = Vec::new();
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

        // What the user's go says, in the user's environment.
        let user = toolchain::query_user_go(go, &self.user_env, &root, req.timeout)?;

        // The toolchain.
        let go_mod_toolchain = plan.go_mod.as_ref().and_then(|m| m.toolchain.clone());
        let (version, source, pinned) = match (&req.toolchain, go_mod_toolchain) {
            (Some(t), _) => (t.clone(), "--toolchain", true),
            (None, Some(t)) if toolchain::is_toolchain_version(&t) => (t, "go.mod", true),
            (None, other) => {
                if let Some(t) = other {
                    notes.push(format!(
                        "go.mod's `toolchain {t}` is not an exact version; ignored"
                    ));
                }
                (user.version.clone(), "local", false)
            }
        };
        if !pinned {
            notes.push(format!(
                "toolchain not pinned: built with the local {}; add a toolchain line to go.mod or pass --toolchain",
                user.version
            ));
        }

        // What both sides share.
        let vendored = plan.source.join("vendor/modules.txt").is_file();
        let mod_flag = if vendored {
            "-mod=vendor"
        } else {
            "-mod=readonly"
        };
        if vendored {
            notes.push("vendor/modules.txt present: built with -mod=vendor".into());
        }
        let goflags = match (&req.build_cmd, req.profile) {
            (None, Profile::Plain) => String::new(),
            _ => mod_flag.to_string(),
        };
        let (goproxy, network) = self.network_settings(req, &user, &root, &mut notes)?;
        let common = CommonEnv {
            path: build_path(go),
            goproxy,
            network,
            goflags,
            gotoolchain: if pinned {
                version.clone()
            } else {
                "local".into()
            },
            cgo: req.cgo,
            target: req.target.clone(),
        };
        for f in &req.go_flags {
            if SUSPICIOUS_GO_FLAGS
                .iter()
                .any(|s| f == s || f.starts_with(&format!("{s}=")))
            {
                notes.push(format!(
                    "warning: --go-flag {f} runs other tools or replaces inputs of the build"
                ));
            }
        }
        if req.cgo {
            notes.push("cgo enabled: the host C toolchain takes part in the build".into());
        }

        // The dirs and the copies.
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
        let mut sides = Vec::with_capacity(2);
        for side in [Side::Lhs, Side::Rhs] {
            let dirs = SideDirs::new(&root, side, plan.cache_dir.as_deref());
            dirs.create()?;
            if !req.allow_network {
                proxy::seed_sumdb_latest(&user.gopath, &dirs.gopath)
                    .map_err(|e| io_error(format!("cannot seed {}", dirs.gopath.display()), e))?;
            }
            workdir::copy_tree(&plan.source, &dirs.workdir, copy)?;
            let extra = req.side_env.get(&side).map(Vec::as_slice).unwrap_or(&[]);
            let env = env::side_env(&common, &dirs, extra).map_err(BuildError::Usage)?;
            sides.push((dirs, env));
        }
        if req.git_lhs {
            let (dirs, env) = &sides[0];
            let git = toolchain::find_executable(std::ffi::OsStr::new(&env["PATH"]), "git")
                .ok_or_else(|| {
                    BuildError::Usage(format!("--git-lhs needs git in {}", env["PATH"]))
                })?;
            workdir::git_snapshot(&git, &dirs.workdir, env, req.timeout)?;
        }
        if let Some(d) = &plan.cache_dir {
            notes.push(format!(
                "persistent build caches {}/lhs and {}/rhs: a warm cache can hide compile nondeterminism",
                d.display(),
                d.display()
            ));
        }

        // The toolchain each side gets.
        let mut probes = Vec::with_capacity(2);
        for (dirs, env) in &sides {
            let probe = toolchain::probe(go, &dirs.workdir, env, req.cgo, req.timeout).map_err(|reason| {
                let offline = pinned && version != user.version && !req.allow_network;
                let reason = if offline && reason.contains("download") {
                    format!(
                        "{reason} (offline, a toolchain other than the local {} must be in the module cache {} with its checksum-database proof; --allow-network lets go download and verify it)",
                        user.version, user.gomodcache
                    )
                } else {
                    reason
                };
                BuildError::Toolchain { version: version.clone(), reason }
            })?;
            if cleanup::interrupted() {
                return Err(BuildError::Interrupted);
            }
            probes.push(probe);
        }
        if probes[0].version != probes[1].version {
            return Err(BuildError::ToolchainMismatch {
                lhs: probes[0].go_version.clone(),
                rhs: probes[1].go_version.clone(),
            });
        }
        let goos = probes[0].go_env.get("GOOS").cloned().unwrap_or_default();

        // The commands.
        let module = plan.go_mod.as_ref().and_then(|m| m.module.as_deref());
        let name = output_name(&plan.package, module, &goos);
        let plans: Vec<SidePlan> = sides
            .into_iter()
            .map(|(dirs, env)| {
                let (program, args, artifact) = match (&req.build_cmd, &plan.artifact) {
                    (Some(cmd), Some(a)) => (
                        PathBuf::from("/bin/sh"),
                        vec!["-c".to_string(), cmd.clone()],
                        dirs.workdir.join(a),
                    ),
                    _ => {
                        let out = dirs.out.join(&name);
                        (
                            go.to_path_buf(),
                            go_build_args(req, &plan.package, &out),
                            out,
                        )
                    }
                };
                SidePlan {
                    dirs,
                    env,
                    program,
                    args,
                    artifact,
                }
            })
            .collect();

        // The builds.
        let results: Vec<Result<run::Finished, BuildError>> = if plan.jobs >= 2 {
            std::thread::scope(|s| {
                let handles: Vec<_> = plans
                    .iter()
                    .map(|p| s.spawn(|| run_side(p, req.timeout, progress)))
                    .collect();
                handles
                    .into_iter()
                    .map(|h| {
                        h.join().unwrap_or_else(|_| {
                            Err(BuildError::Usage("a build thread panicked".into()))
                        })
                    })
                    .collect()
            })
        } else {
            plans
                .iter()
                .map(|p| run_side(p, req.timeout, progress))
                .collect()
        };
        let mut finished = Vec::with_capacity(2);
        for r in results {
            finished.push(r?);
        }
        for p in &plans {
            let is_file = std::fs::symlink_metadata(&p.artifact)
                .map(|m| m.is_file())
                .unwrap_or(false);
            if !is_file {
                return Err(BuildError::NoArtifact {
                    side: p.dirs.side.name(),
                    path: p.artifact.clone(),
                });
            }
        }

        if req.allow_network {
            notes.push(format!(
                "network allowed: GOPROXY={}",
                env::redact("GOPROXY", &common.goproxy)
            ));
        } else {
            notes.push(
                "offline: modules came from your module cache through a local GOPROXY; the go command had no network proxy"
                    .into(),
            );
        }
        let hints = variation_hints(&plans[0], &plans[1], &plan.package, module);
        let replay = Replay {
            root: root.clone(),
            source: plan.source.clone(),
            copy,
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
        let mut records = plans
            .into_iter()
            .zip(finished)
            .zip(probes)
            .map(|((p, f), probe)| {
                let mut command = vec![p.program.to_string_lossy().into_owned()];
                command.extend(p.args);
                BuildRecord {
                    side: p.dirs.side,
                    workdir: p.dirs.workdir,
                    artifact: p.artifact,
                    command,
                    env: env::recorded(&p.env),
                    go_version: probe.go_version,
                    go_env: probe.go_env,
                    duration: f.duration,
                }
            });
        let (Some(lhs), Some(rhs)) = (records.next(), records.next()) else {
            unreachable!("two sides were planned")
        };
        let toolchain = ToolchainInfo {
            version,
            source: source.to_string(),
            pinned,
        };
        Ok(Done {
            toolchain,
            lhs,
            rhs,
            hints,
            notes,
            replay,
        })
    }

    /// GOPROXY and the other network variables of the builds: the user's with
    /// `--allow-network`, else the offline proxy over the user's module cache.
    fn network_settings(
        &self,
        req: &BuildRequest,
        user: &UserGo,
        root: &Path,
        notes: &mut Vec<String>,
    ) -> Result<(String, Vec<(String, String)>), BuildError> {
        if req.allow_network {
            let goproxy = user
                .network
                .get("GOPROXY")
                .cloned()
                .unwrap_or_else(|| "https://proxy.golang.org,direct".into());
            let mut network: Vec<(String, String)> = user
                .network
                .iter()
                .filter(|(k, _)| *k != "GOPROXY")
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            for name in NETWORK_PASSTHROUGH {
                if let Some(v) = self.user_var(name) {
                    network.push((name.to_string(), v.to_string()));
                }
            }
            if let Some(v) = user.network.get("GOINSECURE") {
                notes.push(format!(
                    "warning: GOINSECURE={v} is passed on with --allow-network"
                ));
            }
            return Ok((goproxy, network));
        }
        let dir = root.join("proxy");
        match proxy::offline_proxy(Path::new(&user.gomodcache), &dir) {
            Ok(Some(dir)) => Ok((format!("file://{}", dir.display()), Vec::new())),
            Ok(None) => {
                notes.push(format!(
                    "the module cache {} has no cache/download: dependencies cannot be had offline (GOPROXY=off)",
                    user.gomodcache
                ));
                Ok(("off".into(), Vec::new()))
            }
            Err(e) => Err(io_error(
                format!("cannot make the offline module proxy {}", dir.display()),
                e,
            )),
        }
    }
}

/// PATH of the builds: the dir of the `go` in use, then /usr/bin and /bin (sh, git, make, a C compiler).
fn build_path(go: &Path) -> String {
    let mut dirs: Vec<String> = Vec::new();
    if let Some(d) = go.parent() {
        dirs.push(d.to_string_lossy().into_owned());
    }
    for d in ["/usr/bin", "/bin"] {
        if !dirs.iter().any(|x| x == d) {
            dirs.push(d.to_string());
        }
    }
    dirs.join(":")
}

/// `go build` arguments after `go`, for the profile.
fn go_build_args(req: &BuildRequest, package: &str, out: &Path) -> Vec<String> {
    let mut args = vec!["build".to_string()];
    let user_ldflags = req
        .ldflags
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    match req.profile {
        Profile::Release => {
            args.push("-trimpath".into());
            args.push(match user_ldflags {
                Some(l) => format!("-ldflags=-buildid= {l}"),
                None => "-ldflags=-buildid=".into(),
            });
            args.push("-o".into());
            args.push(out.to_string_lossy().into_owned());
        }
        Profile::Plain => {
            args.push("-o".into());
            args.push(out.to_string_lossy().into_owned());
            if let Some(l) = user_ldflags {
                args.push(format!("-ldflags={l}"));
            }
        }
    }
    if let Some(t) = req.tags.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        args.push("-tags".into());
        args.push(t.to_string());
    }
    args.extend(req.go_flags.iter().cloned());
    args.push(package.to_string());
    args
}

/// The binary's file name: the package's last element (the module's for `.`), `.exe` for Windows.
fn output_name(package: &str, module: Option<&str>, goos: &str) -> String {
    let last = |p: &str| -> Option<String> {
        p.trim_end_matches('/')
            .rsplit('/')
            .find(|e| {
                !(e.len() >= 2 && e.starts_with('v') && e[1..].bytes().all(|b| b.is_ascii_digit()))
            })
            .filter(|e| !e.is_empty() && *e != "." && *e != "..")
            .map(str::to_string)
    };
    let name = last(package)
        .or_else(|| module.and_then(last))
        .unwrap_or_else(|| "main".into());
    let name: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    if goos == "windows" {
        format!("{name}.exe")
    } else {
        name
    }
}

/// Runs one side's build and turns its end into a result.
fn run_side(
    p: &SidePlan,
    timeout: Duration,
    progress: &dyn Progress,
) -> Result<run::Finished, BuildError> {
    let side = p.dirs.side;
    let command = run::display_command(&p.program, &p.args);
    progress.started(side, &command);
    let spawn = Spawn {
        program: &p.program,
        args: &p.args,
        dir: &p.dirs.workdir,
        env: &p.env,
    };
    let result = run::run(&spawn, timeout);
    let finished = match result {
        Ok(f) => f,
        Err(e) => {
            progress.finished(side, Duration::ZERO);
            return Err(io_error(format!("cannot run {command}"), e));
        }
    };
    progress.finished(side, finished.duration);
    if cleanup::interrupted() {
        return Err(BuildError::Interrupted);
    }
    match finished.exit {
        Exit::TimedOut => Err(BuildError::Timeout {
            side: side.name(),
            command,
            secs: timeout.as_secs(),
        }),
        Exit::Status(s) if !s.success() => Err(BuildError::Failed {
            side: side.name(),
            command,
            code: finished.code(),
            output: finished.output,
        }),
        Exit::Status(_) => Ok(finished),
    }
}

/// Every string that differs between the two builds, longest first.
fn variation_hints(
    lhs: &SidePlan,
    rhs: &SidePlan,
    package: &str,
    module: Option<&str>,
) -> VariationHints {
    let mut hints: Vec<Hint> = Vec::new();
    let mut push = |variation: &str, l: &str, r: &str| {
        if l != r && !hints.iter().any(|h| h.lhs == l && h.rhs == r) {
            hints.push(Hint {
                variation: variation.to_string(),
                lhs: l.to_string(),
                rhs: r.to_string(),
            });
        }
    };
    let s = |p: &Path| p.to_string_lossy().into_owned();
    push("workdir", &s(&lhs.dirs.workdir), &s(&rhs.dirs.workdir));
    if let Some(rel) = package_subdir(package, module) {
        push(
            "package-dir",
            &s(&lhs.dirs.workdir.join(&rel)),
            &s(&rhs.dirs.workdir.join(&rel)),
        );
    }
    const DIR_VARS: [&str; 6] = [
        "HOME",
        "TMPDIR",
        "GOTMPDIR",
        "GOCACHE",
        "GOMODCACHE",
        "GOPATH",
    ];
    let none = String::new();
    for var in DIR_VARS {
        push(
            var,
            lhs.env.get(var).unwrap_or(&none),
            rhs.env.get(var).unwrap_or(&none),
        );
    }
    push("out-dir", &s(&lhs.dirs.out), &s(&rhs.dirs.out));
    push("side-root", &s(&lhs.dirs.base), &s(&rhs.dirs.base));
    let names: BTreeSet<&String> = lhs.env.keys().chain(rhs.env.keys()).collect();
    for name in names {
        if DIR_VARS.contains(&name.as_str()) || env::is_secret_name(name) {
            continue;
        }
        push(
            name,
            lhs.env.get(name).unwrap_or(&none),
            rhs.env.get(name).unwrap_or(&none),
        );
    }
    hints.sort_by(|a, b| {
        let len = |h: &Hint| h.lhs.len().max(h.rhs.len());
        len(b)
            .cmp(&len(a))
            .then_with(|| a.variation.cmp(&b.variation))
    });
    VariationHints { hints }
}

/// The package's dir relative to the module root, when it is not the root.
fn package_subdir(package: &str, module: Option<&str>) -> Option<PathBuf> {
    let rel = if package.starts_with('.') {
        package
    } else {
        package.strip_prefix(module?)?.strip_prefix('/')?
    };
    let p: PathBuf = Path::new(rel)
        .components()
        .filter(|c| matches!(c, Component::Normal(_)))
        .collect();
    (!p.as_os_str().is_empty() && !rel.contains("..")).then_some(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> BuildRequest {
        BuildRequest::new(".")
    }

    #[test]
    fn release_and_plain_arguments() {
        let mut r = request();
        r.ldflags = Some("-X main.date=x".into());
        r.tags = Some("netgo".into());
        r.go_flags = vec!["-buildmode=pie".into()];
        let out = Path::new("/o/hello");
        assert_eq!(
            go_build_args(&r, "./cmd/hello", out),
            [
                "build",
                "-trimpath",
                "-ldflags=-buildid= -X main.date=x",
                "-o",
                "/o/hello",
                "-tags",
                "netgo",
                "-buildmode=pie",
                "./cmd/hello"
            ]
        );
        r.profile = Profile::Plain;
        assert_eq!(
            go_build_args(&r, ".", out),
            [
                "build",
                "-o",
                "/o/hello",
                "-ldflags=-X main.date=x",
                "-tags",
                "netgo",
                "-buildmode=pie",
                "."
            ]
        );
        r.ldflags = None;
        r.tags = None;
        r.go_flags.clear();
        assert_eq!(
            go_build_args(&r, ".", out),
            ["build", "-o", "/o/hello", "."]
        );
        r.profile = Profile::Release;
        assert_eq!(
            go_build_args(&r, ".", out),
            [
                "build",
                "-trimpath",
                "-ldflags=-buildid=",
                "-o",
                "/o/hello",
                "."
            ]
        );
    }

    #[test]
    fn output_names() {
        assert_eq!(
            output_name(".", Some("example.com/hello"), "linux"),
            "hello"
        );
        assert_eq!(
            output_name(".", Some("example.com/hello/v2"), "linux"),
            "hello"
        );
        assert_eq!(
            output_name("./cmd/tool/", Some("example.com/x"), "windows"),
            "tool.exe"
        );
        assert_eq!(output_name("example.com/x/cmd/srv", None, "linux"), "srv");
        assert_eq!(output_name(".", None, "linux"), "main");
    }

    #[test]
    fn package_subdirs() {
        assert_eq!(package_subdir(".", Some("m")), None);
        assert_eq!(
            package_subdir("./cmd/x", Some("m")),
            Some(PathBuf::from("cmd/x"))
        );
        assert_eq!(
            package_subdir("example.com/m/cmd/x", Some("example.com/m")),
            Some(PathBuf::from("cmd/x"))
        );
        assert_eq!(package_subdir("fmt", Some("example.com/m")), None);
    }

    #[test]
    fn checks_refuse_bad_requests() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(
            tmp.path().join("go.mod"),
            "module example.com/x\n\ngo 1.26\n",
        )
        .unwrap();
        let base = || {
            let mut r = request();
            r.source_dir = tmp.path().to_path_buf();
            r
        };
        let usage = |r: BuildRequest| match Plan::check(&r) {
            Err(BuildError::Usage(m)) => m,
            Err(e) => panic!("expected a usage error, got {e}"),
            Ok(_) => panic!("expected a usage error"),
        };
        assert!(Plan::check(&base()).is_ok());
        let mut r = base();
        r.toolchain = Some("go1.26.8+auto".into());
        assert!(usage(r).contains("exact Go version"));
        let mut r = base();
        r.package = "-toolexec=x".into();
        assert!(usage(r).contains("not a flag"));
        let mut r = base();
        r.package = "./...".into();
        assert!(usage(r).contains("one package"));
        let mut r = base();
        r.build_cmd = Some("make".into());
        assert!(usage(r).contains("--artifact"));
        let mut r = base();
        r.build_cmd = Some("make".into());
        r.artifact = Some("../escape".into());
        assert!(usage(r).contains("without `..`"));
        let mut r = base();
        r.go_flags = vec!["-o=/tmp/x".into()];
        assert!(usage(r).contains("output path"));
        let mut r = base();
        r.target = Some(("linux".into(), "AMD64; rm".into()));
        assert!(usage(r).contains("GOOS/GOARCH"));
        let mut r = base();
        r.side_env
            .insert(Side::Lhs, vec![("A=B".into(), "c".into())]);
        assert!(usage(r).contains("--lhs-env"));

        let mut r = base();
        r.cache_dir = Some(tmp.path().join(".cache"));
        assert!(usage(r).contains("outside the source dir"));

        let no_mod = tempfile::tempdir().unwrap();
        let mut r = request();
        r.source_dir = no_mod.path().to_path_buf();
        assert!(usage(r).contains("no go.mod"));
    }

    #[test]
    fn hints_cover_every_differing_path_and_side_variable_longest_first() {
        let root = Path::new("/tmp/twinbuild-abc");
        let side = |s: Side, extra: &[(String, String)]| {
            let dirs = SideDirs::new(root, s, None);
            let common = CommonEnv {
                path: "/usr/local/go/bin:/usr/bin:/bin".into(),
                goproxy: "off".into(),
                network: vec![],
                goflags: "-mod=readonly".into(),
                gotoolchain: "local".into(),
                cgo: false,
                target: None,
            };
            let env = env::side_env(&common, &dirs, extra).unwrap();
            SidePlan {
                artifact: dirs.out.join("x"),
                dirs,
                env,
                program: "/bin/true".into(),
                args: vec![],
            }
        };
        let l = side(
            Side::Lhs,
            &[
                ("SOURCE_DATE_EPOCH".into(), "1".into()),
                ("API_TOKEN".into(), "a".into()),
            ],
        );
        let r = side(
            Side::Rhs,
            &[
                ("SOURCE_DATE_EPOCH".into(), "2".into()),
                ("API_TOKEN".into(), "b".into()),
            ],
        );
        let hints = variation_hints(&l, &r, "./cmd/x", Some("example.com/m")).hints;
        let names: BTreeSet<&str> = hints.iter().map(|h| h.variation.as_str()).collect();
        for n in [
            "workdir",
            "package-dir",
            "HOME",
            "TMPDIR",
            "GOTMPDIR",
            "GOCACHE",
            "GOMODCACHE",
            "GOPATH",
            "out-dir",
            "side-root",
            "SOURCE_DATE_EPOCH",
        ] {
            assert!(names.contains(n), "missing {n} in {names:?}");
        }
        assert!(
            !names.contains("API_TOKEN"),
            "a credential must not reach the report"
        );
        assert!(!names.contains("PATH") && !names.contains("GOFLAGS"));
        let lens: Vec<usize> = hints.iter().map(|h| h.lhs.len().max(h.rhs.len())).collect();
        assert!(lens.windows(2).all(|w| w[0] >= w[1]), "{lens:?}");
        let pkg = hints.iter().find(|h| h.variation == "package-dir").unwrap();
        assert_eq!(pkg.lhs, "/tmp/twinbuild-abc/lhs/src/cmd/x");
        assert_eq!(pkg.rhs, "/tmp/twinbuild-abc/rhs-build/work/tree/src/cmd/x");
    }
}
