//! The report of a verify of several binaries (`verify --package ./...`,
//! several `--target`s, `--shard K/N`) and of `twinbuild merge`: a
//! [`MatrixReport`], one [`Report`] per artifact with its own verdict, the
//! overall verdict (the worst), and the roots shared across artifacts.
//!
//! Input: what `matrix` built and compared (the source's identity, the
//! settings, the units, each artifact's report). Output: text in any of the
//! [`OutputFormat`]s and the in-toto statement. Like [`Report`], a pure
//! function of its inputs, and it reads back from its own JSON, which
//! `merge` relies on.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use super::markdown;
use super::view::{plural, size};
use super::{html, human, OutputFormat, Report, Verdict, SCHEMA_VERSION};
use crate::attribute::Cause;
use crate::harness::ToolchainInfo;

/// `kind` of a matrix report (a single report has none).
pub const KIND: &str = "matrix";

/// One shard of the units: `index` of `count`, 1-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl Shard {
    /// `K/N` with 1 ≤ K ≤ N.
    pub fn parse(s: &str) -> Result<Shard, String> {
        let bad = || format!("--shard takes K/N with 1 <= K <= N, e.g. 1/4, not {s:?}");
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let (index, count) = (
            k.trim().parse::<usize>().map_err(|_| bad())?,
            n.trim().parse::<usize>().map_err(|_| bad())?,
        );
        if index == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }

    /// Whether the `i`-th unit (0-based, in the report's unit order) is this shard's.
    pub fn takes(&self, i: usize) -> bool {
        i % self.count == self.index - 1
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// A (package, target) pair: one binary to verify.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Unit {
    /// `./cmd/a`, `.` for the module root, or an import path.
    pub package: String,
    /// `GOOS/GOARCH`.
    pub target: String,
}

impl std::fmt::Display for Unit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.package, self.target)
    }
}

/// The source verified: the same tree gives the same digest wherever it is checked out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    /// The directory as given (not compared by `merge`).
    pub dir: String,
    /// sha256 over the sorted relative paths and contents of every file (`.git` left out).
    pub sha256: String,
    pub files: u64,
}

/// What shapes the builds: the shards of one run must agree on all of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    /// `--package` values as given (patterns included).
    pub packages: Vec<String>,
    /// `GOOS/GOARCH`s, in the order given.
    pub targets: Vec<String>,
    pub profile: String,
    pub cgo: bool,
    pub tags: Option<String>,
    pub ldflags: Option<String>,
    pub go_flags: Vec<String>,
    /// `--toolchain` as given (the one used is `toolchain`).
    pub toolchain: Option<String>,
    pub lhs_env: Vec<String>,
    pub rhs_env: Vec<String>,
    pub git_lhs: bool,
    pub build_inputs: bool,
    /// Causes accepted with `--allow`.
    pub allowances: Vec<Cause>,
}

/// One artifact's result.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ArtifactResult {
    pub unit: Unit,
    pub verdict: Verdict,
    pub exit_code: i32,
    /// The binary's diff, attribution and builds, as `verify` of it alone reports them.
    pub report: Report,
}

/// A root cause found in one or more artifacts (same cause, variation and fix).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedRoot {
    pub cause: Cause,
    /// The first artifact's finding title.
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variation: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
    /// Bytes of these roots, all artifacts together (their layout shifts not counted).
    pub bytes: u64,
    /// The artifacts it is a root of, in unit order.
    pub artifacts: Vec<Unit>,
}

/// Counts over the artifacts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatrixSummary {
    /// Every unit the patterns and targets give, in all shards.
    pub units: usize,
    /// Artifacts verified in this report.
    pub artifacts: usize,
    pub reproducible: usize,
    /// Differing, gate passed by `--allow`.
    pub allowed: usize,
    pub differing: usize,
    pub differing_bytes: u64,
    pub unproven_bytes: u64,
}

