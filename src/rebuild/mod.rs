//! `twinbuild rebuild BINARY`: prove a published Go binary comes from its
//! source, byte for byte.
//!
//! Input: the published binary and where its source may come from
//! ([`RebuildRequest`]). Output: a [`RebuildOutcome`]: the recovered recipe,
//! each input with its digest, every build attempt and why it was dropped,
//! and the verdict, with the full attribution [`Report`] of the closest
//! attempt when none is byte-identical. Errors ([`RebuildError`]) mean "could
//! not tell" (exit 2).
//!
//! The steps, one file each:
//! 1. [`recipe`]: read the recipe back from the binary (pure).
//! 2. [`inputs`]: the exact toolchain and the main module's source, each with its digest.
//! 3. [`fake_git`] (the VCS stamp), [`paths`] (original absolute paths, in a
//!    private mount namespace) and [`search`] (the ldflags `-trimpath` hid):
//!    build the module *as the main module* with the recorded settings
//!    ([`go_command`]: the `go build`/`go install` lines and the probe build
//!    that lists the string variables).
//! 4. [`judge`]: compare with the existing pipeline (`diff`, `attribute`, `report`);
//!    [`render`] writes the outcome as human text, JSON, Markdown or HTML.
//! 5. [`script`] (`--emit-recipe`) and [`attest`] (`--attest`).
//!
//! Like `harness/`, this module spawns processes (the go command) and writes
//! only inside its own workspace (a `harness::Workspace`, removed on every exit
//! path, Ctrl-C included); never into `--source` or the binary's directory.
//! With `--allow-network` the go command also fills the user's module cache.

pub mod attest;
pub mod cli;
pub mod fake_git;
mod go_command;
pub mod inputs;
pub mod judge;
pub mod paths;
pub mod recipe;
pub mod render;
pub mod script;
pub mod search;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::binary::Binary;
use crate::harness::run::{self, Spawn};
use crate::harness::toolchain::{find_go, one_line_reason, query_user_go};
use crate::harness::Workspace;
use crate::report::Report;
use go_command::{exe_suffix, go_build_args, go_install_args, installed_location, string_vars};
use inputs::{GoEnv, Host, InputRecord, SourceSpec};
use recipe::Recipe;
use search::Verdict;

/// What to rebuild and how.
#[derive(Debug, Clone)]
pub struct RebuildRequest {
    /// The published binary.
    pub binary: PathBuf,
    pub source: SourceSpec,
    pub allow_network: bool,
    /// GOPROXY for `--allow-network` (default [`inputs::DEFAULT_PROXY`]).
    pub proxy: Option<String>,
    /// Per go command.
    pub timeout: Duration,
    /// Stop after getting the inputs (fills the module cache for offline rebuilds later).
    pub fetch_only: bool,
    /// Copy the closest rebuilt binary here.
    pub keep_binary: Option<PathBuf>,
    /// More `-ldflags` to try after the searched forms (`--try-ldflags`).
    pub try_ldflags: Vec<String>,
}

/// Why the rebuild could not tell (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum RebuildError {
    #[error("{path}: {reason}")]
    Binary { path: String, reason: String },
    #[error("{path}: cannot rebuild: {reason}")]
    Recipe {
        path: String,
        reason: recipe::RecipeError,
    },
    #[error("{0}")]
    Input(String),
    #[error("cannot reproduce the VCS stamp: {0}")]
    Stamp(#[from] fake_git::StampError),
    #[error("cannot recreate the original paths of this build without -trimpath: {0}")]
    Paths(String),
    #[error("the rebuild failed: {0}")]
    Build(String),
    #[error("interrupted")]
    Interrupted,
}

