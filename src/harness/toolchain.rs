//! Which Go toolchain builds, and what it reports.
//!
//! The toolchain is pinned by `--toolchain goX.Y.Z`, else by go.mod's
//! `toolchain` line; the builds then run with `GOTOOLCHAIN=goX.Y.Z`, exactly
//! that version, never `+auto`, never a silent fallback. When that version is
//! the local `go`'s own, the go command runs locally (no download; the same as
//! `GOTOOLCHAIN=local`). Any other version must be fetched as the module
//! `golang.org/toolchain`: offline that works only if it is in the user's
//! module cache, and the failure becomes [`BuildError::Toolchain`] with the go
//! command's one-line reason. With neither pin, the local `go` builds with
//! `GOTOOLCHAIN=local` and the report says the toolchain is not pinned.
//!
//! Each side is probed with `go version` and `go env -json …` in its own
//! environment before building; the values are recorded, and the two sides
//! must agree on the version.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::run::{self, Spawn};
use super::BuildError;

/// The `go env` variables recorded for each build: those that shape the output.
const RECORDED_GO_ENV: &[&str] = &[
    "GOOS",
    "GOARCH",
    "CGO_ENABLED",
    "GOVERSION",
    "GOEXPERIMENT",
    "GOFIPS140",
];
/// Recorded too when cgo is on.
const RECORDED_CGO_ENV: &[&str] = &["CC", "CXX", "CGO_CFLAGS", "CGO_LDFLAGS"];

/// The architecture-level variable of each GOARCH (GOAMD64=v1, GOARM64=v8.0, …).
fn arch_level_var(goarch: &str) -> Option<&'static str> {
    Some(match goarch {
        "amd64" => "GOAMD64",
        "arm64" => "GOARM64",
        "arm" => "GOARM",
        "386" => "GO386",
        "riscv64" => "GORISCV64",
        "ppc64" | "ppc64le" => "GOPPC64",
        "mips" | "mipsle" => "GOMIPS",
        "mips64" | "mips64le" => "GOMIPS64",
        "wasm" => "GOWASM",
        _ => return None,
    })
}

/// The first executable `go` in the `:`-separated `path`.
pub(crate) fn find_go(path: Option<&OsStr>) -> Option<PathBuf> {
    find_executable(path?, "go")
}

pub(crate) fn find_executable(path: &OsStr, name: &str) -> Option<PathBuf> {
    std::env::split_paths(path)
        .filter(|d| d.is_absolute())
        .map(|d| d.join(name))
        .find(|p| is_executable(p))
}

fn is_executable(p: &Path) -> bool {
    let Ok(meta) = std::fs::metadata(p) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        meta.is_file() && meta.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    meta.is_file()
}

/// `go1.X`, `go1.X.Y`, `go1.XrcN`, `go1.XbetaN`: a toolchain name GOTOOLCHAIN accepts
/// as an exact version (no `local`, `auto`, `path` or `+…`).
pub fn is_toolchain_version(s: &str) -> bool {
    let Some(rest) = s.strip_prefix("go") else {
        return false;
    };
    let (nums, pre) = match rest.find(|c: char| c.is_ascii_alphabetic()) {
        Some(i) => (&rest[..i], Some(&rest[i..])),
        None => (rest, None),
    };
    let parts: Vec<&str> = nums.split('.').collect();
    let nums_ok = (2..=3).contains(&parts.len())
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 4 && p.bytes().all(|b| b.is_ascii_digit()));
    let pre_ok = match pre {
        None => true,
        Some(p) => {
            parts.len() == 2
                && ["rc", "beta"].iter().any(|k| {
                    p.strip_prefix(k)
                        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
                })
        }
    };
    nums_ok && pre_ok
}

/// The directives of go.mod that the harness needs.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct GoMod {
    pub module: Option<String>,
    pub go: Option<String>,
    pub toolchain: Option<String>,
}

/// Reads the `module`, `go` and `toolchain` lines of a go.mod (comments allowed).
pub(crate) fn parse_go_mod(text: &str) -> GoMod {
    let mut m = GoMod::default();
    for line in text.lines() {
        let line = line.split("//").next().unwrap_or("").trim();
        let mut words = line.split_whitespace();
        let (Some(key), Some(value), None) = (words.next(), words.next(), words.next()) else {
            continue;
        };
        let value = value.trim_matches('"').to_string();
        match key {
            "module" => m.module = Some(value),
            "go" => m.go = Some(value),
            "toolchain" => m.toolchain = Some(value),
            _ => {}
        }
    }
    m
}