/// Everything a verify of several binaries found.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MatrixReport {
    pub schema_version: u32,
    pub twinbuild_version: String,
    /// `verify` (a merged report is the verify the shards split).
    pub command: String,
    /// Always `matrix`: tells this report from a single binary's.
    pub kind: String,
    pub verdict: Verdict,
    /// The worst artifact's exit code (0 reproducible or allowed, 1 differs).
    pub exit_code: i32,
    pub source: Source,
    pub settings: Settings,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub toolchain: Option<ToolchainInfo>,
    /// The shard this report covers; absent when it covers every unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<Shard>,
    /// Every unit of the run, in order (targets in the given order, packages as listed).
    pub units: Vec<Unit>,
    pub summary: MatrixSummary,
    pub roots: Vec<SharedRoot>,
    /// This report's artifacts, in unit order.
    pub artifacts: Vec<ArtifactResult>,
    pub notes: Vec<String>,
}

impl MatrixReport {
    /// The report of `artifacts` (any order: they are put in unit order).
    pub fn new(
        source: Source,
        settings: Settings,
        toolchain: Option<ToolchainInfo>,
        shard: Option<Shard>,
        units: Vec<Unit>,
        mut artifacts: Vec<ArtifactResult>,
        notes: Vec<String>,
    ) -> MatrixReport {
        let order = |u: &Unit| units.iter().position(|v| v == u).unwrap_or(usize::MAX);
        artifacts.sort_by_key(|a| order(&a.unit));
        let exit_code = artifacts.iter().map(|a| a.exit_code).max().unwrap_or(0);
        let differs = |a: &&ArtifactResult| a.verdict == Verdict::Differs;
        let verdict = if artifacts.iter().any(|a| differs(&a)) {
            Verdict::Differs
        } else {
            Verdict::Reproducible
        };
        let summary = MatrixSummary {
            units: units.len(),
            artifacts: artifacts.len(),
            reproducible: artifacts.iter().filter(|a| !differs(a)).count(),
            allowed: artifacts
                .iter()
                .filter(|a| differs(a) && a.exit_code == 0)
                .count(),
            differing: artifacts
                .iter()
                .filter(|a| differs(a) && a.exit_code != 0)
                .count(),
            differing_bytes: artifacts
                .iter()
                .map(|a| a.report.summary.differing_bytes)
                .sum(),
            unproven_bytes: artifacts
                .iter()
                .map(|a| a.report.summary.unproven_bytes)
                .sum(),
        };
        let roots = shared_roots(&artifacts);
        // The artifacts' notes (toolchain, network, caches...) once each, after the run's own.
        let mut notes = notes;
        for n in artifacts.iter().flat_map(|a| &a.report.notes) {
            if !notes.contains(n) {
                notes.push(n.clone());
            }
        }
        MatrixReport {
            schema_version: SCHEMA_VERSION,
            twinbuild_version: env!("CARGO_PKG_VERSION").to_string(),
            command: "verify".into(),
            kind: KIND.into(),
            verdict,
            exit_code,
            source,
            settings,
            toolchain,
            shard,
            units,
            summary,
            roots,
            artifacts,
            notes,
        }
    }

