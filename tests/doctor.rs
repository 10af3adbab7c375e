//! `twinbuild doctor` on fixture modules in tests/fixtures/doctor/: a clean
//! module (exit 0, nothing found), one with every footgun (each check's id
//! at its file and line, exit 1), a malformed workflow and a directory that
//! is not a module (exit 2, one line on stderr), an extra `--workflow`
//! file, the output formats, and that DIR is never written.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use assert_cmd::cargo::CommandCargoExt;

fn fixture(name: &str) -> PathBuf {
    [
        env!("CARGO_MANIFEST_DIR"),
        "tests",
        "fixtures",
        "doctor",
        name,
    ]
    .iter()
    .collect()
}

fn twinbuild() -> Command {
    let mut c = Command::cargo_bin("twinbuild").expect("the twinbuild binary is built");
    c.env("NO_COLOR", "1").env_remove("CLICOLOR_FORCE");
    c
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn run(args: &[&str]) -> Run {
    let out = twinbuild().args(args).output().unwrap();
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn json(dir: &Path, extra: &[&str]) -> (Option<i32>, serde_json::Value) {
    let mut args = vec!["doctor", dir.to_str().unwrap(), "--format", "json"];
    args.extend_from_slice(extra);
    let r = run(&args);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    let v = serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {}", r.stdout));
    (r.code, v)
}

/// (id, severity, file, line) of each finding, in output order.
fn findings(v: &serde_json::Value) -> Vec<(String, String, String, Option<u64>)> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["id"].as_str().unwrap().to_string(),
                f["severity"].as_str().unwrap().to_string(),
                f["file"].as_str().unwrap_or_default().to_string(),
                f["line"].as_u64(),
            )
        })
        .collect()
}

/// Every file under `dir` with its length and modification time.
fn listing(dir: &Path) -> BTreeMap<PathBuf, (u64, std::time::SystemTime)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let m = e.metadata().unwrap();
            if m.is_dir() {
                stack.push(e.path());
            } else {
                out.insert(e.path(), (m.len(), m.modified().unwrap()));
            }
        }
    }
    out
}

#[test]
fn a_clean_module_has_no_findings_and_exits_0() {
    let dir = fixture("clean");
    let before = listing(&dir);
    let (code, v) = json(&dir, &[]);
    assert_eq!(code, Some(0), "{v}");
    assert_eq!(findings(&v), []);
    assert_eq!(v["summary"]["errors"], 0);
    assert_eq!(
        v["files"],
        serde_json::json!([
            ".github/workflows/ci.yml",
            ".goreleaser.yaml",
            "Makefile",
            "go.mod"
        ])
    );
    let human = run(&["doctor", dir.to_str().unwrap()]);
    assert_eq!(human.code, Some(0));
    assert!(
        human
            .stdout
            .starts_with("doctor: no reproducibility or build-cache footguns found"),
        "{}",
        human.stdout
    );
    assert_eq!(listing(&dir), before, "doctor wrote into DIR");
}

/// Each check's id, severity, file and line on the module that has them all.
#[test]
fn every_footgun_is_found_at_its_place() {
    let dir = fixture("footguns");
    let before = listing(&dir);
    let (code, v) = json(&dir, &[]);
    assert_eq!(code, Some(1), "errors exit 1: {v}");
    let expected = [
        ("build-flag-a", "warning", ".github/workflows/ci.yml", 4),
        (
            "partial-go-cache",
            "warning",
            ".github/workflows/ci.yml",
            16,
        ),
        (
            "cache-key-commit-sha",
            "warning",
            ".github/workflows/ci.yml",
            17,
        ),
        ("generate-in-ci", "warning", ".github/workflows/ci.yml", 19),
        (
            "volatile-compile-flags",
            "error",
            ".github/workflows/ci.yml",
            20,
        ),
        (
            "missing-trimpath",
            "error",
            ".github/workflows/release.yml",
            11,
        ),
        (
            "cgo-enabled-unset",
            "warning",
            ".github/workflows/release.yml",
            11,
        ),
        (
            "vcs-stamping",
            "warning",
            ".github/workflows/release.yml",
            11,
        ),
        ("generated-file-ignored", "warning", ".gitignore", 2),
        ("missing-trimpath", "error", ".goreleaser.yml", 3),
        ("cgo-enabled-unset", "warning", ".goreleaser.yml", 3),
        ("vcs-stamping", "warning", ".goreleaser.yml", 3),
        ("volatile-ldflags-x", "warning", ".goreleaser.yml", 6),
        ("build-flag-a", "warning", "Makefile", 4),
        ("missing-trimpath", "warning", "Makefile", 4),
        ("volatile-compile-flags", "error", "Makefile", 7),
        ("toolchain-not-pinned", "warning", "go.mod", 3),
        ("generated-file-missing", "warning", "main.go", 4),
        ("volatile-ldflags-x", "warning", "scripts/build.sh", 4),
    ];
    let expected: Vec<_> = expected
        .iter()
        .map(|(id, sev, file, line)| {
            (
                id.to_string(),
                sev.to_string(),
                file.to_string(),
                Some(*line),
            )
        })
        .collect();
    assert_eq!(findings(&v), expected);
    assert_eq!(v["summary"]["errors"], 4);
    assert_eq!(v["summary"]["warnings"], 15);
    for f in v["findings"].as_array().unwrap() {
        assert!(!f["message"].as_str().unwrap().is_empty());
        assert!(!f["fix"].as_str().unwrap().is_empty());
    }
    // The human format names each the same way.
    let human = run(&["doctor", dir.to_str().unwrap()]);
    assert_eq!(human.code, Some(1));
    assert!(
        human
            .stdout
            .starts_with("doctor: 4 errors, 15 warnings in "),
        "{}",
        human.stdout
    );
    assert!(
        human
            .stdout
            .contains("\nerror[volatile-compile-flags] Makefile:7\n"),
        "{}",
        human.stdout
    );
    assert!(
        human.stdout.contains("\n  fix: add -trimpath"),
        "{}",
        human.stdout
    );
    assert_eq!(listing(&dir), before, "doctor wrote into DIR");
}