/// One build of the search.
#[derive(Debug, Clone, Serialize)]
pub struct Attempt {
    /// `-ldflags` as passed (`None`: none).
    pub ldflags: Option<String>,
    /// The full go command line.
    pub command: Vec<String>,
    pub sha256: String,
    pub build_id: Option<String>,
    pub verdict: Verdict,
    /// Why it was dropped (or `byte-identical`).
    pub why: String,
    #[serde(rename = "duration_ms", serialize_with = "millis")]
    pub duration: Duration,
    #[serde(skip)]
    pub path: PathBuf,
}

fn millis<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(d.as_millis() as u64)
}

/// The published binary.
#[derive(Debug, Clone, Serialize)]
pub struct Published {
    pub path: String,
    pub size: u64,
    pub sha256: String,
}

/// Everything the rebuild did and found.
#[derive(Debug, Serialize)]
pub struct RebuildOutcome {
    pub published: Published,
    pub recipe: Recipe,
    pub inputs: Vec<InputRecord>,
    /// The go build environment (paths in the workspace shown as `$WORK`).
    pub env: BTreeMap<String, String>,
    /// The directory the go command ran in (the module root as the build saw it).
    pub build_dir: String,
    pub attempts: Vec<Attempt>,
    /// The git queries the go command asked the stand-in, in order, once each.
    pub git_queries: Vec<String>,
    /// 0 identical, 1 differs.
    pub exit_code: i32,
    /// The attribution of the closest attempt, when none is identical.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report: Option<Report>,
    pub notes: Vec<String>,
    #[serde(skip)]
    pub fetched_only: bool,
    #[serde(skip)]
    pub mounts: Option<paths::MountPlan>,
}

/// Reads the published binary with the same limits as the other commands.
fn read_binary(path: &Path) -> Result<Vec<u8>, RebuildError> {
    let err = |reason: String| RebuildError::Binary {
        path: path.display().to_string(),
        reason,
    };
    let meta = std::fs::metadata(path).map_err(|e| err(format!("cannot read: {e}")))?;
    if !meta.is_file() {
        return Err(err("not a regular file".into()));
    }
    if meta.len() > crate::binary::MAX_INPUT_SIZE {
        return Err(err(format!(
            "{} bytes is over the {}-byte input limit",
            meta.len(),
            crate::binary::MAX_INPUT_SIZE
        )));
    }
    std::fs::read(path).map_err(|e| err(format!("cannot read: {e}")))
}

