//! Every output format, rendered from real reports: the committed fixtures
//! run through the library pipeline (parse, diff, attribute, report), for a
//! reproducible pair (`release` vs itself) and a non-reproducible one
//! (`plain-a` vs `plain-b`, which differ by build path), plus the same
//! report with hostile names planted where a binary's strings end up.
//!
//! What is checked: the JSON validates against docs/report.schema.json and
//! every field is documented in docs/json.md; the cause list, the schema and
//! docs/causes.md agree; the Markdown stays under its cap, renders (GFM, as
//! GitHub does) without injected markup and without broken tables; the HTML
//! loads nothing from outside and shows hostile names as text; the
//! attestation's subjects are the files' sha256; a JSON report reads back
//! (`Report::from_json`) and renders to the same bytes in every format.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

use serde_json::Value;
use sha2::{Digest, Sha256};
use twinbuild::attribute::{attribute, Cause, Excerpt};
use twinbuild::binary::Binary;
use twinbuild::diff::{diff, Compared, Status};
use twinbuild::harness::{BuildRecord, Side, ToolchainInfo, VariationHints};
use twinbuild::report::{
    attest, html, markdown, Artifact, Confirmation, Context, OutputFormat, RenderOptions, Report,
    SectionRow, Verdict,
};

// ---------------------------------------------------------------- fixtures

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/linux-amd64")
        .join(name)
}

