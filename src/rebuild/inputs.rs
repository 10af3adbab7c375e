//! Step 2 of `rebuild`: get the inputs the recipe names, each with its digest.
//!
//! Input: a [`Recipe`] and where the source should come from. Output:
//! [`Inputs`]: the exact toolchain (its GOROOT, extracted from
//! `golang.org/toolchain` by the go command, which checks it against the
//! checksum database), the main module's source copied into the workspace
//! (from `--source DIR`, or the module zip for the recorded version, checked
//! by the go command against the checksum database and by us against the sum
//! the binary records), and a module proxy for the dependencies.
//!
//! The network is used only with `--allow-network`: then the go command
//! downloads the toolchain, the module and its dependencies into the user's
//! module cache (as `go install` would). Every build then reads modules only
//! from that cache, served as a `file://` GOPROXY into a fresh GOMODCACHE
//! (the same offline proxy `verify` uses): offline, a rebuild works exactly
//! when the cache already holds everything, and says what is missing otherwise.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::recipe::Recipe;
use super::RebuildError;
use crate::harness::proxy;
use crate::harness::run::{self, Spawn};
use crate::harness::toolchain::one_line_reason;
use crate::harness::workdir::{self, CopyOptions};

/// The module proxy used with `--allow-network` unless `--proxy` says otherwise.
pub const DEFAULT_PROXY: &str = "https://proxy.golang.org";

/// Variables of the user's environment passed to the go command as they are
/// (which modules are private; never credentials).
pub const PASSED_VARS: &[&str] = &["GONOSUMDB", "GOPRIVATE", "GONOPROXY"];

/// Where the main module's source comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceSpec {
    /// The module zip for the version the binary records.
    Recorded,
    /// `--module PATH@VERSION`.
    Module { path: String, version: String },
    /// `--source DIR`.
    Dir(PathBuf),
}

/// One input and its digest, for the report and the attestation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InputRecord {
    /// `toolchain`, `source`.
    pub role: String,
    /// `golang.org/toolchain@v0.0.1-go1.27.1.linux-amd64`, `mvdan.cc/sh/v3@v3.14.1`, or a directory.
    pub name: String,
    /// `h1:...` (the go command's dirhash of the module zip), or empty for a directory.
    pub sum: String,
    /// Where it came from: `module cache`, `module proxy`, `--source`, `local go`.
    pub from: String,
}

/// What the rebuild runs on.
#[derive(Debug)]
pub struct Inputs {
    /// The toolchain's GOROOT (its `bin/go` runs the builds).
    pub goroot: PathBuf,
    /// The copy of the main module's source in the workspace (the module root).
    pub module_root: PathBuf,
    /// `file://...` over the user's module cache.
    pub goproxy: String,
    pub records: Vec<InputRecord>,
    pub notes: Vec<String>,
}

/// The environment shared by every go command of the run.
#[derive(Debug, Clone)]
pub struct GoEnv {
    pub vars: BTreeMap<String, String>,
    pub timeout: Duration,
}

impl GoEnv {
    /// Runs `go args` in `dir`; the combined output on success, one line saying why on failure.
    pub fn run(
        &self,
        go: &Path,
        args: &[String],
        dir: &Path,
        extra: &[(&str, &str)],
    ) -> Result<String, String> {
        let mut env = self.vars.clone();
        for (k, v) in extra {
            env.insert(k.to_string(), v.to_string());
        }
        let spawn = Spawn {
            program: go,
            args,
            dir,
            env: &env,
        };
        let done = run::run(&spawn, self.timeout).map_err(|e| format!("cannot run go: {e}"))?;
        if crate::harness::cleanup::interrupted() {
            return Err("interrupted".into());
        }
        if done.success() {
            Ok(done.output)
        } else if let Some(error) = parse_download(&done.output)
            .map(|d| d.error)
            .filter(|e| !e.is_empty())
        {
            // `go mod download -json` reports a module's failure in its JSON.
            Err(error.lines().next().unwrap_or_default().to_string())
        } else {
            Err(one_line_reason(&done.output, &done.code()))
        }
    }
}