/// The fixture covers every check doctor has (`-p` with one build's action graph).
#[test]
fn the_footgun_fixture_names_every_check() {
    let graph =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/actions/stamp-cold.graph.json");
    let (_, v) = json(
        &fixture("footguns"),
        &["--action-graph", graph.to_str().unwrap()],
    );
    let all = findings(&v);
    assert!(
        all.contains(&(
            "parallelism-above-need".into(),
            "warning".into(),
            "Makefile".into(),
            Some(10)
        )),
        "{all:?}"
    );
    // Without the graph, -p is a note, not a finding.
    let (_, v) = json(&fixture("footguns"), &[]);
    assert!(
        v["notes"].to_string().contains("-p is set at Makefile:10"),
        "{v}"
    );
    let found: Vec<String> = all.into_iter().map(|f| f.0).collect();
    for (id, _) in twinbuild::doctor::CHECKS {
        assert!(found.iter().any(|f| f == id), "no fixture finding for {id}");
    }
}

#[test]
fn malformed_yaml_exits_2_with_one_line() {
    let r = run(&["doctor", fixture("malformed").to_str().unwrap()]);
    assert_eq!(r.code, Some(2));
    assert_eq!(r.stdout, "");
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    assert!(
        r.stderr.starts_with("twinbuild: error: malformed YAML in ")
            && r.stderr
                .contains("malformed/.github/workflows/ci.yml at line 7 column"),
        "{}",
        r.stderr
    );
}

#[test]
fn not_a_module_and_missing_dirs_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("nope");
    let file = tmp.path().join("go.mod");
    std::fs::write(&file, "module m\n").unwrap();
    let empty = tempfile::tempdir().unwrap();
    for (dir, says) in [
        (empty.path(), "is not a Go module: it has no go.mod"),
        (missing.as_path(), "cannot read"),
        (file.as_path(), "is not a directory"),
    ] {
        let r = run(&["doctor", dir.to_str().unwrap()]);
        assert_eq!(r.code, Some(2), "{dir:?}");
        assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
        assert!(r.stderr.contains(says), "{}", r.stderr);
    }
    let r = run(&[
        "doctor",
        fixture("clean").to_str().unwrap(),
        "--workflow",
        missing.to_str().unwrap(),
    ]);
    assert_eq!(r.code, Some(2));
    assert!(r.stderr.contains("cannot read"), "{}", r.stderr);
}

#[test]
fn an_extra_workflow_is_checked_as_given() {
    let extra = fixture("extra").join("publish.yml");
    let (code, v) = json(&fixture("clean"), &["--workflow", extra.to_str().unwrap()]);
    assert_eq!(code, Some(1));
    let f = findings(&v);
    assert_eq!(f.len(), 1, "{v}");
    assert_eq!(
        (f[0].0.as_str(), f[0].1.as_str(), f[0].3),
        ("missing-trimpath", "error", Some(5))
    );
    assert!(f[0].2.ends_with("extra/publish.yml"), "{}", f[0].2);
}

#[test]
fn markdown_to_a_file_and_no_html() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("doctor.md");
    let dir = fixture("footguns");
    let r = run(&[
        "doctor",
        dir.to_str().unwrap(),
        "--format",
        "markdown",
        "--output",
        out.to_str().unwrap(),
    ]);
    assert_eq!(r.code, Some(1));
    assert_eq!(r.stdout, "");
    let md = std::fs::read_to_string(&out).unwrap();
    assert!(
        md.starts_with("### twinbuild doctor: 4 errors, 15 warnings\n"),
        "{md}"
    );
    assert!(
        md.contains("| **error** | volatile-compile-flags | Makefile:7 |"),
        "{md}"
    );
    let r = run(&["doctor", dir.to_str().unwrap(), "--format", "html"]);
    assert_eq!(r.code, Some(2));
    assert_eq!(r.stderr.lines().count(), 1);
}

/// Two runs give the same bytes.
#[test]
fn output_is_deterministic() {
    let dir = fixture("footguns");
    let a = run(&["doctor", dir.to_str().unwrap(), "--format", "json"]);
    let b = run(&["doctor", dir.to_str().unwrap(), "--format", "json"]);
    assert_eq!(a.stdout, b.stdout);
}
