//! When both sides' builds fail: does the same build work in the user's own
//! tree, with the user's own environment? Then the failure is twinbuild's
//! (the temp paths, the clean environment), not the user's; if it fails
//! there too, the build is broken as it stands.
//!
//! Input: the go build both sides ran, the user's tree and environment.
//! Output: an [`OwnTree`] verdict for the failure message. The probe writes
//! nothing into the tree: its output goes to the null device, and go.mod
//! and go.sum are read-only to it (`-mod=readonly`, or `-mod=vendor` for a
//! vendored module) unless the build's own flags already say how to treat
//! them. Only `go build` is probed: a `--build-cmd` script may write
//! anything, so it is never run in the user's tree.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use super::run::{self, Spawn};
use super::toolchain::one_line_reason;

/// How the same build went in the user's own tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OwnTree {
    Builds,
    /// It fails there too: the first line that says why.
    Fails(String),
}

/// Run `go` with the sides' `args` (a `go build ... -o OUT PKG`) in `tree`,
/// with `env`, discarding the binary. `None` when it cannot be run.
pub(super) fn probe(
    go: &Path,
    args: &[String],
    tree: &Path,
    env: &[(String, String)],
    timeout: Duration,
) -> Option<OwnTree> {
    if args.first().map(String::as_str) != Some("build") {
        return None;
    }
    let mut probe_args: Vec<String> = Vec::with_capacity(args.len() + 1);
    let mut out_next = false;
    for a in args {
        if out_next {
            probe_args.push(null_device().into());
            out_next = false;
            continue;
        }
        out_next = a == "-o";
        probe_args.push(if a.starts_with("-o=") {
            format!("-o={}", null_device())
        } else {
            a.clone()
        });
    }
    if !args.iter().any(|a| a.starts_with("-mod=")) {
        let mode = if tree.join("vendor").join("modules.txt").is_file() {
            "-mod=vendor"
        } else {
            "-mod=readonly"
        };
        probe_args.insert(1, mode.into());
    }
    let env: BTreeMap<String, String> = env.iter().cloned().collect();
    let spawn = Spawn {
        program: go,
        args: &probe_args,
        dir: tree,
        env: &env,
    };
    let done = run::run(&spawn, timeout).ok()?;
    Some(if done.success() {
        OwnTree::Builds
    } else {
        OwnTree::Fails(one_line_reason(&done.output, &done.code()))
    })
}

fn null_device() -> &'static str {
    if cfg!(windows) {
        "NUL"
    } else {
        "/dev/null"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_build_script_is_never_run_in_the_tree() {
        let args = ["-c".to_string(), "rm -rf .".to_string()];
        assert_eq!(
            probe(
                Path::new("/bin/sh"),
                &args,
                Path::new("/nonexistent"),
                &[],
                Duration::from_secs(1)
            ),
            None
        );
    }
}