/// `go mod download -json` output for one module.
#[derive(Debug, Deserialize)]
struct Download {
    #[serde(rename = "Dir", default)]
    dir: String,
    #[serde(rename = "Sum", default)]
    sum: String,
    #[serde(rename = "Error", default)]
    error: String,
}

/// Reads the first JSON object in `output` (the go command may print `go: downloading ...` lines around it).
fn parse_download(output: &str) -> Option<Download> {
    let start = output.find('{')?;
    serde_json::Deserializer::from_str(&output[start..])
        .into_iter::<Download>()
        .next()?
        .ok()
}

/// The `golang.org/toolchain` module version of a Go release for this host.
pub fn toolchain_module(go_version: &str) -> String {
    format!("v0.0.1-{go_version}.{}-{}", host_goos(), host_goarch())
}

pub fn host_goos() -> &'static str {
    match std::env::consts::OS {
        "macos" => "darwin",
        other => other,
    }
}

pub fn host_goarch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        other => other,
    }
}

/// The user's module cache (for the offline proxy) and the local go.
#[derive(Debug, Clone)]
pub struct Host {
    pub local_go: PathBuf,
    pub local_version: String,
    pub user_gomodcache: PathBuf,
    pub user_gopath: String,
}

/// Gets every input into `ws` (the workspace root).
#[allow(clippy::too_many_arguments)] // One call site; the parts are all different things.
pub fn get(
    recipe: &Recipe,
    source: &SourceSpec,
    host: &Host,
    ws: &Path,
    env: &GoEnv,
    allow_network: bool,
    proxy_url: &str,
) -> Result<Inputs, RebuildError> {
    let mut records = Vec::new();
    let mut notes = Vec::new();
    let empty = ws.join("empty");
    std::fs::create_dir_all(&empty).map_err(|e| io(&empty, e))?;
    let tc_version = toolchain_module(&recipe.go_version);
    let (mod_path, mod_version) = match source {
        SourceSpec::Module { path, version } => (path.clone(), Some(version.clone())),
        SourceSpec::Recorded => (
            recipe.module.path.clone(),
            recipe.fetchable_version().map(str::to_string),
        ),
        SourceSpec::Dir(_) => (recipe.module.path.clone(), None),
    };
    if matches!(source, SourceSpec::Recorded) && mod_version.is_none() {
        return Err(RebuildError::Input(format!(
            "the binary records main module {} at version {:?}, which no proxy serves; give --source DIR or --module {}@VERSION",
            recipe.module.path, recipe.module.version, recipe.module.path
        )));
    }

    // With the network: fill the user's module cache through the proxy (the go command verifies everything).
    if allow_network {
        let net = |args: Vec<String>, dir: &Path| {
            env.run(
                &host.local_go,
                &args,
                dir,
                &[
                    ("GOPROXY", proxy_url),
                    ("GOMODCACHE", &host.user_gomodcache.to_string_lossy()),
                    ("GOPATH", &host.user_gopath),
                    ("GOTOOLCHAIN", "local"),
                ],
            )
        };
        let tc = format!("golang.org/toolchain@{tc_version}");
        // The local go runs a toolchain of its own version itself (GOTOOLCHAIN does not switch).
        if recipe.go_version != host.local_version {
            net(
                vec!["mod".into(), "download".into(), "-json".into(), tc.clone()],
                &empty,
            )
            .map_err(|reason| toolchain_error(&recipe.go_version, &reason))?;
        }
        if let Some(v) = &mod_version {
            let m = format!("{mod_path}@{v}");
            let out = net(
                vec!["mod".into(), "download".into(), "-json".into(), m.clone()],
                &empty,
            );
            check_download(&m, out)?;
        }
    }

    // The offline proxy over the user's module cache, and the checksum database's tree head.
    let proxy_dir = proxy::offline_proxy(&host.user_gomodcache, &ws.join("proxy"))
        .map_err(|e| RebuildError::Input(format!("cannot set up the module proxy: {e}")))?;
    let goproxy = match &proxy_dir {
        Some(d) => format!("file://{}", d.display()),
        None => "off".to_string(),
    };
    let gopath = ws.join("gopath");
    std::fs::create_dir_all(&gopath).map_err(|e| io(&gopath, e))?;
    proxy::seed_sumdb_latest(&host.user_gopath, &gopath)
        .map_err(|e| RebuildError::Input(format!("cannot seed the checksum database: {e}")))?;
    let gomodcache = gopath.join("pkg").join("mod");
    let local = [
        ("GOPROXY", goproxy.as_str()),
        ("GOPATH", &*gopath.to_string_lossy()),
        ("GOMODCACHE", &*gomodcache.to_string_lossy()),
    ];
    let local: Vec<(&str, String)> = local.iter().map(|(k, v)| (*k, v.to_string())).collect();
    let local: Vec<(&str, &str)> = local.iter().map(|(k, v)| (*k, v.as_str())).collect();

    // The toolchain: the go command fetches golang.org/toolchain and checks it against the checksum database.
    // When the user's module cache holds it extracted already (the go
    // command checked its zip against the checksum database then), it is
    // used in place, read-only, as the go command itself would switch to
    // it: asked with the network off, the go command writes nothing there.
    // Otherwise it is extracted into the rebuild's own module cache from
    // the offline proxy, the go command checking the zip again.
    let gotoolchain = recipe.go_version.clone();
    let user_gomodcache = host.user_gomodcache.to_string_lossy();
    let in_place = [
        ("GOPROXY", "off"),
        ("GOPATH", &*gopath.to_string_lossy()),
        ("GOMODCACHE", &*user_gomodcache),
        ("GOTOOLCHAIN", &*gotoolchain),
    ]
    .map(|(k, v)| (k, v.to_string()));
    let in_place: Vec<(&str, &str)> = in_place.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut with_tc = local.clone();
    with_tc.push(("GOTOOLCHAIN", &gotoolchain));
    let goroot_of = |extra: &[(&str, &str)]| {
        env.run(
            &host.local_go,
            &["env".into(), "GOROOT".into()],
            &empty,
            extra,
        )
    };
    let in_place = goroot_of(&in_place)
        .ok()
        .filter(|out| Path::new(last_line(out)).join("bin").join("go").is_file());
    let used_in_place = in_place.is_some();
    let found = in_place.map(Ok).unwrap_or_else(|| goroot_of(&with_tc));
    let goroot = match found {
        Ok(out) => {
            let root = PathBuf::from(last_line(&out));
            if !root.join("bin").join("go").is_file() {
                return Err(toolchain_error(
                    &recipe.go_version,
                    &format!(
                        "`go env GOROOT` gave {}, which has no bin/go",
                        root.display()
                    ),
                ));
            }
            records.push(InputRecord {
                role: "toolchain".into(),
                name: format!("golang.org/toolchain@{tc_version}"),
                sum: read_ziphash(&host.user_gomodcache, "golang.org/toolchain", &tc_version),
                from: if recipe.go_version == host.local_version {
                    format!(
                        "the local go installation ({}), the same version",
                        root.display()
                    )
                } else if allow_network {
                    format!("module proxy {proxy_url}, through the module cache")
                } else if used_in_place {
                    "module cache (extracted there, used in place)".into()
                } else {
                    "module cache".into()
                },
            });
            root
        }
        Err(reason) => {
            if !allow_network {
                return Err(toolchain_error(
                    &recipe.go_version,
                    &format!("not in the module cache and the network is off (--allow-network fetches it): {reason}"),
                ));
            }
            return Err(toolchain_error(&recipe.go_version, &reason));
        }
    };

    // The main module's source, copied into the workspace (never written where it came from).
    let module_root = ws.join("work").join("src");
    if let Some(parent) = module_root.parent() {
        std::fs::create_dir_all(parent).map_err(|e| io(parent, e))?;
    }
    match (source, &mod_version) {
        (SourceSpec::Dir(dir), _) => {
            let dir = dir.canonicalize().map_err(|e| {
                RebuildError::Input(format!("cannot read --source {}: {e}", dir.display()))
            })?;
            if !dir.join("go.mod").is_file() {
                return Err(RebuildError::Input(format!(
                    "--source {} has no go.mod: give the main module's root",
                    dir.display()
                )));
            }
            workdir::copy_tree(&dir, &module_root, CopyOptions { include_git: false })
                .map_err(|e| RebuildError::Input(e.to_string()))?;
            records.push(InputRecord {
                role: "source".into(),
                name: dir.display().to_string(),
                sum: String::new(),
                from: "--source".into(),
            });
            notes.push(format!(
                "the source is the directory {} as given (--source); its module version is not checked",
                dir.display()
            ));
        }
        (_, Some(version)) => {
            let m = format!("{mod_path}@{version}");
            let out = env.run(
                &host.local_go,
                &["mod".into(), "download".into(), "-json".into(), m.clone()],
                &empty,
                &with_local_toolchain(&local),
            );
            let d = check_download(&m, out).map_err(|e| match e {
                RebuildError::Input(reason) if !allow_network => RebuildError::Input(format!(
                    "{reason} (offline: only the module cache is read; --allow-network fetches it)"
                )),
                e => e,
            })?;
            if !recipe.module.sum.is_empty()
                && matches!(source, SourceSpec::Recorded)
                && d.sum != recipe.module.sum
            {
                return Err(RebuildError::Input(format!(
                    "the module zip of {m} has sum {}, but the binary records {}: the module source was tampered with or is not the one built",
                    d.sum, recipe.module.sum
                )));
            }
            workdir::copy_tree(
                Path::new(&d.dir),
                &module_root,
                CopyOptions { include_git: false },
            )
            .map_err(|e| RebuildError::Input(e.to_string()))?;
            records.push(InputRecord {
                role: "source".into(),
                name: m,
                sum: d.sum,
                from: if allow_network {
                    format!("module proxy {proxy_url}, through the module cache")
                } else {
                    "module cache".into()
                },
            });
        }
        (_, None) => unreachable!("checked above"),
    }
    make_writable(&module_root);

    // The dependencies: with the network, into the user's module cache now; the builds read only the cache.
    let user_modcache = host.user_gomodcache.to_string_lossy().to_string();
    if allow_network {
        // `go list -deps` of the main package, for the recorded target and tags: exactly the modules the build reads.
        let mut args: Vec<String> = vec!["list".into(), "-deps".into()];
        if let Some(t) = &recipe.tags {
            args.push(format!("-tags={t}"));
        }
        args.push(if recipe.package_dir == "." {
            ".".into()
        } else {
            format!("./{}", recipe.package_dir)
        });
        let mut extra: Vec<(&str, &str)> = vec![
            ("GOPROXY", proxy_url),
            ("GOMODCACHE", &user_modcache),
            ("GOPATH", &host.user_gopath),
            ("GOTOOLCHAIN", &gotoolchain),
            ("GOFLAGS", "-mod=mod"),
        ];
        extra.extend(recipe.env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        env.run(&host.local_go, &args, &module_root, &extra)
            .map_err(|reason| {
                RebuildError::Input(format!("cannot download the dependencies: {reason}"))
            })?;
        // The copy may have gained go.sum lines: start again from the pristine source.
        crate::harness::cleanup::remove_tree(&module_root).map_err(|e| io(&module_root, e))?;
        match source {
            SourceSpec::Dir(dir) => {
                let dir = dir.canonicalize().map_err(|e| io(dir, e))?;
                workdir::copy_tree(&dir, &module_root, CopyOptions { include_git: false })
            }
            _ => {
                let m = format!("{mod_path}@{}", mod_version.clone().unwrap_or_default());
                let out = env.run(
                    &host.local_go,
                    &["mod".into(), "download".into(), "-json".into(), m.clone()],
                    &empty,
                    &with_local_toolchain(&local),
                );
                let d = check_download(&m, out)?;
                workdir::copy_tree(
                    Path::new(&d.dir),
                    &module_root,
                    CopyOptions { include_git: false },
                )
            }
        }
        .map_err(|e| RebuildError::Input(e.to_string()))?;
        make_writable(&module_root);
        // The proxy links the cache's top-level dirs: link the ones the downloads just made too.
        let dir = ws.join("proxy");
        crate::harness::cleanup::remove_tree(&dir).map_err(|e| io(&dir, e))?;
        proxy::offline_proxy(&host.user_gomodcache, &dir)
            .map_err(|e| RebuildError::Input(format!("cannot set up the module proxy: {e}")))?;
    }
    Ok(Inputs {
        goroot,
        module_root,
        goproxy,
        records,
        notes,
    })
}

/// The last non-empty line of the go command's output (`go env` may print
/// `go: downloading ...` lines before it).
fn last_line(out: &str) -> &str {
    out.lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim()
}

fn with_local_toolchain<'a>(local: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut v = local.to_vec();
    v.push(("GOTOOLCHAIN", "local"));
    v.push(("GOFLAGS", "-mod=mod"));
    v
}