/// What the user's own go says, in the user's own environment.
#[derive(Debug, Default, Clone)]
pub(crate) struct UserGo {
    /// GOVERSION of the local go (with GOTOOLCHAIN=local).
    pub version: String,
    pub gomodcache: String,
    /// The user's GOPATH (for the checksum database's trusted tree head).
    pub gopath: String,
    /// GOPROXY, GOSUMDB, GOPRIVATE, GONOPROXY, GONOSUMDB, GOINSECURE as the user has them.
    pub network: BTreeMap<String, String>,
}

pub(crate) const USER_NETWORK_VARS: &[&str] = &[
    "GOPROXY",
    "GOSUMDB",
    "GOPRIVATE",
    "GONOPROXY",
    "GONOSUMDB",
    "GOINSECURE",
];

/// Runs `go env -json` in the user's environment (their go config file
/// included), with `GOTOOLCHAIN=local` so nothing is downloaded, `GOFLAGS`
/// cleared so bad flags there cannot break it, and `GOROOT` unset so the
/// version is that of the `go` found on PATH.
pub(crate) fn query_user_go(
    go: &Path,
    user_env: &[(String, String)],
    dir: &Path,
    timeout: Duration,
) -> Result<UserGo, BuildError> {
    let mut env: BTreeMap<String, String> = user_env
        .iter()
        .filter(|(k, _)| k != "GOROOT")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    env.insert("GOTOOLCHAIN".into(), "local".into());
    env.insert("GOFLAGS".into(), String::new());
    let mut vars = vec!["GOVERSION", "GOMODCACHE", "GOPATH"];
    vars.extend(USER_NETWORK_VARS);
    let values =
        go_env_json(go, &vars, dir, &env, timeout).map_err(|reason| BuildError::Toolchain {
            version: "local go".to_string(),
            reason: format!("`go env` failed: {reason}"),
        })?;
    let get = |k: &str| values.get(k).cloned().unwrap_or_default();
    Ok(UserGo {
        version: get("GOVERSION"),
        gomodcache: get("GOMODCACHE"),
        gopath: get("GOPATH"),
        network: USER_NETWORK_VARS
            .iter()
            .map(|k| (k.to_string(), get(k)))
            .filter(|(_, v)| !v.is_empty())
            .collect(),
    })
}

/// What one side's toolchain reports.
#[derive(Debug, Clone)]
pub(crate) struct Probe {
    /// `go version` output, e.g. `go version go1.26.8 linux/amd64`.
    pub go_version: String,
    /// GOVERSION, e.g. `go1.26.8`.
    pub version: String,
    pub go_env: BTreeMap<String, String>,
}

/// Runs `go version` and `go env -json` with the side's environment in its workdir.
/// A failure here is a toolchain that cannot be had (or used).
pub(crate) fn probe(
    go: &Path,
    dir: &Path,
    env: &BTreeMap<String, String>,
    cgo: bool,
    timeout: Duration,
) -> Result<Probe, String> {
    let output = run_go(go, &["version".to_string()], dir, env, timeout)?;
    // After a toolchain switch the output starts with `go: downloading …` lines.
    let go_version = output
        .lines()
        .map(str::trim)
        .rfind(|l| l.starts_with("go version "))
        .unwrap_or(output.trim())
        .to_string();
    let mut vars: Vec<&str> = RECORDED_GO_ENV.to_vec();
    vars.extend(arch_level_var_all());
    if cgo {
        vars.extend(RECORDED_CGO_ENV);
    }
    let mut values = go_env_json(go, &vars, dir, env, timeout)?;
    let goarch = values.get("GOARCH").cloned().unwrap_or_default();
    let keep = arch_level_var(&goarch);
    values.retain(|k, v| {
        let arch_var = arch_level_var_all().contains(&k.as_str());
        (!arch_var || Some(k.as_str()) == keep) && (!v.is_empty() || k == "CGO_ENABLED")
    });
    let version = values.get("GOVERSION").cloned().unwrap_or_default();
    Ok(Probe {
        go_version,
        version,
        go_env: values,
    })
}