/// Runs the whole rebuild. Installs nothing: the caller installs the Ctrl-C cleanup first.
pub fn rebuild(req: &RebuildRequest) -> Result<RebuildOutcome, RebuildError> {
    let data = read_binary(&req.binary)?;
    let bin = Binary::parse(&data).map_err(|e| RebuildError::Binary {
        path: req.binary.display().to_string(),
        reason: e.to_string(),
    })?;
    let go = crate::binary::go::read(&bin);
    let recipe = Recipe::from_binary(&bin, &go).map_err(|reason| RebuildError::Recipe {
        path: req.binary.display().to_string(),
        reason,
    })?;
    let published = Published {
        path: req.binary.display().to_string(),
        size: data.len() as u64,
        sha256: crate::binary::sha256_hex(&data),
    };
    drop(go);

    let path_var = std::env::var_os("PATH");
    let local_go = find_go(path_var.as_deref()).ok_or_else(|| {
        RebuildError::Input("no `go` command found on PATH; install Go 1.21 or newer".into())
    })?;
    let ws = Workspace::create().map_err(|e| RebuildError::Input(e.to_string()))?;
    let root = ws
        .path()
        .expect("a created workspace owns its root")
        .to_path_buf();
    let user_env: Vec<(String, String)> = std::env::vars().collect();
    let user = query_user_go(&local_go, &user_env, &root, req.timeout)
        .map_err(|e| RebuildError::Input(e.to_string()))?;
    let host = Host {
        local_go: local_go.clone(),
        local_version: user.version.clone(),
        user_gomodcache: PathBuf::from(&user.gomodcache),
        user_gopath: user.gopath.clone(),
    };
    let home = root.join("home");
    let tmp = root.join("tmp");
    let gocache = root.join("gocache");
    let bindir = root.join("bin");
    let out = root.join("out");
    for d in [&home, &tmp, &gocache, &bindir, &out] {
        std::fs::create_dir_all(d)
            .map_err(|e| RebuildError::Input(format!("cannot create {}: {e}", d.display())))?;
    }
    let mut base = BTreeMap::new();
    base.insert("PATH".to_string(), "/usr/bin:/bin".to_string());
    base.insert("HOME".to_string(), home.display().to_string());
    base.insert("TMPDIR".to_string(), tmp.display().to_string());
    base.insert("GOCACHE".to_string(), gocache.display().to_string());
    base.insert("GOENV".to_string(), "off".to_string());
    base.insert("GOWORK".to_string(), "off".to_string());
    base.insert("GOFLAGS".to_string(), String::new());
    base.insert("GOTELEMETRY".to_string(), "off".to_string());
    for k in inputs::PASSED_VARS {
        if let Some(v) = user.network.get(*k).or(std::env::var(k).ok().as_ref()) {
            if !v.is_empty() {
                base.insert(k.to_string(), v.clone());
            }
        }
    }
    let env = GoEnv {
        vars: base.clone(),
        timeout: req.timeout,
    };
    let proxy_url = req
        .proxy
        .clone()
        .unwrap_or_else(|| inputs::DEFAULT_PROXY.to_string());
    let got = inputs::get(
        &recipe,
        &req.source,
        &host,
        &root,
        &env,
        req.allow_network,
        &proxy_url,
    )?;
    let mut notes = got.notes.clone();
    if req.fetch_only {
        return Ok(RebuildOutcome {
            published,
            recipe,
            inputs: got.records,
            env: BTreeMap::new(),
            build_dir: String::new(),
            attempts: Vec::new(),
            git_queries: Vec::new(),
            exit_code: crate::cli::EXIT_REPRODUCIBLE,
            report: None,
            notes,
            fetched_only: true,
            mounts: None,
        });
    }

    // The stand-in git for the VCS stamp.
    let git_log = root.join("git-queries.log");
    let mut build_env = base;
    if let Some(stamp) = &recipe.vcs {
        let text = fake_git::script(stamp, &recipe.module.version)?;
        let git = bindir.join("git");
        write_executable(&git, &text)?;
        std::fs::create_dir_all(got.module_root.join(".git"))
            .map_err(|e| RebuildError::Input(format!("cannot create .git: {e}")))?;
        build_env.insert("TWINBUILD_GIT_LOG".into(), git_log.display().to_string());
    }
    let gomodcache_ws = root.join("gopath").join("pkg").join("mod");
    build_env.insert("GOPROXY".into(), got.goproxy.clone());
    build_env.insert("GOPATH".into(), root.join("gopath").display().to_string());
    build_env.insert("GOFLAGS".into(), "-mod=mod".into());
    build_env.insert("GOTOOLCHAIN".into(), "local".into());
    for (k, v) in &recipe.env {
        build_env.insert(k.clone(), v.clone());
    }

    // Where the build runs: the workspace, or the original paths in a private mount namespace.
    let mut unshare_bin: Option<PathBuf> = None;
    let (build_dir, goroot_seen, mounts) = match &recipe.paths {
        None => {
            build_env.insert("GOMODCACHE".into(), gomodcache_ws.display().to_string());
            (got.module_root.clone(), got.goroot.clone(), None)
        }
        Some(p) => {
            let module_root = p.module_root.clone().ok_or_else(|| {
                RebuildError::Paths(
                    "the module root cannot be read from the binary's file table".into(),
                )
            })?;
            let goroot = p.goroot.clone().ok_or_else(|| {
                RebuildError::Paths("GOROOT cannot be read from the binary's file table".into())
            })?;
            let mut binds = vec![
                (got.module_root.clone(), module_root.clone()),
                (got.goroot.clone(), goroot.clone()),
            ];
            match &p.gomodcache {
                Some(m) => {
                    binds.push((gomodcache_ws.clone(), m.clone()));
                    build_env.insert("GOMODCACHE".into(), m.clone());
                }
                None => {
                    build_env.insert("GOMODCACHE".into(), gomodcache_ws.display().to_string());
                }
            }
            let needed = vec![root.clone(), host.user_gomodcache.clone()];
            let plan = paths::plan(&binds, &needed, &|p: &Path| p.exists())
                .map_err(|e| RebuildError::Paths(e.to_string()))?;
            let unshare = crate::harness::toolchain::find_executable(
                std::ffi::OsStr::new(SYSTEM_PATH),
                "unshare",
            )
            .ok_or_else(|| {
                RebuildError::Paths(
                    "`unshare` (util-linux) is not installed; it makes the private mount namespace"
                        .into(),
                )
            })?;
            unshare_bin = Some(unshare);
            notes.push(format!(
                "built without -trimpath: the rebuild ran in a private mount namespace with the module at {module_root} and GOROOT at {goroot}; nothing on the host changed"
            ));
            (
                PathBuf::from(module_root),
                PathBuf::from(goroot),
                Some(plan),
            )
        }
    };
    let go_bin = goroot_seen.join("bin").join("go");
    build_env.insert(
        "PATH".into(),
        format!(
            "{}:{}:/usr/bin:/bin",
            bindir.display(),
            goroot_seen.join("bin").display()
        ),
    );

    let published_id = recipe.build_id.clone();
    let mut attempts: Vec<Attempt> = Vec::new();
    let run_attempt = |ldflags: Option<String>,
                       attempts: &mut Vec<Attempt>|
     -> Result<bool, RebuildError> {
        let n = attempts.len() + 1;
        let output = out.join(format!("attempt-{n}{}", exe_suffix(&recipe)));
        let args = if recipe.installed {
            go_install_args(&recipe, ldflags.as_deref())
        } else {
            go_build_args(&recipe, ldflags.as_deref(), &output)
        };
        let (program, full_args) = match (&mounts, &unshare_bin) {
            (Some(plan), Some(unshare)) => {
                let mut v = paths::command(plan, is_root(), &build_dir);
                v.remove(0);
                v.push(go_bin.display().to_string());
                v.extend(args.iter().cloned());
                (unshare.clone(), v)
            }
            _ => (go_bin.clone(), args.clone()),
        };
        let empty = root.join("empty");
        let dir = if mounts.is_some() || recipe.installed {
            &empty
        } else {
            &build_dir
        };
        let mut attempt_env = build_env.clone();
        let (gobin, installed_at) = installed_location(&recipe, &root, n);
        if let Some(g) = &gobin {
            attempt_env.insert("GOBIN".into(), g.display().to_string());
        }
        let start = Instant::now();
        let spawn = Spawn {
            program: &program,
            args: &full_args,
            dir,
            env: &attempt_env,
        };
        let done = run::run(&spawn, req.timeout)
            .map_err(|e| RebuildError::Build(format!("cannot run {}: {e}", program.display())))?;
        if let Some(at) = &installed_at {
            if done.success() {
                std::fs::rename(at, &output).map_err(|e| {
                    RebuildError::Build(format!(
                        "go install left no binary at {}: {e}",
                        at.display()
                    ))
                })?;
            }
        }
        if crate::harness::cleanup::interrupted() {
            return Err(RebuildError::Interrupted);
        }
        if !done.success() {
            return Err(RebuildError::Build(format!(
                "go {} : {}",
                args.join(" "),
                one_line_reason(&done.output, &done.code())
            )));
        }
        let bytes = std::fs::read(&output).map_err(|e| {
            RebuildError::Build(format!(
                "the build left no binary at {}: {e}",
                output.display()
            ))
        })?;
        let sha = crate::binary::sha256_hex(&bytes);
        let build_id = Binary::parse(&bytes).ok().and_then(|b| {
            crate::binary::go::read_without_dwarf(&b)
                .build_id
                .map(|i| i.value)
                .filter(|v| !v.is_empty())
        });
        let verdict = if sha == published.sha256 {
            Verdict::Identical
        } else {
            search::compare_build_ids(published_id.as_deref(), build_id.as_deref())
        };
        let mut command = vec!["go".to_string()];
        command.extend(args);
        attempts.push(Attempt {
            ldflags,
            command,
            sha256: sha,
            build_id,
            verdict,
            why: verdict.why().to_string(),
            duration: start.elapsed(),
            path: output,
        });
        Ok(verdict == Verdict::Identical)
    };

    let mut candidates = search::ldflags_candidates(&recipe);
    for t in &req.try_ldflags {
        let t = (!t.is_empty()).then(|| t.clone());
        if !candidates.contains(&t) {
            candidates.push(t);
        }
    }
    let mut identical = false;
    for c in &candidates {
        if run_attempt(c.clone(), &mut attempts)? {
            identical = true;
            break;
        }
    }
    // -X values: when the main package compiled the same but the link differs, look for stamped variables.
    if !identical
        && recipe.trimpath
        && recipe.ldflags.is_none()
        && attempts
            .iter()
            .any(|a| a.verdict == Verdict::LinkDiffers || a.verdict == Verdict::Differs)
    {
        let vars = string_vars(
            &recipe,
            &go_bin,
            &build_dir,
            &build_env,
            &mounts,
            &root,
            req.timeout,
        );
        let sets = search::x_candidates(&recipe, &vars, &data);
        if !sets.is_empty() {
            notes.push(format!(
                "string variables of the main module searched for -X values: {}",
                vars.join(", ")
            ));
        }
        'search: for xs in &sets {
            for c in &candidates {
                if run_attempt(search::with_x(c, xs), &mut attempts)? {
                    identical = true;
                    break 'search;
                }
            }
        }
    }
    let git_queries = read_queries(&git_log);
    let best =
        judge::best(&attempts).ok_or_else(|| RebuildError::Build("no attempt was made".into()))?;
    if let Some(keep) = &req.keep_binary {
        std::fs::copy(&attempts[best].path, keep)
            .map_err(|e| RebuildError::Input(format!("cannot write {}: {e}", keep.display())))?;
    }
    let report = if identical {
        None
    } else {
        Some(judge::attribute(
            &req.binary,
            &data,
            &attempts[best],
            &recipe,
            &notes,
        )?)
    };
    let exit_code = if identical {
        crate::cli::EXIT_REPRODUCIBLE
    } else {
        crate::cli::EXIT_DIFFERS
    };
    let shown_env = build_env
        .iter()
        .map(|(k, v)| (k.clone(), v.replace(&*root.to_string_lossy(), "$WORK")))
        .collect();
    Ok(RebuildOutcome {
        published,
        recipe,
        inputs: got.records,
        env: shown_env,
        build_dir: build_dir
            .to_string_lossy()
            .replace(&*root.to_string_lossy(), "$WORK"),
        attempts,
        git_queries,
        exit_code,
        report,
        notes,
        fetched_only: false,
        mounts,
    })
}

fn read_queries(log: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let mut seen = std::collections::BTreeSet::new();
    text.lines()
        .filter(|l| seen.insert(l.to_string()))
        .map(str::to_string)
        .collect()
}

fn write_executable(path: &Path, text: &str) -> Result<(), RebuildError> {
    std::fs::write(path, text)
        .map_err(|e| RebuildError::Input(format!("cannot write {}: {e}", path.display())))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
            .map_err(|e| RebuildError::Input(format!("cannot chmod {}: {e}", path.display())))?;
    }
    Ok(())
}

/// Where `unshare` is looked for.
const SYSTEM_PATH: &str = "/usr/bin:/bin:/usr/sbin:/sbin";

/// Running as root (the owner of `/proc/self` is the effective user).
fn is_root() -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
    }
    #[cfg(not(unix))]
    false
}
