//! What each side runs: the `go build` command line of the profile (or the
//! user's `--build-cmd` through `sh -c`) and where its binary lands.
//!
//! Input: the checked [`Plan`], each side's dirs and environment (from
//! `prepare`) and the target GOOS (from `probe`). Output: a [`SidePlan`] per
//! side, what `run_sides` runs and `collect` records.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::plan::Plan;
use super::workspace::SideDirs;
use super::{BuildRequest, Profile};

/// One side, ready to build.
#[derive(Clone)]
pub(super) struct SidePlan {
    pub dirs: SideDirs,
    pub env: BTreeMap<String, String>,
    pub program: PathBuf,
    pub args: Vec<String>,
    /// Where the binary is expected: `out/<name>`, or the workdir's
    /// `--artifact`; with several packages, the `out/` dir they land in.
    pub artifact: PathBuf,
    /// Each package's binary, in the plan's package order (`[artifact]` for one).
    pub binaries: Vec<PathBuf>,
}

/// The two sides' commands: `go build` into each side's `out/` dir, or `sh -c CMD`
/// leaving `--artifact` in the workdir.
pub(super) fn side_plans(
    req: &BuildRequest,
    plan: &Plan,
    go: &Path,
    sides: Vec<(SideDirs, BTreeMap<String, String>)>,
    goos: &str,
) -> Vec<SidePlan> {
    let module = plan.go_mod.as_ref().and_then(|m| m.module.as_deref());
    let names: Vec<String> = plan
        .packages
        .iter()
        .map(|p| output_name(p, module, goos))
        .collect();
    sides
        .into_iter()
        .map(|(dirs, env)| {
            let (program, args, artifact, binaries) = match (&req.build_cmd, &plan.artifact) {
                (Some(cmd), Some(a)) => {
                    let artifact = dirs.workdir.join(a);
                    (
                        PathBuf::from("/bin/sh"),
                        vec!["-c".to_string(), cmd.clone()],
                        artifact.clone(),
                        vec![artifact],
                    )
                }
                _ if names.len() == 1 => {
                    let out = dirs.out.join(&names[0]);
                    (
                        go.to_path_buf(),
                        go_build_args(req, &plan.packages, &out.to_string_lossy()),
                        out.clone(),
                        vec![out],
                    )
                }
                _ => {
                    // `-o DIR/`: every main package named lands in DIR under its name.
                    let out = format!("{}/", dirs.out.to_string_lossy());
                    let binaries = names.iter().map(|n| dirs.out.join(n)).collect();
                    (
                        go.to_path_buf(),
                        go_build_args(req, &plan.packages, &out),
                        dirs.out.clone(),
                        binaries,
                    )
                }
            };
            SidePlan {
                dirs,
                env,
                program,
                args,
                artifact,
                binaries,
            }
        })
        .collect()
}

/// `go build` arguments after `go`, for the profile.
fn go_build_args(req: &BuildRequest, packages: &[String], out: &str) -> Vec<String> {
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
            args.push(out.to_string());
        }
        Profile::Plain => {
            args.push("-o".into());
            args.push(out.to_string());
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
    args.extend(packages.iter().cloned());
    args
}

/// The binary's file name: the package's last element (the module's for
/// `.`) as the go command names it, `.exe` for Windows.
pub(super) fn output_name(package: &str, module: Option<&str>, goos: &str) -> String {
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
        let out = "/o/hello";
        let one = |p: &str| vec![p.to_string()];
        assert_eq!(
            go_build_args(&r, &one("./cmd/hello"), out),
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
            go_build_args(&r, &one("."), out),
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
            go_build_args(&r, &one("."), out),
            ["build", "-o", "/o/hello", "."]
        );
        r.profile = Profile::Release;
        assert_eq!(
            go_build_args(&r, &one("."), out),
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
    fn several_packages_build_into_a_dir() {
        let packages = vec!["./cmd/a".to_string(), "./cmd/b".to_string()];
        assert_eq!(
            go_build_args(&request(), &packages, "/o/"),
            [
                "build",
                "-trimpath",
                "-ldflags=-buildid=",
                "-o",
                "/o/",
                "./cmd/a",
                "./cmd/b"
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
}