    /// Reads a matrix report back from its JSON (`merge`); `name` says where
    /// it came from in the errors.
    pub fn from_json(name: &str, text: &str) -> Result<MatrixReport, String> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| format!("{name}: not a JSON report: {e}"))?;
        match value.get("schema_version").and_then(|v| v.as_u64()) {
            Some(v) if v == u64::from(SCHEMA_VERSION) => {}
            Some(v) => {
                return Err(format!(
                    "{name}: schema_version {v}, this twinbuild reads {SCHEMA_VERSION}"
                ))
            }
            None => {
                return Err(format!(
                    "{name}: not a twinbuild report (no schema_version)"
                ))
            }
        }
        let what = match value.get("kind").and_then(|v| v.as_str()) {
            Some(KIND) => None,
            Some("archive") => Some("an archive report"),
            _ => Some("a report of one binary"),
        };
        if let Some(what) = what {
            return Err(format!(
                "{name}: {what}; merge joins the reports of `verify --shard K/N` (or of several packages or targets)"
            ));
        }
        serde_json::from_value(value).map_err(|e| format!("{name}: malformed matrix report: {e}"))
    }

    /// Render in `format`; the options are for the human format (`timings`:
    /// each differing artifact's build timings, with `verbose`).
    pub fn render(&self, format: OutputFormat, options: super::RenderOptions) -> String {
        match format {
            OutputFormat::Human => self.human(options),
            OutputFormat::Json => {
                let mut s =
                    serde_json::to_string_pretty(self).expect("a MatrixReport always serialises");
                s.push('\n');
                s
            }
            OutputFormat::Markdown => self.markdown(),
            OutputFormat::Html => self.html(),
        }
    }

    /// The artifacts that differ (gated or allowed).
    fn differing(&self) -> impl Iterator<Item = &ArtifactResult> {
        self.artifacts
            .iter()
            .filter(|a| a.verdict == Verdict::Differs)
    }

    /// One line: how many artifacts, how many differ.
    fn headline(&self) -> String {
        let s = &self.summary;
        let scope = match self.shard {
            Some(shard) => format!(
                "shard {shard}: {} of {} artifact{}",
                s.artifacts,
                s.units,
                plural(s.units)
            ),
            None => format!("{} artifact{}", s.artifacts, plural(s.artifacts)),
        };
        let packages: std::collections::BTreeSet<&str> =
            self.units.iter().map(|u| u.package.as_str()).collect();
        let targets: std::collections::BTreeSet<&str> =
            self.units.iter().map(|u| u.target.as_str()).collect();
        let mut line = format!(
            "{scope} ({} package{} × {} target{})",
            packages.len(),
            plural(packages.len()),
            targets.len(),
            plural(targets.len())
        );
        let _ = write!(line, ": {} reproducible", s.reproducible);
        if s.allowed > 0 {
            let _ = write!(line, ", {} differ within --allow", s.allowed);
        }
        if s.differing > 0 {
            let _ = write!(line, ", {} differ", s.differing);
        }
        line
    }

    fn verdict_word(&self) -> &'static str {
        match (self.verdict, self.exit_code) {
            (Verdict::Reproducible, _) => "REPRODUCIBLE",
            (Verdict::Differs, 0) => "ALLOWED",
            (Verdict::Differs, _) => "NOT REPRODUCIBLE",
        }
    }

    fn human(&self, options: super::RenderOptions) -> String {
        let (color, verbose) = (options.color, options.verbose);
        let e = human::escape;
        let mut o = String::new();
        let code = if self.exit_code == 0 { "32;1" } else { "31;1" };
        let _ = writeln!(
            o,
            "{}  {}",
            human::paint(color, code, self.verdict_word()),
            self.headline()
        );
        if let Some(t) = &self.toolchain {
            let _ = writeln!(o, "  toolchain {} ({})", e(&t.version), e(&t.source));
        }
        let _ = writeln!(o);
        let width = self
            .artifacts
            .iter()
            .map(|a| a.unit.package.chars().count())
            .max()
            .unwrap_or(0)
            .max(7);
        let twidth = self
            .artifacts
            .iter()
            .map(|a| a.unit.target.len())
            .max()
            .unwrap_or(0)
            .max(6);
        let _ = writeln!(
            o,
            "  {:width$}  {:twidth$}  {:12}  {:>10}  {:>10}  root causes",
            "package", "target", "verdict", "differing", "unproven"
        );
        for a in &self.artifacts {
            let word = artifact_word(a);
            let painted = human::paint(
                color,
                if a.exit_code == 0 { "32" } else { "31" },
                &format!("{word:12}"),
            );
            let _ = writeln!(
                o,
                "  {:width$}  {:twidth$}  {painted}  {:>10}  {:>10}  {}",
                e(&a.unit.package),
                e(&a.unit.target),
                size(a.report.summary.differing_bytes),
                size(a.report.summary.unproven_bytes),
                causes(&a.report)
            );
        }
        if !self.roots.is_empty() {
            let _ = writeln!(o, "\nroot causes across artifacts:");
            for r in &self.roots {
                let _ = writeln!(
                    o,
                    "  [{}] {} ({}, {} artifact{})",
                    r.cause.code(),
                    e(&r.title),
                    size(r.bytes),
                    r.artifacts.len(),
                    plural(r.artifacts.len())
                );
                let list: Vec<String> = r.artifacts.iter().map(|u| e(&u.to_string())).collect();
                let _ = writeln!(o, "      in {}", list.join(", "));
                if let Some(fix) = &r.fix {
                    let _ = writeln!(o, "      fix: {}", e(fix));
                }
            }
        }
        for a in self.differing() {
            let _ = writeln!(o, "\n── {} ──", e(&a.unit.to_string()));
            if verbose {
                o.push_str(&a.report.render_with(
                    OutputFormat::Human,
                    super::RenderOptions {
                        verbose: false,
                        ..options
                    },
                ));
            } else {
                for f in a.report.roots() {
                    let proven = if f.proven == Some(false) {
                        " UNPROVEN"
                    } else {
                        ""
                    };
                    let _ = writeln!(
                        o,
                        "  #{} [{}]{proven} {} ({}, {})",
                        f.id,
                        f.cause.code(),
                        e(&f.title),
                        e(&f.section),
                        size(f.bytes)
                    );
                }
            }
        }
        if self.differing().next().is_some() && !verbose {
            let _ = writeln!(
                o,
                "\n  (--verbose shows each differing artifact's whole report; --format json has every finding)"
            );
        }
        for n in &self.notes {
            let _ = writeln!(o, "\nnote: {}", e(n));
        }
        o
    }

    fn markdown(&self) -> String {
        let (esc, code) = (markdown::escape, markdown::code);
        let mut o = String::new();
        let icon = if self.exit_code == 0 { "✅" } else { "❌" };
        let _ = writeln!(
            o,
            "## {icon} twinbuild: {}\n\n{}\n",
            self.verdict_word().to_lowercase(),
            esc(&self.headline())
        );
        o.push_str(
            "| package | target | verdict | differing | root causes |\n|---|---|---|---:|---|\n",
        );
        for a in &self.artifacts {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {} | {} |",
                code(&a.unit.package, true),
                code(&a.unit.target, true),
                artifact_word(a),
                size(a.report.summary.differing_bytes),
                size(a.report.summary.unproven_bytes),
                esc(&causes(&a.report))
            );
        }
        if !self.roots.is_empty() {
            o.push_str("\n### Root causes\n\n");
            for r in &self.roots {
                let list: Vec<String> = r
                    .artifacts
                    .iter()
                    .map(|u| code(&u.to_string(), false))
                    .collect();
                let _ = writeln!(
                    o,
                    "- **{}** {} ({}) in {}",
                    r.cause.code(),
                    esc(&r.title),
                    size(r.bytes),
                    list.join(", ")
                );
                if let Some(fix) = &r.fix {
                    let _ = writeln!(o, "  - fix: {}", esc(fix));
                }
            }
        }
        for n in &self.notes {
            let _ = writeln!(o, "\n> **Note:** {}", esc(n));
        }
        let _ = writeln!(
            o,
            "\n<sub>twinbuild {} · `twinbuild {}` · exit code {}</sub>",
            esc(&self.twinbuild_version),
            esc(&self.command),
            self.exit_code
        );
        if o.len() > markdown::MAX_BYTES {
            o.truncate(
                (0..=markdown::MAX_BYTES - 200)
                    .rev()
                    .find(|&i| o.is_char_boundary(i) && o[..i].ends_with('\n'))
                    .unwrap_or(0),
            );
            o.push_str("\n> **Trimmed** to stay under a job summary's size: `--format json` and `--format html` have everything.\n");
        }
        o
    }

    fn html(&self) -> String {
        let e = html::escape;
        let mut o = String::new();
        html::page_start(
            &mut o,
            &format!(
                "twinbuild: {}: {}",
                self.verdict_word().to_lowercase(),
                self.headline()
            ),
        );
        let _ = writeln!(
            o,
            "<h1>twinbuild: {}</h1>\n<p>{}</p>",
            self.verdict_word().to_lowercase(),
            e(&self.headline())
        );
        o.push_str("<table>\n<thead><tr><th>package</th><th>target</th><th>verdict</th><th>differing</th><th>unproven</th><th>root causes</th></tr></thead>\n<tbody>\n");
        for a in &self.artifacts {
            let _ = writeln!(
                o,
                "<tr><td><code>{}</code></td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                e(&a.unit.package),
                e(&a.unit.target),
                artifact_word(a),
                size(a.report.summary.differing_bytes),
                size(a.report.summary.unproven_bytes),
                e(&causes(&a.report))
            );
        }
        o.push_str("</tbody>\n</table>\n");
        if !self.roots.is_empty() {
            o.push_str("<h2>Root causes</h2>\n<ul>\n");
            for r in &self.roots {
                let list: Vec<String> = r.artifacts.iter().map(|u| e(&u.to_string())).collect();
                let _ = write!(
                    o,
                    "<li><span class=\"cause c-{0}\">{0}</span> {1} ({2}) in {3}",
                    r.cause.code(),
                    e(&r.title),
                    size(r.bytes),
                    list.join(", ")
                );
                if let Some(fix) = &r.fix {
                    let _ = write!(o, "<br>fix: {}", e(fix));
                }
                o.push_str("</li>\n");
            }
            o.push_str("</ul>\n");
        }
        for a in self.differing() {
            let _ = writeln!(o, "<h2>{}</h2>\n<ul>", e(&a.unit.to_string()));
            for f in a.report.roots() {
                let _ = write!(
                    o,
                    "<li><span class=\"cause c-{0}\">{0}</span> {1} (<code>{2}</code>, {3})",
                    f.cause.code(),
                    e(&f.title),
                    e(&f.section),
                    size(f.bytes)
                );
                if f.proven == Some(false) {
                    o.push_str(" <strong>unproven</strong>");
                }
                if let Some(fix) = &f.fix {
                    let _ = write!(o, "<br>fix: {}", e(fix));
                }
                o.push_str("</li>\n");
            }
            o.push_str("</ul>\n");
        }
        if !self.notes.is_empty() {
            o.push_str("<h2>Notes</h2>\n<ul>\n");
            for n in &self.notes {
                let _ = writeln!(o, "<li>{}</li>", e(n));
            }
            o.push_str("</ul>\n");
        }
        html::page_end(
            &mut o,
            &self.twinbuild_version,
            &self.command,
            &format!("matrix report schema {}", self.schema_version),
            self.exit_code,
        );
        o
    }

    /// An unsigned in-toto Statement v1: each artifact's lhs binary is a
    /// subject (`GOOS_GOARCH/name`), the predicate the per-artifact verdicts.
    pub fn statement(&self) -> String {
        let subjects = self
            .artifacts
            .iter()
            .map(|a| {
                super::attest::Subject::sha256(
                    subject_name(&a.unit, &a.report.lhs.path),
                    &a.report.lhs.sha256,
                )
            })
            .collect();
        let predicate = Predicate {
            verifier: super::attest::Verifier::twinbuild(&self.twinbuild_version),
            command: &self.command,
            kind: &self.kind,
            verdict: self.verdict,
            reproducible: self.exit_code == 0 && self.verdict == Verdict::Reproducible,
            exit_code: self.exit_code,
            source: &self.source,
            settings: &self.settings,
            toolchain: self.toolchain.as_ref(),
            shard: self.shard,
            artifacts: self
                .artifacts
                .iter()
                .map(|a| PredicateArtifact {
                    package: &a.unit.package,
                    target: &a.unit.target,
                    verdict: a.verdict,
                    exit_code: a.exit_code,
                    lhs_sha256: &a.report.lhs.sha256,
                    rhs_sha256: &a.report.rhs.sha256,
                    root_causes: &a.report.summary.root_causes,
                })
                .collect(),
            report_schema_version: self.schema_version,
        };
        super::attest::Statement::new(subjects, super::attest::PREDICATE_TYPE, predicate).to_json()
    }
}

