//! Stage 5, `report`: one [`Report`] value, rendered four ways.
//!
//! Input: the two artifacts, the [`Diff`](crate::diff::Diff), the
//! [`Attribution`](crate::attribute::Attribution) and, for `verify`, the build
//! records. Output: text in one of the [`OutputFormat`]s. Only this module
//! (and `main.rs`) knows about colour, terminals and formats. The report is a
//! pure function of its inputs: the same inputs render to the same bytes.
//!
//! JSON is the `Report` as serde writes it; the human, Markdown and HTML
//! renderers format one `view::View` of it, which decides what they show.

pub mod archive;
pub mod attest;
pub mod cache;
pub mod confirmation;
pub mod html;
pub mod human;
pub mod inspect;
pub mod json;
pub mod markdown;
pub mod matrix;
pub mod progress;
pub(crate) mod view;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::attribute::{Attribution, Cause, Finding};
use crate::binary::{Binary, Format};
use crate::diff::{Compared, Diff, Status};
use crate::harness::{BuildRecord, ToolchainInfo};

pub use confirmation::{ConfirmOutcome, Confirmation, RebuiltArtifact};

/// Bumped when a field changes meaning or goes away (adding fields does not bump it).
pub const SCHEMA_VERSION: u32 = 1;

/// The output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    Human,
    Json,
    Markdown,
    Html,
}

/// The verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Byte-identical.
    Reproducible,
    /// Different bytes.
    Differs,
}

/// One of the two compared files.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Artifact {
    pub path: String,
    pub size: u64,
    pub format: Format,
    pub arch: String,
    pub sha256: String,
}

impl Artifact {
    pub fn new(path: &str, binary: &Binary<'_>) -> Artifact {
        Artifact::with_sha256(path, binary, None)
    }

    /// Like [`Artifact::new`], with the file's sha256 when the caller already
    /// has it (the CLI hashes files as it reads them).
    pub fn with_sha256(path: &str, binary: &Binary<'_>, sha256: Option<String>) -> Artifact {
        Artifact {
            path: path.to_string(),
            size: binary.data.len() as u64,
            format: binary.format,
            arch: binary.arch.clone(),
            sha256: sha256.unwrap_or_else(|| crate::binary::sha256_hex(binary.data)),
        }
    }
}

/// One row of the section table.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SectionRow {
    pub name: String,
    pub status: Status,
    pub lhs_size: u64,
    pub rhs_size: u64,
    pub differing_bytes: u64,
    pub compared: Compared,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
}

/// Byte accounting by cause.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Summary {
    pub differing_bytes: u64,
    /// Bytes per cause; adds up exactly to `differing_bytes`.
    pub by_cause: BTreeMap<String, u64>,
    /// The distinct causes of root findings, in finding order.
    pub root_causes: Vec<Cause>,
    pub sections_total: usize,
    pub sections_differing: usize,
    /// Differing bytes no proof covers: unproven roots (`code`, `data`,
    /// `dwarf`, `header` bytes named where they are) and unproven
    /// consequences. The gate never passes while this is above zero.
    pub unproven_bytes: u64,
}

/// Everything a run found, in the order it is shown. [`Report::from_json`]
/// reads back what the JSON renderer wrote: it renders to the same bytes in
/// every format.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    pub schema_version: u32,
    pub twinbuild_version: String,
    /// `verify` or `diff`.
    pub command: String,
    pub verdict: Verdict,
    /// The exit code this report gates with (0 reproducible or allowed, 1 differs).
    pub exit_code: i32,
    pub lhs: Artifact,
    pub rhs: Artifact,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub toolchain: Option<ToolchainInfo>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub builds: Vec<BuildRecord>,
    pub sections: Vec<SectionRow>,
    pub findings: Vec<Finding>,
    pub summary: Summary,
    /// Causes accepted with `--allow`.
    pub allowances: Vec<Cause>,
    /// `verify --confirm`: each of the harness's variations a root names,
    /// removed in a rebuild of the rhs, and what that showed. Never changes
    /// the verdict or the exit code.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub confirmations: Vec<Confirmation>,
    /// `verify`: the two builds compared in the go command's own terms
    /// (hash inputs per action, nondeterministic actions, timings).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build_inputs: Option<crate::actions::BuildInputs>,
    pub notes: Vec<String>,
}

/// Why a JSON text could not be read back as a [`Report`].
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// Not JSON, or not a report: serde's first error, with its line and column.
    #[error("not a twinbuild JSON report: {0}")]
    NotAReport(serde_json::Error),
    /// JSON, but not an object.
    #[error("not a twinbuild JSON report: the top level is {0}, not an object")]
    NotAnObject(&'static str),
    /// An object without `schema_version`.
    #[error("not a twinbuild JSON report: no schema_version")]
    NoSchemaVersion,
    /// A report of another schema version (its value as written).
    #[error("schema_version {0}, this twinbuild reads {SCHEMA_VERSION}")]
    SchemaVersion(String),
}

/// How a report is rendered, besides its format.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RenderOptions {
    /// ANSI colour (human format, on a terminal).
    pub color: bool,
    /// Human format: the per-section table of a reproducible result too, and
    /// every section (the same ones included) of a differing one.
    pub verbose: bool,
    /// Human format: each build's time per action (`verify --timings`).
    pub timings: bool,
}

/// What goes into a report besides the diff.
#[derive(Debug, Default)]
pub struct Context {
    pub command: String,
    pub toolchain: Option<ToolchainInfo>,
    pub builds: Vec<BuildRecord>,
    pub allowances: Vec<Cause>,
    pub notes: Vec<String>,
}

