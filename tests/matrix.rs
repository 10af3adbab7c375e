//! `verify` of several binaries against the real Go toolchain:
//! scenarios/release-matrix's three commands for linux/amd64, windows/amd64
//! and darwin/arm64 in one run (GOAMD64=v1 against v3, so the six amd64
//! binaries differ and the three arm64 ones do not), the same run split in
//! two shards and merged, and what `merge` refuses.
//!
//! The builds use the scenario suite's per-side caches
//! (`target/scenario-cache`), so only the first run of a checkout is cold.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use assert_cmd::cargo::CommandCargoExt;
use serde_json::Value;

const TARGETS: &str = "linux/amd64,windows/amd64,darwin/arm64";

fn twinbuild() -> Command {
    let mut c = Command::cargo_bin("twinbuild").expect("the twinbuild binary is built");
    c.env("NO_COLOR", "1");
    c
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The scenario suite's cache dir (see tests/scenarios.rs).
fn cache() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("the target dir")
        .join("scenario-cache")
}

/// `twinbuild verify scenarios/release-matrix` of every command for the three targets, with `extra`.
fn verify(extra: &[&str], json: &Path) -> Output {
    let out = twinbuild()
        .arg("verify")
        .arg(root().join("scenarios/release-matrix"))
        .args(["--package", "./...", "--targets", TARGETS])
        .args(["--lhs-env", "GOAMD64=v1", "--rhs-env", "GOAMD64=v3"])
        .arg("--cache-dir")
        .arg(cache())
        .args(["--timeout", "900", "--format", "json", "--output"])
        .arg(json)
        .args(extra)
        .output()
        .expect("run twinbuild");
    assert!(
        out.status.code() == Some(1),
        "verify {extra:?}: exit {:?}\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn read(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("read the report"))
        .expect("the report is JSON")
}

/// `PACKAGE TARGET VERDICT` of each artifact, in order.
fn verdicts(report: &Value) -> Vec<String> {
    report["artifacts"]
        .as_array()
        .expect("artifacts")
        .iter()
        .map(|a| {
            format!(
                "{} {} {}",
                a["unit"]["package"].as_str().unwrap(),
                a["unit"]["target"].as_str().unwrap(),
                a["verdict"].as_str().unwrap()
            )
        })
        .collect()
}

/// The report without what differs between any two runs: each build's
/// record (temp dirs, durations) and its hash inputs (temp dirs, timings).
fn normalised(mut report: Value) -> Value {
    for a in report["artifacts"].as_array_mut().expect("artifacts") {
        let r = a["report"].as_object_mut().expect("a nested report");
        r.remove("builds");
        r.remove("build_inputs");
    }
    report
}

fn schema(name: &str) -> jsonschema::Validator {
    let text = std::fs::read_to_string(root().join("docs").join(name)).expect("read the schema");
    let value: Value = serde_json::from_str(&text).expect("the schema is JSON");
    jsonschema::meta::validate(&value).expect("a valid JSON Schema");
    jsonschema::draft202012::new(&value).expect("the schema compiles")
}

/// The matrix report against docs/matrix-report.schema.json, each nested
/// report against docs/report.schema.json.
fn assert_valid(report: &Value) {
    let (matrix, single) = (
        schema("matrix-report.schema.json"),
        schema("report.schema.json"),
    );
    let errors: Vec<String> = matrix.iter_errors(report).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "matrix report: {errors:?}");
    for a in report["artifacts"].as_array().unwrap() {
        let errors: Vec<String> = single
            .iter_errors(&a["report"])
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{}: {errors:?}", a["unit"]);
    }
}

