//! The scenario suite: every `scenarios/<name>/` is a real Go program with a
//! `scenario.toml` saying how to verify it and what twinbuild must conclude.
//! One test walks them all (sorted), runs the built `twinbuild verify` on each
//! with the real Go toolchain, and checks the JSON report against the
//! expectation. All failures are collected and reported together.
//!
//! `TWINBUILD_SCENARIOS=cli,vcs-stamp` runs a subset. The per-side build caches
//! live in `target/scenario-cache` (override: `TWINBUILD_SCENARIO_CACHE`), so
//! only the first run compiles the standard library; each report is also
//! written to `target/scenario-reports/<name>.json` and `<name>.txt` (human).

use std::collections::BTreeSet;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

use serde::Deserialize;
use serde_json::Value;

/// One `scenario.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Scenario {
    /// One line: what the scenario shows.
    description: String,
    verify: VerifySpec,
    expect: Expect,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct VerifySpec {
    /// Extra arguments to `twinbuild verify <dir>`.
    #[serde(default)]
    args: Vec<String>,
    /// Build another scenario's program (a path relative to this scenario's
    /// folder, e.g. "../http-service") instead of one in this folder.
    #[serde(default)]
    source: Option<String>,
    /// Build with fresh, empty caches instead of the shared per-side ones:
    /// for a build whose output is not a function of what the go command
    /// hashes (a cache would serve an earlier run's objects).
    #[serde(default)]
    cold: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    /// "reproducible" or "differs".
    verdict: String,
    /// Cause codes that must appear among the root findings (`root == null`).
    #[serde(default)]
    root_causes: Vec<String>,
    /// When true, the root findings' causes must be exactly `root_causes`.
    #[serde(default)]
    exact_root_causes: bool,
    /// Text each of which some root finding's fix must contain (e.g. "-trimpath").
    #[serde(default)]
    fixes: Vec<String>,
    /// Text no root finding's fix may contain (advice the build already
    /// took, e.g. "build with -trimpath").
    #[serde(default)]
    fixes_exclude: Vec<String>,
    /// Build inputs that must differ (`build_inputs.input_differences`),
    /// each `CAUSE: MODE PACKAGE: TEXT`: an action of that cause, mode and
    /// package whose differing lines (either side) contain TEXT.
    #[serde(default)]
    input_differences: Vec<String>,
    /// Actions (`MODE PACKAGE`) that must be reported nondeterministic.
    #[serde(default)]
    nondeterministic_actions: Vec<String>,
    /// "elf", "mach-o" or "pe" (a matrix scenario's follow from each artifact's target).
    #[serde(default)]
    format: String,
    /// A verify of several binaries (a matrix report): each artifact, as
    /// `PACKAGE TARGET VERDICT`, in the report's order. The other
    /// expectations then apply to each differing artifact's report.
    #[serde(default)]
    artifacts: Vec<String>,
    /// Upper bound for `by_cause.unattributed`, in percent of the differing bytes.
    max_unattributed_percent: f64,
    /// Lower bound for the consequence bytes (findings with a `root`) that
    /// are proven, in percent (default 99; a toolchain root cannot be proven).
    #[serde(default = "default_min_proven")]
    min_proven_percent: f64,
}

fn default_min_proven() -> f64 {
    99.0
}

/// How one scenario went.
struct Outcome {
    name: String,
    problems: Vec<String>,
    /// `<verdict> <root causes>` as found, for the one-line summary.
    found: String,
    seconds: f64,
    /// Shown under a failure: stderr and the human report.
    details: String,
}