fn doc(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("docs")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The real pipeline on two fixture files, as `twinbuild diff` runs it.
fn report(lhs: &str, rhs: &str) -> Report {
    pipeline(&fixture(lhs), &fixture(rhs), Vec::new())
}

/// The pipeline on any two files, with `--allow` causes.
fn pipeline(lp: &Path, rp: &Path, allowances: Vec<Cause>) -> Report {
    let (ld, rd) = (std::fs::read(lp).unwrap(), std::fs::read(rp).unwrap());
    let (l, r) = (Binary::parse(&ld).unwrap(), Binary::parse(&rd).unwrap());
    let d = diff(&l, &r);
    let attribution = attribute(&l, &r, &d, &VariationHints::default());
    let context = Context {
        command: "diff".into(),
        allowances,
        ..Default::default()
    };
    Report::new(
        Artifact::new(&lp.display().to_string(), &l),
        Artifact::new(&rp.display().to_string(), &r),
        &d,
        attribution,
        context,
    )
}

/// `release` against itself: byte-identical. Computed once per test binary.
fn reproducible() -> Report {
    static REPORT: OnceLock<Report> = OnceLock::new();
    let r = REPORT.get_or_init(|| report("release", "release")).clone();
    assert_eq!(r.verdict, Verdict::Reproducible);
    r
}

/// `plain-a` against `plain-b`: built in different directories without
/// `-trimpath`, so paths, build IDs and layout differ.
fn differs() -> Report {
    static REPORT: OnceLock<Report> = OnceLock::new();
    let r = REPORT.get_or_init(|| report("plain-a", "plain-b")).clone();
    assert_eq!(r.verdict, Verdict::Differs);
    assert!(
        r.findings.iter().any(|f| f.root.is_some()),
        "the fixture pair should have layout shifts"
    );
    r
}

fn sha256_file(path: &Path) -> String {
    let digest = Sha256::digest(std::fs::read(path).unwrap());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// What `verify` adds: the toolchain and two build records.
fn with_builds(mut r: Report, command_extra: &str, env_extra: &str) -> Report {
    r.command = "verify".into();
    r.toolchain = Some(ToolchainInfo {
        version: "go1.26.8".into(),
        source: "go.mod".into(),
        pinned: true,
    });
    r.builds = [Side::Lhs, Side::Rhs]
        .into_iter()
        .map(|side| BuildRecord {
            side,
            workdir: PathBuf::from(format!("/tmp/twinbuild-x/{}/src", side.name())),
            artifact: PathBuf::from(format!("/tmp/twinbuild-x/{}/out/hello", side.name())),
            command: vec![
                "go".into(),
                "build".into(),
                "-trimpath".into(),
                command_extra.into(),
                ".".into(),
            ],
            env: BTreeMap::from([
                ("CGO_ENABLED".into(), "0".into()),
                (
                    "HOME".into(),
                    format!("/tmp/twinbuild-x/{}/home", side.name()),
                ),
                ("EXTRA".into(), env_extra.into()),
            ]),
            go_version: "go version go1.26.8 linux/amd64".into(),
            go_env: BTreeMap::from([
                ("GOARCH".into(), "amd64".into()),
                ("GOOS".into(), "linux".into()),
                ("GOAMD64".into(), "v1".into()),
            ]),
            duration: Duration::from_millis(1234),
            inputs: None,
        })
        .collect();
    r
}

// Hostile strings, as a binary could contain them. The scripts would change
// the page title if they ever ran.
const SCRIPT: &str = "<script>document.title='pwned'</script>";
const IMG: &str = "<img src=x onerror=\"document.title='pwned'\">";
const PIPE: &str = "a|b||c";
const MD: &str = "`tick` *em* _u_ ~~s~~ [link](javascript:alert(1)) ![i](https://evil.example/x.png) $x$ # h www.evil.example a@evil.example mailto:x@y.z";
const NEWLINE: &str = "first\n| injected | row |\n\n# heading";
const CONTROL: &str = "\u{1b}[31mred\u{202e}txet\u{0}";

fn excerpt_of(bytes: &[u8]) -> Excerpt {
    Excerpt {
        offset: 0x40,
        highlight_start: 2,
        highlight_len: 5,
        hex: bytes.iter().map(|b| format!("{b:02x}")).collect(),
        text: bytes
            .iter()
            .map(|&b| {
                if (0x20..0x7f).contains(&b) {
                    b as char
                } else {
                    '.'
                }
            })
            .collect(),
    }
}

/// The non-reproducible report with hostile names wherever a binary's
/// strings reach the output: section and symbol names, titles, details,
/// excerpt text, variations, fixes, notes, build commands.
fn hostile() -> Report {
    let mut r = with_builds(differs(), SCRIPT, NEWLINE);
    r.sections.insert(
        0,
        SectionRow {
            name: SCRIPT.into(),
            status: Status::Differs,
            lhs_size: 1,
            rhs_size: 2,
            differing_bytes: 2,
            compared: Compared::Raw,
            warning: Some(IMG.into()),
        },
    );
    r.sections.insert(
        1,
        SectionRow {
            name: PIPE.into(),
            status: Status::OnlyLhs,
            lhs_size: 3,
            rhs_size: 0,
            differing_bytes: 3,
            compared: Compared::Raw,
            warning: None,
        },
    );
    r.sections.insert(
        2,
        SectionRow {
            name: NEWLINE.into(),
            status: Status::Differs,
            lhs_size: 3,
            rhs_size: 3,
            differing_bytes: 1,
            compared: Compared::Raw,
            warning: Some(MD.into()),
        },
    );
    r.sections.insert(
        3,
        SectionRow {
            name: CONTROL.into(),
            status: Status::Differs,
            lhs_size: 3,
            rhs_size: 3,
            differing_bytes: 1,
            compared: Compared::Raw,
            warning: None,
        },
    );
    r.sections.insert(
        4,
        SectionRow {
            name: IMG.into(),
            status: Status::OnlyRhs,
            lhs_size: 0,
            rhs_size: 3,
            differing_bytes: 3,
            compared: Compared::Raw,
            warning: None,
        },
    );
    for (i, f) in r.findings.iter_mut().enumerate() {
        f.title = format!(
            "{} {} {}",
            [SCRIPT, IMG, PIPE, MD, NEWLINE, CONTROL][i % 6],
            f.title,
            SCRIPT
        );
        f.section = [SCRIPT, PIPE, NEWLINE, IMG, MD, CONTROL][i % 6].into();
        f.variation = Some(IMG.into());
        f.fix = Some(format!("{MD} {SCRIPT}"));
        for l in &mut f.locations {
            l.section = SCRIPT.into();
            l.symbol = Some(format!("{PIPE}{MD}"));
            l.detail = Some(format!("{NEWLINE}{IMG}"));
        }
        f.lhs_excerpt = Some(excerpt_of(SCRIPT.as_bytes()));
        f.rhs_excerpt = Some(excerpt_of(b"\x00<img src=x>|`*_\n\xff"));
    }
    r.notes.push(format!("{SCRIPT}{NEWLINE}{PIPE}"));
    r.lhs.path = format!("/tmp/{SCRIPT}/{PIPE}");
    r
}

/// A report far bigger than any summary: thousands of findings and sections
/// with long hostile names.
fn huge() -> Report {
    let mut r = hostile();
    let long = format!("{SCRIPT}{PIPE}").repeat(40);
    let template = r.findings[0].clone();
    for i in 0..3000 {
        let mut f = template.clone();
        f.id = r.findings.len() + 1;
        f.title = format!("{long} {i}");
        f.root = if i % 2 == 0 { None } else { Some(1) };
        r.findings.push(f);
    }
    for i in 0..2000 {
        r.sections.push(SectionRow {
            name: format!("{long}{i}"),
            status: Status::Differs,
            lhs_size: 10,
            rhs_size: 10,
            differing_bytes: 1,
            compared: Compared::Raw,
            warning: Some(long.clone()),
        });
    }
    for _ in 0..50 {
        r.notes.push(long.clone());
    }
    r
}

fn all_reports() -> Vec<(&'static str, Report)> {
    vec![
        ("reproducible", reproducible()),
        ("differs", differs()),
        (
            "verify-differs",
            with_builds(differs(), "-ldflags=-buildid=", "x"),
        ),
        (
            "verify-reproducible",
            with_builds(reproducible(), "-ldflags=-buildid=", "x"),
        ),
        ("hostile", hostile()),
        ("verify-confirm", confirmed()),
        ("verify-inputs", with_inputs()),
        ("verify-inputs-hostile", with_hostile_inputs()),
    ]
}

/// `verify` whose two builds recorded their hash inputs and action graphs
/// (the go command's own records of two builds in different workdirs).
fn with_inputs() -> Report {
    let mut r = with_builds(differs(), "-ldflags=-buildid=", "x");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/actions");
    let side = |s: &str| {
        twinbuild::actions::SideLog::read(
            Some(&dir.join(format!("workdir-{s}.hash.log"))),
            Some(&dir.join(format!("workdir-{s}.graph.json"))),
        )
    };
    let inputs = twinbuild::actions::compare(&side("lhs"), &side("rhs"));
    assert!(!inputs.input_differences.is_empty() && inputs.timings.lhs.actions > 0);
    r.build_inputs = Some(inputs);
    r
}

/// [`with_inputs`] with what a hostile build could make the go command
/// record: a hashed file name and a package path holding markup, and a
/// nondeterministic action.
fn with_hostile_inputs() -> Report {
    use twinbuild::actions::{InputDifference, LinePair, NondeterministicAction};
    let mut r = with_inputs();
    let b = r.build_inputs.as_mut().unwrap();
    b.input_differences.push(InputDifference {
        mode: "build".into(),
        package: "example.com/<b>&co".into(),
        lines: vec![LinePair {
            lhs: Some("file <script>.go 1f2e".into()),
            rhs: Some(format!("file {SCRIPT}.go 3d4c")),
        }],
        dependency_lines: 7,
        cause: None,
    });
    b.nondeterministic_actions.push(NondeterministicAction {
        mode: "build".into(),
        package: "example.com/<nd>".into(),
        action_id: "axzfRxz14OpkT9_w3wLb".into(),
        lhs_output_id: "zhFBt75lJwMxSM7oDtJr".into(),
        rhs_output_id: "qvO6Z9VjFjx3NPQUuPaI".into(),
        tool: Some("perturb.sh".into()),
    });
    b.notes.push(format!("lhs: {IMG}"));
    r
}

/// `verify --confirm` on the differing pair: the workdir root confirmed
/// (the "rebuild" is the lhs itself), refuted (the rhs again) and not run.
fn confirmed() -> Report {
    let mut r = with_builds(differs(), "-ldflags=-buildid=", "x");
    let roots: Vec<_> = r.roots().cloned().collect();
    let (first, others) = (vec![&roots[0]], roots[1..].iter().collect::<Vec<_>>());
    let confirmations = vec![
        Confirmation::judge("workdir", &first, &others, &report("plain-a", "plain-a")),
        Confirmation::judge("HOME", &first, &others, &differs()),
        Confirmation::not_run(
            "SOURCE_DATE_EPOCH",
            &first,
            "a variation you asked for".into(),
        ),
    ];
    r.add_confirmations(confirmations);
    r
}

// ---------------------------------------------------------------- JSON

fn schema() -> Value {
    serde_json::from_str(&doc("report.schema.json")).expect("docs/report.schema.json is JSON")
}

fn json(r: &Report) -> Value {
    serde_json::from_str(&r.render(OutputFormat::Json, false)).expect("the JSON report parses")
}

#[test]
fn schema_is_a_valid_draft_2020_12_schema() {
    let s = schema();
    assert_eq!(s["$schema"], "https://json-schema.org/draft/2020-12/schema");
    jsonschema::meta::validate(&s).expect("report.schema.json is a valid JSON Schema");
}

#[test]
fn json_reports_validate_against_the_schema() {
    let validator = jsonschema::draft202012::new(&schema()).expect("the schema compiles");
    for (name, r) in all_reports() {
        let v = json(&r);
        let errors: Vec<String> = validator
            .iter_errors(&v)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "{name}: the JSON report does not match docs/report.schema.json:\n{}",
            errors.join("\n")
        );
    }
}

#[test]
fn schema_rejects_what_it_should() {
    // Guards the schema against being vacuous: a wrong verdict, an unknown
    // cause, an undocumented field each fail.
    let validator = jsonschema::draft202012::new(&schema()).unwrap();
    let good = json(&differs());
    assert!(validator.is_valid(&good));
    let mut bad = good.clone();
    bad["verdict"] = "maybe".into();
    assert!(!validator.is_valid(&bad));
    let mut bad = good.clone();
    bad["findings"][0]["cause"] = "gremlins".into();
    assert!(!validator.is_valid(&bad));
    let mut bad = good.clone();
    bad["summary"]["undocumented"] = 1.into();
    assert!(!validator.is_valid(&bad));
    let mut bad = good;
    bad["lhs"]["sha256"] = "not-hex".into();
    assert!(!validator.is_valid(&bad));
}

/// Every key of every object in `v`, except the keys of free-form maps.
fn keys(v: &Value, out: &mut std::collections::BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                out.insert(k.clone());
                if !matches!(k.as_str(), "by_cause" | "env" | "go_env") {
                    keys(child, out);
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|c| keys(c, out)),
        _ => {}
    }
}