impl Report {
    pub fn new(
        lhs: Artifact,
        rhs: Artifact,
        diff: &Diff,
        attribution: Attribution,
        context: Context,
    ) -> Report {
        let verdict = if lhs.sha256 == rhs.sha256 && lhs.size == rhs.size {
            Verdict::Reproducible
        } else {
            Verdict::Differs
        };
        let sections: Vec<SectionRow> = diff
            .pairs
            .iter()
            .map(|p| SectionRow {
                name: p.name.clone(),
                status: p.status,
                lhs_size: p.lhs_size,
                rhs_size: p.rhs_size,
                differing_bytes: p.differing_bytes,
                compared: p.compared,
                warning: p.warning.clone(),
            })
            .collect();
        let mut by_cause = BTreeMap::new();
        for f in &attribution.findings {
            *by_cause.entry(f.cause.code().to_string()).or_insert(0) += f.bytes;
        }
        let mut root_causes = Vec::new();
        for f in attribution.findings.iter().filter(|f| f.root.is_none()) {
            if !root_causes.contains(&f.cause) {
                root_causes.push(f.cause);
            }
        }
        let unproven_bytes: u64 = attribution
            .findings
            .iter()
            .map(Finding::unproven_bytes)
            .sum();
        // A consequence passes only when proven, and only as a consequence of an allowed root.
        let allowed = verdict == Verdict::Differs
            && !context.allowances.is_empty()
            && unproven_bytes == 0
            && attribution.findings.iter().all(|f| {
                let root_cause = f
                    .root
                    .and_then(|r| attribution.findings.iter().find(|g| g.id == r))
                    .map_or(f.cause, |g| g.cause);
                context.allowances.contains(&root_cause)
            });
        let exit_code = match verdict {
            Verdict::Reproducible => 0,
            Verdict::Differs if allowed => 0,
            Verdict::Differs => 1,
        };
        let mut notes = context.notes;
        if allowed {
            let list: Vec<&str> = context.allowances.iter().map(|c| c.code()).collect();
            notes.push(format!(
                "every differing byte's root cause is allowed ({}): gate passes",
                list.join(", ")
            ));
        }
        Report {
            schema_version: SCHEMA_VERSION,
            twinbuild_version: env!("CARGO_PKG_VERSION").to_string(),
            command: context.command,
            verdict,
            exit_code,
            lhs,
            rhs,
            toolchain: context.toolchain,
            builds: context.builds,
            summary: Summary {
                differing_bytes: diff.differing_bytes(),
                by_cause,
                root_causes,
                sections_total: sections.len(),
                sections_differing: sections.iter().filter(|s| s.status != Status::Same).count(),
                unproven_bytes,
            },
            sections,
            findings: attribution.findings,
            allowances: context.allowances,
            confirmations: Vec::new(),
            build_inputs: None,
            notes,
        }
    }

    /// Reads a report written by the JSON renderer (`--format json`). A
    /// report of another [`SCHEMA_VERSION`] is refused before its fields are
    /// read; fields unknown to this version are ignored. Never panics.
    pub fn from_json(text: &str) -> Result<Report, ReadError> {
        let value: serde_json::Value = serde_json::from_str(text).map_err(ReadError::NotAReport)?;
        let kind = match &value {
            serde_json::Value::Object(_) => None,
            serde_json::Value::Array(_) => Some("an array"),
            serde_json::Value::String(_) => Some("a string"),
            serde_json::Value::Number(_) => Some("a number"),
            serde_json::Value::Bool(_) => Some("a boolean"),
            serde_json::Value::Null => Some("null"),
        };
        if let Some(kind) = kind {
            return Err(ReadError::NotAnObject(kind));
        }
        match value.get("schema_version") {
            None => return Err(ReadError::NoSchemaVersion),
            Some(v) if v.as_u64() != Some(u64::from(SCHEMA_VERSION)) => {
                return Err(ReadError::SchemaVersion(v.to_string()));
            }
            Some(_) => {}
        }
        // Parsed again from the text, not the value, for errors with a line and column.
        serde_json::from_str(text).map_err(ReadError::NotAReport)
    }

    /// Render in `format`. `color` applies to the human format only.
    pub fn render(&self, format: OutputFormat, color: bool) -> String {
        self.render_with(
            format,
            RenderOptions {
                color,
                ..RenderOptions::default()
            },
        )
    }

    /// [`render`](Report::render) with every option; `verbose` is for the human format.
    pub fn render_with(&self, format: OutputFormat, options: RenderOptions) -> String {
        match format {
            OutputFormat::Human => human::render(self, options),
            OutputFormat::Json => json::render(self),
            OutputFormat::Markdown => markdown::render(self),
            OutputFormat::Html => html::render(self),
        }
    }

    /// Root findings, in order.
    pub fn roots(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.root.is_none())
    }

    /// Adds what `verify --confirm` found; a refuted one is also a note.
    pub fn add_confirmations(&mut self, confirmations: Vec<Confirmation>) {
        for c in &confirmations {
            if c.outcome == ConfirmOutcome::Refuted {
                self.notes.push(format!(
                    "--confirm REFUTED {} for {}: {}",
                    c.variation,
                    c.root_list(),
                    c.detail
                ));
            }
        }
        self.confirmations = confirmations;
    }

    /// Findings holding bytes no proof covers, in order: every renderer
    /// shows them first after the verdict.
    pub fn unproven(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.proven == Some(false))
    }
}
