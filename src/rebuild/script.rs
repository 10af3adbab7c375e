//! `--emit-recipe FILE`: a POSIX shell script that repeats the rebuild without twinbuild.
//!
//! Input: the [`RebuildOutcome`] (the recipe, the chosen attempt, the source).
//! Output: the script's text. It needs `go` (1.21 or newer) on PATH,
//! `sha256sum`, and a module proxy (`GOPROXY`, default the Go module proxy)
//! or a module cache holding everything; builds without `-trimpath` also
//! need `unshare` and root. It gets the toolchain through GOTOOLCHAIN (the go
//! command checks it against the checksum database), the module zip with `go
//! mod download`, writes the same stand-in git, runs the same `go build` and
//! compares the sha256 with the published one: exit 0 identical, 1 not.
//!
//! Deterministic and free of this machine's paths: everything lives under a
//! `mktemp -d` dir removed on exit.

use std::fmt::Write as _;
use std::path::Path;

use super::fake_git::{self, sh_quote};
use super::inputs::SourceSpec;
use super::{go_build_args, RebuildOutcome};

/// The script for `outcome`; `source` is how the rebuild got the module source.
pub fn emit(o: &RebuildOutcome, source: &SourceSpec) -> String {
    let r = &o.recipe;
    let chosen = super::judge::best(&o.attempts).map(|i| &o.attempts[i]);
    let ldflags = chosen.and_then(|a| a.ldflags.clone());
    let mut s = String::new();
    let _ = writeln!(s, "#!/bin/sh");
    let _ = writeln!(
        s,
        "# Rebuild {} (sha256 {}) from its recipe, without twinbuild.",
        file_name(&o.published.path),
        o.published.sha256
    );
    let _ = writeln!(
        s,
        "# Written by `twinbuild rebuild --emit-recipe`. Needs go 1.21+ on PATH and sha256sum;"
    );
    let _ = writeln!(
        s,
        "# the toolchain and modules come through GOPROXY (default the Go module proxy)."
    );
    if r.paths.is_some() {
        let _ = writeln!(
            s,
            "# Built without -trimpath: needs root and unshare for the original paths."
        );
    }
    let _ = writeln!(s, "# Exit 0: byte-identical; 1: different.");
    let _ = writeln!(s, "set -eu");
    let _ = writeln!(s, "want={}", o.published.sha256);
    let _ = writeln!(s, "work=$(mktemp -d)");
    let _ = writeln!(
        s,
        "trap 'chmod -R u+w \"$work\" 2>/dev/null; rm -rf \"$work\"' EXIT"
    );
    let _ = writeln!(
        s,
        "mkdir -p \"$work/home\" \"$work/bin\" \"$work/out\" \"$work/gocache\""
    );
    let _ = writeln!(
        s,
        "export HOME=\"$work/home\" GOPATH=\"$work/gopath\" GOMODCACHE=\"$work/gopath/pkg/mod\" GOCACHE=\"$work/gocache\""
    );
    let _ = writeln!(
        s,
        "export GOENV=off GOWORK=off GOTELEMETRY=off GOFLAGS=-mod=mod"
    );
    let _ = writeln!(
        s,
        "export GOPROXY=\"${{GOPROXY:-https://proxy.golang.org}}\""
    );
    let _ = writeln!(
        s,
        "\n# The toolchain, through golang.org/toolchain (checked against the checksum database)."
    );
    let _ = writeln!(
        s,
        "toolchain=$(GOTOOLCHAIN={} go env GOROOT | tail -n 1)",
        sh_quote(&r.go_version)
    );
    let _ = writeln!(s, "\n# The main module's source.");
    match source {
        SourceSpec::Dir(d) => {
            let _ = writeln!(s, "cp -R {} \"$work/src\"", sh_quote(&d.to_string_lossy()));
            let _ = writeln!(s, "rm -rf \"$work/src/.git\"");
        }
        _ => {
            let m = o
                .inputs
                .iter()
                .find(|i| i.role == "source")
                .map(|i| i.name.clone())
                .unwrap_or_else(|| format!("{}@{}", r.module.path, r.module.version));
            let _ = writeln!(
                s,
                "dir=$(GOTOOLCHAIN=local go mod download -json {} | sed -n 's/^[[:space:]]*\"Dir\": \"\\(.*\\)\",$/\\1/p')",
                sh_quote(&m)
            );
            let _ = writeln!(s, "cp -R \"$dir\" \"$work/src\"");
        }
    }
    let _ = writeln!(s, "chmod -R u+w \"$work/src\"");
    if let Some(stamp) = &r.vcs {
        if let Ok(git) = fake_git::script(stamp, &r.module.version) {
            let _ = writeln!(
                s,
                "\n# The VCS stamp: a stand-in git that answers only the go command's queries."
            );
            let _ = writeln!(s, "mkdir -p \"$work/src/.git\"");
            let _ = writeln!(s, "cat >\"$work/bin/git\" <<'TWINBUILD_STAND_IN_GIT'");
            s.push_str(&git);
            let _ = writeln!(s, "TWINBUILD_STAND_IN_GIT");
            let _ = writeln!(s, "chmod +x \"$work/bin/git\"");
        }
    }
    let _ = writeln!(s, "\n# The build, with the recorded settings.");
    let env: Vec<String> = r
        .env
        .iter()
        .map(|(k, v)| format!("{k}={}", sh_quote(v)))
        .collect();
    let _ = writeln!(s, "export GOTOOLCHAIN=local {}", env.join(" "));
    let args = go_build_args(r, ldflags.as_deref(), Path::new("OUT"));
    let quoted: Vec<String> = args
        .iter()
        .map(|a| {
            if a == "OUT" {
                "\"$work/out/binary\"".to_string()
            } else {
                sh_quote(a)
            }
        })
        .collect();
    match (&r.paths, &o.mounts) {
        (Some(p), Some(_)) => {
            let root = p.module_root.clone().unwrap_or_default();
            let goroot = p.goroot.clone().unwrap_or_default();
            let mut binds = vec![
                ("$work/src".to_string(), root.clone()),
                ("$toolchain".to_string(), goroot.clone()),
            ];
            if let Some(m) = &p.gomodcache {
                binds.push(("$work/gopath/pkg/mod".to_string(), m.clone()));
                let _ = writeln!(s, "export GOMODCACHE={}", sh_quote(m));
            }
            binds.sort_by_key(|(_, t)| t.matches('/').count());
            let mut m = String::from("set -e; mount --make-rprivate /; ");
            if let Some(plan) = &o.mounts {
                for t in &plan.tmpfs {
                    let _ = write!(m, "mount -t tmpfs twinbuild {}; ", sh_quote(t));
                }
            }
            for (src, target) in &binds {
                let _ = write!(
                    m,
                    "mkdir -p {t}; mount --bind \"{src}\" {t}; ",
                    t = sh_quote(target)
                );
            }
            // `\$@` stays `$@` through the unquoted here-document.
            let _ = write!(m, "cd {} && exec \"\\$@\"", sh_quote(&root));
            let _ = writeln!(s, "export PATH=\"$work/bin:{}/bin:/usr/bin:/bin\"", goroot);
            let _ = writeln!(
                s,
                "mounts=$(cat <<TWINBUILD_MOUNTS\n{m}\nTWINBUILD_MOUNTS\n)"
            );
            let _ = writeln!(
                s,
                "unshare -m -- /bin/sh -c \"$mounts\" twinbuild-mounts {} {}",
                sh_quote(&format!("{goroot}/bin/go")),
                quoted.join(" ")
            );
        }
        _ => {
            let _ = writeln!(s, "export PATH=\"$work/bin:$toolchain/bin:/usr/bin:/bin\"");
            let _ = writeln!(s, "cd \"$work/src\"");
            let _ = writeln!(s, "go {}", quoted[..].join(" ").trim_start());
        }
    }
    let _ = writeln!(s, "\ngot=$(sha256sum \"$work/out/binary\" | cut -d' ' -f1)");
    let _ = writeln!(
        s,
        "if [ \"$got\" = \"$want\" ]; then echo \"identical: sha256 $got\"; exit 0; fi"
    );
    let _ = writeln!(
        s,
        "echo \"differs: rebuilt sha256 $got, published $want\"; exit 1"
    );
    s
}

fn file_name(p: &str) -> &str {
    p.rsplit('/').next().unwrap_or(p)
}
