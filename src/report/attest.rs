//! The attestation (`--attest FILE`): an unsigned in-toto Statement v1 about
//! the two artifacts, with a predicate of our own type recording what
//! twinbuild found. Signing is left to `cosign` or `actions/attest`
//! (docs/formats.md), so twinbuild never touches keys or identity tokens.
//!
//! Deterministic: no timestamp and no build durations, fields in declaration
//! order, maps sorted; the same report gives the same bytes.

use std::collections::BTreeMap;

use serde::Serialize;

use super::view::file_name;
use super::{Report, Verdict};
use crate::attribute::Cause;
use crate::binary::Format;
use crate::harness::{BuildRecord, ToolchainInfo};

/// The in-toto Statement type this writes.
pub const STATEMENT_TYPE: &str = "https://in-toto.io/Statement/v1";
/// The predicate type: a reproducible-build verification by twinbuild, version 1.
pub const PREDICATE_TYPE: &str = "https://twinbuild.dev/attestation/reproducible-build/v1";
/// Who verified, for `predicate.verifier.id`.
pub const VERIFIER_ID: &str = "https://twinbuild.dev/twinbuild";

/// An in-toto Statement v1 around one of our predicates: the envelope of
/// both `--attest` writers (this one and `rebuild::attest`).
#[derive(Serialize)]
pub(crate) struct Statement<P> {
    #[serde(rename = "_type")]
    type_: &'static str,
    subject: Vec<Subject>,
    #[serde(rename = "predicateType")]
    predicate_type: &'static str,
    predicate: P,
}

impl<P: Serialize> Statement<P> {
    pub(crate) fn new(subject: Vec<Subject>, predicate_type: &'static str, predicate: P) -> Self {
        Statement {
            type_: STATEMENT_TYPE,
            subject,
            predicate_type,
            predicate,
        }
    }

    /// Pretty-printed JSON, ending in a newline.
    pub(crate) fn to_json(&self) -> String {
        let mut out = serde_json::to_string_pretty(self).expect("a Statement always serialises");
        out.push('\n');
        out
    }
}

/// A file the statement is about, by its sha256.
#[derive(Serialize)]
pub(crate) struct Subject {
    name: String,
    digest: BTreeMap<&'static str, String>,
}

impl Subject {
    pub(crate) fn sha256(name: String, sha256: &str) -> Subject {
        Subject {
            name,
            digest: BTreeMap::from([("sha256", sha256.to_string())]),
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Predicate<'a> {
    verifier: Verifier<'a>,
    /// `verify` (twinbuild built both) or `diff` (two given files).
    command: &'a str,
    verdict: Verdict,
    /// `verdict == reproducible`, for policies that want a boolean.
    reproducible: bool,
    exit_code: i32,
    lhs: ArtifactInfo<'a>,
    rhs: ArtifactInfo<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    toolchain: Option<&'a ToolchainInfo>,
    builds: Vec<Build<'a>>,
    summary: Summary<'a>,
    root_causes: Vec<RootCause<'a>>,
    allowances: Vec<Cause>,
    report_schema_version: u32,
}

/// Who made the statement: twinbuild, at a version.
#[derive(Serialize)]
pub(crate) struct Verifier<'a> {
    id: &'static str,
    version: BTreeMap<&'static str, &'a str>,
}

impl<'a> Verifier<'a> {
    pub(crate) fn twinbuild(version: &'a str) -> Verifier<'a> {
        Verifier {
            id: VERIFIER_ID,
            version: BTreeMap::from([("twinbuild", version)]),
        }
    }
}

#[derive(Serialize)]
struct ArtifactInfo<'a> {
    name: &'a str,
    size: u64,
    format: Format,
    arch: &'a str,
    sha256: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Build<'a> {
    side: &'static str,
    command: &'a [String],
    env: &'a BTreeMap<String, String>,
    go_version: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    goos: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    goarch: Option<&'a str>,
    go_env: &'a BTreeMap<String, String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Summary<'a> {
    differing_bytes: u64,
    by_cause: &'a BTreeMap<String, u64>,
    sections_total: usize,
    sections_differing: usize,
    findings: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RootCause<'a> {
    finding: usize,
    cause: Cause,
    title: &'a str,
    section: &'a str,
    bytes: u64,
    /// Bytes of the layout-shift findings that follow from it.
    shifted_bytes: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    fix: Option<&'a str>,
}

fn artifact(a: &super::Artifact) -> ArtifactInfo<'_> {
    ArtifactInfo {
        name: file_name(&a.path),
        size: a.size,
        format: a.format,
        arch: &a.arch,
        sha256: &a.sha256,
    }
}

fn build(b: &BuildRecord) -> Build<'_> {
    Build {
        side: b.side.name(),
        command: &b.command,
        env: &b.env,
        go_version: &b.go_version,
        goos: b.go_env.get("GOOS").map(String::as_str),
        goarch: b.go_env.get("GOARCH").map(String::as_str),
        go_env: &b.go_env,
    }
}

/// The subjects: both artifacts by file name and sha256. Identical entries
/// (a reproducible `verify`: same name, same bytes) are one subject, as the
/// subject is a set; two different files with the same name are told apart
/// by side (`hello (lhs)`), as names should be unique within it.
fn subjects(r: &Report) -> Vec<Subject> {
    pair_subjects((&r.lhs.path, &r.lhs.sha256), (&r.rhs.path, &r.rhs.sha256))
}

/// The subjects of two compared files given as `(path, sha256)`, by file
/// name: one when they are the same bytes under one name, told apart by
/// side when two different files share a name.
pub(crate) fn pair_subjects(lhs: (&str, &str), rhs: (&str, &str)) -> Vec<Subject> {
    let (l, r) = (file_name(lhs.0), file_name(rhs.0));
    let subject = Subject::sha256;
    if l == r && lhs.1 == rhs.1 {
        vec![subject(l.to_string(), lhs.1)]
    } else if l == r {
        vec![
            subject(format!("{l} (lhs)"), lhs.1),
            subject(format!("{r} (rhs)"), rhs.1),
        ]
    } else {
        vec![subject(l.to_string(), lhs.1), subject(r.to_string(), rhs.1)]
    }
}

/// The Statement as pretty-printed JSON, ending in a newline.
pub fn statement(report: &Report) -> String {
    let r = report;
    let root_causes = r
        .roots()
        .map(|f| RootCause {
            finding: f.id,
            cause: f.cause,
            title: &f.title,
            section: &f.section,
            bytes: f.bytes,
            shifted_bytes: r
                .findings
                .iter()
                .filter(|g| g.root == Some(f.id))
                .map(|g| g.bytes)
                .sum(),
            fix: f.fix.as_deref(),
        })
        .collect();
    let s = Statement::new(
        subjects(r),
        PREDICATE_TYPE,
        Predicate {
            verifier: Verifier::twinbuild(&r.twinbuild_version),
            command: &r.command,
            verdict: r.verdict,
            reproducible: r.verdict == Verdict::Reproducible,
            exit_code: r.exit_code,
            lhs: artifact(&r.lhs),
            rhs: artifact(&r.rhs),
            toolchain: r.toolchain.as_ref(),
            builds: r.builds.iter().map(build).collect(),
            summary: Summary {
                differing_bytes: r.summary.differing_bytes,
                by_cause: &r.summary.by_cause,
                sections_total: r.summary.sections_total,
                sections_differing: r.summary.sections_differing,
                findings: r.findings.len(),
            },
            root_causes,
            allowances: r.allowances.clone(),
            report_schema_version: r.schema_version,
        },
    );
    s.to_json()
}