fn check_download(module: &str, out: Result<String, String>) -> Result<Download, RebuildError> {
    let text = match out {
        Ok(t) => t,
        Err(reason) => {
            return Err(RebuildError::Input(format!(
                "cannot get module {module}: {reason}"
            )));
        }
    };
    let d = parse_download(&text).ok_or_else(|| {
        RebuildError::Input(format!(
            "cannot get module {module}: the go command printed no module information"
        ))
    })?;
    if !d.error.is_empty() {
        return Err(RebuildError::Input(format!(
            "cannot get module {module}: {}",
            d.error.lines().next().unwrap_or_default()
        )));
    }
    if d.dir.is_empty() {
        return Err(RebuildError::Input(format!(
            "cannot get module {module}: no directory"
        )));
    }
    Ok(d)
}

/// The `h1:` sum of a module zip as the user's module cache recorded it, or empty.
fn read_ziphash(gomodcache: &Path, path: &str, version: &str) -> String {
    let file = gomodcache
        .join("cache/download")
        .join(super::recipe::escape_module_path(path))
        .join("@v")
        .join(format!("{version}.ziphash"));
    std::fs::read_to_string(file)
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
}

/// Module cache copies are read-only; the rebuild's copy must take a `.git` dir and go.sum updates.
fn make_writable(root: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mut stack = vec![root.to_path_buf()];
        while let Some(p) = stack.pop() {
            let Ok(meta) = std::fs::symlink_metadata(&p) else {
                continue;
            };
            if meta.file_type().is_symlink() {
                continue;
            }
            let mode = meta.permissions().mode();
            let _ = std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode | 0o200));
            if meta.is_dir() {
                if let Ok(rd) = std::fs::read_dir(&p) {
                    stack.extend(rd.flatten().map(|e| e.path()));
                }
            }
        }
    }
}

fn toolchain_error(version: &str, reason: &str) -> RebuildError {
    RebuildError::Input(format!("toolchain {version} cannot be had: {reason}"))
}

fn io(path: &Path, e: std::io::Error) -> RebuildError {
    RebuildError::Input(format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn download_json_among_other_lines() {
        let out = "go: downloading mvdan.cc/sh/v3 v3.14.1\n{\n\t\"Path\": \"m\",\n\t\"Dir\": \"/c/m@v1\",\n\t\"Sum\": \"h1:x=\"\n}\n";
        let d = parse_download(out).unwrap();
        assert_eq!((d.dir.as_str(), d.sum.as_str()), ("/c/m@v1", "h1:x="));
        assert!(parse_download("go: no").is_none());
    }

    #[test]
    fn toolchain_module_versions() {
        assert!(toolchain_module("go1.27.1").starts_with("v0.0.1-go1.27.1."));
    }
}