/// Runs `go ARGS` with the side's environment in `dir`: its output, or why it failed in one line.
pub(super) fn run_go(
    go: &Path,
    args: &[String],
    dir: &Path,
    env: &BTreeMap<String, String>,
    timeout: Duration,
) -> Result<String, String> {
    let done = run::run(
        &Spawn {
            program: go,
            args,
            dir,
            env,
        },
        timeout,
    )
    .map_err(|e| e.to_string())?;
    if !done.success() {
        return Err(one_line_reason(&done.output, &done.code()));
    }
    Ok(done.output)
}

fn arch_level_var_all() -> [&'static str; 9] {
    [
        "GOAMD64",
        "GOARM64",
        "GOARM",
        "GO386",
        "GORISCV64",
        "GOPPC64",
        "GOMIPS",
        "GOMIPS64",
        "GOWASM",
    ]
}

fn go_env_json(
    go: &Path,
    vars: &[&str],
    dir: &Path,
    env: &BTreeMap<String, String>,
    timeout: Duration,
) -> Result<BTreeMap<String, String>, String> {
    let mut args = vec!["env".to_string(), "-json".to_string()];
    args.extend(vars.iter().map(|v| v.to_string()));
    let output = run_go(go, &args, dir, env, timeout)?;
    // The output is the JSON object, possibly after `go: downloading …` lines.
    let start = output
        .find('{')
        .ok_or_else(|| "no JSON from `go env -json`".to_string())?;
    serde_json::from_str(&output[start..])
        .map_err(|e| format!("cannot read `go env -json` output: {e}"))
}

/// The go command's last meaningful error line, without its `go: ` prefix.
pub(crate) fn one_line_reason(output: &str, code: &str) -> String {
    let line = output
        .lines()
        .map(str::trim)
        .rfind(|l| !l.is_empty() && !l.starts_with("go: downloading"))
        .unwrap_or("");
    let line = line.strip_prefix("go: ").unwrap_or(line);
    if line.is_empty() {
        format!("the go command failed (exit {code}) without a message")
    } else {
        line.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toolchain_versions() {
        for ok in ["go1.26.8", "go1.21.0", "go1.22rc1", "go1.21", "go1.23beta2"] {
            assert!(is_toolchain_version(ok), "{ok}");
        }
        for bad in [
            "1.26.8",
            "go1.26.8+auto",
            "local",
            "auto",
            "path",
            "go1",
            "go1..2",
            "go1.26.8rc1",
            "go1.2.3.4",
            "go1.x",
            "go1.21-x",
            "",
        ] {
            assert!(!is_toolchain_version(bad), "{bad}");
        }
    }

    #[test]
    fn go_mod_lines() {
        let m = parse_go_mod("// header\nmodule example.com/x // the module\n\ngo 1.26\ntoolchain go1.26.8\nrequire (\n\ta v1\n)\n");
        assert_eq!(
            m,
            GoMod {
                module: Some("example.com/x".into()),
                go: Some("1.26".into()),
                toolchain: Some("go1.26.8".into())
            }
        );
        assert_eq!(
            parse_go_mod("module \"quoted/mod\"\n").module.as_deref(),
            Some("quoted/mod")
        );
    }

    #[test]
    fn reasons_are_one_line() {
        let out = "go: downloading go1.21.0 (linux/amd64)\ngo: download go1.21.0 for linux/amd64: toolchain not available\n";
        assert_eq!(
            one_line_reason(out, "1"),
            "download go1.21.0 for linux/amd64: toolchain not available"
        );
        assert_eq!(
            one_line_reason("", "1"),
            "the go command failed (exit 1) without a message"
        );
    }

    #[test]
    fn finds_executables_only() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("go"), "not executable").unwrap();
        assert_eq!(find_go(Some(tmp.path().as_os_str())), None);
        assert_eq!(find_go(None), None);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(
                tmp.path().join("go"),
                std::fs::Permissions::from_mode(0o755),
            )
            .unwrap();
            assert_eq!(
                find_go(Some(tmp.path().as_os_str())),
                Some(tmp.path().join("go"))
            );
        }
    }
}
