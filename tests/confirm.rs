//! `verify --confirm`: the causal proof of a root cause. For each of the
//! harness's own variations a root names, the rhs is rebuilt with that
//! variation taken from the lhs, and the root is `confirmed` when its bytes
//! are gone, `refuted` when they remain, `not-run` (with the reason) when it
//! was not tried.
//!
//! The judgement is checked on the committed fixtures through the fake
//! builder (`plain-a`/`plain-b` differ by their build path); the real
//! harness with the Go toolchain on `scenarios/no-trimpath` and on a tiny
//! module. The Go tests share one `--cache-dir` (one cache per side) under
//! the target dir, so only the first run compiles the standard library.

use std::path::{Path, PathBuf};

use serde_json::Value;
use twinbuild::attribute::{attribute, Cause};
use twinbuild::binary::Binary;
use twinbuild::diff::diff;
use twinbuild::harness::{BuildRequest, Builder, FakeBuilder, NoProgress, Side};
use twinbuild::report::{Artifact, ConfirmOutcome, Context, Report};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/linux-amd64")
        .join(name)
}

/// The fixtures' build dirs (tests/fixtures/README.md), as the harness would hint them.
const LHS_DIR: &str = "/tmp/tbfx/a/src";
const RHS_DIR: &str = "/tmp/tbfx/bb/deeper/source";

/// `plain-a` against `plain-b` through the fake builder, then `--confirm`
/// with `rebuilt` as the build without the workdir variation.
fn confirm_with(rebuilt: &Path, request: &BuildRequest) -> Report {
    let builder = FakeBuilder::new(fixture("plain-a"), fixture("plain-b"))
        .with_hint("workdir", LHS_DIR, RHS_DIR)
        .with_rebuilt("workdir", rebuilt);
    let pair = builder.build(request, &NoProgress).unwrap();
    let (ld, rd) = (
        std::fs::read(&pair.lhs.artifact).unwrap(),
        std::fs::read(&pair.rhs.artifact).unwrap(),
    );
    let (l, r) = (Binary::parse(&ld).unwrap(), Binary::parse(&rd).unwrap());
    let d = diff(&l, &r);
    let mut report = Report::new(
        Artifact::new("plain-a", &l),
        Artifact::new("plain-b", &r),
        &d,
        attribute(&l, &r, &d, &pair.hints),
        Context {
            command: "verify".into(),
            ..Default::default()
        },
    );
    let confirmations =
        twinbuild::cli::confirm(&builder, &pair, request, &report, &NoProgress).unwrap();
    report.add_confirmations(confirmations);
    report
}

fn workdir_root(r: &Report) -> usize {
    r.roots()
        .find(|f| f.cause == Cause::EmbeddedPath && f.variation.as_deref() == Some("workdir"))
        .expect("an embedded-path root naming the workdir")
        .id
}

#[test]
fn a_rebuild_identical_to_the_lhs_confirms_the_workdir_root() {
    let r = confirm_with(&fixture("plain-a"), &BuildRequest::new("."));
    let root = workdir_root(&r);
    assert_eq!(r.confirmations.len(), 1, "{:#?}", r.confirmations);
    let c = &r.confirmations[0];
    assert_eq!(
        (c.variation.as_str(), c.outcome, &c.roots[..]),
        ("workdir", ConfirmOutcome::Confirmed, &[root][..])
    );
    assert_eq!(c.differing_bytes, Some(0));
    assert_eq!(c.rebuilt.as_ref().unwrap().sha256, r.lhs.sha256);
    // The build-id root names no variation: not tried on its own, but the
    // identical rebuild shows the workdir explains it too.
    let build_id = r.roots().find(|f| f.cause == Cause::BuildId).unwrap().id;
    assert_eq!(c.also_gone, [build_id]);
    assert_eq!(r.exit_code, 1, "--confirm never changes the gate");
    assert!(!r.notes.iter().any(|n| n.contains("REFUTED")));
}

