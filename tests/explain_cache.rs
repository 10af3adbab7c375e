//! `twinbuild explain-cache` against the real Go toolchain: a build script
//! that writes a file holding the time busts its package (and the ones
//! importing it) every build; a plain module is served from the cache; a
//! build that runs no go command cannot be told. The modules import nothing
//! beyond the runtime, so a cold build takes seconds.

use std::path::Path;
use std::process::Command;

use assert_cmd::cargo::CommandCargoExt;
use serde_json::Value;

fn twinbuild() -> Command {
    let mut c = Command::cargo_bin("twinbuild").expect("the twinbuild binary is built");
    c.env("NO_COLOR", "1");
    c
}

/// A main package importing `lib`, whose `Stamp` the build script writes.
fn stamp_module(dir: &Path) {
    std::fs::create_dir_all(dir.join("lib")).unwrap();
    std::fs::write(dir.join("go.mod"), "module example.com/stamp\n\ngo 1.26\n").unwrap();
    std::fs::write(
        dir.join("lib/lib.go"),
        "package lib\n\nfunc Hello() string { return \"built at \" + Stamp }\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("gen.sh"),
        "printf 'package lib\\n\\nconst Stamp = \"%s\"\\n' \"$(date +%s%N)\" > lib/stamp.go\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("main.go"),
        "package main\n\nimport \"example.com/stamp/lib\"\n\nfunc main() { println(lib.Hello()) }\n",
    )
    .unwrap();
}

/// Every file under `dir`, relative, sorted.
fn files(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).unwrap().display().to_string());
            }
        }
    }
    out.sort();
    out
}

fn json(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

#[test]
fn a_file_the_build_writes_with_the_time_busts_its_package_every_build() {
    let t = tempfile::tempdir().unwrap();
    let src = t.path().join("src");
    stamp_module(&src);
    let before = files(&src);
    let md = t.path().join("summary.md");
    let out = twinbuild()
        .arg("explain-cache")
        .arg(&src)
        .args([
            "--build-cmd",
            "sh gen.sh && go build -trimpath -o app .",
            "--artifact",
            "app",
            "--format",
            "json",
        ])
        .arg(format!("--write=markdown={}", md.display()))
        .output()
        .unwrap();
    let r = json(&out);
    assert_eq!(out.status.code(), Some(1), "{r:#}");
    assert_eq!(r["command"], "explain-cache");
    assert_eq!(r["verdict"], "cold");
    let e = &r["explanation"];
    let misses = e["misses"].as_array().unwrap();
    assert_eq!(misses.len(), 2, "{e:#}");
    assert_eq!(misses[0]["package"], "example.com/stamp/lib");
    assert_eq!(misses[0]["reason"], "input-changed");
    assert_eq!(misses[0]["input"], "file stamp.go");
    assert_ne!(misses[0]["lines"][0]["lhs"], misses[0]["lines"][0]["rhs"]);
    assert_eq!(misses[1]["package"], "example.com/stamp");
    assert_eq!(misses[1]["reason"], "dependency-changed");
    assert_eq!(misses[1]["dependencies"][0], "example.com/stamp/lib");
    // The runtime's packages came from the cache.
    assert!(e["hits"].as_u64().unwrap() >= 5, "{e:#}");
    assert_eq!(e["warm"]["rebuilt"], 2);
    // Both builds ran at the same paths.
    assert_eq!(r["cold"]["workdir"], r["warm"]["workdir"]);
    let summary = std::fs::read_to_string(&md).unwrap();
    assert!(summary.contains("**Cold**"), "{summary}");
    assert!(summary.contains("`file stamp.go`"), "{summary}");
    // The script wrote into the copies, never into the source.
    assert_eq!(files(&src), before);
}

#[test]
fn a_plain_module_is_served_from_the_cache() {
    let t = tempfile::tempdir().unwrap();
    let src = t.path().join("src");
    stamp_module(&src);
    std::fs::write(
        src.join("lib/stamp.go"),
        "package lib\n\nconst Stamp = \"fixed\"\n",
    )
    .unwrap();
    let out = twinbuild().arg("explain-cache").arg(&src).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.starts_with("WARM  the second build took all "),
        "{text}"
    );
    assert!(!text.contains("Compiled again"), "{text}");
}

#[test]
fn a_build_that_runs_no_go_command_cannot_be_told() {
    let t = tempfile::tempdir().unwrap();
    let src = t.path().join("src");
    stamp_module(&src);
    let out = twinbuild()
        .arg("explain-cache")
        .arg(&src)
        .args([
            "--build-cmd",
            "printf x > app",
            "--artifact",
            "app",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let r = json(&out);
    assert_eq!(out.status.code(), Some(2), "{r:#}");
    assert_eq!(r["verdict"], "unknown");
    let notes = r["notes"].to_string();
    assert!(notes.contains("cannot be told"), "{notes}");
}

#[test]
fn html_is_refused_before_anything_is_built() {
    let out = twinbuild()
        .args(["explain-cache", "/nonexistent", "--format", "html"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("human, json or markdown"), "{err}");
}
