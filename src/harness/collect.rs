//! Step 5 of [`GoBuilder::build`](super::GoBuilder): what the builds left.
//! Checks that each side's artifact is a regular file, records what each
//! build did ([`BuildRecord`]: command, environment with credentials
//! redacted, toolchain, wall time), and lists every string that differs
//! between the two builds' environments ([`VariationHints`]) so `attribute`
//! can name which variation put a path into a binary.
//!
//! Input: the two [`SidePlan`]s, their [`run::Finished`] and [`Probe`]s.
//! Output: the two records and the hints.

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};

use super::command::SidePlan;
use super::env;
use super::run;
use super::toolchain::Probe;
use super::{ArtifactPair, BuildError, BuildRecord, Hint, VariationHints};

/// An error unless each side's binaries are regular files (not dirs, not symlinks).
pub(super) fn check_artifacts(plans: &[SidePlan]) -> Result<(), BuildError> {
    for p in plans {
        for binary in &p.binaries {
            let is_file = std::fs::symlink_metadata(binary)
                .map(|m| m.is_file())
                .unwrap_or(false);
            if !is_file {
                return Err(BuildError::NoArtifact {
                    side: p.dirs.side.name(),
                    path: binary.clone(),
                });
            }
        }
    }
    Ok(())
}

/// The binaries of the pair, paired by package in the plan's order.
pub(super) fn artifacts(packages: &[String], lhs: &SidePlan, rhs: &SidePlan) -> Vec<ArtifactPair> {
    packages
        .iter()
        .zip(lhs.binaries.iter().zip(&rhs.binaries))
        .map(|(package, (l, r))| ArtifactPair {
            package: package.clone(),
            lhs: l.clone(),
            rhs: r.clone(),
        })
        .collect()
}

/// What each side did, lhs first.
pub(super) fn records(
    plans: Vec<SidePlan>,
    finished: Vec<run::Finished>,
    probes: Vec<Probe>,
) -> (BuildRecord, BuildRecord) {
    let mut records = plans
        .into_iter()
        .zip(finished)
        .zip(probes)
        .map(|((p, f), probe)| {
            let recorded = super::record::dir(&p.dirs);
            record(p, &f, probe, &recorded)
        });
    let (Some(lhs), Some(rhs)) = (records.next(), records.next()) else {
        unreachable!("two sides were planned")
    };
    (lhs, rhs)
}

/// What one build of `p` did; what the go command recorded of it lies in
/// `recorded` when it was asked to (the hash log is there, if only empty).
pub(super) fn record(
    p: SidePlan,
    finished: &run::Finished,
    probe: Probe,
    recorded: &Path,
) -> BuildRecord {
    let inputs = Some(super::record::files(recorded)).filter(|f| f.hash_log.exists());
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
        duration: finished.duration,
        inputs,
    }
}

/// Every string that differs between the two builds, longest first.
pub(super) fn variation_hints(
    lhs: &SidePlan,
    rhs: &SidePlan,
    packages: &[String],
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
    for rel in packages.iter().filter_map(|p| package_subdir(p, module)) {
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
    use crate::harness::env::CommonEnv;
    use crate::harness::workspace::SideDirs;
    use crate::harness::Side;

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
    fn hints_cover_every_differing_path_and_side_variable_longest_first() {
        let root = Path::new("/tmp/twinbuild_abc");
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
                binaries: vec![dirs.out.join("x")],
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
        let hints = variation_hints(&l, &r, &["./cmd/x".into()], Some("example.com/m")).hints;
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
        assert_eq!(pkg.lhs, "/tmp/twinbuild_abc/lhs/src/cmd/x");
        assert_eq!(pkg.rhs, "/tmp/twinbuild_abc/rhs_build/work/tree/src/cmd/x");
    }
}