/// The subject name of an artifact: its target and file name.
fn subject_name(unit: &Unit, path: &str) -> String {
    format!(
        "{}/{}",
        unit.target.replace('/', "_"),
        super::view::file_name(path)
    )
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Predicate<'a> {
    verifier: super::attest::Verifier<'a>,
    command: &'a str,
    kind: &'a str,
    verdict: Verdict,
    reproducible: bool,
    exit_code: i32,
    source: &'a Source,
    settings: &'a Settings,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    toolchain: Option<&'a ToolchainInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    shard: Option<Shard>,
    artifacts: Vec<PredicateArtifact<'a>>,
    report_schema_version: u32,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PredicateArtifact<'a> {
    package: &'a str,
    target: &'a str,
    verdict: Verdict,
    exit_code: i32,
    lhs_sha256: &'a str,
    rhs_sha256: &'a str,
    root_causes: &'a [Cause],
}

/// `reproducible`, `allowed` or `differs`.
fn artifact_word(a: &ArtifactResult) -> &'static str {
    match (a.verdict, a.exit_code) {
        (Verdict::Reproducible, _) => "reproducible",
        (Verdict::Differs, 0) => "allowed",
        (Verdict::Differs, _) => "differs",
    }
}

/// The report's root causes, comma-separated (`-` for none).
fn causes(r: &Report) -> String {
    if r.summary.root_causes.is_empty() {
        return "-".into();
    }
    let codes: Vec<&str> = r.summary.root_causes.iter().map(|c| c.code()).collect();
    codes.join(", ")
}