fn merge(args: &[&Path], extra: &[&str]) -> Output {
    twinbuild()
        .arg("merge")
        .args(args)
        .args(extra)
        .output()
        .expect("run twinbuild merge")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn three_commands_three_targets_one_run_and_two_shards_merged_agree() {
    let tmp = tempfile::tempdir().unwrap();
    let p = |name: &str| tmp.path().join(name);

    // One run: every unit, a verdict each.
    verify(
        &["--write", &format!("markdown={}", p("all.md").display())],
        &p("all.json"),
    );
    let all = read(&p("all.json"));
    let expected = [
        "./cmd/alpha linux/amd64 differs",
        "./cmd/beta linux/amd64 differs",
        "./cmd/gamma linux/amd64 differs",
        "./cmd/alpha windows/amd64 differs",
        "./cmd/beta windows/amd64 differs",
        "./cmd/gamma windows/amd64 differs",
        "./cmd/alpha darwin/arm64 reproducible",
        "./cmd/beta darwin/arm64 reproducible",
        "./cmd/gamma darwin/arm64 reproducible",
    ];
    assert_eq!(verdicts(&all), expected);
    assert_eq!(all["kind"], "matrix");
    assert_eq!(all["verdict"], "differs");
    assert_eq!(all["exit_code"], 1);
    assert_eq!(all["units"].as_array().unwrap().len(), 9);
    for a in all["artifacts"].as_array().unwrap() {
        let r = &a["report"];
        let format = match a["unit"]["target"].as_str().unwrap() {
            "windows/amd64" => "pe",
            "darwin/arm64" => "mach-o",
            _ => "elf",
        };
        assert_eq!(r["lhs"]["format"], format, "{}", a["unit"]);
        let same = r["lhs"]["sha256"] == r["rhs"]["sha256"];
        assert_eq!(same, a["verdict"] == "reproducible", "{}", a["unit"]);
        // One go build per side per target: the builds name every command of the target.
        let command = r["builds"][0]["command"].as_array().unwrap();
        for c in ["./cmd/alpha", "./cmd/beta", "./cmd/gamma"] {
            assert!(command.iter().any(|x| x == c), "{command:?}");
        }
    }
    // The toolchain root is one root across the six amd64 binaries.
    let roots = all["roots"].as_array().unwrap();
    assert_eq!(roots.len(), 1, "{roots:?}");
    assert_eq!(roots[0]["cause"], "toolchain");
    assert_eq!(roots[0]["artifacts"].as_array().unwrap().len(), 6);
    assert!(roots[0]["fix"].as_str().unwrap().contains("GOAMD64"));
    assert_valid(&all);
    let md = std::fs::read_to_string(p("all.md")).unwrap();
    assert!(
        md.contains("| `./cmd/gamma` | `darwin/arm64` | reproducible | 0 B | 0 B | - |"),
        "{md}"
    );

    // Two shards: disjoint, together every unit, each built on its own.
    verify(&["--shard", "1/2"], &p("s1.json"));
    verify(&["--shard", "2/2"], &p("s2.json"));
    let (s1, s2) = (read(&p("s1.json")), read(&p("s2.json")));
    assert_eq!(s1["shard"]["index"], 1);
    assert_eq!(verdicts(&s1).len(), 5);
    assert_eq!(verdicts(&s2).len(), 4);
    assert_valid(&s1);

    // Merged (in either order), they are the one run's report.
    let out = merge(&[&p("s2.json"), &p("s1.json")], &["--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let merged: Value = serde_json::from_slice(&out.stdout).expect("merge writes JSON");
    assert!(merged.get("shard").is_none());
    assert_eq!(normalised(merged.clone()), normalised(all.clone()));
    let human = merge(
        &[&p("s1.json"), &p("s2.json")],
        &["--attest", &p("merged.intoto.json").display().to_string()],
    );
    assert_eq!(human.status.code(), Some(1), "{}", stderr(&human));
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(
        text.starts_with(
            "NOT REPRODUCIBLE  9 artifacts (3 packages × 3 targets): 3 reproducible, 6 differ"
        ),
        "{text}"
    );
    let statement = read(&p("merged.intoto.json"));
    assert_eq!(statement["subject"].as_array().unwrap().len(), 9);
    assert_eq!(
        statement["predicate"]["artifacts"][8]["verdict"],
        "reproducible"
    );
    for format in ["markdown", "html"] {
        let out = merge(&[&p("s1.json"), &p("s2.json")], &["--format", format]);
        assert_eq!(out.status.code(), Some(1), "{format}: {}", stderr(&out));
        assert!(String::from_utf8_lossy(&out.stdout).contains("darwin/arm64"));
    }

    // What cannot be one run is refused, with exit 2 and the reason.
    let refused = |args: &[&Path], why: &str| {
        let out = merge(args, &[]);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(why), "{args:?}: {}", stderr(&out));
    };
    refused(&[&p("s1.json")], "shard 2/2 missing");
    refused(&[&p("s1.json"), &p("s1.json")], "given twice");
    refused(&[&p("all.json"), &p("s1.json")], "covers every unit");
    let edit = |name: &str, f: &dyn Fn(&mut Value)| {
        let mut v = s2.clone();
        f(&mut v);
        std::fs::write(p(name), serde_json::to_string(&v).unwrap()).unwrap();
        p(name)
    };
    let other_source = edit("source.json", &|v| v["source"]["sha256"] = "00".into());
    refused(&[&p("s1.json"), &other_source], "verified another source");
    let other_flags = edit("flags.json", &|v| v["settings"]["ldflags"] = "-s -w".into());
    refused(&[&p("s1.json"), &other_flags], "other settings");
    let other_go = edit("go.json", &|v| {
        v["toolchain"]["version"] = "go1.25.0".into()
    });
    refused(&[&p("s1.json"), &other_go], "toolchain go1.25.0");
    let forged = edit("forged.json", &|v| {
        let a = v["artifacts"]
            .as_array_mut()
            .unwrap()
            .iter_mut()
            .find(|a| a["verdict"] == "differs")
            .unwrap();
        a["verdict"] = "reproducible".into();
        a["exit_code"] = 0.into();
    });
    refused(&[&p("s1.json"), &forged], "disagree with its own report");
    let newer = edit("newer.json", &|v| v["schema_version"] = 99.into());
    refused(&[&p("s1.json"), &newer], "schema_version 99");
    std::fs::write(
        p("garbage.json"),
        "{\"schema_version\": 1, \"artifacts\": [",
    )
    .unwrap();
    refused(&[&p("s1.json"), &p("garbage.json")], "not a JSON report");
}

#[test]
fn merge_refuses_a_single_binary_report() {
    let tmp = tempfile::tempdir().unwrap();
    let fixtures = root().join("tests/fixtures/linux-amd64");
    let single = tmp.path().join("single.json");
    let (lhs, rhs) = (fixtures.join("stamp-a"), fixtures.join("stamp-b"));
    let out = twinbuild()
        .arg("diff")
        .arg(&lhs)
        .arg(&rhs)
        .args(["--format", "json", "--output"])
        .arg(&single)
        .output()
        .unwrap();
    assert!(out.status.code().is_some_and(|c| c < 2), "{}", stderr(&out));
    let out = merge(&[&single], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("a report of one binary"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn verify_refuses_what_a_matrix_cannot_do_before_building() {
    for (extra, why) in [
        (vec!["--confirm"], "--confirm rebuilds one binary"),
        (
            vec!["--build-cmd", "make", "--artifact", "bin/app"],
            "--build-cmd leaves one artifact",
        ),
        (vec!["--shard", "3/2"], "1 <= K <= N"),
        (vec!["--targets", "linux"], "GOOS/GOARCH"),
    ] {
        let out = twinbuild()
            .arg("verify")
            .arg(root().join("scenarios/release-matrix"))
            .args(["--package", "./..."])
            .args(&extra)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{extra:?}");
        assert!(stderr(&out).contains(why), "{extra:?}: {}", stderr(&out));
    }
    let out = twinbuild()
        .arg("explain-cache")
        .arg(root().join("scenarios/release-matrix"))
        .args(["--package", "./..."])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("one package for one target"),
        "{}",
        stderr(&out)
    );
}

/// A shard with no units (fewer units than shards) builds nothing, yet
/// names the toolchain like every other shard: `merge` compares it.
#[test]
fn an_empty_shard_builds_nothing_and_names_the_toolchain() {
    let tmp = tempfile::tempdir().unwrap();
    let json = tmp.path().join("s4.json");
    let out = twinbuild()
        .arg("verify")
        .arg(root().join("scenarios/release-matrix"))
        .args([
            "--package",
            "./...",
            "--target",
            "linux/amd64",
            "--shard",
            "4/4",
        ])
        .args(["--format", "json", "--output"])
        .arg(&json)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v = read(&json);
    assert_eq!(v["units"].as_array().unwrap().len(), 3);
    assert!(v["artifacts"].as_array().unwrap().is_empty());
    assert!(
        v["toolchain"]["version"]
            .as_str()
            .unwrap()
            .starts_with("go"),
        "{v}"
    );
    assert!(v["notes"].to_string().contains("has no units"), "{v}");
    assert_valid(&v);
}
