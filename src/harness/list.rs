//! [`GoBuilder::list_mains`]: the main packages that `--package` patterns
//! (`./...`, `./cmd/...`, several packages) match, per target, before any
//! build: `verify` splits the (package, target) units into shards and builds
//! each target's packages in one `go build -o DIR/`.
//!
//! The listing runs `go list` in a copy of the tree (the lhs's dirs of a
//! workspace of its own, removed when it returns) with a build's
//! environment: the same toolchain, module proxy, tags, CGO_ENABLED and each
//! target's GOOS/GOARCH, so build constraints select what the build will.
//!
//! Input: the request (its packages are the patterns) and the targets.
//! Output: per target, the main packages in `go list`'s order, named
//! `./dir` inside the main module (`.` for its root), else by import path.

use super::go_builder::{GoBuilder, Setup};
use super::plan::Plan;
use super::{prepare, probe, toolchain, BuildError, BuildRequest, Side, ToolchainInfo, Workspace};

/// A target: `Some((GOOS, GOARCH))`, or `None` for the host's.
pub type Target = Option<(String, String)>;

/// What [`GoBuilder::list_mains`] found.
#[derive(Debug, Clone)]
pub struct MainPackages {
    /// The toolchain the builds will get (chosen as for a build).
    pub toolchain: ToolchainInfo,
    /// Per target (`GOOS/GOARCH`), its main packages.
    pub targets: Vec<(String, Vec<String>)>,
}

impl GoBuilder {
    /// The main packages `request.packages` (patterns allowed) match for
    /// each target, in the order of `targets`, each with its `GOOS/GOARCH`.
    pub fn list_mains(
        &self,
        request: &BuildRequest,
        targets: &[Target],
    ) -> Result<MainPackages, BuildError> {
        let patterns: Vec<String> = request
            .packages
            .iter()
            .map(|p| if p.trim().is_empty() { "." } else { p.trim() })
            .map(str::to_string)
            .collect();
        if let Some(p) = patterns.iter().find(|p| p.starts_with('-')) {
            return Err(BuildError::Usage(format!(
                "--package {p}: a package, not a flag, is expected"
            )));
        }
        let plain = BuildRequest {
            packages: vec![".".into()],
            ..request.clone()
        };
        let plan = Plan::check(&plain)?;
        let go = toolchain::find_go(self.user_var("PATH").map(std::ffi::OsStr::new))
            .ok_or(BuildError::NoGo)?;
        let workspace = Workspace::create()?;
        let mut notes = Vec::new();
        let setup: Setup = self.setup(&workspace, &plan, &go, &plain, &mut notes)?;
        let prepared = prepare::sides(
            &plain,
            &plan,
            &setup.root,
            &setup.user,
            &setup.common,
            &[Side::Lhs],
            &mut notes,
        )?;
        let probes = probe::sides(&go, &prepared.sides, &plain, &setup.pin, &setup.user)?;
        let host = |var: &str| probes[0].go_env.get(var).cloned().unwrap_or_default();
        let (dirs, env) = &prepared.sides[0];
        let module = plan.go_mod.as_ref().and_then(|m| m.module.clone());
        let mut args = vec![
            "list".to_string(),
            "-f".to_string(),
            "{{if eq .Name \"main\"}}main:{{.ImportPath}}{{end}}".to_string(),
        ];
        if let Some(t) = request
            .tags
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            args.push("-tags".into());
            args.push(t.to_string());
        }
        args.push("--".into());
        args.extend(patterns.iter().cloned());
        let mut listed = Vec::with_capacity(targets.len());
        for target in targets {
            let mut env = env.clone();
            let (os, arch) = match target {
                Some((os, arch)) => (os.clone(), arch.clone()),
                None => (host("GOOS"), host("GOARCH")),
            };
            env.insert("GOOS".into(), os.clone());
            env.insert("GOARCH".into(), arch.clone());
            let output = toolchain::run_go(&go, &args, &dirs.workdir, &env, request.timeout)
                .map_err(|reason| BuildError::List {
                    patterns: patterns.join(" "),
                    target: target_name(target),
                    reason,
                })?;
            let mains: Vec<String> = output
                .lines()
                .filter_map(|l| l.trim().strip_prefix("main:"))
                .map(|path| relative(path, module.as_deref()))
                .collect();
            listed.push((format!("{os}/{arch}"), mains));
        }
        Ok(MainPackages {
            toolchain: setup.pin.into(),
            targets: listed,
        })
    }
}

/// `GOOS/GOARCH`, or `host`.
pub fn target_name(target: &Target) -> String {
    match target {
        Some((os, arch)) => format!("{os}/{arch}"),
        None => "host".into(),
    }
}

/// An import path as a package argument relative to the module root.
fn relative(path: &str, module: Option<&str>) -> String {
    match module {
        Some(m) if path == m => ".".into(),
        Some(m) => match path.strip_prefix(m).and_then(|r| r.strip_prefix('/')) {
            Some(rest) => format!("./{rest}"),
            None => path.to_string(),
        },
        None => path.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn import_paths_become_relative_packages() {
        let m = Some("example.com/m");
        assert_eq!(relative("example.com/m", m), ".");
        assert_eq!(relative("example.com/m/cmd/a", m), "./cmd/a");
        assert_eq!(relative("example.com/mx/cmd", m), "example.com/mx/cmd");
        assert_eq!(
            relative("golang.org/x/tools/cmd/stringer", None),
            "golang.org/x/tools/cmd/stringer"
        );
        assert_eq!(target_name(&None), "host");
        assert_eq!(
            target_name(&Some(("windows".into(), "amd64".into()))),
            "windows/amd64"
        );
    }
}