/// Roots with the same cause, variation and fix, across artifacts, in the
/// order of their first artifact and finding.
fn shared_roots(artifacts: &[ArtifactResult]) -> Vec<SharedRoot> {
    let mut out: Vec<SharedRoot> = Vec::new();
    for a in artifacts {
        for f in a.report.roots() {
            let same = |r: &&mut SharedRoot| {
                r.cause == f.cause && r.variation == f.variation && r.fix == f.fix
            };
            match out.iter_mut().find(|r| same(r)) {
                Some(r) => {
                    r.bytes += f.bytes;
                    if r.artifacts.last() != Some(&a.unit) {
                        r.artifacts.push(a.unit.clone());
                    }
                }
                None => out.push(SharedRoot {
                    cause: f.cause,
                    title: f.title.clone(),
                    variation: f.variation.clone(),
                    fix: f.fix.clone(),
                    bytes: f.bytes,
                    artifacts: vec![a.unit.clone()],
                }),
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_split_units_round_robin() {
        assert_eq!(Shard::parse("2/3"), Ok(Shard { index: 2, count: 3 }));
        for bad in ["0/2", "3/2", "1", "a/b", "1/0", ""] {
            assert!(Shard::parse(bad).is_err(), "{bad}");
        }
        let shards: Vec<Shard> = (1..=3).map(|k| Shard { index: k, count: 3 }).collect();
        for i in 0..10 {
            assert_eq!(shards.iter().filter(|s| s.takes(i)).count(), 1, "unit {i}");
        }
        assert!(shards[0].takes(0) && shards[1].takes(1) && shards[2].takes(5));
    }

    #[test]
    fn subjects_are_named_by_target_and_file() {
        let unit = Unit {
            package: "./cmd/a".into(),
            target: "windows/amd64".into(),
        };
        assert_eq!(
            subject_name(&unit, "lhs/windows_amd64/a.exe"),
            "windows_amd64/a.exe"
        );
    }
}
