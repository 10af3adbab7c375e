//! Step 1 of [`GoBuilder::build`](super::GoBuilder): the plan. Checks the
//! request (nothing is created before it passes), chooses the toolchain, and
//! fixes what both sides' environments share: PATH, GOFLAGS, GOTOOLCHAIN,
//! CGO_ENABLED, the target and the network settings (the offline proxy over
//! the user's module cache, or the user's own with `--allow-network`).
//!
//! Input: the [`BuildRequest`] and what the user's `go` says ([`UserGo`]).
//! Output: a [`Plan`], a [`Pin`] and a [`CommonEnv`], plus notes for the
//! report. What each side runs is `command`'s.

use std::path::{Component, Path, PathBuf};

use super::env::CommonEnv;
use super::go_builder::GoBuilder;
use super::proxy;
use super::toolchain::{self, GoMod, UserGo};
use super::workspace::io_error;
use super::{BuildError, BuildRequest, Profile};

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

/// The request, checked and normalised.
pub(super) struct Plan {
    /// The user's tree, canonical.
    pub source: PathBuf,
    pub go_mod: Option<GoMod>,
    /// `--package`s, each once, `.` when empty; several are main packages.
    pub packages: Vec<String>,
    /// `--artifact`, relative to the workdir, with `--build-cmd`.
    pub artifact: Option<PathBuf>,
    /// `--cache-dir`, created and canonical.
    pub cache_dir: Option<PathBuf>,
    pub jobs: usize,
}

impl Plan {
    pub(super) fn check(req: &BuildRequest) -> Result<Plan, BuildError> {
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
        let mut packages: Vec<String> = Vec::with_capacity(req.packages.len());
        for p in &req.packages {
            let p = if p.trim().is_empty() { "." } else { p.trim() };
            if p.starts_with('-') {
                return usage(format!("--package {p}: a package, not a flag, is expected"));
            }
            if p.contains("...") {
                return usage(format!(
                    "--package {p}: a pattern reaches the harness unlisted (list it with GoBuilder::list_mains)"
                ));
            }
            if !packages.iter().any(|q| q == p) {
                packages.push(p.to_string());
            }
        }
        if packages.is_empty() {
            packages.push(".".into());
        }
        if packages.len() > 1 {
            if req.build_cmd.is_some() {
                return usage("--build-cmd builds one artifact: give one --package".into());
            }
            let module = go_mod.as_ref().and_then(|m| m.module.as_deref());
            let mut seen: Vec<(String, &str)> = Vec::new();
            for p in &packages {
                let name = super::command::output_name(p, module, "linux");
                if let Some((_, other)) = seen.iter().find(|(n, _)| *n == name) {
                    return usage(format!(
                        "--package {other} and {p} both build a binary named {name}: one go build -o DIR/ cannot write both; verify them in separate runs"
                    ));
                }
                seen.push((name, p));
            }
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
            packages,
            artifact,
            cache_dir,
            jobs: req.jobs.max(1),
        })
    }
}

/// The toolchain both sides build with, and how it was chosen.
pub(super) struct Pin {
    /// `goX.Y.Z`: the pinned version, or the local go's when not pinned.
    pub version: String,
    /// `--toolchain`, `go.mod` or `local`.
    pub source: &'static str,
    pub pinned: bool,
}

impl From<Pin> for super::ToolchainInfo {
    /// What the report says of the toolchain.
    fn from(pin: Pin) -> Self {
        super::ToolchainInfo {
            version: pin.version,
            source: pin.source.to_string(),
            pinned: pin.pinned,
        }
    }
}

impl Pin {
    /// `--toolchain`, else go.mod's exact `toolchain` line, else the local go (not pinned, with a note).
    pub(super) fn choose(
        req: &BuildRequest,
        plan: &Plan,
        user: &UserGo,
        notes: &mut Vec<String>,
    ) -> Pin {
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
        Pin {
            version,
            source,
            pinned,
        }
    }
}

/// GOFLAGS of the builds: `-mod=readonly` (`-mod=vendor` with a vendor
/// dir), nothing for `plain` with `go build`.
pub(super) fn goflags(req: &BuildRequest, plan: &Plan, notes: &mut Vec<String>) -> String {
    let vendored = plan.source.join("vendor/modules.txt").is_file();
    let mod_flag = if vendored {
        "-mod=vendor"
    } else {
        "-mod=readonly"
    };
    if vendored {
        notes.push("vendor/modules.txt present: built with -mod=vendor".into());
    }
    match (&req.build_cmd, req.profile) {
        (None, Profile::Plain) => String::new(),
        _ => mod_flag.to_string(),
    }
}

/// What both sides' environments share, from [`goflags`] and [`network_settings`].
pub(super) fn common_env(
    req: &BuildRequest,
    go: &Path,
    pin: &Pin,
    goflags: String,
    (goproxy, network): (String, Vec<(String, String)>),
    notes: &mut Vec<String>,
) -> CommonEnv {
    let common = CommonEnv {
        path: build_path(go),
        goproxy,
        network,
        goflags,
        gotoolchain: if pin.pinned {
            pin.version.clone()
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
    common
}

/// GOPROXY and the other network variables of the builds: the user's with
/// `--allow-network`, else the offline proxy over the user's module cache;
/// `builder` has the user's environment.
pub(super) fn network_settings(
    builder: &GoBuilder,
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
            if let Some(v) = builder.user_var(name) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::harness::Side;

    fn request() -> BuildRequest {
        BuildRequest::new(".")
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
        r.packages = vec!["-toolexec=x".into()];
        assert!(usage(r).contains("not a flag"));
        let mut r = base();
        r.packages = vec!["./...".into()];
        assert!(usage(r).contains("unlisted"));
        let mut r = base();
        r.packages = vec!["./cmd/a/tool".into(), "./cmd/b/tool/".into()];
        assert!(usage(r).contains("both build a binary named tool"));
        let mut r = base();
        r.packages = vec!["./cmd/a".into(), "./cmd/b".into()];
        assert_eq!(Plan::check(&r).unwrap().packages, ["./cmd/a", "./cmd/b"]);
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
}
