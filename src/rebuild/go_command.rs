//! The go command lines of a rebuild attempt (see [`super`]): the
//! `go build` and `go install` arguments from the recipe and the ldflags
//! tried, where `go install` leaves its binary, and the probe build whose
//! symbol table lists the main module's package-level string variables
//! (the candidates for `-X`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::inputs;
use super::paths;
use super::recipe::Recipe;
use crate::binary::Binary;
use crate::harness::run::{self, Spawn};

/// `.exe` for Windows targets (cosmetic: the name is not in the binary).
pub(super) fn exe_suffix(recipe: &Recipe) -> &'static str {
    if recipe.env.get("GOOS").map(String::as_str) == Some("windows") {
        ".exe"
    } else {
        ""
    }
}

/// The `go build` arguments of an attempt.
pub(super) fn go_build_args(recipe: &Recipe, ldflags: Option<&str>, output: &Path) -> Vec<String> {
    let mut args = vec!["build".to_string()];
    if recipe.trimpath {
        args.push("-trimpath".into());
    }
    if let Some(t) = &recipe.tags {
        args.push(format!("-tags={t}"));
    }
    if let Some(l) = ldflags {
        args.push(format!("-ldflags={l}"));
    }
    args.extend(recipe.flags.iter().cloned());
    if recipe.vcs.is_none() {
        args.push("-buildvcs=false".into());
    }
    args.push("-o".into());
    args.push(output.display().to_string());
    args.push(if recipe.package_dir == "." {
        ".".to_string()
    } else {
        format!("./{}", recipe.package_dir)
    });
    args
}

/// The `go install` arguments of an attempt (binaries built by `go install pkg@version`).
pub(super) fn go_install_args(recipe: &Recipe, ldflags: Option<&str>) -> Vec<String> {
    let mut args = go_build_args(recipe, ldflags, Path::new("-"));
    args[0] = "install".into();
    // Drop `-o -` and the package; install names the package at its version.
    args.truncate(args.len() - 3);
    args.push(format!("{}@{}", recipe.main_package, recipe.module.version));
    args
}

/// Where `go install` puts attempt `n`'s binary: `(GOBIN to set, file it writes)`.
/// Cross-compiled installs refuse GOBIN and go to `$GOPATH/bin/GOOS_GOARCH`.
pub(super) fn installed_location(
    recipe: &Recipe,
    root: &Path,
    n: usize,
) -> (Option<PathBuf>, Option<PathBuf>) {
    if !recipe.installed {
        return (None, None);
    }
    let mut elems: Vec<&str> = recipe.main_package.split('/').collect();
    if elems.len() > 1
        && elems.last().is_some_and(|e| {
            e.len() > 1 && e.starts_with('v') && e[1..].bytes().all(|b| b.is_ascii_digit())
        })
    {
        elems.pop();
    }
    let name = format!("{}{}", elems.last().unwrap_or(&"main"), exe_suffix(recipe));
    let goos = recipe
        .env
        .get("GOOS")
        .map(String::as_str)
        .unwrap_or(inputs::host_goos());
    let goarch = recipe
        .env
        .get("GOARCH")
        .map(String::as_str)
        .unwrap_or(inputs::host_goarch());
    if goos == inputs::host_goos() && goarch == inputs::host_goarch() {
        let gobin = root.join("gobin").join(n.to_string());
        (Some(gobin.clone()), Some(gobin.join(name)))
    } else {
        let at = root
            .join("gopath")
            .join("bin")
            .join(format!("{goos}_{goarch}"))
            .join(name);
        (None, Some(at))
    }
}

/// Package-level string variables of the main module, from a probe link with symbols.
pub(super) fn string_vars(
    recipe: &Recipe,
    go_bin: &Path,
    build_dir: &Path,
    env: &BTreeMap<String, String>,
    mounts: &Option<paths::MountPlan>,
    root: &Path,
    timeout: Duration,
) -> Vec<String> {
    if mounts.is_some() {
        return Vec::new();
    }
    let probe = root.join("out").join("probe");
    let args = go_build_args(recipe, None, &probe);
    let spawn = Spawn {
        program: go_bin,
        args: &args,
        dir: build_dir,
        env,
    };
    if !run::run(&spawn, timeout).is_ok_and(|d| d.success()) {
        return Vec::new();
    }
    // The probe's own symbol table (`go tool nm` prints more than a run keeps of its output).
    let Ok(bytes) = std::fs::read(&probe) else {
        return Vec::new();
    };
    let Ok(bin) = Binary::parse(&bytes) else {
        return Vec::new();
    };
    let string_size = if bin.is_64 { 16 } else { 8 };
    let prefix = format!("{}/", recipe.module.path);
    let main_prefix = format!("{}.", recipe.module.path);
    let mut vars: Vec<String> = bin
        .symbols
        .iter()
        .filter(|s| s.size == string_size)
        .filter(|s| {
            s.section
                .and_then(|i| bin.sections.get(i))
                .is_some_and(|sec| sec.name.contains("data") || sec.name.contains("bss"))
        })
        .map(|s| s.name.clone())
        .filter(|n| n.starts_with(&prefix) || n.starts_with(&main_prefix) || n.starts_with("main."))
        .filter(|n| !n.contains("..") && !n.ends_with(".str"))
        .collect();
    vars.sort();
    vars.dedup();
    vars
}