#[test]
fn json_md_documents_every_field() {
    let md = doc("json.md");
    let mut all = std::collections::BTreeSet::new();
    for (_, r) in all_reports() {
        keys(&json(&r), &mut all);
    }
    let missing: Vec<&String> = all
        .iter()
        .filter(|k| !md.contains(&format!("`{k}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/json.md does not document {missing:?}"
    );
    for heading in [
        "## Report",
        "## Artifact",
        "## SectionRow",
        "## Summary",
        "## Finding",
        "## Location",
        "## Excerpt",
        "## BuildRecord",
        "## ToolchainInfo",
        "## Confirmation",
    ] {
        assert!(
            md.contains(heading),
            "docs/json.md has no {heading:?} section"
        );
    }
}

#[test]
fn causes_doc_lists_every_cause_code() {
    // Keeps Cause::ALL, docs/causes.md and the schema's cause list in step
    // (cargo-deny does the same for its diagnostic codes): a new cause
    // cannot ship undocumented, and a removed one leaves no stale heading.
    let codes: Vec<&str> = Cause::ALL.iter().map(|c| c.code()).collect();
    let md = doc("causes.md");
    let headings: Vec<&str> = md
        .lines()
        .filter_map(|l| l.strip_prefix("## "))
        .map(str::trim)
        .collect();
    assert_eq!(
        headings, codes,
        "docs/causes.md must have one `## <code>` heading per Cause, in Cause::ALL order"
    );
    for code in &codes {
        let section = md
            .split(&format!("## {code}\n"))
            .nth(1)
            .unwrap()
            .split("\n## ")
            .next()
            .unwrap();
        for part in ["**What it means.**", "**Example.**", "**Fix.**"] {
            assert!(
                section.contains(part),
                "docs/causes.md: {code} has no {part}"
            );
        }
    }
    let schema_codes: Vec<String> = schema()["$defs"]["Cause"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        schema_codes, codes,
        "report.schema.json's Cause enum must match Cause::ALL"
    );
    for c in Cause::ALL {
        assert_eq!(Cause::from_code(c.code()), Some(c));
    }
}

// ---------------------------------------------------------------- reading back

/// The fixture `name` of another target than linux/amd64.
fn fixture_of(target: &str, name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(target)
        .join(name)
}

/// [`with_inputs`] with what no other report has: durations that are not
/// whole milliseconds (0.3504 s shows as 0.4 s, its 350 ms as 0.3 s: the
/// view must show what the JSON keeps) and a finding with differing
/// instructions.
fn with_everything() -> Report {
    use twinbuild::attribute::prove::InstructionDiff;
    let mut r = with_inputs();
    r.builds[0].duration = Duration::new(1, 150_400_000);
    r.builds[1].duration = Duration::new(0, 350_400_000);
    let f = r
        .findings
        .iter_mut()
        .find(|f| f.root.is_none())
        .expect("a root");
    f.instructions = vec![
        InstructionDiff {
            symbol: "main.main".into(),
            lhs_address: 0x47_1000,
            rhs_address: 0x47_1040,
            lhs: "mov rax, qword ptr [rip+0x1234]".into(),
            rhs: "lea rbx, [rip+0x1240]".into(),
        },
        InstructionDiff {
            symbol: "main.main".into(),
            lhs_address: 0x47_1007,
            rhs_address: 0x47_1047,
            lhs: String::new(),
            rhs: "nop".into(),
        },
    ];
    r.allowances = vec![Cause::EmbeddedPath, Cause::BuildId];
    r
}

/// Real reports of every kind, for reading back: [`all_reports`], pairs
/// with other causes, formats and statuses (sections on one side only,
/// another architecture, PE and Mach-O), an allowance that passes the gate,
/// thousands of findings, and [`with_everything`].
fn reports_to_read_back() -> Vec<(&'static str, Report)> {
    let mut all = all_reports();
    all.extend([
        (
            "plain-vs-stamp",
            pipeline(
                &fixture("plain-a"),
                &fixture("stamp-b"),
                vec![Cause::LdflagsX],
            ),
        ),
        (
            "stamp-allowed",
            pipeline(
                &fixture("stamp-a"),
                &fixture("stamp-b"),
                vec![Cause::LdflagsX],
            ),
        ),
        (
            "stripped-vs-plain",
            pipeline(&fixture("stripped-a"), &fixture("plain-b"), Vec::new()),
        ),
        (
            "amd64-vs-arm64",
            pipeline(
                &fixture("release"),
                &fixture_of("linux-arm64", "release"),
                Vec::new(),
            ),
        ),
        (
            "pe",
            pipeline(
                &fixture_of("windows-amd64", "plain-a"),
                &fixture_of("windows-amd64", "plain-b"),
                Vec::new(),
            ),
        ),
        (
            "mach-o",
            pipeline(
                &fixture_of("darwin-arm64", "plain-a"),
                &fixture_of("darwin-arm64", "plain-b"),
                Vec::new(),
            ),
        ),
        ("huge", huge()),
        ("everything", with_everything()),
    ]);
    all
}

/// Every way a report renders: each format, and the human one with every
/// combination of its options.
fn renderings(r: &Report) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for color in [false, true] {
        for verbose in [false, true] {
            for timings in [false, true] {
                let options = RenderOptions {
                    color,
                    verbose,
                    timings,
                };
                out.push((
                    format!("{options:?}"),
                    r.render_with(OutputFormat::Human, options),
                ));
            }
        }
    }
    for format in [
        OutputFormat::Json,
        OutputFormat::Markdown,
        OutputFormat::Html,
    ] {
        out.push((format!("{format:?}"), r.render(format, false)));
    }
    out
}

/// Panics at the first line where `got` differs from `want`.
fn assert_same_text(what: &str, want: &str, got: &str) {
    if want == got {
        return;
    }
    let (w, g): (Vec<&str>, Vec<&str>) = (want.lines().collect(), got.lines().collect());
    let at = (0..w.len().max(g.len()))
        .find(|&i| w.get(i) != g.get(i))
        .unwrap_or(w.len());
    panic!(
        "{what} differs at line {}:\n  written: {:?}\n  read back: {:?}",
        at + 1,
        w.get(at),
        g.get(at)
    );
}

/// Property names of every object the schema describes.
fn schema_fields(v: &Value, out: &mut std::collections::BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            if let Some(Value::Object(props)) = m.get("properties") {
                out.extend(props.keys().cloned());
            }
            m.values().for_each(|c| schema_fields(c, out));
        }
        Value::Array(a) => a.iter().for_each(|c| schema_fields(c, out)),
        _ => {}
    }
}