#[test]
fn a_rebuild_that_keeps_the_paths_refutes_the_root_and_says_so() {
    // The "rebuild" is the rhs itself: the workdir paths are still there.
    let r = confirm_with(&fixture("plain-b"), &BuildRequest::new("."));
    let c = &r.confirmations[0];
    assert_eq!(c.outcome, ConfirmOutcome::Refuted, "{c:#?}");
    assert!(c.root_bytes_remaining.unwrap() > 0);
    assert!(c.also_gone.is_empty());
    assert!(c.remaining_root_causes.contains(&Cause::EmbeddedPath));
    assert!(
        r.notes
            .iter()
            .any(|n| n.contains("REFUTED") && n.contains("workdir")),
        "{:?}",
        r.notes
    );
    assert_eq!(r.exit_code, 1);
    for format in [
        twinbuild::report::OutputFormat::Human,
        twinbuild::report::OutputFormat::Markdown,
        twinbuild::report::OutputFormat::Html,
    ] {
        let text = r.render(format, false);
        assert!(text.contains("refuted"), "{format:?}");
    }
    let json: Value =
        serde_json::from_str(&r.render(twinbuild::report::OutputFormat::Json, false)).unwrap();
    assert_eq!(json["confirmations"][0]["outcome"], "refuted");
}

#[test]
fn a_variation_the_user_asked_for_is_not_removed() {
    let mut request = BuildRequest::new(".");
    request
        .side_env
        .insert(Side::Rhs, vec![("workdir".into(), "x".into())]);
    let r = confirm_with(&fixture("plain-a"), &request);
    let c = &r.confirmations[0];
    assert_eq!(c.outcome, ConfirmOutcome::NotRun);
    assert!(c.detail.contains("--rhs-env"), "{}", c.detail);
    assert!(c.rebuilt.is_none() && c.differing_bytes.is_none());
}

// ------------------------------------------------------- the real harness

/// One cache dir per side for the Go tests below, kept across runs.
fn shared_cache() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("twinbuild-confirm-cache")
}

/// `twinbuild verify DIR ARGS --confirm --format json` with its own TMPDIR;
/// returns the exit code, the JSON report and that TMPDIR (to check it is left empty).
fn verify_confirm(dir: &Path, args: &[&str]) -> (i32, Value, tempfile::TempDir) {
    let tmp = tempfile::Builder::new()
        .prefix("confirm-tmp-")
        .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
        .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_twinbuild"))
        .arg("verify")
        .arg(dir)
        .args(args)
        .args(["--confirm", "--format", "json", "--timeout", "600"])
        .arg("--cache-dir")
        .arg(shared_cache())
        .env("TMPDIR", tmp.path())
        .output()
        .unwrap();
    let code = out.status.code().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(code == 0 || code == 1, "exit {code}: {stderr}");
    let report: Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {stderr}"));
    (code, report, tmp)
}

fn roots(report: &Value) -> Vec<&Value> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["root"].is_null())
        .collect()
}

fn assert_cleaned(tmp: &tempfile::TempDir) {
    let left: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert!(left.is_empty(), "temp dirs left behind: {left:?}");
}

/// The scenario without -trimpath: rebuilt at the lhs's workdir path, the rhs
/// is the lhs byte for byte, so the workdir root is confirmed (and the build
/// ID, computed over the paths, goes with it). The exit code stays 1.
#[test]
fn confirm_proves_the_workdir_root_of_the_no_trimpath_scenario() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/no-trimpath");
    let (code, r, tmp) = verify_confirm(&dir, &["--profile", "plain"]);
    assert_eq!(code, 1, "--confirm does not change the gate");
    assert_eq!(r["verdict"], "differs");
    let workdir_root = roots(&r)
        .into_iter()
        .find(|f| f["cause"] == "embedded-path" && f["variation"] == "workdir")
        .expect("an embedded-path root naming the workdir")["id"]
        .clone();
    let c = r["confirmations"].as_array().unwrap();
    assert_eq!(c.len(), 1, "{c:#?}");
    assert_eq!(c[0]["variation"], "workdir");
    assert_eq!(c[0]["roots"], serde_json::json!([workdir_root]));
    assert_eq!(c[0]["outcome"], "confirmed", "{:#}", c[0]);
    assert_eq!(c[0]["differing_bytes"], 0);
    assert_eq!(c[0]["rebuilt"]["sha256"], r["lhs"]["sha256"]);
    assert_ne!(r["rhs"]["sha256"], r["lhs"]["sha256"]);
    assert_cleaned(&tmp);
}