#[test]
fn scenarios() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let target = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("CARGO_TARGET_TMPDIR has a parent (the target dir)")
        .to_path_buf();
    let cache = std::env::var_os("TWINBUILD_SCENARIO_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| target.join("scenario-cache"));
    let reports = target.join("scenario-reports");
    std::fs::create_dir_all(&cache).expect("create the scenario cache dir");
    std::fs::create_dir_all(&reports).expect("create the scenario reports dir");

    let selected = selection();
    let mut names = scenario_names(&root.join("scenarios"));
    if let Some(selected) = &selected {
        let unknown: Vec<_> = selected.iter().filter(|s| !names.contains(*s)).collect();
        assert!(
            unknown.is_empty(),
            "TWINBUILD_SCENARIOS names unknown scenarios: {unknown:?}"
        );
        names.retain(|n| selected.contains(n));
    }
    assert!(!names.is_empty(), "no scenarios to run");

    say(&format!(
        "running {} scenario(s), per-side caches in {}",
        names.len(),
        cache.display()
    ));
    let started = Instant::now();
    let mut outcomes = Vec::new();
    for name in &names {
        let outcome = run_scenario(&root.join("scenarios").join(name), name, &cache, &reports);
        if outcome.problems.is_empty() {
            say(&format!(
                "ok   {:<16} {} {:.1}s",
                outcome.name, outcome.found, outcome.seconds
            ));
        } else {
            say(&format!(
                "FAIL {:<16} {} {:.1}s",
                outcome.name, outcome.found, outcome.seconds
            ));
            for p in &outcome.problems {
                say(&format!("       - {p}"));
            }
        }
        outcomes.push(outcome);
    }

    let failed: Vec<&Outcome> = outcomes.iter().filter(|o| !o.problems.is_empty()).collect();
    for o in &failed {
        say(&format!(
            "\n===== {} =====\n{}\n{}",
            o.name,
            o.problems.join("\n"),
            o.details
        ));
    }
    say(&format!(
        "scenarios took {:.0}s",
        started.elapsed().as_secs_f64()
    ));
    say(&format!(
        "{} passed, {} failed",
        outcomes.len() - failed.len(),
        failed.len()
    ));
    assert!(
        failed.is_empty(),
        "{} scenario(s) failed: {}",
        failed.len(),
        failed
            .iter()
            .map(|o| o.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
}

/// Progress lines go straight to the process's stderr, not through the test
/// harness's capture, so a long CI run shows each scenario as it finishes.
fn say(line: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{line}");
}

/// `TWINBUILD_SCENARIOS=a,b` as a set, or None for all.
fn selection() -> Option<BTreeSet<String>> {
    let v = std::env::var("TWINBUILD_SCENARIOS").ok()?;
    let set: BTreeSet<String> = v
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect();
    (!set.is_empty()).then_some(set)
}

/// The names of the directories holding a scenario.toml, sorted.
fn scenario_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|e| e.expect("read a scenarios/ entry").path())
        .filter(|p| p.join("scenario.toml").is_file())
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn load(dir: &Path) -> Result<Scenario, String> {
    let path = dir.join("scenario.toml");
    let text =
        std::fs::read_to_string(&path).map_err(|e| format!("read {}: {e}", path.display()))?;
    let s: Scenario = toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    if s.description.trim().is_empty() {
        return Err(format!("{}: empty description", path.display()));
    }
    if s.expect.format.is_empty() == s.expect.artifacts.is_empty() {
        return Err(format!(
            "{}: give `format` for one binary, or `artifacts` for several (each one's format follows from its target)",
            path.display()
        ));
    }
    match s.expect.verdict.as_str() {
        "reproducible" if !s.expect.root_causes.is_empty() => Err(format!(
            "{}: a reproducible scenario cannot expect root causes",
            path.display()
        )),
        "reproducible" => Ok(s),
        "differs" if s.expect.root_causes.is_empty() => Err(format!(
            "{}: a differing scenario must name at least one root cause",
            path.display()
        )),
        "differs" => Ok(s),
        other => Err(format!(
            "{}: verdict must be \"reproducible\" or \"differs\", not {other:?}",
            path.display()
        )),
    }
}

/// `twinbuild verify DIR ARGS --format json --write human=HUMAN --cache-dir CACHE --timeout 900`
/// (no `--cache-dir` without `cache`).
fn twinbuild(
    dir: &Path,
    args: &[String],
    cache: Option<&Path>,
    human: &Path,
) -> std::io::Result<Output> {
    let mut write = std::ffi::OsString::from("human=");
    write.push(human);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_twinbuild"));
    cmd.arg("verify")
        .arg(dir)
        .args(args)
        .args(["--format", "json", "--write"])
        .arg(write);
    if let Some(cache) = cache {
        cmd.arg("--cache-dir").arg(cache);
    }
    cmd
        // A cold cross build of net/http takes a few minutes on 2 busy cores;
        // a hung build must not hang CI for the default half hour.
        .args(["--timeout", "900"])
        .output()
}

fn run_scenario(dir: &Path, name: &str, cache: &Path, reports: &Path) -> Outcome {
    let mut outcome = Outcome {
        name: name.to_string(),
        problems: Vec::new(),
        found: String::from("-"),
        seconds: 0.0,
        details: String::new(),
    };
    let scenario = match load(dir) {
        Ok(s) => s,
        Err(e) => {
            outcome.problems.push(e);
            return outcome;
        }
    };

    let json_path = reports.join(format!("{name}.json"));
    let human_path = reports.join(format!("{name}.txt"));
    let _ = std::fs::remove_file(&human_path);
    let start = Instant::now();
    let source = match &scenario.verify.source {
        Some(rel) => dir.join(rel),
        None => dir.to_path_buf(),
    };
    let output = twinbuild(
        &source,
        &scenario.verify.args,
        (!scenario.verify.cold).then_some(cache),
        &human_path,
    );
    outcome.seconds = start.elapsed().as_secs_f64();
    let output = match output {
        Ok(o) => o,
        Err(e) => {
            outcome.problems.push(format!("cannot run twinbuild: {e}"));
            return outcome;
        }
    };
    let code = output.status.code();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let _ = std::fs::write(&json_path, &output.stdout);

    let report: Value = match serde_json::from_slice(&output.stdout) {
        Ok(v) => v,
        Err(e) => {
            outcome.found = format!("exit {code:?}");
            outcome.problems.push(format!(
                "exit code {code:?} and no JSON report on stdout ({e})"
            ));
            outcome.details = format!("twinbuild stderr:\n{stderr}");
            return outcome;
        }
    };

    if !scenario.expect.artifacts.is_empty() {
        outcome.found = format!(
            "{} [{} artifacts]",
            report["verdict"].as_str().unwrap_or("?"),
            report["artifacts"].as_array().map_or(0, Vec::len)
        );
        outcome.problems = check_matrix(&scenario.expect, code, &report);
    } else {
        let roots = root_causes(&report);
        outcome.found = format!(
            "{} [{}]",
            report["verdict"].as_str().unwrap_or("?"),
            roots.iter().cloned().collect::<Vec<_>>().join(",")
        );
        outcome.problems = check(&scenario.expect, code, &report, &roots);
    }

    if !outcome.problems.is_empty() {
        let human = std::fs::read_to_string(&human_path)
            .unwrap_or_else(|e| format!("(no human report at {}: {e})", human_path.display()));
        outcome.details = format!(
            "command: twinbuild verify {} {} --format json --cache-dir {}\n\
             twinbuild stderr:\n{stderr}\nhuman report:\n{human}\nJSON report: {}",
            dir.display(),
            scenario.verify.args.join(" "),
            cache.display(),
            json_path.display()
        );
    }
    outcome
}

/// The causes of the findings whose `root` is null.
fn root_causes(report: &Value) -> BTreeSet<String> {
    report["findings"]
        .as_array()
        .map(|fs| {
            fs.iter()
                .filter(|f| f["root"].is_null())
                .filter_map(|f| f["cause"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

/// Everything wrong with a matrix report: the overall verdict, the list of
/// artifacts with their verdicts, and each artifact's report checked as a
/// single one (the root causes and fixes on the differing ones, the format
/// from the target).
fn check_matrix(expect: &Expect, code: Option<i32>, report: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    if report["kind"] != "matrix" {
        problems.push(format!("kind {}, expected \"matrix\"", report["kind"]));
    }
    problems.extend(verdict_problems(expect, code, report));
    let empty = Vec::new();
    let artifacts = report["artifacts"].as_array().unwrap_or(&empty);
    let found: Vec<String> = artifacts
        .iter()
        .map(|a| {
            format!(
                "{} {} {}",
                a["unit"]["package"].as_str().unwrap_or("?"),
                a["unit"]["target"].as_str().unwrap_or("?"),
                a["verdict"].as_str().unwrap_or("?")
            )
        })
        .collect();
    if found != expect.artifacts {
        problems.push(format!(
            "artifacts {found:?}, expected {:?}",
            expect.artifacts
        ));
    }
    for (a, line) in artifacts.iter().zip(&found) {
        let target = a["unit"]["target"].as_str().unwrap_or("");
        let differs = a["verdict"] == "differs";
        let mut one = Expect {
            verdict: a["verdict"].as_str().unwrap_or("?").to_string(),
            format: match target.split('/').next() {
                Some("windows") => "pe",
                Some("darwin" | "ios") => "mach-o",
                _ => "elf",
            }
            .to_string(),
            artifacts: Vec::new(),
            input_differences: Vec::new(),
            nondeterministic_actions: Vec::new(),
            ..expect.clone()
        };
        if !differs {
            one.root_causes.clear();
            one.fixes.clear();
        }
        let code = a["exit_code"].as_i64().map(|c| c as i32);
        let nested = &a["report"];
        for p in check(&one, code, nested, &root_causes(nested)) {
            problems.push(format!("{line}: {p}"));
        }
    }
    problems
}

/// The exit code and verdict against the expected verdict.
fn verdict_problems(expect: &Expect, code: Option<i32>, report: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let want_code = if expect.verdict == "reproducible" {
        0
    } else {
        1
    };
    if code != Some(want_code) {
        problems.push(format!("exit code {code:?}, expected {want_code}"));
    }
    if report["verdict"] != expect.verdict.as_str() {
        problems.push(format!(
            "verdict {}, expected {:?}",
            report["verdict"], expect.verdict
        ));
    }
    problems
}

/// Everything wrong with the report, empty when it meets the expectation.
fn check(
    expect: &Expect,
    code: Option<i32>,
    report: &Value,
    roots: &BTreeSet<String>,
) -> Vec<String> {
    let reproducible = expect.verdict == "reproducible";
    let mut problems = verdict_problems(expect, code, report);
    for side in ["lhs", "rhs"] {
        if report[side]["format"] != expect.format.as_str() {
            problems.push(format!(
                "{side}.format {}, expected {:?}",
                report[side]["format"], expect.format
            ));
        }
    }
    let same_digest =
        report["lhs"]["sha256"].is_string() && report["lhs"]["sha256"] == report["rhs"]["sha256"];
    if same_digest != reproducible {
        problems.push(format!(
            "lhs.sha256 {} and rhs.sha256 {} disagree with verdict {:?}",
            report["lhs"]["sha256"], report["rhs"]["sha256"], expect.verdict
        ));
    }

    for cause in &expect.root_causes {
        if !roots.contains(cause) {
            problems.push(format!(
                "root cause {cause:?} missing; root findings have {roots:?}"
            ));
        }
    }
    let root_findings: Vec<&Value> = report["findings"]
        .as_array()
        .map(|fs| fs.iter().filter(|f| f["root"].is_null()).collect())
        .unwrap_or_default();
    for want in &expect.fixes {
        if !root_findings.iter().any(|f| {
            f["fix"]
                .as_str()
                .is_some_and(|fix| fix.contains(want.as_str()))
        }) {
            problems.push(format!("no root finding's fix mentions {want:?}"));
        }
    }
    for unwanted in &expect.fixes_exclude {
        for f in &root_findings {
            let fix = f["fix"].as_str().unwrap_or("");
            if fix.contains(unwanted.as_str()) {
                problems.push(format!(
                    "a root finding's fix says {unwanted:?}, which the build already does: {fix}"
                ));
            }
        }
    }
    problems.extend(build_input_problems(expect, &report["build_inputs"]));
    for f in &root_findings {
        let cause = f["cause"].as_str().unwrap_or("");
        let needs_fix = [
            "embedded-path",
            "build-id",
            "buildinfo",
            "ldflags-x",
            "toolchain",
            "cgo",
        ];
        if needs_fix.contains(&cause) && f["fix"].as_str().is_none_or(str::is_empty) {
            problems.push(format!("root finding {} ({cause}) has no fix", f["id"]));
        }
    }
    let finding_bytes: u64 = report["findings"]
        .as_array()
        .map_or(0, |fs| fs.iter().filter_map(|f| f["bytes"].as_u64()).sum());
    let section_bytes: u64 = report["sections"].as_array().map_or(0, |ss| {
        ss.iter()
            .filter_map(|x| x["differing_bytes"].as_u64())
            .sum()
    });
    if Some(finding_bytes) != report["summary"]["differing_bytes"].as_u64()
        || Some(section_bytes) != report["summary"]["differing_bytes"].as_u64()
    {
        problems.push(format!(
            "byte accounting: findings {finding_bytes}, sections {section_bytes}, summary {}",
            report["summary"]["differing_bytes"]
        ));
    }
    let expected: BTreeSet<String> = expect.root_causes.iter().cloned().collect();
    if (expect.exact_root_causes || reproducible) && *roots != expected {
        let extra: Vec<_> = roots.difference(&expected).collect();
        if !extra.is_empty() {
            problems.push(format!("unexpected root causes {extra:?}"));
        }
    }

    let summary = &report["summary"];
    let Some(differing) = summary["differing_bytes"].as_u64() else {
        problems.push(format!(
            "summary.differing_bytes missing or not a count: {}",
            summary["differing_bytes"]
        ));
        return problems;
    };
    let Some(by_cause) = summary["by_cause"].as_object() else {
        problems.push("summary.by_cause missing or not an object".to_string());
        return problems;
    };
    let mut sum: u64 = 0;
    for (cause, n) in by_cause {
        match n.as_u64() {
            Some(n) => sum += n,
            None => problems.push(format!("summary.by_cause.{cause} is not a count: {n}")),
        }
    }
    if sum != differing {
        problems.push(format!(
            "summary.by_cause sums to {sum} bytes but summary.differing_bytes is {differing}"
        ));
    }
    if reproducible && differing != 0 {
        problems.push(format!(
            "{differing} differing bytes in a reproducible result"
        ));
    }
    if !reproducible && differing == 0 {
        problems.push("no differing bytes in a differing result".to_string());
    }
    // Consequences must be proven, not guessed (issue 11).
    let (mut consequences, mut proven) = (0u64, 0u64);
    for f in report["findings"].as_array().into_iter().flatten() {
        if f["root"].is_null() {
            continue;
        }
        consequences += f["bytes"].as_u64().unwrap_or(0);
        if let Some(by) = f["proven_by"].as_object() {
            proven += by.values().filter_map(Value::as_u64).sum::<u64>();
        }
    }
    if consequences > 0 && (proven as f64) < expect.min_proven_percent / 100.0 * consequences as f64
    {
        problems.push(format!(
            "{proven} of {consequences} consequence bytes proven ({:.2}%), at least {}% expected",
            100.0 * proven as f64 / consequences as f64,
            expect.min_proven_percent
        ));
    }
    let unattributed = by_cause
        .get("unattributed")
        .and_then(Value::as_u64)
        .unwrap_or(0);
    let allowed = expect.max_unattributed_percent / 100.0 * differing as f64;
    if unattributed as f64 > allowed {
        problems.push(format!(
            "{unattributed} unattributed bytes ({:.2}% of {differing}), at most {}% allowed",
            100.0 * unattributed as f64 / differing.max(1) as f64,
            expect.max_unattributed_percent
        ));
    }
    problems
}

/// Guards the README's scenario table: every scenario is listed (regenerate
/// it with scripts/scenario-table).
#[test]
fn readme_lists_every_scenario() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).expect("read README.md");
    for name in scenario_names(&root.join("scenarios")) {
        assert!(
            readme.contains(&format!("| `{name}` |")),
            "README.md does not list scenario {name}; run scripts/scenario-table"
        );
    }
}

/// What the expected build inputs and nondeterministic actions miss in
/// the report's `build_inputs`.
fn build_input_problems(expect: &Expect, inputs: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let empty = Vec::new();
    let diffs = inputs["input_differences"].as_array().unwrap_or(&empty);
    for want in &expect.input_differences {
        let mut parts = want.splitn(3, ": ");
        let (cause, action, text) = (
            parts.next().unwrap_or(""),
            parts.next().unwrap_or(""),
            parts.next().unwrap_or(""),
        );
        let found = diffs.iter().any(|d| {
            let name = format!(
                "{} {}",
                d["mode"].as_str().unwrap_or(""),
                d["package"].as_str().unwrap_or("")
            );
            d["cause"].as_str() == Some(cause)
                && name == action
                && d["lines"].as_array().is_some_and(|ls| {
                    ls.iter().any(|l| {
                        [&l["lhs"], &l["rhs"]]
                            .iter()
                            .any(|s| s.as_str().is_some_and(|s| s.contains(text)))
                    })
                })
        });
        if !found {
            let seen: Vec<String> = diffs
                .iter()
                .take(8)
                .map(|d| {
                    format!(
                        "{} {} {} {}",
                        d["cause"], d["mode"], d["package"], d["lines"]
                    )
                })
                .collect();
            problems.push(format!(
                "no input difference {want:?} among {} (first: {seen:#?}; notes {})",
                diffs.len(),
                inputs["notes"]
            ));
        }
    }
    let actions = inputs["nondeterministic_actions"]
        .as_array()
        .unwrap_or(&empty);
    for want in &expect.nondeterministic_actions {
        let found = actions.iter().any(|a| {
            format!(
                "{} {}",
                a["mode"].as_str().unwrap_or(""),
                a["package"].as_str().unwrap_or("")
            ) == *want
        });
        if !found {
            problems.push(format!(
                "no nondeterministic action {want:?} among {actions:?}"
            ));
        }
    }
    problems
}