#[test]
fn a_json_report_reads_back_and_renders_the_same_bytes_in_every_format() {
    // What `merge` relies on: a report read back from its JSON renders, in
    // every format and with every option, to exactly what the report did.
    // A field the reading loses (a missing `#[serde(default)]`, a skipped
    // field, a rounded number) changes at least the JSON.
    let mut seen = std::collections::BTreeSet::new();
    for (name, r) in reports_to_read_back() {
        let text = r.render(OutputFormat::Json, false);
        keys(&json(&r), &mut seen);
        let back = Report::from_json(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        for ((what, want), (_, got)) in renderings(&r).iter().zip(renderings(&back)) {
            assert_same_text(&format!("{name}, {what}"), want, &got);
        }
    }
    // Every field the schema has is in some report above, so none goes
    // unread: a new field needs a report here that has it.
    let mut fields = std::collections::BTreeSet::new();
    schema_fields(&schema(), &mut fields);
    let unexercised: Vec<&String> = fields.difference(&seen).collect();
    assert!(
        unexercised.is_empty(),
        "no report read back here has {unexercised:?}"
    );
}

#[test]
fn build_durations_show_as_the_json_has_them() {
    // Regression test: the human report showed a build's duration from its
    // nanoseconds (0.3504 s as "0.4s") and the JSON keeps whole milliseconds
    // (350, "0.3s" read back), so a report read back rendered differently.
    let r = with_everything();
    assert_eq!(json(&r)["builds"][1]["duration_ms"], 350);
    let human = r.render_with(
        OutputFormat::Human,
        RenderOptions {
            verbose: true,
            ..RenderOptions::default()
        },
    );
    assert!(human.contains("0.3s") && !human.contains("0.4s"), "{human}");
}

/// The message of `Report::from_json`'s error on `text`.
fn read_error(text: &str) -> String {
    match Report::from_json(text) {
        Ok(_) => panic!("read as a report: {text:.200}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn from_json_refuses_another_schema_version() {
    let mut v = json(&differs());
    v["schema_version"] = 2.into();
    assert_eq!(
        read_error(&v.to_string()),
        "schema_version 2, this twinbuild reads 1"
    );
    // Refused before the fields are read: another version's may differ.
    assert_eq!(
        read_error(r#"{"schema_version": 7, "verdict": "maybe"}"#),
        "schema_version 7, this twinbuild reads 1"
    );
    assert_eq!(
        read_error(r#"{"schema_version": "1"}"#),
        r#"schema_version "1", this twinbuild reads 1"#
    );
}

#[test]
fn from_json_refuses_what_is_not_a_report() {
    assert_eq!(
        read_error("[1, 2]"),
        "not a twinbuild JSON report: the top level is an array, not an object"
    );
    assert_eq!(
        read_error("null"),
        "not a twinbuild JSON report: the top level is null, not an object"
    );
    assert_eq!(
        read_error(r#"{"findings": []}"#),
        "not a twinbuild JSON report: no schema_version"
    );
    assert_eq!(
        read_error(""),
        "not a twinbuild JSON report: EOF while parsing a value at line 1 column 0"
    );
    assert_eq!(
        read_error("{\n  \"schema_version\": 1\n}"),
        "not a twinbuild JSON report: missing field `twinbuild_version` at line 3 column 1"
    );
    // A field of the wrong kind is named with its line and column.
    let mut v = json(&differs());
    v["findings"][0]["cause"] = "gremlins".into();
    let e = read_error(&serde_json::to_string_pretty(&v).unwrap());
    assert!(
        e.starts_with("not a twinbuild JSON report: unknown variant `gremlins`")
            && e.contains(" at line ")
            && e.contains(" column "),
        "{e}"
    );
}

#[test]
fn from_json_refuses_a_truncated_report_without_panicking() {
    let text = differs().render(OutputFormat::Json, false);
    let mut cuts: Vec<usize> = (0..text.len()).step_by(211).collect();
    cuts.push(text.len() - 2); // only the closing brace and newline missing
    for cut in cuts {
        let e = read_error(&text[..cut]);
        assert!(
            e.starts_with("not a twinbuild JSON report: ") && e.contains(" line "),
            "cut at {cut}: {e}"
        );
    }
}

#[test]
fn from_json_ignores_fields_it_does_not_know() {
    // Adding fields does not bump the schema version: a later twinbuild's
    // report of the same version is read, its new fields left out.
    let r = with_everything();
    let mut v = json(&r);
    v["later"] = "a field this version has not heard of".into();
    v["findings"][0]["later"] = 1.into();
    let back = Report::from_json(&v.to_string()).unwrap();
    assert_same_text(
        "json",
        &r.render(OutputFormat::Json, false),
        &back.render(OutputFormat::Json, false),
    );
}

// ---------------------------------------------------------------- Markdown

/// The Markdown as GitHub renders it: GFM with tables, strikethrough,
/// autolinks, and raw HTML passed through, so any markup that escaped the
/// escaping would show up here.
/// A reproducible `verify` result in the human format: the verdict, the
/// digests, the toolchain, the commands and the settings, no section table.
#[test]
fn human_reproducible_is_short_and_names_toolchain_and_settings() {
    let r = with_builds(reproducible(), "-ldflags=-buildid=", "x");
    let text = r.render(OutputFormat::Human, false);
    assert!(text.starts_with("reproducible: "), "{text}");
    assert!(
        text.contains("toolchain go1.26.8 (pinned by go.mod)"),
        "{text}"
    );
    assert!(
        text.contains("build 1.2s: go build -trimpath -ldflags=-buildid= ."),
        "{text}"
    );
    assert!(
        text.contains("\n  settings GOAMD64=v1 GOARCH=amd64 GOOS=linux\n"),
        "{text}"
    );
    assert!(
        !text.contains("Sections") && !text.contains(" same  "),
        "{text}"
    );
    assert!(text.lines().count() <= 8, "{text}");
    let verbose = r.render_with(
        OutputFormat::Human,
        RenderOptions {
            verbose: true,
            ..RenderOptions::default()
        },
    );
    assert!(
        verbose.contains("Sections") && verbose.contains(" same  "),
        "{verbose}"
    );

    // Sides with different settings get a line each.
    let mut r = r;
    r.builds[1].go_env.insert("GOAMD64".into(), "v3".into());
    let text = r.render(OutputFormat::Human, false);
    assert!(
        text.contains("  lhs settings GOAMD64=v1 GOARCH=amd64 GOOS=linux\n"),
        "{text}"
    );
    assert!(
        text.contains("  rhs settings GOAMD64=v3 GOARCH=amd64 GOOS=linux\n"),
        "{text}"
    );
}

fn gfm(md: &str) -> String {
    let mut o = comrak::Options::default();
    o.extension.table = true;
    o.extension.strikethrough = true;
    o.extension.autolink = true;
    o.render.r#unsafe = true;
    comrak::markdown_to_html(md, &o)
}

/// Cells in a GFM table row: `|`s not escaped with a backslash, minus the outer two.
fn cells(row: &str) -> usize {
    let b = row.as_bytes();
    let pipes = (0..b.len())
        .filter(|&i| b[i] == b'|' && (i == 0 || b[i - 1] != b'\\'))
        .count();
    pipes - 1
}

#[test]
fn markdown_says_the_verdict_the_digests_and_the_root_causes() {
    let r = reproducible();
    let md = markdown::render(&r);
    assert!(md.starts_with("## ✅ twinbuild: reproducible"), "{md}");
    assert!(md.contains(&r.lhs.sha256));
    assert!(!md.contains("Root causes"));

    let r = with_builds(differs(), "-ldflags=-buildid=", "x");
    let md = markdown::render(&r);
    assert!(md.starts_with("## ❌ twinbuild: not reproducible"), "{md}");
    assert!(md.contains(&r.lhs.sha256) && md.contains(&r.rhs.sha256));
    assert!(md.contains("`go1.26.8`, pinned by go.mod"));
    assert!(
        md.contains("| lhs | `go version go1.26.8 linux/amd64` | `linux/amd64` |"),
        "{md}"
    );
    for f in r.roots() {
        assert!(
            md.contains(&markdown::escape(&f.title)),
            "root finding {} missing",
            f.id
        );
        if let Some(fix) = &f.fix {
            assert!(md.contains(&format!("**Fix:** {}", markdown::escape(fix))));
        }
    }
    for cause in r.summary.by_cause.keys() {
        assert!(
            md.contains(&format!("| `{cause}` |")),
            "bytes by cause lacks {cause}"
        );
    }
    for s in r.sections.iter().filter(|s| s.status != Status::Same) {
        assert!(
            md.contains(&format!("| `{}` |", s.name)),
            "section table lacks {}",
            s.name
        );
    }
    assert!(!md.contains("Trimmed"), "a small report is not trimmed");
    assert_eq!(
        md,
        r.render(OutputFormat::Markdown, true),
        "--format markdown routes to the Markdown renderer"
    );
}

/// A CI step summary names unproven bytes under the verdict, as the
/// terminal and the page do: the reader of a failed gate sees them first.
#[test]
fn markdown_names_unproven_bytes_under_the_verdict() {
    let mut r = differs();
    let k = r
        .findings
        .iter()
        .position(|f| f.root.is_some())
        .expect("a consequence");
    r.findings[k].proven = Some(false);
    r.summary.unproven_bytes = r.findings[k].bytes;
    let (id, title) = (r.findings[k].id, r.findings[k].title.clone());
    let md = markdown::render(&r);
    let at = md.find("Unproven:").expect("an Unproven line");
    assert!(
        at < md.find("| side |").unwrap(),
        "under the verdict:\n{md}"
    );
    assert!(
        md.contains(&format!(
            "- [{id}] `layout-shift`: {}",
            markdown::escape(&title)
        )),
        "{md}"
    );
    // Nothing unproven: no such line.
    assert!(!markdown::render(&differs()).contains("Unproven:"));
}

#[test]
fn markdown_stays_under_the_cap_and_says_what_it_trimmed() {
    for (name, r) in all_reports() {
        assert!(markdown::render(&r).len() <= markdown::MAX_BYTES, "{name}");
    }
    let r = huge();
    let md = markdown::render(&r);
    assert!(md.len() <= markdown::MAX_BYTES, "{} bytes", md.len());
    assert!(md.len() <= 1024 * 1024, "GitHub's step summary limit");
    let trimmed = md
        .lines()
        .find(|l| l.contains("**Trimmed**"))
        .expect("a trimmed report says so");
    assert!(
        trimmed.contains(&format!("of {} findings", r.findings.len())),
        "{trimmed}"
    );
    assert!(trimmed.contains("differing sections"), "{trimmed}");
    assert!(md.contains("more notes in the JSON report"));
    // Still well-formed: the verdict and the findings block close.
    assert!(md.starts_with("## ❌"));
    assert_eq!(
        md.matches("<details>").count(),
        md.matches("</details>").count()
    );
}

#[test]
fn markdown_escapes_hostile_names() {
    for r in [hostile(), huge()] {
        let md = markdown::render(&r);
        let html = gfm(&md);
        for tag in [
            "<script",
            "<img",
            "<a ",
            "<h1",
            "<del",
            "<em>",
            "<strong>first",
            "<iframe",
            "<math",
            "href=",
        ] {
            assert!(
                !html.contains(tag),
                "rendered Markdown contains {tag:?}:\n{}",
                &html[html.find(tag).unwrap().saturating_sub(300)..]
            );
        }
        // Our own emphasis is the only <strong>; hostile text shows up as text.
        assert!(html.contains("&lt;script&gt;document.title="));
        // Tables keep their shape: every row has the header's number of cells.
        let mut columns = None;
        for line in md.lines() {
            if !line.starts_with('|') {
                columns = None;
                continue;
            }
            let n = cells(line);
            match columns {
                None => columns = Some(n),
                Some(c) => assert_eq!(n, c, "table row with a different number of cells: {line}"),
            }
        }
        // No hostile newline reached the output: the injected row text is on a table row or list line.
        assert!(
            !md.lines().any(|l| l.starts_with("| injected")),
            "a newline in a name started a table row"
        );
        assert!(
            !md.lines().any(|l| l.starts_with("# heading")),
            "a newline in a name started a heading"
        );
        assert!(!md.contains('\u{1b}') && !md.contains('\u{202e}') && !md.contains('\0'));
    }
}

#[test]
fn markdown_code_spans_and_escapes() {
    assert_eq!(markdown::code("a`b", false), "``a`b``");
    assert_eq!(markdown::code("`x", false), "`` `x ``");
    assert_eq!(markdown::code("a|b", true), "`a\\|b`");
    assert_eq!(markdown::code("a|b", false), "`a|b`");
    assert_eq!(markdown::code("a\nb", false), "`a\\u{a}b`");
    assert_eq!(
        markdown::escape("<b>*x*|_y_ [l](u)"),
        "&lt;b&gt;\\*x\\*\\|\\_y\\_ \\[l\\](u)"
    );
    let html = gfm(&format!(
        "| h |\n|---|\n| {} |\n",
        markdown::code("x|`|y", true)
    ));
    assert!(html.contains("<code>x|`|y</code>"), "{html}");
}

// ---------------------------------------------------------------- HTML

/// Is byte offset `at` inside a tag (between `<` and `>`)?
fn inside_tag(html: &str, at: usize) -> bool {
    let before = &html[..at];
    before
        .rfind('<')
        .is_some_and(|lt| before.rfind('>').is_none_or(|gt| lt > gt))
}

#[test]
fn html_is_self_contained() {
    for (name, r) in all_reports().into_iter().chain([("huge", huge())]) {
        let h = html::render(&r);
        assert!(h.starts_with("<!DOCTYPE html>"), "{name}");
        assert!(h.contains("<style>"), "{name}: inline CSS");
        for forbidden in [
            "<script",
            "<link",
            "<img",
            "<iframe",
            "<object",
            "<embed",
            "<base",
            "<form",
            "<meta http-equiv=\"refresh",
        ] {
            assert!(
                !h.contains(forbidden),
                "{name}: HTML contains {forbidden:?}"
            );
        }
        for attribute in [
            "src=",
            "srcset=",
            "action=",
            "formaction=",
            "poster=",
            "data=",
            "background=",
        ] {
            for (at, _) in h.match_indices(attribute) {
                assert!(
                    !inside_tag(&h, at),
                    "{name}: a tag has {attribute}: {}",
                    &h[at.saturating_sub(80)..at + 40]
                );
            }
        }
        let style = &h[h.find("<style>").unwrap()..h.find("</style>").unwrap()];
        assert!(
            !style.contains("url(") && !style.contains("@import"),
            "{name}: the stylesheet loads something"
        );
        for (at, _) in h.match_indices("style=\"") {
            let value = &h[at + 7..at + 7 + h[at + 7..].find('"').unwrap()];
            assert!(
                inside_tag(&h, at) && !value.contains("url("),
                "{name}: {value}"
            );
        }
        for (at, _) in h.match_indices("href=") {
            assert!(
                h[at..].starts_with("href=\"#"),
                "{name}: a link leaves the page: {}",
                &h[at..at + 60]
            );
        }
        for scheme in ["http://", "https://", "file://", "//"] {
            for (at, _) in h.match_indices(scheme) {
                assert!(
                    !inside_tag(&h, at),
                    "{name}: {scheme} inside a tag: {}",
                    &h[at.saturating_sub(80)..at + 40]
                );
            }
        }
        assert!(
            h.contains("Content-Security-Policy\" content=\"default-src 'none'"),
            "{name}"
        );
        assert_eq!(h, html::render(&r), "{name}: deterministic");
        assert_eq!(
            h,
            r.render(OutputFormat::Html, true),
            "--format html routes to the HTML renderer"
        );
    }
}

#[test]
fn html_shows_overview_root_causes_and_side_by_side_bytes() {
    let r = with_builds(differs(), "-ldflags=-buildid=", "x");
    let h = html::render(&r);
    assert!(h.contains("<h1>Not reproducible</h1>"));
    assert!(h.contains(&r.lhs.sha256) && h.contains(&r.rhs.sha256));
    assert!(h.contains("Toolchain <code>go1.26.8</code>, pinned by go.mod"));
    assert!(h.contains("<td>linux/amd64</td>"));
    for f in r.roots() {
        assert!(h.contains(&html::escape(&f.title)), "root {} title", f.id);
        assert!(h.contains(&format!("<article class=\"finding\" id=\"f{}\">", f.id)));
        if let Some(fix) = &f.fix {
            assert!(h.contains(&format!("<strong>Fix:</strong> {}", html::escape(fix))));
        }
    }
    // Both excerpts side by side, the differing bytes marked with the cause.
    let first = r.roots().next().unwrap();
    let article = &h[h.find(&format!("id=\"f{}\"", first.id)).unwrap()..];
    let article = &article[..article.find("</article>").unwrap()];
    assert!(article.contains("<div class=\"sides\">"));
    assert!(article.contains("<figcaption>lhs") && article.contains("<figcaption>rhs"));
    let mark = format!("<mark class=\"c-{0}\" title=\"{0}\">", first.cause.code());
    assert!(
        article.matches(&mark).count() >= 2,
        "highlights on both sides, hex and text: {article}"
    );

    let h = html::render(&reproducible());
    assert!(h.contains("<h1>Reproducible</h1>"));
    assert!(!h.contains("Root causes"));
}

#[test]
fn html_folds_layout_shifts_under_their_root() {
    let r = differs();
    let h = html::render(&r);
    for f in r.findings.iter().filter(|f| f.root.is_some()) {
        let root = f.root.unwrap();
        let root_at = h.find(&format!("id=\"f{root}\"")).unwrap();
        let fold_at = root_at + h[root_at..].find("<details class=\"shifts\">").unwrap();
        let fold_end = fold_at + h[fold_at..].find("</details>").unwrap();
        let child_at = h.find(&format!("id=\"f{}\"", f.id)).unwrap();
        assert!(
            fold_at < child_at && child_at < fold_end,
            "layout shift [{}] is not folded under root [{root}]",
            f.id
        );
        assert!(h[child_at..].contains(&format!("follows from <a href=\"#f{root}\">[{root}]</a>")));
    }
}

#[test]
fn html_escapes_hostile_names() {
    let h = html::render(&hostile());
    assert!(
        !h.contains("<script") && !h.contains("<img"),
        "raw markup from the binary"
    );
    assert!(h.contains("&lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt;"));
    assert!(h.contains("&lt;img src=x onerror=&quot;document.title=&#39;pwned&#39;&quot;&gt;"));
    assert!(!h.contains('\u{1b}') && !h.contains('\u{202e}') && !h.contains('\0'));
    assert!(h.contains("\\u{202e}"), "bidi override shown, not applied");
    assert_eq!(html::escape("a\"b'c&d<e>"), "a&quot;b&#39;c&amp;d&lt;e&gt;");
    // The title holds the file names: escaped too.
    let title = &h[h.find("<title>").unwrap()..h.find("</title>").unwrap()];
    assert!(!title[7..].contains('<'), "{title}");
}

/// The `#build-inputs` section of a page (empty when there is none).
fn inputs_section(h: &str) -> &str {
    let Some(start) = h.find("<h2 id=\"build-inputs\">") else {
        return "";
    };
    let end = h[start + 1..]
        .find("<h2 ")
        .map_or(h.len(), |e| start + 1 + e);
    &h[start..end]
}

#[test]
fn html_shows_build_inputs_by_cause_escaped() {
    let r = with_hostile_inputs();
    let b = r.build_inputs.as_ref().unwrap();
    let h = html::render(&r);
    let s = inputs_section(&h);
    assert!(!s.is_empty(), "no build inputs section");
    // Between the causal checks and the bytes by cause, as in the other formats.
    assert!(h.find("id=\"root-causes\"") < h.find("id=\"build-inputs\""));
    assert!(h.find("id=\"build-inputs\"") < h.find("id=\"by-cause\""));
    // A known input difference of the fixture builds: the workdir, both sides.
    assert!(s.contains("<span class=\"cause c-embedded-path\">embedded-path</span>"));
    assert!(s.contains("<code class=\"wrap\">build example.com/multipkg</code>"));
    assert!(s.contains("<td class=\"wrap\"><code>dir /tmp/tbact/a/src</code></td><td class=\"wrap\"><code>dir /tmp/tbact/bb/deeper/source</code></td>"));
    // Every input difference is there (the fixture has fewer than the limit).
    for d in &b.input_differences {
        let action = html::escape(&format!("{} {}", d.mode, d.package));
        assert!(s.contains(&format!(">{action}</code>")), "{action}");
    }
    // The hostile one, escaped, under `other`, with its dependency lines.
    assert!(s.contains("<td class=\"wrap\"><code>file &lt;script&gt;.go 1f2e</code></td>"));
    assert!(s.contains("file &lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt;.go 3d4c"));
    assert!(s.contains(
        "example.com/&lt;b&gt;&amp;co</code><br><span class=\"muted\">and 7 dependency lines"
    ));
    assert!(!s.contains("<script") && !s.contains("<b>") && !s.contains("<img"));
    // The nondeterministic action: mode, package, tool, action ID, both outputs.
    assert!(s.contains("<h3 class=\"bad\">Nondeterministic actions</h3>"));
    assert!(s.contains("<tr><td class=\"wrap\"><code>build example.com/&lt;nd&gt;</code></td><td><code>perturb.sh</code></td><td class=\"digest\">axzfRxz14OpkT9_w3wLb</td><td class=\"digest\">zhFBt75lJwMxSM7oDtJr</td><td class=\"digest\">qvO6Z9VjFjx3NPQUuPaI</td></tr>"));
    // Each side's timings and slowest actions; the notes.
    for (side, t) in [("lhs", &b.timings.lhs), ("rhs", &b.timings.rhs)] {
        let wall = format!("{:.1} s", t.wall_ms as f64 / 1000.0);
        assert!(
            s.contains(&format!(
                "<tr><td>{side}</td><td class=\"num\">{wall}</td><td class=\"num\">{}</td>",
                t.actions
            )),
            "{side} timings"
        );
        let slow = &t.slowest[0];
        assert!(s.contains(&format!(
            "<code>{} {}</code>",
            slow.mode,
            html::escape(&slow.package)
        )));
    }
    assert!(s.contains("<li>note: lhs: &lt;img src=x"));
    // Without build inputs, or with empty ones, no section.
    let mut r = with_builds(differs(), "-ldflags=-buildid=", "x");
    assert_eq!(inputs_section(&html::render(&r)), "");
    r.build_inputs = Some(Default::default());
    assert_eq!(inputs_section(&html::render(&r)), "");
    // A reproducible verify still shows how its builds ran.
    let mut r = with_builds(reproducible(), "-ldflags=-buildid=", "x");
    r.build_inputs = with_inputs().build_inputs;
    let s = inputs_section(&html::render(&r)).to_string();
    assert!(
        s.contains("dir /tmp/tbact/a/src") && s.contains("Timings"),
        "{s}"
    );
}

// ---------------------------------------------------------------- attestation

fn statement(r: &Report) -> Value {
    serde_json::from_str(&attest::statement(r)).expect("the statement is JSON")
}

#[test]
fn attestation_subjects_are_the_files_sha256() {
    let r = differs();
    let s = statement(&r);
    assert_eq!(s["_type"], "https://in-toto.io/Statement/v1");
    assert_eq!(s["predicateType"], attest::PREDICATE_TYPE);
    let subjects = s["subject"].as_array().unwrap();
    assert_eq!(subjects.len(), 2);
    for (subject, file) in subjects.iter().zip(["plain-a", "plain-b"]) {
        assert_eq!(subject["name"], file);
        assert_eq!(subject["digest"]["sha256"], sha256_file(&fixture(file)));
        assert_eq!(
            subject["digest"].as_object().unwrap().len(),
            1,
            "sha256 only"
        );
    }
    let p = &s["predicate"];
    assert_eq!(p["verdict"], "differs");
    assert_eq!(p["reproducible"], false);
    assert_eq!(p["exitCode"], 1);
    assert_eq!(
        p["verifier"]["version"]["twinbuild"],
        env!("CARGO_PKG_VERSION")
    );
    let roots: Vec<&Value> = p["rootCauses"].as_array().unwrap().iter().collect();
    assert_eq!(roots.len(), r.roots().count());
    assert_eq!(roots[0]["cause"], r.roots().next().unwrap().cause.code());
    let total: u64 = p["summary"]["byCause"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(total, p["summary"]["differingBytes"].as_u64().unwrap());

    // Reproducible: one file twice is one subject.
    let s = statement(&reproducible());
    let subjects = s["subject"].as_array().unwrap();
    assert_eq!(subjects.len(), 1);
    assert_eq!(subjects[0]["name"], "release");
    assert_eq!(
        subjects[0]["digest"]["sha256"],
        sha256_file(&fixture("release"))
    );
    assert_eq!(s["predicate"]["verdict"], "reproducible");
    assert_eq!(s["predicate"]["reproducible"], true);
    assert_eq!(s["predicate"]["exitCode"], 0);
}

#[test]
fn attestation_names_same_named_files_by_side() {
    let mut r = differs();
    r.lhs.path = "/tmp/a/out/hello".into();
    r.rhs.path = "/tmp/bb/out/hello".into();
    let s = statement(&r);
    let names: Vec<&str> = s["subject"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["hello (lhs)", "hello (rhs)"]);
}

#[test]
fn attestation_records_builds_and_is_deterministic() {
    let r = with_builds(differs(), "-ldflags=-buildid=", "x");
    let text = attest::statement(&r);
    assert_eq!(text, attest::statement(&r));
    let s: Value = serde_json::from_str(&text).unwrap();
    let p = &s["predicate"];
    assert_eq!(p["command"], "verify");
    assert_eq!(p["toolchain"]["version"], "go1.26.8");
    let builds = p["builds"].as_array().unwrap();
    assert_eq!(builds.len(), 2);
    assert_eq!(builds[0]["side"], "lhs");
    assert_eq!(builds[0]["goos"], "linux");
    assert_eq!(builds[0]["goarch"], "amd64");
    assert_eq!(builds[0]["goVersion"], "go version go1.26.8 linux/amd64");
    assert_eq!(builds[0]["command"][3], "-ldflags=-buildid=");
    assert_eq!(builds[0]["env"]["CGO_ENABLED"], "0");
    let mut names = std::collections::BTreeSet::new();
    keys(&s, &mut names);
    assert!(
        !names
            .iter()
            .any(|k| k.to_lowercase().contains("time") || k.contains("duration")),
        "a clock-dependent field: {names:?}"
    );
    let mut allowed = r.clone();
    allowed.allowances = vec![Cause::EmbeddedPath];
    assert_eq!(
        statement(&allowed)["predicate"]["allowances"][0],
        "embedded-path"
    );
    // Hostile strings are data in JSON: it still parses and keeps them intact.
    let h = statement(&hostile());
    assert!(h["predicate"]["rootCauses"][0]["title"]
        .as_str()
        .unwrap()
        .contains(SCRIPT));
}

/// Every number (and every string) of `v`, in document order, by a path of steps.
fn leaves(v: &Value, path: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                path.push(k.clone());
                leaves(x, path, out);
                path.pop();
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                path.push(i.to_string());
                leaves(x, path, out);
                path.pop();
            }
        }
        Value::Number(_) | Value::String(_) => out.push(path.clone()),
        _ => {}
    }
}

fn leaf_mut<'v>(v: &'v mut Value, path: &[String]) -> &'v mut Value {
    path.iter().fold(v, |v, step| match v {
        Value::Array(a) => &mut a[step.parse::<usize>().unwrap()],
        other => &mut other[step.as_str()],
    })
}

/// `merge` renders reports it did not write: a report read back with
/// numbers that contradict each other (a `root` naming no finding, offsets
/// past the section, highlights past the excerpt, sizes near u64::MAX) or
/// strings of control characters must render in every format without a
/// panic. Deterministic: a fixed generator picks the edits.
#[test]
fn an_edited_report_reads_back_and_renders_without_panicking() {
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let numbers = [0u64, 1, 7, 255, 1 << 31, 1 << 53, u64::MAX, u64::MAX - 1];
    let strings = ["", "\u{1b}[2J\r", "../../..", "<x>|`*", "a\nb", "€"];
    let mut rendered = 0;
    for (name, report) in reports_to_read_back() {
        if name == "huge" {
            continue; // 3000 findings: the others reach the same code, faster
        }
        let original = json(&report);
        let mut paths = Vec::new();
        leaves(&original, &mut Vec::new(), &mut paths);
        for _ in 0..12 {
            let mut edited = original.clone();
            for _ in 0..8 {
                let path = &paths[(next() % paths.len() as u64) as usize];
                if path.first().map(String::as_str) == Some("schema_version") {
                    continue;
                }
                let leaf = leaf_mut(&mut edited, path);
                *leaf = match leaf {
                    Value::Number(_) => numbers[(next() % numbers.len() as u64) as usize].into(),
                    _ => strings[(next() % strings.len() as u64) as usize].into(),
                };
            }
            // An edit may make the JSON unreadable (a verdict no one knows): that is a refusal, not a panic.
            let Ok(back) = Report::from_json(&edited.to_string()) else {
                continue;
            };
            let result = std::panic::catch_unwind(|| renderings(&back));
            assert!(
                result.is_ok(),
                "{name}: rendering an edited report panicked:\n{edited}"
            );
            rendered += 1;
        }
    }
    assert!(
        rendered >= 60,
        "only {rendered} edited reports were readable"
    );
}