/// A variation the user asked for stays in the confirming build: with
/// GOAMD64=v1 against v3, removing the workdir takes the embedded paths
/// away but the toolchain root (no variation of the harness's) stays, is
/// not tried, and the confirming build still differs.
#[test]
fn confirm_leaves_a_user_variation_in_place() {
    let src = tempfile::Builder::new()
        .prefix("confirm-src-")
        .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
        .unwrap();
    std::fs::write(
        src.path().join("go.mod"),
        "module example.com/tiny\n\ngo 1.26\n",
    )
    .unwrap();
    std::fs::write(
        src.path().join("main.go"),
        "package main\n\nfunc main() { println(\"tiny\") }\n",
    )
    .unwrap();
    let (code, r, tmp) = verify_confirm(
        src.path(),
        &[
            "--profile",
            "plain",
            "--lhs-env",
            "GOAMD64=v1",
            "--rhs-env",
            "GOAMD64=v3",
        ],
    );
    assert_eq!(code, 1);
    let roots = roots(&r);
    let toolchain = roots
        .iter()
        .find(|f| f["cause"] == "toolchain")
        .expect("a toolchain root")["id"]
        .clone();
    assert!(roots
        .iter()
        .any(|f| f["cause"] == "embedded-path" && f["variation"] == "workdir"));
    let c = r["confirmations"].as_array().unwrap();
    assert_eq!(c.len(), 1, "only the workdir is the harness's: {c:#?}");
    assert_eq!(c[0]["variation"], "workdir");
    assert!(!c[0]["roots"].as_array().unwrap().contains(&toolchain));
    assert_eq!(c[0]["outcome"], "confirmed", "{:#}", c[0]);
    assert!(
        c[0]["differing_bytes"].as_u64().unwrap() > 0,
        "GOAMD64 still differs"
    );
    assert_ne!(c[0]["rebuilt"]["sha256"], r["lhs"]["sha256"]);
    let remaining = c[0]["remaining_root_causes"].as_array().unwrap();
    assert!(
        remaining.contains(&Value::from("toolchain")),
        "{remaining:?}"
    );
    assert!(
        !remaining.contains(&Value::from("embedded-path")),
        "{remaining:?}"
    );
    assert_cleaned(&tmp);
}

/// `--git-lhs`: the lhs is a git checkout, the rhs a plain copy, so the VCS
/// stamp is the root; the rhs rebuilt from the same git snapshot (fixed
/// author and date: the same commit) is the lhs byte for byte.
#[test]
fn confirm_proves_the_vcs_root_of_git_lhs() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/vcs-stamp");
    let (code, r, tmp) = verify_confirm(&dir, &["--git-lhs"]);
    assert_eq!(code, 1);
    let root = roots(&r)
        .into_iter()
        .find(|f| f["cause"] == "buildinfo")
        .expect("a buildinfo root")["id"]
        .clone();
    let c = r["confirmations"].as_array().unwrap();
    assert_eq!(c.len(), 1, "{c:#?}");
    assert_eq!(c[0]["variation"], "vcs");
    assert_eq!(c[0]["roots"], serde_json::json!([root]));
    assert_eq!(c[0]["outcome"], "confirmed", "{:#}", c[0]);
    assert_eq!(c[0]["rebuilt"]["sha256"], r["lhs"]["sha256"]);
    assert_cleaned(&tmp);
}
